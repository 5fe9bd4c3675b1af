"""Transactions beyond invoices — bills, payments, estimates, sales orders, journal entries — added, queried,
modified, voided and deleted.

Requests are built with the typed qbXML models and sent as whole 16.0 documents; every answer is checked
against Intuit's 16.0 schema and read back into the typed response models (nothing may be skipped).
Expectations are computed here from what was sent, not from the simulator's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.qbxml.models._common import (
    AccountRef,
    CustomerRef,
    ItemRef,
    VendorRef,
)
from chalicelib.qbxml.models.bill import BillAdd, BillMod, BillQueryRq, ExpenseLineAdd, ExpenseLineMod, ItemLineAdd
from chalicelib.qbxml.models.estimate import EstimateAdd, EstimateLineAdd, EstimateLineMod, EstimateMod
from chalicelib.qbxml.models.invoice import InvoiceAdd, InvoiceLineAdd, InvoiceQueryRq
from chalicelib.qbxml.models.journal_entry import (
    JournalCreditLine,
    JournalDebitLine,
    JournalEntryAdd,
    JournalEntryMod,
    JournalLineMod,
)
from chalicelib.qbxml.models.receive_payment import (
    AppliedToTxnAdd,
    AppliedToTxnMod,
    ReceivePaymentAdd,
    ReceivePaymentMod,
)
from chalicelib.qbxml.models.sales_order import SalesOrderAdd, SalesOrderLineAdd
from chalicelib.qbxml.models.txn import TxnDelRq, TxnVoidRq
from simulator.quickbooks import CompanyFile
from tests.unit.simulator.object_support import T0, Clock, added, one, query_one, rets, rq


def new_bill(company: CompanyFile) -> Any:
    return added(
        company,
        "Bill",
        BillAdd(
            vendor_ref=VendorRef(full_name="initech supply"),
            ref_number="INV-77",
            memo="April supplies",
            txn_date=date(2024, 4, 30),
            expense_line_add=(
                ExpenseLineAdd(account_ref=AccountRef(full_name="Office Supplies"), amount=Decimal("40.00")),
            ),
            lines=(ItemLineAdd(item_ref=ItemRef(full_name="Widget"), quantity=Decimal(3), cost=Decimal("4.25")),),
        ),
    )


def test_a_bill_resolves_its_references_and_totals_its_lines(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN a bill naming its vendor, account and item by FullName
    WHEN it is added and queried with and without IncludeLineItems
    THEN the references carry ListID and FullName, AmountDue is the sum of the lines, lines come only when asked."""
    bill = new_bill(qb)

    assert bill.vendor_ref == VendorRef(list_id=books["vendor"], full_name="Initech Supply")
    assert bill.expense_line_ret[0].account_ref == AccountRef(list_id=books["expenses"], full_name="Office Supplies")
    assert [(line.item_ref.list_id, line.amount) for line in bill.lines] == [(books["widget"], Decimal("12.75"))]
    assert (bill.amount_due, bill.open_amount, bill.is_paid) == (Decimal("52.75"), Decimal("52.75"), False)
    assert (bill.txn_date, bill.due_date, bill.ref_number, bill.txn_number) == (
        date(2024, 4, 30),
        date(2024, 4, 30),
        "INV-77",
        1,
    )
    assert len({bill.txn_id, bill.expense_line_ret[0].txn_line_id, bill.lines[0].txn_line_id}) == 3
    assert query_one(qb, "Bill", bill.txn_id) == bill
    plain = query_one(qb, "Bill", bill.txn_id, lines=False)
    assert (plain.lines, plain.expense_line_ret, plain.amount_due) == ((), (), bill.amount_due)
    missing = one(qb, rq("BillAddRq", BillAdd(vendor_ref=VendorRef(full_name="Ghost"))))
    assert missing.status_code == 3140 and 'QuickBooks Vendor "Ghost" in the Bill' in missing.status_message


