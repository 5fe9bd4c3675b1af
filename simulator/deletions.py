"""ListDel, TxnDel and TxnVoid: deleting and voiding; ListDeletedQuery and TxnDeletedQuery: what was deleted.

- ``ListDelRq`` (``ListDelType``, ``ListID``) removes a customer or job, or an element of a list of
  :mod:`simulator.objects`, and answers ``ListDelRs`` with ``ListDelType``, ``ListID``, ``TimeDeleted``
  and ``FullName``. QuickBooks refuses to delete what is in use — a customer with jobs or
  transactions, a parent account, class or item, anything a stored transaction or list element
  refers to: statusCode 3170 here (the wording of that message is the simulator's);
- ``TxnDelRq`` (``TxnDelType``, ``TxnID``) removes an invoice or a transaction of
  :mod:`simulator.objects` and answers ``TxnDelRs`` with ``TxnDelType``, ``TxnID``, ``TimeDeleted`` and
  the ``RefNumber`` if it had one. A deleted payment gives the invoices back what it paid on them; a
  deleted invoice leaves the payments applied to it as they are;
- ``TxnVoidRq`` (``TxnVoidType``: of the types simulated, bills, invoices and journal entries — the
  others are not in qbXML's enumeration) keeps the transaction with every amount zero and ``VOID:``
  before its memo, as QuickBooks does, issues a new ``EditSequence`` and answers ``TxnVoidRs`` with
  ``TxnVoidType``, ``TxnID``, ``TimeCreated``, ``TimeModified`` and ``RefNumber``. A void deletes nothing.

An ID that does not exist (or is not of the type named) is statusCode 3120; a type the simulator
does not keep at all (``Check``, ``ItemGroup``…) is 1030, like a request it does not implement.

QuickBooks remembers what it deleted, and so does the simulator: every successful ListDel and TxnDel
appends a :class:`~simulator.records.Deletion` to :attr:`Ledger.deletions <simulator.ledger.Ledger.deletions>`
(the type it was deleted as, its ``ListID``/``TxnID``, its ``TimeCreated``, ``TimeDeleted`` on the
simulator's clock, and its ``FullName`` or ``RefNumber``); :mod:`simulator.company_store` saves the log
with the file. A refused deletion (3120, 3170, 1030) leaves no trace. Two queries read the log:

- ``ListDeletedQueryRq`` (one or more ``ListDelType``, an optional ``DeletedDateRangeFilter`` of
  ``FromDeletedDate``/``ToDeletedDate``, ``IncludeRetElement``) answers ``ListDeletedQueryRs`` with one
  ``ListDeletedRet`` (``ListDelType``, ``ListID``, ``TimeCreated``, ``TimeDeleted``, ``FullName``) per
  deletion of the types named;
- ``TxnDeletedQueryRq`` (one or more ``TxnDelType``, the same filter) answers ``TxnDeletedQueryRs``
  with ``TxnDeletedRet`` (``TxnDelType``, ``TxnID``, ``TimeCreated``, ``TimeDeleted``, and ``RefNumber``
  when the transaction had one).

Both ends of the date filter are inclusive to the second and read as ``FromModifiedDate`` is read
elsewhere (no offset: the file's local time; a date alone: its midnight). QuickBooks lists only
what was deleted in the last 90 days (:data:`DELETED_HISTORY`, counted back from the clock at the
time of the query), whatever the filter asks: the limit is not in the qbXML schemas or Intuit's
annotated messages kept with the project, but QuickBooks Desktop API documentation states it as
QuickBooks' limit. The answer is grouped by type, in the order the request names the types, and
each group is in the order of deletion (``TimeDeleted``). Nothing matching is statusCode 1;
``metaData`` adds ``retCount`` as for the other queries (:mod:`simulator.paging`); a type the
simulator does not keep has no deletions to list (QuickBooks answers so for a type nothing of which
was deleted), and one that is not in qbXML's enumeration is QuickBooks' parse error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from lxml import etree

from chalicelib.qbxml.models import QbxmlModel
from simulator import computed
from simulator.computed import Change
from simulator.conversion import is_set
from simulator.ledger import Answer, Ledger, parse_moment, seconds_of
from simulator.object_queries import full_name
from simulator.objects import KINDS, context, read
from simulator.qbxml_text import first, format_time, local, text_of
from simulator.records import Deletion, Invoice, Node, Status, agg, leaf

DELETED_HISTORY = timedelta(days=90)
"""How far back ``ListDeletedQuery`` and ``TxnDeletedQuery`` look: QuickBooks lists the last 90 days' deletions."""


