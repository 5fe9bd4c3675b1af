"""How the new object groups fit with customers and invoices: InvoiceMod, TxnVoid and TxnDel of invoices, ListDel
of customers, items sold on invoices, references on lines, transaction query filters, and qbXML 13.0 answers.

Requests are built with the typed qbXML models and sent as whole documents; every answer is checked against
Intuit's schema for its version and read back into the typed response models (nothing may be skipped).
Expectations are computed here from what was sent, not from the simulator's code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.qbxml.models import model_for
from chalicelib.qbxml.models._common import (
    AccountRef,
    BillAddress,
    ClassRef,
    CustomerRef,
    EntityFilter,
    ItemRef,
    RefNumberFilter,
    TxnDateRangeFilter,
    VendorRef,
)
from chalicelib.qbxml.models.account import AccountAdd
from chalicelib.qbxml.models.bill import BillAdd, BillQueryRq, ExpenseLineAdd
from chalicelib.qbxml.models.class_ import ClassAdd
from chalicelib.qbxml.models.customer import CustomerAdd, CustomerQueryRq
from chalicelib.qbxml.models.estimate import EstimateAdd, EstimateLineAdd
from chalicelib.qbxml.models.invoice import InvoiceAdd, InvoiceLineAdd, InvoiceLineMod, InvoiceMod, InvoiceQueryRq
from chalicelib.qbxml.models.journal_entry import (
    JournalCreditLine,
    JournalDebitLine,
    JournalEntryAdd,
)
from chalicelib.qbxml.models.list import ListDelRq
from chalicelib.qbxml.models.sales_order import SalesOrderAdd, SalesOrderLineAdd
from chalicelib.qbxml.models.txn import TxnDelRq, TxnVoidRq
from chalicelib.qbxml.models.vendor import VendorAdd
from simulator.quickbooks import CompanyFile
from tests.unit.simulator.object_support import LIST_SAMPLES, Clock, added, ask, one, rets, rq


def test_invoices_can_be_modified_voided_and_deleted(qb: CompanyFile, books: dict[str, str], clock: Clock) -> None:
    """GIVEN an invoice of 2 x Consulting
    WHEN an InvoiceMod changes the memo and the line's quantity (stale, then current EditSequence), then the
    invoice is voided and deleted
    THEN the Mod reprices the line, the void zeroes it with "VOID: " before the memo, and it is then not found."""
    invoice_add = InvoiceAdd(
        customer_ref=CustomerRef(full_name="Globex"),
        memo="Q2",
        lines=(InvoiceLineAdd(item_ref=ItemRef(full_name="Consulting"), quantity=Decimal(2)),),
    )
    [invoice] = rets(one(qb, rq("InvoiceAddRq", invoice_add)))
    clock.tick()

    def mod(revision: str) -> Any:
        lines = (InvoiceLineMod(txn_line_id=invoice.lines[0].txn_line_id, quantity=Decimal(3)),)
        return one(
            qb,
            rq(
                "InvoiceModRq",
                InvoiceMod(txn_id=invoice.txn_id, revision_number=revision, memo="Q2 final", lines=lines),
            ),
        )

    assert mod("1").status_code == 3200
    [changed] = rets(mod(invoice.revision_number))
    assert (changed.memo, changed.lines[0].amount, changed.subtotal, changed.balance_remaining) == (
        "Q2 final",
        Decimal("450.00"),
        Decimal("450.00"),
        Decimal("450.00"),
    )
    assert (changed.ref_number, changed.time_modified) == (invoice.ref_number, clock.now)

    void = one(qb, TxnVoidRq(txn_void_type="Invoice", txn_id=invoice.txn_id))
    [voided] = rets(one(qb, InvoiceQueryRq(txn_id=(invoice.txn_id,), include_line_items=True)))
    assert (void.status_code, void.ref_number) == (0, invoice.ref_number)
    assert (voided.subtotal, voided.balance_remaining, voided.memo) == (Decimal(0), Decimal(0), "VOID: Q2 final")

    assert one(qb, TxnDelRq(txn_del_type="Invoice", txn_id=invoice.txn_id)).status_code == 0
    assert one(qb, InvoiceQueryRq(txn_id=(invoice.txn_id,))).status_code == 3120


def test_customers_are_deleted_only_when_nothing_refers_to_them(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN a customer with an estimate and one with nothing
    WHEN both are deleted with ListDelRq
    THEN the one in use is 3170, the other is gone (3120 on a query by its ListID)."""
    added(
        qb,
        "Estimate",
        EstimateAdd(
            customer_ref=CustomerRef(full_name="Globex"),
            lines=(EstimateLineAdd(desc="Site visit", amount=Decimal(80)),),
        ),
    )
    [lonely] = rets(one(qb, rq("CustomerAddRq", CustomerAdd(name="Lonely"))))

    in_use = one(qb, ListDelRq(list_del_type="Customer", list_id=books["customer"]))
    deleted = one(qb, ListDelRq(list_del_type="Customer", list_id=lonely.list_id))

    assert in_use.status_code == 3170
    assert (deleted.status_code, deleted.full_name) == (0, "Lonely")
    assert one(qb, CustomerQueryRq(list_id=(lonely.list_id,))).status_code == 3120
    assert [c.name for c in rets(one(qb, CustomerQueryRq()))] == ["Globex"]


