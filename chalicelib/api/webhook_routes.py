"""The webhook edge: the REST routes' work (endpoints, their delivery logs, replays) and the consumer of the
delivery queue.

Every route needs the API key and a deployment with webhooks on (``QBDGW_WEBHOOKS``; else
``webhooks_off``, 409). An endpoint's signing secret is in the answer of its creation and of a
rotation, and nowhere else. The delivery queue's consumer attempts each delivery a message names
(:meth:`~chalicelib.delivery.webhooks.WebhookService.attempt`) and reports the messages whose attempt
raised as partial batch failures, so that SQS hands them over again (a receiver's own failure is not
one: it is recorded on the delivery and scheduled by the backoff).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from chalicelib.api.bodies import CreateWebhookEndpoint
from chalicelib.api.http import page_limit
from chalicelib.delivery.webhook_models import Delivery, WebhookEndpoint
from chalicelib.delivery.webhooks import WebhookService
from chalicelib.errors import error
from chalicelib.jobs.results import iso
from chalicelib.wiring import Services

log = logging.getLogger(__name__)


def webhooks_of(services: Services) -> WebhookService:
    if services.webhooks is None:
        raise error("webhooks_off", "webhooks are off in this deployment (QBDGW_WEBHOOKS)")
    return services.webhooks


def endpoint_view(endpoint: WebhookEndpoint, secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": endpoint.id, "url": endpoint.url, "end_user_id": endpoint.end_user_id, "kinds": list(endpoint.kinds),
        "description": endpoint.description, "created_at": iso(endpoint.created_at),
        "previous_secret_expires_at": iso(endpoint.previous_secret_expires_at)
        if endpoint.previous_secret_expires_at else None,
    }
    if secret is not None:
        view["secret"] = secret
    return view


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return iso(value) if value is not None else None

    return {
        "id": delivery.id, "endpoint_id": delivery.endpoint_id, "message_key": delivery.message_key,
        "kind": delivery.kind, "end_user_id": delivery.end_user_id, "status": delivery.status.value,
        "attempts": delivery.attempts, "created_at": iso(delivery.created_at),
        "next_attempt_at": when(delivery.next_attempt_at), "last_attempt_at": when(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "last_duration_ms": delivery.last_duration_ms, "delivered_at": when(delivery.delivered_at),
    }


def create(services: Services, body: CreateWebhookEndpoint) -> dict[str, Any]:
    webhooks = webhooks_of(services)
    if body.end_user_id is not None and services.store.get_end_user(body.end_user_id) is None:
        raise error("end_user_not_found", f"end-user {body.end_user_id!r} does not exist")
    endpoint, secret = webhooks.create_endpoint(body.url, end_user_id=body.end_user_id, kinds=body.kinds,
                                                description=body.description)
    log.info("webhook endpoint created", extra={"endpoint_id": endpoint.id, "end_user_id": endpoint.end_user_id})
    return endpoint_view(endpoint, secret)


def rotate(services: Services, endpoint_id: str) -> dict[str, Any]:
    endpoint, secret = webhooks_of(services).rotate_secret(endpoint_id)
    log.info("webhook secret rotated", extra={"endpoint_id": endpoint.id})
    return endpoint_view(endpoint, secret)


def deliveries(services: Services, endpoint_id: str, params: dict[str, str]) -> dict[str, Any]:
    limit = page_limit(params.get("limit"), default=50, most=100)
    page, cursor = webhooks_of(services).deliveries(endpoint_id, limit=limit, before=params.get("before"))
    return {"deliveries": [delivery_view(d) for d in page], "next_before": cursor}


def replay(services: Services, delivery_id: str) -> dict[str, Any]:
    return delivery_view(webhooks_of(services).replay(delivery_id))


# The delivery queue's consumer ------------------------------------------------------------------------------
def handle_deliveries(records: Iterable[tuple[str, str]], webhooks: WebhookService | None) -> dict[str, Any]:
    """Attempt the delivery of each ``(message id, body)``; the Lambda partial-batch response."""
    failures: list[dict[str, str]] = []
    for message_id, body in records:
        try:
            delivery_id = str(json.loads(body)["delivery_id"])
        except (ValueError, KeyError, TypeError):
            log.error("a delivery queue message without a delivery id was dropped", extra={"message_id": message_id})
            continue
        if webhooks is None:
            log.warning("a webhook delivery came while webhooks are off; dropped", extra={"delivery_id": delivery_id})
            continue
        try:
            webhooks.attempt(delivery_id)
        except Exception:
            log.exception("webhook attempt failed; SQS hands it over again", extra={"delivery_id": delivery_id})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
