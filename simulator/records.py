"""The simulated company file's vocabulary: immutable records, statuses, faults and the HRESULT error.

QuickBooks keeps lists (customers, items) and transactions (invoices). The simulator keeps each
one as a frozen record; a modification replaces the record with a new one (``dataclasses.replace``)
so a snapshot handed to a test can never change under it.

Fields that the simulator does not interpret (a ``TermsRef``, a ``Memo``, a ``ShipToAddress``) are
kept as :data:`Node` trees exactly as the request sent them and are written back into the ``*Ret``
in the order Intuit's schema prescribes, so a request that round-trips through the simulator comes
back the way QuickBooks would show it.

The module also holds:

- :class:`Status` — the ``statusCode`` / ``statusSeverity`` / ``statusMessage`` triple of a ``*Rs``,
  with the texts QuickBooks uses for the codes the simulator emits;
- :class:`HResultError` — what QuickBooks' request processor throws instead of answering
  (for example ``0x80040400`` for qbXML it cannot parse); the Web Connector forwards it as
  ``hresult`` / ``message`` in ``receiveResponseXML`` or ``connectionError``;
- :class:`Deletion` — one deleted list element or transaction, as ``*DeletedQuery`` reports it;
- :class:`Execution` — one request the company file executed, for race and load tests;
- :class:`Fault` — one injected failure, consumed by the next call it matches (the named field
  conditions of :mod:`simulator.faults` are injected as faults too).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

Node: TypeAlias = tuple[str, "str | tuple[Node, ...]"]
"""An XML element as ``(tag, text)`` for a leaf or ``(tag, children)`` for an aggregate."""


def leaf(tag: str, text: str) -> Node:
    """A leaf element such as ``<Name>Acme</Name>``."""
    return (tag, text)


def agg(tag: str, *children: Node) -> Node:
    """An aggregate element such as ``<CustomerRef><ListID>…</ListID></CustomerRef>``."""
    return (tag, tuple(children))


def child_nodes(node: Node) -> tuple[Node, ...]:
    """The children of an aggregate (an empty tuple for a leaf)."""
    body = node[1]
    return () if isinstance(body, str) else body


def child_text(node: Node, tag: str) -> str | None:
    """The text of the first leaf child named ``tag``, if any."""
    for child in child_nodes(node):
        if child[0] == tag and isinstance(child[1], str):
            return child[1]
    return None


class HResultError(Exception):
    """QuickBooks' request processor refused the call; no qbXML response exists."""

    def __init__(self, hresult: str, message: str, detail: str = "") -> None:
        super().__init__(f"{hresult}: {message}" + (f" ({detail})" if detail else ""))
        self.hresult = hresult
        self.message = message
        self.detail = detail
        """Why, for logs and tests; QuickBooks itself says no more than ``message``."""


PARSE_ERROR_HRESULT = "0x80040400"
PARSE_ERROR_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
WRONG_FILE_HRESULT = "0x8004040A"
WRONG_FILE_MESSAGE = "A QuickBooks company data file is already open and it is different from the one requested."
NOT_FOUND_SUFFIX = "  QuickBooks error message: Invalid argument.  The specified record does not exist in the list."


@dataclass(frozen=True)
class Status:
    """The status attributes of one ``*Rs`` element."""

    code: int
    severity: str
    message: str

    @property
    def is_error(self) -> bool:
        """``stopOnError`` stops at a response whose severity is Error (not at Info or Warn)."""
        return self.severity == "Error"

    @classmethod
    def ok(cls) -> Status:
        return cls(0, "Info", "Status OK")

    @classmethod
    def no_match(cls) -> Status:
        return cls(1, "Info", "A query request did not find a matching object in QuickBooks")

    @classmethod
    def partial(cls, missing: str) -> Status:
        return cls(
            500,
            "Warn",
            "The query request has not been fully completed. There was a required element "
            f'("{missing}") that could not be found in QuickBooks.',
        )

    @classmethod
    def unsupported(cls, request_name: str) -> Status:
        return cls(1030, "Error", f'The request "{request_name}" is not supported by this QuickBooks simulator.')

    @classmethod
    def name_in_use(cls, name: str) -> Status:
        return cls(3100, "Error", f'The name "{name}" of the list element is already in use.')

    @classmethod
    def object_not_found(cls, object_id: str) -> Status:
        return cls(3120, "Error", f'Object "{object_id}" specified in the request cannot be found.{NOT_FOUND_SUFFIX}')

    @classmethod
    def invalid_reference(cls, list_name: str, value: str, where: str) -> Status:
        return cls(
            3140,
            "Error",
            f'There is an invalid reference to QuickBooks {list_name} "{value}" in the {where}.{NOT_FOUND_SUFFIX}',
        )

    @classmethod
    def stale_edit_sequence(cls, edit_sequence: str) -> Status:
        return cls(3200, "Error", f'The provided edit sequence "{edit_sequence}" is out-of-date.')

    @classmethod
    def bad_iterator(cls, iterator_id: str) -> Status:
        return cls(
            3391,
            "Error",
            f'The iterator "{iterator_id}" is not valid. Iterators end with the QuickBooks session that started them.',
        )


