"""Deadlines and fail-fast end to end: the expiry sweeper, and ``fail_if_offline`` at enqueue.

One gateway for the module with a default job deadline of 2 s (the REST body accepts at least 10 s
per job, so the default is how a test gets a short one), the scheduled functions (expiry sweeper,
re-publisher) every second, a ``.qwc`` schedule of 1 s and an offline grace of 1 s (an end-user is
``offline`` 3 s after its last call) and a session idle limit of 0 s. Durations are printed (run with
``-s``), never asserted.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest

from chalicelib.catalog import CATALOG
from simulator import CompanyFile, SessionOutcome
from tests.e2e.support import ResultInbox, connector, job_qbxml, jobs_stored, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

DEFAULT_DEADLINE_SECONDS = 2
SCHEDULE_SECONDS = 1.0
SAFETY_SECONDS = 15
QUIET_SECONDS = DEFAULT_DEADLINE_SECONDS + 2 * SCHEDULE_SECONDS + 1
"""Long enough for a stored job to have expired and been published, had one been stored."""


@pytest.fixture(scope="module")
def process() -> Any:
    gateway = GatewayProcess.start(session_idle=0, schedule_seconds=SCHEDULE_SECONDS, extra_env={
        "QBDGW_DEFAULT_DEADLINE_SECONDS": str(DEFAULT_DEADLINE_SECONDS), "QBDGW_QWC_RUN_EVERY_SECONDS": "1",
        "QBDGW_OFFLINE_GRACE_SECONDS": "1"})
    yield gateway
    gateway.stop()


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def enqueue_fail_fast(api: Gateway, end_user_id: str) -> tuple[int, dict[str, Any], float]:
    """POST a job with ``fail_if_offline: true``; returns the status, the body and the seconds it took."""
    started = time.perf_counter()
    response = api.request("POST", f"/v1/end-users/{end_user_id}/jobs",
                           json_body={"qbxml": job_qbxml("customer_list_query"), "fail_if_offline": True})
    return response.status_code, dict(response.json()), time.perf_counter() - started


def bound_end_user(process: GatewayProcess, api: Gateway, name: str) -> tuple[dict[str, Any], CompanyFile]:
    user = api.create_end_user(name)
    company = CompanyFile(name, schema_dir=SCHEMA_DIR)
    first = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    assert connector(process, user, company).run_session().outcome is SessionOutcome.COMPLETED
    assert api.job(first["id"])["status"] == "succeeded"
    return user, company


def assert_refused(status: int, body: dict[str, Any], code: str) -> None:
    assert status == CATALOG[code].http_status == 503, body
    assert body["error"]["code"] == code
    assert body["error"]["type"] == "connection_error"
    assert body["error"]["user_facing_message"] == CATALOG[code].user_facing_message
    assert body["error"]["retryable"] is True


def test_sweeper_expires_an_overdue_job_and_publishes_it(process: GatewayProcess, api: Gateway,
                                                         results: ResultInbox) -> None:
    # GIVEN an end-user whose Web Connector never calls, a job with the default deadline and one with its own
    user = api.create_end_user(unique("Quarry Stone"))
    overdue = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    patient = api.enqueue(user["id"], job_qbxml("customer_list_query"), deadline_seconds=600)
    view, kept = api.job(overdue["id"]), api.job(patient["id"])
    assert seconds_between(view["enqueued_at"], view["deadline_at"]) == DEFAULT_DEADLINE_SECONDS
    assert seconds_between(kept["enqueued_at"], kept["deadline_at"]) == 600
    # WHEN its deadline passes and the scheduled sweeper runs
    expired = api.wait_job(overdue["id"], statuses=("expired",), timeout=SAFETY_SECONDS)
    # THEN the job is expired with job_deadline_passed, and that result is on the SQS results queue
    assert expired["status"] == "expired", expired
    assert expired["started_at"] is None
    spec = CATALOG["job_deadline_passed"]
    assert expired["error"]["code"] == spec.code
    assert expired["error"]["user_facing_message"] == spec.user_facing_message
    assert "QuickBooks never received it" in expired["error"]["message"]
    (message,) = results.wait_for([overdue["id"]], timeout=SAFETY_SECONDS)
    assert message["status"] == "expired"
    assert message["error"] == expired["error"]
    assert message["completed_at"] == expired["completed_at"]
    # AND the job with its own longer deadline is still queued
    assert api.job(patient["id"])["status"] == "queued"
    # WHEN the Web Connector finally calls / THEN QuickBooks gets only the job still in time
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    assert connector(process, user, company).run_session().outcome is SessionOutcome.COMPLETED
    assert [e.request_id for e in company.executions] == [patient["id"]]


def test_fail_if_offline_refuses_a_never_connected_end_user_and_stores_nothing(
        process: GatewayProcess, api: Gateway, results: ResultInbox) -> None:
    # GIVEN an end-user whose Web Connector never called
    user = api.create_end_user(unique("Lantern Books"))
    # WHEN the SaaS enqueues a job with fail_if_offline
    status, body, seconds = enqueue_fail_fast(api, user["id"])
    print(f"\n[fail_if_offline] never connected: HTTP {status} after {seconds * 1000:.0f} ms")
    # THEN it is refused at once with end_user_never_connected, and nothing was stored
    assert_refused(status, body, "end_user_never_connected")
    assert jobs_stored(process, user["id"]) == 0
    # AND no result ever appears for it (a stored job would have expired and been published by now)
    assert results.for_end_user(user["id"], 1, timeout=QUIET_SECONDS) == []
    # AND when the Web Connector first calls there is nothing to run
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    assert connector(process, user, company).run_session().outcome is SessionOutcome.NO_WORK
    assert company.executions == []


def test_fail_if_offline_refuses_an_offline_end_user(process: GatewayProcess, api: Gateway) -> None:
    # GIVEN a bound end-user whose machine stopped polling longer ago than its expected interval
    user, _company = bound_end_user(process, api, unique("Copper Kettle"))
    deadline = time.monotonic() + SAFETY_SECONDS
    while api.end_user(user["id"])["status"] != "offline" and time.monotonic() < deadline:
        time.sleep(0.25)
    stored = jobs_stored(process, user["id"])
    # WHEN the SaaS enqueues a job with fail_if_offline
    status, body, seconds = enqueue_fail_fast(api, user["id"])
    print(f"\n[fail_if_offline] offline: HTTP {status} after {seconds * 1000:.0f} ms")
    # THEN it is refused at once with web_connector_not_polling, naming the silence; nothing was stored
    assert_refused(status, body, "web_connector_not_polling")
    assert "expected every 1 s" in body["error"]["message"]
    assert jobs_stored(process, user["id"]) == stored
    # AND without fail_if_offline the same job is accepted to wait for the Web Connector
    waiting = api.enqueue(user["id"], job_qbxml("customer_list_query"))
    assert waiting["status"] == "queued"
    assert jobs_stored(process, user["id"]) == stored + 1


def test_fail_if_offline_accepts_a_connected_end_user(process: GatewayProcess, api: Gateway,
                                                      results: ResultInbox) -> None:
    # GIVEN a bound end-user whose Web Connector has just called
    user, company = bound_end_user(process, api, unique("Beacon Auto"))
    assert api.end_user(user["id"])["status"] == "connected"
    # WHEN the SaaS enqueues a job with fail_if_offline
    status, body, seconds = enqueue_fail_fast(api, user["id"])
    print(f"\n[fail_if_offline] connected: HTTP {status} after {seconds * 1000:.0f} ms")
    # THEN it is accepted (202, queued) and the next update runs it
    assert status == 202, body
    assert body["status"] == "queued"
    assert connector(process, user, company).run_session().outcome is SessionOutcome.COMPLETED
    (message,) = results.wait_for([body["id"]], timeout=SAFETY_SECONDS)
    assert message["status"] == "succeeded"
