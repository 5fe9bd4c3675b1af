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

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser, Job, Lease, QbwcSession
from chalicelib.jobs.ports import IdempotencyRecord, StoreConflict
from chalicelib.jobs.states import JobStatus


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
        self.sessions: dict[str, QbwcSession] = {}
        self.idempotency: dict[tuple[str, str], tuple[str, str]] = {}
        self.idempotency_records: dict[tuple[str, str], IdempotencyRecord] = {}

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

    def put_auth_session(self, session: AuthSession) -> None:
        with self._lock:
            self.auth_sessions[session.token_hash] = session

    def get_auth_session(self, token_hash: str) -> AuthSession | None:
        return self.auth_sessions.get(token_hash)

    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None:
        with self._lock:
            self.auth_sessions[token_hash] = dataclasses.replace(self.auth_sessions[token_hash], **changes)

    def next_sequence(self, end_user_id: str) -> int:
        with self._lock:
            self.sequences[end_user_id] += 1
            return self.sequences[end_user_id]

    def put_job(self, job: Job) -> None:
        with self._lock:
            key = (job.end_user_id, job.seq)
            if key in self.jobs:
                raise StoreConflict("job exists", self.jobs[key])
            self.jobs[key] = job
            self.job_index[job.id] = key

    def get_job(self, job_id: str) -> Job | None:
        key = self.job_index.get(job_id)
        return self.jobs.get(key) if key else None

    def get_job_at(self, end_user_id: str, seq: int) -> Job | None:
        return self.jobs.get((end_user_id, seq))

    def _queued(self, end_user_id: str) -> list[Job]:
        return sorted(
            (j for (eu, _), j in self.jobs.items()
             if eu == end_user_id and j.status in (JobStatus.QUEUED, JobStatus.IN_DOUBT)),
            key=lambda j: j.queued_key,
        )

    def head_of_queue(self, end_user_id: str) -> Job | None:
        with self._lock:
            queued = self._queued(end_user_id)
            return queued[0] if queued else None

    def count_queued(self, end_user_id: str, limit: int = 1000) -> int:
        with self._lock:
            return min(len(self._queued(end_user_id)), limit)

    def transition_job(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        holder: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> Job:
        with self._lock:
            key = (job.end_user_id, job.seq)
            current = self.jobs[key]
            if current.status not in expected or (holder is not None and current.holder != holder):
                raise StoreConflict(f"job {job.id} is not in {sorted(expected)}", current)
            new = dataclasses.replace(current, status=to, **dict(changes or {}))
            self.jobs[key] = new
            return new

    def mark_published(self, job: Job, at: datetime) -> None:
        with self._lock:
            key = (job.end_user_id, job.seq)
            self.jobs[key] = dataclasses.replace(self.jobs[key], published_at=at)

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        with self._lock:
            late = [j for j in self.jobs.values() if j.status is JobStatus.QUEUED
                    and j.deadline_at is not None and j.deadline_at < now]
            return sorted(late, key=lambda j: (j.deadline_at, j.id))[:limit]

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        with self._lock:
            done = [j for j in self.jobs.values() if j.status.is_terminal and j.published_at is None
                    and j.completed_at is not None and j.completed_at < completed_before]
            return sorted(done, key=lambda j: (j.completed_at, j.id))[:limit]

    def claim_idempotency_key(
        self, end_user_id: str, key: str, job_id: str, body_hash: str, expires_at: datetime
    ) -> tuple[str, str] | None:
        with self._lock:
            existing = self.idempotency.get((end_user_id, key))
            if existing:
                return existing
            self.idempotency[(end_user_id, key)] = (job_id, body_hash)
            return None

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

    def acquire_lease(self, end_user_id: str, holder: str, now: datetime, expires_at: datetime) -> Lease:
        with self._lock:
            old = self.leases.get(end_user_id) or Lease(end_user_id, None, None, None, None)
            free = old.holder is None or old.holder == holder or (
                old.expires_at is not None and old.expires_at < now
            )
            if not free:
                raise StoreConflict("company file is busy", old)
            self.leases[end_user_id] = Lease(end_user_id, holder, None, None, expires_at)
            return old

    def set_lease_job(self, end_user_id: str, holder: str, job: Job | None) -> None:
        with self._lock:
            lease = self.leases.get(end_user_id)
            if lease is None or lease.holder != holder:
                raise StoreConflict("lease is not ours", lease)
            self.leases[end_user_id] = dataclasses.replace(
                lease, job_id=job.id if job else None, job_seq=job.seq if job else None
            )

    def release_lease(self, end_user_id: str, holder: str) -> bool:
        with self._lock:
            lease = self.leases.get(end_user_id)
            if lease is None or lease.holder != holder:
                return False
            del self.leases[end_user_id]
            return True

    def get_lease(self, end_user_id: str) -> Lease | None:
        return self.leases.get(end_user_id)

    def put_session(self, session: QbwcSession) -> None:
        with self._lock:
            self.sessions[session.ticket_hash] = session

    def get_session(self, ticket_hash: str) -> QbwcSession | None:
        return self.sessions.get(ticket_hash)

    def update_session(self, ticket_hash: str, changes: Mapping[str, Any]) -> None:
        with self._lock:
            self.sessions[ticket_hash] = dataclasses.replace(self.sessions[ticket_hash], **changes)

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
            leases = [lease for lease in self.leases.values() if lease.holder is not None]
            stuck = sum(1 for lease in leases if lease.expires_at is not None and lease.expires_at < now)
            sessions = sum(1 for s in self.sessions.values() if s.state != "closed" and s.expires_at > now)
            return len(leases), stuck, sessions
