"""Helpers for the tests of the object groups (``simulator.objects``): typed requests in, checked answers out.

Requests are built with the typed qbXML models and sent as whole documents; :func:`ask` checks every
answer against Intuit's schema for the version and reads it back into the typed response models,
which must not skip anything. The company files' clock is a :class:`Clock` the test moves on.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from chalicelib.qbxml.models import QbxmlModel, messages_from_qbxml, model_for, skipped_elements, to_qbxml
from chalicelib.qbxml.models._common import (
    AccountRef,
    TermsRef,
    VendorAddress,
)
from chalicelib.qbxml.models.account import AccountAdd
from chalicelib.qbxml.models.class_ import ClassAdd
from chalicelib.qbxml.models.employee import EmployeeAdd
from chalicelib.qbxml.models.item_inventory import ItemInventoryAdd
from chalicelib.qbxml.models.item_non_inventory import ItemNonInventoryAdd
from chalicelib.qbxml.models.item_other_charge import ItemOtherChargeAdd
from chalicelib.qbxml.models.item_service import ItemServiceAdd
from chalicelib.qbxml.models.vendor import VendorAdd
from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR
from tests.unit.simulator.support import message_set, schema_errors

T0 = datetime(2024, 5, 1, 9, 0, 0, tzinfo=timezone(timedelta(hours=-7)))
SOLD = model_for("SalesOrPurchase")(desc="Sold as is")
"""The least an item needs: its sales terms."""


class Clock:
    """The company file's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def rq(name: str, payload: QbxmlModel | None = None, **fields: Any) -> QbxmlModel:
    """The request ``name`` (``VendorAddRq``…) around ``payload`` (its ``VendorAdd``…)."""
    model = model_for(name)
    if payload is not None:
        field = next(n for n, _, codec in model.__qbxml__.elements if codec is type(payload))
        fields[field] = payload
    return model(**fields)


def ask(company: CompanyFile, *requests: QbxmlModel, version: str = "16.0") -> list[Any]:
    """Send the requests in one message set; every answer validates and reads without loss."""
    document = company.process(message_set(*(to_qbxml(r) for r in requests), version=version))
    assert schema_errors(SCHEMA_DIR, version, document) == []
    answers = messages_from_qbxml(document)
    for answer in answers:
        assert skipped_elements(answer) == (), answer
    return answers


def one(company: CompanyFile, request: QbxmlModel) -> Any:
    [answer] = ask(company, request)
    return answer


def rets(answer: Any) -> tuple[Any, ...]:
    """The ``*Ret`` elements of an answer."""
    for name, _, _ in type(answer).__qbxml__.elements:
        if name.endswith("_ret"):
            value = getattr(answer, name)
            return value if isinstance(value, tuple) else () if value is None else (value,)
    return ()


def added(company: CompanyFile, kind: str, payload: QbxmlModel) -> Any:
    answer = one(company, rq(f"{kind}AddRq", payload))
    assert answer.status_code == 0, answer.status_message
    return rets(answer)[0]


def query_one(company: CompanyFile, kind: str, txn_id: str, lines: bool = True) -> Any:
    answer = one(company, rq(f"{kind}QueryRq", txn_id=(txn_id,), include_line_items=lines))
    assert answer.status_code == 0, answer.status_message
    return rets(answer)[0]


LIST_SAMPLES: dict[str, tuple[QbxmlModel, dict[str, Any]]] = {
    "Vendor": (
        VendorAdd(
            name="Acme Supply",
            company_name="Acme Supply Co",
            phone="860-555-0100",
            open_balance=Decimal("125.50"),
            vendor_address=VendorAddress(addr1="1 Mill Rd", city="Storrs", state="CT", postal_code="06268"),
            terms_ref=TermsRef(full_name="Net 30"),
        ),
        {"phone": "860-555-0199"},
    ),
    "Employee": (
        EmployeeAdd(first_name="Ada", last_name="Lovelace", email="ada@example.com"),
        {"job_title": "Engineer"},
    ),
    "Account": (AccountAdd(name="Office Supplies", account_type="Expense", account_number="6100"), {"desc": "Toner"}),
    "Class": (ClassAdd(name="West"), {"name": "West Coast"}),
    "ItemService": (
        ItemServiceAdd(
            name="Hourly Consulting",
            sales_or_purchase=model_for("SalesOrPurchase")(
                desc="One hour", price=Decimal("120.00"), account_ref=AccountRef(full_name="Services Income")
            ),
        ),
        {"is_active": False},
    ),
    "ItemNonInventory": (
        ItemNonInventoryAdd(
            name="Widget",
            manufacturer_part_number="W-1",
            sales_and_purchase=model_for("SalesAndPurchase")(
                sales_desc="A widget", sales_price=Decimal("9.99"), purchase_cost=Decimal("4.25")
            ),
        ),
        {"manufacturer_part_number": "W-2"},
    ),
    "ItemInventory": (
        ItemInventoryAdd(
            name="Gadget",
            sales_desc="A gadget",
            sales_price=Decimal("25.00"),
            purchase_cost=Decimal("11.00"),
            quantity_on_hand=Decimal(12),
        ),
        {"sales_price": Decimal("27.50")},
    ),
    "ItemOtherCharge": (
        ItemOtherChargeAdd(
            name="Freight", sales_or_purchase=model_for("SalesOrPurchase")(desc="Shipping", price=Decimal("15.00"))
        ),
        {"name": "Freight Out"},
    ),
}
