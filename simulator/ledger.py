"""The state of one simulated company file, and how QuickBooks numbers and stamps what it stores.

QuickBooks gives every object identifiers with a recognisable shape, and a gateway must treat them
as opaque strings that merely look like this:

- ``ListID`` of a list element: an 8-hex-digit counter from ``80000001`` and the creation time
  in Unix seconds, e.g. ``80000013-1416570432``;
- ``TxnID`` of a transaction and ``TxnLineID`` of its lines: a hex counter without padding and the
  creation time, e.g. ``C5-1417118624``;
- ``EditSequence``: the modification time in Unix seconds, as a decimal string, which must change
  on every modification of an object (the simulator never repeats one, even within a second;
  records of a bulk import, modified in the same second, share it as they do in QuickBooks);
- ``TimeCreated`` / ``TimeModified``: local time with its UTC offset, ``2014-11-27T18:03:44-02:00``.

:class:`Ledger` holds the lists, transactions, data extensions, open iterators
(:mod:`simulator.paging`), the log of what was deleted (``ListDeletedQuery``/``TxnDeletedQuery``
answer from it) and the indexes that keep a file of 100,000 customers fast. It is not
thread-safe: :class:`simulator.quickbooks.CompanyFile` serialises access with its lock.
Handlers (``customers``, ``invoices``, ``company_info``, ``objects``, ``deletions``) take a ledger and
one request element and return an :class:`Answer`; :mod:`simulator.population` fills a ledger with a
generated history. The object groups of :mod:`simulator.objects` (vendors, items, bills…) are kept in
:attr:`Ledger.records` as their typed ``*Ret`` models.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from chalicelib.qbxml.models import QbxmlModel
from simulator.company_profile import CompanyProfile
from simulator.paging import Cursor
from simulator.qbxml_text import format_time, text_of
from simulator.records import Customer, Deletion, Invoice, Item, Node, Ref, Status

_ZERO = Decimal("0.00")


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


@dataclass
class NameOrder:
    """Every customer in QuickBooks' order: ``keys`` (casefolded FullNames, sorted) beside their ListIDs."""

    keys: list[str]
    ids: list[str]


