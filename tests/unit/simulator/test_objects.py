"""Lists beyond customers — vendors, employees, accounts, classes, items — added, queried, modified, deleted.

Requests are built with the typed qbXML models and sent as whole 16.0 documents (13.0 where said); every
answer is checked against Intuit's schema and read back into the typed response models (nothing may be
skipped). Expectations are computed here from what was sent, not from the simulator's code.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.qbxml.models import QbxmlModel, model_for
from chalicelib.qbxml.models._common import (
    NameFilter,
    NameRangeFilter,
    ParentRef,
    TermsRef,
)
from chalicelib.qbxml.models.account import AccountAdd
from chalicelib.qbxml.models.class_ import ClassAdd
from chalicelib.qbxml.models.customer import CustomerAdd
from chalicelib.qbxml.models.employee import EmployeeAdd
from chalicelib.qbxml.models.item_non_inventory import ItemNonInventoryAdd
from chalicelib.qbxml.models.item_other_charge import ItemOtherChargeAdd
from chalicelib.qbxml.models.item_service import ItemServiceAdd
from chalicelib.qbxml.models.list import ListDelRq
from chalicelib.qbxml.models.purchase_order import PurchaseOrderQueryRq
from chalicelib.qbxml.models.txn import TxnDelRq
from chalicelib.qbxml.models.vendor import VendorAdd, VendorMod, VendorQueryRq
from simulator.quickbooks import CompanyFile
from tests.unit.simulator.object_support import LIST_SAMPLES, SOLD, T0, Clock, added, ask, one, rets, rq


@pytest.mark.parametrize("kind", LIST_SAMPLES)
def test_a_list_element_round_trips_through_add_query_mod_and_delete(qb: CompanyFile, clock: Clock, kind: str) -> None:
    """GIVEN an Add of each list type
    WHEN it is queried by ListID, modified with a stale and with its current EditSequence, deleted and queried again
    THEN the query returns what the Add returned, the stale Mod is 3200, the Mod issues a new EditSequence and
    TimeModified, and after the ListDel the ListID is unknown (3120)."""
    payload, changes = LIST_SAMPLES[kind]
    ret = added(qb, kind, payload)

    sent = {name for name in payload.model_fields_set if name in type(ret).model_fields}
    assert sent and {name: getattr(ret, name) for name in sent} == {name: getattr(payload, name) for name in sent}
    assert (ret.time_created, ret.time_modified, ret.is_active) == (T0, T0, True)
    assert ret.revision_number and ret.list_id
    assert rets(one(qb, rq(f"{kind}QueryRq", list_id=(ret.list_id,)))) == (ret,)

    clock.tick()
    mod = model_for(f"{kind}Mod")
    stale = one(qb, rq(f"{kind}ModRq", mod(list_id=ret.list_id, revision_number="1", **changes)))
    answer = one(qb, rq(f"{kind}ModRq", mod(list_id=ret.list_id, revision_number=ret.revision_number, **changes)))
    [new] = rets(answer)

    assert stale.status_code == 3200
    assert answer.status_code == 0 and new.revision_number != ret.revision_number
    assert (new.time_created, new.time_modified) == (T0, clock.now)
    assert {name: getattr(new, name) for name in changes} == changes
    assert rets(one(qb, rq(f"{kind}QueryRq", list_id=(ret.list_id,)))) == (new,)

    deleted = one(qb, ListDelRq(list_del_type=kind, list_id=ret.list_id))
    assert (deleted.status_code, deleted.list_del_type, deleted.list_id) == (0, kind, ret.list_id)
    assert deleted.full_name == (getattr(new, "full_name", None) or new.name) and deleted.time_deleted == clock.now
    assert one(qb, rq(f"{kind}QueryRq", list_id=(ret.list_id,))).status_code == 3120
    assert one(qb, ListDelRq(list_del_type=kind, list_id=ret.list_id)).status_code == 3120


def test_computed_list_fields(qb: CompanyFile) -> None:
    """GIVEN a vendor with an address and an opening balance, an employee without Name and an inventory part
    THEN QuickBooks' computed fields are there: address block, balance, the employee's name, quantities."""
    vendor = added(qb, "Vendor", LIST_SAMPLES["Vendor"][0])
    employee = added(qb, "Employee", LIST_SAMPLES["Employee"][0])
    gadget = added(qb, "ItemInventory", LIST_SAMPLES["ItemInventory"][0])

    assert (vendor.vendor_address_block.addr1, vendor.vendor_address_block.addr2) == ("1 Mill Rd", "Storrs, CT 06268")
    assert (vendor.balance, vendor.is_tax_agency, vendor.terms_ref) == (
        Decimal("125.50"),
        False,
        TermsRef(full_name="Net 30"),
    )
    assert employee.name == "Ada Lovelace"
    assert (gadget.full_name, gadget.sublevel, gadget.quantity_on_hand, gadget.average_cost) == (
        "Gadget",
        0,
        Decimal(12),
        Decimal("11.00"),
    )
    assert (gadget.quantity_on_order, gadget.quantity_on_sales_order) == (Decimal(0), Decimal(0))


def test_names_are_unique_without_regard_to_case_in_their_name_list(qb: CompanyFile) -> None:
    """GIVEN a customer, a vendor, an item and a class
    WHEN other elements are added under the same names in other case
    THEN 3100 where QuickBooks shares the name list (customers, vendors, employees; all item types, the built-in
    items included; each class), and success where it does not (an account named like an item)."""
    assert one(qb, rq("CustomerAddRq", CustomerAdd(name="Globex"))).status_code == 0
    added(qb, "Vendor", VendorAdd(name="Initech"))
    added(qb, "ItemNonInventory", ItemNonInventoryAdd(name="Widget", sales_or_purchase=SOLD))
    added(qb, "Class", ClassAdd(name="West"))

    def status(kind: str, payload: QbxmlModel) -> tuple[int, str]:
        answer = one(qb, rq(f"{kind}AddRq", payload))
        return answer.status_code, answer.status_message

    assert status("Vendor", VendorAdd(name="GLOBEX")) == (
        3100,
        'The name "GLOBEX" of the list element is already in use.',
    )
    assert status("Employee", EmployeeAdd(name="initech"))[0] == 3100
    assert status("Customer", CustomerAdd(name="INITECH"))[0] == 3100
    assert status("ItemService", ItemServiceAdd(name="widget", sales_or_purchase=SOLD))[0] == 3100
    assert (
        status("ItemOtherCharge", ItemOtherChargeAdd(name="CONSULTING", sales_or_purchase=SOLD))[0] == 3100
    )  # a built-in item
    assert status("Class", ClassAdd(name="west"))[0] == 3100
    assert status("Account", AccountAdd(name="Widget", account_type="Income"))[0] == 0
    assert status("Class", ClassAdd(name="West", parent_ref=ParentRef(full_name="West")))[0] == 0  # West:West


def test_accounts_are_queried_by_type(qb: CompanyFile, books: dict[str, str]) -> None:
    """GIVEN an expense and a bank account
    WHEN accounts are queried by AccountType
    THEN only those of the types asked for come back."""

    def names(*types: str) -> list[str]:
        return [ret.full_name for ret in rets(one(qb, rq("AccountQueryRq", account_type=types)))]

    assert (names("Bank"), names("Bank", "Expense"), names()) == (
        ["Checking"],
        ["Checking", "Office Supplies"],
        ["Checking", "Office Supplies"],
    )
    assert one(qb, rq("AccountQueryRq", account_type=("Income",))).status_code == 1


def test_sub_accounts_are_named_under_their_parent_which_cannot_be_deleted(qb: CompanyFile) -> None:
    """GIVEN an account and a sub-account referring to it by FullName
    WHEN the parent is renamed, then deleted, and a sub-account of an unknown parent is added
    THEN the child's FullName and ParentRef follow the parent, the parent in use is 3170, the unknown one 3140."""
    parent = added(qb, "Account", AccountAdd(name="Utilities", account_type="Expense"))
    child = added(
        qb, "Account", AccountAdd(name="Electric", account_type="Expense", parent_ref=ParentRef(full_name="utilities"))
    )
    mod = model_for("AccountMod")(list_id=parent.list_id, revision_number=parent.revision_number, name="Power")
    assert one(qb, rq("AccountModRq", mod)).status_code == 0

    [renamed] = rets(one(qb, rq("AccountQueryRq", list_id=(child.list_id,))))
    orphan = one(
        qb, rq("AccountAddRq", AccountAdd(name="Gas", account_type="Expense", parent_ref=ParentRef(full_name="Nope")))
    )

    assert (child.full_name, child.sublevel, child.parent_ref) == (
        "Utilities:Electric",
        1,
        ParentRef(list_id=parent.list_id, full_name="Utilities"),
    )
    assert (renamed.full_name, renamed.parent_ref.full_name) == ("Power:Electric", "Power")
    assert one(qb, ListDelRq(list_del_type="Account", list_id=parent.list_id)).status_code == 3170
    assert orphan.status_code == 3140