def test_a_bill_mod_changes_the_lines_it_names(qb: CompanyFile, books: dict[str, str], clock: Clock) -> None:
    """GIVEN a bill with an expense line and an item line
    WHEN a Mod sends a new amount for the expense line (by TxnLineID), with a stale, then the current EditSequence
    THEN the stale one is 3200, an unknown line 3120, and the accepted one changes that line and the total only."""
    bill = new_bill(qb)
    clock.tick()
    line_id = bill.expense_line_ret[0].txn_line_id

    def mod(revision: str, txn_line_id: str) -> Any:
        change = BillMod(
            txn_id=bill.txn_id,
            revision_number=revision,
            memo="May",
            expense_line_mod=(ExpenseLineMod(txn_line_id=txn_line_id, amount=Decimal("45.00")),),
        )
        return one(qb, rq("BillModRq", change))

    assert mod("1", line_id).status_code == 3200
    assert mod(bill.revision_number, "999-1").status_code == 3120
    [changed] = rets(mod(bill.revision_number, line_id))

    assert [line.amount for line in changed.expense_line_ret] == [Decimal("45.00")]
    assert changed.lines == bill.lines and changed.amount_due == Decimal("57.75") and changed.memo == "May"
    assert changed.revision_number != bill.revision_number and changed.time_modified == clock.now


