"""The webhook service (chalicelib.delivery.webhooks) over the in-memory store, a fake clock, a recording
delivery queue and a scripted receiver: endpoints, fan-out, attempts, retries, replay, rotation."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from qbd_gateway_sdk.webhooks import WebhookSignatureError
from qbd_gateway_sdk.webhooks import verify as sdk_verify

from chalicelib.delivery.retries import RETRY_WINDOW, DeliveryStatus
from chalicelib.delivery.sender import Attempt
from chalicelib.delivery.webhooks import CLAIM, MAX_DELAY_SECONDS, WebhookPublisher, WebhookService
from chalicelib.errors import GatewayError
from chalicelib.jobs.results import message_key
from chalicelib.store.memory_webhooks import MemoryWebhookStore
from tests.unit.jobs.fakes import FakeClock, FakeSecretBox, RecordingPublisher

URL = "https://hooks.example.com/qbd"


def public(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]


@dataclass
class Queue:
    scheduled: list[tuple[str, int]] = field(default_factory=list)

    def schedule(self, delivery_id: str, delay_seconds: int) -> None:
        assert 0 <= delay_seconds <= MAX_DELAY_SECONDS
        self.scheduled.append((delivery_id, delay_seconds))


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (None: no answer at all), recording it."""

    script: list[int | None] = field(default_factory=list)
    got: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def __call__(self, target: Any, body: bytes, headers: dict[str, str], **_: Any) -> Attempt:
        self.got.append((target.url, body, dict(headers)))
        status = self.script.pop(0) if self.script else 200
        if status is None:
            return Attempt(None, "TimeoutError: timed out", 10_000.0)
        return Attempt(status, None if 200 <= status < 300 else f"HTTP {status}", 12.0)


@dataclass
class World:
    clock: FakeClock
    store: MemoryWebhookStore
    queue: Queue
    receiver: Receiver
    service: WebhookService


@pytest.fixture
def w() -> World:
    clock, store, queue, receiver = FakeClock(), MemoryWebhookStore(), Queue(), Receiver()
    service = WebhookService(store, FakeSecretBox(), clock, queue, send=receiver, resolve=public)
    return World(clock, store, queue, receiver, service)


def result(job_id: str = "job_eu_1_1", end_user_id: str = "eu_1", **extra: Any) -> dict[str, Any]:
    return {"schema_version": 1, "job_id": job_id, "end_user_id": end_user_id, "status": "succeeded", **extra}


def test_an_endpoint_gets_a_secret_shown_once_and_kept_sealed(w: World) -> None:
    endpoint, secret = w.service.create_endpoint(URL, description="billing sync")
    assert secret.startswith("whsec_") and secret not in json.dumps([str(s) for s in endpoint.sealed_secrets])
    assert w.service.signing_secrets(w.store.get_endpoint(endpoint.id)) == [secret]  # type: ignore[arg-type]
    with pytest.raises(GatewayError) as refused:
        w.service.create_endpoint("http://hooks.example.com/")
    assert refused.value.code == "webhook_url_not_allowed"
    with pytest.raises(GatewayError, match="kinds must be"):
        w.service.create_endpoint(URL, kinds=["everything"])


def test_a_message_goes_to_the_endpoints_that_want_its_kind_and_end_user(w: World) -> None:
    everyone, _ = w.service.create_endpoint(URL)
    mine, _ = w.service.create_endpoint(URL + "/eu1", end_user_id="eu_1")
    w.service.create_endpoint(URL + "/eu2", end_user_id="eu_2")
    w.service.create_endpoint(URL + "/changes", kinds=["change"])
    made = w.service.fan_out("result", "job_eu_1_1", "eu_1", json.dumps(result()))
    assert {d.endpoint_id for d in made} == {everyone.id, mine.id}
    assert [delay for _, delay in w.queue.scheduled] == [0, 0]


def test_fanning_out_the_same_message_again_makes_no_second_delivery(w: World) -> None:
    w.service.create_endpoint(URL)
    first = w.service.fan_out("result", "job_eu_1_1", "eu_1", '{"a":1}')
    w.service.attempt(first[0].id)
    again = w.service.fan_out("result", "job_eu_1_1", "eu_1", '{"a":1}')
    assert [d.id for d in again] == [d.id for d in first] and len(w.store.deliveries) == 1
    assert again[0].status is DeliveryStatus.DELIVERED and len(w.queue.scheduled) == 1  # not scheduled again


