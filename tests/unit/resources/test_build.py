"""REST calls → typed request models → qbXML: every resource operation builds a request Intuit's 16.0 schema
accepts, the filters land on the elements they name, and what the models refuse is a 400 naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.errors import GatewayError
from chalicelib.qbxml import JobRequests, SchemaCatalog, build_message_set
from chalicelib.qbxml.models import from_qbxml, model_for
from chalicelib.resources import build
from chalicelib.resources.catalog import OBJECTS, REPORTS, names, resource
from tests.support.paths import SCHEMA_DIR
from tests.unit.qbxml.support import V16
from tools.qbxml_examples import build as instance

RESOURCES = [n for n in names() if n != "reports"]
HOSTED_62 = (
    "account-tax-lines", "accounts", "bill-check-payments", "bill-credit-card-payments", "bills",
    "bills-to-pay", "build-assemblies", "checks", "classes", "company", "credit-card-charges",
    "credit-card-credits", "credit-card-refunds", "credit-memos", "currencies", "customer-types", "customers",
    "date-driven-terms", "deleted-list-objects", "deleted-transactions", "deposits", "discount-items",
    "employees", "estimates", "inventory-adjustments", "inventory-assembly-items", "inventory-items",
    "inventory-sites", "invoices", "item-groups", "item-receipts", "item-sites", "journal-entries",
    "non-inventory-items", "other-charge-items", "other-names", "payment-methods", "payments-to-deposit",
    "payroll-wage-items", "preferences", "price-levels", "purchase-orders", "receive-payments", "reports",
    "sales-orders", "sales-receipts", "sales-representatives", "sales-tax-codes", "sales-tax-group-items",
    "sales-tax-items", "sales-tax-payment-checks", "service-items", "shipping-methods", "standard-terms",
    "subtotal-items", "templates", "time-tracking-activities", "transactions", "transfers",
    "unit-of-measure-sets", "vendor-credits", "vendors",
)


@pytest.fixture(scope="module")
def catalog() -> SchemaCatalog:
    return SchemaCatalog(SCHEMA_DIR)


def required_params(request: str) -> dict[str, str]:
    """What a query requires, as query parameters: the top-level values of its minimal instance."""
    params = {}
    for key, value in instance(model_for(request)).model_dump(mode="json", exclude_none=True).items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            params[key] = ",".join(value)
        elif isinstance(value, str | int | bool) and not isinstance(value, bool):
            params[key] = str(value)
    return params


def valid(call: build.Call, catalog: SchemaCatalog) -> list[str]:
    document = build_message_set(JobRequests((call.qbxml,), (call.request,)), version=V16, request_id="t-1")
    return catalog.validate(document, V16)


def test_the_62_groups_of_the_hosted_api_are_all_there_each_with_a_query() -> None:
    assert len(HOSTED_62) == 62 and set(HOSTED_62) <= set(OBJECTS)
    for name in HOSTED_62:
        res = resource(name)
        assert res is not None and res.operations(), name
        assert res.query is not None or name == "reports", name


@pytest.mark.parametrize("name", RESOURCES)
def test_every_operation_of_every_resource_builds_a_request_the_schema_accepts(name: str,
                                                                            catalog: SchemaCatalog) -> None:
    res = resource(name)
    assert res is not None
    calls = []
    ops = res.operations()
    if "list" in ops and name != "bills-to-pay":  # BillToPayQuery names its payee: see the test below
        assert res.query
        calls.append(build.list_call(res, required_params(res.query), limit=10))
    if "retrieve" in ops:
        calls.append(build.retrieve_call(res, "80000001-1234567890"))
    if "create" in ops:
        body = instance(model_for(f"{res.object}Add")).model_dump(mode="json", exclude_none=True)
        calls.append(build.create_call(res, body))
    if "update" in ops:
        body = instance(model_for(f"{res.object}Mod")).model_dump(mode="json", exclude_none=True)
        body = {k: v for k, v in body.items() if k not in ("list_id", "txn_id", "id")}  # the path names it
        calls.append(build.update_call(res, "80000001-1234567890", {**body, "revision_number": "1234567890"}))
    if "delete" in ops:
        calls.append(build.delete_call(res, "80000001-1234567890"))
    if "void" in ops:
        calls.append(build.void_call(res, "80000001-1234567890"))
    assert calls or name == "bills-to-pay"
    for call in calls:
        assert valid(call, catalog) == [], (name, call.request, call.qbxml)


def test_operations_a_resource_lacks_are_405() -> None:
    company, transfers, customers = resource("company"), resource("transfers"), resource("customers")
    assert company and transfers and customers
    for attempt in (lambda: build.create_call(company, {}), lambda: build.retrieve_call(company, "1"),
                    lambda: build.delete_call(transfers, "1"), lambda: build.void_call(customers, "1")):
        with pytest.raises(GatewayError) as refused:
            attempt()
        assert refused.value.code == "method_not_allowed"


@pytest.mark.parametrize(("params", "element"), [
    ({"ids": "1-1, 2-2"}, "<ListID>1-1</ListID><ListID>2-2</ListID>"),
    ({"full_names": "A,B:C"}, "<FullName>A</FullName><FullName>B:C</FullName>"),
    ({"name_contains": "ac"}, "<NameFilter><MatchCriterion>Contains</MatchCriterion><Name>ac</Name></NameFilter>"),
    ({"name_starts_with": "ac"}, "<MatchCriterion>StartsWith</MatchCriterion>"),
    ({"name_ends_with": "ac"}, "<MatchCriterion>EndsWith</MatchCriterion>"),
    ({"name_from": "B", "name_to": "D"}, "<NameRangeFilter><FromName>B</FromName><ToName>D</ToName>"),
    ({"status": "inactive"}, "<ActiveStatus>InactiveOnly</ActiveStatus>"),
    ({"updated_after": "2024-01-02T03:04:05"}, "<FromModifiedDate>2024-01-02T03:04:05</FromModifiedDate>"),
    ({"updated_before": "2024-01-02"}, "<ToModifiedDate>2024-01-02"),
    ({"total_balance_filter": "x"}, None),
])
def test_list_filters_land_on_the_elements_they_name(params: dict[str, str], element: str | None) -> None:
    customers = resource("customers")
    assert customers
    if element is None:  # an aggregate given as text is refused by the model, with its name
        with pytest.raises(GatewayError) as refused:
            build.list_call(customers, params)
        assert refused.value.code == "invalid_request" and "total_balance_filter" in refused.value.message
        return
    assert element in build.list_call(customers, params).qbxml


def test_transaction_filters_use_the_transaction_elements() -> None:
    invoices = resource("invoices")
    assert invoices
    updated = build.list_call(invoices, {"updated_after": "2024-01-01T00:00:00"})
    assert "<ModifiedDateRangeFilter><FromModifiedDate>2024-01-01T00:00:00</FromModifiedDate>" in updated.qbxml
    with pytest.raises(GatewayError) as both:  # qbXML's choice: one date filter or the other
        build.list_call(invoices, {"updated_after": "2024-01-01T00:00:00", "transaction_date_from": "2024-01-01"})
    assert "set only one of modified_date_range_filter | txn_date_range_filter" in both.value.message
    call = build.list_call(invoices, {"transaction_date_from": "2024-01-01",
                                      "transaction_date_to": "2024-03-31", "entity_ids": "80000001-1",
                                      "paid_status": "NotPaidOnly", "include_line_items": "true",
                                      "ref_number_starts_with": "INV"}, limit=5)
    for element in ("<TxnDateRangeFilter><FromTxnDate>2024-01-01</FromTxnDate><ToTxnDate>2024-03-31</ToTxnDate>",
                    "<EntityFilter><ListID>80000001-1</ListID></EntityFilter>", "<PaidStatus>NotPaidOnly</PaidStatus>",
                    "<IncludeLineItems>true</IncludeLineItems>", "<RefNumberFilter><MatchCriterion>StartsWith"):
        assert element in call.qbxml
    assert call.pages  # an iterator query: paged by the caller's limit, no MaxReturned of its own
    assert "MaxReturned" not in call.qbxml
    by_id = build.list_call(invoices, {"ids": "1-1"}, limit=5)
    assert not by_id.pages and "MaxReturned" not in by_id.qbxml  # records named: no paging, no ceiling


def test_a_query_without_iterators_gets_the_limit_as_max_returned() -> None:
    templates, company = resource("templates"), resource("company")
    assert templates and company
    assert not build.list_call(templates, {}, limit=7).pages
    assert not build.list_call(company, {}).pages


def test_bills_to_pay_names_its_payee_by_a_top_level_filter(catalog: SchemaCatalog) -> None:
    res = resource("bills-to-pay")
    assert res
    with pytest.raises(GatewayError) as refused:
        build.list_call(res, {})
    assert refused.value.code == "invalid_request" and "payee_entity_ref" in refused.value.message
    # AND a reference filter takes the record's id, by its name with or without _ref (as a body's reference)
    for params in ({"payee_entity_ref": "80000001-1"}, {"payee_entity": "80000001-1", "ap_account": "80000002-1"}):
        call = build.list_call(res, params, limit=20)
        assert "<PayeeEntityRef><ListID>80000001-1</ListID></PayeeEntityRef>" in call.qbxml
        assert valid(call, catalog) == [], call.qbxml
    assert "<APAccountRef><ListID>80000002-1</ListID></APAccountRef>" in call.qbxml
    price_levels = resource("price-levels")
    assert price_levels
    by_item = build.list_call(price_levels, {"item": "80000003-1"})
    assert "<ItemRef><ListID>80000003-1</ListID></ItemRef>" in by_item.qbxml


@pytest.mark.parametrize(("params", "problem"), [
    ({"colour": "red"}, "colour"), ({"status": "sleeping"}, "status"), ({"iterator": "Start"}, "iterator"),
    ({"ids": "1", "name_contains": "a"}, "set only one of")])
def test_a_filter_the_query_cannot_take_is_400_naming_it(params: dict[str, str], problem: str) -> None:
    customers = resource("customers")
    assert customers
    with pytest.raises(GatewayError) as refused:
        build.list_call(customers, params)
    assert refused.value.code == "invalid_request" and problem in refused.value.message


def test_a_body_reads_refs_and_lines_by_their_short_names(catalog: SchemaCatalog) -> None:
    invoices = resource("invoices")
    assert invoices
    call = build.create_call(invoices, {
        "customer": {"full_name": "Acme"}, "txn_date": "2024-05-01", "memo": "Spring",
        "lines": [{"item": {"full_name": "Consulting"}, "quantity": "2", "rate": "150.00"},
                  {"element": "InvoiceLineGroupAdd", "item_group_ref": {"full_name": "Kit"}}]})
    model: Any = from_qbxml(call.qbxml)
    assert model.invoice_add.customer_ref.full_name == "Acme"
    assert [type(line).__name__ for line in model.invoice_add.lines] == ["InvoiceLineAdd", "InvoiceLineGroupAdd"]
    assert model.invoice_add.lines[0].rate == Decimal("150.00")
    assert valid(call, catalog) == []


def test_an_update_needs_its_revision_and_the_path_s_id() -> None:
    customers = resource("customers")
    assert customers
    with pytest.raises(GatewayError) as missing:
        build.update_call(customers, "1-1", {"phone": "1"})
    assert "revision_number" in missing.value.message
    with pytest.raises(GatewayError) as other:
        build.update_call(customers, "1-1", {"revision_number": "1", "list_id": "2-2"})
    assert "another object" in other.value.message
    call = build.update_call(customers, "1-1", {"revision_number": "7", "id": "1-1", "phone": "1"})
    assert "<ListID>1-1</ListID><EditSequence>7</EditSequence>" in call.qbxml


def test_a_body_the_model_refuses_is_400_naming_the_field() -> None:
    customers = resource("customers")
    assert customers
    with pytest.raises(GatewayError) as refused:
        build.create_call(customers, {"name": "x" * 42, "flavour": "mint"})
    message = refused.value.message
    assert refused.value.code == "invalid_request" and "customer_add.name" in message and "flavour" in message


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_every_report_kind_builds_its_query(kind: str, catalog: SchemaCatalog) -> None:
    reports = resource("reports")
    assert reports
    params = {**required_params(REPORTS[kind]), "from_date": "2024-01-01", "to_date": "2024-12-31"}
    kind_field = next((f for f in model_for(REPORTS[kind]).model_fields if f.endswith("_report_type")), None)
    if kind_field in params:
        params["type"] = params.pop(kind_field)  # the report type has its short name
    call = build.list_call(reports, params, report=kind)
    assert call.request == REPORTS[kind] and not call.pages
    assert "<ReportPeriod><FromReportDate>2024-01-01</FromReportDate>" in call.qbxml or kind == "budget-summary"
    assert valid(call, catalog) == [], call.qbxml


def test_typed_requests_name_any_request_by_type() -> None:
    assert build.typed_request_call({"type": "CustomerQuery", "max_returned": 3}).request == "CustomerQueryRq"
    assert build.typed_request_call({"type": "HostQueryRq"}).qbxml == "<HostQueryRq/>"
    for bad in ({}, {"type": "Teleport"}, {"type": "CustomerRet"}):
        with pytest.raises(GatewayError) as refused:
            build.typed_request_call(bad)
        assert refused.value.code == "invalid_request"


@pytest.mark.parametrize("text", ["X\x03Y", "\x17", "ok\ufffe"])
def test_a_value_xml_cannot_carry_is_400_not_a_server_error(text: str) -> None:
    """Found by schemathesis over the typed resources: a control character in a filter was a 500."""
    customers = resource("customers")
    assert customers
    for attempt in (lambda: build.list_call(customers, {"name_from": text}),
                    lambda: build.create_call(customers, {"name": text}),
                    lambda: build.typed_request_call({"type": "CustomerQuery", "full_name": [text]})):
        with pytest.raises(GatewayError) as refused:
            attempt()
        assert refused.value.code == "invalid_request" and "character" in refused.value.message


@pytest.mark.parametrize("name", ["transactions", "item-sites"])
def test_an_iterator_query_that_cannot_be_resumed_is_listed_in_one_page(name: str, catalog: SchemaCatalog) -> None:
    # GIVEN a query that takes iterators but has neither NameRangeFilter nor a date range a lost session's
    # restart could key on (the queue refuses to page it: "cannot be paged")
    res = resource(name)
    assert res
    call = build.list_call(res, {}, limit=20)
    # THEN its list is one page, as for a query without iterators, not a 400; it asks one record more than
    # the limit, which tells the answer whether the limit cut the list
    assert not call.pages and "<MaxReturned>21</MaxReturned>" in call.qbxml
    assert build.one_page_limit(call.qbxml) == 20
    assert valid(call, catalog) == []


def test_only_a_one_page_list_cut_by_its_limit_has_a_limit_to_read_back() -> None:
    # GIVEN a query without iterators that takes MaxReturned, one naming its records, and one without MaxReturned
    accounts, templates = resource("accounts"), resource("templates")
    assert accounts and templates
    # THEN the first has its limit to read back; the others none (their answer is the whole list)
    assert build.one_page_limit(build.list_call(accounts, {}, limit=5).qbxml) == 5
    assert build.one_page_limit(build.list_call(accounts, {"ids": "80000001-1"}, limit=5).qbxml) is None
    assert build.one_page_limit(build.list_call(templates, {}, limit=5).qbxml) is None
