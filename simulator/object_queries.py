"""Which stored records a filtered query of :mod:`simulator.objects` matches, in QuickBooks' order.

- :func:`list_matching`: list elements in ``FullName`` order without regard to case (``str.casefold``,
  then code points, as customers are ordered); ``ActiveStatus`` (default ``ActiveOnly``),
  ``NameFilter`` (``StartsWith``/``Contains``/``EndsWith`` on the casefolded ``FullName``),
  ``NameRangeFilter`` (``FromName``/``ToName``, both inclusive), ``FromModifiedDate``/
  ``ToModifiedDate`` (inclusive to the second; a date-time without offset is local time) and an
  account query's ``AccountType`` (any of those sent);
- :func:`txn_matching`: transactions in creation (``TxnNumber``) order; ``RefNumber`` (without regard
  to case), ``RefNumberCaseSensitive``, ``RefNumberFilter``, ``RefNumberRangeFilter`` (numbers compare
  as numbers when both are, else as casefolded text), ``ModifiedDateRangeFilter``,
  ``TxnDateRangeFilter`` (whole days, inclusive; a ``DateMacro`` matches every date), ``EntityFilter``
  (the transaction's customer or vendor, any line's ``EntityRef`` for journal entries; ``…WithChildren``
  adds a customer's jobs) and a bill's ``PaidStatus``.

:func:`full_name`, :func:`lookup_id`, :func:`lookup_name` and :func:`name_taken` are the list rules both
queries and writes need: how an element is named and found, and which names are taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.qbxml.models import QbxmlModel
from simulator.ledger import Ledger


def full_name(ledger: Ledger, record: QbxmlModel, depth: int = 0) -> str:
    """``Name``, under its parent's ``FullName`` (``Parent:Child``) for accounts, classes and items."""
    name = str(getattr(record, "name", None) or "")
    parent = getattr(record, "parent_ref", None)
    if parent is None or not parent.list_id or depth > 50:
        return name
    parent_record = find_list_record(ledger, parent.list_id)
    if parent_record is not None:
        return f"{full_name(ledger, parent_record, depth + 1)}:{name}"
    item = ledger.items.get(parent.list_id)
    prefix = item.name if item is not None else parent.full_name
    return f"{prefix}:{name}" if prefix else name


def find_list_record(ledger: Ledger, list_id: str) -> QbxmlModel | None:
    for records in ledger.records.values():
        record = records.get(list_id)
        if record is not None and getattr(record, "list_id", None) == list_id:
            return record
    return None


def lookup_id(ledger: Ledger, list_id: str) -> tuple[str, str] | None:
    """(``ListID``, ``FullName``) of any list element the file knows, by ``ListID``."""
    customer = ledger.customers.get(list_id)
    if customer is not None:
        return list_id, ledger.full_name(customer)
    item = ledger.items.get(list_id)
    if item is not None:
        return list_id, item.name
    record = find_list_record(ledger, list_id)
    if record is not None:
        return list_id, full_name(ledger, record)
    built_in = (ledger.ar_account, ledger.invoice_template, ledger.non_taxable)
    return next(((ref.list_id, ref.full_name) for ref in built_in if ref.list_id == list_id), None)


def lookup_name(ledger: Ledger, space: str, name: str) -> tuple[str, str] | None:
    """(``ListID``, ``FullName``) of the element named ``name`` in the name list ``space``."""
    key = name.casefold()
    if space in ("customer", "entity"):
        customer = ledger.customer_named(name)
        if customer is not None:
            return customer.list_id, ledger.full_name(customer)
    kinds = {"entity": ("Vendor", "Employee"), "account": ("Account",), "class": ("Class",)}.get(space, (space,))
    for kind in kinds:
        for list_id, record in ledger.records.get(kind, {}).items():
            if full_name(ledger, record).casefold() == key:
                return list_id, full_name(ledger, record)
    if space == "item":
        return next(((item.list_id, item.name) for item in ledger.items.values() if item.name.casefold() == key), None)
    built_in = {"account": ledger.ar_account, "template": ledger.invoice_template, "tax": ledger.non_taxable}.get(space)
    return (built_in.list_id, built_in.full_name) if built_in and built_in.full_name.casefold() == key else None


def name_taken(ledger: Ledger, names: str, kind: str, wanted: str, own_id: str | None) -> bool:
    """Whether ``wanted`` (a ``FullName``) is in use in the name list ``names`` by another element."""
    key = wanted.casefold()
    if names == "entity":
        customer = ledger.customer_named(wanted)
        return customer is not None or ledger.entity_name_in_use(wanted, exclude=own_id)
    if names == "item":
        return any(item.name.casefold() == key and item.list_id != own_id for item in ledger.items.values())
    records = ledger.records.get(kind, {})
    return any(full_name(ledger, record).casefold() == key for list_id, record in records.items() if list_id != own_id)


def sorted_by_name(ledger: Ledger, records: dict[str, QbxmlModel]) -> list[tuple[str, QbxmlModel]]:
    """(ListID, record) in ``FullName`` order without regard to case."""
    return sorted(records.items(), key=lambda pair: (full_name(ledger, pair[1]).casefold(), pair[0]))