def test_transaction_queries_filter_like_quickbooks(qb: CompanyFile, books: dict[str, str], clock: Clock) -> None:
    """GIVEN three bills on different dates, a minute apart, for two vendors
    WHEN they are queried by TxnDateRangeFilter, ModifiedDateRangeFilter, EntityFilter, RefNumberFilter and iterators
    THEN each answer holds the bills QuickBooks would return, in TxnNumber order; nothing matching is statusCode 1."""
    added(qb, "Vendor", VendorAdd(name="Hooli"))
    bills = []
    for number, (vendor, day) in enumerate((("Initech Supply", 1), ("Hooli", 2), ("Initech Supply", 3)), start=1):
        clock.tick()
        bills.append(
            added(
                qb,
                "Bill",
                BillAdd(vendor_ref=VendorRef(full_name=vendor), ref_number=f"B-{number}", txn_date=date(2024, 6, day)),
            )
        )
    model = model_for("ModifiedDateRangeFilter")

    def refs(**query: Any) -> list[str]:
        return [bill.ref_number for bill in rets(one(qb, BillQueryRq(**query)))]

    assert refs() == ["B-1", "B-2", "B-3"]
    assert refs(txn_date_range_filter=TxnDateRangeFilter(from_txn_date=date(2024, 6, 2))) == ["B-2", "B-3"]
    assert refs(modified_date_range_filter=model(to_modified_date=bills[1].time_modified)) == ["B-1", "B-2"]
    assert refs(entity_filter=EntityFilter(full_name=("initech supply",))) == ["B-1", "B-3"]
    assert refs(ref_number_filter=RefNumberFilter(match_criterion="EndsWith", ref_number="2")) == ["B-2"]
    start = one(qb, BillQueryRq(iterator="Start", max_returned=2))
    rest = one(qb, BillQueryRq(iterator="Continue", iterator_id=start.iterator_id, max_returned=2))
    assert [(len(rets(p)), p.iterator_remaining_count) for p in (start, rest)] == [(2, 1), (1, 0)]
    assert one(qb, BillQueryRq(ref_number=("B-9",))).status_code == 1


