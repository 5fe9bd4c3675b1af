"""The in-memory twin of the DynamoDB feed store (:class:`~chalicelib.feed.models.FeedStore`), for unit
tests and the benchmarks: the same conditions, checked and applied under one lock.

As the table does, it keeps copies: a subscription put, or one read back, shares no ``marks`` (or
``last_error``) dict with the store, so changing what a caller holds changes nothing stored. An update
follows the adapter's rule for ``changes`` (not the key; ``None`` only for a field that may be ``None``).
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.feed.models import Mark, Subscription
from chalicelib.jobs.ports import StoreConflict

KEY_FIELDS = frozenset({"id", "end_user_id"})
NULLABLE = frozenset(f.name for f in dataclasses.fields(Subscription) if f.default is None)


def _checked(changes: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(Subscription)}
    wrong = sorted(k for k, v in changes.items()
                   if k not in names or k in KEY_FIELDS or (v is None and k not in NULLABLE))
    if wrong:
        raise ValueError(f"a subscription update cannot write {wrong}")
    return copy.deepcopy(dict(changes))


class MemoryFeedStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.subscriptions: dict[tuple[str, str], Subscription] = {}

    def put_subscription(self, subscription: Subscription) -> None:
        key = (subscription.end_user_id, subscription.id)
        with self._lock:
            if key in self.subscriptions:
                raise StoreConflict("subscription exists", copy.deepcopy(self.subscriptions[key]))
            self.subscriptions[key] = copy.deepcopy(subscription)

    def get_subscription(self, end_user_id: str, subscription_id: str) -> Subscription | None:
        with self._lock:
            return copy.deepcopy(self.subscriptions.get((end_user_id, subscription_id)))

    def list_subscriptions(self, end_user_id: str) -> list[Subscription]:
        with self._lock:
            return copy.deepcopy(sorted((s for (user, _), s in self.subscriptions.items() if user == end_user_id),
                                        key=lambda s: s.id))

    def delete_subscription(self, end_user_id: str, subscription_id: str) -> bool:
        with self._lock:
            return self.subscriptions.pop((end_user_id, subscription_id), None) is not None

    def update_subscription(self, subscription: Subscription, changes: Mapping[str, Any], *,
                            expect_run: int | None = None) -> Subscription:
        key = (subscription.end_user_id, subscription.id)
        checked = _checked(changes)
        with self._lock:
            current = self.subscriptions.get(key)
            if current is None or (expect_run is not None and current.run != expect_run):
                raise StoreConflict("subscription moved on", copy.deepcopy(current))
            updated = dataclasses.replace(current, **checked)
            self.subscriptions[key] = updated
            return copy.deepcopy(updated)

    def set_mark(self, subscription: Subscription, name: str, mark: Mark) -> None:
        key = (subscription.end_user_id, subscription.id)
        with self._lock:
            current = self.subscriptions.get(key)
            if current is not None:
                self.subscriptions[key] = dataclasses.replace(current, marks={**current.marks, name: mark.to_dict()})

    def due_subscriptions(self, now: datetime, limit: int = 100) -> list[Subscription]:
        with self._lock:
            due = [s for s in self.subscriptions.values() if s.next_run_at <= now]
            return copy.deepcopy(sorted(due, key=lambda s: (s.next_run_at, s.id))[:limit])
