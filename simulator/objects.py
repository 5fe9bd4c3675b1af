"""Vendors, employees, accounts, classes, items, bills, payments, estimates, sales orders and journal entries.

Customers and invoices have hand-written handlers (:mod:`simulator.customers`, :mod:`simulator.invoices`);
every other object group in :data:`KINDS` is answered here by one generic implementation driven by
the typed qbXML models (``chalicelib.qbxml.models``, generated from Intuit's 16.0 schema): the request
is read into its model, the ``XAdd`` carried over into an ``XRet`` (:mod:`simulator.conversion`),
completed with what QuickBooks computes (:mod:`simulator.computed`) and stored in
:attr:`~simulator.ledger.Ledger.records` as that frozen model. What :data:`HANDLERS` answers:

- ``XAddRq``: QuickBooks sets ``ListID``/``TxnID`` (the ledger's counters), ``TimeCreated``,
  ``TimeModified`` and ``EditSequence``; lists get ``Name``, ``FullName`` (``Parent:Child`` for
  accounts, classes and items with a ``ParentRef``, which must exist — else 3140), ``Sublevel`` and
  ``IsActive`` (true unless sent); transactions get ``TxnNumber``, ``TxnDate`` (today unless sent) and,
  for estimates, sales orders and journal entries, the next ``RefNumber`` when none is sent. The party
  of a transaction must exist: the ``CustomerRef`` of an estimate, sales order or payment, the
  ``VendorRef`` of a bill (3140 otherwise, as QuickBooks answers an invoice for a missing customer);
  every other reference is returned with ``ListID`` and ``FullName`` when the simulator knows the
  record, else as sent;
- names are unique without regard to case (3100) in QuickBooks' name lists: vendors and employees
  share theirs with customers, every item type shares the item list (the built-in items included),
  accounts and classes have their own; an employee without ``Name`` is named from its first, middle
  and last names. Items are also entered in the ledger's item list, so invoice lines can use them;
- ``XModRq`` (where qbXML has one): the object's ``ListID``/``TxnID`` (unknown → 3120) and current
  ``EditSequence`` (stale → 3200); the fields sent replace the stored ones, lines follow
  :func:`simulator.conversion.merge`; every Add and Mod issues a new ``EditSequence`` and ``TimeModified``;
- ``XQueryRq``: by ``ListID``/``TxnID`` (one unknown → 3120), by ``FullName`` (the ones found and a 500
  warning naming the first that is not) or filtered — lists by ``ActiveStatus`` (default
  ``ActiveOnly``), ``NameFilter``, ``NameRangeFilter`` (both inclusive), ``FromModifiedDate``/
  ``ToModifiedDate`` and an account's ``AccountType``, in ``FullName`` order by ``str.casefold``;
  transactions by ``RefNumber``, ``RefNumberCaseSensitive``, ``RefNumberFilter``,
  ``RefNumberRangeFilter``, ``ModifiedDateRangeFilter``, ``TxnDateRangeFilter`` (its ``DateMacro``
  matches every date), ``EntityFilter`` and a bill's ``PaidStatus``, in ``TxnNumber`` order; lines only
  with ``IncludeLineItems`` true; ``MaxReturned``, ``metaData`` and iterators through
  :mod:`simulator.paging`; nothing matching is statusCode 1. ``TotalBalanceFilter``,
  ``CurrencyFilter``, ``ClassFilter``, ``AccountFilter``, ``IncludeLinkedTxns`` and ``OwnerID`` are
  accepted and not interpreted.

``ListDelRq``, ``TxnDelRq``, ``TxnVoidRq``, ``ListDeletedQueryRq`` and ``TxnDeletedQueryRq`` are in
:mod:`simulator.deletions`. The records of this
module live in memory only: :mod:`simulator.company_store` does not save them (an item's entry in the
ledger's item list is saved, as a plain item).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

from chalicelib.qbxml.models import REQUESTS, QbxmlModel, from_qbxml, model_for
from simulator import computed
from simulator.computed import Change
from simulator.conversion import Context, LineNotFound, build, carry, merge, model_node
from simulator.ledger import Answer, Handler, Ledger
from simulator.object_queries import (
    full_name,
    list_matching,
    lookup_id,
    lookup_name,
    name_taken,
    sorted_by_name,
    txn_matching,
)
from simulator.paging import Page, paginate
from simulator.qbxml_text import local
from simulator.records import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, HResultError, Item, Node, Status


@dataclass(frozen=True)
class Kind:
    """One object group: how QuickBooks names, numbers and checks it."""

    name: str
    names: str = ""
    """Lists: the name list it shares uniqueness with (``entity``, ``item``, ``account``, ``class``)."""
    party: str = ""
    """Transactions: the field naming the customer or vendor, which must exist."""
    numbered: bool = False
    """Transactions that get the next ``RefNumber`` when sent without one."""

    @property
    def is_list(self) -> bool:
        return bool(self.names)

    @property
    def ret(self) -> type[QbxmlModel]:
        return model_for(f"{self.name}Ret")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("Vendor", "entity"),
        Kind("Employee", "entity"),
        Kind("Account", "account"),
        Kind("Class", "class"),
        Kind("ItemService", "item"),
        Kind("ItemNonInventory", "item"),
        Kind("ItemInventory", "item"),
        Kind("ItemOtherCharge", "item"),
        Kind("Bill", party="vendor_ref"),
        Kind("ReceivePayment", party="customer_ref"),
        Kind("Estimate", party="customer_ref", numbered=True),
        Kind("SalesOrder", party="customer_ref", numbered=True),
        Kind("JournalEntry", numbered=True),
    )
}
"""The object groups answered here, by qbXML name."""

_IDS = frozenset({"list_id", "txn_id", "revision_number"})
_PARTIES = {"customer_ref": "Customer", "vendor_ref": "Vendor"}
_SPACES: dict[str, str] = {
    "CustomerRef": "customer", "VendorRef": "Vendor", "PrefVendorRef": "Vendor", "EntityRef": "entity",
    "PayeeEntityRef": "entity", "SupervisorRef": "Employee", "ItemRef": "item", "ClassRef": "class",
    "TemplateRef": "template", "SalesTaxCodeRef": "tax", "CustomerSalesTaxCodeRef": "tax",
    "PurchaseTaxCodeRef": "tax",
}  # fmt: skip
"""Where a reference sent by ``FullName`` is looked up (``…AccountRef``: the accounts)."""


def read(request: etree._Element) -> QbxmlModel:
    """The request as its typed model; what does not fit qbXML 16.0 is QuickBooks' parse error."""
    try:
        return from_qbxml(request, model_for(local(request)))
    except ValueError as exc:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail=str(exc)) from exc


