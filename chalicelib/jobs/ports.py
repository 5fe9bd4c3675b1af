"""The ports the domain needs from the outside world: a store, a result publisher, a payload store
and a clock.

``chalicelib/store`` has the DynamoDB adapter and an in-memory twin of :class:`Store`;
``chalicelib/delivery`` has the SQS adapter of :class:`ResultPublisher` and the S3 adapter of
:class:`PayloadStore` (answers too large for the job item or a message). Every write that decides
something (take the file, hand out a job, settle it, give the file up) is one single-item conditional
write, so the invariants hold on any store whose conditional writes are atomic (DynamoDB, dynalite).
One transition writes two items: an answer that settles its job and hands out the next one
(:meth:`Store.settle_and_hand_out`). Where the store has transactions (DynamoDB, the in-memory twin)
that is one atomic write; where it has none (dynalite) the job is written first and the lease second,
and a crash between them leaves the pointer at a settled job, which the next call hands on from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser, FileView, HandOut, InFlight, Job, Lease
from chalicelib.jobs.states import JobStatus

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


SWEEPER_PREFIX = "sweeper:"  # the sweeper's holder names: a session may always take the file over from it


def lease_is_takeable(lease: Lease, now: datetime, stale_before: datetime) -> bool:
    """The takeover rule, which every store applies in one conditional write: the lease is free, or
    its holder's renewal ran out, or the sweeper holds it (a Web Connector never waits for the sweeper:
    the epoch fences the sweeper's later writes), or its holder has nothing in QuickBooks (no job in
    flight, no closing request) and has made no call since ``stale_before`` (the Web Connector that held
    it is gone; a live one calls every few seconds)."""
    if lease.holder is None or lease.expires_at is None or lease.expires_at <= now:
        return True
    if lease.holder.startswith(SWEEPER_PREFIX):
        return True
    return (lease.pointer is None and lease.closing_sent_at is None and lease.seen_at is not None
            and lease.seen_at < stale_before)


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
    def count_login_failure(self, end_user_id: str, at: datetime) -> int:
        """One more refused Web Connector login, atomically (concurrent refusals all count): the count
        now, and ``login_failed_at`` set to ``at``. KeyError for an unknown end-user."""
        ...

    def put_api_key(self, key: ApiKey) -> None: ...
    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        """Keys whose lookup bucket is ``lookup`` (candidates to verify against their stored hash)."""
        ...

    def get_api_key(self, key_id: str) -> ApiKey | None: ...
    def list_api_keys(self) -> list[ApiKey]: ...
    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark a key revoked (idempotent); None when there is no such key."""
        ...
    def rehash_api_key(self, key_id: str, secret_hash: str) -> None:
        """Store the key's secret under another hash of the same secret (a hash scheme's upgrade)."""
        ...

    # Auth-flow sessions ----------------------------------------------------------------------------
    def put_auth_session(self, session: AuthSession) -> None: ...
    def get_auth_session(self, token_hash: str) -> AuthSession | None: ...
    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None: ...

    # Jobs ---------------------------------------------------------------------------------------
    def next_sequence(self, end_user_id: str) -> tuple[int, EndUser]:
        """Atomically allocate the end-user's next job sequence number; returns it with the end-user.

        One write that also proves the end-user exists (raises KeyError if unknown).
        """
        ...

    def put_job(self, job: Job) -> None: ...
    def put_tombstone(self, end_user_id: str, seq: int) -> Job | None:
        """Void the sequence slot ``seq`` so that no job can be written there any more.

        Returns the job already written there (then nothing changed), else None.
        """
        ...

    def get_job(self, job_id: str) -> Job | None: ...
    def get_job_at(self, end_user_id: str, seq: int) -> Job | None: ...
    def read_file(self, end_user_id: str, jobs: int = 1) -> FileView:
        """The end-user, its lease and the first ``jobs`` jobs of its queue, in one consistent read."""
        ...

    def transition_job(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        attempts: int | None = None,
        changes: Mapping[str, Any] | None = None,
        outbox: bool = False,
        published: bool = False,
    ) -> Job:
        """Move ``job`` to ``to`` if it is in one of ``expected`` (and, when given, has made ``attempts``;
        with ``published``, only while it is not in the outbox: a paged query's page awaiting the
        re-publisher is never overwritten by the next).

        ``outbox`` puts a finished job in the outbox index until :meth:`mark_published`. Raises
        :class:`StoreConflict` with the current job when the condition fails.
        """
        ...

    def settle_and_hand_out(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        attempts: int | None,
        changes: Mapping[str, Any],
        hand_out: HandOut,
        published: bool = False,
    ) -> tuple[Job, Lease | None]:
        """:meth:`transition_job` and, atomically with it, :meth:`update_lease` of ``hand_out`` (its
        lease still held at its epoch, pointing at ``job``): the answer settles its job and the next job
        is handed out in one write. Raises :class:`StoreConflict` with the current job when the job's
        condition fails (nothing changed); when only the lease's fails, the job is settled alone and the
        lease returned is None.
        """
        ...

    def mark_published(self, job: Job, at: datetime) -> None: ...
    def to_outbox(self, job: Job) -> None:
        """Put a finished job in the outbox index (its publish failed and nothing else covers it)."""
        ...

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        """Queued jobs whose deadline has passed (found through an index, never a Scan)."""
        ...

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        """Finished jobs put in the outbox whose result has not reached SQS yet, oldest first."""
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

    def move_idempotency_record(self, scope: str, key: str, old_target: str, new_target: str) -> bool:
        """Point a record at ``new_target`` if it still points at ``old_target`` (one conditional write)."""
        ...

    # The company file's lease ------------------------------------------------------------------------
    def take_lease(
        self, end_user_id: str, holder: str, *, now: datetime, expires_at: datetime, stale_before: datetime,
        session: Mapping[str, Any],
    ) -> Lease:
        """Become the holder, bumping the epoch, if the lease is free, expired, or held by a session that
        has nothing in QuickBooks and made no call since ``stale_before``. The pointer is kept.

        Returns the new lease; raises :class:`StoreConflict` with the current lease otherwise.
        """
        ...

    def update_lease(
        self, lease: Lease, changes: Mapping[str, Any], *, pointer: InFlight | object | None = ...,
        expect_seq: int | object | None = ...,
    ) -> Lease:
        """Change the lease if ``lease.holder`` still holds it at ``lease.epoch`` (and, when
        ``expect_seq`` is given, its pointer is at that job, or absent for None). ``pointer`` replaces
        the pointer (None clears it). Raises :class:`StoreConflict` with the current lease.
        """
        ...

    def release_lease(self, lease: Lease, *, pointer: InFlight | object | None = ..., due: datetime) -> bool:
        """Give the file up (holder removed, epoch and, unless replaced, the pointer kept); the sweeper
        looks at it from ``due`` when a pointer remains. False when ``lease`` no longer holds it."""
        ...

    def get_lease(self, end_user_id: str) -> Lease | None: ...
    def leases_due(self, now: datetime, limit: int = 100) -> list[Lease]:
        """Leases the sweeper must look at: expired holders, or a pointer left behind (index, no Scan)."""
        ...

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

    def get(self, uri: str) -> str:
        """The text stored under ``uri`` (as :meth:`put` returned it). Raises on failure."""
        ...


class SecretBox(Protocol):
    """Seals a secret the gateway must show again later (an auth link's Web Connector password): only
    the sealed text is stored; ``context`` binds it to its use (a sealed text opens with its own only)."""

    def seal(self, secret: str, context: Mapping[str, str]) -> str:
        """The sealed text (ASCII) of ``secret``. Raises on failure."""
        ...

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        """The secret back; raises ``ValueError`` when ``sealed`` does not open with ``context``."""
        ...
