"""The job state machine, as data.

::

                      claim (lease held)            QuickBooks answered
        ┌────────┐ ─────────────────────► ┌───────────┐ ──────────────► ┌───────────┐
        │ queued │                        │ in_flight │                 │ succeeded │
        └────────┘ ◄───────────────────── └───────────┘ ──────────────► ├───────────┤
          │   │      lease lost (a read:        │    rejected / hresult  │  failed   │
          │   │      safe to run again)         │                        └───────────┘
          │   │                                 │ lease lost (a write:         ▲
          │   │ cancel                          ▼ outcome unknown)             │
          │   └──────────► cancelled       ┌───────────┐  late answer /        │
          │ deadline passed                │ in_doubt  │ ──────────────────────┘
          └──────────────► expired         └───────────┘  error recovery
                                             │     ▲
                   recovery probe: in_flight │     │ QuickBooks has no record of it:
                   with oldMessageSetID      ▼     │ in_flight → queued, runs again

An ``in_doubt`` write heads its company file's queue: the next session first asks QuickBooks, with
qbXML error recovery (``oldMessageSetID`` = job id), what became of it, and settles it from the
stored answer — or, when QuickBooks never applied it, runs it again. It is never blindly re-sent.

Only the transitions in :data:`TRANSITIONS` are legal; the store enforces the expected source state
with a conditional write, so two Lambdas cannot both move a job.
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
    JobStatus.QUEUED: frozenset({JobStatus.IN_FLIGHT, JobStatus.EXPIRED, JobStatus.CANCELLED,
                                 JobStatus.FAILED}),
    JobStatus.IN_FLIGHT: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.QUEUED,
                                    JobStatus.IN_DOUBT}),
    JobStatus.IN_DOUBT: frozenset({JobStatus.IN_FLIGHT, JobStatus.SUCCEEDED, JobStatus.FAILED}),
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