def payload(request: QbxmlModel) -> QbxmlModel:
    """The ``XAdd``/``XMod`` aggregate of a request."""
    return next(
        value
        for name, _, codec in type(request).__qbxml__.elements
        if isinstance(codec, type) and isinstance(value := getattr(request, name), QbxmlModel)
    )


# -- the moment of a write ----------------------------------------------------------------


def context(ledger: Ledger, kind: Kind) -> Context:
    """Stamp a write of ``kind`` now: its time, ``EditSequence``, identifiers and reference lookups."""
    time, edit_sequence = ledger.stamp()

    def resolve(tag: str, list_id: str | None, name: str | None) -> tuple[str, str] | None:
        space = kind.names if tag == "ParentRef" else "account" if tag.endswith("AccountRef") else _SPACES.get(tag)
        if list_id:
            found = lookup_id(ledger, list_id)
            return found if found is not None or tag != "ParentRef" else None
        return lookup_name(ledger, space, name) if name and space else None

    return Context(
        moment=datetime.fromisoformat(time),
        edit_sequence=edit_sequence,
        new_txn_id=lambda: ledger.new_txn_id(edit_sequence),
        new_list_id=lambda: ledger.new_list_id(edit_sequence),
        resolve=resolve,
    )


# -- Add and Mod --------------------------------------------------------------------------


