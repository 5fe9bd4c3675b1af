"""The REST resources and the qbXML 16.0 messages behind each.

A resource is named in kebab-case plural as the best-known hosted QuickBooks Desktop API names it, so a
team can move over without renaming (``customers``, ``sales-receipts``, ``inventory-items``,
``credit-card-refunds`` …), and stands for one qbXML object: ``customers`` is ``Customer``,
``credit-card-refunds`` is ``ARRefundCreditCard``. What a resource can do follows from the message set,
not from a table kept by hand:

* **list** (``GET /{resource}``) — ``<Object>QueryRq``; with pages and a cursor when the query takes
  qbXML iterators;
* **retrieve** (``GET /{resource}/{id}``) — the same query by ``ListID`` or ``TxnID``;
* **create** (``POST /{resource}``) — ``<Object>AddRq``, **update** (``POST /{resource}/{id}``) —
  ``<Object>ModRq``;
* **delete** (``DELETE /{resource}/{id}``) — ``ListDelRq`` when the object is in ``ListDelType``,
  ``TxnDelRq`` when it is in ``TxnDelType``; **void** (``POST /{resource}/{id}/void``) — ``TxnVoidRq``
  when it is in ``TxnVoidType``.

Singletons (``company``, ``preferences``) are read with ``GET /{resource}`` and answer one object.
``reports`` are ``GET /reports/{kind}`` (``general-summary`` is ``GeneralSummaryReportQueryRq`` …).
Every other request message goes through ``POST /requests`` with a typed body.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass

from chalicelib.qbxml.models import REQUESTS

# resource → qbXML object. The 62 groups of the best-known hosted API, then a few more.
OBJECTS: dict[str, str] = {
    "account-tax-lines": "AccountTaxLineInfo",
    "accounts": "Account",
    "bill-check-payments": "BillPaymentCheck",
    "bill-credit-card-payments": "BillPaymentCreditCard",
    "bills": "Bill",
    "bills-to-pay": "BillToPay",
    "build-assemblies": "BuildAssembly",
    "checks": "Check",
    "classes": "Class",
    "company": "Company",
    "credit-card-charges": "CreditCardCharge",
    "credit-card-credits": "CreditCardCredit",
    "credit-card-refunds": "ARRefundCreditCard",
    "credit-memos": "CreditMemo",
    "currencies": "Currency",
    "customer-types": "CustomerType",
    "customers": "Customer",
    "date-driven-terms": "DateDrivenTerms",
    "deleted-list-objects": "ListDeleted",
    "deleted-transactions": "TxnDeleted",
    "deposits": "Deposit",
    "discount-items": "ItemDiscount",
    "employees": "Employee",
    "estimates": "Estimate",
    "inventory-adjustments": "InventoryAdjustment",
    "inventory-assembly-items": "ItemInventoryAssembly",
    "inventory-items": "ItemInventory",
    "inventory-sites": "InventorySite",
    "invoices": "Invoice",
    "item-groups": "ItemGroup",
    "item-receipts": "ItemReceipt",
    "item-sites": "ItemSites",
    "journal-entries": "JournalEntry",
    "non-inventory-items": "ItemNonInventory",
    "other-charge-items": "ItemOtherCharge",
    "other-names": "OtherName",
    "payment-methods": "PaymentMethod",
    "payments-to-deposit": "ReceivePaymentToDeposit",
    "payroll-wage-items": "PayrollItemWage",
    "preferences": "Preferences",
    "price-levels": "PriceLevel",
    "purchase-orders": "PurchaseOrder",
    "receive-payments": "ReceivePayment",
    "reports": "",  # GET /reports/{kind}: REPORTS
    "sales-orders": "SalesOrder",
    "sales-receipts": "SalesReceipt",
    "sales-representatives": "SalesRep",
    "sales-tax-codes": "SalesTaxCode",
    "sales-tax-group-items": "ItemSalesTaxGroup",
    "sales-tax-items": "ItemSalesTax",
    "sales-tax-payment-checks": "SalesTaxPaymentCheck",
    "service-items": "ItemService",
    "shipping-methods": "ShipMethod",
    "standard-terms": "StandardTerms",
    "subtotal-items": "ItemSubtotal",
    "templates": "Template",
    "time-tracking-activities": "TimeTracking",
    "transactions": "Transaction",
    "transfers": "Transfer",
    "unit-of-measure-sets": "UnitOfMeasureSet",
    "vendor-credits": "VendorCredit",
    "vendors": "Vendor",
    # Beyond the 62:
    "items": "Item",
    "billing-rates": "BillingRate",
    "charges": "Charge",
    "customer-messages": "CustomerMsg",
    "fixed-asset-items": "ItemFixedAsset",
    "inventory-transfers": "TransferInventory",
    "job-types": "JobType",
    "leads": "Lead",
    "payment-items": "ItemPayment",
    "to-dos": "ToDo",
    "vehicle-mileage": "VehicleMileage",
    "vehicles": "Vehicle",
    "vendor-types": "VendorType",
    "workers-comp-codes": "WorkersCompCode",
}

SINGLETONS = frozenset({"company", "preferences"})

# The typed routes' three path shapes: each HTTP method, and the operations it serves there.
SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    "collection": {"GET": ("list",), "POST": ("create",)},  # /{resource}
    "member": {"GET": ("retrieve", "report"), "POST": ("update",), "DELETE": ("delete",)},  # /{resource}/{id}
    "void": {"POST": ("void",)},  # /{resource}/{id}/void
}

# GET /reports/{kind} → the report query.
REPORTS: dict[str, str] = {
    "aging": "AgingReportQueryRq",
    "budget-summary": "BudgetSummaryReportQueryRq",
    "custom-detail": "CustomDetailReportQueryRq",
    "custom-summary": "CustomSummaryReportQueryRq",
    "general-detail": "GeneralDetailReportQueryRq",
    "general-summary": "GeneralSummaryReportQueryRq",
    "job": "JobReportQueryRq",
    "payroll-detail": "PayrollDetailReportQueryRq",
    "payroll-summary": "PayrollSummaryReportQueryRq",
    "time": "TimeReportQueryRq",
}


@dataclass(frozen=True)
class Resource:
    """One REST resource: its qbXML object and the request messages that serve each operation."""

    name: str
    object: str
    query: str | None
    add: str | None
    mod: str | None
    delete: str | None  # "ListDelRq" or "TxnDelRq"
    void: bool
    singleton: bool
    by_id: bool  # its query takes the object's ListID or TxnID (retrieve)

    @property
    def ret(self) -> str:
        """The answer aggregate of one object (``CustomerRet``)."""
        return f"{self.object}Ret"

    def operations(self) -> tuple[str, ...]:
        """What the resource can do, in the order the API reference lists them."""
        if not self.object:
            return ("report",)
        found = []
        if self.query:
            found += ["list", "retrieve"] if self.by_id else ["list"]
        found += [name for name, present in (("create", self.add), ("update", self.mod), ("delete", self.delete),
                                             ("void", self.void)) if present]
        return tuple(found)

    def methods(self, shape: str) -> tuple[str, ...]:
        """The HTTP methods that serve one of the resource's operations on the path ``shape`` (a key of
        :data:`SHAPES`), in the order of :data:`SHAPES`: what a 405 there names in ``Allow``."""
        ops = self.operations()
        return tuple(method for method, served in SHAPES[shape].items() if any(op in ops for op in served))


@functools.cache
def _enumerated(name: str) -> frozenset[str]:
    from chalicelib.qbxml.models import _types

    return frozenset(typing.get_args(getattr(_types, name)))


@functools.cache
def resource(name: str) -> Resource | None:
    """The resource named ``name`` (``"sales-receipts"``), or None."""
    obj = OBJECTS.get(name)
    if obj is None:
        return None
    if not obj:
        return Resource(name, "", None, None, None, None, False, False, False)

    def message(suffix: str) -> str | None:
        found = f"{obj}{suffix}"
        return found if found in _REQUESTS else None

    singleton = name in SINGLETONS
    delete = "ListDelRq" if obj in _enumerated("ListDelType") else "TxnDelRq" if obj in _enumerated(
        "TxnDelType") else None
    query = message("QueryRq")
    by_id = False
    if query is not None and not singleton:
        from chalicelib.qbxml.models import model_for

        fields = model_for(query).model_fields
        by_id = "list_id" in fields or "txn_id" in fields
    return Resource(name, obj, query, message("AddRq"), None if singleton else message("ModRq"), delete,
                    obj in _enumerated("TxnVoidType"), singleton, by_id)


_REQUESTS = frozenset(REQUESTS)


def names() -> tuple[str, ...]:
    """Every resource name, sorted."""
    return tuple(sorted(OBJECTS))
