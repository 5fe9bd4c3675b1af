"""The SDK's end-user and raw-job calls, sync and async, against a scripted gateway.

The async client has the sync client's end-user and job calls (same names, arguments and answers): each is
checked to send the same request — method, path, query, body, Idempotency-Key — and to read the same
answer; ``create_end_user`` and ``enqueue_job`` are retried only with an idempotency key, the auth link and
the health check never, the reads always; the end-user listing walks every page; waiting for a job polls
until it is finished or the time is up. The scripted gateway, the clients over it and the fake clock are
:mod:`tests.unit.test_sdk_typed`'s, the calls on both clients :mod:`tests.unit.test_sdk_webhooks_and_feed`'s.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from qbd_gateway_sdk import (
    AsyncClient,
    AuthSessionCreated,
    Client,
    EndUserCreated,
    EndUserList,
    EndUserView,
    HealthCheckOk,
    JobAccepted,
    JobTimeoutError,
    JobView,
)

from tests.unit.test_sdk_typed import EU, Drop, FakeGateway, Reply, Seen, async_client, run, sync_client
from tests.unit.test_sdk_webhooks_and_feed import call_async, call_sync, on_both_clients

WHEN = "2026-12-04T01:00:00.000Z"
USER = {"id": EU, "company_name": "Acme", "source_id": "acct-17", "qbwc_username": EU, "status": "awaiting_setup",
        "company_file": None, "qbxml_version": None, "supported_qbxml_versions": [], "quickbooks_country": None,
        "quickbooks_product": None, "quickbooks_company_name": None, "last_heartbeat_at": None,
        "last_successful_sync_at": None, "last_error": None, "login_failures": 0, "locked_until": None,
        "poll_seconds": 20, "qwc_url": f"https://gw.example.com/v1/end-users/{EU}/qwc", "created_at": WHEN}
CREATED = {"id": EU, "company_name": "Acme", "source_id": "acct-17", "qbwc_username": EU,
           "qbwc_password": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG", "qwc_url": USER["qwc_url"], "created_at": WHEN}
ACCEPTED = {"id": "job_eu_1_1", "end_user_id": EU, "status": "queued", "enqueued_at": WHEN}
JOB = {"id": "job_eu_1_1", "end_user_id": EU, "status": "queued", "request_names": ["CustomerQueryRq"],
       "response_qbxml": None, "response_s3_uri": None, "error": None, "enqueued_at": WHEN, "started_at": None,
       "completed_at": None, "deadline_at": "2026-12-04T01:10:00.000Z", "attempts": 0}
QBXML = "<CustomerQueryRq><MaxReturned>10</MaxReturned></CustomerQueryRq>"


@dataclass(frozen=True)
class Case:
    """One call, the one request it must make (method, path, query, JSON body, Idempotency-Key), the gateway's
    answer, and what the call returns of it."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    request: tuple[str, str, dict[str, str], Any, str | None]
    reply: Reply
    check: Callable[[Any], bool]


