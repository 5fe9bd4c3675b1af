"""ListDeletedQuery and TxnDeletedQuery: QuickBooks remembers what ListDel and TxnDel deleted, and says so.

A change feed asks what was deleted since its last catch-up; these tests add, change and delete customers,
jobs, vendors, items, invoices and bills through qbXML only, on the test's clock, then ask. Requests are
built with the typed qbXML models and sent as whole documents (``object_support.ask``): every answer is
checked against Intuit's schema for its version and read back into the typed response models. Expected
values come from what was sent and from the clock, not from the simulator's code.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.qbxml.models import to_qbxml
from chalicelib.qbxml.models._common import (
    AccountRef,
    CustomerRef,
    DeletedDateRangeFilter,
    ItemRef,
    ParentRef,
    VendorRef,
)
from chalicelib.qbxml.models.bill import BillAdd, ExpenseLineAdd
from chalicelib.qbxml.models.customer import CustomerAdd, CustomerMod, CustomerQueryRq
from chalicelib.qbxml.models.invoice import InvoiceAdd, InvoiceLineAdd
from chalicelib.qbxml.models.item_non_inventory import ItemNonInventoryAdd
from chalicelib.qbxml.models.list import ListDeletedQueryRq, ListDelRq
from chalicelib.qbxml.models.txn import TxnDeletedQueryRq, TxnDelRq, TxnVoidRq
from chalicelib.qbxml.models.vendor import VendorAdd
from simulator.company_store import load, save
from simulator.quickbooks import CompanyFile
from simulator.records import HResultError
from tests.support.paths import SCHEMA_DIR
from tests.unit.simulator.object_support import SOLD, Clock, added, ask, one, rets, rq
from tests.unit.simulator.support import message_set, schema_errors

NO_MATCH = "A query request did not find a matching object in QuickBooks"
SECOND = timedelta(seconds=1)


def customer(qb: CompanyFile, name: str, parent: str | None = None, version: str = "16.0") -> Any:
    """Add a customer (a job under ``parent``) with CustomerAddRq; its CustomerRet."""
    payload = CustomerAdd(name=name, parent_ref=ParentRef(full_name=parent) if parent else None)
    [answer] = ask(qb, rq("CustomerAddRq", payload), version=version)
    assert answer.status_code == 0, answer.status_message
    return rets(answer)[0]


def invoice(qb: CompanyFile, customer_name: str, ref_number: str, version: str = "16.0") -> Any:
    """Add a one-line invoice with InvoiceAddRq; its InvoiceRet."""
    payload = InvoiceAdd(
        customer_ref=CustomerRef(full_name=customer_name),
        ref_number=ref_number,
        lines=(InvoiceLineAdd(item_ref=ItemRef(full_name="Consulting"), quantity=Decimal(1)),),
    )
    [answer] = ask(qb, rq("InvoiceAddRq", payload), version=version)
    assert answer.status_code == 0, answer.status_message
    return rets(answer)[0]


def bill(qb: CompanyFile, books: dict[str, str]) -> Any:
    """A bill from Initech Supply without a RefNumber (QuickBooks does not number bills)."""
    expense = ExpenseLineAdd(account_ref=AccountRef(list_id=books["expenses"]), amount=Decimal(40))
    return added(qb, "Bill", BillAdd(vendor_ref=VendorRef(full_name="Initech Supply"), expense_line_add=(expense,)))


def delete_list(qb: CompanyFile, kind: str, list_id: str, version: str = "16.0") -> None:
    [answer] = ask(qb, ListDelRq(list_del_type=kind, list_id=list_id), version=version)
    assert answer.status_code == 0, answer.status_message


def delete_txn(qb: CompanyFile, kind: str, txn_id: str, version: str = "16.0") -> None:
    [answer] = ask(qb, TxnDelRq(txn_del_type=kind, txn_id=txn_id), version=version)
    assert answer.status_code == 0, answer.status_message


def window(since: datetime | None, until: datetime | None) -> DeletedDateRangeFilter | None:
    if since is None and until is None:
        return None
    return DeletedDateRangeFilter(from_deleted_date=since, to_deleted_date=until)


def deleted_lists(
    qb: CompanyFile,
    *types: str,
    since: datetime | None = None,
    until: datetime | None = None,
    version: str = "16.0",
    **attributes: Any,
) -> Any:
    """One ListDeletedQueryRs (checked against the schema)."""
    request = ListDeletedQueryRq(list_del_type=types, deleted_date_range_filter=window(since, until), **attributes)
    [answer] = ask(qb, request, version=version)
    return answer


def deleted_txns(
    qb: CompanyFile,
    *types: str,
    since: datetime | None = None,
    until: datetime | None = None,
    version: str = "16.0",
    **attributes: Any,
) -> Any:
    """One TxnDeletedQueryRs (checked against the schema)."""
    request = TxnDeletedQueryRq(txn_del_type=types, deleted_date_range_filter=window(since, until), **attributes)
    [answer] = ask(qb, request, version=version)
    return answer


def ids(answer: Any) -> list[str]:
    """The ListIDs or TxnIDs an answer lists, in its order."""
    return [getattr(ret, "list_id", None) or ret.txn_id for ret in rets(answer)]


def test_deletions_are_listed_with_their_fields_in_the_order_they_happened(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN a customer Birch with a job Roof, a customer Acme, an invoice INV-7 and a bill without a number
    WHEN Roof, Acme and Birch are deleted a minute apart, then the invoice and the bill
    THEN ListDeletedQuery lists the three customers in that order with their type, ListID, TimeCreated,
    TimeDeleted and FullName (Birch:Roof for the job), and TxnDeletedQuery the two transactions, with the
    RefNumber only where there was one."""
    birch = customer(qb, "Birch")
    clock.tick()
    roof = customer(qb, "Roof", parent="Birch")
    acme = customer(qb, "Acme")
    sale = invoice(qb, "Globex", "INV-7")
    purchase = bill(qb, books)
    deleted_at = []
    for list_id in (roof.list_id, acme.list_id, birch.list_id):
        deleted_at.append(clock.tick())
        delete_list(qb, "Customer", list_id)
    for kind, txn_id in (("Invoice", sale.txn_id), ("Bill", purchase.txn_id)):
        deleted_at.append(clock.tick())
        delete_txn(qb, kind, txn_id)

    lists = deleted_lists(qb, "Customer")
    txns = deleted_txns(qb, "Invoice", "Bill")

    assert (lists.status_code, txns.status_code) == (0, 0)
    assert [(r.list_del_type, r.list_id, r.time_created, r.time_deleted, r.full_name) for r in rets(lists)] == [
        ("Customer", roof.list_id, roof.time_created, deleted_at[0], "Birch:Roof"),
        ("Customer", acme.list_id, acme.time_created, deleted_at[1], "Acme"),
        ("Customer", birch.list_id, birch.time_created, deleted_at[2], "Birch"),
    ]
    assert [(r.txn_del_type, r.txn_id, r.time_created, r.time_deleted, r.ref_number) for r in rets(txns)] == [
        ("Invoice", sale.txn_id, sale.time_created, deleted_at[3], "INV-7"),
        ("Bill", purchase.txn_id, purchase.time_created, deleted_at[4], None),
    ]
    assert roof.time_created != birch.time_created  # the TimeCreated shown is each record's own


