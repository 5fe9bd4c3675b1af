"""The SDK's webhook and change-feed calls, sync and async, against a scripted gateway.

The async client has the sync client's calls (same names, arguments and answers): each is checked to send
the same request as the sync one — method, path, query, body — and to read the same answer; the creates
(and a secret's rotation) are sent once, the reads, deletes, replays and updates retried; an error is
raised as its typed error with what the envelope said. The scripted gateway, the clients over it and the
fake clock are :mod:`tests.unit.test_sdk_typed`'s.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import qbd_gateway_sdk
from qbd_gateway_sdk import (
    AsyncClient,
    AuthenticationError,
    ChangeEvent,
    Client,
    CreateFeedSubscription,
    FeedSubscriptionView,
    FeedTypeList,
    FeedTypeView,
    InvalidRequestError,
    NotFoundError,
    QbdGatewayError,
    UpdateFeedSubscription,
    WebhookDeliveryList,
    WebhookDeliveryView,
    WebhookEndpointView,
)
from qbd_gateway_sdk import models as sdk_models

from tests.unit.test_sdk_typed import EU, Drop, FakeGateway, Reply, Seen, async_client, envelope, run, sync_client

HOOK = "https://hooks.example.com/qbd"
ENDPOINT = {"id": "wh_1", "url": HOOK, "end_user_id": EU, "kinds": ["change"], "description": "feed",
            "created_at": "2026-12-01T10:00:00.000Z", "previous_secret_expires_at": None}
DELIVERY = {"id": "dlv_1", "endpoint_id": "wh_1", "message_key": "job_1", "kind": "result", "end_user_id": EU,
            "status": "dead", "attempts": 8, "created_at": "2026-12-01T10:00:00.000Z", "next_attempt_at": None,
            "last_attempt_at": "2026-12-02T10:00:00.000Z", "last_status_code": 500, "last_error": "HTTP 500",
            "last_duration_ms": 12.5, "delivered_at": None}
SUBSCRIPTION = {"id": "fs_1", "end_user_id": EU, "object_types": ["customers", "invoices"], "interval_seconds": 900,
                "start": "full", "created_at": "2026-12-01T10:00:00.000Z", "next_run_at": "2026-12-01T10:15:00.000Z",
                "catch_ups": 0, "jobs": [], "last_run_at": None, "last_error": None,
                "watermarks": {"customers": None, "invoices": None, "deleted:list": None, "deleted:txn": None}}
FEED_TYPES = {"feed_types": [
    {"name": "customers", "object": "Customer", "family": "list", "query": "CustomerQueryRq"},
    {"name": "invoices", "object": "Invoice", "family": "txn", "query": "InvoiceQueryRq"}]}
SUBS = f"/v1/end-users/{EU}/feed-subscriptions"


@dataclass(frozen=True)
class Case:
    """One call, the one request it must make, the gateway's answer, and what the call returns of it."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    request: tuple[str, str, dict[str, str], Any]  # method, path, query, JSON body
    reply: Reply
    check: Callable[[Any], bool]