def add(ledger: Ledger, request: etree._Element) -> Answer:
    kind = KINDS[local(request)[: -len("AddRq")]]
    source = payload(read(request))
    ctx = context(ledger, kind)
    txn_id = "" if kind.is_list else ctx.new_txn_id()  # before its lines, as QuickBooks numbers them
    values = carry(source, kind.ret, ctx, skip=_IDS)
    problem = _list_rules(ledger, kind, values, None) if kind.is_list else _party_rule(ledger, kind, values)
    if problem is not None:
        return Answer(problem)
    if kind.is_list:
        values.update(list_id=ctx.new_list_id(), is_active=values.get("is_active", True))
    else:
        values.setdefault("txn_date", date.fromisoformat(ledger.today()))
    problem = computed.finish(ledger, values, Change(kind.ret, source, ctx))
    if problem is not None:
        return Answer(problem)
    if not kind.is_list:
        values.update(txn_id=txn_id, txn_number=ledger.next_txn_number())
        if kind.numbered and not values.get("ref_number"):
            values["ref_number"] = _next_ref_number(ledger, kind)
    values.update(time_created=ctx.moment, time_modified=ctx.moment, revision_number=ctx.edit_sequence)
    return _store(ledger, kind, kind.ret.model_validate(values))


def mod(ledger: Ledger, request: etree._Element) -> Answer:
    kind = KINDS[local(request)[: -len("ModRq")]]
    change = payload(read(request))
    object_id = str(getattr(change, "list_id", None) or getattr(change, "txn_id", ""))
    current = ledger.records.get(kind.name, {}).get(object_id)
    if current is None:
        return Answer(Status.object_not_found(object_id))
    edit_sequence = str(getattr(change, "revision_number", ""))
    if edit_sequence != getattr(current, "revision_number", None):
        return Answer(Status.stale_edit_sequence(edit_sequence))
    ctx = context(ledger, kind)
    try:
        values = merge(current, change, ctx, skip=_IDS)
    except LineNotFound as missing:
        return Answer(Status.object_not_found(missing.txn_line_id))
    problem = _list_rules(ledger, kind, values, object_id) if kind.is_list else _party_rule(ledger, kind, values)
    problem = problem or computed.finish(ledger, values, Change(type(current), change, ctx, current))
    if problem is not None:
        return Answer(problem)
    values.update(time_modified=ctx.moment, revision_number=ctx.edit_sequence)
    return _store(ledger, kind, type(current).model_validate(values))


def _store(ledger: Ledger, kind: Kind, record: QbxmlModel) -> Answer:
    object_id = str(getattr(record, "list_id", None) or getattr(record, "txn_id", ""))
    ledger.records.setdefault(kind.name, {})[object_id] = record
    if kind.names == "item":
        ledger.items[object_id] = Item(object_id, full_name(ledger, record), *_sales_terms(record))
    return Answer(Status.ok(), (render(ledger, record),))


def _sales_terms(item: Any) -> tuple[str, Any]:
    """(description, price) invoice lines take from an item."""
    terms = getattr(item, "sales_or_purchase", None) or getattr(item, "sales_and_purchase", None) or item
    description = getattr(terms, "desc", None) or getattr(terms, "sales_desc", None) or item.name
    price = getattr(terms, "price", None) or getattr(terms, "sales_price", None)
    return description, price if price is not None else computed.ZERO


def _list_rules(ledger: Ledger, kind: Kind, values: dict[str, Any], own_id: str | None) -> Status | None:
    """Name, parent and uniqueness of a list element being added (``own_id`` None) or modified."""
    if kind.name == "Employee" and not values.get("name"):
        parts = (values.get(part) for part in ("first_name", "middle_name", "last_name"))
        values["name"] = " ".join(part for part in parts if part)[:41]
    name = values.get("name")
    if not name:
        return Status(3150, "Error", 'There is a missing element: "Name".')
    parent_ref = values.get("parent_ref")
    prefix = ""
    if parent_ref is not None:
        parent_id = parent_ref.list_id or ""
        known = parent_id in (ledger.items if kind.names == "item" else ledger.records.get(kind.name, {}))
        found = lookup_id(ledger, parent_id) if known and not _descends(ledger, kind, parent_id, own_id) else None
        if found is None:
            return Status.invalid_reference(kind.name, parent_ref.full_name or parent_id, kind.name)
        prefix = f"{found[1]}:"
    wanted = prefix + name
    if name_taken(ledger, kind.names, kind.name, wanted, own_id):
        return Status.name_in_use(name)
    return None