def test_the_deleted_date_filter_includes_both_ends_to_the_second(qb: CompanyFile, clock: Clock) -> None:
    """GIVEN three vendors deleted a minute apart, at t1, t2 and t3
    WHEN ListDeletedQuery is filtered by FromDeletedDate and ToDeletedDate at, and one second beside, those times
    (also written in UTC, and without an offset: the file's local time)
    THEN a bound equal to a TimeDeleted includes that deletion, one a second past it excludes it."""
    vendors = [added(qb, "Vendor", VendorAdd(name=name)).list_id for name in ("Hooli", "Initrode", "Umbrella")]
    times = []
    for list_id in vendors:
        times.append(clock.tick())
        delete_list(qb, "Vendor", list_id)
    t1, t2, t3 = times
    v1, v2, v3 = vendors

    assert ids(deleted_lists(qb, "Vendor", since=t1, until=t2)) == [v1, v2]
    assert ids(deleted_lists(qb, "Vendor", since=t2, until=t2)) == [v2]
    assert ids(deleted_lists(qb, "Vendor", since=t1 + SECOND)) == [v2, v3]
    assert ids(deleted_lists(qb, "Vendor", until=t3 - SECOND)) == [v1, v2]
    assert ids(deleted_lists(qb, "Vendor", since=t2.astimezone(UTC))) == [v2, v3]
    assert ids(deleted_lists(qb, "Vendor", until=t2.replace(tzinfo=None))) == [v1, v2]