@dataclass(frozen=True, slots=True)
class Ref:
    """A resolved reference to a list element (``ListID`` + ``FullName``)."""

    list_id: str
    full_name: str

    def node(self, tag: str) -> Node:
        return agg(tag, leaf("ListID", self.list_id), leaf("FullName", self.full_name))


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer (or a job, when ``parent_id`` is set). ``FullName`` is derived from the parents."""

    list_id: str
    name: str
    parent_id: str | None
    is_active: bool
    time_created: str
    time_modified: str
    edit_sequence: str
    fields: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """An item that invoice lines may reference (the simulator does not model item types)."""

    list_id: str
    name: str
    description: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One ``InvoiceLineRet``; ``amount`` is always computed, as QuickBooks does."""

    txn_line_id: str
    item: Ref | None
    desc: str | None
    quantity: Decimal | None
    rate: Decimal | None
    amount: Decimal
    fields: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice; ``Subtotal`` and ``BalanceRemaining`` follow from its lines."""

    txn_id: str
    txn_number: int
    customer_id: str
    time_created: str
    time_modified: str
    edit_sequence: str
    txn_date: str
    ref_number: str
    lines: tuple[InvoiceLine, ...]
    fields: tuple[Node, ...] = ()
    applied_amount: Decimal = Decimal("0.00")

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def balance_remaining(self) -> Decimal:
        return self.subtotal + self.applied_amount


@dataclass(frozen=True, slots=True)
class Deletion:
    """One list element or transaction QuickBooks deleted (``ListDel``/``TxnDel``), as it remembers it.

    This is what ``ListDeletedQuery`` and ``TxnDeletedQuery`` answer with: the record itself is gone,
    and a new one with the same name or number is another record with another ID.
    """

    is_list: bool
    """A list element (``ListDel``) or a transaction (``TxnDel``)."""
    del_type: str
    """The ``ListDelType`` or ``TxnDelType`` it was deleted as: ``Customer``, ``Vendor``, ``Invoice``, ``Bill``…"""
    object_id: str
    """Its ``ListID`` (a list element) or ``TxnID`` (a transaction)."""
    time_created: str
    time_deleted: str
    """Both as QuickBooks writes times: local time with its UTC offset."""
    full_name: str | None = None
    """A list element's ``FullName`` when it was deleted (``Parent:Job`` for a job)."""
    ref_number: str | None = None
    """A transaction's ``RefNumber``, if it had one."""


@dataclass(frozen=True)
class Execution:
    """One request the company file executed (or answered from an injected fault).

    ``started_at`` is when its message set entered :meth:`CompanyFile.process` and ``finished_at``
    when this request was answered, both from ``time.monotonic()``: two message sets that were in
    QuickBooks at the same time have overlapping intervals.
    """

    request_id: str | None
    name: str
    status_code: int
    started_at: float
    finished_at: float
    message_set_id: str | None
    request_xml: str


class FaultKind(enum.Enum):
    """Where an injected fault strikes."""

    OPEN = "open"
    """Opening the company file fails: the Web Connector calls ``connectionError``."""
    PROCESS = "process"
    """The request processor throws before executing anything (``receiveResponseXML`` with hresult)."""
    LOSE_RESPONSE = "lose_response"
    """The message set is executed, then the processor throws: the writes happened, the answer is lost."""
    STATUS = "status"
    """The next matching request is answered with a given status instead of being executed."""


@dataclass(frozen=True)
class Fault:
    """One injected failure; the first queued fault that matches a call is consumed by it."""

    kind: FaultKind
    hresult: str = ""
    message: str = ""
    status_code: int = 0
    severity: str = "Error"
    request_name: str | None = None
    detail: str = ""
    """Why, for logs and tests (e.g. the named condition); becomes :attr:`HResultError.detail`."""

    @property
    def status(self) -> Status:
        return Status(self.status_code, self.severity, self.message)

    def matches_request(self, request_name: str) -> bool:
        return self.kind is FaultKind.STATUS and self.request_name in (None, request_name)
