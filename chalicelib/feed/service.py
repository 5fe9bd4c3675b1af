"""Subscriptions, the catch-ups they schedule, and the publisher that turns a catch-up's answers into events.

:class:`FeedService` creates, lists and deletes subscriptions and, from the scheduled task
(:meth:`FeedService.run_due`, every minute), starts each due catch-up: a job per followed type and one
per deleted query, enqueued at background priority with an ``Idempotency-Key`` made of the
subscription, the catch-up's number and the type, so that a task that dies half-way and runs again
finds the jobs it made. The subscription's ``run`` is then moved on in one conditional write (a second
task running at once loses it and has changed nothing: its enqueues found the same jobs). A catch-up
starts only once every type of the one before is done; until then it is looked at again a minute later.
Each job may wait in the company file's queue until the next catch-up is due (its deadline); one that
expires, fails or is cancelled leaves its type's mark where it was, so the next catch-up asks for the
same window again, and is noted on the subscription (``last_error``).

:meth:`FeedService.events_of_result` is what :class:`~chalicelib.feed.publisher.FeedPublisher` calls for a
result of a catch-up job (its ``feed`` names the catch-up), which is not published as a result: each of its
records becomes a change event
(:mod:`chalicelib.feed.window`), published in the order of the page, then the type's mark takes what
the page published (``pending``) and, on the last page, is folded forward. A page whose events cannot
all be published raises: the job's result stays in the outbox and the page is published again (the
events keep their ids; a FIFO queue drops a repeat within five minutes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.feed import window
from chalicelib.feed.models import (
    DEFAULT_INTERVAL_SECONDS,
    MIN_INTERVAL_SECONDS,
    STARTS,
    FeedStore,
    Mark,
    Seen,
    Subscription,
)
from chalicelib.feed.types import LIST, TXN, feed_type, feed_types
from chalicelib.jobs.models import PRIORITY_BACKGROUND
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, StoreConflict
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.results import iso, publish_all
from chalicelib.jobs.security import new_id
from chalicelib.observability import NO_METRICS, Metrics

log = logging.getLogger(__name__)

FEED_SOURCE = "feed"
MAX_INTERVAL_SECONDS = 7 * 86400
FEED_PAGE_SIZE = 200
BUSY_RETRY = timedelta(minutes=1)
_ANSWERED = frozenset({"succeeded", "in_flight"})


class FeedService:
    def __init__(self, store: FeedStore, queue: JobQueue, clock: Clock, *,
                 overlap: timedelta = window.DEFAULT_OVERLAP, page_size: int = FEED_PAGE_SIZE,
                 metrics: Metrics = NO_METRICS) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.overlap = overlap
        self.page_size = page_size
        self.metrics = metrics

    # Subscriptions ---------------------------------------------------------------------------------------
    def create(self, end_user_id: str, object_types: Sequence[str], *,
               interval_seconds: int = DEFAULT_INTERVAL_SECONDS, start: str = "now") -> Subscription:
        self._check(object_types, interval_seconds, start)
        if self.queue.store.get_end_user(end_user_id) is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        now = self.clock()
        subscription = Subscription(
            id=new_id("fsub", int(now.timestamp() * 1000)), end_user_id=end_user_id,
            object_types=tuple(dict.fromkeys(object_types)), interval_seconds=interval_seconds, start=start,
            created_at=now, next_run_at=now)
        self.store.put_subscription(subscription)
        log.info("feed subscription created", extra={"end_user_id": end_user_id, "subscription_id": subscription.id,
                                                     "types": list(subscription.object_types)})
        return subscription

    @staticmethod
    def _check(object_types: Sequence[str], interval_seconds: int, start: str) -> None:
        unknown = sorted({t for t in object_types if feed_type(t) is None})
        if not object_types or unknown:
            raise error("invalid_request", (f"unknown object types {unknown}; " if unknown else "no object types; ")
                        + f"a feed follows {', '.join(feed_types())}")
        if not MIN_INTERVAL_SECONDS <= interval_seconds <= MAX_INTERVAL_SECONDS:
            raise error("invalid_request", f"interval_seconds must be from {MIN_INTERVAL_SECONDS} to "
                                           f"{MAX_INTERVAL_SECONDS}")
        if start not in STARTS:
            raise error("invalid_request", f"start is one of {', '.join(STARTS)}")

    def get(self, end_user_id: str, subscription_id: str) -> Subscription:
        found = self.store.get_subscription(end_user_id, subscription_id)
        if found is None:
            raise error("subscription_not_found", f"no subscription {subscription_id!r} for this end-user")
        return found

    def list_for(self, end_user_id: str) -> list[Subscription]:
        if self.queue.store.get_end_user(end_user_id) is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        return self.store.list_subscriptions(end_user_id)

    def update(self, end_user_id: str, subscription_id: str, *, object_types: Sequence[str] | None = None,
               interval_seconds: int | None = None) -> Subscription:
        """Change what a subscription follows or how often. A type added starts as the subscription did
        (``now``: from this change on; ``full``: every record) with the next catch-up; a type removed keeps
        no mark. The next catch-up is due at most one new interval from now."""
        current = self.get(end_user_id, subscription_id)
        types = tuple(dict.fromkeys(object_types)) if object_types is not None else current.object_types
        interval = interval_seconds if interval_seconds is not None else current.interval_seconds
        self._check(types, interval, current.start)
        names = set(self.mark_names(dataclasses.replace(current, object_types=types)))
        changes: dict[str, Any] = {"object_types": types, "interval_seconds": interval,
                                   "next_run_at": min(current.next_run_at, self.clock() + timedelta(seconds=interval))}
        updated = self.store.update_subscription(current, changes)
        for dropped in set(current.marks) - names:  # one mark at a time: a page's set_mark is never undone
            self.store.set_mark(updated, dropped, Mark())
        since = self.clock().isoformat() if current.start == "now" else None  # before it: not news
        for added in names - set(self.mark_names(current)):  # done with the catch-ups it was not part of
            self.store.set_mark(updated, added, Mark(done_run=current.run, since=since))
        return self.store.get_subscription(end_user_id, subscription_id) or updated

    def delete(self, end_user_id: str, subscription_id: str) -> None:
        if not self.store.delete_subscription(end_user_id, subscription_id):
            raise error("subscription_not_found", f"no subscription {subscription_id!r} for this end-user")

    # Catch-ups -------------------------------------------------------------------------------------------
    def run_due(self, limit: int = 100) -> int:
        """Start every due catch-up (the scheduled task). Returns how many started."""
        started = 0
        for subscription in self.store.due_subscriptions(self.clock(), limit):
            try:
                started += self.start(subscription)
            except Exception:  # one end-user's trouble never stops the others'
                log.exception("feed catch-up could not start", extra={"subscription_id": subscription.id,
                                                                      "end_user_id": subscription.end_user_id})
        return started

    @staticmethod
    def mark_names(subscription: Subscription) -> list[str]:
        """The marks a catch-up of ``subscription`` moves: one per type, one per deleted query."""
        families = {t.family for t in map(feed_type, subscription.object_types) if t is not None}
        return [*subscription.object_types, *(window.deleted_mark_name(f) for f in (LIST, TXN) if f in families)]

    def start(self, subscription: Subscription) -> bool:
        """Enqueue the next catch-up of ``subscription`` unless the one before is not done yet."""
        now = self.clock()
        names = self.mark_names(subscription)
        if subscription.run and any(subscription.mark(n).done_run < subscription.run for n in names):
            self.store.update_subscription(subscription, {"next_run_at": now + BUSY_RETRY},
                                           expect_run=subscription.run)
            return False
        run = subscription.run + 1
        jobs = [self._enqueue(subscription, run, name) for name in names]
        try:
            self.store.update_subscription(subscription, {
                "run": run, "running": tuple(jobs), "last_run_at": now,
                "next_run_at": now + timedelta(seconds=subscription.interval_seconds)}, expect_run=subscription.run)
        except StoreConflict:
            return False  # another task started it (with the same jobs), or it was deleted
        log.info("feed catch-up started", extra={"subscription_id": subscription.id, "run": run,
                                                 "end_user_id": subscription.end_user_id, "jobs": len(jobs)})
        self.metrics.put("FeedCatchUpsStarted")
        return True

    def _enqueue(self, subscription: Subscription, run: int, name: str) -> str:
        mark = subscription.mark(name)
        bound = window.since(mark, subscription, self.overlap)
        ft = feed_type(name)
        if ft is not None:
            call = window.modified_query(ft, bound)
            qbxml, paging = call.qbxml, {"page_size": self.page_size} if call.pages else None
        else:
            family = window.deleted_family(name)
            del_types = [d for t in map(feed_type, subscription.object_types)
                         if t is not None and t.family == family for d in t.del_types]
            qbxml, paging = window.deleted_query(family, del_types, bound), None
        job, _ = self.queue.enqueue(
            subscription.end_user_id, qbxml, source=FEED_SOURCE, priority=PRIORITY_BACKGROUND, paging=paging,
            deadline_seconds=subscription.interval_seconds, idempotency_key=f"feed:{subscription.id}:{run}:{name}",
            feed=f"{subscription.id}|{run}|{name}", whole=True)
        return job.id

    # Events ----------------------------------------------------------------------------------------------
    def events_of_result(self, message: Mapping[str, Any], publish: ResultPublisher,
                         payloads: PayloadStore | None) -> None:
        """A catch-up job's result (or page) → its events, published with ``publish``; the mark moved."""
        subscription_id, run_text, name = str(message["feed"]).split("|", 2)
        run = int(run_text)
        subscription = self.store.get_subscription(str(message["end_user_id"]), subscription_id)
        if subscription is None:
            return  # deleted since: its catch-ups end unheard
        if name not in self.mark_names(subscription):
            return  # a type no longer followed: its catch-up ends unheard
        mark = subscription.mark(name)
        if mark.done_run >= run:
            return  # a result published again after its catch-up was folded in: nothing new
        status = str(message.get("status"))
        if status not in _ANSWERED:
            self._failed(subscription, name, mark, run, message.get("error") or {"code": status})
            return
        try:
            events, seen = self._events(subscription, name, mark, message, payloads)
        except GatewayError as exc:
            self._failed(subscription, name, mark, run, exc.to_dict())
            return
        publish_all(publish, events)  # ten to an SQS call: a page of 200 records is 20 calls, not 200
        if events:
            self.metrics.put("FeedEvents", len(events))
        mark = window.with_pending(mark, run, seen)
        if status == "succeeded":  # the last page, or the one answer of an unpaged query
            mark = window.advance(mark, run, self.overlap, began=_instant(message.get("started_at")))
        self.store.set_mark(subscription, name, mark)

    def _events(self, subscription: Subscription, name: str, mark: Mark, message: Mapping[str, Any],
                payloads: PayloadStore | None) -> tuple[list[dict[str, Any]], list[Seen]]:
        from chalicelib.resources.answer import records_of

        text = message.get("response_qbxml")
        if text is None and message.get("response_s3_uri") and payloads is not None:
            text = payloads.get(str(message["response_s3_uri"]))
        if text is None:
            raise error("quickbooks_response_unreadable", "the catch-up's answer is missing")
        records = records_of(str(text))
        if feed_type(name) is not None:
            return window.events_of(records, name, mark, subscription, self.overlap)
        family = window.deleted_family(name)
        return window.deleted_events_of(records, family, mark, subscription, self.overlap)

    def _failed(self, subscription: Subscription, name: str, mark: Mark, run: int, err: Mapping[str, Any]) -> None:
        """A catch-up job that did not answer: its mark stays (the next catch-up asks again), it is done."""
        log.warning("feed catch-up job did not answer", extra={"subscription_id": subscription.id, "type": name,
                                                              "run": run, "error_code": err.get("code")})
        self.store.set_mark(subscription, name, dataclasses.replace(mark, pending_run=None, pending=(), done_run=run))
        failure = {**dict(err), "object_type": name, "occurred_at": iso(self.clock())}
        with contextlib.suppress(StoreConflict):
            self.store.update_subscription(subscription, {"last_error": failure})


def _instant(text: Any) -> datetime | None:
    """An ISO time of a result message (``started_at``), or None."""
    if not text:
        return None
    with contextlib.suppress(ValueError):
        return window.instant(str(text))
    return None
