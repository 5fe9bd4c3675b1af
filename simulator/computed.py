"""What QuickBooks computes when it stores a vendor, an item, a bill or a payment (:mod:`simulator.objects`).

:func:`finish` gets the field values of a ``*Ret`` that :mod:`simulator.conversion` carried over from
an Add or merged from a Mod, and completes them per object group:

- addresses: every ``…Address`` gets its printable ``…AddressBlock`` (as customers' do);
- vendors: ``IsTaxAgency``/``IsVendorEligibleFor1099`` false unless sent, ``Balance`` the opening
  balance (bills do not move it here); accounts: ``Balance`` and ``TotalBalance`` the opening balance;
- items: ``BarCodeValue`` from ``BarCode``; inventory parts start with ``QuantityOnHand`` 0 unless
  sent, ``AverageCost`` the purchase cost, nothing on order;
- lines: an ``Amount`` that is not sent is ``Quantity`` (default 1) times ``Rate`` (sales lines;
  the item's price when no rate is sent, and the item's "Non" tax code) or ``Cost`` (bills);
- estimates and sales orders: the customer's addresses when none are sent, ``DueDate`` the
  ``TxnDate``, ``Subtotal`` = ``TotalAmount`` = the sum of the lines (no sales tax), open and not
  invoiced; bills: ``AmountDue`` = ``OpenAmount`` = the sum of item and expense lines;
- journal entries must balance: debits ≠ credits is statusCode 3180, as QuickBooks refuses them;
- payments: ``ARAccountRef`` defaults to Accounts Receivable; each ``AppliedToTxn`` must name an
  invoice (unknown → 3120), whose ``BalanceRemaining`` drops by the payment (and whose
  ``EditSequence`` changes, as in QuickBooks); ``TotalAmount`` defaults to what is applied,
  ``UnusedPayment`` is the rest. :func:`unapply` gives it back when the payment is deleted or its
  applications are modified. ``IsAutoApply`` is not interpreted.

:func:`voided` is what ``TxnVoidRq`` leaves of a transaction: every amount zero and ``VOID:`` before
the memo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chalicelib.qbxml.models import QbxmlModel, model_for
from simulator.conversion import Context, codec_of, is_set, make_ref, model_node, node_model
from simulator.customers import address_block
from simulator.ledger import Ledger
from simulator.qbxml_text import format_time
from simulator.records import Status

ZERO = Decimal("0.00")
_CENT = Decimal("0.01")
LINE_FIELDS = ("lines", "expense_line_ret", "applied_to_txn_ret")
"""The fields that are line items (returned by a query only with ``IncludeLineItems``)."""


@dataclass(frozen=True)
class Change:
    """One Add or Mod being stored: the ``*Ret`` class, the request's aggregate, the stored version."""

    model: type[QbxmlModel]
    source: QbxmlModel
    ctx: Context
    previous: QbxmlModel | None = None


Finisher = Callable[[Ledger, dict[str, Any], Change], "Status | None"]


def finish(ledger: Ledger, values: dict[str, Any], change: Change) -> Status | None:
    """Complete ``values`` of a Ret built from an Add, or from a Mod of ``change.previous``."""
    kind = change.model.__qbxml__.name[:-3]
    finisher = _FINISHERS.get(kind) or (_item if kind.startswith("Item") else None)
    problem = finisher(ledger, values, change) if finisher is not None else None
    if problem is None:
        _address_blocks(values, change.model)
    return problem


def _address_blocks(values: dict[str, Any], model: type[QbxmlModel]) -> None:
    for name in model.model_fields:
        if name.endswith("_address_block"):
            address, codec = values.get(name[: -len("_block")]), codec_of(model, name)
            values.pop(name, None)
            if isinstance(address, QbxmlModel) and isinstance(codec, type):
                block_tag = codec.__qbxml__.name
                block = node_model(address_block(model_node(address), block_tag), codec)
                if block is not None and any(is_set(getattr(block, key)) for key in type(block).model_fields):
                    values[name] = block


def _opening_balance(change: Change) -> Decimal:
    """The opening balance sent with the Add (a Mod cannot change it)."""
    if change.previous is not None:
        kept = getattr(change.previous, "balance", None)
        return kept if isinstance(kept, Decimal) else ZERO
    sent = getattr(change.source, "open_balance", None)
    return sent if isinstance(sent, Decimal) else ZERO


