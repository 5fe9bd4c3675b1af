"""The opt-in long-poll of ``sendRequestXML``: an idle session's call waits a little for the next job.

Without it, a session kept alive after its last job answers an empty ``sendRequestXML`` at once; QBWC
asks ``getLastError``, gets ``NoOp`` and waits five seconds before it asks again, so a job enqueued
meanwhile waits 2.5 s on average (p50 2.7 s measured, docs/benchmarks.md) before QuickBooks sees it.

With ``long_poll_seconds`` (``QBDGW_LONG_POLL_SECONDS``) above zero the empty answer is held back: the
call re-reads the company file every :attr:`LongPoll.interval` seconds (one strongly consistent Query,
the read every ``sendRequestXML`` makes anyway) and hands out the first job that comes, within that
same call. It gives up, and answers ``""`` as before, when the hold is over, when the session's idle
limit comes (then the next call ends the session as a success), or as soon as the session no longer
holds the file. Nothing is written while it waits, so the queue core's state machine does not change:
a held call is a slow ``sendRequestXML``, and the seeded simulation runs with it on.

The hold is bounded well below every timeout on the way: API Gateway's 29 s, the function's 30 s, the
Web Connector's own (minutes), and a third of ``session_stale_seconds``, so that a held session is
never taken for a silent one. Its price is Lambda duration: a held call is billed for the whole wait
(docs/benchmarks.md, "Long-poll").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from chalicelib.jobs.dispatch import VIEW_JOBS
from chalicelib.jobs.models import FileView, Lease
from chalicelib.jobs.ports import Clock, Store

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class LongPoll:
    """How long an idle ``sendRequestXML`` may wait for a job, and how often it looks."""

    hold: timedelta = timedelta(0)
    interval: float = 0.25  # seconds between reads: half of it is the mean wait a job adds

    MAX_HOLD: ClassVar[timedelta] = timedelta(seconds=20)

    def __post_init__(self) -> None:
        if not timedelta(0) <= self.hold <= self.MAX_HOLD:
            raise ValueError(f"the long-poll hold is 0 to {self.MAX_HOLD.seconds} seconds, not {self.hold}")
        if not 0 < self.interval <= 5:
            raise ValueError(f"the long-poll interval is above 0 and at most 5 seconds, not {self.interval}")

    @classmethod
    def of_seconds(cls, seconds: float, *, stale_after: timedelta) -> LongPoll:
        """The hold a deployment configured, checked against the session's stale time."""
        hold = timedelta(seconds=seconds)
        if hold * 3 > stale_after:
            raise ValueError(f"long_poll_seconds ({seconds}) must be at most a third of session_stale_seconds "
                             f"({stale_after.total_seconds():g}): a held session would look silent")
        return cls(hold=hold)

    @property
    def enabled(self) -> bool:
        return self.hold > timedelta(0)


def wait_for_work(store: Store, clock: Clock, sleep: Sleep, lease: Lease, until: datetime,
                  interval: float) -> tuple[FileView, Lease] | None:
    """Re-read ``lease``'s file every ``interval`` until a job is queued or in doubt, or ``until``.

    Returns the read and the lease as read (for the next conditional write), or None when time ran
    out or the session no longer holds the file (closed, taken over, expired).
    """
    while True:
        remaining = (until - clock()).total_seconds()
        if remaining <= 0:
            return None
        sleep(min(interval, remaining))
        view = store.read_file(lease.end_user_id, jobs=VIEW_JOBS)
        current = view.lease
        if (current is None or current.holder != lease.holder or current.epoch != lease.epoch
                or not current.live(clock()) or view.user is None):
            return None
        if view.jobs:
            return view, current
