"""Accepting a job into a company file's queue, once per ``Idempotency-Key``.

Accepting a job (:meth:`JobQueue.enqueue`) checks its qbXML first — well-formed, only ``*Rq``
elements, Latin-1, valid against Intuit's schema for the version in use, and no element newer than
the company file's qbXML version or missing from its country's edition
(:mod:`chalicelib.qbxml.editions`) — and stores nothing when a check fails. It then takes two
writes: the end-user's next sequence number (one update that also returns the end-user, so it
proves the end-user exists and gives the version and country to check against) and the job item
at that number. FIFO is the order of acceptance because every job, a retried one
included, takes a new number when it is written.

An ``Idempotency-Key`` claims one record ``key → sequence slot`` before the job is written. A retry
that finds the record but no job at the slot (the first attempt died in between) voids that slot with
a tombstone — so the first attempt, should it wake up, can no longer write there — moves the record to
a slot of its own with a conditional write, and writes the job there: one job per key, never at a
number older than the jobs accepted meanwhile. Before voiding a slot it pauses a few milliseconds
(more each round) and looks again, so that twin requests racing on one key settle instead of voiding
each other's slots in turn.

:class:`Accepting` is that part of :class:`~chalicelib.jobs.queue.JobQueue` (a mixin: the queue
provides the store, the schemas and the settings declared in :class:`_Queue`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.errors import error
from chalicelib.jobs.connection import require_polling
from chalicelib.jobs.models import PRIORITY_NORMAL, EndUser, Job, checked_for
from chalicelib.jobs.ports import Clock, Store, StoreConflict
from chalicelib.jobs.security import job_id
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import Metrics
from chalicelib.qbxml import QbxmlVersion, SchemaCatalog, parse_job_qbxml, validate_job
from chalicelib.qbxml.editions import check_elements
from chalicelib.qbxml.paging import pageable, paging_options, resumed_from, with_ceiling

log = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = timedelta(hours=24)
_IDEMPOTENCY_ROUNDS = 8
_RETRY_PAUSE = 0.02  # seconds, growing each round: lets a twin request that holds the key finish its write


class _Queue(Protocol):
    """What accepting uses of :class:`~chalicelib.jobs.queue.JobQueue`."""

    store: Store
    schemas: SchemaCatalog
    clock: Clock
    metrics: Metrics
    max_job_bytes: int
    default_deadline: timedelta | None
    offline_grace: timedelta
    unpaged_max_returned: int
    sleep: Callable[[float], None]

    def validation_version(self, user: EndUser) -> QbxmlVersion: ...
    def _put_once(self, job: Job, key: str, body_hash: str, now: datetime) -> tuple[Job, bool]: ...


class Accepting:
    """Mixed into the job queue; ``self`` is that queue (:class:`_Queue`)."""

    def validation_version(self: _Queue, user: EndUser) -> QbxmlVersion:
        """The version a new job is checked against: the company file's, else our newest schema."""
        if user.qbxml_version:
            return QbxmlVersion.parse(user.qbxml_version)
        available = self.schemas.available()
        return available[-1] if available else QbxmlVersion(13, 0)

    def enqueue(
        self: _Queue,
        end_user_id: str,
        qbxml: str,
        *,
        source: str,
        deadline_seconds: int | None = None,
        idempotency_key: str | None = None,
        priority: int = PRIORITY_NORMAL,
        fail_if_offline: bool = False,
        paging: Mapping[str, Any] | None = None,
        resume: Mapping[str, Any] | None = None,
        fingerprint: str | None = None,
        call: str | None = None,
        render_json: bool = False,
        feed: str | None = None,
        whole: bool = False,
    ) -> tuple[Job, bool]:
        """Accept a job. Returns ``(job, created)``; ``created`` is False for an idempotent replay.

        With ``fail_if_offline`` the job is refused at once (nothing stored) when the end-user's Web
        Connector has never connected or has not called within its expected interval. With ``paging``
        (``{"page_size": 500}``, optionally ``"max_pages"``) one query is run page by page
        (:mod:`chalicelib.qbxml.paging`); ``resume`` is the cursor of an earlier job of the same query
        whose page budget was spent: this one goes on from there. ``fingerprint`` stands for the request
        in the ``Idempotency-Key`` check instead of its text (a caller that retries the same call with
        another page size, say, gets the job of its first call). ``call`` names a typed REST call
        (:mod:`chalicelib.resources`); ``render_json`` puts the answer's JSON rendering on the result; ``feed``
        names the change-feed catch-up the job is part of (:mod:`chalicelib.feed`); ``whole``: an unpaged query
        gets no ``MaxReturned`` ceiling (the feed's queries of lists without iterators: a ceiling would cut
        a window short, unseen).
        """
        requests = parse_job_qbxml(qbxml, max_bytes=self.max_job_bytes)
        page_size, budget = paging_options(dict(paging)) if paging is not None else (None, None)
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
        check_elements(requests.elements, version, user.country)  # the file's version and edition, per element
        cursor = pageable(requests, page_size, version, self.schemas) if page_size is not None else None
        if cursor is not None and page_size is not None:
            cursor = (resumed_from(dict(resume), cursor, page_size, budget) if resume is not None
                      else dataclasses.replace(cursor, page_budget=budget))
        ceiling = None
        if page_size is None and self.unpaged_max_returned and not whole:
            requests, ceiling = with_ceiling(requests, self.unpaged_max_returned, version, self.schemas)
        now = self.clock()
        deadline = now + timedelta(seconds=deadline_seconds) if deadline_seconds else (
            now + self.default_deadline if self.default_deadline else None)
        job = Job(
            id=job_id(end_user_id, seq, int(now.timestamp() * 1000)),
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
            call=call,
            render_json=render_json or call is not None,
            checked_for=checked_for(version, user.country),
            feed=feed,
        )
        if idempotency_key:
            paged = "" if page_size is None else f"paging={page_size}|" if budget is None else \
                f"paging={page_size},{budget}|"
            body_hash = hashlib.sha256((fingerprint or f"{deadline_seconds}|{paged}{qbxml}").encode()).hexdigest()
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

    def _put_once(self: _Queue, job: Job, key: str, body_hash: str, now: datetime) -> tuple[Job, bool]:
        """Write ``job`` for ``key`` unless a job for it exists (then return that one): the protocol above."""
        scope = f"{job.end_user_id}#job"
        expires = now + IDEMPOTENCY_WINDOW
        for round_ in range(_IDEMPOTENCY_ROUNDS):
            held = self.store.claim_idempotency_record(scope, key, str(job.seq), body_hash, expires, now=now)
            if held is None:
                try:
                    self.store.put_job(job)
                except StoreConflict:  # a retry voided our slot meanwhile: a new slot, and look again
                    job = _at(job, self.store.next_sequence(job.end_user_id)[0])
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
                    job = _at(job, self.store.next_sequence(job.end_user_id)[0])
                    continue
                return job, True
        raise error("internal_error", f"Idempotency-Key {key!r}: too many concurrent retries; try again")


def _at(job: Job, seq: int) -> Job:
    """The job moved to another sequence slot (its first one was voided): its id, which carries the slot, too."""
    return dataclasses.replace(job, seq=seq, id=job_id(job.end_user_id, seq))