def test_a_catch_up_from_a_time_gets_only_what_was_deleted_since(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN a customer, a vendor and an invoice deleted, then a catch-up at time T
    WHEN another customer and invoice are deleted after T, and a customer is added and modified
    THEN queries from T list only the two later deletions; without a filter every deletion is listed."""
    early, late = customer(qb, "Early"), customer(qb, "Late")
    first_sale, second_sale = invoice(qb, "Globex", "INV-1"), invoice(qb, "Globex", "INV-2")
    clock.tick()
    delete_list(qb, "Customer", early.list_id)
    delete_list(qb, "Vendor", books["vendor"])
    delete_txn(qb, "Invoice", first_sale.txn_id)
    caught_up = clock.tick()
    clock.tick()
    delete_list(qb, "Customer", late.list_id)
    delete_txn(qb, "Invoice", second_sale.txn_id)
    fresh = customer(qb, "Fresh")
    [answer] = ask(qb, rq("CustomerModRq", CustomerMod(list_id=fresh.list_id, revision_number=fresh.revision_number,
                                                       name="Fresher")))
    assert answer.status_code == 0

    assert ids(deleted_lists(qb, "Customer", "Vendor", since=caught_up)) == [late.list_id]
    assert ids(deleted_txns(qb, "Invoice", since=caught_up)) == [second_sale.txn_id]
    assert ids(deleted_lists(qb, "Customer", "Vendor")) == [early.list_id, late.list_id, books["vendor"]]
    assert ids(deleted_txns(qb, "Invoice")) == [first_sale.txn_id, second_sale.txn_id]


def test_a_list_query_answers_only_the_types_it_names_grouped_in_that_order(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN a customer, a vendor, an item and another customer deleted in that order, and a bill deleted
    WHEN ListDeletedQuery names one type, two types in either order, a type with no deletions, or a type twice
    THEN it lists the deletions of the types named only, by type in the order named and in order of deletion
    within a type; the bill is never in a list query, and TxnDeletedQuery lists it."""
    gone, also_gone = customer(qb, "Gone"), customer(qb, "Also Gone")
    vendor = added(qb, "Vendor", VendorAdd(name="Hooli")).list_id
    item = added(qb, "ItemNonInventory", ItemNonInventoryAdd(name="Gizmo", sales_or_purchase=SOLD)).list_id
    purchase = bill(qb, books)
    for kind, list_id in (("Customer", gone.list_id), ("Vendor", vendor), ("ItemNonInventory", item),
                          ("Customer", also_gone.list_id)):  # fmt: skip
        clock.tick()
        delete_list(qb, kind, list_id)
    delete_txn(qb, "Bill", purchase.txn_id)

    assert ids(deleted_lists(qb, "Vendor")) == [vendor]
    assert ids(deleted_lists(qb, "ItemNonInventory", "Customer")) == [item, gone.list_id, also_gone.list_id]
    assert ids(deleted_lists(qb, "Customer", "ItemNonInventory")) == [gone.list_id, also_gone.list_id, item]
    assert ids(deleted_lists(qb, "Customer", "Customer")) == [gone.list_id, also_gone.list_id]
    assert [r.list_del_type for r in rets(deleted_lists(qb, "Vendor", "ItemNonInventory"))] == [
        "Vendor",
        "ItemNonInventory",
    ]
    assert deleted_lists(qb, "Employee").status_code == 1
    assert ids(deleted_txns(qb, "Bill")) == [purchase.txn_id]
    assert deleted_txns(qb, "Invoice").status_code == 1


def test_a_record_deleted_and_then_added_again_under_its_name_is_listed_once(qb: CompanyFile, clock: Clock) -> None:
    """GIVEN a customer Acme and its invoice INV-1, both deleted
    WHEN a new Acme and a new INV-1 are added (the new Acme also modified)
    THEN the deleted queries list the old ListID and TxnID only, and CustomerQuery shows the new Acme."""
    old_customer = customer(qb, "Acme")
    old_invoice = invoice(qb, "Acme", "INV-1")
    clock.tick()
    delete_txn(qb, "Invoice", old_invoice.txn_id)
    delete_list(qb, "Customer", old_customer.list_id)
    clock.tick()
    new_customer = customer(qb, "Acme")
    new_invoice = invoice(qb, "Acme", "INV-1")
    [modded] = ask(
        qb,
        rq("CustomerModRq", CustomerMod(list_id=new_customer.list_id, revision_number=new_customer.revision_number,
                                        company_name="Acme Again")),
    )  # fmt: skip
    assert modded.status_code == 0

    lists, txns = deleted_lists(qb, "Customer"), deleted_txns(qb, "Invoice")

    assert [(r.list_id, r.full_name) for r in rets(lists)] == [(old_customer.list_id, "Acme")]
    assert [(r.txn_id, r.ref_number) for r in rets(txns)] == [(old_invoice.txn_id, "INV-1")]
    assert new_customer.list_id != old_customer.list_id and new_invoice.txn_id != old_invoice.txn_id
    assert [c.list_id for c in rets(one(qb, CustomerQueryRq(full_name=("Acme",))))] == [new_customer.list_id]


def test_nothing_deleted_is_status_1_which_is_not_an_error(qb: CompanyFile, clock: Clock) -> None:
    """GIVEN a file where nothing was deleted yet, then one where a customer was deleted
    WHEN the deleted queries are asked (with metaData, and with a window after the deletion)
    THEN the answer is statusCode 1, Info, QuickBooks' "did not find" message, retCount 0 when counted."""
    empty = [deleted_lists(qb, "Customer"), deleted_txns(qb, "Invoice", "Bill")]
    counted = deleted_txns(qb, "Invoice", meta_data="MetaDataAndResponseData")
    gone = customer(qb, "Gone")
    deleted_at = clock.tick()
    delete_list(qb, "Customer", gone.list_id)
    after = deleted_lists(qb, "Customer", since=deleted_at + SECOND)

    for answer in (*empty, counted, after):
        assert (answer.status_code, answer.status_severity, answer.status_message) == (1, "Info", NO_MATCH)
        assert rets(answer) == ()
    assert counted.ret_count == 0
    assert deleted_lists(qb, "Customer", meta_data="MetaDataOnly").ret_count == 1


def test_refused_deletions_and_voids_leave_nothing_to_list(
    qb: CompanyFile, books: dict[str, str], clock: Clock
) -> None:
    """GIVEN a customer with an invoice
    WHEN ListDel of that customer is refused (3170: in use), ListDel and TxnDel name unknown IDs (3120), and
    the invoice is voided
    THEN neither deleted query lists anything (statusCode 1)."""
    sale = invoice(qb, "Globex", "INV-3")
    clock.tick()
    refusals = [
        one(qb, ListDelRq(list_del_type="Customer", list_id=books["customer"])).status_code,
        one(qb, ListDelRq(list_del_type="Vendor", list_id="80009999-1714579200")).status_code,
        one(qb, TxnDelRq(txn_del_type="Invoice", txn_id="FFFF-1714579200")).status_code,
    ]
    voided = one(qb, TxnVoidRq(txn_void_type="Invoice", txn_id=sale.txn_id)).status_code

    assert (refusals, voided) == ([3170, 3120, 3120], 0)
    assert deleted_lists(qb, "Customer", "Vendor").status_code == 1
    assert deleted_txns(qb, "Invoice").status_code == 1


def test_types_the_simulator_does_not_keep_have_nothing_deleted_and_unknown_types_are_a_parse_error(
        qb: CompanyFile) -> None:
    """GIVEN a file that keeps customers and invoices but no item groups or checks, and a customer deleted
    WHEN ListDeletedQuery names Customer and ItemGroup, TxnDeletedQuery names Check, and a ListDeletedQuery names
    Invoice (not a ListDelType)
    THEN the first lists the customer only (nothing of a type it does not keep was deleted, as QuickBooks
    answers for a type with no deletions), the second finds nothing (statusCode 1), and the third is refused
    with QuickBooks' parse error 0x80040400."""
    kept = customer(qb, "Kept Co").list_id
    delete_list(qb, "Customer", kept)
    lists = deleted_lists(qb, "Customer", "ItemGroup")
    txns = deleted_txns(qb, "Check")
    not_a_list = "<ListDeletedQueryRq><ListDelType>Invoice</ListDelType></ListDeletedQueryRq>"

    assert lists.status_code == 0 and ids(lists) == [kept]
    assert (txns.status_code, txns.status_severity) == (1, "Info")
    with pytest.raises(HResultError) as refused:
        qb.process(message_set(not_a_list, version="16.0"))
    assert refused.value.hresult == "0x80040400"


def test_only_the_last_90_days_of_deletions_are_listed(qb: CompanyFile, clock: Clock) -> None:
    """GIVEN a customer deleted at t1 and another a day later
    WHEN the clock reaches exactly 90 days after t1, then one second more
    THEN the first is listed at 90 days and gone a second later, even from a FromDeletedDate before it; the
    second is still listed."""
    first, second = customer(qb, "First"), customer(qb, "Second")
    t1 = clock.tick()
    delete_list(qb, "Customer", first.list_id)
    clock.tick(86400)
    delete_list(qb, "Customer", second.list_id)
    clock.now = t1 + timedelta(days=90)
    at_90_days = ids(deleted_lists(qb, "Customer"))
    clock.tick(1)

    assert at_90_days == [first.list_id, second.list_id]
    assert ids(deleted_lists(qb, "Customer")) == [second.list_id]
    assert ids(deleted_lists(qb, "Customer", since=t1 - timedelta(days=1))) == [second.list_id]
    assert deleted_lists(qb, "Customer", until=t1).status_code == 1


def test_answers_validate_against_the_13_0_schema_and_honour_include_ret_element(company: CompanyFile) -> None:
    """GIVEN a QuickBooks 2014 file (qbXML up to 13.0) where a customer and an invoice were deleted
    WHEN both deleted queries are asked in qbXML 13.0, whole and with IncludeRetElement and metaData
    THEN every response document validates against Intuit's 13.0 schema, and IncludeRetElement keeps only the
    elements named."""
    acme = customer(company, "Acme", version="13.0")
    sale = invoice(company, "Acme", "INV-9", version="13.0")
    delete_txn(company, "Invoice", sale.txn_id, version="13.0")
    delete_list(company, "Customer", acme.list_id, version="13.0")
    requests = (
        ListDeletedQueryRq(list_del_type=("Customer",)),
        TxnDeletedQueryRq(txn_del_type=("Invoice",), meta_data="MetaDataAndResponseData"),
        ListDeletedQueryRq(list_del_type=("Customer",), include_ret_element=("ListID", "TimeDeleted")),
    )
    document = company.process(message_set(*(to_qbxml(request) for request in requests), version="13.0"))
    whole, counted, trimmed = ask(company, *requests, version="13.0")

    assert schema_errors(SCHEMA_DIR, "13.0", document) == []
    assert "<ListDeletedRet>" in document and "<TxnDeletedRet>" in document
    assert [r.ref_number for r in rets(counted)] == ["INV-9"] and counted.ret_count == 1
    assert [(r.list_id, r.full_name) for r in rets(whole)] == [(acme.list_id, "Acme")]
    [kept] = rets(trimmed)
    assert (kept.list_id, kept.time_deleted is not None, kept.full_name, kept.time_created) == (
        acme.list_id,
        True,
        None,
        None,
    )


def test_the_deletion_log_is_saved_with_the_company_file(tmp_path: Path, clock: Clock) -> None:
    """GIVEN a company file where a customer and an invoice were deleted, saved to disk
    WHEN it is loaded into a new file (and, separately, a file saved before deletions were kept is loaded)
    THEN the loaded file answers both deleted queries as the saved one did; the older file has nothing deleted."""
    company = CompanyFile.modern("Kept Co", schema_dir=SCHEMA_DIR, clock=clock)
    acme = customer(company, "Acme")
    sale = invoice(company, "Acme", "INV-5")
    clock.tick()
    delete_txn(company, "Invoice", sale.txn_id)
    delete_list(company, "Customer", acme.list_id)
    path = tmp_path / "kept.json"
    save(company, path)
    loaded = load(CompanyFile.modern("Other", schema_dir=SCHEMA_DIR, clock=clock), path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    del raw["deletions"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(raw), encoding="utf-8")
    from_older = load(CompanyFile.modern("Older", schema_dir=SCHEMA_DIR, clock=clock), older)

    assert loaded.deletions() == company.deletions() and len(company.deletions()) == 2
    assert rets(deleted_lists(loaded, "Customer")) == rets(deleted_lists(company, "Customer"))
    assert rets(deleted_txns(loaded, "Invoice")) == rets(deleted_txns(company, "Invoice"))
    assert ids(deleted_txns(loaded, "Invoice")) == [sale.txn_id]
    assert from_older.deletions() == () and deleted_lists(from_older, "Customer").status_code == 1