def test_items_added_here_can_be_sold_on_invoices(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN a service item added with a price
    WHEN an invoice line names it without a rate
    THEN the line is priced from the item, and the item cannot be deleted while the invoice refers to it."""
    item = added(qb, "ItemService", LIST_SAMPLES["ItemService"][0])
    invoice_add = InvoiceAdd(
        customer_ref=CustomerRef(full_name="Globex"),
        lines=(InvoiceLineAdd(item_ref=ItemRef(full_name="hourly consulting"), quantity=Decimal(2)),),
    )
    [invoice] = rets(one(qb, rq("InvoiceAddRq", invoice_add)))

    assert (invoice.lines[0].item_ref.list_id, invoice.lines[0].rate, invoice.subtotal) == (
        item.list_id,
        Decimal("120.00"),
        Decimal("240.00"),
    )
    assert invoice.lines[0].desc == "One hour"
    assert one(qb, ListDelRq(list_del_type="ItemService", list_id=item.list_id)).status_code == 3170


def test_a_class_ref_on_a_line_is_returned_with_both_names(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN a class, and a sales order line referring to it by FullName and to an unknown class
    THEN the known reference comes back with ListID and FullName, the unknown one as it was sent."""
    west = added(qb, "Class", ClassAdd(name="West"))
    lines = (
        SalesOrderLineAdd(
            item_ref=ItemRef(full_name="Widget"), class_ref=ClassRef(full_name="west"), amount=Decimal(5)
        ),
        SalesOrderLineAdd(
            item_ref=ItemRef(full_name="Widget"), class_ref=ClassRef(full_name="East"), amount=Decimal(7)
        ),
    )
    order = added(qb, "SalesOrder", SalesOrderAdd(customer_ref=CustomerRef(full_name="Globex"), lines=lines))

    assert [line.class_ref for line in order.lines] == [
        ClassRef(list_id=west.list_id, full_name="West"),
        ClassRef(full_name="East"),
    ]
    assert order.subtotal == Decimal("12.00")


def test_answers_to_qbxml_13_transactions_are_valid_13_0(company: CompanyFile) -> None:
    """GIVEN a QuickBooks 2014 file (qbXML up to 13.0) with a customer, a vendor and an account
    WHEN a bill, an estimate, a sales order and a journal entry are added, queried with their lines and voided or
    deleted in qbXML 13.0
    THEN every answer validates against Intuit's 13.0 schema (nothing newer than 13.0 is added)."""
    account, item = AccountRef(full_name="Supplies"), ItemRef(full_name="Consulting")
    setup = ask(
        company,
        rq("CustomerAddRq", CustomerAdd(name="Globex", bill_address=BillAddress(addr1="1 A St", city="Hartford"))),
        rq("VendorAddRq", VendorAdd(name="Initech")),
        rq("AccountAddRq", AccountAdd(name="Supplies", account_type="Expense")),
        version="13.0",
    )
    customer = CustomerRef(full_name="Globex")
    writes = ask(
        company,
        rq(
            "BillAddRq",
            BillAdd(
                vendor_ref=VendorRef(full_name="Initech"),
                memo="m",
                expense_line_add=(ExpenseLineAdd(account_ref=account, amount=Decimal(5)),),
            ),
        ),
        rq(
            "EstimateAddRq",
            EstimateAdd(customer_ref=customer, lines=(EstimateLineAdd(item_ref=item, quantity=Decimal(2)),)),
        ),
        rq("SalesOrderAddRq", SalesOrderAdd(customer_ref=customer, lines=(SalesOrderLineAdd(item_ref=item),))),
        rq(
            "JournalEntryAddRq",
            JournalEntryAdd(
                lines=(
                    JournalDebitLine(account_ref=account, amount=Decimal(5)),
                    JournalCreditLine(account_ref=account, amount=Decimal(5)),
                )
            ),
        ),
        version="13.0",
    )
    kinds = ("Bill", "Estimate", "SalesOrder", "JournalEntry")
    reads = ask(company, *(rq(f"{kind}QueryRq", include_line_items=True) for kind in kinds), version="13.0")
    void = ask(company, TxnVoidRq(txn_void_type="Bill", txn_id=rets(writes[0])[0].txn_id), version="13.0")
    deleted = ask(company, TxnDelRq(txn_del_type="Estimate", txn_id=rets(writes[1])[0].txn_id), version="13.0")

    assert [answer.status_code for answer in (*setup, *writes, *reads, *void, *deleted)] == [0] * 13
    assert [rets(answer) for answer in reads] == [rets(answer) for answer in writes]
