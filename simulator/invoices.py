"""InvoiceAdd, InvoiceMod and InvoiceQuery, answered as QuickBooks answers them.

- ``CustomerRef`` (by ``ListID`` or ``FullName``) must name an existing customer or job, and every
  line's ``ItemRef`` an existing item; otherwise QuickBooks refuses the whole invoice with 3140
  (``There is an invalid reference to QuickBooks Customer "X" in the Invoice.``) — the error a
  gateway sees when an InvoiceAdd overtakes the CustomerAdd it depends on;
- a line's ``Amount`` is ``Quantity * Rate`` (the item's price when no rate is sent); with an
  ``Amount`` and a ``Quantity`` but no ``Rate`` the rate is derived; ``Subtotal`` and
  ``BalanceRemaining`` are the sum of the lines (no sales tax, no payments);
- an invoice without ``RefNumber`` gets the next free number, without ``TxnDate`` today's date,
  and ``BillAddress``/``ShipAddress`` default to the customer's;
- ``InvoiceMod`` needs the ``TxnID`` (unknown → 3120) and the current ``EditSequence`` (stale → 3200);
  header fields sent replace the stored ones; once ``InvoiceLineMod`` lines are sent the invoice has
  exactly those: ``TxnLineID`` ``-1`` adds a line, a known one changes it (a new quantity or rate
  without an amount computes the amount again), an unknown one is 3120 (``InvoiceLineGroupMod`` is
  not interpreted);
- ``InvoiceQuery`` returns lines only with ``IncludeLineItems`` true; a ``TxnID`` that does not
  exist is a 3120 error, filters that match nothing answer statusCode 1.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from simulator.customers import address_block
from simulator.ledger import Answer, Ledger, parse_moment, ref_label
from simulator.paging import Page, paginate
from simulator.qbxml_text import (
    assemble,
    elements,
    first,
    format_amount,
    format_bool,
    format_price,
    format_quantity,
    local,
    parse_bool,
    parse_decimal,
    text_of,
    texts_of,
    to_node,
)
from simulator.records import (
    PARSE_ERROR_HRESULT,
    PARSE_ERROR_MESSAGE,
    HResultError,
    Invoice,
    InvoiceLine,
    Node,
    Ref,
    Status,
    leaf,
)

INVOICE_RET_ORDER: tuple[str, ...] = (
    "TxnID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber", "CustomerRef", "ClassRef",
    "ARAccountRef", "TemplateRef", "TxnDate", "RefNumber", "BillAddress", "BillAddressBlock",
    "ShipAddress", "ShipAddressBlock", "IsPending", "IsFinanceCharge", "PONumber", "TermsRef",
    "DueDate", "SalesRepRef", "FOB", "ShipDate", "ShipMethodRef", "Subtotal", "ItemSalesTaxRef",
    "SalesTaxPercentage", "SalesTaxTotal", "AppliedAmount", "BalanceRemaining", "CurrencyRef",
    "ExchangeRate", "BalanceRemainingInHomeCurrency", "Memo", "IsPaid", "CustomerMsgRef",
    "IsToBePrinted", "IsToBeEmailed", "IsTaxIncluded", "CustomerSalesTaxCodeRef",
    "SuggestedDiscountAmount", "SuggestedDiscountDate", "Other", "ExternalGUID", "LinkedTxn",
    "InvoiceLineRet", "DiscountLineRet", "SalesTaxLineRet", "ShippingLineRet", "DataExtRet",
)  # fmt: skip
"""``InvoiceRet`` children in the order of Intuit's schema (identical in 13.0 and 16.0)."""

INVOICE_LINE_RET_ORDER: tuple[str, ...] = (
    "TxnLineID", "ItemRef", "Desc", "Quantity", "UnitOfMeasure", "OverrideUOMSetRef", "Rate",
    "ClassRef", "Amount", "InventorySiteRef", "InventorySiteLocationRef", "SerialNumber", "LotNumber",
    "ServiceDate", "SalesTaxCodeRef", "IsTaxable", "Other1", "Other2",
)  # fmt: skip

