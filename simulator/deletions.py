"""ListDel, TxnDel and TxnVoid: deleting list elements and transactions, and voiding transactions.

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
  ``TxnVoidType``, ``TxnID``, ``TimeCreated``, ``TimeModified`` and ``RefNumber``.

An ID that does not exist (or is not of the type named) is statusCode 3120; a type the simulator
does not keep at all (``Check``, ``ItemGroup``…) is 1030, like a request it does not implement.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from lxml import etree

from chalicelib.qbxml.models import QbxmlModel
from simulator import computed
from simulator.computed import Change
from simulator.conversion import is_set
from simulator.ledger import Answer, Ledger
from simulator.object_queries import full_name
from simulator.objects import KINDS, context, read
from simulator.qbxml_text import format_time, local
from simulator.records import Invoice, Node, Status, leaf


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
    if kind != "Customer" and (kind not in KINDS or not KINDS[kind].is_list):
        return Answer(_unsupported(request, kind))
    if kind == "Customer":
        customer = ledger.customers.get(list_id)
        if customer is None:
            return Answer(Status.object_not_found(list_id))
        name = ledger.full_name(customer)
        if ledger.family(list_id) != [list_id] or referenced(ledger, list_id):
            return Answer(_in_use(kind, name))
        ledger.remove_customer(list_id)
    else:
        records = ledger.records.get(kind, {})
        record = records.get(list_id)
        if record is None:
            return Answer(Status.object_not_found(list_id))
        name = full_name(ledger, record)
        if referenced(ledger, list_id):
            return Answer(_in_use(kind, name))
        del records[list_id]
        ledger.items.pop(list_id, None)
    time_deleted = format_time(ledger.clock())
    body = (
        leaf("ListDelType", kind),
        leaf("ListID", list_id),
        leaf("TimeDeleted", time_deleted),
        leaf("FullName", name),
    )
    return Answer(Status.ok(), body)


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
    if kind != "Invoice" and (kind not in KINDS or KINDS[kind].is_list):
        return Answer(_unsupported(request, kind))
    if kind == "Invoice":
        if txn_id not in ledger.invoices:
            return Answer(Status.object_not_found(txn_id))
        ref_number: str | None = ledger.remove_invoice(txn_id).ref_number
    else:
        record = ledger.records.get(kind, {}).pop(txn_id, None)
        if record is None:
            return Answer(Status.object_not_found(txn_id))
        computed.unapply(ledger, record)
        ref_number = getattr(record, "ref_number", None)
    body = [leaf("TxnDelType", kind), leaf("TxnID", txn_id), leaf("TimeDeleted", format_time(ledger.clock()))]
    if ref_number:
        body.append(leaf("RefNumber", ref_number))
    return Answer(Status.ok(), tuple(body))


def txn_void(ledger: Ledger, request: etree._Element) -> Answer:
    rq: Any = read(request)
    kind, txn_id = rq.txn_void_type, rq.txn_id
    if kind != "Invoice" and (kind not in KINDS or KINDS[kind].is_list):
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
