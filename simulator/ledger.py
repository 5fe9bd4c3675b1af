"""The state of one simulated company file, and how QuickBooks numbers and stamps what it stores.

QuickBooks gives every object identifiers with a recognisable shape, and a gateway must treat them
as opaque strings that merely look like this:

- ``ListID`` of a list element: an 8-hex-digit counter from ``80000001`` and the creation time
  in Unix seconds, e.g. ``80000013-1416570432``;
- ``TxnID`` of a transaction and ``TxnLineID`` of its lines: a hex counter without padding and the
  creation time, e.g. ``C5-1417118624``;
- ``EditSequence``: the modification time in Unix seconds, as a decimal string, which must change
  on every modification (the simulator never repeats one, even within a second);
- ``TimeCreated`` / ``TimeModified``: local time with its UTC offset, ``2014-11-27T18:03:44-02:00``.

:class:`Ledger` holds the lists, transactions, data extensions and open iterators. It is not
thread-safe: :class:`simulator.quickbooks.CompanyFile` serialises access with its lock.
Handlers (``customers``, ``invoices``, ``company_info``) take a ledger and one request element and
return an :class:`Answer`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from simulator.company_profile import CompanyProfile
from simulator.qbxml_text import format_time, text_of
from simulator.records import Customer, Invoice, Item, Node, Ref, Status


@dataclass(frozen=True)
class Answer:
    """What a handler returns: the status, the ``*Ret`` bodies and extra ``*Rs`` attributes."""

    status: Status
    rets: tuple[Node, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()


Handler = Callable[["Ledger", etree._Element], Answer]

DEFAULT_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("Consulting", "Consulting services", "150.00"),
    ("Design", "Design work", "95.00"),
    ("Hardware", "Hardware", "0.00"),
    ("Installation", "Installation labor", "75.00"),
    ("Shipping", "Shipping and handling", "0.00"),
)
"""Items every simulated company file starts with: (name, sales description, price)."""


class Ledger:
    """Lists, transactions, counters and the clock of one company file."""

    def __init__(
        self,
        profile: CompanyProfile,
        clock: Callable[[], datetime],
        items: Iterable[tuple[str, str, str]] = DEFAULT_ITEMS,
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.customers: dict[str, Customer] = {}
        self.invoices: dict[str, Invoice] = {}
        self.items: dict[str, Item] = {}
        self.data_ext: dict[tuple[str, str], str] = {}
        self.iterators: dict[str, list[str]] = {}
        self._list_counter = 0x80000000
        self._txn_counter = 0
        self._txn_number = 0
        self._ref_number = 0
        self._last_edit_sequence = 0
        _, created = self.stamp()
        self.ar_account = Ref(self.new_list_id(created), "Accounts Receivable")
        self.invoice_template = Ref(self.new_list_id(created), "Intuit Service Invoice")
        self.non_taxable = Ref(self.new_list_id(created), "Non")
        for name, description, price in items:
            item = Item(self.new_list_id(created), name, description, Decimal(price))
            self.items[item.list_id] = item

    # -- numbering and time ------------------------------------------------------------------

    def stamp(self) -> tuple[str, str]:
        """(``TimeModified`` text, a fresh ``EditSequence``) for a write happening now."""
        moment = self.clock()
        sequence = max(int(moment.timestamp()), self._last_edit_sequence + 1)
        self._last_edit_sequence = sequence
        return format_time(moment), str(sequence)

    def today(self) -> str:
        return self.clock().date().isoformat()

    def new_list_id(self, edit_sequence: str) -> str:
        self._list_counter += 1
        return f"{self._list_counter:08X}-{edit_sequence}"

    def new_txn_id(self, edit_sequence: str) -> str:
        self._txn_counter += 1
        return f"{self._txn_counter:X}-{edit_sequence}"

    def next_txn_number(self) -> int:
        self._txn_number += 1
        return self._txn_number

    def next_ref_number(self) -> str:
        """QuickBooks numbers invoices that arrive without a ``RefNumber``."""
        self._ref_number += 1
        while any(invoice.ref_number == str(self._ref_number) for invoice in self.invoices.values()):
            self._ref_number += 1
        return str(self._ref_number)

    # -- customers ---------------------------------------------------------------------------

    def full_name(self, customer: Customer) -> str:
        """``Parent:Job`` names, as QuickBooks builds them for jobs."""
        names = [customer.name]
        parent_id = customer.parent_id
        while parent_id is not None:
            parent = self.customers[parent_id]
            names.append(parent.name)
            parent_id = parent.parent_id
        return ":".join(reversed(names))

    def sublevel(self, customer: Customer) -> int:
        return self.full_name(customer).count(":")

    def customer_named(self, full_name: str, exclude: str | None = None) -> Customer | None:
        """Names are unique without regard to case, as in QuickBooks."""
        wanted = full_name.casefold()
        for customer in self.customers.values():
            if customer.list_id != exclude and self.full_name(customer).casefold() == wanted:
                return customer
        return None

    def resolve_customer(self, ref: etree._Element) -> Customer | None:
        """A ``CustomerRef``/``ParentRef``: the ``ListID`` wins over the ``FullName`` when both are sent."""
        list_id = text_of(ref, "ListID")
        if list_id is not None:
            return self.customers.get(list_id)
        full_name = text_of(ref, "FullName")
        return self.customer_named(full_name) if full_name is not None else None

    def customer_ref(self, customer: Customer) -> Ref:
        return Ref(customer.list_id, self.full_name(customer))

    def is_descendant(self, candidate_id: str, ancestor_id: str) -> bool:
        """Whether ``candidate_id`` is ``ancestor_id`` itself or one of its jobs (at any depth)."""
        current: str | None = candidate_id
        while current is not None:
            if current == ancestor_id:
                return True
            current = self.customers[current].parent_id
        return False

    def balance(self, customer_id: str) -> Decimal:
        return sum(
            (invoice.balance_remaining for invoice in self.invoices.values() if invoice.customer_id == customer_id),
            Decimal("0.00"),
        )

    def total_balance(self, customer_id: str) -> Decimal:
        """The customer's own balance plus that of all its jobs."""
        return sum(
            (self.balance(other) for other in self.customers if self.is_descendant(other, customer_id)),
            Decimal("0.00"),
        )

    # -- items ------------------------------------------------------------------------------

    def resolve_item(self, ref: etree._Element) -> Item | None:
        list_id = text_of(ref, "ListID")
        if list_id is not None:
            return self.items.get(list_id)
        full_name = (text_of(ref, "FullName") or "").casefold()
        return next((item for item in self.items.values() if item.name.casefold() == full_name), None)