def keeps_list(kind: str) -> bool:
    """Whether the simulator keeps list elements of ``ListDelType`` ``kind`` (customers and jobs included)."""
    return kind == "Customer" or (kind in KINDS and KINDS[kind].is_list)


def keeps_txn(kind: str) -> bool:
    """Whether the simulator keeps transactions of ``TxnDelType``/``TxnVoidType`` ``kind`` (invoices included)."""
    return kind == "Invoice" or (kind in KINDS and not KINDS[kind].is_list)


def _unsupported(request: etree._Element, type_name: str) -> Status:
    return Status(
        1030,
        "Error",
        f'The request "{local(request)}" for "{type_name}" is not supported by this QuickBooks simulator.',
    )


def _in_use(kind: str, name: str) -> Status:
    return Status(
        3170,
        "Error",
        f'There was an error when deleting {kind} list element "{name}".  QuickBooks error message: '
        "This list element is in use and cannot be deleted.",
    )


def list_del(ledger: Ledger, request: etree._Element) -> Answer:
    rq: Any = read(request)
    kind, list_id = rq.list_del_type, rq.list_id
    if not keeps_list(kind):
        return Answer(_unsupported(request, kind))
    if kind == "Customer":
        customer = ledger.customers.get(list_id)
        if customer is None:
            return Answer(Status.object_not_found(list_id))
        name, created = ledger.full_name(customer), customer.time_created
        if ledger.family(list_id) != [list_id] or referenced(ledger, list_id):
            return Answer(_in_use(kind, name))
        ledger.remove_customer(list_id)
    else:
        records = ledger.records.get(kind, {})
        record = records.get(list_id)
        if record is None:
            return Answer(Status.object_not_found(list_id))
        name, created = full_name(ledger, record), _time_created(record)
        if referenced(ledger, list_id):
            return Answer(_in_use(kind, name))
        del records[list_id]
        ledger.items.pop(list_id, None)
    time_deleted = _remember(ledger, Deletion(True, kind, list_id, created, "", full_name=name))
    body = (
        leaf("ListDelType", kind),
        leaf("ListID", list_id),
        leaf("TimeDeleted", time_deleted),
        leaf("FullName", name),
    )
    return Answer(Status.ok(), body)


def _time_created(record: QbxmlModel) -> str:
    """A stored ``*Ret``'s ``TimeCreated`` as QuickBooks writes it."""
    moment = getattr(record, "time_created", None)
    return format_time(moment) if isinstance(moment, datetime) else ""


def _remember(ledger: Ledger, deletion: Deletion) -> str:
    """Log a deletion happening now and return its ``TimeDeleted``: the simulator's clock."""
    time_deleted = format_time(ledger.clock())
    ledger.deletions.append(replace(deletion, time_deleted=time_deleted))
    return time_deleted


def referenced(ledger: Ledger, list_id: str) -> bool:
    """Whether any invoice, customer or stored record other than the element itself refers to ``list_id``."""
    for invoice in ledger.invoices.values():
        if invoice.customer_id == list_id or any(line.item and line.item.list_id == list_id for line in invoice.lines):
            return True
        if any(_node_refers(node, list_id) for line in invoice.lines for node in line.fields):
            return True
        if any(_node_refers(node, list_id) for node in invoice.fields):
            return True
    if any(_node_refers(node, list_id) for customer in ledger.customers.values() for node in customer.fields):
        return True
    return any(
        object_id != list_id and _model_refers(record, list_id)
        for records in ledger.records.values()
        for object_id, record in records.items()
    )