def _vendor(ledger: Ledger, values: dict[str, Any], change: Change) -> None:
    values.setdefault("is_tax_agency", False)
    values.setdefault("is_vendor_eligible_for_1099", False)
    values["balance"] = _opening_balance(change)


def _account(ledger: Ledger, values: dict[str, Any], change: Change) -> None:
    values["balance"] = values["total_balance"] = _opening_balance(change)


def _item(ledger: Ledger, values: dict[str, Any], change: Change) -> None:
    bar_code = getattr(change.source, "bar_code", None)
    if bar_code is not None and bar_code.bar_code_value:
        values["bar_code_value"] = bar_code.bar_code_value
    if "quantity_on_order" in change.model.model_fields:  # an inventory part
        values.setdefault("quantity_on_hand", Decimal(0))
        values.setdefault("average_cost", values.get("purchase_cost") or ZERO)
        values.setdefault("quantity_on_order", Decimal(0))
        values.setdefault("quantity_on_sales_order", Decimal(0))


def priced(ledger: Ledger, line: Any, sales: bool) -> Any:
    """A line with its ``Amount`` (and the defaults QuickBooks takes from the item) filled in."""
    fields = type(line).model_fields
    if "amount" not in fields or line.amount is not None:
        return line
    item_ref = getattr(line, "item_ref", None)
    item = ledger.items.get(item_ref.list_id) if item_ref is not None and item_ref.list_id else None
    update: dict[str, Any] = {}
    price_field = "rate" if "rate" in fields else "cost" if "cost" in fields else None
    price = getattr(line, price_field) if price_field is not None else None
    if price is None and price_field == "rate" and item is not None:
        price = update["rate"] = item.price
    if sales and item is not None and "sales_tax_code_ref" in fields and line.sales_tax_code_ref is None:
        codec = codec_of(type(line), "sales_tax_code_ref")
        if isinstance(codec, type):
            update["sales_tax_code_ref"] = make_ref(codec, ledger.non_taxable.list_id, ledger.non_taxable.full_name)
    quantity = getattr(line, "quantity", None)
    amount = (quantity if quantity is not None else Decimal(1)) * (price if price is not None else ZERO)
    update["amount"] = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return line.model_copy(update=update)


def line_total(lines: tuple[Any, ...]) -> Decimal:
    return sum((getattr(line, "amount", None) or getattr(line, "total_amount", None) or ZERO for line in lines), ZERO)


def _sales(ledger: Ledger, values: dict[str, Any], change: Change) -> None:
    model = change.model
    customer_ref = values.get("customer_ref")
    customer = ledger.customers.get(customer_ref.list_id) if customer_ref is not None else None
    if customer is not None and change.previous is None:
        stored = {node[0]: node for node in customer.fields}
        for tag, name in (("BillAddress", "bill_address"), ("ShipAddress", "ship_address")):
            codec = codec_of(model, name)
            if name not in values and tag in stored and isinstance(codec, type):
                address = node_model(stored[tag], codec)
                if address is not None:
                    values[name] = address
    lines = tuple(priced(ledger, line, sales=True) for line in values.get("lines", ()))
    if "is_manually_closed" in model.model_fields:  # a sales order and its lines
        lines = tuple(
            line.model_copy(
                update={"invoiced": line.invoiced or Decimal(0), "is_manually_closed": bool(line.is_manually_closed)}
            )
            if "invoiced" in type(line).model_fields
            else line
            for line in lines
        )
        values.setdefault("is_manually_closed", False)
        values.setdefault("is_fully_invoiced", False)
    if "is_active" in model.model_fields:  # an estimate
        values.setdefault("is_active", True)
    values["lines"] = lines
    values.setdefault("due_date", values.get("txn_date"))
    subtotal = line_total(lines)
    values.update(subtotal=subtotal, sales_tax_percentage=ZERO, sales_tax_total=ZERO, total_amount=subtotal)


def _bill(ledger: Ledger, values: dict[str, Any], change: Change) -> None:
    lines = values["lines"] = tuple(priced(ledger, line, sales=False) for line in values.get("lines", ()))
    expenses = values["expense_line_ret"] = tuple(
        priced(ledger, line, sales=False) for line in values.get("expense_line_ret", ())
    )
    due = line_total(lines) + line_total(expenses)
    values.update(amount_due=due, open_amount=due, is_paid=due <= 0)  # not IsPending: 16.0 only
    values.setdefault("due_date", values.get("txn_date"))