def test_a_message_fanned_out_again_while_its_delivery_waits_for_a_retry_is_not_scheduled_again(w: World) -> None:
    """Found in the local stack: the sweeper re-published a result while its delivery waited out a backoff;
    the fan-out scheduled that delivery again at once, and each early hand-over scheduled itself for the
    rest of its wait: two queue messages (and two attempts' worth of handling) for one delivery."""
    w.service.create_endpoint(URL)
    w.receiver.script = [500]
    first = w.service.fan_out("result", "job_eu_1_1", "eu_1", '{"a":1}')
    waiting = w.service.attempt(first[0].id)
    assert waiting is not None and waiting.status is DeliveryStatus.PENDING
    scheduled = list(w.queue.scheduled)
    again = w.service.fan_out("result", "job_eu_1_1", "eu_1", '{"a":1}')
    assert again[0].id == first[0].id and w.queue.scheduled == scheduled  # its retry is scheduled already


def test_a_delivered_attempt_is_signed_so_that_the_sdk_verifies_it(w: World) -> None:
    _, secret = w.service.create_endpoint(URL)
    body = json.dumps(result())
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", body)[0]
    done = w.service.attempt(delivery.id)
    assert done is not None and done.status is DeliveryStatus.DELIVERED and done.attempts == 1
    url, sent, headers = w.receiver.got[0]
    assert url == URL and sent == body.encode()
    assert headers["QBDGW-Webhook-Id"] == delivery.id
    assert sdk_verify(sent, headers, secret, now=w.clock.now.timestamp()) == result()
    with pytest.raises(WebhookSignatureError):
        sdk_verify(sent, headers, "whsec_" + "B" * 43, now=w.clock.now.timestamp())


def test_a_failed_attempt_is_retried_after_its_backoff_and_an_early_call_only_waits(w: World) -> None:
    w.service.create_endpoint(URL)
    w.receiver.script = [503, 200]
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", "{}")[0]
    failed = w.service.attempt(delivery.id)
    assert failed is not None and failed.status is DeliveryStatus.PENDING and failed.last_status_code == 503
    assert failed.next_attempt_at is not None
    wait = (failed.next_attempt_at - w.clock.now).total_seconds()
    assert 30 <= wait <= 36 and w.queue.scheduled[-1] == (delivery.id, int(wait) + 1)
    # WHEN the queue hands it over too early  THEN no POST: it is scheduled for the rest of its wait
    w.clock.advance(seconds=10)
    w.service.attempt(delivery.id)
    assert len(w.receiver.got) == 1 and 20 <= w.queue.scheduled[-1][1] <= 27
    w.clock.advance(seconds=30)
    done = w.service.attempt(delivery.id)
    assert done is not None and done.status is DeliveryStatus.DELIVERED and done.attempts == 2


def test_a_receiver_down_for_a_day_gets_the_delivery_dead_lettered_then_replayed(w: World) -> None:
    w.service.create_endpoint(URL)
    w.receiver.script = [500] * 40
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", "{}")[0]
    started = w.clock.now
    current = w.service.attempt(delivery.id)
    while current is not None and current.status is DeliveryStatus.PENDING:
        assert current.next_attempt_at is not None
        w.clock.now = current.next_attempt_at
        current = w.service.attempt(delivery.id)
    assert current is not None and current.status is DeliveryStatus.DEAD
    assert w.clock.now - started >= RETRY_WINDOW and 14 <= current.attempts <= 16
    assert len(w.receiver.got) == current.attempts
    # WHEN the operator replays it after the receiver is fixed  THEN it is tried again at once and delivered
    w.receiver.script = []
    replayed = w.service.replay(delivery.id)
    assert replayed.status is DeliveryStatus.PENDING and w.queue.scheduled[-1] == (delivery.id, 0)
    done = w.service.attempt(delivery.id)
    assert done is not None and done.status is DeliveryStatus.DELIVERED and done.failed_attempts == 0
    with pytest.raises(GatewayError, match="still being tried"):
        w.service.replay(w.service.fan_out("result", "job_eu_1_2", "eu_1", "{}")[0].id)


def test_a_duplicate_queue_message_posts_once_and_a_crashed_claim_is_due_again(w: World) -> None:
    w.service.create_endpoint(URL)
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", "{}")[0]
    # GIVEN a worker that claimed the attempt and died before its POST
    original = w.service.send

    def crash(*args: Any, **kwargs: Any) -> Attempt:
        raise SystemExit("the Lambda timed out")

    w.service.send = crash
    with pytest.raises(SystemExit):
        w.service.attempt(delivery.id)
    w.service.send = original
    # WHEN the queue's copy of the message comes at once  THEN nothing is posted: the claim holds
    w.service.attempt(delivery.id)
    assert w.receiver.got == []
    # AND once the claim has run out it is delivered
    w.clock.advance(seconds=CLAIM.total_seconds())
    done = w.service.attempt(delivery.id)
    assert done is not None and done.status is DeliveryStatus.DELIVERED and len(w.receiver.got) == 1


