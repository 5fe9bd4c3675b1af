"""The webhook retry schedule and delivery states (chalicelib.delivery.retries)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.delivery.retries import (
    MAX_BACKOFF,
    RETRY_WINDOW,
    DeliveryStatus,
    after_attempt,
    backoff,
    replay,
    schedule,
)

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@given(seed=st.integers(0, 2**32))
def test_a_delivery_that_always_fails_is_tried_for_at_least_24_hours_then_given_up(seed: int) -> None:
    rng = random.Random(seed)
    # WHEN every attempt fails, the delivery walks its schedule
    first = now = T0
    status, failed = DeliveryStatus.PENDING, 0
    attempts = 0
    while status is DeliveryStatus.PENDING:
        attempts += 1
        failed += 1
        step = after_attempt(status, succeeded=False, failed_attempts=failed, first_attempt_at=first, now=now, rng=rng)
        status = step.status
        if step.attempt_at is not None:
            assert timedelta(seconds=30) <= step.attempt_at - now <= MAX_BACKOFF * 1.2
            now = step.attempt_at
    # THEN it was given up only after 24 h of trying, after 14 to 16 attempts, never more than 4.8 h apart
    assert status is DeliveryStatus.DEAD
    assert now - first >= RETRY_WINDOW
    assert 14 <= attempts <= 16
    assert now - first < RETRY_WINDOW + MAX_BACKOFF * 1.2


def test_the_backoff_doubles_from_30_seconds_and_stops_at_4_hours() -> None:
    no_jitter = random.Random(0)
    no_jitter.random = lambda: 0.0  # type: ignore[method-assign]
    waits = [backoff(n, rng=no_jitter).total_seconds() for n in range(1, 12)]
    assert waits[:4] == [30, 60, 120, 240]
    assert waits[-1] == MAX_BACKOFF.total_seconds() and max(waits) == MAX_BACKOFF.total_seconds()
    assert len(schedule(random.Random(3))) in (14, 15, 16)
    with pytest.raises(ValueError):
        backoff(0)


def test_a_2xx_delivers_and_a_dead_or_delivered_delivery_can_be_replayed_but_a_pending_one_not() -> None:
    assert after_attempt(DeliveryStatus.PENDING, succeeded=True, failed_attempts=3, first_attempt_at=T0,
                         now=T0 + timedelta(hours=2)).status is DeliveryStatus.DELIVERED
    again = replay(DeliveryStatus.DEAD, T0)
    assert (again.status, again.attempt_at) == (DeliveryStatus.PENDING, T0)
    assert replay(DeliveryStatus.DELIVERED, T0).status is DeliveryStatus.PENDING
    with pytest.raises(ValueError, match="still being tried"):
        replay(DeliveryStatus.PENDING, T0)
    with pytest.raises(ValueError, match="not attempted"):
        after_attempt(DeliveryStatus.DEAD, succeeded=True, failed_attempts=0, first_attempt_at=T0, now=T0)