_HEADER_STORED = frozenset(
    {
        "ClassRef", "ARAccountRef", "TemplateRef", "BillAddress", "ShipAddress", "IsPending",
        "IsFinanceCharge", "PONumber", "TermsRef", "DueDate", "SalesRepRef", "FOB", "ShipDate",
        "ShipMethodRef", "Memo", "CustomerMsgRef", "IsToBePrinted", "IsToBeEmailed", "Other",
        "ExternalGUID",
    }
)  # fmt: skip
_LINE_STORED = frozenset(
    {
        "UnitOfMeasure", "ClassRef", "InventorySiteRef", "InventorySiteLocationRef", "SerialNumber",
        "LotNumber", "ServiceDate", "SalesTaxCodeRef", "Other1", "Other2",
    }
)  # fmt: skip
_CENT = Decimal("0.01")


def invoice_ret(ledger: Ledger, invoice: Invoice, include_lines: bool = True) -> Node:
    parts: dict[str, list[Node]] = defaultdict(list)
    for node in invoice.fields:
        parts[node[0]].append(node)
    customer = ledger.customers[invoice.customer_id]
    balance = invoice.balance_remaining
    parts.update(
        TxnID=[leaf("TxnID", invoice.txn_id)],
        TimeCreated=[leaf("TimeCreated", invoice.time_created)],
        TimeModified=[leaf("TimeModified", invoice.time_modified)],
        EditSequence=[leaf("EditSequence", invoice.edit_sequence)],
        TxnNumber=[leaf("TxnNumber", str(invoice.txn_number))],
        CustomerRef=[ledger.customer_ref(customer).node("CustomerRef")],
        TxnDate=[leaf("TxnDate", invoice.txn_date)],
        RefNumber=[leaf("RefNumber", invoice.ref_number)],
        Subtotal=[leaf("Subtotal", format_amount(invoice.subtotal))],
        SalesTaxPercentage=[leaf("SalesTaxPercentage", "0.00")],
        SalesTaxTotal=[leaf("SalesTaxTotal", "0.00")],
        AppliedAmount=[leaf("AppliedAmount", format_amount(invoice.applied_amount))],
        BalanceRemaining=[leaf("BalanceRemaining", format_amount(balance))],
        IsPaid=[leaf("IsPaid", format_bool(balance <= 0 < invoice.subtotal))],
    )
    for address, block in (("BillAddress", "BillAddressBlock"), ("ShipAddress", "ShipAddressBlock")):
        if parts.get(address):
            parts[block] = [address_block(parts[address][0], block)]
    if include_lines:
        parts["InvoiceLineRet"] = [_line_ret(line) for line in invoice.lines]
    return assemble("InvoiceRet", INVOICE_RET_ORDER, parts)


def _line_ret(line: InvoiceLine) -> Node:
    parts: dict[str, list[Node]] = defaultdict(list)
    for node in line.fields:
        parts[node[0]].append(node)
    parts["TxnLineID"] = [leaf("TxnLineID", line.txn_line_id)]
    if line.item is not None:
        parts["ItemRef"] = [line.item.node("ItemRef")]
    if line.desc is not None:
        parts["Desc"] = [leaf("Desc", line.desc)]
    if line.quantity is not None:
        parts["Quantity"] = [leaf("Quantity", format_quantity(line.quantity))]
    if line.rate is not None:
        parts["Rate"] = [leaf("Rate", format_price(line.rate))]
    parts["Amount"] = [leaf("Amount", format_amount(line.amount))]
    return assemble("InvoiceLineRet", INVOICE_LINE_RET_ORDER, parts)


def _stored(source: etree._Element, allowed: frozenset[str]) -> list[Node]:
    converted = (to_node(element) for element in elements(source) if local(element) in allowed)
    return [node for node in converted if node is not None]


