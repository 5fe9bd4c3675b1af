"""An in-memory twin of the DynamoDB store, for unit tests of the domain and the session service.

Same semantics as :class:`chalicelib.store.dynamodb.DynamoStore` — every conditional write is checked
and applied under one lock — but records are kept as the frozen models themselves.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser, FileView, HandOut, InFlight, Job, Lease
from chalicelib.jobs.ports import SWEEPER_PREFIX, IdempotencyRecord, StoreConflict, lease_is_takeable
from chalicelib.jobs.states import JobStatus

_OPEN = (JobStatus.QUEUED, JobStatus.IN_DOUBT)


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.users: dict[str, EndUser] = {}
        self.sequences: dict[str, int] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.auth_sessions: dict[str, AuthSession] = {}
        self.jobs: dict[tuple[str, int], Job] = {}
        self.job_index: dict[str, tuple[str, int]] = {}
        self.leases: dict[str, Lease] = {}
        self.due: dict[str, datetime] = {}  # released leases with a pointer left: when the sweeper looks
        self.tombstones: set[tuple[str, int]] = set()
        self.outbox: set[tuple[str, int]] = set()
        self.idempotency_records: dict[tuple[str, str], IdempotencyRecord] = {}
        self._open: dict[str, set[int]] = {}  # per end-user, the seqs of queued and in-doubt jobs (the index)

    def _keep(self, job: Job) -> None:
        """Store ``job`` and keep the queue index (what DynamoDB's queue index is) in step with it."""
        self.jobs[(job.end_user_id, job.seq)] = job
        open_ = self._open.setdefault(job.end_user_id, set())
        if job.status in _OPEN:
            open_.add(job.seq)
        else:
            open_.discard(job.seq)

    def put_end_user(self, user: EndUser) -> None:
        with self._lock:
            if user.id in self.users:
                raise StoreConflict("end-user exists", self.users[user.id])
            self.users[user.id] = user
            self.sequences[user.id] = 0

    def get_end_user(self, end_user_id: str) -> EndUser | None:
        return self.users.get(end_user_id)

    def update_end_user(self, end_user_id: str, changes: Mapping[str, Any]) -> None:
        with self._lock:
            self.users[end_user_id] = dataclasses.replace(self.users[end_user_id], **changes)

    def count_login_failure(self, end_user_id: str, at: datetime) -> int:
        with self._lock:
            user = self.users[end_user_id]
            self.users[end_user_id] = dataclasses.replace(user, login_failures=user.login_failures + 1,
                                                          login_failed_at=at)
            return user.login_failures + 1

    def put_api_key(self, key: ApiKey) -> None:
        with self._lock:
            if key.key_id in self.api_keys:
                raise StoreConflict("api key exists", self.api_keys[key.key_id])
            self.api_keys[key.key_id] = key

    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        return [k for k in self.api_keys.values() if k.lookup == lookup]

    def get_api_key(self, key_id: str) -> ApiKey | None:
        return self.api_keys.get(key_id)

    def list_api_keys(self) -> list[ApiKey]:
        return sorted(self.api_keys.values(), key=lambda k: k.key_id)

    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._lock:
            key = self.api_keys.get(key_id)
            if key is None:
                return None
            if key.revoked_at is None:
                key = self.api_keys[key_id] = dataclasses.replace(key, revoked_at=at)
            return key

    def rehash_api_key(self, key_id: str, secret_hash: str) -> None:
        with self._lock:
            self.api_keys[key_id] = dataclasses.replace(self.api_keys[key_id], secret_hash=secret_hash)

    def put_auth_session(self, session: AuthSession) -> None:
        with self._lock:
            self.auth_sessions[session.token_hash] = session

    def get_auth_session(self, token_hash: str) -> AuthSession | None:
        return self.auth_sessions.get(token_hash)

    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None:
        with self._lock:
            self.auth_sessions[token_hash] = dataclasses.replace(self.auth_sessions[token_hash], **changes)

    def next_sequence(self, end_user_id: str) -> tuple[int, EndUser]:
        with self._lock:
            if end_user_id not in self.users:
                raise KeyError(end_user_id)
            self.sequences[end_user_id] += 1
            return self.sequences[end_user_id], self.users[end_user_id]

    def put_job(self, job: Job) -> None:
        with self._lock:
            key = (job.end_user_id, job.seq)
            if key in self.jobs or key in self.tombstones:
                raise StoreConflict("job exists", self.jobs.get(key))
            self._keep(job)
            self.job_index[job.id] = key

    def put_tombstone(self, end_user_id: str, seq: int) -> Job | None:
        with self._lock:
            key = (end_user_id, seq)
            if key in self.jobs:
                return self.jobs[key]
            self.tombstones.add(key)
            return None

    def get_job(self, job_id: str) -> Job | None:
        key = self.job_index.get(job_id)
        return self.jobs.get(key) if key else None

    def get_job_at(self, end_user_id: str, seq: int) -> Job | None:
        return self.jobs.get((end_user_id, seq))

    def _queued(self, end_user_id: str) -> list[Job]:
        return sorted((self.jobs[(end_user_id, seq)] for seq in self._open.get(end_user_id, ())),
                      key=lambda j: j.queued_key)

    def read_file(self, end_user_id: str, jobs: int = 1) -> FileView:
        with self._lock:
            return FileView(self.users.get(end_user_id), self.leases.get(end_user_id),
                            tuple(self._queued(end_user_id)[:jobs]), self.sequences.get(end_user_id, 0))

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
        with self._lock:
            key = (job.end_user_id, job.seq)
            current = self.jobs[key]
            if current.status not in expected or (attempts is not None and current.attempts != attempts) or (
                    published and key in self.outbox):
                raise StoreConflict(f"job {job.id} is not in {sorted(expected)}", current)
            new = dataclasses.replace(current, status=to, **dict(changes or {}))
            self._keep(new)
            if outbox and to.is_terminal:
                self.outbox.add(key)
            return new

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
        with self._lock:  # one lock: both conditions are checked and both items written at once
            done = self.transition_job(job, to, expected=expected, attempts=attempts, changes=changes,
                                       published=published)
            current = self.leases.get(hand_out.lease.end_user_id)
            if not _holds(current, hand_out.lease, job.seq):
                return done, None
            lease = self.update_lease(hand_out.lease, hand_out.changes, pointer=hand_out.pointer, expect_seq=job.seq)
            return done, lease

    def mark_published(self, job: Job, at: datetime) -> None:
        with self._lock:
            key = (job.end_user_id, job.seq)
            self.jobs[key] = dataclasses.replace(self.jobs[key], published_at=at)
            self.outbox.discard(key)

    def to_outbox(self, job: Job) -> None:
        with self._lock:
            self.outbox.add((job.end_user_id, job.seq))

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        with self._lock:
            late = [j for j in self.jobs.values() if j.status is JobStatus.QUEUED
                    and j.deadline_at is not None and j.deadline_at < now]
            return sorted(late, key=lambda j: (j.deadline_at, j.id))[:limit]

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        with self._lock:
            done = [self.jobs[k] for k in self.outbox]
            done = [j for j in done if (j.completed_at or j.enqueued_at) < completed_before]  # as the index sorts
            return sorted(done, key=lambda j: (j.completed_at or j.enqueued_at, j.id))[:limit]

    def claim_idempotency_record(
        self, scope: str, key: str, target_id: str, body_hash: str, expires_at: datetime,
        response: Mapping[str, Any] | None = None, *, now: datetime | None = None,
    ) -> IdempotencyRecord | None:
        with self._lock:
            existing = self.idempotency_records.get((scope, key))
            live = existing is not None and (existing.expires_at is None or now is None or existing.expires_at >= now)
            if existing is not None and live:
                return existing
            self.idempotency_records[(scope, key)] = IdempotencyRecord(
                target_id, body_hash, copy.deepcopy(dict(response)) if response is not None else None, expires_at)
            return None

    def move_idempotency_record(self, scope: str, key: str, old_target: str, new_target: str) -> bool:
        with self._lock:
            existing = self.idempotency_records.get((scope, key))
            if existing is None or existing.target_id != old_target:
                return False
            self.idempotency_records[(scope, key)] = dataclasses.replace(existing, target_id=new_target)
            return True

    # The company file's lease ------------------------------------------------------------------------
    def take_lease(
        self, end_user_id: str, holder: str, *, now: datetime, expires_at: datetime, stale_before: datetime,
        session: Mapping[str, Any],
    ) -> Lease:
        with self._lock:
            old = self.leases.get(end_user_id) or Lease(end_user_id)
            if not lease_is_takeable(old, now, stale_before):
                raise StoreConflict("company file is busy", old)
            # A session starts afresh; the sweeper leaves the last session's state (its error text) alone.
            base = old if holder.startswith(SWEEPER_PREFIX) else dataclasses.replace(
                Lease(end_user_id), **dict(session), last_holder=old.last_holder)
            new = dataclasses.replace(base, holder=holder, epoch=old.epoch + 1, expires_at=expires_at, seen_at=now,
                                      pointer=old.pointer)
            self.leases[end_user_id] = new
            self.due.pop(end_user_id, None)
            return new

    def update_lease(
        self, lease: Lease, changes: Mapping[str, Any], *, pointer: InFlight | object | None = ...,
        expect_seq: int | object | None = ...,
    ) -> Lease:
        with self._lock:
            current = self.leases.get(lease.end_user_id)
            if not _holds(current, lease, expect_seq):
                raise StoreConflict("lease is not ours", current)
            assert current is not None
            extra: dict[str, Any] = dict(changes)
            if pointer is not ...:
                extra["pointer"] = pointer
            new = dataclasses.replace(current, **extra)
            self.leases[lease.end_user_id] = new
            return new

    def release_lease(self, lease: Lease, *, pointer: InFlight | object | None = ..., due: datetime) -> bool:
        with self._lock:
            current = self.leases.get(lease.end_user_id)
            if not _holds(current, lease, ...):
                return False
            assert current is not None
            new_pointer = current.pointer if pointer is ... else pointer
            self.leases[lease.end_user_id] = dataclasses.replace(
                current, holder=None, expires_at=None, state="closed", pointer=new_pointer,  # type: ignore[arg-type]
                last_holder=current.last_holder if (current.holder or "").startswith(SWEEPER_PREFIX)
                else current.holder)
            if new_pointer is not None:
                self.due[lease.end_user_id] = due
            else:
                self.due.pop(lease.end_user_id, None)
            return True

    def get_lease(self, end_user_id: str) -> Lease | None:
        return self.leases.get(end_user_id)

    def leases_due(self, now: datetime, limit: int = 100) -> list[Lease]:
        with self._lock:
            found = [lease for eu, lease in self.leases.items()
                     if (lease.holder is not None and lease.expires_at is not None and lease.expires_at < now)
                     or (lease.holder is None and eu in self.due and self.due[eu] <= now)]
            return sorted(found, key=lambda lease: lease.end_user_id)[:limit]

    # Listing end-users (operator CLI) ---------------------------------------------------------------
    def list_end_users(self, limit: int = 50, start: str | None = None) -> tuple[list[EndUser], str | None]:
        """A page of end-users in id (creation) order after ``start``, and the cursor of the next page."""
        with self._lock:
            ids = sorted(i for i in self.users if start is None or i > start)
            page = ids[: max(1, limit)]
            return [self.users[i] for i in page], (page[-1] if len(ids) > len(page) else None)

    # Gauges (the scheduled sweeper) ------------------------------------------------------------------
    def queue_stats(self, now: datetime) -> tuple[int, datetime | None]:
        """How many jobs are queued and when the oldest of them was enqueued (exact, in memory)."""
        with self._lock:
            queued = [j.enqueued_at for j in self.jobs.values() if j.status is JobStatus.QUEUED]
            return len(queued), (min(queued) if queued else None)

    def activity_stats(self, now: datetime) -> tuple[int, int, int]:
        with self._lock:
            held = [lease for lease in self.leases.values() if lease.pointer is not None]
            stuck = sum(1 for lease in held if not lease.live(now))
            sessions = sum(1 for lease in self.leases.values() if lease.live(now))
            return len(held), stuck, sessions


def _holds(current: Lease | None, lease: Lease, expect_seq: int | object | None) -> bool:
    if current is None or current.holder is None or current.holder != lease.holder or current.epoch != lease.epoch:
        return False
    if expect_seq is ...:
        return True
    return (current.pointer.seq if current.pointer else None) == expect_seq
