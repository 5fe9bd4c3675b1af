"""The in-memory twin of the DynamoDB feed store (:class:`~chalicelib.feed.models.FeedStore`), for unit
tests and the benchmarks: the same conditions, checked and applied under one lock."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.feed.models import Mark, Subscription
from chalicelib.jobs.ports import StoreConflict


class MemoryFeedStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.subscriptions: dict[tuple[str, str], Subscription] = {}

    def put_subscription(self, subscription: Subscription) -> None:
        key = (subscription.end_user_id, subscription.id)
        with self._lock:
            if key in self.subscriptions:
                raise StoreConflict("subscription exists", self.subscriptions[key])
            self.subscriptions[key] = subscription

    def get_subscription(self, end_user_id: str, subscription_id: str) -> Subscription | None:
        return self.subscriptions.get((end_user_id, subscription_id))

    def list_subscriptions(self, end_user_id: str) -> list[Subscription]:
        with self._lock:
            return sorted((s for (user, _), s in self.subscriptions.items() if user == end_user_id),
                          key=lambda s: s.id)

    def delete_subscription(self, end_user_id: str, subscription_id: str) -> bool:
        with self._lock:
            return self.subscriptions.pop((end_user_id, subscription_id), None) is not None

    def update_subscription(self, subscription: Subscription, changes: Mapping[str, Any], *,
                            expect_run: int | None = None) -> Subscription:
        key = (subscription.end_user_id, subscription.id)
        with self._lock:
            current = self.subscriptions.get(key)
            if current is None or (expect_run is not None and current.run != expect_run):
                raise StoreConflict("subscription moved on", current)
            updated = dataclasses.replace(current, **dict(changes))
            self.subscriptions[key] = updated
            return updated

    def set_mark(self, subscription: Subscription, name: str, mark: Mark) -> None:
        key = (subscription.end_user_id, subscription.id)
        with self._lock:
            current = self.subscriptions.get(key)
            if current is not None:
                self.subscriptions[key] = dataclasses.replace(current, marks={**current.marks, name: mark.to_dict()})

    def due_subscriptions(self, now: datetime, limit: int = 100) -> list[Subscription]:
        with self._lock:
            due = [s for s in self.subscriptions.values() if s.next_run_at <= now]
            return sorted(due, key=lambda s: (s.next_run_at, s.id))[:limit]
