"""Webhooks: endpoints, the fan-out of each message to them, and the attempts that deliver it.

**Endpoints** (:meth:`WebhookService.create_endpoint` …) are checked when they are made
(:mod:`chalicelib.delivery.targets`), get a signing secret shown once (kept sealed with the
:class:`~chalicelib.jobs.ports.SecretBox`), and can be rotated: the new secret signs at once beside
the old one, which stays valid for ``rotation_overlap`` (24 h by default) and then is dropped.

**Fan-out** (:meth:`WebhookService.fan_out`): every message that goes to the results queue (and every
change event) is offered to the endpoints that want its kind and its end-user. Each gets a
:class:`~chalicelib.delivery.webhook_models.Delivery` whose id is derived from the endpoint and the
message's key, stored ``pending``, and then scheduled on the delivery queue. Fan-out runs inside the
result's publish (:class:`WebhookPublisher`): if it fails, the publish fails, the result stays in the
outbox and is published again later, and the second fan-out finds the deliveries that exist — so no
message is lost between the queue and the webhooks, and none is delivered under two ids.

**Attempts** (:meth:`WebhookService.attempt`, called by the delivery queue's consumer): a delivery
that is not due yet is scheduled again for the rest of its wait (a queue delays a message 15 min at
most); a due one is first *claimed* — ``attempts`` moved on and ``next_attempt_at`` pushed past the
attempt's timeout, conditionally, so that a duplicate queue message does not POST it a second time
(and a worker that dies after the claim leaves it due again a minute later). Then it is signed with
the endpoint's valid secrets, POSTed (:mod:`chalicelib.delivery.sender`), and its outcome recorded,
conditionally on the claim: ``delivered``, ``pending`` with the next attempt after its backoff, or
``dead`` after 24 h (:mod:`chalicelib.delivery.retries`). Delivery is at least once: a receiver
de-duplicates by ``QBDGW-Webhook-Id``, the delivery's id.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Protocol

from chalicelib.delivery import sender, signing
from chalicelib.delivery.retries import ATTEMPT_TIMEOUT_SECONDS, DeliveryStatus, after_attempt, replay
from chalicelib.delivery.targets import Resolver, check_url, parse_url
from chalicelib.delivery.webhook_models import KINDS, Delivery, WebhookEndpoint, WebhookStore, delivery_id
from chalicelib.errors import error
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, SecretBox, StoreConflict
from chalicelib.jobs.results import message_key, message_kind, publish_all
from chalicelib.jobs.security import new_id
from chalicelib.observability import NO_METRICS, Metrics

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds ceiling: a longer wait is several hops
CLAIM = timedelta(seconds=ATTEMPT_TIMEOUT_SECONDS + 50)  # a claimed attempt is due again after this
MAX_INLINE_BODY_BYTES = 300_000  # a larger body goes to the payload bucket (the item's limit is 400 KB)
MAX_ENDPOINTS = 20  # per deployment: each is a POST of every message


class DeliveryQueue(Protocol):
    def schedule(self, delivery_id: str, delay_seconds: int) -> None:
        """Have :meth:`WebhookService.attempt` called for ``delivery_id`` in about ``delay_seconds``
        (0 to :data:`MAX_DELAY_SECONDS`). Raises on failure."""
        ...


Send = Callable[..., sender.Attempt]


class WebhookService:
    def __init__(self, store: WebhookStore, box: SecretBox, clock: Clock, queue: DeliveryQueue, *,
                 local: bool = False, payloads: PayloadStore | None = None, send: Send = sender.post,
                 resolve: Resolver = socket.getaddrinfo, metrics: Metrics = NO_METRICS, cache_seconds: float = 60.0,
                 rotation_overlap: timedelta = timedelta(hours=24)) -> None:
        self.store = store
        self.box = box
        self.clock = clock
        self.queue = queue
        self.local = local
        self.payloads = payloads
        self.send = send
        self.resolve = resolve
        self.metrics = metrics
        self.cache_seconds = cache_seconds
        self.rotation_overlap = rotation_overlap
        self._cached: tuple[float, list[WebhookEndpoint]] | None = None

    # Endpoints ---------------------------------------------------------------------------------------
    def create_endpoint(self, url: str, *, end_user_id: str | None = None, kinds: Sequence[str] = KINDS,
                        description: str = "") -> tuple[WebhookEndpoint, str]:
        """A new endpoint and its signing secret (clear text: shown this once)."""
        check_url(url, local=self.local, resolve=self.resolve)
        wanted = tuple(dict.fromkeys(kinds))
        if not wanted or any(kind not in KINDS for kind in wanted):
            raise error("invalid_request", f"kinds must be some of {list(KINDS)}, got {list(kinds)}")
        if len(self.store.list_endpoints()) >= MAX_ENDPOINTS:
            raise error("invalid_request", f"a deployment has at most {MAX_ENDPOINTS} webhook endpoints")
        endpoint_id = new_id("whe")
        secret = signing.new_secret()
        endpoint = WebhookEndpoint(id=endpoint_id, url=url, created_at=self.clock(),
                                   sealed_secrets=(self._seal(endpoint_id, secret),), end_user_id=end_user_id,
                                   kinds=wanted, description=description[:200])
        self.store.put_endpoint(endpoint)
        self._cached = None
        return endpoint, secret

    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.store.get_endpoint(endpoint_id)
        if endpoint is None:
            raise error("webhook_endpoint_not_found", f"webhook endpoint {endpoint_id} not found")
        return endpoint

    def list_endpoints(self) -> list[WebhookEndpoint]:
        return self.store.list_endpoints()

    def delete_endpoint(self, endpoint_id: str) -> None:
        if not self.store.delete_endpoint(endpoint_id):
            raise error("webhook_endpoint_not_found", f"webhook endpoint {endpoint_id} not found")
        self._cached = None

    def rotate_secret(self, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
        """A new current secret; the current one stays valid (and signs too) for ``rotation_overlap``."""
        endpoint = self.get_endpoint(endpoint_id)
        secret = signing.new_secret()
        updated = self.store.update_endpoint(endpoint_id, {
            "sealed_secrets": (self._seal(endpoint_id, secret), endpoint.sealed_secrets[0]),
            "previous_secret_expires_at": self.clock() + self.rotation_overlap,
        })
        self._cached = None
        return updated, secret

    def signing_secrets(self, endpoint: WebhookEndpoint) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one until it expires."""
        valid = endpoint.sealed_secrets[:1]
        expires = endpoint.previous_secret_expires_at
        if len(endpoint.sealed_secrets) > 1 and expires is not None and self.clock() < expires:
            valid = endpoint.sealed_secrets[:2]
        return [self.box.open(sealed, {"webhook_endpoint": endpoint.id}) for sealed in valid]

    def deliveries(self, endpoint_id: str, *, limit: int = 50,
                   before: str | None = None) -> tuple[list[Delivery], str | None]:
        self.get_endpoint(endpoint_id)
        return self.store.list_deliveries(endpoint_id, limit=max(1, min(limit, 100)), before=before)

    # Fan-out -------------------------------------------------------------------------------------------
    def fan_out(self, kind: str, key: str, end_user_id: str, body: str) -> list[Delivery]:
        """``body`` (JSON) for every endpoint that wants ``kind`` from ``end_user_id``: stored, then scheduled."""
        made = []
        for endpoint in self._endpoints():
            if not endpoint.wants(kind, end_user_id):
                continue
            now = self.clock()
            draft = Delivery(id=delivery_id(endpoint.id, key), endpoint_id=endpoint.id, message_key=key, kind=kind,
                             end_user_id=end_user_id, body=body, status=DeliveryStatus.PENDING, created_at=now,
                             next_attempt_at=now)
            if len(body.encode("utf-8")) > MAX_INLINE_BODY_BYTES:
                if self.payloads is None:
                    raise error("result_too_large", f"webhook body of {key} is over {MAX_INLINE_BODY_BYTES} "
                                                    "bytes and no payload bucket is configured")
                draft = _with_body_uri(draft, self.payloads.put(f"webhooks/{draft.id}.json", body))
            stored = self.store.put_delivery(draft)
            if stored.status is DeliveryStatus.PENDING and stored.attempts == 0:  # an attempt schedules its retry
                self.queue.schedule(stored.id, 0)
            made.append(stored)
        return made

    def _endpoints(self) -> list[WebhookEndpoint]:
        cached = self._cached
        if cached is None or time.monotonic() - cached[0] > self.cache_seconds:
            cached = self._cached = (time.monotonic(), self.store.list_endpoints())
        return cached[1]

    # Attempts ------------------------------------------------------------------------------------------
    def attempt(self, delivery_id_: str) -> Delivery | None:
        """Deliver ``delivery_id_`` if it is due (else schedule it for later); None when it is gone."""
        delivery = self.store.get_delivery(delivery_id_)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return delivery  # delivered, dead, or expired by TTL: nothing to do
        now = self.clock()
        due = delivery.next_attempt_at or now
        if due > now:
            self.queue.schedule(delivery.id, min(MAX_DELAY_SECONDS, max(1, int((due - now).total_seconds()) + 1)))
            return delivery
        endpoint = self.store.get_endpoint(delivery.endpoint_id)
        if endpoint is None:  # deleted since: the delivery goes nowhere
            return self._record(delivery, {"status": DeliveryStatus.DEAD, "next_attempt_at": None,
                                           "last_error": "the webhook endpoint was deleted"})
        try:
            claimed = self.store.update_delivery(delivery, {
                "attempts": delivery.attempts + 1, "last_attempt_at": now, "next_attempt_at": now + CLAIM,
                "first_attempt_at": delivery.first_attempt_at or now})
        except StoreConflict:
            return None  # another worker claimed it (a duplicate queue message)
        body = self._body(claimed).encode("utf-8")
        headers = signing.signed_headers(claimed.id, body, self.signing_secrets(endpoint), int(now.timestamp()))
        outcome = self.send(parse_url(endpoint.url, local=self.local), body, headers, local=self.local,
                            resolve=self.resolve)
        failed = claimed.failed_attempts + (0 if outcome.ok else 1)
        step = after_attempt(claimed.status, succeeded=outcome.ok, failed_attempts=failed,
                             first_attempt_at=claimed.first_attempt_at or now, now=self.clock())
        recorded = self._record(claimed, {
            "status": step.status, "next_attempt_at": step.attempt_at, "failed_attempts": failed,
            "last_status_code": outcome.status_code, "last_error": outcome.error,
            "last_duration_ms": outcome.duration_ms, "delivered_at": self.clock() if outcome.ok else None})
        self.metrics.put("WebhookAttempts", outcome="delivered" if outcome.ok else step.status.value)
        if recorded is not None and recorded.status is DeliveryStatus.PENDING and step.attempt_at is not None:
            wait = (step.attempt_at - self.clock()).total_seconds()
            self.queue.schedule(recorded.id, min(MAX_DELAY_SECONDS, max(0, int(wait) + 1)))
        if recorded is not None and recorded.status is DeliveryStatus.DEAD:
            log.warning("webhook delivery given up", extra={"delivery_id": recorded.id, "endpoint_id": endpoint.id,
                                                             "attempts": recorded.attempts})
        return recorded

    def _record(self, delivery: Delivery, changes: Mapping[str, Any]) -> Delivery | None:
        try:
            return self.store.update_delivery(delivery, changes)
        except StoreConflict:
            log.warning("webhook delivery changed during its attempt", extra={"delivery_id": delivery.id})
            return None

    def _body(self, delivery: Delivery) -> str:
        if delivery.body_uri and self.payloads is not None:
            return self.payloads.get(delivery.body_uri)
        return delivery.body

    def replay(self, delivery_id_: str) -> Delivery:
        """A dead (or delivered) delivery tried again from now, with a new 24 h schedule."""
        delivery = self.store.get_delivery(delivery_id_)
        if delivery is None:
            raise error("webhook_delivery_not_found", f"webhook delivery {delivery_id_} not found")
        try:
            step = replay(delivery.status, self.clock())
        except ValueError as exc:
            raise error("invalid_request", str(exc)) from exc
        updated = self.store.update_delivery(delivery, {"status": step.status, "next_attempt_at": step.attempt_at,
                                                        "failed_attempts": 0, "first_attempt_at": None})
        self.queue.schedule(updated.id, 0)
        return updated

    def _seal(self, endpoint_id: str, secret: str) -> str:
        return self.box.seal(secret, {"webhook_endpoint": endpoint_id})


def _with_body_uri(delivery: Delivery, uri: str) -> Delivery:
    return dataclasses.replace(delivery, body="", body_uri=uri)


class WebhookPublisher:
    """The result publisher that also fans each result out to the webhooks (see the module's story)."""

    def __init__(self, inner: ResultPublisher, webhooks: WebhookService) -> None:
        self.inner = inner
        self.webhooks = webhooks

    def publish(self, message: Mapping[str, Any]) -> None:
        self.inner.publish(message)
        self._fan_out(message)

    def publish_all(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Several messages (a catch-up's events): to the inner publisher at once, then each fanned out."""
        publish_all(self.inner, messages)
        for message in messages:
            self._fan_out(message)

    def _fan_out(self, message: Mapping[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        try:
            self.webhooks.fan_out(message_kind(message), message_key(message), str(message["end_user_id"]), body)
        except Exception as exc:  # the outbox publishes it again (SQS drops the repeat by its dedup id)
            log.warning("webhook fan-out failed; the result is published again later",
                        extra={"job_id": message.get("job_id"), "error": type(exc).__name__})
            raise
