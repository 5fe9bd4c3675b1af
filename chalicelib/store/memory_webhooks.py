"""The in-memory twin of the DynamoDB webhook store (:class:`~chalicelib.delivery.webhook_models.WebhookStore`),
for unit tests and the benchmarks: the same conditions, checked and applied under one lock."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from typing import Any

from chalicelib.delivery.webhook_models import Delivery, WebhookEndpoint
from chalicelib.jobs.ports import StoreConflict


class MemoryWebhookStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.endpoints: dict[str, WebhookEndpoint] = {}
        self.deliveries: dict[str, Delivery] = {}

    def put_endpoint(self, endpoint: WebhookEndpoint) -> None:
        with self._lock:
            if endpoint.id in self.endpoints:
                raise StoreConflict("webhook endpoint exists", self.endpoints[endpoint.id])
            self.endpoints[endpoint.id] = endpoint

    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        return self.endpoints.get(endpoint_id)

    def list_endpoints(self) -> list[WebhookEndpoint]:
        with self._lock:
            return sorted(self.endpoints.values(), key=lambda e: e.id)

    def update_endpoint(self, endpoint_id: str, changes: Mapping[str, Any]) -> WebhookEndpoint:
        with self._lock:
            updated = dataclasses.replace(self.endpoints[endpoint_id], **changes)
            self.endpoints[endpoint_id] = updated
            return updated

    def delete_endpoint(self, endpoint_id: str) -> bool:
        with self._lock:
            return self.endpoints.pop(endpoint_id, None) is not None

    def put_delivery(self, delivery: Delivery) -> Delivery:
        with self._lock:
            return self.deliveries.setdefault(delivery.id, delivery)

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        return self.deliveries.get(delivery_id)

    def list_deliveries(self, endpoint_id: str, limit: int = 50,
                        before: str | None = None) -> tuple[list[Delivery], str | None]:
        with self._lock:
            mine = sorted((d for d in self.deliveries.values() if d.endpoint_id == endpoint_id),
                          key=_log_key, reverse=True)
        if before is not None:
            mine = [d for d in mine if _log_key(d) < before]
        page = mine[:limit]
        return page, (_log_key(page[-1]) if len(mine) > limit else None)

    def update_delivery(self, delivery: Delivery, changes: Mapping[str, Any]) -> Delivery:
        with self._lock:
            stored = self.deliveries.get(delivery.id)
            if stored is None or (stored.attempts, stored.status) != (delivery.attempts, delivery.status):
                raise StoreConflict("the delivery changed since it was read", stored)
            updated = dataclasses.replace(stored, **changes)
            self.deliveries[delivery.id] = updated
            return updated


def _log_key(delivery: Delivery) -> str:
    """Where a delivery sorts in its endpoint's log: by creation, then id (the DynamoDB adapter's sort key)."""
    return f"{delivery.created_at.isoformat()}#{delivery.id}"
