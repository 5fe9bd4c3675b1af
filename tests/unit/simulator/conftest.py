"""Fixtures for the simulator's tests: company files that validate requests against Intuit's schemas."""

from __future__ import annotations

import pytest

from chalicelib.qbxml.models._common import BillAddress
from chalicelib.qbxml.models.account import AccountAdd
from chalicelib.qbxml.models.customer import CustomerAdd
from chalicelib.qbxml.models.item_non_inventory import ItemNonInventoryAdd
from chalicelib.qbxml.models.vendor import VendorAdd
from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR
from tests.unit.simulator.object_support import SOLD, Clock, added, one, rets, rq


@pytest.fixture
def company() -> CompanyFile:
    """A QuickBooks Pro 2014 company file (qbXML up to 13.0) that validates every request."""
    return CompanyFile("Demo Co", schema_dir=SCHEMA_DIR)


@pytest.fixture
def modern_company() -> CompanyFile:
    """A QuickBooks Desktop 2023 company file (qbXML up to 16.0) that validates every request."""
    return CompanyFile.modern("Modern Co", schema_dir=SCHEMA_DIR)


@pytest.fixture
def clock() -> Clock:
    """A clock at ``T0`` that the test moves on."""
    return Clock()


@pytest.fixture
def qb(clock: Clock) -> CompanyFile:
    """A QuickBooks Desktop 2023 file on the test's clock, for the object groups' tests."""
    return CompanyFile.modern("Objects Co", schema_dir=SCHEMA_DIR, clock=clock)


@pytest.fixture
def books(qb: CompanyFile) -> dict[str, str]:
    """A customer with a billing address, a vendor, two accounts and an item: what transactions refer to."""
    address = BillAddress(addr1="10 Elm St", city="Springfield", state="IL", postal_code="62701")
    [customer] = rets(one(qb, rq("CustomerAddRq", CustomerAdd(name="Globex", bill_address=address))))
    return {
        "customer": customer.list_id,
        "vendor": added(qb, "Vendor", VendorAdd(name="Initech Supply")).list_id,
        "expenses": added(qb, "Account", AccountAdd(name="Office Supplies", account_type="Expense")).list_id,
        "bank": added(qb, "Account", AccountAdd(name="Checking", account_type="Bank")).list_id,
        "widget": added(qb, "ItemNonInventory", ItemNonInventoryAdd(name="Widget", sales_or_purchase=SOLD)).list_id,
    }