def add(ledger: Ledger, request: etree._Element) -> Answer:
    invoice_add = first(request, "InvoiceAdd")
    customer_ref = first(invoice_add, "CustomerRef") if invoice_add is not None else None
    if invoice_add is None or customer_ref is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail="InvoiceAdd without CustomerRef")
    customer = ledger.resolve_customer(customer_ref)
    if customer is None:
        return Answer(Status.invalid_reference("Customer", ref_label(customer_ref), "Invoice"))
    time, edit_sequence = ledger.stamp()
    txn_id = ledger.new_txn_id(edit_sequence)
    lines: list[InvoiceLine] = []
    for line_add in elements(invoice_add, "InvoiceLineAdd"):
        line = _line(ledger, line_add, edit_sequence)
        if isinstance(line, Status):
            return Answer(line)
        lines.append(line)
    txn_date = text_of(invoice_add, "TxnDate") or ledger.today()
    fields = _stored(invoice_add, _HEADER_STORED)
    sent = {node[0] for node in fields}
    customer_fields = {node[0]: node for node in customer.fields}
    defaults: list[Node] = [
        ledger.ar_account.node("ARAccountRef"),
        ledger.invoice_template.node("TemplateRef"),
        *(customer_fields[tag] for tag in ("BillAddress", "ShipAddress") if tag in customer_fields),
        leaf("IsPending", "false"),
        leaf("IsFinanceCharge", "false"),
        leaf("DueDate", txn_date),
        leaf("IsToBePrinted", "true"),
        leaf("IsToBeEmailed", "false"),
    ]
    fields += [node for node in defaults if node[0] not in sent]
    invoice = Invoice(
        txn_id=txn_id,
        txn_number=ledger.next_txn_number(),
        customer_id=customer.list_id,
        time_created=time,
        time_modified=time,
        edit_sequence=edit_sequence,
        txn_date=txn_date,
        ref_number=text_of(invoice_add, "RefNumber") or ledger.next_ref_number(),
        lines=tuple(lines),
        fields=tuple(fields),
    )
    ledger.add_invoice(invoice)
    return Answer(Status.ok(), (invoice_ret(ledger, invoice),))


def _line(ledger: Ledger, line_add: etree._Element, edit_sequence: str) -> InvoiceLine | Status:
    item_ref = first(line_add, "ItemRef")
    item = ledger.resolve_item(item_ref) if item_ref is not None else None
    if item_ref is not None and item is None:
        return Status.invalid_reference("Item", ref_label(item_ref), "Invoice line")
    quantity = parse_decimal(text_of(line_add, "Quantity"), "Quantity")
    rate = parse_decimal(text_of(line_add, "Rate"), "Rate")
    amount = parse_decimal(text_of(line_add, "Amount"), "Amount")
    if amount is None:
        if rate is None and item is not None:
            rate = item.price
        amount = (quantity if quantity is not None else Decimal(1)) * (rate or Decimal(0))
    elif rate is None and quantity:
        rate = amount / quantity
    fields = _stored(line_add, _LINE_STORED)
    if not any(node[0] == "SalesTaxCodeRef" for node in fields) and item is not None:
        fields.append(ledger.non_taxable.node("SalesTaxCodeRef"))
    return InvoiceLine(
        txn_line_id=ledger.new_txn_id(edit_sequence),
        item=None if item is None else Ref(item.list_id, item.name),
        desc=text_of(line_add, "Desc") or (item.description if item is not None else None),
        quantity=quantity,
        rate=rate,
        amount=amount.quantize(_CENT, rounding=ROUND_HALF_UP),
        fields=tuple(fields),
    )