CASES = {
    "create-endpoint": Case(
        "create_webhook_endpoint", (HOOK,), {"end_user_id": EU, "kinds": ("change",), "description": "feed"},
        ("POST", "/v1/webhook-endpoints", {}, {"url": HOOK, "end_user_id": EU, "kinds": ["change"],
                                               "description": "feed"}),
        (201, {**ENDPOINT, "secret": "whsec_1"}, {}),
        lambda r: isinstance(r, WebhookEndpointView) and r.secret == "whsec_1" and r.kinds == ["change"]),
    "create-endpoint-defaults": Case(
        "create_webhook_endpoint", (HOOK,), {},
        ("POST", "/v1/webhook-endpoints", {}, {"url": HOOK, "kinds": ["result", "change"], "description": ""}),
        (201, {**ENDPOINT, "end_user_id": None, "kinds": ["result", "change"], "secret": "whsec_2"}, {}),
        lambda r: isinstance(r, WebhookEndpointView) and r.end_user_id is None and r.secret == "whsec_2"),
    "list-endpoints": Case(
        "list_webhook_endpoints", (), {}, ("GET", "/v1/webhook-endpoints", {}, None),
        (200, {"endpoints": [ENDPOINT, {**ENDPOINT, "id": "wh_2"}]}, {}),
        lambda r: [type(e) for e in r] == [WebhookEndpointView] * 2 and [e.id for e in r] == ["wh_1", "wh_2"]),
    "get-endpoint": Case(
        "get_webhook_endpoint", ("wh_1",), {}, ("GET", "/v1/webhook-endpoints/wh_1", {}, None), (200, ENDPOINT, {}),
        lambda r: isinstance(r, WebhookEndpointView) and r.id == "wh_1" and r.secret is None),
    "delete-endpoint": Case(
        "delete_webhook_endpoint", ("wh_1",), {}, ("DELETE", "/v1/webhook-endpoints/wh_1", {}, None),
        (204, None, {}), lambda r: r is None),
    "rotate-secret": Case(
        "rotate_webhook_secret", ("wh_1",), {}, ("POST", "/v1/webhook-endpoints/wh_1/rotate-secret", {}, None),
        (200, {**ENDPOINT, "secret": "whsec_3", "previous_secret_expires_at": "2026-12-02T10:00:00.000Z"}, {}),
        lambda r: r.secret == "whsec_3" and r.previous_secret_expires_at == "2026-12-02T10:00:00.000Z"),
    "deliveries": Case(
        "webhook_deliveries", ("wh_1",), {"limit": 2, "before": "2026-12-01T10:00:00.000Z#dlv_9"},
        ("GET", "/v1/webhook-endpoints/wh_1/deliveries", {"limit": "2", "before": "2026-12-01T10:00:00.000Z#dlv_9"},
         None),
        (200, {"deliveries": [DELIVERY], "next_before": "2026-12-01T09:00:00.000Z#dlv_1"}, {}),
        lambda r: isinstance(r, WebhookDeliveryList) and r.next_before == "2026-12-01T09:00:00.000Z#dlv_1"
        and [(d.id, d.status, d.last_duration_ms) for d in r.deliveries] == [("dlv_1", "dead", 12.5)]),
    "deliveries-defaults": Case(
        "webhook_deliveries", ("wh_1",), {}, ("GET", "/v1/webhook-endpoints/wh_1/deliveries", {"limit": "50"}, None),
        (200, {"deliveries": []}, {}),
        lambda r: isinstance(r, WebhookDeliveryList) and r.deliveries == [] and r.next_before is None),
    "replay": Case(
        "replay_webhook_delivery", ("dlv_1",), {}, ("POST", "/v1/webhook-deliveries/dlv_1/replay", {}, None),
        (200, {**DELIVERY, "status": "pending", "attempts": 0}, {}),
        lambda r: isinstance(r, WebhookDeliveryView) and r.status == "pending" and r.attempts == 0),
    "feed-types": Case(
        "list_feed_types", (), {}, ("GET", "/v1/feed-types", {}, None), (200, FEED_TYPES, {}),
        lambda r: [type(t) for t in r] == [FeedTypeView] * 2
        and [(t.name, t.object, t.family, t.query) for t in r] == [
            ("customers", "Customer", "list", "CustomerQueryRq"), ("invoices", "Invoice", "txn", "InvoiceQueryRq")]),
    "create-subscription": Case(
        "create_feed_subscription", (EU, ["customers", "invoices"]), {"interval_seconds": 900, "start": "full"},
        ("POST", SUBS, {}, {"object_types": ["customers", "invoices"], "interval_seconds": 900, "start": "full"}),
        (201, SUBSCRIPTION, {}),
        lambda r: isinstance(r, FeedSubscriptionView) and r.id == "fs_1" and r.watermarks["deleted:txn"] is None),
    "create-subscription-defaults": Case(
        "create_feed_subscription", (EU, ["customers"]), {},
        ("POST", SUBS, {}, {"object_types": ["customers"], "interval_seconds": 3600, "start": "now"}),
        (201, {**SUBSCRIPTION, "object_types": ["customers"], "interval_seconds": 3600, "start": "now"}, {}),
        lambda r: isinstance(r, FeedSubscriptionView) and r.object_types == ["customers"] and r.start == "now"),
    "list-subscriptions": Case(
        "list_feed_subscriptions", (EU,), {}, ("GET", SUBS, {}, None), (200, {"subscriptions": [SUBSCRIPTION]}, {}),
        lambda r: [type(s) for s in r] == [FeedSubscriptionView] and r[0].interval_seconds == 900),
    "get-subscription": Case(
        "get_feed_subscription", (EU, "fs_1"), {}, ("GET", f"{SUBS}/fs_1", {}, None),
        (200, {**SUBSCRIPTION, "catch_ups": 4, "last_run_at": "2026-12-01T11:00:00.000Z"}, {}),
        lambda r: isinstance(r, FeedSubscriptionView) and r.catch_ups == 4 and r.last_run_at is not None),
    "update-subscription": Case(
        "update_feed_subscription", (EU, "fs_1"), {"interval_seconds": 600},
        ("POST", f"{SUBS}/fs_1", {}, {"interval_seconds": 600}), (200, {**SUBSCRIPTION, "interval_seconds": 600}, {}),
        lambda r: isinstance(r, FeedSubscriptionView) and r.interval_seconds == 600),
    "update-subscription-types": Case(
        "update_feed_subscription", (EU, "fs_1"), {"object_types": ["items"]},
        ("POST", f"{SUBS}/fs_1", {}, {"object_types": ["items"]}),
        (200, {**SUBSCRIPTION, "object_types": ["items"]}, {}),
        lambda r: r.object_types == ["items"]),
    "delete-subscription": Case(
        "delete_feed_subscription", (EU, "fs_1"), {}, ("DELETE", f"{SUBS}/fs_1", {}, None), (204, None, {}),
        lambda r: r is None),
}
WEBHOOK_AND_FEED_CALLS = sorted({case.method for case in CASES.values()})
NEVER_RETRIED = {"create_webhook_endpoint", "rotate_webhook_secret", "create_feed_subscription"}