CASES = {
    "create-end-user": Case(
        "create_end_user", ("Acme", "acct-17"), {"idempotency_key": "signup-17"},
        ("POST", "/v1/end-users", {}, {"company_name": "Acme", "source_id": "acct-17"}, "signup-17"),
        (201, CREATED, {}), lambda r: isinstance(r, EndUserCreated) and r.qbwc_password == CREATED["qbwc_password"]),
    "create-end-user-no-key": Case(
        "create_end_user", ("Acme",), {}, ("POST", "/v1/end-users", {}, {"company_name": "Acme"}, None),
        (201, {**CREATED, "source_id": None}, {}), lambda r: isinstance(r, EndUserCreated) and r.source_id is None),
    "get-end-user": Case(
        "get_end_user", (EU,), {}, ("GET", f"/v1/end-users/{EU}", {}, None, None), (200, USER, {}),
        lambda r: isinstance(r, EndUserView) and r.status == "awaiting_setup" and r.poll_seconds == 20),
    "list-end-users": Case(
        "list_end_users", (), {"limit": 2, "cursor": "eu_0"},
        ("GET", "/v1/end-users", {"limit": "2", "cursor": "eu_0"}, None, None),
        (200, {"end_users": [USER, {**USER, "id": "eu_2"}], "next_cursor": "eu_2"}, {}),
        lambda r: isinstance(r, EndUserList) and [u.id for u in r.end_users] == [EU, "eu_2"]
        and r.next_cursor == "eu_2"),
    "list-end-users-defaults": Case(
        "list_end_users", (), {}, ("GET", "/v1/end-users", {"limit": "50"}, None, None),
        (200, {"end_users": [], "next_cursor": None}, {}),
        lambda r: isinstance(r, EndUserList) and r.end_users == [] and r.next_cursor is None),
    "auth-session": Case(
        "create_auth_session", (EU,), {"link_expiry_minutes": 60},
        ("POST", "/v1/auth-sessions", {}, {"end_user_id": EU, "link_expiry_minutes": 60}, None),
        (201, {"id": "as_1", "end_user_id": EU, "auth_flow_url": "https://gw.example.com/connect/t",
               "expires_at": WHEN}, {}),
        lambda r: isinstance(r, AuthSessionCreated) and r.auth_flow_url.endswith("/connect/t")),
    "health-check": Case(
        "health_check", (EU,), {}, ("POST", f"/v1/end-users/{EU}/health-check", {}, None, None),
        (200, {"status": "ok", "duration_ms": 812, "company_name": "Acme", "qbxml_version": "13.0",
               "job_id": "job_eu_1_2"}, {}),
        lambda r: isinstance(r, HealthCheckOk) and r.qbxml_version == "13.0"),
    "enqueue": Case(
        "enqueue_job", (EU, QBXML, "sync-1042"), {"deadline_seconds": 120, "page_size": 500},
        ("POST", f"/v1/end-users/{EU}/jobs", {},
         {"qbxml": QBXML, "deadline_seconds": 120, "fail_if_offline": False, "paging": {"page_size": 500}},
         "sync-1042"),
        (202, ACCEPTED, {}), lambda r: isinstance(r, JobAccepted) and r.id == "job_eu_1_1"),
    "get-job": Case(
        "get_job", ("job_eu_1_1",), {}, ("GET", "/v1/jobs/job_eu_1_1", {}, None, None), (200, JOB, {}),
        lambda r: isinstance(r, JobView) and r.status == "queued" and not r.is_finished),
}
END_USER_AND_JOB_CALLS = ("create_end_user", "get_end_user", "list_end_users", "iter_end_users",
                          "create_auth_session", "health_check", "enqueue_job", "get_job", "wait_for_job")


def _request_of(seen: Seen) -> tuple[str, str, dict[str, str], Any, str | None]:
    return seen.method, seen.path, seen.params, seen.body, seen.headers.get("idempotency-key")


def test_the_async_client_has_every_end_user_and_job_call_of_the_sync_one_with_its_signature() -> None:
    for name in END_USER_AND_JOB_CALLS:
        sync_method, async_method = getattr(Client, name), getattr(AsyncClient, name)
        # THEN each is a coroutine function (the listing an async generator) with the sync one's arguments
        assert inspect.iscoroutinefunction(async_method) or inspect.isasyncgenfunction(async_method), name
        assert (inspect.signature(async_method).parameters == inspect.signature(sync_method).parameters), name


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_call_sends_its_request_and_reads_its_answer_sync_and_async(case: Case) -> None:
    # WHEN the call is made on the sync client and on the async one
    gateways, sync_result, async_result = on_both_clients(case.method, case.args, case.kwargs, case.reply)
    # THEN each sent exactly the expected request, with the API key, and read the same typed answer
    for gateway in gateways:
        assert [_request_of(s) for s in gateway.seen] == [case.request]
        assert gateway.seen[0].headers["authorization"] == "Bearer key_1"
    assert case.check(sync_result), sync_result
    assert async_result == sync_result


def _dropped_then(reply: Reply) -> Callable[[Seen], Reply]:
    calls = {"n": 0}

    def handler(seen: Seen) -> Reply:
        calls["n"] += 1
        if calls["n"] == 1:
            raise Drop()
        return reply

    return handler