def test_iterators_page_through_25_vendors_in_full_name_order(qb: CompanyFile) -> None:
    """GIVEN 25 vendors added in random order, named in mixed case
    WHEN they are queried with iterator Start and MaxReturned 10, then Continue until the end, and once more
    THEN the pages hold 10, 10 and 5 vendors with 15, 5 and 0 remaining, in FullName order without regard to
    case, all under one iteratorID, and the exhausted iterator is 3391."""
    names = [f"{'vV'[i % 2]}endor {i:02d}" for i in range(25)]
    random.Random(7).shuffle(names)
    ask(qb, *(rq("VendorAddRq", VendorAdd(name=name)) for name in names))

    first = one(qb, VendorQueryRq(iterator="Start", max_returned=10))
    pages = [first]
    for _ in range(2):
        pages.append(one(qb, VendorQueryRq(iterator="Continue", iterator_id=first.iterator_id, max_returned=10)))
    dead = one(qb, VendorQueryRq(iterator="Continue", iterator_id=first.iterator_id, max_returned=10))

    assert [(len(rets(p)), p.iterator_remaining_count, p.iterator_id) for p in pages] == [
        (10, 15, first.iterator_id),
        (10, 5, first.iterator_id),
        (5, 0, first.iterator_id),
    ]
    assert [ret.name for page in pages for ret in rets(page)] == sorted(names, key=str.casefold)
    assert dead.status_code == 3391