class Ledger:
    """Lists, transactions, counters, indexes and the clock of one company file.

    The indexes keep queries cheap in a file of 100,000 customers: FullName by ListID, ListID by
    casefolded FullName (names are unique without regard to case), the jobs of each customer, the
    open balance of each customer, the RefNumbers in use, and the :class:`NameOrder` CustomerQuery
    answers in. Every write goes through :meth:`add_customer`, :meth:`replace_customer`,
    :meth:`add_invoice` or :meth:`load`, which keep them right; the name order is built on first
    use, grows in place on an add, and is dropped when a rename or a move under another parent
    changes FullNames.
    """

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
        """In creation (``TxnNumber``) order: new invoices are appended, a modified one keeps its place."""
        self.records: dict[str, dict[str, QbxmlModel]] = {}
        """The other object groups (:mod:`simulator.objects`): object type → ListID/TxnID → its ``*Ret``."""
        self.items: dict[str, Item] = {}
        self.data_ext: dict[tuple[str, str], str] = {}
        self.iterators: dict[str, Cursor] = {}
        self._full_names: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self._jobs: dict[str, list[str]] = {}
        self._balances: dict[str, Decimal] = {}
        self._ref_numbers: set[str] = set()
        self._order: NameOrder | None = None
        self.inactive: set[str] = set()
        """ListIDs of the inactive customers and jobs."""
        self.modified_at: dict[str, float] = {}
        """``TimeModified`` of every customer and invoice, as Unix seconds, by ListID or TxnID."""
        self.deletions: list[Deletion] = []
        """Every list element and transaction deleted, in the order it was (:mod:`simulator.deletions`)."""
        self._list_counter = 0x80000000
        self._txn_counter = 0
        self._txn_number = 0
        self._ref_number = 0
        self._last_edit_sequence = 0
        self._catalogue = tuple(items)
        self.ar_account = self.invoice_template = self.non_taxable = Ref("", "")
        self.found(self.stamp()[1])

    def found(self, created: str) -> None:
        """Create the accounts, template, tax code and items every file starts with, as of ``created``.

        :mod:`simulator.population` calls it again to date them back to the start of a generated
        history; only while the file holds nothing else (no customer, no invoice).
        """
        if self.customers or self.invoices or any(self.records.values()):
            raise ValueError("the built-in lists can be founded only in an empty company file")
        self._list_counter = 0x80000000
        self.ar_account = Ref(self.new_list_id(created), "Accounts Receivable")
        self.invoice_template = Ref(self.new_list_id(created), "Intuit Service Invoice")
        self.non_taxable = Ref(self.new_list_id(created), "Non")
        self.items = {}
        for name, description, price in self._catalogue:
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
        """QuickBooks numbers invoices that arrive without a ``RefNumber``: the last number plus one."""
        self._ref_number += 1
        while str(self._ref_number) in self._ref_numbers:
            self._ref_number += 1
        return str(self._ref_number)

    # -- writes ------------------------------------------------------------------------------

    def add_customer(self, customer: Customer) -> None:
        """Store a new customer or job (its parent, if any, is stored already)."""
        full_name = self._compose(customer)
        self.customers[customer.list_id] = customer
        self._index(customer, full_name)
        if self._order is not None:
            key = full_name.casefold()
            at = bisect.bisect_left(self._order.keys, key)
            self._order.keys.insert(at, key)
            self._order.ids.insert(at, customer.list_id)

    def replace_customer(self, customer: Customer) -> None:
        """Store a modified customer; a new name or parent renames it and all its jobs."""
        old = self.customers[customer.list_id]
        self.customers[customer.list_id] = customer
        self._stamp_index(customer)
        if (old.name, old.parent_id) == (customer.name, customer.parent_id):
            return
        if old.parent_id is not None:
            self._jobs[old.parent_id].remove(customer.list_id)
        if customer.parent_id is not None:
            self._jobs.setdefault(customer.parent_id, []).append(customer.list_id)
        self._order = None
        pending = [customer.list_id]
        while pending:
            current = self.customers[pending.pop()]
            self._by_name.pop(self._full_names[current.list_id].casefold(), None)
            full_name = self._compose(current)
            self._full_names[current.list_id] = full_name
            self._by_name[full_name.casefold()] = current.list_id
            pending.extend(self._jobs.get(current.list_id, ()))

    def add_invoice(self, invoice: Invoice) -> None:
        self.invoices[invoice.txn_id] = invoice
        self.modified_at[invoice.txn_id] = seconds_of(invoice.time_modified)
        self._ref_numbers.add(invoice.ref_number)
        owner = invoice.customer_id
        self._balances[owner] = self._balances.get(owner, _ZERO) + invoice.balance_remaining

    def replace_invoice(self, invoice: Invoice) -> None:
        """Store a modified (or voided, or paid) invoice in its place; the balances follow."""
        old = self.invoices[invoice.txn_id]
        self.invoices[invoice.txn_id] = invoice
        self.modified_at[invoice.txn_id] = seconds_of(invoice.time_modified)
        self._forget_ref_number(old, invoice.txn_id)
        self._ref_numbers.add(invoice.ref_number)
        self._balances[old.customer_id] = self.balance(old.customer_id) - old.balance_remaining
        self._balances[invoice.customer_id] = self.balance(invoice.customer_id) + invoice.balance_remaining

    def remove_invoice(self, txn_id: str) -> Invoice:
        """Delete an invoice (``TxnDel``): its number is free again and its balance is gone."""
        invoice = self.invoices.pop(txn_id)
        self.modified_at.pop(txn_id, None)
        self._forget_ref_number(invoice, txn_id)
        self._balances[invoice.customer_id] = self.balance(invoice.customer_id) - invoice.balance_remaining
        return invoice

    def _forget_ref_number(self, invoice: Invoice, txn_id: str) -> None:
        number = invoice.ref_number
        if not any(other.ref_number == number for key, other in self.invoices.items() if key != txn_id):
            self._ref_numbers.discard(number)

    def remove_customer(self, list_id: str) -> Customer:
        """Delete a customer or job that has no jobs of its own (``ListDel``)."""
        if self._jobs.get(list_id):
            raise ValueError(f"customer {list_id} still has jobs")
        customer = self.customers.pop(list_id)
        self._jobs.pop(list_id, None)
        if customer.parent_id is not None:
            self._jobs[customer.parent_id].remove(list_id)
        self._by_name.pop(self._full_names.pop(list_id).casefold(), None)
        self._balances.pop(list_id, None)
        self.inactive.discard(list_id)
        self.modified_at.pop(list_id, None)
        self._order = None
        return customer

    def load(self, customers: Iterable[Customer], invoices: Iterable[Invoice], last_ref_number: int = 0) -> None:
        """Store a generated history at once (parents before their jobs, invoices in TxnNumber order)."""
        for customer in customers:
            self.customers[customer.list_id] = customer
            self._index(customer, self._compose(customer))
        for invoice in invoices:
            self.add_invoice(invoice)
            self._last_edit_sequence = max(self._last_edit_sequence, int(invoice.edit_sequence))
        for customer in self.customers.values():
            self._last_edit_sequence = max(self._last_edit_sequence, int(customer.edit_sequence))
        self._ref_number = max(self._ref_number, last_ref_number)
        self._order = None
        self.name_order()

    def _stamp_index(self, customer: Customer) -> None:
        self.modified_at[customer.list_id] = seconds_of(customer.time_modified)
        if customer.is_active:
            self.inactive.discard(customer.list_id)
        else:
            self.inactive.add(customer.list_id)

    def _compose(self, customer: Customer) -> str:
        if customer.parent_id is None:
            return customer.name
        return f"{self._full_names[customer.parent_id]}:{customer.name}"

    def _index(self, customer: Customer, full_name: str) -> None:
        self._stamp_index(customer)
        self._full_names[customer.list_id] = full_name
        self._by_name[full_name.casefold()] = customer.list_id
        if customer.parent_id is not None:
            self._jobs.setdefault(customer.parent_id, []).append(customer.list_id)

    # -- customers ---------------------------------------------------------------------------

    def name_order(self) -> NameOrder:
        """Every customer sorted by FullName without regard to case (``str.casefold``), built once."""
        if self._order is None:
            pairs = sorted((name.casefold(), list_id) for list_id, name in self._full_names.items())
            self._order = NameOrder([key for key, _ in pairs], [list_id for _, list_id in pairs])
        return self._order

    def full_name(self, customer: Customer) -> str:
        """``Parent:Job`` names, as QuickBooks builds them for jobs."""
        return self._full_names[customer.list_id]

    def sublevel(self, customer: Customer) -> int:
        depth, parent_id = 0, customer.parent_id
        while parent_id is not None:
            depth, parent_id = depth + 1, self.customers[parent_id].parent_id
        return depth

    def customer_named(self, full_name: str, exclude: str | None = None) -> Customer | None:
        """Names are unique without regard to case, as in QuickBooks."""
        list_id = self._by_name.get(full_name.casefold())
        return None if list_id is None or list_id == exclude else self.customers[list_id]

    def entity_name_in_use(self, name: str, exclude: str | None = None) -> bool:
        """Whether a vendor or an employee has this name: customers, vendors and employees share one
        name list in QuickBooks (as do other names, which the simulator does not keep)."""
        key = name.casefold()
        return any(
            list_id != exclude and str(getattr(record, "name", "") or "").casefold() == key
            for kind in ("Vendor", "Employee")
            for list_id, record in self.records.get(kind, {}).items()
        )

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
        return self._balances.get(customer_id, _ZERO)

    def family(self, customer_id: str) -> list[str]:
        """The customer and all its jobs, at any depth (the customer first)."""
        found, pending = [], [customer_id]
        while pending:
            current = pending.pop()
            found.append(current)
            pending.extend(self._jobs.get(current, ()))
        return found

    def total_balance(self, customer_id: str) -> Decimal:
        """The customer's own balance plus that of all its jobs."""
        return sum((self.balance(member) for member in self.family(customer_id)), _ZERO)

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


@functools.lru_cache(maxsize=4096)
def seconds_of(time_text: str) -> float:
    """A stored ``TimeCreated``/``TimeModified`` (always with its offset) as Unix seconds."""
    return datetime.fromisoformat(time_text).timestamp()
