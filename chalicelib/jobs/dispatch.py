"""One job at a time per company file: the lease, what it points at, and how every crash is repaired.

The company file's lease item is the single place that decides what QuickBooks may be running. It
holds the session that owns the file (``holder``, the hash of its ticket), a fencing ``epoch`` bumped
at every takeover, an expiry the holder's calls renew, and a *pointer* to the one job handed out.
Every transition below is one conditional write on that item (holder, epoch and pointer checked), or
one on the job item (status and attempt count checked), except the hot path of a sync: an answer with
another job queued behind settles its job and hands that one out (NEXT) in one transaction of both
items (:meth:`follow_on`; ``Store.settle_and_hand_out``), so the next ``sendRequestXML`` only reads::

  lease \\ pointer    none            SENT/NEXT (job queued)  SENT/NEXT (settled)  DOUBT / PROBE (job in_doubt)
  ───────────────    ────────────    ─────────────────────   ──────────────────   ────────────────────────────
  held, epoch e      claim → SENT    answer → job settled    claim next → SENT    probe → PROBE; answer →
                                     (+ next job → NEXT);    idle → none          settled, or queued (600),
                                     NEXT: given, no write;                       or stays (unknown)
                                     resend/close → as inherited
  taken over (e+1)   —               read: attempt counted   re-published,        probe again
  or swept                           (SENT), pointer         pointer cleared
                                     cleared;
                                     write: job in_doubt,
                                     notice, pointer DOUBT
  free / expired     take (e+1)      the pointer is inherited by the next holder or the sweeper

A NEXT pointer is as good as SENT for every repair of a write (QuickBooks may have the job: QBWC's call
after an answer below 100 is the ``sendRequestXML`` that gives it, and QBWC never repeats a call), and
its ``previous_seq`` names the job whose answer handed it out, so that an inherited one re-publishes it.
For a read it is not an attempt: the gateway cannot tell whether that ``sendRequestXML`` came (it
writes nothing), and a Web Connector that vanished right after an answer never asked for it. Only SENT
hand-outs count towards ``max_read_attempts``; a read is handed out NEXT at most once (by the answer
before it, or its page before), so a request that kills the Web Connector every time still fails after
``max_read_attempts`` + 1 hand-outs. An answer whose handling fails takes back the NEXT pointer its own
write made (:meth:`withdraw_unsent`): QBWC, answered negative, asks for nothing more.

Why a crash after any prefix is repaired: the pointer is written before QuickBooks can see a job and
removed only after the job item says what became of it, so a job that may be in QuickBooks is always
pointed at. Taking the file over keeps the pointer (``take_lease`` never removes it) and bumps the
epoch, so an inherited pointer is recognisable (``pointer.epoch < lease.epoch``) and its job is dealt
with before anything else runs: a read counts an attempt (handed out SENT) and waits in the queue again
(it fails for good after ``max_read_attempts``), a write becomes ``in_doubt``, heads the queue and is settled by qbXML
error recovery — a probe with ``oldMessageSetID`` — before any other message set reaches QuickBooks.
A settled job (hot path) keeps the pointer until the next claim replaces it, so no write clears it;
when the session ends with the pointer still there, the next holder or the sweeper publishes the
job's result again (SQS and consumers de-duplicate by ``job_id``) and clears it.

The holder renews by writing ``expires_at``: every claim does, and an idle session's ``getLastError``
does when a third of ``stale_after`` has passed. A session that holds the file but has nothing in
QuickBooks and has not called for ``stale_after`` may be taken over early (its Web Connector is gone);
with a job handed out, only expiry frees the file, so the lease must outlast QuickBooks' slowest
request. The sweeper (:meth:`Dispatcher.sweep`, scheduled) finds leases nobody renews and pointers
left behind through a sparse index, never a Scan, and gives an in-doubt write that nobody could settle
before its deadline up with ``in_doubt_unresolved``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import DOUBT, NEXT, PROBE, SENT, FileView, HandOut, InFlight, Job, Lease
from chalicelib.jobs.ports import SWEEPER_PREFIX, Clock, Store, StoreConflict
from chalicelib.jobs.queue import JobQueue, Outcome
from chalicelib.jobs.security import new_id
from chalicelib.jobs.states import JobStatus

log = logging.getLogger(__name__)
SWEEPER_HOLD = timedelta(seconds=60)
DOUBT_GRACE = timedelta(hours=1)  # an in-doubt write without a deadline is given up after this
VIEW_JOBS = 2  # jobs read with the lease on every call: the pointed one (if still queued) and the next
_QUEUED = frozenset({JobStatus.QUEUED})
_IN_DOUBT = frozenset({JobStatus.IN_DOUBT})


def message_set_id(job_id: str, attempt: int) -> str:
    """The ``newMessageSetID`` of one attempt of a write: at most 23 characters, never reused.

    16 base32 characters of the job id's SHA-256 (80 bits), a dot, and the attempt number.
    """
    digest = base64.b32encode(hashlib.sha256(job_id.encode()).digest()).decode()[:16].lower()
    return f"{digest}.{attempt}"


class Dispatcher:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock,
        *,
        lease_ttl: timedelta,
        stale_after: timedelta = timedelta(seconds=90),
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.lease_ttl = lease_ttl
        self.stale_after = stale_after

    def renewal(self, now: datetime) -> dict[str, Any]:
        return {"expires_at": now + self.lease_ttl, "seen_at": now}

    def renewal_due(self, lease: Lease, now: datetime) -> bool:
        return lease.seen_at is None or now - lease.seen_at >= self.stale_after / 3

    # Taking and giving up the file -------------------------------------------------------------------
    def take(self, view: FileView, holder: str, session: dict[str, Any]) -> Lease | None:
        """Become the file's holder (a new epoch), or None while another live session holds it."""
        now = self.clock()
        try:
            return self.store.take_lease(view.user.id if view.user else "", holder, now=now,
                                         expires_at=now + self.lease_ttl, stale_before=now - self.stale_after,
                                         session={"created_at": now, "state": "ready", **session})
        except StoreConflict as exc:  # busy, unless it is our own takeover, applied and resent by the SDK
            current = exc.current
            return current if isinstance(current, Lease) and current.held_by(holder) else None

    def release(self, lease: Lease) -> bool:
        """The session ends. What it handed out stays pointed at, for the next holder or the sweeper."""
        return self.store.release_lease(lease, due=self.clock())

    # What the next message set is -----------------------------------------------------------------------
    def job_at(self, view: FileView | None, end_user_id: str, seq: int) -> Job | None:
        """Job ``seq`` of the file: from ``view`` when it holds it, else one read."""
        for job in view.jobs if view else ():
            if job.seq == seq:
                return job
        return self.store.get_job_at(end_user_id, seq)

    def _answered(self, view: FileView, lease: Lease, pointer: InFlight) -> bool:
        """Did this session's own last message set get its answer (the job left the queue)?

        A probe never counts as answered here: whatever its answer did (settled the write, queued it
        again, left it in doubt) — or a late answer of the session that lost the file did, whose
        publish may have died with it — :meth:`repair` reads the job, publishes a settled one, and
        clears or keeps the pointer."""
        if pointer.epoch != lease.epoch or pointer.phase not in (SENT, NEXT):
            return False
        if pointer.left_the_queue(view, VIEW_JOBS):
            return True  # no read needed: the hot path
        job = self.job_at(view, lease.end_user_id, pointer.seq)
        return job is None or job.status.is_terminal or _page_answered(job, pointer)

    def next_job(self, view: FileView, lease: Lease) -> tuple[Lease, Job | None, bool]:
        """Settle whatever the pointer needs, then hand out the next job: ``(lease, job, is_probe)``.

        ``job`` None means nothing to do (no write when the pointer is already clear). Raises
        :class:`StoreConflict` when the lease is no longer ``lease`` (taken over, closed).
        """
        pointer = lease.pointer
        if pointer is not None and pointer.phase == NEXT and pointer.epoch == lease.epoch and not (
                pointer.left_the_queue(view, VIEW_JOBS)):
            handed = self.job_at(view, lease.end_user_id, pointer.seq)
            if handed is not None and handed.status is JobStatus.QUEUED and not _page_answered(handed, pointer):
                if not view.jobs or view.jobs[0].seq == handed.seq:
                    return lease, handed, False  # no write: the answer's write handed it out and renewed
                # a job of higher priority (a health check) was accepted since: this call is the one that
                # would have given the NEXT one (QBWC makes each call once, in order), so it was never
                # given, and waits its turn
                lease = self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
                pointer = None
        if pointer is not None and not self._answered(view, lease, pointer):
            lease = self.repair(lease, self.job_at(view, lease.end_user_id, pointer.seq))
            view = self.store.read_file(lease.end_user_id, jobs=VIEW_JOBS)
        if lease.pointer is not None and lease.pointer.phase == DOUBT:
            return self._probe(lease)
        now = self.clock()
        while (head := self._head(view, lease)) is not None and _overdue(head, now):
            self.queue.expire(head)  # the holder never sends an overdue job
            view = self.store.read_file(lease.end_user_id, jobs=VIEW_JOBS)
        if head is not None:
            if head.status is JobStatus.IN_DOUBT:  # defensive: an in-doubt write nobody points at
                lease = self.store.update_lease(lease, {}, pointer=self.doubt_pointer(lease, head),
                                                expect_seq=lease.pointer.seq if lease.pointer else None)
                return self._probe(lease)
            claimed = self._pointer(lease, head, SENT, now)
            changes = {"jobs_sent": lease.jobs_sent + 1, "last_job_at": now, **self.renewal(now)}
            lease = self._point(lease, changes, claimed, lease.pointer.seq if lease.pointer else None)
            return lease, head, False
        if lease.pointer is not None:  # the last job settled: clear it once, so the file can be taken over
            lease = self.store.update_lease(lease, {}, pointer=None, expect_seq=lease.pointer.seq)
        return lease, None, False

    @staticmethod
    def _pointer(lease: Lease, job: Job, phase: str, now: datetime) -> InFlight:
        attempt = job.attempts + 1
        return InFlight(seq=job.seq, job_id=job.id, is_write=job.is_write, attempt=attempt,
                        message_set_id=message_set_id(job.id, attempt) if job.is_write else None,
                        epoch=lease.epoch, phase=phase, sent_at=now, queued_key=job.queued_key,
                        page=int(job.paging.get("answers") or 0) if job.paging else None)

    def _point(self, lease: Lease, changes: dict[str, Any], pointer: InFlight, expect_seq: int | None) -> Lease:
        """Write ``pointer`` onto the lease; our own write, applied and resent by the SDK, counts as done."""
        try:
            return self.store.update_lease(lease, changes, pointer=pointer, expect_seq=expect_seq)
        except StoreConflict as exc:
            current = exc.current
            if not (isinstance(current, Lease) and current.held_by(lease.holder or "")
                    and current.epoch == lease.epoch and current.pointer == pointer):
                raise
            return current

    def follow_on(self, view: FileView, lease: Lease, answered: Job, *, staying: Job | None = None) -> HandOut | None:
        """The job to hand out in the write that settles ``answered`` (phase NEXT), when the read
        before that answer already shows it: the hot path of a sync, where ``sendRequestXML`` then reads
        and writes nothing more for a read. ``staying``: ``answered`` as that write leaves it, still
        queued (a paged query's next page). None when anything else must come first or decide."""
        pointer = lease.pointer
        if pointer is None or pointer.epoch != lease.epoch or pointer.seq != answered.seq or pointer.phase == PROBE:
            return None
        now = self.clock()
        jobs = [staying if j.seq == answered.seq else j for j in view.jobs
                if j.seq != answered.seq or staying is not None]
        head = jobs[0] if jobs else None
        if head is None or head.status is not JobStatus.QUEUED or _overdue(head, now):
            return None  # an in-doubt write heads the queue, or an overdue job: sendRequestXML sees to it
        changes = {"jobs_sent": lease.jobs_sent + 1, "last_job_at": now, **self.renewal(now)}
        return HandOut(lease, changes, dataclasses.replace(self._pointer(lease, head, NEXT, now),
                                                           previous_seq=answered.seq))

    @staticmethod
    def _head(view: FileView, lease: Lease) -> Job | None:
        """The first job of the queue that is not the one the pointer already stands for (unless it is
        a paged query with pages to come: its next page then goes before every job behind it)."""
        return next((j for j in view.jobs if lease.pointer is None or j.seq != lease.pointer.seq
                     or j.paging is not None), None)

    def doubt_pointer(self, lease: Lease, job: Job) -> InFlight:
        """A pointer that says: ``job`` is in doubt; probe it with the message set id it was sent with."""
        return InFlight(seq=job.seq, job_id=job.id, is_write=True, attempt=job.attempts,
                        message_set_id=job.doubt_message_set_id, epoch=lease.epoch, phase=DOUBT,
                        sent_at=self.clock(), queued_key=dataclasses.replace(job, status=JobStatus.IN_DOUBT).queued_key)

    def _probe(self, lease: Lease) -> tuple[Lease, Job | None, bool]:
        pointer = lease.pointer
        assert pointer is not None
        job = self.store.get_job_at(lease.end_user_id, pointer.seq)
        now = self.clock()
        lease = self.store.update_lease(
            lease, {"last_job_at": now, **self.renewal(now)},
            pointer=dataclasses.replace(pointer, phase=PROBE, epoch=lease.epoch, sent_at=now), expect_seq=pointer.seq)
        log.info("asking QuickBooks what became of an in-doubt write",
                 extra={"job_id": pointer.job_id, "end_user_id": lease.end_user_id})
        return lease, job, True

    # Repairs ----------------------------------------------------------------------------------------------
    def repair(self, lease: Lease, job: Job | None) -> Lease:
        """Deal with a pointer the holder (``lease``) inherited, or whose answer never came."""
        pointer = lease.pointer
        assert pointer is not None
        inherited_previous = pointer.previous_seq is not None and pointer.epoch != lease.epoch
        if inherited_previous:
            assert pointer.previous_seq is not None
            self._publish_previous(lease.end_user_id, pointer.previous_seq)
        if job is None or job.status.is_terminal:
            if job is not None:  # the session that settled it may have died before publishing
                self.queue.publish_or_keep(job)
            return self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
        if job.status is JobStatus.IN_DOUBT:
            if pointer.phase == DOUBT and pointer.epoch == lease.epoch:
                return lease
            return self.store.update_lease(lease, {}, pointer=self.doubt_pointer(lease, job), expect_seq=pointer.seq)
        if pointer.phase == PROBE:  # the probe said "never applied": the write was queued to run again
            return self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
        if not pointer.is_write:
            # Its last page may not have gone out: an answer stored it (as published) and died before the
            # publish, and a NEXT pointer still names the job before it. Unless published just above.
            if _has_page(job) and not (inherited_previous and pointer.previous_seq == job.seq):
                self.queue.publish_or_keep(job, page_in_outbox=True)
            if pointer.phase != NEXT:  # a NEXT pointer may never have been asked for: not an attempt (below)
                self._count_lost_read(job, pointer)
            return self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
        doubted = self.mark_in_doubt(job, pointer, error(
            "lease_expired_outcome_unknown",
            f"the Web Connector session running write job {job.id} ended before QuickBooks' answer arrived"))
        if doubted is None:  # it moved on meanwhile (a late answer settled it): look again
            return self.repair(lease, self.store.get_job_at(lease.end_user_id, pointer.seq))
        return self.store.update_lease(lease, {}, pointer=self.doubt_pointer(lease, doubted), expect_seq=pointer.seq)

    def withdraw_unsent(self, end_user_id: str, answered: InFlight) -> None:
        """Take back a NEXT pointer the Web Connector will never ask for. ``answered`` is the pointer of an
        answer whose handling failed: QBWC, answered negative, asks for nothing more in that session, so a
        NEXT pointer that the failed handling's own write made (its answer lost, or a later step failed)
        was never sent. Left there, the next session would count a read handed out without an answer, or
        probe a write QuickBooks never saw. What that write settled, or the page it stored, is published
        (again: the write's own publish may not have happened), and the pointer goes without counting an
        attempt. Best effort: if AWS still fails, the next holder repairs the pointer as before."""
        try:
            lease = self.store.get_lease(end_user_id)
            pointer = lease.pointer if lease is not None else None
            if lease is None or pointer is None or pointer == answered or pointer.phase != NEXT \
                    or pointer.epoch != answered.epoch or lease.epoch != answered.epoch:
                return  # the write did not apply (the pointer is the one answered), or the file moved on
            if pointer.previous_seq is not None:
                self._publish_previous(end_user_id, pointer.previous_seq)
            self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
            log.info("hand-out withdrawn: the Web Connector will not ask for it",
                     extra={"job_id": pointer.job_id, "end_user_id": end_user_id})
        except Exception:
            log.exception("could not withdraw the hand-out of an answer that failed")

    def _publish_previous(self, end_user_id: str, seq: int) -> None:
        """The answer that handed out an inherited NEXT pointer settled this job (or delivered a page of
        it); its session may have died before publishing that. Publish it again (consumers de-duplicate
        by ``job_id``, a page by ``cursor``)."""
        previous = self.store.get_job_at(end_user_id, seq)
        if previous is not None and (previous.status.is_terminal or _has_page(previous)):
            self.queue.publish_or_keep(previous, page_in_outbox=not previous.status.is_terminal)

    def _count_lost_read(self, job: Job, pointer: InFlight) -> None:
        """A read whose answer never came: it runs again, unless that was its last allowed attempt."""
        if pointer.attempt >= self.queue.max_read_attempts:
            self.queue.settle(job, Outcome(JobStatus.FAILED, error=error(
                "job_abandoned_repeatedly",
                f"read job {job.id} was handed to the Web Connector {pointer.attempt} times without an answer")),
                attempt=pointer.attempt, expected=_QUEUED, outbox=True)
            return
        try:
            self.store.transition_job(job, JobStatus.QUEUED, expected=_QUEUED, attempts=pointer.attempt - 1,
                                      changes={"attempts": pointer.attempt})
        except StoreConflict:
            return  # counted already, or settled by a late answer
        log.warning("abandoned job recovered", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "to": "queued", "status": "queued"})

    def mark_in_doubt(self, job: Job, pointer: InFlight, err: GatewayError) -> Job | None:
        """A write that may have reached QuickBooks: ``in_doubt`` until error recovery settles it."""
        try:
            doubted = self.store.transition_job(
                job, JobStatus.IN_DOUBT, expected=_QUEUED, attempts=pointer.attempt - 1,
                changes={"attempts": pointer.attempt, "doubt_message_set_id": pointer.message_set_id,
                         "started_at": pointer.sent_at, "error": err.to_dict()})
        except StoreConflict:
            return None
        log.warning("abandoned job recovered", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                      "to": "in_doubt", "status": "in_doubt"})
        self.queue.publish(doubted)  # an in_doubt notice, best effort: the final result is what must arrive
        return doubted

    # The sweeper ------------------------------------------------------------------------------------------
    def sweep(self, limit: int = 100) -> int:
        """Repair every company file whose holder stopped renewing or whose pointer was left behind."""
        repaired = 0
        for found in self.store.leases_due(self.clock(), limit):
            lease = self._hold(found.end_user_id)
            if lease is None:
                continue  # a live session has it now
            due, held = self.clock(), lease
            try:
                held, due = self._sweep_one(lease)
            finally:  # by holder and epoch (a no-op once somebody else has it), with the pointer as repaired
                self.store.release_lease(held, due=due)
            repaired += 1
        return repaired

    def _sweep_one(self, lease: Lease) -> tuple[Lease, datetime]:
        """Repair one file the sweeper holds: the lease as it leaves it, and when to look again."""
        if lease.pointer is None:
            return lease, self.clock()
        lease = self.repair(lease, self.store.get_job_at(lease.end_user_id, lease.pointer.seq))
        pointer = lease.pointer
        if pointer is None:
            return lease, self.clock()
        job = self.store.get_job_at(lease.end_user_id, pointer.seq)
        deadline = self.clock() if job is None else job.deadline_at or job.enqueued_at + DOUBT_GRACE
        if job is not None and job.status is JobStatus.IN_DOUBT and deadline <= self.clock():
            done = self.queue.settle(job, Outcome(JobStatus.FAILED, error=error(
                "in_doubt_unresolved",
                f"write job {job.id} was still in doubt at its deadline {deadline.isoformat()}; no session could "
                "ask QuickBooks whether it was applied")), attempt=job.attempts, expected=_IN_DOUBT, outbox=True)
            if done is not None:
                lease = self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
            return lease, self.clock()
        return lease, max(deadline, self.clock())

    def expire_overdue(self, limit: int = 200) -> int:
        """Expire queued jobs past their deadline. A write is expired only while the sweeper holds its
        file (a live session expires its own when it reaches them): never one that may be in QuickBooks."""
        expired = 0
        for job in self.store.overdue(self.clock(), limit):
            if not job.is_write:
                lease = self.store.get_lease(job.end_user_id)
                if lease is not None and lease.pointer is not None and lease.pointer.seq == job.seq:
                    continue
                expired += self.queue.expire(job) is not None
                continue
            held = self._hold(job.end_user_id)
            if held is None:
                continue  # a live session holds the file: it expires the job when it reaches it
            try:
                if held.pointer is None or held.pointer.seq != job.seq:
                    expired += self.queue.expire(job) is not None
            finally:
                self.store.release_lease(held, due=self.clock())
        return expired

    def _hold(self, end_user_id: str) -> Lease | None:
        """The sweeper takes a file for a moment (any Web Connector may take it back at once), or None."""
        now = self.clock()
        try:
            return self.store.take_lease(end_user_id, f"{SWEEPER_PREFIX}{new_id('sw')}", now=now,
                                         expires_at=now + SWEEPER_HOLD, stale_before=now - self.stale_after,
                                         session={"state": "sweeping", "created_at": now})
        except StoreConflict:
            return None


def _has_page(job: Job) -> bool:
    """A paged query still running, with a page delivered (its last one may be unpublished)."""
    return job.paging is not None and job.status is JobStatus.QUEUED and int(job.paging.get("pages") or 0) > 0


def _page_answered(job: Job, pointer: InFlight) -> bool:
    """A paged query still queued: did QuickBooks answer the page this pointer handed out?"""
    return pointer.page is not None and job.paging is not None and int(job.paging.get("answers") or 0) > pointer.page


def _overdue(job: Job, now: datetime) -> bool:
    return job.status is JobStatus.QUEUED and job.deadline_at is not None and job.deadline_at < now