def _descends(ledger: Ledger, kind: Kind, candidate: str, ancestor: str | None) -> bool:
    """Whether ``candidate`` is ``ancestor`` or below it (a parent cannot be its own child)."""
    records = ledger.records.get(kind.name, {})
    seen: set[str] = set()
    current: str | None = candidate
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        parent = getattr(records.get(current), "parent_ref", None)
        current = parent.list_id if parent is not None else None
    return False


def _party_rule(ledger: Ledger, kind: Kind, values: dict[str, Any]) -> Status | None:
    """The customer of a sale or payment, the vendor of a bill, must exist."""
    ref = values.get(kind.party) if kind.party else None
    if ref is None:
        return None
    party = _PARTIES[kind.party]
    known = ledger.customers if party == "Customer" else ledger.records.get(party, {})
    if ref.list_id in known:
        return None
    return Status.invalid_reference(party, ref.full_name or ref.list_id or "", kind.name)


def _next_ref_number(ledger: Ledger, kind: Kind) -> str:
    numbers = (str(getattr(record, "ref_number", "") or "") for record in ledger.records.get(kind.name, {}).values())
    return str(max((int(number) for number in numbers if number.isdigit()), default=0) + 1)


# -- Query --------------------------------------------------------------------------------


def query(ledger: Ledger, request: etree._Element) -> Answer:
    kind = KINDS[local(request)[: -len("QueryRq")]]
    rq = read(request)
    records = ledger.records.get(kind.name, {})
    include_lines = bool(getattr(rq, "include_line_items", None)) or kind.is_list
    ids: tuple[str, ...] = getattr(rq, "list_id", ()) if kind.is_list else getattr(rq, "txn_id", ())
    names: tuple[str, ...] = getattr(rq, "full_name", ()) if kind.is_list else ()
    if ids:
        missing = next((object_id for object_id in ids if object_id not in records), None)
        if missing is not None:
            return Answer(Status.object_not_found(missing))
        return _answer(ledger, records, Status.ok(), Page(tuple(ids)), include_lines)
    if names:
        by_name = {full_name(ledger, record).casefold(): key for key, record in sorted_by_name(ledger, records)}
        found = [by_name.get(name.casefold()) for name in names]
        absent = [name for name, key in zip(names, found, strict=True) if key is None]
        page = Page(tuple(key for key in found if key is not None))
        return _answer(ledger, records, Status.partial(absent[0]) if absent else Status.ok(), page, include_lines)
    matching = list_matching if kind.is_list else txn_matching
    paged = paginate(ledger.iterators, request, lambda: matching(ledger, kind.name, rq))
    if isinstance(paged, Status):
        return Answer(paged)
    return _answer(ledger, records, paged.status(), paged, include_lines)


def _answer(ledger: Ledger, records: dict[str, QbxmlModel], status: Status, page: Page, lines: bool) -> Answer:
    rets = tuple(render(ledger, records[key], lines) for key in page.keys if key in records)
    return Answer(status, rets, page.attributes)


def render(ledger: Ledger, record: QbxmlModel, include_lines: bool = True) -> Node:
    """The ``*Ret`` of a stored record as it is now (a parent's new name shows in its children)."""
    fields = type(record).model_fields
    update: dict[str, Any] = {}
    if "sublevel" in fields:
        name = full_name(ledger, record)
        update.update(full_name=name, sublevel=name.count(":"))
        parent = getattr(record, "parent_ref", None)
        found = lookup_id(ledger, parent.list_id) if parent is not None and parent.list_id else None
        if found is not None:
            update["parent_ref"] = build(type(parent), {"list_id": found[0], "full_name": found[1]}) or parent
    if not include_lines:
        update.update({name: () for name in computed.LINE_FIELDS if name in fields})
    return model_node(record.model_copy(update=update) if update else record)


HANDLERS: dict[str, Handler] = {
    f"{kind}{verb}Rq": handler
    for kind in KINDS
    for verb, handler in (("Add", add), ("Mod", mod), ("Query", query))
    if f"{kind}{verb}Rq" in REQUESTS
}
"""Every Add, Mod (where qbXML 16.0 has one) and Query of :data:`KINDS`."""
