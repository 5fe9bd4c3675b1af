"""When a webhook delivery is tried again, and when it is given up: the schedule and the states, as data.

A delivery is one message (a job's result, a change event) for one endpoint. Its states::

    pending ──attempt: 2xx──────────────► delivered
       │  ▲
       │  └──attempt failed, still inside the retry window: next attempt after the backoff
       └─────attempt failed, window over──► dead ──replay (CLI / REST)──► pending

An attempt *fails* on anything but a 2xx answer within :data:`ATTEMPT_TIMEOUT_SECONDS`: a 3xx (redirects
are never followed: a redirect could point anywhere), a 4xx or 5xx, a timeout, a refused connection, a
TLS error, or an address the endpoint's name no longer may resolve to. Every failure is retried; a
receiver that wants no more answers 2xx and drops the message.

The backoff doubles from 30 s up to 4 h, with up to 20 % of random jitter added so that the deliveries
of an endpoint that was down do not all come back in the same second, and a delivery is given up
(``dead``) at the first failure 24 h or more after its first attempt: with this schedule that is the
fourteenth or fifteenth attempt. A dead delivery stays in the endpoint's delivery log and can be
replayed, which starts its schedule again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class Event(StrEnum):
    SUCCEEDED = "succeeded"  # a 2xx answer
    FAILED = "failed"  # anything else
    REPLAYED = "replayed"


#: (state, event) → state; the retry window decides between the two outcomes of a failure.
TRANSITIONS: dict[tuple[DeliveryStatus, Event], tuple[DeliveryStatus, ...]] = {
    (DeliveryStatus.PENDING, Event.SUCCEEDED): (DeliveryStatus.DELIVERED,),
    (DeliveryStatus.PENDING, Event.FAILED): (DeliveryStatus.PENDING, DeliveryStatus.DEAD),
    (DeliveryStatus.DEAD, Event.REPLAYED): (DeliveryStatus.PENDING,),
    (DeliveryStatus.DELIVERED, Event.REPLAYED): (DeliveryStatus.PENDING,),
}

ATTEMPT_TIMEOUT_SECONDS = 10.0
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=4)
RETRY_WINDOW = timedelta(hours=24)
JITTER = 0.2
_RANDOM = random.Random()  # jitter needs no secrecy


@dataclass(frozen=True)
class Next:
    """What a finished attempt leads to: the new state, and when to try again (pending only)."""

    status: DeliveryStatus
    attempt_at: datetime | None


def backoff(failed_attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``failed_attempts``-th failure (1 = the first): 30 s doubling to 4 h, + jitter."""
    if failed_attempts < 1:
        raise ValueError("backoff follows a failed attempt")
    base = min(FIRST_BACKOFF * (1 << min(failed_attempts - 1, 20)), MAX_BACKOFF)
    generator: random.Random = rng or _RANDOM
    return base * (1 + JITTER * generator.random())


def after_attempt(status: DeliveryStatus, *, succeeded: bool, failed_attempts: int, first_attempt_at: datetime,
                  now: datetime, rng: random.Random | None = None) -> Next:
    """The state after an attempt. ``failed_attempts`` counts this attempt when it failed."""
    event = Event.SUCCEEDED if succeeded else Event.FAILED
    allowed = TRANSITIONS.get((status, event))
    if allowed is None:
        raise ValueError(f"a {status} delivery is not attempted")
    if succeeded:
        return Next(DeliveryStatus.DELIVERED, None)
    if now - first_attempt_at >= RETRY_WINDOW:
        return Next(DeliveryStatus.DEAD, None)
    return Next(DeliveryStatus.PENDING, now + backoff(failed_attempts, rng=rng))


def replay(status: DeliveryStatus, now: datetime) -> Next:
    """A dead (or delivered) delivery sent again: pending at once, its schedule started anew."""
    if (status, Event.REPLAYED) not in TRANSITIONS:
        raise ValueError(f"a {status} delivery cannot be replayed: it is still being tried")
    return Next(DeliveryStatus.PENDING, now)


def schedule(rng: random.Random | None = None) -> list[timedelta]:
    """The waits between attempts of a delivery that always fails, up to the one that gives it up."""
    waits: list[timedelta] = []
    elapsed = timedelta(0)
    failed = 0
    while True:
        failed += 1
        if elapsed >= RETRY_WINDOW:
            return waits
        wait = backoff(failed, rng=rng)
        waits.append(wait)
        elapsed += wait
