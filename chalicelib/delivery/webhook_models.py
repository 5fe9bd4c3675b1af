"""The records of webhooks, and the port their store implements.

A :class:`WebhookEndpoint` is where a SaaS wants the gateway's messages POSTed: for one end-user, or
(``end_user_id`` None) for every end-user of the deployment, and for which kinds of message (``result``:
what goes to the results queue — a job's result, an in-doubt notice, a page of a paged query;
``change``: the change feed's events). Its signing secrets are kept sealed (the
:class:`~chalicelib.jobs.ports.SecretBox`, bound to the endpoint's id): the current one first and,
for a while after a rotation, the one before it (:mod:`chalicelib.delivery.signing`).

A :class:`Delivery` is one message for one endpoint. Its id is derived from the two (the endpoint's id
and the message's key, :func:`delivery_id`), so fanning the same message out again — the result outbox
re-publishes until it succeeded — finds the delivery that exists instead of making a second one. It
holds the exact body that is signed and sent, and what its attempts came to, for the endpoint's
delivery log; its states and schedule are :mod:`chalicelib.delivery.retries`'.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.delivery.retries import DeliveryStatus

KINDS = ("result", "change")


def delivery_id(endpoint_id: str, message_key: str) -> str:
    """The one delivery of ``message_key`` (a result's or an event's de-duplication key) to an endpoint."""
    digest = hashlib.sha256(f"{endpoint_id}\n{message_key}".encode()).hexdigest()[:32]
    return f"wh_dlv_{digest}"


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str  # whe_…
    url: str
    created_at: datetime
    sealed_secrets: tuple[str, ...]  # sealed; the current one first, the previous one while it is valid
    end_user_id: str | None = None  # None: every end-user of the deployment
    kinds: tuple[str, ...] = KINDS
    description: str = ""
    previous_secret_expires_at: datetime | None = None
    disabled_at: datetime | None = None

    def wants(self, kind: str, end_user_id: str) -> bool:
        return (self.disabled_at is None and kind in self.kinds
                and (self.end_user_id is None or self.end_user_id == end_user_id))


@dataclass(frozen=True)
class Delivery:
    id: str  # delivery_id(endpoint_id, message_key)
    endpoint_id: str
    message_key: str
    kind: str
    end_user_id: str
    body: str  # JSON, exactly as signed and sent ("" when it is in the payload bucket: body_uri)
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None  # pending: when it is tried (again)
    attempts: int = 0
    failed_attempts: int = 0  # since it was created or last replayed: what the backoff counts
    first_attempt_at: datetime | None = None  # of the current schedule (a replay starts one)
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    last_duration_ms: float | None = None
    delivered_at: datetime | None = None
    body_uri: str | None = None  # a body too large for the item, in the payload bucket


class WebhookStore(Protocol):
    """Endpoints and deliveries. Conditional where two writers may meet: a delivery is attempted by
    whoever moves its ``attempts`` from the value it read (two workers never both record an attempt)."""

    def put_endpoint(self, endpoint: WebhookEndpoint) -> None: ...
    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None: ...
    def list_endpoints(self) -> list[WebhookEndpoint]: ...
    def update_endpoint(self, endpoint_id: str, changes: Mapping[str, Any]) -> WebhookEndpoint:
        """The endpoint after ``changes``; ``KeyError`` when there is none."""
        ...
    def delete_endpoint(self, endpoint_id: str) -> bool: ...

    def put_delivery(self, delivery: Delivery) -> Delivery:
        """Store a new delivery, or return the one already stored under its id (never overwritten)."""
        ...
    def get_delivery(self, delivery_id: str) -> Delivery | None: ...
    def list_deliveries(self, endpoint_id: str, limit: int = 50,
                        before: str | None = None) -> tuple[list[Delivery], str | None]:
        """An endpoint's deliveries, newest first, and the cursor of the next page (None: no more)."""
        ...
    def update_delivery(self, delivery: Delivery, changes: Mapping[str, Any]) -> Delivery:
        """``delivery`` with ``changes``, if its stored ``attempts`` and ``status`` are still ``delivery``'s;
        :class:`~chalicelib.jobs.ports.StoreConflict` (with the stored delivery) otherwise."""
        ...