@pytest.mark.parametrize(("method", "args", "reply"), [
    ("create_end_user", ("Acme",), (201, CREATED, {})),
    ("enqueue_job", (EU, QBXML), (202, ACCEPTED, {})),
    ("create_auth_session", (EU,), (201, {"id": "as_1", "end_user_id": EU, "auth_flow_url": "u", "expires_at": WHEN},
                                   {})),
    ("health_check", (EU,), (200, {"status": "ok", "duration_ms": 1, "company_name": "A", "qbxml_version": "13.0",
                                   "job_id": "j"}, {})),
])
def test_a_write_without_a_key_and_the_never_retried_calls_are_sent_once_on_a_broken_connection(
        method: str, args: tuple[Any, ...], reply: Reply) -> None:
    for call in (call_sync, call_async):
        gateway = FakeGateway(_dropped_then(reply))
        with pytest.raises(Exception) as failed:
            call(gateway, method, *args)
        assert getattr(failed.value, "code", None) == "network_error"
        assert len(gateway.seen) == 1, (call.__name__, method)


@pytest.mark.parametrize(("method", "args", "kwargs", "reply"), [
    ("create_end_user", ("Acme",), {"idempotency_key": "signup-17"}, (201, CREATED, {})),
    ("enqueue_job", (EU, QBXML, "sync-1042"), {}, (202, ACCEPTED, {})),
    ("get_end_user", (EU,), {}, (200, USER, {})),
    ("list_end_users", (), {}, (200, {"end_users": [USER], "next_cursor": None}, {})),
    ("get_job", ("job_eu_1_1",), {}, (200, JOB, {})),
])
def test_a_write_with_a_key_and_every_read_are_retried_after_a_broken_connection(
        method: str, args: tuple[Any, ...], kwargs: dict[str, Any], reply: Reply) -> None:
    results = []
    for call in (call_sync, call_async):
        gateway = FakeGateway(_dropped_then(reply))
        results.append(call(gateway, method, *args, **kwargs))
        # THEN the same request went twice (the same key each time), and the second answer is the result
        assert len(gateway.seen) == 2 and _request_of(gateway.seen[0]) == _request_of(gateway.seen[1])
    assert results[0] == results[1]


def test_iterating_the_end_users_follows_next_cursor_to_the_last_page_sync_and_async() -> None:
    pages = {None: ([EU, "eu_2"], "eu_2"), "eu_2": (["eu_3", "eu_4"], "eu_4"), "eu_4": ([], None)}

    def handler(seen: Seen) -> Reply:
        ids, cursor = pages[seen.params.get("cursor")]
        assert seen.params["limit"] == "2"
        return 200, {"end_users": [{**USER, "id": i} for i in ids], "next_cursor": cursor}, {}

    sync_gateway, async_gateway = FakeGateway(handler), FakeGateway(handler)
    walked = [user.id for user in sync_client(sync_gateway).iter_end_users(page_size=2)]

    async def scenario() -> list[str]:
        async with async_client(async_gateway) as client:
            return [user.id async for user in client.iter_end_users(page_size=2)]

    # THEN every end-user comes once, in order, and the walk stops at the page without a cursor
    assert walked == run(scenario()) == [EU, "eu_2", "eu_3", "eu_4"]
    assert [s.params.get("cursor") for s in sync_gateway.seen] == [None, "eu_2", "eu_4"]
    assert [s.params.get("cursor") for s in async_gateway.seen] == [None, "eu_2", "eu_4"]


def test_waiting_for_a_job_polls_until_it_is_finished_or_the_time_is_up_sync_and_async() -> None:
    states = iter(["queued", "in_flight", "succeeded"])

    def finishing(seen: Seen) -> Reply:
        return 200, {**JOB, "status": next(states)}, {}

    def never(seen: Seen) -> Reply:
        return 200, JOB, {}

    done = call_sync(FakeGateway(finishing), "wait_for_job", "job_eu_1_1", 10.0, poll_interval=0.5)
    assert done.status == "succeeded"
    states = iter(["queued", "in_flight", "succeeded"])
    async_gateway = FakeGateway(finishing)
    assert call_async(async_gateway, "wait_for_job", "job_eu_1_1", 10.0, poll_interval=0.5).status == "succeeded"
    assert len(async_gateway.seen) == 3 and async_gateway.clock.sleeps == [0.5, 0.5]
    for call in (call_sync, call_async):
        gateway = FakeGateway(never)
        with pytest.raises(JobTimeoutError) as late:
            call(gateway, "wait_for_job", "job_eu_1_1", 2.0, poll_interval=0.5)
        assert late.value.job_id == "job_eu_1_1" and sum(gateway.clock.sleeps) == pytest.approx(2.0)