def _journal(ledger: Ledger, values: dict[str, Any], change: Change) -> Status | None:
    lines = values["lines"] = tuple(priced(ledger, line, sales=False) for line in values.get("lines", ()))
    debits = line_total(tuple(line for line in lines if type(line).__qbxml__.name == "JournalDebitLine"))
    credits = line_total(tuple(line for line in lines if type(line).__qbxml__.name == "JournalCreditLine"))
    if debits != credits:
        return Status(
            3180, "Error", "There was an error when saving a Journal Entry transaction.  QuickBooks error message: "
            f"The transaction is not in balance (debits {debits}, credits {credits}).",
        )  # fmt: skip
    values.setdefault("is_adjustment", False)
    return None


def _payment(ledger: Ledger, values: dict[str, Any], change: Change) -> Status | None:
    account = ledger.ar_account
    values.setdefault("ar_account_ref", make_ref(model_for("ARAccountRef"), account.list_id, account.full_name))
    source, ctx, previous = change.source, change.ctx, change.previous
    sent = getattr(source, "applied_to_txn_add", None) or getattr(source, "applied_to_txn_mod", None) or ()
    if sent:
        wanted = [(_text(application.txn_id), application) for application in sent]
        missing = next((txn_id for txn_id, _ in wanted if txn_id not in ledger.invoices), None)
        if missing is not None:
            return Status.object_not_found(missing)
        if previous is not None:
            unapply(ledger, previous, ctx)
        values["applied_to_txn_ret"] = tuple(_apply(ledger, txn_id, application, ctx) for txn_id, application in wanted)
    applied = sum((line.amount or ZERO for line in values.get("applied_to_txn_ret", ())), ZERO)
    total = values.setdefault("total_amount", applied)
    values.update(unused_payment=total - applied, unused_credits=ZERO)
    return None


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def _apply(ledger: Ledger, txn_id: str, application: Any, ctx: Context) -> QbxmlModel:
    amount = application.payment_amount if application.payment_amount is not None else ZERO
    invoice = ledger.invoices[txn_id]
    invoice = replace(
        invoice,
        applied_amount=invoice.applied_amount - amount,
        time_modified=format_time(ctx.moment),
        edit_sequence=ctx.edit_sequence,
    )
    ledger.replace_invoice(invoice)
    values: dict[str, Any] = {
        "txn_id": txn_id, "txn_type": "Invoice", "txn_date": date.fromisoformat(invoice.txn_date),
        "ref_number": invoice.ref_number, "balance_remaining": invoice.balance_remaining, "amount": amount,
    }  # fmt: skip
    for name in ("discount_amount", "discount_account_ref", "discount_class_ref"):
        if getattr(application, name) is not None:
            values[name] = getattr(application, name)
    return model_for("AppliedToTxnRet").model_validate(values)


def unapply(ledger: Ledger, payment: QbxmlModel, ctx: Context | None = None) -> None:
    """Give the invoices back what ``payment`` paid on them (those that still exist)."""
    for line in getattr(payment, "applied_to_txn_ret", ()):
        invoice = ledger.invoices.get(line.txn_id)
        if invoice is not None:
            changes: dict[str, Any] = {"applied_amount": invoice.applied_amount + (line.amount or ZERO)}
            if ctx is not None:
                changes.update(time_modified=format_time(ctx.moment), edit_sequence=ctx.edit_sequence)
            ledger.replace_invoice(replace(invoice, **changes))


def voided(values: dict[str, Any]) -> None:
    """What voiding leaves: every line amount zero, ``VOID:`` before the memo."""
    for name in LINE_FIELDS:
        if name in values:
            values[name] = tuple(
                line.model_copy(
                    update={key: ZERO for key in ("amount", "total_amount") if key in type(line).model_fields}
                )
                for line in values[name]
            )
    values["memo"] = void_memo(values.get("memo"))


def void_memo(memo: str | None) -> str:
    """``VOID: `` before the memo (once: a transaction voided again keeps it)."""
    if memo and memo.startswith("VOID:"):
        return memo
    return (f"VOID: {memo}" if memo else "VOID:")[:4095]


_FINISHERS: dict[str, Finisher] = {
    "Vendor": _vendor,
    "Account": _account,
    "Estimate": _sales,
    "SalesOrder": _sales,
    "Bill": _bill,
    "JournalEntry": _journal,
    "ReceivePayment": _payment,
}
