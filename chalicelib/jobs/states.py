"""The job state machine, as data (the lease side is in :mod:`chalicelib.jobs.dispatch`).

::

        ┌────────┐  answered (settle)       ┌───────────┐
        │ queued │ ───────────────────────► │ succeeded │
        └────────┘ ───────────┐             ├───────────┤
          │ ▲  │ ▲  rejected, │             │  failed   │ ◄── abandoned too often (reads)
          │ │  │ │  invalid   └───────────► ├───────────┤
          │ │  │ └─ read lost: attempt      │  expired  │ ◄── deadline passed while queued
          │ │  │    counted (stays queued)  ├───────────┤
          │ │  └──────────────────────────► │ cancelled │ ◄── a health check nobody ran
          │ │ 600: never applied            └───────────┘
          ▼ │                                     ▲
        ┌──────────┐ probe answered / late answer │ / deadline passed (in_doubt_unresolved)
        │ in_doubt │ ─────────────────────────────┘
        └──────────┘
          ▲ a write whose answer never came (session lost, QuickBooks threw)

The stored status of a job QuickBooks is running stays ``queued``: the company file's lease points
at it, and views show ``in_flight`` (so handing a job out is one write, on the lease). An ``in_doubt``
write heads its company file's queue: the next session first asks QuickBooks, with qbXML error
recovery (``oldMessageSetID``), what became of it. It is never blindly re-sent.

Only the transitions in :data:`TRANSITIONS` are legal; the store enforces the expected source state
(and the attempt being answered) with a conditional write, so two Lambdas cannot both move a job.
"""

from __future__ import annotations

import enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    IN_FLIGHT = "in_flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    IN_DOUBT = "in_doubt"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.CANCELLED})

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED,
                                 JobStatus.CANCELLED, JobStatus.IN_DOUBT}),
    JobStatus.IN_FLIGHT: frozenset(),  # a view of a queued job the lease points at; never stored
    JobStatus.IN_DOUBT: frozenset({JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.EXPIRED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}


class IllegalTransition(ValueError):
    """A programming error: the code asked for a move the state machine does not have."""


def sources_for(target: JobStatus, allowed_from: frozenset[JobStatus] | None = None) -> frozenset[JobStatus]:
    """Every state from which ``target`` may be reached (optionally narrowed to ``allowed_from``)."""
    sources = frozenset(s for s, targets in TRANSITIONS.items() if target in targets)
    if allowed_from is not None:
        illegal = allowed_from - sources
        if illegal:
            raise IllegalTransition(f"{sorted(illegal)} -> {target} is not a transition")
        sources = allowed_from
    if not sources:
        raise IllegalTransition(f"nothing may move to {target}")
    return sources