def call_sync(gateway: FakeGateway, method: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(sync_client(gateway), method)(*args, **kwargs)


def call_async(gateway: FakeGateway, method: str, *args: Any, **options: Any) -> Any:
    """Run one call of a fresh async client over ``gateway`` (``options``: the call's keyword arguments, and
    the client's under ``client=``)."""
    client_options = options.pop("client", {})

    async def scenario() -> Any:
        async with async_client(gateway, **client_options) as client:
            return await getattr(client, method)(*args, **options)

    return run(scenario())


def on_both_clients(method: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                    reply: Reply) -> tuple[tuple[FakeGateway, FakeGateway], Any, Any]:
    """One call made on a sync client and on an async one, each over a gateway answering ``reply``: the two
    gateways (what each saw) and the two results."""
    gateways = FakeGateway(lambda seen: reply), FakeGateway(lambda seen: reply)
    return (gateways, call_sync(gateways[0], method, *args, **kwargs),
            call_async(gateways[1], method, *args, **kwargs))


def _request_of(seen: Seen) -> tuple[str, str, dict[str, str], Any]:
    return seen.method, seen.path, seen.params, seen.body


# Same calls on both clients --------------------------------------------------------------------------------


def test_the_async_client_has_every_webhook_and_feed_call_of_the_sync_one_with_its_signature() -> None:
    # GIVEN the sync client's public webhook and change-feed calls (and list_feed_types, now on both)
    sync_calls = {name for name, _ in inspect.getmembers(Client, inspect.isfunction)
                  if "webhook" in name or "feed" in name} - {"_feed_path"}
    assert sync_calls == set(WEBHOOK_AND_FEED_CALLS)
    for name in WEBHOOK_AND_FEED_CALLS:
        # THEN the async client has each, a coroutine function, with the same arguments and return type
        sync_method, async_method = getattr(Client, name), getattr(AsyncClient, name)
        assert inspect.iscoroutinefunction(async_method), name
        assert inspect.signature(async_method) == inspect.signature(sync_method), name


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_call_sends_its_request_and_reads_its_answer_sync_and_async(case: Case) -> None:
    # WHEN the call is made on the sync client and on the async one
    gateways, sync_result, async_result = on_both_clients(case.method, case.args, case.kwargs, case.reply)
    # THEN each sent exactly the expected request, with the API key
    for gateway in gateways:
        assert [_request_of(s) for s in gateway.seen] == [case.request]
        assert gateway.seen[0].headers["authorization"] == "Bearer key_1"
        assert "idempotency-key" not in gateway.seen[0].headers and gateway.clock.sleeps == []
    # AND each read the answer as the same typed value
    assert case.check(sync_result), sync_result
    assert case.check(async_result), async_result
    assert async_result == sync_result


def test_a_body_the_gateway_would_refuse_is_refused_before_anything_is_sent() -> None:
    gateway = FakeGateway(lambda seen: (201, SUBSCRIPTION, {}))
    # WHEN a subscription is asked with no type, or too short an interval  THEN pydantic refuses it, nothing sent
    with pytest.raises(ValueError, match="object_types"):
        call_async(gateway, "create_feed_subscription", EU, [])
    with pytest.raises(ValueError, match="interval_seconds"):
        call_async(gateway, "update_feed_subscription", EU, "fs_1", interval_seconds=60)
    assert gateway.seen == []


# Retries ---------------------------------------------------------------------------------------------------


def _drop_first(reply: Reply) -> Callable[[Seen], Reply]:
    calls: list[Seen] = []

    def handler(seen: Seen) -> Reply:
        calls.append(seen)
        if len(calls) == 1:
            raise Drop
        return reply

    return handler


@pytest.mark.parametrize("case", [c for c in CASES.values() if c.method in NEVER_RETRIED],
                         ids=[k for k, c in CASES.items() if c.method in NEVER_RETRIED])
def test_a_create_or_a_rotation_is_sent_once_on_a_broken_connection_or_a_5xx(case: Case) -> None:
    # WHEN the connection breaks under a create (or a rotation)
    gateway = FakeGateway(_drop_first(case.reply))
    with pytest.raises(QbdGatewayError) as broken:
        call_async(gateway, case.method, *case.args, **case.kwargs)
    # THEN it is raised at once (the endpoint, secret or subscription may have been made): one request, no pause
    assert broken.value.code == "network_error" and broken.value.retryable
    assert [_request_of(s) for s in gateway.seen] == [case.request] and gateway.clock.sleeps == []
    # AND a proxy's 502 or the gateway's own 500 is raised the same way, after one request
    for failure in [(502, "Bad Gateway", {}), envelope(500, "internal_error", "internal_error", job=None)]:
        gateway = FakeGateway(lambda seen, answer=failure: answer)
        with pytest.raises(QbdGatewayError) as failed:
            call_async(gateway, case.method, *case.args, **case.kwargs)
        assert failed.value.http_status == failure[0] and len(gateway.seen) == 1 and gateway.clock.sleeps == []


@pytest.mark.parametrize("case", [c for c in CASES.values() if c.method not in NEVER_RETRIED],
                         ids=[k for k, c in CASES.items() if c.method not in NEVER_RETRIED])
def test_a_read_delete_replay_or_update_is_retried_after_a_broken_connection(case: Case) -> None:
    # WHEN the first attempt gets no answer
    gateway = FakeGateway(_drop_first(case.reply))
    result = call_async(gateway, case.method, *case.args, **case.kwargs)
    # THEN the same request is sent again after one back-off, and its answer is the call's
    assert [_request_of(s) for s in gateway.seen] == [case.request, case.request]
    assert gateway.clock.sleeps == [0.01] and case.check(result)


def _never_answered(seen: Seen) -> Reply:
    raise Drop


def test_reads_are_retried_on_429_and_the_gateway_s_5xx_with_back_off_until_retries_run_out() -> None:
    answers = iter([(502, "Bad Gateway", {}), envelope(429, "rate_limited", "internal_error", job=None),
                    envelope(503, "internal_error", "internal_error", job=None), (200, ENDPOINT, {})])
    gateway = FakeGateway(lambda seen: next(answers))
    # WHEN a read meets a proxy's 502, a 429 and a 503, then an answer (three retries allowed)
    endpoint = call_async(gateway, "get_webhook_endpoint", "wh_1", client={"retries": 3})
    # THEN it answers after four attempts, backing off 0.01, 0.02, 0.04 s
    assert endpoint.id == "wh_1" and len(gateway.seen) == 4 and gateway.clock.sleeps == [0.01, 0.02, 0.04]
    # AND with the default two retries a connection that never answers is raised after three attempts
    gateway = FakeGateway(_never_answered)
    with pytest.raises(QbdGatewayError) as broken:
        call_async(gateway, "list_feed_subscriptions", EU)
    assert broken.value.code == "network_error" and len(gateway.seen) == 3
    assert gateway.clock.sleeps == [0.01, 0.02]
    # AND retries=0 is one attempt
    gateway = FakeGateway(lambda seen: (503, "Service Unavailable", {}))
    with pytest.raises(QbdGatewayError) as unavailable:
        call_async(gateway, "list_feed_types", client={"retries": 0})
    assert unavailable.value.code == "unexpected_response" and len(gateway.seen) == 1


# Errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "args", "reply", "expected"), [
    ("get_webhook_endpoint", ("whe_0",), envelope(404, "webhook_endpoint_not_found", "invalid_request_error",
                                                  job=None), NotFoundError),
    ("replay_webhook_delivery", ("whd_0",), envelope(404, "webhook_delivery_not_found", "invalid_request_error",
                                                     job=None), NotFoundError),
    ("delete_feed_subscription", (EU, "fs_0"), envelope(404, "subscription_not_found", "invalid_request_error",
                                                        job=None), NotFoundError),
    ("create_feed_subscription", (EU, ["ledgers"]), envelope(400, "invalid_request", "invalid_request_error",
                                                             job=None), InvalidRequestError),
    ("replay_webhook_delivery", ("dlv_1",), envelope(400, "invalid_request", "invalid_request_error", job=None),
     InvalidRequestError),
    ("list_webhook_endpoints", (), envelope(401, "invalid_api_key", "authentication_error", job=None),
     AuthenticationError),
])
def test_an_error_is_raised_as_its_typed_error_with_the_envelope_and_not_retried(
        method: str, args: tuple[Any, ...], reply: Reply, expected: type[QbdGatewayError]) -> None:
    gateway = FakeGateway(lambda seen: reply)
    # WHEN the call is answered with the error envelope
    with pytest.raises(QbdGatewayError) as raised:
        call_async(gateway, method, *args)
    # THEN it is raised as its class, with what the envelope said, after one request (a refusal is not retried)
    err, (status, body, _) = raised.value, reply
    assert type(err) is expected
    assert (err.code, err.http_status, err.type) == (body["error"]["code"], status, body["error"]["type"])
    assert err.message == f"technical {err.code}" and err.user_facing_message == f"Tell the user: {err.code}"
    assert err.request_id == "req_9" and err.job_id is None
    assert len(gateway.seen) == 1 and gateway.clock.sleeps == []
    # AND the sync client raises the same
    with pytest.raises(expected) as sync_raised:
        call_sync(FakeGateway(lambda seen: reply), method, *args)
    assert (sync_raised.value.code, sync_raised.value.http_status) == (err.code, err.http_status)