def mod(ledger: Ledger, request: etree._Element) -> Answer:
    invoice_mod = first(request, "InvoiceMod")
    if invoice_mod is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail="InvoiceModRq without InvoiceMod")
    txn_id, edit_sequence = text_of(invoice_mod, "TxnID") or "", text_of(invoice_mod, "EditSequence") or ""
    invoice = ledger.invoices.get(txn_id)
    if invoice is None:
        return Answer(Status.object_not_found(txn_id))
    if edit_sequence != invoice.edit_sequence:
        return Answer(Status.stale_edit_sequence(edit_sequence))
    customer_id = invoice.customer_id
    customer_ref = first(invoice_mod, "CustomerRef")
    if customer_ref is not None:
        customer = ledger.resolve_customer(customer_ref)
        if customer is None:
            return Answer(Status.invalid_reference("Customer", ref_label(customer_ref), "Invoice"))
        customer_id = customer.list_id
    time, new_sequence = ledger.stamp()
    lines = invoice.lines
    if line_mods := elements(invoice_mod, "InvoiceLineMod"):
        by_id = {line.txn_line_id: line for line in invoice.lines}
        changed: list[InvoiceLine] = []
        for line_mod in line_mods:
            line_id = text_of(line_mod, "TxnLineID") or ""
            if line_id != "-1" and line_id not in by_id:
                return Answer(Status.object_not_found(line_id))
            new = line_id == "-1"
            line = _line(ledger, line_mod, new_sequence) if new else _changed(ledger, by_id[line_id], line_mod)
            if isinstance(line, Status):
                return Answer(line)
            changed.append(line)
        lines = tuple(changed)
    updated = replace(
        invoice,
        customer_id=customer_id,
        time_modified=time,
        edit_sequence=new_sequence,
        txn_date=text_of(invoice_mod, "TxnDate") or invoice.txn_date,
        ref_number=text_of(invoice_mod, "RefNumber") or invoice.ref_number,
        lines=lines,
        fields=_merged(invoice.fields, invoice_mod, _HEADER_STORED),
    )
    ledger.replace_invoice(updated)
    return Answer(Status.ok(), (invoice_ret(ledger, updated),))


def _merged(fields: tuple[Node, ...], source: etree._Element, allowed: frozenset[str]) -> tuple[Node, ...]:
    """Stored fields with those ``source`` sends replaced (sent empty: removed)."""
    merged: dict[str, list[Node]] = defaultdict(list)
    for node in fields:
        merged[node[0]].append(node)
    for tag in {local(element) for element in elements(source)} & allowed:
        merged[tag] = [sent for element in elements(source, tag) if (sent := to_node(element)) is not None]
    return tuple(node for nodes in merged.values() for node in nodes)


def _changed(ledger: Ledger, line: InvoiceLine, line_mod: etree._Element) -> InvoiceLine | Status:
    item_ref = first(line_mod, "ItemRef")
    item = ledger.resolve_item(item_ref) if item_ref is not None else None
    if item_ref is not None and item is None:
        return Status.invalid_reference("Item", ref_label(item_ref), "Invoice line")
    sent_quantity = parse_decimal(text_of(line_mod, "Quantity"), "Quantity")
    sent_rate = parse_decimal(text_of(line_mod, "Rate"), "Rate")
    amount = parse_decimal(text_of(line_mod, "Amount"), "Amount")
    quantity = sent_quantity if sent_quantity is not None else line.quantity
    rate = sent_rate if sent_rate is not None else line.rate
    if amount is None and (sent_quantity is not None or sent_rate is not None):
        amount = (quantity if quantity is not None else Decimal(1)) * (rate or Decimal(0))
    elif amount is not None and sent_rate is None and quantity:
        rate = amount / quantity
    return replace(
        line,
        item=line.item if item is None else Ref(item.list_id, item.name),
        desc=text_of(line_mod, "Desc") or line.desc,
        quantity=quantity,
        rate=rate,
        amount=(line.amount if amount is None else amount).quantize(_CENT, rounding=ROUND_HALF_UP),
        fields=_merged(line.fields, line_mod, _LINE_STORED),
    )


def query(ledger: Ledger, request: etree._Element) -> Answer:
    include_lines = parse_bool(text_of(request, "IncludeLineItems"), default=False)
    txn_ids = texts_of(request, "TxnID")
    if txn_ids:
        missing = next((txn_id for txn_id in txn_ids if txn_id not in ledger.invoices), None)
        if missing is not None:
            return Answer(Status.object_not_found(missing))
        return _answer(ledger, Status.ok(), Page(tuple(txn_ids)), include_lines)
    page = paginate(ledger.iterators, request, lambda: matching(ledger, request))
    if isinstance(page, Status):
        return Answer(page)
    return _answer(ledger, page.status(), page, include_lines)


