"""Every field failure, end to end: where the user-facing message goes and what happens to the jobs.

One gateway for the module (``make run``'s local stack in a subprocess) with a session idle limit of
0 s, so an update ends as soon as its queue is empty, a ``.qwc`` schedule of 2 s and an offline grace
of 1 s (an end-user is ``offline`` 5 s after its last call). The simulated Web Connector and company
file play the customer's machine over real SOAP; results are read off the emulator's SQS queue.

Where the texts go when QuickBooks cannot be opened: the Web Connector calls ``connectionError``; the
gateway answers ``done`` (or, once, the bound company file's path) and QBWC ends the update *without*
``getLastError`` / ``closeConnection`` (PROTOCOL.md §3.6: whether it calls them is not stated), so the
simulator does not call them either. The tests then make those two calls with the session's ticket,
as a Web Connector that does call them would, to prove what the gateway would show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.catalog import RETRY_WITH_COMPANY_FILE, normalise_hresult, spec_for_hresult, spec_for_status
from chalicelib.errors import ErrorSpec
from simulator import CONDITIONS, CompanyFile, Condition, SessionOutcome, SessionResult
from simulator.soap import SoapClient, result_string
from tests.e2e.support import ResultInbox, connector, job_qbxml, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

POLL_SECONDS = 2
GRACE_SECONDS = 1
OPEN_STAGE = [
    "dialog_open", "wrong_company_file_open", "multiple_company_files_open", "quickbooks_not_running",
    "quickbooks_starting", "permission_denied", "same_user_signed_in_elsewhere", "single_user_conflict",
    "other_version_installed",
]


@pytest.fixture(scope="module")
def process() -> Any:
    gateway = GatewayProcess.start(session_idle=0, extra_env={
        "QBDGW_QWC_RUN_EVERY_SECONDS": str(POLL_SECONDS), "QBDGW_OFFLINE_GRACE_SECONDS": str(GRACE_SECONDS)})
    yield gateway
    gateway.stop()


def bound_end_user(process: GatewayProcess, api: Gateway, name: str) -> tuple[dict[str, Any], CompanyFile]:
    """An end-user whose first update ran a job, so the gateway knows (is bound to) its company file."""
    user = api.create_end_user(name)
    company = CompanyFile(name, schema_dir=SCHEMA_DIR)
    first = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    session = connector(process, user, company).run_session()
    assert session.outcome is SessionOutcome.COMPLETED, session
    assert api.job(first["id"])["status"] == "succeeded"
    assert api.end_user(user["id"])["company_file"] == company.path
    return user, company


def web_connector_texts(process: GatewayProcess, ticket: str) -> tuple[str, str]:
    """What ``getLastError`` and then ``closeConnection`` answer for ``ticket`` (real SOAP)."""
    client = SoapClient(f"{process.base_url}/qbwc")
    last = result_string(client.call("getLastError", (("ticket", ticket),)), "getLastError")
    close = result_string(client.call("closeConnection", (("ticket", ticket),)), "closeConnection")
    return last, close


# Open stage: QuickBooks cannot be opened --------------------------------------------------------------
@dataclass(frozen=True)
class OpenFailure:
    condition: Condition
    spec: ErrorSpec
    company: CompanyFile
    job_id: str
    session: SessionResult
    texts: tuple[str, str]
    user_after: dict[str, Any]
    job_after: dict[str, Any]
    recovery: SessionResult
    user_recovered: dict[str, Any]
    job_recovered: dict[str, Any]


@pytest.fixture(scope="module", params=OPEN_STAGE)
def open_failure(request: pytest.FixtureRequest, process: GatewayProcess, api: Gateway) -> OpenFailure:
    """GIVEN a bound end-user with a job queued, WHEN QuickBooks is held in the condition and an update
    runs, and THEN, once the condition is cleared, another update runs."""
    condition = CONDITIONS[request.param]
    assert condition.stage == "open"
    user, company = bound_end_user(process, api, unique("Cedar Works"))
    job = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    company.set_condition(condition.name)
    session = connector(process, user, company).run_session()
    assert session.ticket
    texts = web_connector_texts(process, session.ticket)
    user_after, job_after = api.end_user(user["id"]), api.job(job["id"])
    company.set_condition(None)
    recovery = connector(process, user, company).run_session()
    return OpenFailure(condition, spec_for_hresult(condition.hresult, condition.message), company, job["id"],
                       session, texts, user_after, job_after, recovery, api.end_user(user["id"]),
                       api.job(job["id"]))


def test_open_failure_ends_the_update_with_the_user_facing_text(open_failure: OpenFailure) -> None:
    # THEN the update ended at connectionError (QBWC1013), nothing was sent to QuickBooks
    session = open_failure.session
    assert session.outcome is SessionOutcome.CONNECTION_FAILED, session
    assert session.error_code == "QBWC1013"
    assert "sendRequestXML" not in session.methods
    assert open_failure.condition.hresult in (session.error or "")
    # AND getLastError and closeConnection for that ticket answer the catalog's short user-facing text
    last, close = open_failure.texts
    assert last == open_failure.spec.user_facing_message
    assert close == open_failure.spec.user_facing_message


def test_open_failure_is_recorded_on_the_end_user_as_degraded(open_failure: OpenFailure) -> None:
    # THEN GET /v1/end-users/{id} shows the mapped error with the native HRESULT, and status degraded
    user, spec = open_failure.user_after, open_failure.spec
    assert user["status"] == "degraded"
    assert user["last_error"]["code"] == spec.code
    assert user["last_error"]["integration_code"] == normalise_hresult(open_failure.condition.hresult)
    assert user["last_error"]["user_facing_message"] == spec.user_facing_message
    assert user["last_error"]["occurred_at"] > user["last_successful_sync_at"]


def test_open_failure_leaves_the_job_queued(open_failure: OpenFailure) -> None:
    # THEN connection errors never fail a job: it is still queued, never started, without an error
    job = open_failure.job_after
    assert job["status"] == "queued"
    assert job["started_at"] is None
    assert job["error"] is None


def test_connection_error_is_retried_once_and_only_where_the_bound_file_can_help(open_failure: OpenFailure) -> None:
    # THEN connectionError was called at most twice; a second try happened only for the HRESULTs where
    # opening the bound company file can help, and it asked for exactly that file
    calls = open_failure.session.calls_to("connectionError")
    answers = [call.result for call in calls]
    path = open_failure.company.path
    if normalise_hresult(open_failure.condition.hresult) in RETRY_WITH_COMPANY_FILE:
        assert answers == [path, "done"]
        assert open_failure.company.open_attempts[-3:-1] == (path, path)
    else:
        assert answers == ["done"]


def test_clearing_the_condition_runs_the_job_and_reconnects(open_failure: OpenFailure) -> None:
    # WHEN the condition is cleared and the next update runs / THEN the queued job succeeds there
    assert open_failure.recovery.outcome is SessionOutcome.COMPLETED, open_failure.recovery
    assert open_failure.job_recovered["status"] == "succeeded"
    assert open_failure.company.executions[-1].request_id == open_failure.job_id
    # AND the end-user is connected again
    assert open_failure.user_recovered["status"] == "connected"
    assert open_failure.user_recovered["last_successful_sync_at"] > open_failure.user_after["last_successful_sync_at"]


# Request stage and statusCode rejections: a poison job fails alone -----------------------------------
def assert_failed_with(message: dict[str, Any], job: dict[str, Any], spec: ErrorSpec, integration_code: str) -> None:
    assert message["status"] == "failed", message
    assert message["error"]["code"] == spec.code
    assert message["error"]["integration_code"] == integration_code
    assert message["error"]["user_facing_message"] == spec.user_facing_message
    assert job["status"] == "failed"
    assert job["error"] == message["error"]


def test_request_quickbooks_cannot_parse_fails_alone(process: GatewayProcess, api: Gateway,
                                                     results: ResultInbox) -> None:
    # GIVEN a bound end-user with a job QuickBooks will refuse to parse, then an ordinary job
    condition = CONDITIONS["unparsable_request"]
    spec = spec_for_hresult(condition.hresult, condition.message)
    user, company = bound_end_user(process, api, unique("Birch Supply"))
    poison = api.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    after = api.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    company.fail_next(condition.name)
    # WHEN an update runs
    session = connector(process, user, company).run_session()
    # THEN QuickBooks threw on the first job and the Web Connector shows the short user-facing text
    assert session.outcome is SessionOutcome.SERVER_ERROR, session
    assert session.hresult_errors == 1
    assert session.status_texts == (spec.user_facing_message, spec.user_facing_message)
    # AND the job's result on SQS and over REST carries the mapped error with the native HRESULT
    (message,) = results.wait_for([poison])
    assert_failed_with(message, api.job(poison), spec, normalise_hresult(condition.hresult) or "")
    # AND the end-user shows it; the next job is still queued, not failed with it
    user_view = api.end_user(user["id"])
    assert user_view["last_error"]["code"] == spec.code
    assert user_view["status"] == "degraded"
    assert api.job(after)["status"] == "queued"
    # WHEN the next update runs / THEN the next job runs and succeeds
    assert connector(process, user, company).run_session().outcome is SessionOutcome.COMPLETED
    (next_message,) = results.wait_for([after])
    assert next_message["status"] == "succeeded"
    assert api.end_user(user["id"])["status"] == "connected"


def test_invoice_for_an_unknown_customer_fails_alone_and_the_next_job_runs(
        process: GatewayProcess, api: Gateway, results: ResultInbox) -> None:
    # GIVEN a bound end-user with an InvoiceAdd for a customer QuickBooks does not have, then a CustomerAdd
    spec = spec_for_status(3140)
    user, company = bound_end_user(process, api, unique("Maple Tools"))
    poison = api.enqueue(user["id"], job_qbxml("invoice_add", customer=unique("Nobody"), ref="INV-404"))["id"]
    after = api.enqueue(user["id"], job_qbxml("customer_add", name=unique("Willow Farms")))["id"]
    # WHEN one update runs
    session = connector(process, user, company).run_session()
    # THEN QuickBooks answered the invoice with statusCode 3140, and the same update went on to the next job
    assert session.outcome is SessionOutcome.COMPLETED, session
    assert [(e.request_id, e.status_code) for e in company.executions[-2:]] == [(poison, 3140), (after, 0)]
    poison_message, next_message = results.wait_for([poison, after])
    assert_failed_with(poison_message, api.job(poison), spec, "3140")
    assert 'statusCode="3140"' in poison_message["response_qbxml"]
    assert next_message["status"] == "succeeded"
    # AND the Web Connector's closing text counts the failure; the end-user shows the error
    assert "2 request(s) sent to QuickBooks" in (session.close_message or "")  # outcomes go to the SaaS
    assert api.end_user(user["id"])["last_error"]["code"] == spec.code


def test_a_request_quickbooks_refuses_is_the_job_s_error_not_a_degraded_connection(
        process: GatewayProcess, api: Gateway, results: ResultInbox) -> None:
    # GIVEN a bound end-user whose last job is one QuickBooks refuses (an invoice for a customer it does not have)
    spec = spec_for_status(3140)
    user, company = bound_end_user(process, api, unique("Aspen Glass"))
    poison = api.enqueue(user["id"], job_qbxml("invoice_add", customer=unique("Nobody"), ref="INV-405"))["id"]
    # WHEN an update runs it
    assert connector(process, user, company).run_session().outcome is SessionOutcome.COMPLETED
    (message,) = results.wait_for([poison])
    assert_failed_with(message, api.job(poison), spec, "3140")
    # THEN the end-user shows the error as its last one, but QuickBooks answered: the connection is connected
    view = api.end_user(user["id"])
    assert view["last_error"]["code"] == spec.code
    assert view["status"] == "connected"


def test_wrong_web_connector_password(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user with a job queued
    user, company = bound_end_user(process, api, unique("Oak Partners"))
    job = api.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    # WHEN the Web Connector sends the wrong password, once and then on its next two runs
    mistyped = connector(process, user, company, password="not-the-password")
    session = mistyped.run_session()
    # THEN the update is refused (nvu); one refusal changes nothing the SaaS sees (anyone may send one)
    assert session.outcome is SessionOutcome.INVALID_USER
    assert api.end_user(user["id"])["last_error"] is None
    for _ in range(2):
        assert mistyped.run_session().outcome is SessionOutcome.INVALID_USER
    # AND three in a row are the Web Connector failing: the end-user shows bad_web_connector_password; the job waits
    view = api.end_user(user["id"])
    assert view["last_error"]["code"] == "bad_web_connector_password"
    assert view["status"] == "degraded"
    assert api.job(job)["status"] == "queued"


def test_machine_that_stops_polling_goes_offline(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound, connected end-user
    user, company = bound_end_user(process, api, unique("Elm Electric"))
    before = api.end_user(user["id"])
    assert before["status"] == "connected"
    # WHEN its machine stops polling
    web_connector = connector(process, user, company)
    web_connector.pause()
    assert web_connector.run_session().outcome is SessionOutcome.PAUSED
    deadline = time.monotonic() + 2 * POLL_SECONDS + GRACE_SECONDS + 10  # safety bound only
    view = api.end_user(user["id"])
    while view["status"] != "offline" and time.monotonic() < deadline:
        time.sleep(0.25)
        view = api.end_user(user["id"])
    # THEN past twice its schedule plus the grace it is offline, its last heartbeat unchanged
    assert view["status"] == "offline"
    assert view["last_heartbeat_at"] == before["last_heartbeat_at"]
    # WHEN it polls again / THEN it is connected again
    web_connector.resume()
    assert web_connector.run_session().outcome is SessionOutcome.NO_WORK
    assert api.end_user(user["id"])["status"] == "connected"