def test_an_answer_that_is_not_the_call_s_model_is_an_unexpected_response() -> None:
    gateway = FakeGateway(lambda seen: (200, {"endpoint": "wh_1"}, {}))
    with pytest.raises(QbdGatewayError) as raised:
        call_async(gateway, "get_webhook_endpoint", "wh_1")
    assert raised.value.code == "unexpected_response" and raised.value.http_status == 200
    assert "WebhookEndpointView" in raised.value.message and len(gateway.seen) == 1


# Models and exports ----------------------------------------------------------------------------------------


def test_the_feed_and_webhook_models_are_exported_from_the_package() -> None:
    for name in ["ChangeEvent", "CreateFeedSubscription", "UpdateFeedSubscription", "FeedSubscriptionView",
                 "FeedTypeView", "FeedTypeList", "WebhookEndpointView", "WebhookDeliveryView", "WebhookDeliveryList"]:
        assert name in qbd_gateway_sdk.__all__, name
        assert getattr(qbd_gateway_sdk, name) is getattr(sdk_models, name)
    assert (ChangeEvent, CreateFeedSubscription, UpdateFeedSubscription) == (
        sdk_models.ChangeEvent, sdk_models.CreateFeedSubscription, sdk_models.UpdateFeedSubscription)


def test_a_feed_type_list_reads_the_gateway_s_answer_and_refuses_an_unknown_family() -> None:
    listed = FeedTypeList.model_validate(FEED_TYPES)
    assert [t.family for t in listed.feed_types] == ["list", "txn"]
    with pytest.raises(ValueError, match="family"):
        FeedTypeView.model_validate({"name": "x", "object": "X", "family": "report", "query": "XQueryRq"})
