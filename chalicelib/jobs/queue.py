"""The per-company-file job queue: accept, claim one at a time, complete, publish.

Accepting a job (:meth:`JobQueue.enqueue`) checks its qbXML first — well-formed, only ``*Rq``
elements, Latin-1, valid against Intuit's schema for the version in use — and stores nothing when a
check fails. An accepted job gets the end-user's next sequence number, so FIFO is the order of
acceptance.

Claiming (:meth:`JobQueue.claim_next`) is where the serial invariant lives::

    1. take the company file's lease        (conditional write: free, expired, or already ours)
       └─ a job left in flight by an expired holder is recovered: a read goes back to the queue,
          a write becomes in_doubt (it may have run; it is never blindly re-sent)
    2. read the head of the queue           (strongly consistent key query)
    3. move it queued → in_flight            (conditional write: still queued)
    4. note the job on the lease

Completing (:meth:`JobQueue.complete`) stores the outcome on the job first (the outbox), releases the
lease, then publishes. An answer longer than ``inline_result_chars`` is written to the payload store
(S3) before the job, which then carries ``response_s3_uri`` instead of the text: S3, then the job,
then SQS; a publish that fails leaves ``published_at`` empty for the re-publisher. A
write whose outcome is unknown becomes ``in_doubt`` and heads the queue until error recovery settles
it (:mod:`chalicelib.jobs.states`).

Every transition logs one line (``job accepted``, ``job sent to QuickBooks`` — in the session
service —, ``job finished`` with ``status`` and ``error_code``, ``job failed before QuickBooks``,
``job expired``, ``job cancelled``, ``abandoned job recovered``, ``in-doubt write was never applied;
queued again``) and counts in the injected :class:`~chalicelib.observability.Metrics`
(``JobsEnqueued``, ``JobsSucceeded``, ``JobsFailed`` by ``error_code``, ``PublishFailures``);
:meth:`JobQueue.report_gauges` measures the queue for the scheduled sweeper.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.connection import require_polling
from chalicelib.jobs.models import PRIORITY_NORMAL, EndUser, Job
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, Store, StoreConflict
from chalicelib.jobs.results import result_message
from chalicelib.jobs.security import new_id
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics
from chalicelib.qbxml import QbxmlVersion, SchemaCatalog, parse_job_qbxml, validate_job

log = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = timedelta(hours=24)
HEALTH_CHECK_SOURCE = "health_check"
# A DynamoDB item holds 400 KB and an SQS message 1 MiB: without a payload store a larger answer is
# refused with a clear error; with one, it goes to S3 up to MAX_OFFLOADED_RESULT_CHARS.
MAX_RESULT_CHARS = 300_000
MAX_OFFLOADED_RESULT_CHARS = 50_000_000
_CLAIM_ATTEMPTS = 8


@dataclass(frozen=True)
class Outcome:
    """What QuickBooks (or the gateway on its behalf) made of a job."""

    status: JobStatus
    response_qbxml: str | None = None
    error: GatewayError | None = None


class JobQueue:
    def __init__(
        self,
        store: Store,
        publisher: ResultPublisher,
        schemas: SchemaCatalog,
        clock: Clock,
        *,
        lease_ttl: timedelta,
        max_job_bytes: int,
        default_deadline: timedelta | None = None,
        offline_grace: timedelta = timedelta(seconds=30),
        metrics: Metrics = NO_METRICS,
        payloads: PayloadStore | None = None,
        inline_result_chars: int = MAX_RESULT_CHARS,
    ) -> None:
        self.store = store
        self.payloads = payloads
        self.inline_result_chars = inline_result_chars
        self.metrics = metrics
        self.publisher = publisher
        self.schemas = schemas
        self.clock = clock
        self.lease_ttl = lease_ttl
        self.max_job_bytes = max_job_bytes
        self.default_deadline = default_deadline
        self.offline_grace = offline_grace

    # Accepting -----------------------------------------------------------------------------------
    def validation_version(self, user: EndUser) -> QbxmlVersion:
        """The version a new job is checked against: the company file's, else our newest schema."""
        if user.qbxml_version:
            return QbxmlVersion.parse(user.qbxml_version)
        available = self.schemas.available()
        return available[-1] if available else QbxmlVersion(13, 0)

    def enqueue(
        self,
        end_user_id: str,
        qbxml: str,
        *,
        source: str,
        deadline_seconds: int | None = None,
        idempotency_key: str | None = None,
        priority: int = PRIORITY_NORMAL,
        fail_if_offline: bool = False,
    ) -> tuple[Job, bool]:
        """Accept a job. Returns ``(job, created)``; ``created`` is False for an idempotent replay.

        With ``fail_if_offline`` the job is refused at once (nothing stored) when the end-user's Web
        Connector has never connected or has not called within its expected interval.
        """
        user = self.store.get_end_user(end_user_id)
        if user is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        if fail_if_offline:
            require_polling(user, self.clock(), self.offline_grace)
        requests = parse_job_qbxml(qbxml, max_bytes=self.max_job_bytes)
        validate_job(requests, self.validation_version(user), self.schemas)
        now = self.clock()
        deadline = now + timedelta(seconds=deadline_seconds) if deadline_seconds else (
            now + self.default_deadline if self.default_deadline else None)
        job_id = new_id("job", int(now.timestamp() * 1000))
        agreed_seq: int | None = None
        if idempotency_key:
            body_hash = hashlib.sha256(f"{deadline_seconds}|{qbxml}".encode()).hexdigest()
            existing = self.store.claim_idempotency_key(
                end_user_id, idempotency_key, job_id, body_hash, now + IDEMPOTENCY_WINDOW
            )
            if existing is not None:
                existing_id, existing_hash = existing
                if existing_hash != body_hash:
                    raise error(
                        "idempotency_key_reused",
                        f"Idempotency-Key {idempotency_key!r} was used for a different request",
                    )
                previous = self.store.get_job(existing_id)
                if previous is not None:
                    return previous, False
                job_id = existing_id  # the first attempt died, or is still writing: write it, once
        try:
            seq = self.store.next_sequence(end_user_id)
        except KeyError as exc:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist") from exc
        if idempotency_key:
            # Every request writing this key's job agrees on one sequence number (one conditional write),
            # and the job item at that number is written only if new: one job, whoever gets there first.
            agreed = self.store.claim_idempotency_record(
                f"{end_user_id}#seq", idempotency_key, str(seq), job_id, now + IDEMPOTENCY_WINDOW, now=now)
            agreed_seq = seq if agreed is None else int(agreed.target_id)
            seq = agreed_seq
        job = Job(
            id=job_id,
            end_user_id=end_user_id,
            seq=seq,
            status=JobStatus.QUEUED,
            qbxml="".join(requests.elements),
            request_names=requests.names,
            is_write=requests.is_write,
            enqueued_at=now,
            source=source,
            priority=priority,
            deadline_at=deadline,
            idempotency_key=idempotency_key,
        )
        try:
            self.store.put_job(job)
        except StoreConflict:
            if agreed_seq is None:
                raise
            written = self.store.get_job_at(end_user_id, agreed_seq)
            if written is None or written.id != job_id:
                raise
            return written, False  # a concurrent retry of the same key wrote it first
        log.info("job accepted", extra={"job_id": job.id, "end_user_id": end_user_id, "seq": seq,
                                        "requests": list(requests.names), "source": source})
        self.metrics.put("JobsEnqueued")
        return job, True

    # Claiming ------------------------------------------------------------------------------------
    def claim_next(self, end_user_id: str, holder: str) -> Job | None:
        """Claim the company file's next job for ``holder``, or None (nothing queued, or file busy)."""
        now = self.clock()
        try:
            before = self.store.acquire_lease(end_user_id, holder, now, now + self.lease_ttl)
        except StoreConflict:
            return None
        if before.holder is not None and before.job_id and before.job_seq is not None:
            self._recover_abandoned(end_user_id, before.job_seq, before.holder)
        for _ in range(_CLAIM_ATTEMPTS):
            head = self.store.head_of_queue(end_user_id)
            if head is None:
                self.store.release_lease(end_user_id, holder)
                return None
            queued = head.status is JobStatus.QUEUED
            if queued and head.deadline_at is not None and head.deadline_at < now:
                self.expire(head)  # the sweeper has not got to it yet: never send an overdue job
                continue
            try:  # an in-doubt write is claimed for a recovery probe, not to run again
                claimed = self.store.transition_job(
                    head, JobStatus.IN_FLIGHT, expected=frozenset({head.status}),
                    changes={"holder": holder, "started_at": now, "attempts": head.attempts + (1 if queued else 0),
                             "recovering": not queued},
                )
            except StoreConflict:
                continue
            self.store.set_lease_job(end_user_id, holder, claimed)
            return claimed
        self.store.release_lease(end_user_id, holder)
        return None

    def _recover_abandoned(self, end_user_id: str, seq: int, old_holder: str | None) -> None:
        job = self.store.get_job_at(end_user_id, seq)
        if job is None or job.status is not JobStatus.IN_FLIGHT or job.holder != old_holder:
            return
        target = JobStatus.IN_DOUBT if job.is_write else JobStatus.QUEUED
        changes: dict[str, Any] = {"holder": None, "recovering": False}
        if target is JobStatus.IN_DOUBT:
            changes["error"] = error(
                "lease_expired_outcome_unknown",
                f"the Web Connector session running job {job.id} vanished before QuickBooks' answer arrived",
            ).to_dict()
        try:
            self.store.transition_job(job, target, expected=frozenset({JobStatus.IN_FLIGHT}),
                                      holder=old_holder, changes=changes)
            log.warning("abandoned job recovered", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                          "to": target.value, "status": target.value})
        except StoreConflict:
            pass

    def has_work(self, end_user_id: str) -> bool:
        """Is anything queued? A job stranded in flight under an expired lease is recovered first."""
        if self.store.head_of_queue(end_user_id) is not None:
            return True
        lease = self.store.get_lease(end_user_id)
        now = self.clock()
        if lease is None or lease.job_seq is None or lease.expires_at is None or lease.expires_at >= now:
            return False
        sweeper = f"recovery:{new_id('lease')}"
        try:
            before = self.store.acquire_lease(end_user_id, sweeper, now, now + self.lease_ttl)
        except StoreConflict:
            return False
        if before.job_seq is not None and before.holder not in (None, sweeper):
            self._recover_abandoned(end_user_id, before.job_seq, before.holder)
        self.store.release_lease(end_user_id, sweeper)
        return self.store.head_of_queue(end_user_id) is not None

    def release_holder(self, end_user_id: str, holder: str) -> None:
        """A session ends: give back whatever job its lease still points at, then free the file."""
        lease = self.store.get_lease(end_user_id)
        if lease is not None and lease.holder == holder and lease.job_seq is not None:
            self._recover_abandoned(end_user_id, lease.job_seq, holder)
        self.store.release_lease(end_user_id, holder)

    def give_back(self, job: Job, holder: str) -> None:
        """The session lost track of ``job`` (out-of-order call or close): recover it and free the file."""
        self._recover_abandoned(job.end_user_id, job.seq, holder)
        self.store.release_lease(job.end_user_id, holder)

    # Completing ----------------------------------------------------------------------------------
    def complete(self, job: Job, holder: str, outcome: Outcome) -> Job:
        """Store the outcome on the job, release the company file, publish the result.

        A large answer is written to the payload store first; if that write fails the exception
        propagates and the job stays in flight under this holder. The session answers the Web
        Connector with an error, and the job is recovered like any abandoned one (a read runs again,
        a write becomes ``in_doubt``) — never reported failed while QuickBooks may have applied it.
        """
        now = self.clock()
        changes: dict[str, Any] = {"holder": None, "recovering": False}
        if outcome.status.is_terminal:
            changes["completed_at"] = now
        answer = outcome.response_qbxml
        if answer is not None and len(answer) > self.inline_result_chars:
            limit = self.inline_result_chars if self.payloads is None else MAX_OFFLOADED_RESULT_CHARS
            if len(answer) > limit:
                outcome = Outcome(JobStatus.FAILED, error=error(
                    "result_too_large",
                    f"QuickBooks' answer is {len(answer)} characters; the limit is "
                    f"{limit}. Use MaxReturned and iterators to page the query."))
            else:
                changes["response_s3_uri"] = self._offload(job, answer)
                outcome = Outcome(outcome.status, error=outcome.error)
        if outcome.response_qbxml is not None:
            changes["response_qbxml"] = outcome.response_qbxml
        if outcome.error is not None:
            changes["error"] = outcome.error.to_dict()
        try:
            done = self._settle(job, holder, outcome.status, changes)
        except StoreConflict as exc:
            current = exc.current if isinstance(exc.current, Job) else job
            log.warning("late answer ignored", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "status": current.status.value})
            self.store.release_lease(job.end_user_id, holder)
            return current
        self.store.release_lease(job.end_user_id, holder)
        log.info("job finished", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                        "status": done.status.value,
                                        "error_code": (done.error or {}).get("code")})
        if done.status.is_terminal:
            self._count_finished(done)
            self.publish(done)
        return done

    def _offload(self, job: Job, answer: str) -> str:
        """Write a large answer to the payload store (before the job item: the outbox order)."""
        assert self.payloads is not None
        key = f"results/{job.end_user_id}/{job.id}.xml"
        uri = self.payloads.put(key, answer)
        log.info("large answer stored in S3", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "chars": len(answer), "key": key})
        return uri

    def _count_finished(self, job: Job) -> None:
        if job.status is JobStatus.SUCCEEDED:
            self.metrics.put("JobsSucceeded")
        elif job.status in (JobStatus.FAILED, JobStatus.EXPIRED):
            code = (job.error or {}).get("code")
            if code:
                self.metrics.put("JobsFailed", error_code=str(code))
            else:
                self.metrics.put("JobsFailed")

    def run_again(self, job: Job, holder: str) -> Job:
        """Error recovery found that QuickBooks never applied an in-doubt write: queue it to run again."""
        again = self.store.transition_job(
            job, JobStatus.QUEUED, expected=frozenset({JobStatus.IN_FLIGHT}), holder=holder,
            changes={"holder": None, "recovering": False, "error": None},
        )
        self.store.release_lease(job.end_user_id, holder)
        log.info("in-doubt write was never applied; queued again",
                 extra={"job_id": job.id, "end_user_id": job.end_user_id})
        return again

    def _settle(self, job: Job, holder: str, status: JobStatus, changes: dict[str, Any]) -> Job:
        """Finish a job this holder runs; a late answer may still settle a job left ``in_doubt``."""
        try:
            return self.store.transition_job(job, status, expected=frozenset({JobStatus.IN_FLIGHT}),
                                             holder=holder, changes=changes)
        except StoreConflict as exc:
            if not (isinstance(exc.current, Job) and exc.current.status is JobStatus.IN_DOUBT):
                raise
        return self.store.transition_job(job, status, expected=frozenset({JobStatus.IN_DOUBT}), changes=changes)

    def fail_queued(self, job: Job, err: GatewayError) -> Job:
        """Fail a job that never reached QuickBooks (e.g. invalid for the company file's version)."""
        now = self.clock()
        done = self.store.transition_job(
            job, JobStatus.FAILED, expected=frozenset({JobStatus.QUEUED, JobStatus.IN_FLIGHT}),
            changes={"completed_at": now, "holder": None, "error": err.to_dict()},
        )
        log.info("job failed before QuickBooks", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                        "status": done.status.value, "error_code": err.code})
        self._count_finished(done)
        self.publish(done)
        return done

    def republish_outbox(self, older_than: timedelta = timedelta(minutes=1), limit: int = 100) -> int:
        """Publish finished jobs whose first publish failed (scheduled). Returns how many went out."""
        stale = self.store.unpublished(self.clock() - older_than, limit)
        return sum(1 for job in stale if self.publish(job))

    def expire(self, job: Job) -> Job | None:
        """Queued past its deadline: expire it with a clear error and publish that. None if it moved on."""
        waited = int((self.clock() - job.enqueued_at).total_seconds())
        err = error("job_deadline_passed",
                    f"job {job.id} was still queued when its deadline {job.deadline_at} passed "
                    f"(waited {waited} s); QuickBooks never received it")
        try:
            done = self.store.transition_job(job, JobStatus.EXPIRED, expected=frozenset({JobStatus.QUEUED}),
                                             changes={"completed_at": self.clock(), "error": err.to_dict()})
        except StoreConflict:
            return None
        log.info("job expired", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                       "status": done.status.value, "error_code": err.code})
        self._count_finished(done)
        self.publish(done)
        return done

    def expire_overdue(self, limit: int = 200) -> int:
        """The scheduled sweeper: expire every queued job past its deadline. Returns how many."""
        return sum(1 for job in self.store.overdue(self.clock(), limit) if self.expire(job) is not None)

    def cancel_if_queued(self, job: Job, err: GatewayError) -> bool:
        """Withdraw a job nobody has started (e.g. a health check that ran out of time)."""
        try:
            done = self.store.transition_job(job, JobStatus.CANCELLED, expected=frozenset({JobStatus.QUEUED}),
                                             changes={"completed_at": self.clock(), "error": err.to_dict()})
        except StoreConflict:
            return False
        log.info("job cancelled", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                         "status": done.status.value, "error_code": err.code})
        self.publish(done)
        return True

    def publish(self, job: Job) -> bool:
        if job.source == HEALTH_CHECK_SOURCE:  # answered synchronously to its caller, not on the results queue
            self.store.mark_published(job, self.clock())
            return True
        try:
            self.publisher.publish(result_message(job))
        except Exception:
            log.exception("result publish failed; left in the outbox",
                          extra={"job_id": job.id, "end_user_id": job.end_user_id})
            self.metrics.put("PublishFailures")
            return False
        self.store.mark_published(job, self.clock())
        return True

    def report_gauges(self) -> tuple[int, float]:
        """Measure the queues for the scheduled sweeper, through indexes (never a Scan):
        ``QueueDepth``, ``OldestQueuedJobAgeSeconds``, ``JobsInFlight``, ``StuckInFlightJobs`` (leases
        past their expiry) and ``ActiveSessions`` (open Web Connector sessions).
        """
        now = self.clock()
        depth, oldest = self.store.queue_stats(now)
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        in_flight, stuck, sessions = self.store.activity_stats(now)
        self.metrics.put("QueueDepth", depth)
        self.metrics.put("OldestQueuedJobAgeSeconds", age, unit="Seconds")
        self.metrics.put("JobsInFlight", in_flight)
        self.metrics.put("StuckInFlightJobs", stuck)
        self.metrics.put("ActiveSessions", sessions)
        log.info("queue measured", extra={"queue_depth": depth, "oldest_queued_job_age_seconds": round(age, 1),
                                          "jobs_in_flight": in_flight, "stuck_in_flight_jobs": stuck,
                                          "active_sessions": sessions})
        return depth, age