def ref_label(ref: etree._Element | None) -> str:
    """How QuickBooks names a reference in its error messages: the FullName, else the ListID."""
    if ref is None:
        return ""
    return text_of(ref, "FullName") or text_of(ref, "ListID") or ""


def parse_moment(value: str, default: datetime) -> datetime:
    """A ``DATETIMETYPE`` or ``DATETYPE`` filter value; missing parts come from ``default``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default.tzinfo)
    return moment


@dataclass(frozen=True)
class Page:
    """One page of query results and the iterator attributes that go with it."""

    keys: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...] = ()


def paginate(ledger: Ledger, request: etree._Element, keys: list[str]) -> Page | Status:
    """Apply ``MaxReturned`` and the ``iterator`` / ``iteratorID`` attributes to ``keys``.

    ``Start`` remembers what is left under a new ``{GUID}`` iterator ID; ``Continue`` returns the
    next page; ``Stop`` forgets it. Iterators live only as long as the QuickBooks session that
    started them (``CompanyFile.close_session`` drops them), so a continuation in a later session
    gets a 3391 error, as it would in QuickBooks.
    """
    iterator = request.get("iterator")
    max_text = text_of(request, "MaxReturned")
    max_returned = int(max_text) if max_text is not None and max_text.isdigit() else None
    if iterator is None:
        return Page(tuple(keys[:max_returned] if max_returned is not None else keys))
    if iterator == "Start":
        iterator_id = "{" + str(uuid.uuid4()) + "}"
    else:
        iterator_id = request.get("iteratorID", "")
        if iterator_id not in ledger.iterators:
            return Status.bad_iterator(iterator_id)
        keys = ledger.iterators.pop(iterator_id)
    if iterator == "Stop":
        return Page((), (("iteratorRemainingCount", "0"), ("iteratorID", iterator_id)))
    size = max_returned if max_returned is not None else len(keys)
    page, rest = keys[:size], keys[size:]
    if rest:
        ledger.iterators[iterator_id] = rest
    return Page(tuple(page), (("iteratorRemainingCount", str(len(rest))), ("iteratorID", iterator_id)))