def _node_refers(node: Node, list_id: str) -> bool:
    tag, body = node
    if isinstance(body, str):
        return tag == "ListID" and body == list_id
    return any(_node_refers(child, list_id) for child in body)


def _model_refers(model: QbxmlModel, list_id: str, top: bool = True) -> bool:
    if not top and getattr(model, "list_id", None) == list_id:
        return True
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, QbxmlModel) and _model_refers(item, list_id, top=False):
                return True
    return False


def txn_del(ledger: Ledger, request: etree._Element) -> Answer:
    rq: Any = read(request)
    kind, txn_id = rq.txn_del_type, rq.txn_id
    if not keeps_txn(kind):
        return Answer(_unsupported(request, kind))
    if kind == "Invoice":
        if txn_id not in ledger.invoices:
            return Answer(Status.object_not_found(txn_id))
        invoice = ledger.remove_invoice(txn_id)
        ref_number: str | None = invoice.ref_number
        created = invoice.time_created
    else:
        record = ledger.records.get(kind, {}).pop(txn_id, None)
        if record is None:
            return Answer(Status.object_not_found(txn_id))
        computed.unapply(ledger, record)
        ref_number, created = getattr(record, "ref_number", None), _time_created(record)
    time_deleted = _remember(ledger, Deletion(False, kind, txn_id, created, "", ref_number=ref_number or None))
    body = [leaf("TxnDelType", kind), leaf("TxnID", txn_id), leaf("TimeDeleted", time_deleted)]
    if ref_number:
        body.append(leaf("RefNumber", ref_number))
    return Answer(Status.ok(), tuple(body))


def txn_void(ledger: Ledger, request: etree._Element) -> Answer:
    rq: Any = read(request)
    kind, txn_id = rq.txn_void_type, rq.txn_id
    if not keeps_txn(kind):
        return Answer(_unsupported(request, kind))
    if kind == "Invoice":
        invoice = ledger.invoices.get(txn_id)
        if invoice is None:
            return Answer(Status.object_not_found(txn_id))
        voided = _void_invoice(ledger, invoice)
        created, modified = voided.time_created, voided.time_modified
        ref_number: str | None = voided.ref_number
    else:
        record = ledger.records.get(kind, {}).get(txn_id)
        if record is None:
            return Answer(Status.object_not_found(txn_id))
        ctx = context(ledger, KINDS[kind])
        values = {name: value for name in type(record).model_fields if is_set(value := getattr(record, name))}
        computed.voided(values)
        computed.finish(ledger, values, Change(type(record), record, ctx, record))
        values.update(time_modified=ctx.moment, revision_number=ctx.edit_sequence)
        stored = ledger.records[kind][txn_id] = type(record).model_validate(values)
        created, modified = format_time(getattr(stored, "time_created", ctx.moment)), format_time(ctx.moment)
        ref_number = getattr(stored, "ref_number", None)
    body = [
        leaf("TxnVoidType", kind),
        leaf("TxnID", txn_id),
        leaf("TimeCreated", created),
        leaf("TimeModified", modified),
    ]
    if ref_number:
        body.append(leaf("RefNumber", ref_number))
    return Answer(Status.ok(), tuple(body))


def _void_invoice(ledger: Ledger, invoice: Invoice) -> Invoice:
    time, edit_sequence = ledger.stamp()
    memo = next((str(node[1]) for node in invoice.fields if node[0] == "Memo" and isinstance(node[1], str)), "")
    fields = (
        *(node for node in invoice.fields if node[0] != "Memo"),
        leaf("Memo", computed.void_memo(memo)),
    )
    voided = replace(
        invoice,
        lines=tuple(replace(line, amount=Decimal("0.00")) for line in invoice.lines),
        applied_amount=Decimal("0.00"),
        fields=fields,
        time_modified=time,
        edit_sequence=edit_sequence,
    )
    ledger.replace_invoice(voided)
    return voided