def test_voiding_a_bill_zeroes_it_and_deleting_it_removes_it(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN a bill
    WHEN it is voided, then deleted
    THEN TxnVoidRs names it, the bill stays with every amount zero and "VOID: " before its memo; after TxnDelRs it is
    not found (3120)."""
    bill = new_bill(qb)
    clock.tick()
    void = one(qb, TxnVoidRq(txn_void_type="Bill", txn_id=bill.txn_id))
    after = query_one(qb, "Bill", bill.txn_id)

    assert (void.status_code, void.txn_void_type, void.txn_id, void.ref_number) == (0, "Bill", bill.txn_id, "INV-77")
    assert (void.time_created, void.time_modified) == (T0, clock.now)
    assert (after.amount_due, after.open_amount, after.memo) == (
        Decimal("0.00"),
        Decimal("0.00"),
        "VOID: April supplies",
    )
    assert [line.amount for line in (*after.lines, *after.expense_line_ret)] == [Decimal("0.00")] * 2
    assert after.revision_number != bill.revision_number

    deleted = one(qb, TxnDelRq(txn_del_type="Bill", txn_id=bill.txn_id))
    assert (deleted.status_code, deleted.txn_id, deleted.ref_number, deleted.time_deleted) == (
        0,
        bill.txn_id,
        "INV-77",
        clock.now,
    )
    assert one(qb, BillQueryRq(txn_id=(bill.txn_id,))).status_code == 3120


def test_a_payment_pays_an_invoice_until_it_is_deleted(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN an invoice of 300.00
    WHEN a payment of 250.00 applies 200.00 to it, is then modified to pay all 300.00, and is then deleted
    THEN the payment shows what it applied and what is unused, the invoice's balance drops to 100.00 (and its
    EditSequence changes), then to 0.00 (paid), and after the TxnDel the invoice owes 300.00 again."""
    invoice_add = InvoiceAdd(
        customer_ref=CustomerRef(full_name="Globex"),
        ref_number="1001",
        lines=(InvoiceLineAdd(item_ref=ItemRef(full_name="Consulting"), quantity=Decimal(2)),),
    )
    [invoice] = rets(one(qb, rq("InvoiceAddRq", invoice_add)))
    payment = added(
        qb,
        "ReceivePayment",
        ReceivePaymentAdd(
            customer_ref=CustomerRef(full_name="globex"),
            total_amount=Decimal("250.00"),
            memo="Check 12",
            applied_to_txn_add=(AppliedToTxnAdd(txn_id=invoice.txn_id, payment_amount=Decimal("200.00")),),
        ),
    )
    [owed] = rets(one(qb, InvoiceQueryRq(txn_id=(invoice.txn_id,))))

    assert invoice.balance_remaining == Decimal("300.00")
    assert (payment.customer_ref.list_id, payment.ar_account_ref.full_name) == (
        books["customer"],
        "Accounts Receivable",
    )
    assert (payment.total_amount, payment.unused_payment, payment.unused_credits) == (
        Decimal(250),
        Decimal(50),
        Decimal(0),
    )
    [applied] = payment.applied_to_txn_ret
    assert (applied.txn_id, applied.txn_type, applied.ref_number, applied.amount, applied.balance_remaining) == (
        invoice.txn_id,
        "Invoice",
        "1001",
        Decimal("200.00"),
        Decimal("100.00"),
    )
    assert (owed.balance_remaining, owed.is_paid) == (Decimal("100.00"), False)
    assert owed.revision_number != invoice.revision_number
    assert query_one(qb, "ReceivePayment", payment.txn_id) == payment
    assert query_one(qb, "ReceivePayment", payment.txn_id, lines=False).applied_to_txn_ret == ()

    change = ReceivePaymentMod(
        txn_id=payment.txn_id,
        revision_number=payment.revision_number,
        total_amount=Decimal(300),
        applied_to_txn_mod=(AppliedToTxnMod(txn_id=invoice.txn_id, payment_amount=Decimal(300)),),
    )
    [repaid] = rets(one(qb, rq("ReceivePaymentModRq", change)))
    [settled] = rets(one(qb, InvoiceQueryRq(txn_id=(invoice.txn_id,))))
    assert (repaid.unused_payment, repaid.applied_to_txn_ret[0].balance_remaining, repaid.memo) == (
        Decimal(0),
        Decimal(0),
        "Check 12",
    )
    assert (settled.balance_remaining, settled.is_paid) == (Decimal("0.00"), True)

    assert one(qb, TxnDelRq(txn_del_type="ReceivePayment", txn_id=payment.txn_id)).status_code == 0
    assert rets(one(qb, InvoiceQueryRq(txn_id=(invoice.txn_id,))))[0].balance_remaining == Decimal("300.00")
    assert one(qb, rq("ReceivePaymentQueryRq", txn_id=(payment.txn_id,))).status_code == 3120
    ghost = one(
        qb,
        rq(
            "ReceivePaymentAddRq",
            ReceivePaymentAdd(
                customer_ref=CustomerRef(full_name="Globex"), applied_to_txn_add=(AppliedToTxnAdd(txn_id="FF-1"),)
            ),
        ),
    )
    assert ghost.status_code == 3120


def test_an_estimate_prices_its_lines_and_a_mod_reprices_them(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN an estimate for 3 x Consulting (no rate sent) for a customer with a billing address
    WHEN a Mod changes the quantity of that line and adds a Design line (TxnLineID -1)
    THEN the rate is the item's price, the totals follow the lines, the first estimate is number 1 with the
    customer's address; after the Mod the lines are exactly the two sent, repriced; an unknown customer is 3140."""
    estimate_lines = (EstimateLineAdd(item_ref=ItemRef(full_name="Consulting"), quantity=Decimal(3)),)
    estimate = added(
        qb,
        "Estimate",
        EstimateAdd(customer_ref=CustomerRef(list_id=books["customer"]), memo="Spring project", lines=estimate_lines),
    )
    [line] = estimate.lines

    assert (estimate.customer_ref.full_name, estimate.ref_number, estimate.is_active) == ("Globex", "1", True)
    assert (estimate.bill_address.addr1, estimate.bill_address_block.addr2) == ("10 Elm St", "Springfield, IL 62701")
    assert (line.rate, line.amount, line.sales_tax_code_ref.full_name) == (Decimal("150.00"), Decimal("450.00"), "Non")
    assert (estimate.subtotal, estimate.sales_tax_total, estimate.total_amount) == (
        Decimal(450),
        Decimal(0),
        Decimal(450),
    )
    assert query_one(qb, "Estimate", estimate.txn_id) == estimate

    clock.tick()
    change = EstimateMod(
        txn_id=estimate.txn_id,
        revision_number=estimate.revision_number,
        lines=(
            EstimateLineMod(txn_line_id=line.txn_line_id, quantity=Decimal(4)),
            EstimateLineMod(txn_line_id="-1", item_ref=ItemRef(full_name="Design"), quantity=Decimal(1)),
        ),
    )
    [changed] = rets(one(qb, rq("EstimateModRq", change)))
    again = one(qb, rq("EstimateModRq", change))

    assert [(ln.item_ref.full_name, ln.amount) for ln in changed.lines] == [
        ("Consulting", Decimal(600)),
        ("Design", Decimal(95)),
    ]
    assert changed.lines[0].txn_line_id == line.txn_line_id and changed.total_amount == Decimal("695.00")
    assert changed.memo == "Spring project" and again.status_code == 3200
    ghost = one(qb, rq("EstimateAddRq", EstimateAdd(customer_ref=CustomerRef(full_name="Ghost"), lines=estimate_lines)))
    assert ghost.status_code == 3140 and 'QuickBooks Customer "Ghost" in the Estimate' in ghost.status_message


def test_sales_orders_are_numbered_queried_by_ref_number_and_deleted(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN two sales orders without RefNumber
    WHEN they are queried by RefNumber and the first is deleted
    THEN they are numbered 1 and 2, open and not invoiced; TxnDelRs carries the RefNumber and it is gone."""
    lines = (SalesOrderLineAdd(item_ref=ItemRef(full_name="Widget"), quantity=Decimal(2), rate=Decimal("9.50")),)
    first, second = (
        added(qb, "SalesOrder", SalesOrderAdd(customer_ref=CustomerRef(full_name="Globex"), lines=lines))
        for _ in range(2)
    )

    [found] = rets(one(qb, rq("SalesOrderQueryRq", ref_number=("2",), include_line_items=True)))
    deleted = one(qb, TxnDelRq(txn_del_type="SalesOrder", txn_id=first.txn_id))

    assert (first.ref_number, second.ref_number, found) == ("1", "2", second)
    assert (first.total_amount, first.is_manually_closed, first.is_fully_invoiced) == (Decimal("19.00"), False, False)
    assert (first.lines[0].invoiced, first.lines[0].item_ref.list_id) == (Decimal(0), books["widget"])
    assert (deleted.status_code, deleted.txn_del_type, deleted.ref_number) == (0, "SalesOrder", "1")
    assert one(qb, rq("SalesOrderQueryRq", txn_id=(first.txn_id,))).status_code == 3120
    assert [r.txn_id for r in rets(one(qb, rq("SalesOrderQueryRq")))] == [second.txn_id]


def test_journal_entries_must_balance_and_can_be_modified_voided_and_deleted(
    qb: CompanyFile, books: dict[str, str]
) -> None:
    """GIVEN a balanced journal entry and an unbalanced one
    WHEN the balanced one is modified (both lines to 80.00), voided and deleted
    THEN the unbalanced one is 3180, the Mod keeps the line types, the void zeroes both lines, the delete removes it."""
    debit = JournalDebitLine(account_ref=AccountRef(full_name="Office Supplies"), amount=Decimal("100.00"))
    credit = JournalCreditLine(account_ref=AccountRef(full_name="Checking"), amount=Decimal("100.00"), memo="paid")
    entry = added(qb, "JournalEntry", JournalEntryAdd(memo="Supplies", lines=(debit, credit)))
    unbalanced = one(
        qb, rq("JournalEntryAddRq", JournalEntryAdd(lines=(debit, credit.model_copy(update={"amount": Decimal(99)}))))
    )

    assert [(type(line).__name__, line.account_ref.list_id) for line in entry.lines] == [
        ("JournalDebitLine", books["expenses"]),
        ("JournalCreditLine", books["bank"]),
    ]
    assert entry.ref_number == "1" and all(line.txn_line_id for line in entry.lines)
    assert unbalanced.status_code == 3180

    change = JournalEntryMod(
        txn_id=entry.txn_id,
        revision_number=entry.revision_number,
        journal_line_mod=tuple(
            JournalLineMod(txn_line_id=line.txn_line_id, amount=Decimal("80.00")) for line in entry.lines
        ),
    )
    [changed] = rets(one(qb, rq("JournalEntryModRq", change)))
    assert [(type(ln).__name__, ln.amount, ln.memo) for ln in changed.lines] == [
        ("JournalDebitLine", Decimal(80), None),
        ("JournalCreditLine", Decimal(80), "paid"),
    ]

    assert one(qb, TxnVoidRq(txn_void_type="JournalEntry", txn_id=entry.txn_id)).status_code == 0
    voided = query_one(qb, "JournalEntry", entry.txn_id)
    assert ([line.amount for line in voided.lines], voided.memo) == ([Decimal(0), Decimal(0)], "VOID: Supplies")
    assert one(qb, TxnDelRq(txn_del_type="JournalEntry", txn_id=entry.txn_id)).status_code == 0
    assert one(qb, rq("JournalEntryQueryRq", txn_id=(entry.txn_id,))).status_code == 3120
