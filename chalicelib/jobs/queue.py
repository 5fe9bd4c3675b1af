"""The per-company-file job queue: accept jobs, finish them, publish their results.

Accepting a job (:meth:`JobQueue.enqueue`) checks its qbXML first — well-formed, only ``*Rq``
elements, Latin-1, valid against Intuit's schema for the version in use — and stores nothing when a
check fails. It then takes two writes: the end-user's next sequence number (one update that also
returns the end-user, so it proves the end-user exists and gives the version to validate against)
and the job item at that number. FIFO is the order of acceptance because every job, a retried one
included, takes a new number when it is written.

An ``Idempotency-Key`` claims one record ``key → sequence slot`` before the job is written. A retry
that finds the record but no job at the slot (the first attempt died in between) voids that slot with
a tombstone — so the first attempt, should it wake up, can no longer write there — moves the record to
a slot of its own with a conditional write, and writes the job there: one job per key, never at a
number older than the jobs accepted meanwhile. Before voiding a slot it pauses a few milliseconds
(more each round) and looks again, so that twin requests racing on one key settle instead of voiding
each other's slots in turn.

Finishing (:meth:`JobQueue.settle`) stores the outcome on the job first (the outbox) and then
publishes it. An answer that would push the job item past DynamoDB's 400 KB (request and answer
counted in UTF-8 bytes) goes to the payload store (S3) first. Without a payload store, a read whose
answer is too large fails with ``result_too_large`` (nothing changed in QuickBooks; page it), while a
write keeps what QuickBooks made of it (applied, or refused with its own error): only the answer's
text is left out, and ``response_omitted`` says why.

How the company file hands jobs to QuickBooks one at a time lives in :mod:`chalicelib.jobs.dispatch`.
The hot path (a job QuickBooks answered in a live session) is covered for publishing by the file's
lease, which keeps pointing at the job until the next one — and a publish that fails there puts the
job in the outbox index (:meth:`JobQueue.publish_or_keep`). Every other way to finish a job (expired,
cancelled, failed before QuickBooks, an in-doubt write given up) puts it in the outbox index at once;
the scheduled re-publisher reads it.

Every transition logs one line (``job accepted``, ``job finished`` with ``status`` and
``error_code``, ``job failed before QuickBooks``, ``job expired``, ``job cancelled``) and counts in the
injected :class:`~chalicelib.observability.Metrics`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.connection import require_polling
from chalicelib.jobs.models import PRIORITY_NORMAL, EndUser, HandOut, Job
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, Store, StoreConflict
from chalicelib.jobs.results import result_message
from chalicelib.jobs.security import new_id
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics
from chalicelib.qbxml import QbxmlVersion, SchemaCatalog, parse_job_qbxml, validate_job
from chalicelib.qbxml.paging import Cursor, page_size_of, pageable, with_ceiling

log = logging.getLogger(__name__)
_QUEUED_ONLY = frozenset({JobStatus.QUEUED})

IDEMPOTENCY_WINDOW = timedelta(hours=24)
HEALTH_CHECK_SOURCE = "health_check"
ITEM_LIMIT_BYTES = 400_000  # DynamoDB's item limit
ITEM_OVERHEAD_BYTES = 16_000  # attribute names, ids, error objects, index keys: room kept on every job item
MAX_OFFLOADED_RESULT_BYTES = 50_000_000
_IDEMPOTENCY_ROUNDS = 8
_RETRY_PAUSE = 0.02  # seconds, growing each round: lets a twin request that holds the key finish its write


@dataclass(frozen=True)
class Outcome:
    """What QuickBooks (or the gateway on its behalf) made of a job."""

    status: JobStatus
    response_qbxml: str | None = None
    error: GatewayError | None = None
    warnings: tuple[dict[str, Any], ...] = ()  # QuickBooks' statusSeverity="Warn" results, and ours


def utf8_len(text: str | None) -> int:
    return len(text.encode("utf-8")) if text else 0


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
        inline_result_bytes: int = ITEM_LIMIT_BYTES - ITEM_OVERHEAD_BYTES,
        max_read_attempts: int = 3,
        unpaged_max_returned: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sleep = sleep
        self.store = store
        self.payloads = payloads
        self.inline_result_bytes = inline_result_bytes
        self.metrics = metrics
        self.publisher = publisher
        self.schemas = schemas
        self.clock = clock
        self.lease_ttl = lease_ttl
        self.max_job_bytes = max_job_bytes
        self.default_deadline = default_deadline
        self.offline_grace = offline_grace
        self.max_read_attempts = max_read_attempts
        self.unpaged_max_returned = unpaged_max_returned

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
        paging: Mapping[str, Any] | None = None,
    ) -> tuple[Job, bool]:
        """Accept a job. Returns ``(job, created)``; ``created`` is False for an idempotent replay.

        With ``fail_if_offline`` the job is refused at once (nothing stored) when the end-user's Web
        Connector has never connected or has not called within its expected interval. With ``paging``
        (``{"page_size": 500}``) one list query is run page by page (:mod:`chalicelib.qbxml.paging`).
        """
        requests = parse_job_qbxml(qbxml, max_bytes=self.max_job_bytes)
        page_size = page_size_of(dict(paging)) if paging is not None else None
        newest = self.schemas.available()
        if newest:  # refuse what no version accepts before taking a sequence number
            validate_job(requests, newest[-1], self.schemas)
        try:
            seq, user = self.store.next_sequence(end_user_id)
        except KeyError as exc:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist") from exc
        if fail_if_offline:
            require_polling(user, self.clock(), self.offline_grace)
        version = self.validation_version(user)
        if not newest or version != newest[-1]:
            validate_job(requests, version, self.schemas)
        cursor = pageable(requests, page_size, version, self.schemas) if page_size is not None else None
        ceiling = None
        if page_size is None and self.unpaged_max_returned:
            requests, ceiling = with_ceiling(requests, self.unpaged_max_returned, version, self.schemas)
        now = self.clock()
        deadline = now + timedelta(seconds=deadline_seconds) if deadline_seconds else (
            now + self.default_deadline if self.default_deadline else None)
        job = Job(
            id=new_id("job", int(now.timestamp() * 1000)),
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
            paging=cursor.to_dict() if cursor is not None else None,
            max_returned_ceiling=ceiling,
        )
        if idempotency_key:
            paged = f"paging={page_size}|" if page_size is not None else ""
            body_hash = hashlib.sha256(f"{deadline_seconds}|{paged}{qbxml}".encode()).hexdigest()
            written, created = self._put_once(job, idempotency_key, body_hash, now)
        else:
            try:
                self.store.put_job(job)
            except StoreConflict:  # our own put, applied, its answer lost and resent? Then it is written.
                if (self.store.get_job_at(end_user_id, seq) or job).id != job.id:
                    raise
            written, created = job, True
        if created:
            log.info("job accepted", extra={"job_id": written.id, "end_user_id": end_user_id, "seq": written.seq,
                                            "requests": list(requests.names), "source": source})
            self.metrics.put("JobsEnqueued")
        return written, created

    def _put_once(self, job: Job, key: str, body_hash: str, now: datetime) -> tuple[Job, bool]:
        """Write ``job`` for ``key`` unless a job for it exists (then return that one): the protocol above."""
        scope = f"{job.end_user_id}#job"
        expires = now + IDEMPOTENCY_WINDOW
        for round_ in range(_IDEMPOTENCY_ROUNDS):
            held = self.store.claim_idempotency_record(scope, key, str(job.seq), body_hash, expires, now=now)
            if held is None:
                try:
                    self.store.put_job(job)
                except StoreConflict:  # a retry voided our slot meanwhile: a new slot, and look again
                    job = dataclasses.replace(job, seq=self.store.next_sequence(job.end_user_id)[0])
                    continue
                return job, True
            if held.body_hash != body_hash:
                raise error("idempotency_key_reused",
                            f"Idempotency-Key {key!r} was used for a different request")
            slot = int(held.target_id)
            self.sleep(_RETRY_PAUSE * (round_ + 1))  # a concurrent twin may be writing it right now
            existing = self.store.get_job_at(job.end_user_id, slot) or self.store.put_tombstone(job.end_user_id, slot)
            if existing is not None:
                return existing, False
            if self.store.move_idempotency_record(scope, key, held.target_id, str(job.seq)):
                try:
                    self.store.put_job(job)
                except StoreConflict:
                    job = dataclasses.replace(job, seq=self.store.next_sequence(job.end_user_id)[0])
                    continue
                return job, True
        raise error("internal_error", f"Idempotency-Key {key!r}: too many concurrent retries; try again")

    # Finishing -----------------------------------------------------------------------------------
    def _answer_changes(self, job: Job, outcome: Outcome, part: str = "", *,
                        share: int = 1, reserved: int = 0) -> tuple[Outcome, dict[str, Any]]:
        """Where the answer goes: on the item, in S3, or (a write QuickBooks applied) left out.

        ``share``: the answer may take only this part of the room (with a bucket to spill to, a page
        keeps half: it replaces the page before it on the item, and moto counts both while it does);
        ``reserved``: bytes the same write puts on the item besides (a paged query's cursor)."""
        answer = outcome.response_qbxml
        room = (self.inline_result_bytes - utf8_len(job.qbxml) - reserved) // share
        size = utf8_len(answer)
        if answer is None or size <= room:
            return outcome, {"response_qbxml": answer} if answer is not None else {}
        if self.payloads is not None and size <= MAX_OFFLOADED_RESULT_BYTES:
            uri = self._offload(job, answer, part)
            return Outcome(outcome.status, error=outcome.error), {"response_s3_uri": uri, "response_qbxml": None}
        if job.is_write or outcome.error is not None:  # what QuickBooks did stands; only its text is left out
            return Outcome(outcome.status, error=outcome.error), {"response_omitted": {
                "reason": "result_too_large", "bytes": size,
                "message": "QuickBooks' answer is too large to keep without a payload bucket (QBDGW_PAYLOAD_BUCKET); "
                           "the status and error above are QuickBooks' own. Query the record to read it."}}
        limit = MAX_OFFLOADED_RESULT_BYTES if self.payloads is not None else room
        return Outcome(JobStatus.FAILED, error=error(
            "result_too_large", f"QuickBooks' answer is {size} bytes; the limit here is {limit}. "
                                "Use MaxReturned and iterators to page the query.")), {}

    def settle(self, job: Job, outcome: Outcome, *, attempt: int, expected: frozenset[JobStatus],
               started_at: datetime | None = None, outbox: bool = False,
               hand_out: HandOut | None = None) -> Job | None:
        """Store a final ``outcome`` on the job, then publish it. None when the job had moved on already
        (a late answer: somebody else settled it, or the attempt it answers was given up).

        ``hand_out``: the next job of the file is handed out in the same write (the session's hot path).
        """
        now = self.clock()
        outcome, changes = self._answer_changes(job, outcome)
        changes.update(completed_at=now, attempts=attempt, error=outcome.error.to_dict() if outcome.error else None)
        if outcome.warnings:
            changes["warnings"] = list(outcome.warnings)
        if started_at is not None:
            changes["started_at"] = started_at
        attempts_before = None if JobStatus.IN_DOUBT in expected else attempt - 1
        try:
            if hand_out is None:
                done = self.store.transition_job(job, outcome.status, expected=expected, attempts=attempts_before,
                                                 changes=changes, outbox=outbox)
            else:
                done, _ = self.store.settle_and_hand_out(job, outcome.status, expected=expected,
                                                         attempts=attempts_before, changes=changes, hand_out=hand_out)
        except StoreConflict as exc:
            current = exc.current if isinstance(exc.current, Job) else None
            log.warning("late answer ignored", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "status": current.status.value if current else None})
            if current is not None and current.status.is_terminal and not outbox:
                # Perhaps our own write, applied, its answer lost and the request resent by the SDK: then
                # nothing else would publish it. A second publish of somebody else's result is harmless.
                self.publish_or_keep(current)
            return None
        log.info("job finished", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                        "status": done.status.value, "error_code": (done.error or {}).get("code")})
        self._count_finished(done)
        if outbox:
            self.publish(done, mark=True)
        else:
            self.publish_or_keep(done)
        return done

    def deliver_page(self, job: Job, cursor: Cursor, page: str | None, *, attempt: int,
                     started_at: datetime | None, hand_out: HandOut | None = None) -> Job | None:
        """A paged query's answer: the page (or, ``page`` None, an expired iterator) and the cursor after
        it, stored on the job in one write (with the next page handed out, when ``hand_out``), then the
        page published. The last page settles the job. None when the job had moved on, or when its
        previous page still awaits the re-publisher (this page is then not taken: the next session asks
        for it again from the cursor)."""
        now = self.clock()
        last = page is not None and cursor.done
        changes: dict[str, Any] = {"paging": cursor.to_dict(), "deadline_at": None, "attempts": 0}
        if page is not None:
            outcome, stored = self._answer_changes(job, Outcome(JobStatus.SUCCEEDED, response_qbxml=page),
                                                   f".p{cursor.pages}", share=2 if self.payloads else 1,
                                                   reserved=utf8_len(json.dumps(changes["paging"])))
            if outcome.status is JobStatus.FAILED:  # a page above what can be kept: the sync stops here
                return self.settle(job, outcome, attempt=attempt, expected=_QUEUED_ONLY, started_at=started_at)
            changes.update({"response_s3_uri": None, **stored})
        if started_at is not None and job.started_at is None:
            changes["started_at"] = started_at
        if last:
            changes.update(completed_at=now, attempts=attempt, error=None)
        to = JobStatus.SUCCEEDED if last else JobStatus.QUEUED
        try:
            if hand_out is None:
                done = self.store.transition_job(job, to, expected=_QUEUED_ONLY, attempts=attempt - 1,
                                                 changes=changes, published=True)
            else:
                done, _ = self.store.settle_and_hand_out(job, to, expected=_QUEUED_ONLY, attempts=attempt - 1,
                                                         changes=changes, hand_out=hand_out, published=True)
        except StoreConflict as exc:
            current = exc.current if isinstance(exc.current, Job) else None
            if current is None or current.paging != changes["paging"]:
                log.warning("page not taken: the job moved on, or its last page awaits the re-publisher",
                            extra={"job_id": job.id, "end_user_id": job.end_user_id, "page": cursor.pages})
                return None
            done = current  # our own write, applied, its answer lost and the request resent by the SDK
        if page is not None:
            log.info("page delivered", extra={"job_id": job.id, "end_user_id": job.end_user_id, "page": cursor.pages,
                                              "records": cursor.page_records, "remaining": cursor.remaining})
            if last:
                self._count_finished(done)
            self.publish_or_keep(done)
        return done

    def publish_or_keep(self, job: Job) -> bool:
        """Publish a result no outbox entry covers; if that fails, give it one, for the re-publisher."""
        if self.publish(job):
            return True
        self.store.to_outbox(job)
        return False

    def _offload(self, job: Job, answer: str, part: str = "") -> str:
        """Write a large answer to the payload store (before the job item: the outbox order)."""
        assert self.payloads is not None
        key = f"results/{job.end_user_id}/{job.id}{part}.xml"
        uri = self.payloads.put(key, answer)
        log.info("large answer stored in S3", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "bytes": utf8_len(answer), "key": key})
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

    def fail_queued(self, job: Job, err: GatewayError) -> Job | None:
        """Fail a job that never reached QuickBooks (e.g. invalid for the company file's version)."""
        try:
            done = self.store.transition_job(
                job, JobStatus.FAILED, expected=frozenset({JobStatus.QUEUED}),
                changes={"completed_at": self.clock(), "error": err.to_dict()}, outbox=True)
        except StoreConflict:
            return None
        log.info("job failed before QuickBooks", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                        "status": done.status.value, "error_code": err.code})
        self._count_finished(done)
        self.publish(done, mark=True)
        return done

    def republish_outbox(self, older_than: timedelta = timedelta(minutes=1), limit: int = 100) -> int:
        """Publish finished jobs whose first publish failed (scheduled). Returns how many went out."""
        stale = self.store.unpublished(self.clock() - older_than, limit)
        return sum(1 for job in stale if self.publish(job, mark=True))

    def expire(self, job: Job) -> Job | None:
        """Queued past its deadline: expire it with a clear error and publish that. None if it moved on.

        Only the file's lease holder (a session, or the sweeper while it holds the file) calls this for
        a write: a write must never be reported as not received while it may be in QuickBooks.
        """
        waited = int((self.clock() - job.enqueued_at).total_seconds())
        err = error("job_deadline_passed",
                    f"job {job.id} was still queued when its deadline {job.deadline_at} passed "
                    f"(waited {waited} s); QuickBooks never received it")
        try:
            done = self.store.transition_job(job, JobStatus.EXPIRED, expected=frozenset({JobStatus.QUEUED}),
                                             changes={"completed_at": self.clock(), "error": err.to_dict()},
                                             outbox=True)
        except StoreConflict:
            return None
        log.info("job expired", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                       "status": done.status.value, "error_code": err.code})
        self._count_finished(done)
        self.publish(done, mark=True)
        return done

    def cancel_if_queued(self, job: Job, err: GatewayError) -> bool:
        """Withdraw a read nobody has answered (a health check that ran out of time)."""
        try:
            done = self.store.transition_job(job, JobStatus.CANCELLED, expected=frozenset({JobStatus.QUEUED}),
                                             changes={"completed_at": self.clock(), "error": err.to_dict()},
                                             outbox=True)
        except StoreConflict:
            return False
        log.info("job cancelled", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                         "status": done.status.value, "error_code": err.code})
        self.publish(done, mark=True)
        return True

    def publish(self, job: Job, *, mark: bool | None = None) -> bool:
        """Send the job's result (or in-doubt notice) to SQS. ``mark`` takes it out of the outbox index
        (by default: when it is there, i.e. when it did not finish through a live session)."""
        if job.source == HEALTH_CHECK_SOURCE:  # answered synchronously to its caller, not on the results queue
            if mark:
                self.store.mark_published(job, self.clock())
            return True
        try:
            self.publisher.publish(result_message(job))
        except Exception:
            log.exception("result publish failed; left for the re-publisher",
                          extra={"job_id": job.id, "end_user_id": job.end_user_id})
            self.metrics.put("PublishFailures")
            return False
        if mark:
            self.store.mark_published(job, self.clock())
        return True

    def report_gauges(self) -> tuple[int, float]:
        """Measure the queues for the scheduled sweeper, through indexes (never a Scan):
        ``QueueDepth``, ``OldestQueuedJobAgeSeconds``, ``JobsInFlight``, ``StuckInFlightJobs`` (a job
        pointed at by a lease nobody renews) and ``ActiveSessions`` (held leases).
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
