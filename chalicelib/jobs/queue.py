"""The per-company-file job queue: accept jobs, finish them, publish their results.

Accepting a job (:meth:`JobQueue.enqueue`, with an ``Idempotency-Key`` or not) is told in
:mod:`chalicelib.jobs.accept`.

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
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.accept import IDEMPOTENCY_WINDOW, Accepting
from chalicelib.jobs.models import HandOut, Job
from chalicelib.jobs.ports import Clock, PayloadStore, ResultPublisher, Store, StoreConflict
from chalicelib.jobs.results import result_message
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics
from chalicelib.qbxml import SchemaCatalog
from chalicelib.qbxml.paging import Cursor

log = logging.getLogger(__name__)
__all__ = ["IDEMPOTENCY_WINDOW", "JobQueue", "Outcome"]
_QUEUED_ONLY = frozenset({JobStatus.QUEUED})

HEALTH_CHECK_SOURCE = "health_check"
ITEM_LIMIT_BYTES = 400_000  # DynamoDB's item limit
ITEM_OVERHEAD_BYTES = 16_000  # attribute names, ids, error objects, index keys: room kept on every job item
MAX_OFFLOADED_RESULT_BYTES = 50_000_000


@dataclass(frozen=True)
class Outcome:
    """What QuickBooks (or the gateway on its behalf) made of a job."""

    status: JobStatus
    response_qbxml: str | None = None
    error: GatewayError | None = None
    warnings: tuple[dict[str, Any], ...] = ()  # QuickBooks' statusSeverity="Warn" results, and ours
    answered: bool = False  # QuickBooks read the request and answered it (even with an error status)


def utf8_len(text: str | None) -> int:
    return len(text.encode("utf-8")) if text else 0


class JobQueue(Accepting):
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
        page published. The last page settles the job. A page is taken only once the page before it is
        out: when that one is still in the outbox (its publish failed), it is published again first.
        None when the job had moved on, or when the page before still cannot be published (this page
        is then not taken: the next session asks for it again from the cursor)."""
        now = self.clock()
        last = page is not None and cursor.done
        changes: dict[str, Any] = _page_changes(cursor)
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
        for tries in range(2):
            try:
                if hand_out is None:
                    done = self.store.transition_job(job, to, expected=_QUEUED_ONLY, attempts=attempt - 1,
                                                     changes=changes, published=True)
                else:
                    done, _ = self.store.settle_and_hand_out(job, to, expected=_QUEUED_ONLY, attempts=attempt - 1,
                                                             changes=changes, hand_out=hand_out, published=True)
                break
            except StoreConflict as exc:
                current = exc.current if isinstance(exc.current, Job) else None
                if current is not None and current.paging == changes["paging"]:
                    done = current  # our own write, applied, its answer lost and the request resent by the SDK
                    break
                if tries == 0 and current is not None and current.paging == job.paging and \
                        current.status is JobStatus.QUEUED and self.publish(current, mark=True):
                    continue  # its last page was still in the outbox: out now, so this page can be taken
                log.warning("page not taken: the job moved on, or its last page awaits the re-publisher",
                            extra={"job_id": job.id, "end_user_id": job.end_user_id, "page": cursor.pages})
                return None
        if page is not None:
            log.info("page delivered", extra={"job_id": job.id, "end_user_id": job.end_user_id, "page": cursor.pages,
                                              "records": cursor.page_records, "remaining": cursor.remaining})
            if last:
                self._count_finished(done)
            self.publish_or_keep(done)
        return done

    @staticmethod
    def after_page(job: Job, cursor: Cursor) -> Job:
        """``job`` as :meth:`deliver_page`'s write leaves it while pages are to come: the cursor moved, the
        current page's attempts reset, no deadline (it bounds the wait for the first page)."""
        return dataclasses.replace(job, **_page_changes(cursor))

    def publish_or_keep(self, job: Job, *, page_in_outbox: bool = False) -> bool:
        """Publish a result no outbox entry covers; if that fails, give it one, for the re-publisher.

        ``page_in_outbox``: a repair publishes again the last page of a paged job that is still running,
        which may be in the outbox (its publish failed). Published, it leaves the outbox: the sync's next
        page is taken only once the page before it is out."""
        if self.publish(job, mark=page_in_outbox or None):
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


def _page_changes(cursor: Cursor) -> dict[str, Any]:
    """What every write of a page changes on its job (:meth:`JobQueue.deliver_page`, and the job handed out
    again in the same write: :meth:`JobQueue.after_page`)."""
    return {"paging": cursor.to_dict(), "deadline_at": None, "attempts": 0}
