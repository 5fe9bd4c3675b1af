"""The ports the domain needs from the outside world: a store, a result publisher, a payload store
and a clock.

``chalicelib/store`` has the DynamoDB adapter and an in-memory twin of :class:`Store`;
``chalicelib/delivery`` has the SQS adapter of :class:`ResultPublisher` and the S3 adapter of
:class:`PayloadStore` (answers too large for the job item or a message). Every write that decides
something (claim, complete, release) is one single-item conditional write, so the invariants hold on
any store whose conditional writes are atomic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser, Job, Lease, QbwcSession
from chalicelib.jobs.states import JobStatus

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreConflict(Exception):
    """A conditional write lost: the item was not in the expected state. ``current`` is what it was."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class IdempotencyRecord:
    """What an Idempotency-Key was first used for: the target it created, the body's hash, the answer."""

    target_id: str
    body_hash: str
    response: Mapping[str, Any] | None = None
    expires_at: datetime | None = None


class Store(Protocol):
    # End-users and credentials -----------------------------------------------------------------
    def put_end_user(self, user: EndUser) -> None: ...
    def get_end_user(self, end_user_id: str) -> EndUser | None: ...
    def update_end_user(self, end_user_id: str, changes: Mapping[str, Any]) -> None: ...
    def put_api_key(self, key: ApiKey) -> None: ...
    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        """Keys whose lookup bucket is ``lookup`` (candidates to verify with scrypt)."""
        ...

    def get_api_key(self, key_id: str) -> ApiKey | None: ...
    def list_api_keys(self) -> list[ApiKey]: ...
    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark a key revoked (idempotent); None when there is no such key."""
        ...

    # Auth-flow sessions ----------------------------------------------------------------------------
    def put_auth_session(self, session: AuthSession) -> None: ...
    def get_auth_session(self, token_hash: str) -> AuthSession | None: ...
    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None: ...

    # Jobs ---------------------------------------------------------------------------------------
    def next_sequence(self, end_user_id: str) -> int:
        """Atomically allocate the end-user's next job sequence number (raises KeyError if unknown)."""
        ...

    def put_job(self, job: Job) -> None: ...
    def get_job(self, job_id: str) -> Job | None: ...
    def get_job_at(self, end_user_id: str, seq: int) -> Job | None: ...
    def head_of_queue(self, end_user_id: str) -> Job | None:
        """The job that runs next — an in-doubt write first, then queued jobs (strongly consistent)."""
        ...

    def count_queued(self, end_user_id: str, limit: int = 1000) -> int: ...
    def transition_job(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        holder: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> Job:
        """Move ``job`` to ``to`` if it is in one of ``expected`` (and held by ``holder`` when given).

        Raises :class:`StoreConflict` with the current job when the condition fails.
        """
        ...

    def mark_published(self, job: Job, at: datetime) -> None: ...
    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        """Queued jobs whose deadline has passed (found through an index, never a Scan)."""
        ...

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        """Finished jobs whose result has not reached SQS yet (the outbox), oldest first."""
        ...

    def claim_idempotency_key(
        self, end_user_id: str, key: str, job_id: str, body_hash: str, expires_at: datetime
    ) -> tuple[str, str] | None:
        """Record key → job; return the existing (job_id, body_hash) when the key was used already."""
        ...

    def claim_idempotency_record(
        self, scope: str, key: str, target_id: str, body_hash: str, expires_at: datetime,
        response: Mapping[str, Any] | None = None, *, now: datetime | None = None,
    ) -> IdempotencyRecord | None:
        """Record ``key`` in ``scope`` → ``target_id`` (and the answer to replay), in one conditional write.

        Returns None when this call claimed the key, else the live record that holds it. A record
        whose ``expires_at`` is before ``now`` counts as absent (DynamoDB's TTL deletes lazily).
        """
        ...

    # The company file's lease ------------------------------------------------------------------------
    def acquire_lease(self, end_user_id: str, holder: str, now: datetime, expires_at: datetime) -> Lease:
        """Take the lease if it is free, expired, or already ours. Returns the lease as it was before.

        Raises :class:`StoreConflict` with the current :class:`Lease` when another live holder has it.
        """
        ...

    def set_lease_job(self, end_user_id: str, holder: str, job: Job | None) -> None: ...
    def release_lease(self, end_user_id: str, holder: str) -> bool: ...
    def get_lease(self, end_user_id: str) -> Lease | None: ...

    # Web Connector sessions --------------------------------------------------------------------------
    def put_session(self, session: QbwcSession) -> None: ...
    def get_session(self, ticket_hash: str) -> QbwcSession | None: ...
    def update_session(self, ticket_hash: str, changes: Mapping[str, Any]) -> None: ...

    # Listing end-users (operator CLI) ---------------------------------------------------------------
    def list_end_users(self, limit: int = 50, start: str | None = None) -> tuple[list[EndUser], str | None]:
        """A page of end-users in id (creation) order after ``start``, and the next page's cursor (or None)."""
        ...

    # Gauges (the scheduled sweeper) ------------------------------------------------------------------
    def queue_stats(self, now: datetime) -> tuple[int, datetime | None]:
        """How many jobs are queued, over all end-users, and when the oldest of them was enqueued.

        Read through the ``deadlines`` index (every queued job has a deadline), never a Scan; the
        oldest is looked for among the jobs whose deadlines come first.
        """
        ...

    def activity_stats(self, now: datetime) -> tuple[int, int, int]:
        """(company files with a job in flight, of those past their lease, open Web Connector sessions)."""
        ...


class ResultPublisher(Protocol):
    def publish(self, message: Mapping[str, Any]) -> None:
        """Send one result message (schema version 1). Raises on failure; the caller keeps the outbox."""
        ...


class PayloadStore(Protocol):
    def put(self, key: str, text: str) -> str:
        """Store ``text`` (qbXML) under ``key`` and return its ``s3://bucket/key`` URI. Raises on failure."""
        ...