def test_list_queries_filter_like_quickbooks(qb: CompanyFile, clock: Clock) -> None:
    """GIVEN vendors added a minute apart, one of them made inactive
    WHEN they are queried by ActiveStatus, NameFilter, NameRangeFilter, FromModifiedDate, FullName, MaxReturned
    and IncludeRetElement
    THEN each answer holds exactly the vendors QuickBooks would return, nothing matching is statusCode 1."""
    vendors = {}
    for name in ("Alpha Tools", "beta Metals", "Gamma Tools", "Delta Paper"):
        vendors[name] = added(qb, "Vendor", VendorAdd(name=name))
        clock.tick()
    beta = vendors["beta Metals"]
    one(qb, rq("VendorModRq", VendorMod(list_id=beta.list_id, revision_number=beta.revision_number, is_active=False)))

    def names(**query: Any) -> list[str]:
        return [ret.name for ret in rets(one(qb, VendorQueryRq(**query)))]

    assert names() == ["Alpha Tools", "Delta Paper", "Gamma Tools"]
    assert names(active_status="InactiveOnly") == ["beta Metals"]
    assert names(active_status="All") == ["Alpha Tools", "beta Metals", "Delta Paper", "Gamma Tools"]
    assert names(name_filter=NameFilter(match_criterion="EndsWith", name="TOOLS")) == ["Alpha Tools", "Gamma Tools"]
    assert names(name_filter=NameFilter(match_criterion="Contains", name="a p"), active_status="All") == ["Delta Paper"]
    assert names(name_range_filter=NameRangeFilter(from_name="b", to_name="Delta Paper"), active_status="All") == [
        "beta Metals",
        "Delta Paper",
    ]
    # added at T0, +1, +2, +3 minutes; beta modified at +4
    assert names(from_modified_date=T0 + timedelta(minutes=2), active_status="All") == [
        "beta Metals",
        "Delta Paper",
        "Gamma Tools",
    ]
    assert names(to_modified_date=T0, active_status="All") == ["Alpha Tools"]
    assert names(max_returned=2) == ["Alpha Tools", "Delta Paper"]

    partial = one(qb, VendorQueryRq(full_name=("gamma tools", "Nobody")))
    assert (partial.status_code, [r.name for r in rets(partial)]) == (500, ["Gamma Tools"])
    nothing = one(qb, VendorQueryRq(name_filter=NameFilter(match_criterion="StartsWith", name="Zed")))
    assert (nothing.status_code, rets(nothing)) == (1, ())
    [only_name] = rets(one(qb, VendorQueryRq(full_name=("Alpha Tools",), include_ret_element=("Name",))))
    assert (only_name.name, only_name.list_id, only_name.is_active, only_name.time_created) == (
        "Alpha Tools",
        None,
        None,
        None,
    )


def test_what_is_not_simulated_is_still_1030(qb: CompanyFile) -> None:
    """GIVEN request types and delete types the simulator does not keep
    THEN they are answered with statusCode 1030, not ignored."""
    answers = [
        one(qb, PurchaseOrderQueryRq(ref_number=("PO-1",))),
        one(qb, TxnDelRq(txn_del_type="Check", txn_id="1-1")),
        one(qb, ListDelRq(list_del_type="ItemGroup", list_id="80000001-1")),
    ]
    assert [answer.status_code for answer in answers] == [1030, 1030, 1030]


@pytest.mark.parametrize("kind", ["Vendor", "Account", "ItemInventory", "ItemService"])
def test_answers_to_qbxml_13_requests_are_valid_13_0(company: CompanyFile, kind: str) -> None:
    """GIVEN a QuickBooks 2014 file (qbXML up to 13.0)
    WHEN a list element is added and queried in qbXML 13.0
    THEN both answers validate against Intuit's 13.0 schema."""
    payload = LIST_SAMPLES[kind][0]
    add_rs, query_rs = ask(company, rq(f"{kind}AddRq", payload), rq(f"{kind}QueryRq"), version="13.0")
    assert (add_rs.status_code, rets(query_rs)) == (0, rets(add_rs))