def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(w: World) -> None:
    endpoint, old = w.service.create_endpoint(URL)
    rotated, new = w.service.rotate_secret(endpoint.id)
    assert w.service.signing_secrets(rotated) == [new, old]
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", '{"x":1}')[0]
    w.service.attempt(delivery.id)
    _, sent, headers = w.receiver.got[0]
    for secret in (old, new):
        assert sdk_verify(sent, headers, secret, now=w.clock.now.timestamp()) == {"x": 1}
    w.clock.advance(hours=24, seconds=1)
    assert w.service.signing_secrets(w.service.get_endpoint(endpoint.id)) == [new]


def test_a_deleted_endpoint_s_pending_delivery_goes_nowhere(w: World) -> None:
    endpoint, _ = w.service.create_endpoint(URL)
    delivery = w.service.fan_out("result", "job_eu_1_1", "eu_1", "{}")[0]
    w.service.delete_endpoint(endpoint.id)
    gone = w.service.attempt(delivery.id)
    assert gone is not None and gone.status is DeliveryStatus.DEAD and w.receiver.got == []
    with pytest.raises(GatewayError) as missing:
        w.service.delete_endpoint(endpoint.id)
    assert missing.value.code == "webhook_endpoint_not_found"


def test_the_result_publisher_fans_out_after_sqs_and_fails_with_it_so_the_outbox_retries(w: World) -> None:
    w.service.create_endpoint(URL)
    sqs = RecordingPublisher()
    publisher = WebhookPublisher(sqs, w.service)
    failing = w.queue.schedule

    def down(delivery_id: str, delay_seconds: int) -> None:
        raise ConnectionError("SQS is unreachable")

    w.queue.schedule = down  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        publisher.publish(result())
    w.queue.schedule = failing  # type: ignore[method-assign]
    publisher.publish(result())  # the outbox's second publish
    assert len(sqs.delivered) == 2 and len(w.store.deliveries) == 1 and len(w.queue.scheduled) == 1


def test_change_events_published_together_go_to_change_endpoints_only_each_once(w: World) -> None:
    changes_only, _ = w.service.create_endpoint(URL, kinds=("change",))
    results_only, _ = w.service.create_endpoint(URL + "/results", kinds=("result",))
    sqs = RecordingPublisher()
    events = [{"schema_version": 1, "type": "change", "event_id": f"evt_{n}", "end_user_id": "eu_1",
               "change": "added"} for n in range(3)]
    WebhookPublisher(sqs, w.service).publish_all(events)
    assert [m["event_id"] for m in sqs.delivered] == ["evt_0", "evt_1", "evt_2"]
    deliveries = list(w.store.deliveries.values())
    assert sorted(d.message_key for d in deliveries) == ["evt_0", "evt_1", "evt_2"]
    assert {d.endpoint_id for d in deliveries} == {changes_only.id} and {d.kind for d in deliveries} == {"change"}
    assert results_only.id not in {d.endpoint_id for d in deliveries}


@pytest.mark.parametrize(("message", "key"), [
    (result(), "job_eu_1_1"), (result(status="in_doubt"), "job_eu_1_1.in_doubt"),
    (result(page=2, last=False), "job_eu_1_1.p2"), (result(page=3, last=True), "job_eu_1_1"),
])
def test_a_result_s_key_is_the_one_its_consumers_de_duplicate_by(message: dict[str, Any], key: str) -> None:
    from qbd_gateway_sdk import ResultMessage
    from qbd_gateway_sdk import message_key as sdk_key

    as_sent = {"response_qbxml": None, "error": None, "enqueued_at": None, "completed_at": None, **message}
    assert message_key(message) == key == sdk_key(ResultMessage.model_validate(as_sent))


def test_deliveries_are_listed_newest_first_per_endpoint(w: World) -> None:
    endpoint, _ = w.service.create_endpoint(URL)
    for n in range(5):
        w.service.fan_out("result", f"job_eu_1_{n}", "eu_1", "{}")
        w.clock.advance(seconds=1)
    page, cursor = w.service.deliveries(endpoint.id, limit=3)
    rest, end = w.service.deliveries(endpoint.id, limit=3, before=cursor)
    assert [d.message_key for d in page + rest] == [f"job_eu_1_{n}" for n in (4, 3, 2, 1, 0)]
    assert cursor is not None and end is None
    assert w.clock.now - page[0].created_at == timedelta(seconds=1)