def _aware(moment: datetime | None, now: datetime) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)).timestamp()


def _within(moment: Any, since: float | None, until: float | None) -> bool:
    seconds = moment.timestamp() if isinstance(moment, datetime) else 0.0
    return (since is None or seconds >= since) and (until is None or seconds <= until)


def list_matching(ledger: Ledger, kind: str, rq: Any) -> list[str]:
    """The ListIDs a filtered list query matches, in ``FullName`` order without regard to case."""
    now = ledger.clock()
    active = rq.active_status or "ActiveOnly"
    since, until = _aware(rq.from_modified_date, now), _aware(rq.to_modified_date, now)
    name_filter, range_filter = rq.name_filter, rq.name_range_filter
    account_types = set(getattr(rq, "account_type", ()))
    found: list[str] = []
    for list_id, record in sorted_by_name(ledger, ledger.records.get(kind, {})):
        key = full_name(ledger, record).casefold()
        is_active = record.is_active is not False  # type: ignore[attr-defined]
        if (active == "ActiveOnly" and not is_active) or (active == "InactiveOnly" and is_active):
            continue
        if name_filter is not None and not _matches(key, name_filter.name.casefold(), name_filter.match_criterion):
            continue
        if range_filter is not None and not _in_range(key, range_filter.from_name, range_filter.to_name, numeric=False):
            continue
        if not _within(record.time_modified, since, until):  # type: ignore[attr-defined]
            continue
        if account_types and record.account_type not in account_types:  # type: ignore[attr-defined]
            continue
        found.append(list_id)
    return found


def _matches(value: str, wanted: str, criterion: str) -> bool:
    if criterion == "Contains":
        return wanted in value
    if criterion == "EndsWith":
        return value.endswith(wanted)
    return value.startswith(wanted)


def _in_range(value: str, low: str | None, high: str | None, numeric: bool) -> bool:
    def below(left: str, right: str) -> bool:
        if numeric and left.isdigit() and right.isdigit():
            return int(left) <= int(right)
        return left.casefold() <= right.casefold()

    return (low is None or below(low, value)) and (high is None or below(value, high))


def txn_matching(ledger: Ledger, kind: str, rq: Any) -> list[str]:
    """The TxnIDs a filtered transaction query matches, in creation (``TxnNumber``) order."""
    now = ledger.clock()
    exact = {number.casefold() for number in rq.ref_number}
    exact_case = set(rq.ref_number_case_sensitive)
    modified, dates = rq.modified_date_range_filter, rq.txn_date_range_filter
    since = _aware(modified.from_modified_date, now) if modified is not None else None
    until = _aware(modified.to_modified_date, now) if modified is not None else None
    first_day = dates.from_txn_date if dates is not None else None
    last_day = dates.to_txn_date if dates is not None else None
    owners = _entity_ids(ledger, rq.entity_filter) if rq.entity_filter is not None else None
    ref_filter, ref_range = rq.ref_number_filter, rq.ref_number_range_filter
    paid = getattr(rq, "paid_status", None) or "All"
    found: list[str] = []
    for txn_id, record in ledger.records.get(kind, {}).items():
        ref = str(getattr(record, "ref_number", None) or "")
        txn_date = getattr(record, "txn_date", None)
        if (exact and ref.casefold() not in exact) or (exact_case and ref not in exact_case):
            continue
        if (first_day and txn_date and txn_date < first_day) or (last_day and txn_date and txn_date > last_day):
            continue
        if not _within(getattr(record, "time_modified", None), since, until):
            continue
        if owners is not None and owners.isdisjoint(_parties(record)):
            continue
        if ref_filter is not None and not _matches(
            ref.casefold(), ref_filter.ref_number.casefold(), ref_filter.match_criterion
        ):
            continue
        if ref_range is not None and not _in_range(
            ref, ref_range.from_ref_number, ref_range.to_ref_number, numeric=True
        ):
            continue
        if paid != "All" and bool(getattr(record, "is_paid", False)) is not (paid == "PaidOnly"):
            continue
        found.append(txn_id)
    return found


def _parties(record: QbxmlModel) -> set[str]:
    """The ListIDs of the customer, vendor or (journal lines) entities a transaction is for."""
    refs: Iterable[Any] = (getattr(record, name, None) for name in ("customer_ref", "vendor_ref"))
    line_refs = (getattr(line, "entity_ref", None) for line in getattr(record, "lines", ()))
    return {ref.list_id for ref in (*refs, *line_refs) if ref is not None and ref.list_id}


def _entity_ids(ledger: Ledger, entity: Any) -> set[str]:
    if entity.list_id:
        return set(entity.list_id)
    if entity.full_name:
        named = (lookup_name(ledger, "entity", name) for name in entity.full_name)
        return {found[0] for found in named if found is not None}
    parent_id = entity.list_id_with_children
    if parent_id is None and entity.full_name_with_children:
        found = lookup_name(ledger, "entity", entity.full_name_with_children)
        parent_id = found[0] if found is not None else None
    if parent_id is None:
        return set()
    return set(ledger.family(parent_id)) if parent_id in ledger.customers else {parent_id}
