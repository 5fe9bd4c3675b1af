"""The result publisher that turns a change-feed catch-up's results into change events.

It sits in front of the result publisher (SQS, and the webhooks when they are on). Every message passes
untouched, except the result (or a page) of a catch-up job — its ``feed`` names the catch-up — which
goes to :meth:`chalicelib.feed.service.FeedService.events_of_result`: its records are published as events
instead. Light on purpose: the SOAP path publishes through it, and the feed service (which reads answers
with the typed models) is made only when a catch-up's result comes by.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.jobs.ports import PayloadStore, ResultPublisher

if TYPE_CHECKING:
    from chalicelib.feed.service import FeedService


class LazyFeed:
    """The deployment's feed service, made on first use."""

    def __init__(self, make: Callable[[], FeedService]) -> None:
        self._make = make
        self._made: FeedService | None = None
        self._lock = threading.Lock()

    def __call__(self) -> FeedService:
        with self._lock:
            if self._made is None:
                self._made = self._make()
            return self._made


class FeedPublisher:
    def __init__(self, inner: ResultPublisher, feed: Callable[[], FeedService],
                 payloads: PayloadStore | None = None) -> None:
        self.inner = inner
        self.feed = feed
        self.payloads = payloads

    def publish(self, message: Mapping[str, Any]) -> None:
        if not message.get("feed"):
            self.inner.publish(message)
            return
        self.feed().events_of_result(message, self.inner, self.payloads)
