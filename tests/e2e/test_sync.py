"""A whole sync, end to end: REST in, the simulated Web Connector and QuickBooks over real SOAP, SQS out.

The gateway runs as ``make run`` serves it (a subprocess with moto inside, session idle limit 2 s);
the simulator plays the customer's machine; results are read from the emulator's results FIFO queue.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.jobs.dispatch import message_set_id
from simulator import CompanyFile, SessionOutcome, SessionResult
from tests.e2e.support import (
    ResultInbox,
    assert_valid_for_its_version,
    closing_documents,
    connector,
    job_executions,
    job_qbxml,
    parse_qbxml,
    qbxml_version,
    sent_documents,
    unique,
)
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Sync:
    user: dict[str, Any]
    customer: str
    job_ids: list[str]
    company: CompanyFile
    session: SessionResult
    results: list[dict[str, Any]]


@pytest.fixture(scope="module")
def sync(gateway_process: GatewayProcess, inbox: ResultInbox) -> Sync:
    """GIVEN an end-user with CustomerAdd, InvoiceAdd (for that customer) and CustomerQuery queued over REST,
    WHEN the simulated Web Connector runs one update against a QuickBooks Pro 2014 company file."""
    api = Gateway(gateway_process.base_url, gateway_process.api_key)
    user = api.create_end_user("Lakeside Hardware")
    customer = unique("Harbor Plumbing")
    job_ids = [
        api.enqueue(user["id"], job_qbxml("customer_add", name=customer))["id"],
        api.enqueue(user["id"], job_qbxml("invoice_add", customer=customer, ref="INV-1001"))["id"],
        api.enqueue(user["id"], job_qbxml("customer_query", name=customer))["id"],
    ]
    company = CompanyFile("Lakeside Hardware", schema_dir=SCHEMA_DIR)
    session = connector(gateway_process, user, company).run_session()
    return Sync(user, customer, job_ids, company, session, inbox.wait_for(job_ids))


def test_three_succeeded_results_arrive_on_the_fifo_queue_in_enqueue_order(sync: Sync) -> None:
    # THEN exactly one message per job, in enqueue order, schema version 1, succeeded
    assert [m["job_id"] for m in sync.results] == sync.job_ids
    for message in sync.results:
        assert message["schema_version"] == 1
        assert message["status"] == "succeeded", message
        assert message["error"] is None
        assert message["end_user_id"] == sync.user["id"]
        # AND the FIFO attributes: one group per end-user, deduplicated by job id
        assert message["_group"] == sync.user["id"]
        assert message["_dedup"] == message["job_id"]


def test_results_carry_what_quickbooks_created(sync: Sync) -> None:
    # THEN the responses hold the ListID / TxnID the company file assigned
    (customer,) = [c for c in sync.company.customers() if c.name == sync.customer]
    (invoice,) = sync.company.invoices()
    add, inv, query = (parse_qbxml(m["response_qbxml"]) for m in sync.results)
    assert add.findtext("QBXMLMsgsRs/CustomerAddRs/CustomerRet/ListID") == customer.list_id
    assert inv.findtext("QBXMLMsgsRs/InvoiceAddRs/InvoiceRet/TxnID") == invoice.txn_id
    assert inv.findtext("QBXMLMsgsRs/InvoiceAddRs/InvoiceRet/CustomerRef/ListID") == customer.list_id
    assert query.findtext("QBXMLMsgsRs/CustomerQueryRs/CustomerRet/ListID") == customer.list_id
    for root, job_id in zip((add, inv, query), sync.job_ids, strict=True):
        (rs,) = root.find("QBXMLMsgsRs")
        assert rs.get("requestID") == job_id
        assert rs.get("statusCode") == "0"


def test_rest_job_view_agrees_with_the_sqs_message(gateway: Gateway, sync: Sync) -> None:
    # WHEN the SaaS asks for each job over REST / THEN it says what the SQS message said
    for message in sync.results:
        job = gateway.job(message["job_id"])
        assert job["status"] == "succeeded"
        assert job["end_user_id"] == sync.user["id"]
        assert job["response_qbxml"] == message["response_qbxml"]
        assert job["completed_at"] == message["completed_at"]
        assert job["enqueued_at"] == message["enqueued_at"]
        assert job["error"] is None


def test_end_user_shows_a_connected_company_file(gateway: Gateway, sync: Sync) -> None:
    # WHEN the SaaS looks at the end-user after the sync
    user = gateway.end_user(sync.user["id"])
    # THEN it is connected to the company file the Web Connector reported, at qbXML 13.0
    assert user["status"] == "connected"
    assert user["company_file"] == sync.company.path
    assert user["qbxml_version"] == "13.0"
    assert user["last_heartbeat_at"]
    assert user["last_successful_sync_at"]
    assert user["last_error"] is None


def test_quickbooks_executed_each_request_exactly_once_in_order(sync: Sync) -> None:
    # THEN the company file ran three requests, one per job, in enqueue order, all OK
    executions = job_executions(sync.company)
    assert [e.request_id for e in executions] == sync.job_ids
    assert [e.name for e in executions] == ["CustomerAddRq", "InvoiceAddRq", "CustomerQueryRq"]
    assert [e.status_code for e in executions] == [0, 0, 0]
    assert sync.company.max_concurrent_message_sets == 1
    # AND the session ended as a success: keep-alive, then the closing HostQuery answered 100 and the summary
    assert sync.session.outcome is SessionOutcome.COMPLETED and sync.session.percents[-1] == 100
    assert sync.session.close_message == "qbd-gateway: 3 request(s) sent to QuickBooks."
    assert sync.session.requests_processed == 4 and len(closing_documents(sync.session)) == 1  # + the closing
    assert all(0 <= p <= 100 for p in sync.session.percents)


def test_every_document_sent_is_valid_qbxml_with_request_and_message_set_ids(sync: Sync) -> None:
    # THEN each qbXML document the gateway sent validates against Intuit's 13.0 schema
    documents = sent_documents(sync.session)
    assert len(documents) == 3
    for document, job_id, is_write in zip(documents, sync.job_ids, (True, True, False), strict=True):
        assert qbxml_version(document) == "13.0"
        root = assert_valid_for_its_version(document)
        message_set = root.find("QBXMLMsgsRq")
        assert message_set.get("onError") == "stopOnError"
        # AND requestID = job id on every request; newMessageSetID (derived from the job, at most 23
        # characters, one per attempt) on writes only
        assert [rq.get("requestID") for rq in message_set] == [job_id]
        assert message_set.get("newMessageSetID") == (message_set_id(job_id, 1) if is_write else None)


def test_job_enqueued_while_the_session_idles_runs_in_that_same_session(
        gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox) -> None:
    # GIVEN an open session that has run its only job and is idling on NoOp
    user = gateway.create_end_user()
    first = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    idle = threading.Event()

    def watch(line: str) -> None:
        if "getLastError" in line and "'NoOp'" in line:
            idle.set()

    company = CompanyFile(schema_dir=SCHEMA_DIR)
    wc = connector(gateway_process, user, company, log=watch)
    results: list[SessionResult] = []
    thread = threading.Thread(target=lambda: results.append(wc.run_session()), daemon=True)
    thread.start()
    try:
        assert idle.wait(20), "the session never went idle"
        # WHEN a job is enqueued meanwhile
        second = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
        thread.join(30)
    finally:
        wc.stop()
        thread.join(10)
    # THEN the same session (one ticket) ran both, the second after a NoOp
    (result,) = results
    assert [e.request_id for e in job_executions(company)] == [first, second]
    assert len(job_executions(company)) == 2
    tickets = {call.params["ticket"] for call in result.calls if "ticket" in call.params}
    assert tickets == {result.ticket}
    methods = [(c.method, c.result) for c in result.calls]
    first_noop = methods.index(("getLastError", "NoOp"))
    second_send = [i for i, (m, r) in enumerate(methods) if m == "sendRequestXML" and r][1]
    assert first_noop < second_send
    assert [m["status"] for m in inbox.wait_for([first, second])] == ["succeeded", "succeeded"]


def test_modern_company_file_gets_qbxml_16(gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN a QuickBooks Desktop 2023 company file (qbXML up to 16.0) and a queued query
    user = gateway.create_end_user("Modern Co")
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile.modern("Modern Co", schema_dir=SCHEMA_DIR)
    # WHEN it syncs
    result = connector(gateway_process, user, company).run_session()
    # THEN the document is qbXML 16.0, valid against Intuit's 16.0 schema, and the job succeeded
    (document,) = sent_documents(result)
    assert qbxml_version(document) == "16.0"
    assert_valid_for_its_version(document)
    assert [e.request_id for e in job_executions(company)] == [job_id]
    assert gateway.job(job_id)["status"] == "succeeded"
    assert gateway.end_user(user["id"])["qbxml_version"] == "16.0"


def test_wrong_password_is_refused_and_nothing_runs(gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN queued work
    user = gateway.create_end_user()
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    # WHEN the Web Connector authenticates with a wrong password
    result = connector(gateway_process, user, company, password="WRONG-PASS-WORD").run_session()
    # THEN "nvu": no session, no QuickBooks call, the job stays queued
    assert result.outcome is SessionOutcome.INVALID_USER
    assert "sendRequestXML" not in result.methods
    assert company.executions == []
    assert gateway.job(job_id)["status"] == "queued"


def test_no_queued_work_is_none(gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN an end-user with nothing queued / WHEN the Web Connector calls
    user = gateway.create_end_user()
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    result = connector(gateway_process, user, company).run_session()
    # THEN "none": the update ends at once, and the heartbeat is recorded
    assert result.outcome is SessionOutcome.NO_WORK
    assert result.methods[-2:] == ("authenticate", "closeConnection")
    assert company.executions == []
    assert gateway.end_user(user["id"])["last_heartbeat_at"]


def test_status_error_fails_that_job_alone_and_the_next_runs(
        gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox) -> None:
    # GIVEN an InvoiceAdd for a customer QuickBooks does not have, then a query
    user = gateway.create_end_user()
    bad = gateway.enqueue(user["id"], job_qbxml("invoice_add", customer=unique("Nobody"), ref="X-1"))["id"]
    good = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    # WHEN one session runs
    result = connector(gateway_process, user, company).run_session()
    # THEN the invoice failed with QuickBooks' 3140, explained for the user …
    failed = gateway.job(bad)
    assert failed["status"] == "failed"
    # (the generic code, or the catalog's specific one for 3140 — the SaaS keys on either)
    assert failed["error"]["code"] in ("quickbooks_status_error", "invalid_reference")
    assert failed["error"]["type"] == "quickbooks_request_error"
    assert failed["error"]["integration_code"] == "3140"
    assert failed["error"]["user_facing_message"]
    assert "3140" in failed["response_qbxml"]
    # … and the query after it succeeded in the same session
    assert gateway.job(good)["status"] == "succeeded"
    assert [e.request_id for e in job_executions(company)] == [bad, good]
    assert job_executions(company)[0].status_code == 3140
    assert len(job_executions(company)) == 2 and all(p >= 0 for p in result.percents)
    messages = inbox.wait_for([bad, good])
    assert [(m["job_id"], m["status"]) for m in messages] == [(bad, "failed"), (good, "succeeded")]
    assert messages[0]["error"]["integration_code"] == "3140"


def test_hresult_fails_the_job_and_the_next_runs_in_the_next_session(
        gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN two queued jobs and a QuickBooks that throws on the next request
    user = gateway.create_end_user()
    first = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    second = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    company.fail_next_with_hresult("0x80040400", "QuickBooks found an error when parsing the provided XML text stream.")
    # WHEN a session runs
    result = connector(gateway_process, user, company).run_session()
    # THEN that job failed with the HRESULT, the session ended with an error text from getLastError
    failed = gateway.job(first)
    assert failed["status"] == "failed"
    assert failed["error"]["integration_code"] == "0x80040400"
    assert failed["error"]["user_facing_message"]
    assert result.outcome is SessionOutcome.SERVER_ERROR
    assert result.percents[-1] < 0
    error_text = result.status_texts[0]
    assert error_text and error_text != "NoOp"
    assert gateway.job(second)["status"] == "queued"
    # WHEN the next session runs / THEN the second job runs there
    later = connector(gateway_process, user, company).run_session()
    assert len(sent_documents(later)) == 1
    assert gateway.job(second)["status"] == "succeeded"
    assert [e.request_id for e in job_executions(company)] == [second]


def test_connection_error_is_recorded_and_jobs_stay_queued(
        gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN queued work and a QuickBooks that cannot start (on the first try and on the retry)
    user = gateway.create_end_user()
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    for _ in range(2):
        company.fail_next_open("0x80040408", "Could not start QuickBooks.")
    # WHEN the Web Connector tries to update
    result = connector(gateway_process, user, company).run_session()
    # THEN it reported connectionError, the gateway said "done", and nothing ran
    assert result.outcome is SessionOutcome.CONNECTION_FAILED
    assert [c.result for c in result.calls_to("connectionError")][-1] == "done"
    assert company.executions == []
    # AND the end-user shows the HRESULT, with a message for the bookkeeper; the job is still queued
    last_error = gateway.end_user(user["id"])["last_error"]
    assert last_error["integration_code"] == "0x80040408"
    assert last_error["user_facing_message"]
    assert gateway.job(job_id)["status"] == "queued"


def test_write_whose_response_was_lost_is_never_reported_as_safe_to_retry(
        gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN a CustomerAdd, and a QuickBooks that executes it and then throws instead of answering
    user = gateway.create_end_user()
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_add", name=unique("Lost Answer")))["id"]
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    company.lose_next_response("0x80040402", "Unexpected error.")
    # WHEN a session runs, and then another
    for _ in range(2):
        connector(gateway_process, user, company).run_session()
    # THEN QuickBooks applied the write exactly once …
    assert [e.name for e in job_executions(company)] == ["CustomerAddRq"]
    # … and error recovery (oldMessageSetID) settled it from QuickBooks' stored answer: succeeded, never
    # reported as a failure that the SaaS might safely send again
    job = gateway.job(job_id)
    assert job["status"] == "succeeded", job
    assert "<CustomerAddRs" in job["response_qbxml"] and "<ListID>" in job["response_qbxml"]