def _answer(ledger: Ledger, status: Status, page: Page, include_lines: bool) -> Answer:
    invoices = ledger.invoices  # an invoice deleted since an iterator started is left out
    rets = tuple(invoice_ret(ledger, invoices[key], include_lines) for key in page.keys if key in invoices)
    return Answer(status, rets, page.attributes)


def matching(ledger: Ledger, request: etree._Element) -> list[str]:
    """The TxnIDs an InvoiceQuery matches, in creation (``TxnNumber``) order.

    ``ModifiedDateRangeFilter`` compares ``TimeModified`` to the second, both ends inclusive (a date
    without a time is its midnight); ``TxnDateRangeFilter`` compares whole days, both inclusive
    (its ``DateMacro`` form is not interpreted: it matches every date).
    """
    exact = {value.casefold() for value in texts_of(request, "RefNumber")}
    exact_case = set(texts_of(request, "RefNumberCaseSensitive"))
    entity = first(request, "EntityFilter")
    owners = _entity_ids(ledger, entity) if entity is not None else None
    dates, modified = first(request, "TxnDateRangeFilter"), first(request, "ModifiedDateRangeFilter")
    first_day = _day(text_of(dates, "FromTxnDate")) if dates is not None else None
    last_day = _day(text_of(dates, "ToTxnDate")) if dates is not None else None
    since, until = float("-inf"), float("inf")
    if modified is not None:
        now = ledger.clock()
        low, high = text_of(modified, "FromModifiedDate"), text_of(modified, "ToModifiedDate")
        since = parse_moment(low, now).timestamp() if low is not None else since
        until = parse_moment(high, now).timestamp() if high is not None else until
    ref_filter = first(request, "RefNumberFilter")
    paid = text_of(request, "PaidStatus") or "All"
    chosen: list[str] = []
    modified_at = ledger.modified_at
    for invoice in ledger.invoices.values():
        ref = invoice.ref_number
        if (exact and ref.casefold() not in exact) or (exact_case and ref not in exact_case):
            continue
        if owners is not None and invoice.customer_id not in owners:
            continue
        if (first_day and invoice.txn_date < first_day) or (last_day and invoice.txn_date > last_day):
            continue
        if modified is not None and not since <= modified_at[invoice.txn_id] <= until:
            continue
        if ref_filter is not None and not _ref_matches(ref, ref_filter):
            continue
        if paid != "All" and (invoice.balance_remaining <= 0) is not (paid == "PaidOnly"):
            continue
        chosen.append(invoice.txn_id)
    return chosen


def _day(value: str | None) -> str | None:
    """A ``DATETYPE`` as ``YYYY-MM-DD`` text, which compares in date order."""
    return date.fromisoformat(value[:10]).isoformat() if value else None


def _entity_ids(ledger: Ledger, entity: etree._Element) -> set[str]:
    """The customers and jobs an ``EntityFilter`` names (``…WithChildren``: with all their jobs)."""
    if texts_of(entity, "ListID"):
        return set(texts_of(entity, "ListID"))
    if texts_of(entity, "FullName"):
        named = (ledger.customer_named(name) for name in texts_of(entity, "FullName"))
        return {customer.list_id for customer in named if customer is not None}
    parent_id = text_of(entity, "ListIDWithChildren")
    if parent_id is None:
        parent = ledger.customer_named(text_of(entity, "FullNameWithChildren") or "")
        parent_id = parent.list_id if parent is not None else None
    if parent_id is None or parent_id not in ledger.customers:
        return set()
    return set(ledger.family(parent_id))


def _ref_matches(ref: str, ref_filter: etree._Element) -> bool:
    criterion = text_of(ref_filter, "MatchCriterion") or "StartsWith"
    wanted = (text_of(ref_filter, "RefNumber") or "").casefold()
    value = ref.casefold()
    if criterion == "Contains":
        return wanted in value
    if criterion == "EndsWith":
        return value.endswith(wanted)
    return value.startswith(wanted)
