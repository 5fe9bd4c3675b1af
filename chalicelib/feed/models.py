"""Subscriptions to the change feed, where each followed type stands, and the port their store implements.

A :class:`Subscription` belongs to one end-user: the types it follows, how often a catch-up runs
(``interval_seconds``, at least :data:`MIN_INTERVAL_SECONDS`), and how its first catch-up starts
(``start``: ``now`` — changes from the subscription's creation on — or ``full``: every record, as
``added``). ``run`` counts the catch-ups started; ``running`` names the jobs of the one under way
(a catch-up starts only once every job of the one before is finished).

Where a followed type stands is its :class:`Mark`, kept in ``marks`` by type name (and by
``deleted:list`` / ``deleted:txn`` for the two deleted queries): ``at``, the newest ``TimeModified``
(``TimeDeleted``) seen, as QuickBooks wrote it (with the company's UTC offset); ``recent``, what was
seen at or after ``at`` minus the overlap, ``(id, revision)`` pairs, so that the overlap's records are
not published twice; and ``pending``, what the pages of the catch-up under way saw so far, folded into
``at`` and ``recent`` when its last page is out; ``done_run``, the last catch-up whose end (its last
page, or its failure) the type has seen: the next catch-up starts only once every type of the one before
is done, so two never fold into one mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

MIN_INTERVAL_SECONDS = 300
DEFAULT_INTERVAL_SECONDS = 3600
STARTS = ("now", "full")
DELETED_LIST, DELETED_TXN = "deleted:list", "deleted:txn"


@dataclass(frozen=True)
class Seen:
    """One record a catch-up saw (published, or dropped as older than a ``now`` subscription): its id,
    its revision (``EditSequence``; ``deleted`` for a deletion) and its ``TimeModified`` (``TimeDeleted``)
    text."""

    id: str
    revision: str
    at: str


@dataclass(frozen=True)
class Mark:
    """Where one followed type stands (see the module's story)."""

    at: str | None = None
    recent: tuple[Seen, ...] = ()
    pending_run: int | None = None
    pending: tuple[Seen, ...] = ()
    done_run: int = 0  # the last catch-up whose last page (or failure) this type has seen
    since: str | None = None  # a type added to a ``now`` subscription later: news from this instant on

    def to_dict(self) -> dict[str, Any]:
        def rows(seen: tuple[Seen, ...]) -> list[list[str]]:
            return [[s.id, s.revision, s.at] for s in seen]
        return {"at": self.at, "recent": rows(self.recent), "pending_run": self.pending_run,
                "pending": rows(self.pending),
                "done_run": self.done_run, "since": self.since}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Mark:
        if not data:
            return cls()

        def seen(rows: Any) -> tuple[Seen, ...]:
            return tuple(Seen(str(r[0]), str(r[1]), str(r[2])) for r in rows or ())
        run = data.get("pending_run")
        return cls(data.get("at"), seen(data.get("recent")), int(run) if run is not None else None,
                   seen(data.get("pending")), int(data.get("done_run") or 0), data.get("since"))


@dataclass(frozen=True)
class Subscription:
    id: str  # fsub_…
    end_user_id: str
    object_types: tuple[str, ...]
    interval_seconds: int
    start: str  # "now" or "full"
    created_at: datetime
    next_run_at: datetime
    run: int = 0
    running: tuple[str, ...] = ()  # the job ids of the catch-up under way
    marks: dict[str, Any] = field(default_factory=dict)  # type name → Mark.to_dict()
    last_run_at: datetime | None = None
    last_error: dict[str, Any] | None = None

    def mark(self, name: str) -> Mark:
        return Mark.from_dict(self.marks.get(name))


class FeedStore(Protocol):
    """Subscriptions, beside the end-user's jobs. Due ones are found through an index, never a Scan."""

    def put_subscription(self, subscription: Subscription) -> None:
        """Create; raises StoreConflict when the id exists."""
        ...

    def get_subscription(self, end_user_id: str, subscription_id: str) -> Subscription | None: ...

    def list_subscriptions(self, end_user_id: str) -> list[Subscription]: ...

    def delete_subscription(self, end_user_id: str, subscription_id: str) -> bool: ...

    def update_subscription(self, subscription: Subscription, changes: Mapping[str, Any], *,
                            expect_run: int | None = None) -> Subscription:
        """Apply ``changes`` (fields of :class:`Subscription`); with ``expect_run``, only while ``run`` is
        that (a catch-up started meanwhile makes it StoreConflict). Raises StoreConflict when it is gone."""
        ...

    def set_mark(self, subscription: Subscription, name: str, mark: Mark) -> None:
        """Store one type's mark (other types' marks untouched). No-op when the subscription is gone."""
        ...

    def due_subscriptions(self, now: datetime, limit: int = 100) -> list[Subscription]:
        """Subscriptions whose ``next_run_at`` is not after ``now``, the longest-waiting first."""
        ...
