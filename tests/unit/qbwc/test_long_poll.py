"""The opt-in long-poll of sendRequestXML (chalicelib.qbwc.longpoll), on the fake clock.

The service's sleep is the test's: it moves the clock and, when a test says so, lets the SaaS enqueue
a job at a chosen moment of the hold, as a REST call would while the Web Connector's call is held.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from chalicelib.config import Settings
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc.longpoll import LongPoll
from chalicelib.qbwc.service import NOOP
from chalicelib.store.memory import MemoryStore
from chalicelib.wiring import build
from tests.unit.jobs.harness import Harness

HOLD = timedelta(seconds=10)


class HeldClock:
    """The service's ``sleep``: moves the fake clock; at ``at`` seconds into the holds, runs ``then``."""

    def __init__(self, gw: Harness) -> None:
        self.gw = gw
        self.slept: list[float] = []
        self.then: tuple[float, Callable[[], None]] | None = None

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.gw.clock.advance(seconds=seconds)
        if self.then is not None and sum(self.slept) >= self.then[0]:
            action = self.then[1]
            self.then = None
            action()


@pytest.fixture
def gw() -> Harness:
    """GIVEN a session kept alive 30 s after its last job, long-poll on with a 10 s hold."""
    gw = Harness.build()
    gw.service.long_poll = LongPoll(hold=HOLD)
    gw.service.sleep = HeldClock(gw)
    return gw


def idle_session(gw: Harness) -> str:
    """A session that ran one job and now has nothing to do (the keep-alive window is open)."""
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    assert gw.answer(ticket, job) == 99  # kept alive for the next job
    return ticket


def sleeper(gw: Harness) -> HeldClock:
    sleep = gw.service.sleep
    assert isinstance(sleep, HeldClock)
    return sleep


def test_a_job_enqueued_during_the_hold_goes_out_in_the_same_call(gw: Harness) -> None:
    ticket = idle_session(gw)
    sleep = sleeper(gw)
    jobs = []
    # GIVEN the SaaS enqueues a job 3 s into the held sendRequestXML
    sleep.then = (3.0, lambda: jobs.append(gw.enqueue()))
    # WHEN the Web Connector asks for work
    document = gw.send(ticket)
    # THEN the same call hands it out, one read interval after it came, not after QBWC's 5 s pause
    assert jobs and f'requestID="{jobs[0].id}"' in document
    assert sum(sleep.slept) == pytest.approx(3.0 + LongPoll().interval, abs=LongPoll().interval)
    assert gw.answer(ticket, jobs[0]) == 99 and gw.job(jobs[0].id).status is JobStatus.SUCCEEDED


def test_with_nothing_to_do_the_call_is_held_for_the_hold_and_answers_as_before(gw: Harness) -> None:
    ticket = idle_session(gw)
    reads = []
    read_file = gw.store.read_file
    gw.store.read_file = lambda *a, **k: reads.append(1) or read_file(*a, **k)  # type: ignore[method-assign]
    started = gw.clock.now
    # WHEN the queue stays empty
    assert gw.send(ticket) == ""
    # THEN "" after the hold (QBWC then asks getLastError: NoOp), one read per interval, no write
    assert gw.clock.now - started == HOLD
    assert len(reads) == 1 + HOLD.total_seconds() / LongPoll().interval
    assert gw.last_error(ticket) == NOOP


def test_the_hold_ends_at_the_idle_limit_and_the_next_call_ends_the_session(gw: Harness) -> None:
    ticket = idle_session(gw)
    # GIVEN 25 s of the 30 s keep-alive window have gone
    gw.clock.advance(seconds=25)
    started = gw.clock.now
    # WHEN the Web Connector asks  THEN the call is held only until the window closes
    assert gw.send(ticket) == ""
    assert gw.clock.now - started == timedelta(seconds=5)
    # AND the next call hands out the closing request, as without long-poll
    assert "HostQueryRq" in gw.send(ticket)


def test_a_session_that_loses_the_file_during_the_hold_stops_waiting(gw: Harness) -> None:
    ticket = idle_session(gw)
    sleep = sleeper(gw)
    lease = gw.store.get_lease(gw.user.id)
    assert lease is not None
    jobs = []

    def lost_then_work() -> None:  # the lease is released (the sweeper, a takeover), then a job comes
        gw.store.release_lease(lease, pointer=None, due=gw.clock.now)
        jobs.append(gw.enqueue())

    # GIVEN the session loses the file 2 s into the hold, and a job is enqueued right after
    sleep.then = (2.0, lost_then_work)
    # WHEN the held call looks again  THEN it stops at once and hands out nothing
    assert gw.send(ticket) == ""
    assert sum(sleep.slept) == pytest.approx(2.0)
    assert jobs and gw.job(jobs[0].id).status is JobStatus.QUEUED


def test_long_poll_is_off_by_default_and_never_sleeps() -> None:
    gw = Harness.build()
    slept: list[float] = []
    gw.service.sleep = slept.append
    ticket = idle_session(gw)
    # WHEN the queue is empty  THEN "" at once
    assert gw.send(ticket) == "" and slept == []


@pytest.mark.parametrize("seconds", [-1, 21, 3600])
def test_a_hold_outside_0_to_20_seconds_is_refused(seconds: int) -> None:
    with pytest.raises(ValueError, match="0 to 20 seconds"):
        LongPoll(hold=timedelta(seconds=seconds))


def test_the_deployment_s_setting_turns_it_on_and_is_checked_against_the_stale_time() -> None:
    settings = Settings.from_env({"QBDGW_LONG_POLL_SECONDS": "15"})
    services = build(settings, store=MemoryStore(), clients={"sqs": None})
    assert services.qbwc.long_poll == LongPoll(hold=timedelta(seconds=15))
    # a hold longer than a third of the stale time would make a held session look silent
    with pytest.raises(ValueError, match="a third of session_stale_seconds"):
        build(Settings.from_env({"QBDGW_LONG_POLL_SECONDS": "15", "QBDGW_SESSION_STALE_SECONDS": "40"}),
              store=MemoryStore(), clients={"sqs": None})
