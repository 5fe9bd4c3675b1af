"""The typed REST resources end to end: JSON in, a job through the simulated Web Connector and QuickBooks
over real SOAP, JSON out — within the call while the Web Connector is connected, else 202 and a long poll.

The gateway runs as ``make run`` serves it (a subprocess, moto inside); a simulated Web Connector runs
updates every 0.2 s in a thread against a QuickBooks 2023 company file (qbXML 16.0).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from simulator import CompanyFile, WebConnector
from tests.e2e.support import ResultInbox, connector, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e


@dataclass
class Books:
    api: Gateway
    user: dict[str, Any]
    company: CompanyFile
    web_connector: WebConnector

    def path(self, rest: str) -> str:
        return f"/v1/end-users/{self.user['id']}/{rest}"

    def call(self, method: str, rest: str, body: Any = None, **headers: str) -> Any:
        return self.api.request(method, self.path(rest), json_body=body, headers=headers)


def connected(process: GatewayProcess, name: str) -> Iterator[Books]:
    api = Gateway(process.base_url, process.api_key)
    user = api.create_end_user(name)
    company = CompanyFile.modern(name, schema_dir=SCHEMA_DIR)
    web_connector = connector(process, user, company)
    thread = threading.Thread(target=web_connector.run_forever, args=(0.2,), daemon=True)
    thread.start()
    try:
        yield Books(api, user, company, web_connector)
    finally:
        web_connector.stop()
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def books(gateway_process: GatewayProcess) -> Iterator[Books]:
    """GIVEN an end-user whose Web Connector runs an update every 0.2 s against a QuickBooks 2023 file."""
    yield from connected(gateway_process, "Typed Traders")


def test_a_customer_is_created_read_changed_and_deleted_as_json(books: Books) -> None:
    name = unique("Harbor Plumbing")
    # WHEN the SaaS creates a customer with a JSON body
    created = books.call("POST", "customers", {"name": name, "phone": "555-0100", "bill_address": {"city": "Oslo"}})
    # THEN the call answers with the QuickBooks record, as JSON, within the call
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["name"] == name and customer["id"] == customer["list_id"] and customer["revision_number"]
    assert customer["bill_address"]["city"] == "Oslo"
    assert [c.name for c in books.company.customers() if c.list_id == customer["id"]] == [name]

    read = books.call("GET", f"customers/{customer['id']}")
    assert read.status_code == 200 and read.json()["name"] == name

    changed = books.call("POST", f"customers/{customer['id']}",
                         {"revision_number": customer["revision_number"], "phone": "555-0199"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "555-0199" and changed.json()["revision_number"] != customer["revision_number"]

    # a change made on a revision that is no longer current is refused: 409, with what to tell the user
    stale = books.call("POST", f"customers/{customer['id']}",
                       {"revision_number": customer["revision_number"], "phone": "555-0111"})
    assert stale.status_code == 409, stale.text
    assert stale.json()["error"]["code"] == "stale_edit_sequence"
    assert stale.headers["Job-Id"] == stale.json()["error"]["job_id"]  # the job that ran the refused change
    assert "changed in QuickBooks" in stale.json()["error"]["user_facing_message"]

    gone = books.call("GET", "customers/80000000-0000000000")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "object_not_found"


def test_a_list_is_walked_with_cursors_without_a_record_twice_or_missed(books: Books) -> None:
    prefix = unique("Walk")
    names = sorted(f"{prefix} {n:02d}" for n in range(23))
    for name in names:
        assert books.call("POST", "customers", {"name": name}, **{"Prefer": "respond-async"}).status_code == 202
    seen: list[str] = []
    params = f"name_starts_with={prefix.replace(' ', '%20')}&limit=10"
    page = books.call("GET", f"customers?{params}")
    pages, cursors = 0, []
    while True:
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["object"] == "list"
        seen += [c["name"] for c in body["data"]]
        pages += 1
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        assert body["remaining_count"] == len(names) - len(seen)
        cursors.append(body["next_cursor"])
        page = books.call("GET", f"customers?limit=10&cursor={body['next_cursor']}")
    assert seen == names and pages == 3
    # asking for a page again gives that same page, from the same job
    again = books.call("GET", f"customers?limit=10&cursor={cursors[0]}")
    assert again.status_code == 200 and [c["name"] for c in again.json()["data"]] == names[10:20]
    # a cursor keeps its filters
    other = books.call("GET", f"customers?limit=10&name_starts_with=Other&cursor={cursors[0]}")
    assert other.status_code == 400 and "filters" in other.json()["error"]["message"]


def test_a_one_page_list_cut_by_its_limit_says_it_has_more(books: Books) -> None:
    # GIVEN three accounts, and /accounts, a query QuickBooks answers in one page (no iterators)
    prefix = unique("Cut")
    for n in range(3):
        created = books.call("POST", "accounts", {"name": f"{prefix} {n}", "account_type": "Expense"})
        assert created.status_code == 201, created.text
    query = f"accounts?name_starts_with={prefix.replace(' ', '%20')}"
    # WHEN the SaaS lists them with a limit of 2
    cut = books.call("GET", f"{query}&limit=2")
    # THEN it gets two, told there are more, with no cursor (a higher limit or narrower filters reads them)
    assert cut.status_code == 200, cut.text
    body = cut.json()
    assert [a["name"] for a in body["data"]] == [f"{prefix} 0", f"{prefix} 1"]
    assert (body["has_more"], body["next_cursor"], body["remaining_count"]) == (True, None, None)
    # AND the job's result, as GET /v1/jobs/{id} and the SQS result carry it, says the same
    job = books.api.request("GET", f"/v1/jobs/{cut.headers['Job-Id']}")
    assert job.status_code == 200 and job.json().get("result") == body, job.text
    # AND a limit that holds them all says the list is whole
    whole = books.call("GET", f"{query}&limit=3").json()
    assert (len(whole["data"]), whole["has_more"], whole["remaining_count"]) == (3, False, 0)


def test_a_call_that_does_not_wait_is_202_with_a_location_that_long_polls(books: Books) -> None:
    accepted = books.call("GET", "customers?limit=1", Prefer="respond-async")
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Job-Id"] == accepted.json()["id"]
    location = accepted.headers["Location"]
    assert location == accepted.json()["location"] == f"/v1/jobs/{accepted.json()['id']}"
    polled = books.api.request("GET", f"{location}?wait=20")
    assert polled.status_code == 200 and polled.json()["status"] == "succeeded"
    assert polled.json()["result"]["object"] == "list"
    assert polled.json()["response_json"][0]["type"] == "CustomerQueryRs"


def test_a_call_that_failed_answers_from_its_job_the_error_it_answers_when_waited_for(books: Books) -> None:
    # GIVEN a retrieve of an id QuickBooks does not have, waited for, and the same call not waited for
    waited = books.call("GET", "customers/80000999-0000000000")
    accepted = books.call("GET", "customers/80000999-0000000000", Prefer="respond-async")
    assert waited.status_code == 404 and accepted.status_code == 202, accepted.text
    # WHEN the job of the second is polled until done
    polled = books.api.request("GET", f"{accepted.headers['Location']}?wait=20").json()
    assert polled["status"] == "failed"
    # THEN it carries the call's own error as result_error, as the waited call answered it; its error is the
    # job's, QuickBooks' status as it is
    mine = {k: v for k, v in waited.json()["error"].items() if k not in ("job_id", "message", "request_id")}
    assert {k: polled["result_error"][k] for k in mine} == mine
    assert polled["error"]["integration_code"] == "3120" and polled["error"]["code"] != mine["code"]


def test_any_request_message_goes_through_requests_typed(books: Books) -> None:
    answered = books.call("POST", "requests", {"type": "CompanyQuery"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["response"]["type"] == "CompanyQueryRs"
    assert answered.json()["response"]["company_ret"]["company_name"] == books.company.name
    refused = books.call("POST", "requests", {"type": "CustomerAdd", "customer_add": {"name": "x" * 42}})
    assert refused.status_code == 400 and "customer_add.name" in refused.json()["error"]["message"]


def test_calls_that_do_not_fit_are_refused_with_the_envelope(books: Books) -> None:
    unknown = books.call("GET", "spaceships")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "route_not_found"
    not_creatable = books.call("POST", "company", {"name": "x"})
    assert not_creatable.status_code == 405 and not_creatable.json()["error"]["code"] == "method_not_allowed"
    no_revision = books.call("POST", "customers/80000001-1", {"phone": "1"})
    assert no_revision.status_code == 400 and "revision_number" in no_revision.json()["error"]["message"]
    bad_filter = books.call("GET", "customers?colour=red")
    assert bad_filter.status_code == 400 and "colour" in bad_filter.json()["error"]["message"]


def test_a_typed_result_on_sqs_carries_its_json(books: Books, inbox: ResultInbox) -> None:
    created = books.call("POST", "customers", {"name": unique("Queue Co")})
    assert created.status_code == 201
    message = inbox.wait_for([created.headers["Job-Id"]])[0]
    assert message["result"] == created.json()
    assert message["response_json"][0]["type"] == "CustomerAddRs" and message["response_qbxml"].startswith("<?xml")


def test_the_main_object_groups_are_created_read_listed_changed_and_removed(books: Books) -> None:
    """Customers, vendors, items, invoices, bills, payments, estimates, sales orders, journal entries."""
    tag = unique("G")[2:]

    def ok(response: Any, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json())

    income = ok(books.call("POST", "accounts", {"name": f"Sales {tag}", "account_type": "Income"}), 201)
    expense = ok(books.call("POST", "accounts", {"name": f"Supplies {tag}", "account_type": "Expense"}), 201)
    bank = ok(books.call("POST", "accounts", {"name": f"Checking {tag}", "account_type": "Bank"}), 201)
    item = ok(books.call("POST", "service-items", {"name": f"Labor {tag}", "sales_or_purchase": {
        "price": "80.00", "account": {"list_id": income["id"]}}}), 201)
    customer = ok(books.call("POST", "customers", {"name": f"Client {tag}"}), 201)
    vendor = ok(books.call("POST", "vendors", {"name": f"Supplier {tag}"}), 201)
    line = {"item": {"list_id": item["id"]}, "quantity": "3", "rate": "80.00"}
    invoice = ok(books.call("POST", "invoices", {"customer": {"list_id": customer["id"]}, "lines": [line]}), 201)
    assert invoice["customer_ref"]["list_id"] == customer["id"] and invoice["subtotal"] == "240.00"
    payment = ok(books.call("POST", "receive-payments", {
        "customer": {"list_id": customer["id"]}, "total_amount": "100.00",
        "applied_to_txn_add": [{"txn_id": invoice["id"], "payment_amount": "100.00"}]}), 201)
    assert ok(books.call("GET", f"invoices/{invoice['id']}"))["balance_remaining"] == "140.00"
    bill = ok(books.call("POST", "bills", {"vendor": {"list_id": vendor["id"]}, "expense_line_add": [
        {"account": {"list_id": expense["id"]}, "amount": "55.00"}]}), 201)
    estimate = ok(books.call("POST", "estimates", {"customer": {"list_id": customer["id"]}, "lines": [line]}), 201)
    order = ok(books.call("POST", "sales-orders", {"customer": {"list_id": customer["id"]}, "lines": [line]}), 201)
    entry = ok(books.call("POST", "journal-entries", {"lines": [
        {"element": "JournalDebitLine", "account": {"list_id": expense["id"]}, "amount": "20.00"},
        {"element": "JournalCreditLine", "account": {"list_id": bank["id"]}, "amount": "20.00"}]}), 201)

    created = {"customers": customer, "vendors": vendor, "service-items": item, "invoices": invoice,
               "receive-payments": payment, "bills": bill, "estimates": estimate, "sales-orders": order,
               "journal-entries": entry}
    for resource, record in created.items():
        # each reads back by id, and is in its list
        assert ok(books.call("GET", f"{resource}/{record['id']}"))["id"] == record["id"], resource
        status = "&status=all" if resource in ("customers", "vendors", "service-items") else ""
        listed = ok(books.call("GET", f"{resource}?limit=1000{status}"))
        assert record["id"] in [r["id"] for r in listed["data"]], resource
    # a change with the current revision applies; the revision moves on
    memo = ok(books.call("POST", f"invoices/{invoice['id']}", {
        "revision_number": ok(books.call("GET", f"invoices/{invoice['id']}"))["revision_number"], "memo": "Net 30"}))
    assert memo["memo"] == "Net 30"
    renamed = ok(books.call("POST", f"vendors/{vendor['id']}", {"revision_number": vendor["revision_number"],
                                                                 "name": f"Supplier {tag} Inc"}))
    assert renamed["name"] == f"Supplier {tag} Inc"
    # a void keeps the transaction with nothing on it; a delete removes it
    voided = ok(books.call("POST", f"journal-entries/{entry['id']}/void"))
    assert voided == {**voided, "id": entry["id"], "voided": True, "txn_void_type": "JournalEntry"}
    assert ok(books.call("DELETE", f"estimates/{estimate['id']}"))["deleted"] is True
    gone = books.call("GET", f"estimates/{estimate['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "object_not_found"
    assert ok(books.call("DELETE", f"sales-orders/{order['id']}"))["id"] == order["id"]


INGRESS_QUERIES = ("CustomerQuery", "VendorQuery", "ItemServiceQuery", "InvoiceQuery", "BillQuery",
                   "ReceivePaymentQuery", "EstimateQuery", "SalesOrderQuery", "JournalEntryQuery")


def test_typed_requests_dropped_on_the_ingress_queue_answer_json_on_the_results_queue(
        books: Books, gateway_process: GatewayProcess, inbox: ResultInbox) -> None:
    """The main object groups through SQS in and out: a typed add, and a typed query of each group."""
    from tests.e2e.test_ingress_and_sdk import send_ingress

    name = unique("Queue Vendor")
    tag = unique("q")
    send_ingress(gateway_process, json.dumps({"end_user_id": books.user["id"],
                                              "request": {"type": "VendorAdd", "vendor_add": {"name": name}}}))
    for query in INGRESS_QUERIES:
        send_ingress(gateway_process, json.dumps({"end_user_id": books.user["id"], "idempotency_key": f"{tag}{query}",
                                                  "request": {"type": query, "max_returned": 5}}))
    wanted = {"VendorAddRs", *(f"{q}Rs" for q in INGRESS_QUERIES)}
    deadline = time.monotonic() + 60
    found: dict[str, dict[str, Any]] = {}
    while wanted - set(found) and time.monotonic() < deadline:
        inbox.poll()
        for message in inbox.messages:
            rendered = message.get("response_json") or []
            if message["end_user_id"] != books.user["id"] or not rendered:
                continue
            first = rendered[0]
            if first["type"] == "VendorAddRs" and first.get("vendor_ret", {}).get("name") != name:
                continue
            found.setdefault(first["type"], message)
    assert wanted <= set(found), f"no JSON result for {sorted(wanted - set(found))}"
    for kind, message in found.items():
        if kind in wanted:
            assert message["status"] == "succeeded" and message["response_json"][0]["status_code"] in (0, 1), kind
            assert message["response_qbxml"].startswith("<?xml"), kind
    assert f"<Name>{name}</Name>" in found["VendorAddRs"]["response_qbxml"]
    listed = books.call("GET", f"vendors?full_names={name.replace(' ', '%20')}")
    assert listed.status_code == 200 and [v["name"] for v in listed.json()["data"]] == [name]
