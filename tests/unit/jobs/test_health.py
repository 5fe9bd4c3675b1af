"""The health check's waiting rules (chalicelib.jobs.health), with an in-memory store and fake time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.errors import GatewayError
from chalicelib.jobs.health import HealthCheck
from chalicelib.jobs.models import EndUser
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.results import iso
from chalicelib.jobs.states import JobStatus
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.fakes import FakeClock


class FakeTime:
    """monotonic/sleep pair; each sleep runs the next scripted event, then advances time."""

    def __init__(self, clock: FakeClock, events: list[object]) -> None:
        self.clock, self.events, self.t, self.sleeps = clock, events, 0.0, 0

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.events:
            event = self.events.pop(0)
            if callable(event):
                event()
        self.t += seconds
        self.clock.advance(seconds=seconds)


def _connected(store: MemoryStore, user: EndUser, clock: FakeClock) -> None:
    store.update_end_user(user.id, {"last_heartbeat_at": clock(), "poll_seconds": 20})


def _report(store: MemoryStore, user: EndUser, clock: FakeClock, code: str, retrying: bool) -> object:
    def event() -> None:
        store.update_end_user(user.id, {"last_error": {
            "type": "connection_error", "code": code, "message": code, "user_facing_message": f"fix {code}.",
            "integration_code": "0x80040416", "occurred_at": iso(clock()), "retrying": retrying}})
    return event


def test_a_connection_error_still_being_retried_is_not_the_answer(
        store: MemoryStore, queue: JobQueue, user: EndUser, clock: FakeClock) -> None:
    # GIVEN a polling end-user; during the check the Web Connector first reports an error the gateway
    # is retrying, then the final one
    _connected(store, user, clock)
    fake = FakeTime(clock, [_report(store, user, clock, "quickbooks_not_running", True), None,
                            _report(store, user, clock, "quickbooks_dialog_open", False)])
    check = HealthCheck(store, queue, clock, budget=timedelta(seconds=25), offline_grace=timedelta(seconds=30),
                        sleep=fake.sleep, monotonic=fake.monotonic)
    # WHEN the health check runs
    with pytest.raises(GatewayError) as caught:
        check.run(user.id)
    # THEN it answered with the final error, not the one still being retried, and withdrew the check
    assert caught.value.code == "quickbooks_dialog_open"
    assert fake.sleeps >= 3
    withdrawn = [j for j in store.jobs.values() if j.source == "health_check"]
    assert [j.status for j in withdrawn] == [JobStatus.CANCELLED]


def test_silence_until_the_budget_is_a_timeout(store: MemoryStore, queue: JobQueue, user: EndUser,
                                               clock: FakeClock) -> None:
    # GIVEN a polling end-user whose QuickBooks never answers
    _connected(store, user, clock)
    fake = FakeTime(clock, [])
    check = HealthCheck(store, queue, clock, budget=timedelta(seconds=2), offline_grace=timedelta(seconds=30),
                        sleep=fake.sleep, monotonic=fake.monotonic)
    # WHEN the health check runs THEN it times out with its own error and withdraws the query
    with pytest.raises(GatewayError) as caught:
        check.run(user.id)
    assert caught.value.code == "health_check_timeout"
    assert store.read_file(user.id).head is None  # withdrawn: nothing left in the queue
