"""``POST /v1/end-users/{id}/health-check`` end to end: a real CompanyQuery round trip, in every mode.

One gateway for the module with a ``.qwc`` schedule of 1 s and an offline grace of 1 s (an end-user is
``offline`` 3 s after its last call), a health-check budget of 4 s and a session idle limit of 3 s. The
simulated Web Connector polls in a thread where a mode needs it. Durations are printed (run with
``-s``), never asserted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chalicelib.catalog import CATALOG, spec_for_hresult
from simulator import CONDITIONS, CompanyFile, SessionOutcome, SessionResult, WebConnector
from tests.e2e.support import connector, job_qbxml, jobs_stored, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

POLL_SECONDS = 1
GRACE_SECONDS = 1
BUDGET_SECONDS = 4
SAFETY_SECONDS = 15


@pytest.fixture(scope="module")
def process() -> Any:
    gateway = GatewayProcess.start(session_idle=3, extra_env={
        "QBDGW_QWC_RUN_EVERY_SECONDS": str(POLL_SECONDS), "QBDGW_OFFLINE_GRACE_SECONDS": str(GRACE_SECONDS),
        "QBDGW_HEALTH_CHECK_BUDGET_SECONDS": str(BUDGET_SECONDS)})
    yield gateway
    gateway.stop()


def health_check(api: Gateway, end_user_id: str, mode: str) -> tuple[int, dict[str, Any]]:
    started = time.perf_counter()
    response = api.request("POST", f"/v1/end-users/{end_user_id}/health-check")
    elapsed = time.perf_counter() - started
    print(f"\n[health-check] {mode}: HTTP {response.status_code} after {elapsed * 1000:.0f} ms "
          f"(duration_ms={response.json().get('duration_ms')})")
    return response.status_code, dict(response.json())


def bound_end_user(process: GatewayProcess, api: Gateway, name: str) -> tuple[dict[str, Any], CompanyFile]:
    """An end-user whose first update ran a job (the gateway knows its company file); that update ends
    at the first NoOp, so the Web Connector has just called."""
    user = api.create_end_user(name)
    company = CompanyFile(name, schema_dir=SCHEMA_DIR)
    first = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    session = connector(process, user, company, max_noops=0).run_session()
    assert session.outcome is SessionOutcome.NOOP_LIMIT, session
    assert api.job(first["id"])["status"] == "succeeded"
    return user, company


@contextmanager
def polling(web_connector: WebConnector) -> Iterator[list[SessionResult]]:
    """The Web Connector runs on its schedule (Auto-Run every POLL_SECONDS) in a thread until the block ends."""
    sessions: list[SessionResult] = []
    thread = threading.Thread(target=web_connector.run_forever, args=(POLL_SECONDS, sessions.append), daemon=True)
    thread.start()
    try:
        yield sessions
    finally:
        web_connector.stop()
        thread.join(SAFETY_SECONDS)
        assert not thread.is_alive()


def company_queries(company: CompanyFile) -> list[str | None]:
    return [e.request_id for e in company.executions if e.name == "CompanyQueryRq"]


def assert_ok(status: int, body: dict[str, Any], company: CompanyFile) -> None:
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["company_name"] == company.name
    assert body["qbxml_version"] == "13.0"
    assert body["duration_ms"] > 0
    # AND it was a real round trip: QuickBooks executed the CompanyQuery the check enqueued
    assert company_queries(company) == [body["job_id"]]


def test_healthy_with_a_session_open(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN an end-user whose Web Connector is in an update, idling on NoOp after its last job
    user = api.create_end_user(unique("Summit Dental"))
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    job = api.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    web_connector = connector(process, user, company)
    outcome: list[SessionResult] = []
    thread = threading.Thread(target=lambda: outcome.append(web_connector.run_session()), daemon=True)
    thread.start()
    assert api.wait_job(job, timeout=SAFETY_SECONDS)["status"] == "succeeded"
    # WHEN the SaaS runs a health check
    status, body = health_check(api, user["id"], "session open (keep-alive NoOp loop)")
    web_connector.stop()
    thread.join(SAFETY_SECONDS)
    # THEN QuickBooks answered it, within that same update
    assert_ok(status, body, company)
    assert company.sessions_opened == 1
    assert outcome[0].requests_processed == 2


def test_healthy_with_the_web_connector_polling_on_its_schedule(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN an end-user whose Web Connector runs every POLL_SECONDS and has called at least once
    user = api.create_end_user(unique("Granite Freight"))
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    with polling(connector(process, user, company)) as sessions:
        deadline = time.monotonic() + SAFETY_SECONDS
        while not sessions and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sessions and sessions[0].outcome is SessionOutcome.NO_WORK
        # WHEN the SaaS runs a health check between two polls
        status, body = health_check(api, user["id"], f"Web Connector polling every {POLL_SECONDS} s")
    # THEN the next poll picked it up and QuickBooks answered it
    assert_ok(status, body, company)


def test_never_connected_answers_at_once_and_enqueues_nothing(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN an end-user whose Web Connector never called
    user = api.create_end_user(unique("Pine Clinic"))
    # WHEN the SaaS runs a health check
    status, body = health_check(api, user["id"], "never connected")
    # THEN it is refused with end_user_never_connected, and nothing was stored
    assert status == 503
    assert body["error"]["code"] == "end_user_never_connected"
    assert body["error"]["user_facing_message"] == CATALOG["end_user_never_connected"].user_facing_message
    assert jobs_stored(process, user["id"]) == 0
    # AND when the Web Connector first calls, there is nothing for QuickBooks to run
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    assert connector(process, user, company).run_session().outcome is SessionOutcome.NO_WORK
    assert company.executions == []


def test_offline_answers_at_once(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose machine stopped polling longer ago than its expected interval
    user, company = bound_end_user(process, api, unique("Harbor Marine"))
    deadline = time.monotonic() + SAFETY_SECONDS
    while api.end_user(user["id"])["status"] != "offline" and time.monotonic() < deadline:
        time.sleep(0.25)
    stored = jobs_stored(process, user["id"])
    # WHEN the SaaS runs a health check
    status, body = health_check(api, user["id"], "offline")
    # THEN it is refused with web_connector_not_polling, and no check was enqueued
    assert status == 503
    assert body["error"]["code"] == "web_connector_not_polling"
    assert body["error"]["user_facing_message"] == CATALOG["web_connector_not_polling"].user_facing_message
    assert jobs_stored(process, user["id"]) == stored
    assert company_queries(company) == []


def assert_reported_and_withdrawn(process: GatewayProcess, api: Gateway, user: dict[str, Any],
                                  company: CompanyFile, status: int, body: dict[str, Any], condition: str) -> None:
    hresult, message = CONDITIONS[condition].hresult, CONDITIONS[condition].message
    spec = spec_for_hresult(hresult, message)
    # THEN the check answers the connection error the Web Connector reported (never "ok"), with its HRESULT
    assert status == spec.http_status == 503, body
    assert body["error"]["code"] == spec.code
    assert body["error"]["integration_code"] == hresult
    assert body["error"]["user_facing_message"] == spec.user_facing_message
    # AND the Web Connector's calls alone leave the end-user degraded, not connected
    assert api.end_user(user["id"])["status"] == "degraded"
    # AND QuickBooks never ran the check, and it was withdrawn: an update that can open the file runs nothing
    assert company_queries(company) == []
    company.set_condition(None)
    assert connector(process, user, company).run_session().outcome is SessionOutcome.NO_WORK
    assert company_queries(company) == []


def test_dialog_open_answers_the_dialog_error(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose QuickBooks shows a dialog, while its Web Connector keeps polling
    user, company = bound_end_user(process, api, unique("Aspen Roofing"))
    company.set_condition("dialog_open")
    with polling(connector(process, user, company)) as sessions:
        # WHEN the SaaS runs a health check
        status, body = health_check(api, user["id"], "dialog open in QuickBooks")
    # THEN the Web Connector did poll, took the check and could not open QuickBooks
    assert SessionOutcome.CONNECTION_FAILED in {s.outcome for s in sessions}
    assert_reported_and_withdrawn(process, api, user, company, status, body, "dialog_open")


def test_wrong_company_file_answers_the_wrong_file_error(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose QuickBooks now has another company file open, the Web Connector polling
    user, company = bound_end_user(process, api, unique("Redwood Legal"))
    other = CompanyFile(unique("Other Books"), schema_dir=SCHEMA_DIR)
    with polling(connector(process, user, other)) as sessions:
        # WHEN the SaaS runs a health check
        status, body = health_check(api, user["id"], "another company file open")
    # THEN the Web Connector was asked for the bound file, which is not the open one
    assert SessionOutcome.CONNECTION_FAILED in {s.outcome for s in sessions}
    assert company.path in other.open_attempts
    assert company_queries(other) == []
    assert_reported_and_withdrawn(process, api, user, company, status, body, "wrong_company_file_open")


def test_no_answer_within_the_budget_times_out(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose Web Connector called a moment ago, but does not call again
    user, company = bound_end_user(process, api, unique("Spruce Logistics"))
    # WHEN the SaaS runs a health check
    status, body = health_check(api, user["id"], "Web Connector silent after its last call")
    # THEN after the budget it answers health_check_timeout: a recent heartbeat alone is not healthy
    assert status == 504, body
    assert body["error"]["code"] == "health_check_timeout"
    assert body["error"]["user_facing_message"] == CATALOG["health_check_timeout"].user_facing_message
    assert f"{BUDGET_SECONDS} s" in body["error"]["message"]
    # AND the check was withdrawn: the next update runs nothing
    assert connector(process, user, company).run_session().outcome is SessionOutcome.NO_WORK
    assert company_queries(company) == []


def test_wrong_web_connector_password_answers_at_once(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose Web Connector now polls with the wrong password (its calls still arrive)
    user, company = bound_end_user(process, api, unique("Willow Dental"))
    with polling(connector(process, user, company, password="not-the-password")) as sessions:
        # WHEN the SaaS runs a health check
        status, body = health_check(api, user["id"], "wrong Web Connector password")
    # THEN it answers bad_web_connector_password, never "ok", and the check is withdrawn
    assert SessionOutcome.INVALID_USER in {s.outcome for s in sessions}
    assert status == 503, body
    assert body["error"]["code"] == "bad_web_connector_password"
    assert body["error"]["user_facing_message"] == CATALOG["bad_web_connector_password"].user_facing_message
    assert api.end_user(user["id"])["status"] == "degraded"
    assert connector(process, user, company).run_session().outcome is SessionOutcome.NO_WORK
    assert company_queries(company) == []