# -- what was deleted ---------------------------------------------------------------------


def list_deleted_query(ledger: Ledger, request: etree._Element) -> Answer:
    """``ListDeletedQueryRq``: the list elements of the types named deleted in the window asked for."""
    rq: Any = read(request)
    return _deleted_query(ledger, request, True, rq.list_del_type)


def txn_deleted_query(ledger: Ledger, request: etree._Element) -> Answer:
    """``TxnDeletedQueryRq``: the transactions of the types named deleted in the window asked for."""
    rq: Any = read(request)
    return _deleted_query(ledger, request, False, rq.txn_del_type)


def _deleted_query(ledger: Ledger, request: etree._Element, lists: bool, types: Sequence[str]) -> Answer:
    """The logged deletions of ``types`` (list elements or transactions) inside the window.

    Grouped by type in the order the request names the types (a type named twice counts once), each
    group in the order of deletion. A type the simulator does not keep has had nothing deleted: none
    listed, as QuickBooks answers for a type with no deletions (a change feed names every type it follows).
    """
    since, until = _window(ledger, request)
    order = {kind: place for place, kind in enumerate(dict.fromkeys(types))}
    found = [
        deletion
        for deletion in ledger.deletions
        if deletion.is_list is lists
        and deletion.del_type in order
        and since <= seconds_of(deletion.time_deleted) <= until
    ]
    found.sort(key=lambda deletion: (order[deletion.del_type], seconds_of(deletion.time_deleted)))
    return _counted(request, tuple(_deleted_ret(deletion) for deletion in found))


def _window(ledger: Ledger, request: etree._Element) -> tuple[float, float]:
    """The ``DeletedDateRangeFilter`` as Unix seconds, both ends inclusive, never before :data:`DELETED_HISTORY`."""
    now = ledger.clock()
    since, until = (now - DELETED_HISTORY).timestamp(), float("inf")
    dates = first(request, "DeletedDateRangeFilter")
    if dates is not None:
        low, high = text_of(dates, "FromDeletedDate"), text_of(dates, "ToDeletedDate")
        since = max(since, parse_moment(low, now).timestamp()) if low is not None else since
        until = parse_moment(high, now).timestamp() if high is not None else until
    return since, until


def _deleted_ret(deletion: Deletion) -> Node:
    if deletion.is_list:
        return agg(
            "ListDeletedRet",
            leaf("ListDelType", deletion.del_type),
            leaf("ListID", deletion.object_id),
            leaf("TimeCreated", deletion.time_created),
            leaf("TimeDeleted", deletion.time_deleted),
            leaf("FullName", deletion.full_name or ""),
        )
    ref_number = (leaf("RefNumber", deletion.ref_number),) if deletion.ref_number else ()
    return agg(
        "TxnDeletedRet",
        leaf("TxnDelType", deletion.del_type),
        leaf("TxnID", deletion.object_id),
        leaf("TimeCreated", deletion.time_created),
        leaf("TimeDeleted", deletion.time_deleted),
        *ref_number,
    )


def _counted(request: etree._Element, rets: tuple[Node, ...]) -> Answer:
    """Status 0 or 1 by whether anything matched; ``metaData`` counts (``retCount``), ``MetaDataOnly`` only counts."""
    meta = request.get("metaData", "NoMetaData")
    attributes = (("retCount", str(len(rets))),) if meta in ("MetaDataOnly", "MetaDataAndResponseData") else ()
    status = Status.ok() if rets else Status.no_match()
    return Answer(status, () if meta == "MetaDataOnly" else rets, attributes)
