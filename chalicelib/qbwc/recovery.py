"""Error recovery in the session service: what QuickBooks says about a write in doubt.

:class:`InDoubtAnswers` is the part of :class:`~chalicelib.qbwc.service.QbwcService` (a mixin, typed
with :class:`~chalicelib.qbwc.parts.Service`) that reads the answers to a probe — the message set with
``oldMessageSetID`` that asks QuickBooks whether an in-doubt write was applied — and the late answer of
a session that no longer holds the file, which settles such a write when it is the truth about the
message set the write was sent with.
"""

from __future__ import annotations

import logging

from chalicelib.errors import CATALOG
from chalicelib.jobs.models import FileView, Job, Lease
from chalicelib.jobs.ports import StoreConflict
from chalicelib.jobs.security import ticket_end_user
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import answers
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.parts import Service

log = logging.getLogger(__name__)

PROTOCOL_ERROR_PERCENT = answers.PROTOCOL_ERROR_PERCENT
HRESULT_ERROR_PERCENT = answers.HRESULT_ERROR_PERCENT


class InDoubtAnswers:
    """Mixed into the session service; ``self`` is that service (:class:`~chalicelib.qbwc.parts.Service`)."""

    def _probe_answer(self: Service, view: FileView, lease: Lease, job: Job, call: c.ReceiveResponseXML) -> int:
        """What QuickBooks said about an in-doubt write: applied (settle it), never applied (600: run it
        again), or anything else (it stays in doubt; the next session asks again)."""
        pointer = lease.pointer
        assert pointer is not None
        verdict, detail = answers.probe_verdict(call, pointer.message_set_id)
        if verdict == answers.NEVER_APPLIED:
            try:
                self.store.transition_job(job, JobStatus.QUEUED, expected=frozenset({JobStatus.IN_DOUBT}),
                                          changes={"error": None})
            except StoreConflict:
                return PROTOCOL_ERROR_PERCENT
            log.info("in-doubt write was never applied; queued again",
                     extra={"job_id": job.id, "end_user_id": job.end_user_id})
            return self._percent(view, lease, pending=True)
        outcome = answers.outcome_of(job, call) if verdict == answers.STORED else None
        if outcome is not None and outcome.status is not JobStatus.IN_DOUBT:
            self.queue.settle(job, outcome, attempt=max(job.attempts, pointer.attempt),
                              expected=frozenset({JobStatus.IN_DOUBT}), started_at=job.started_at)
            return self._percent(view, lease)
        log.warning("QuickBooks did not say what became of an in-doubt write; it stays in doubt",
                    extra={"job_id": job.id, "end_user_id": job.end_user_id, "detail": detail})
        self._note(lease, CATALOG["write_outcome_unknown"].user_facing_message)  # the text QBWC shows
        return HRESULT_ERROR_PERCENT

    def _late_answer(self: Service, call: c.ReceiveResponseXML) -> int:
        """An answer from a session that no longer holds the file. The truth settles a write in doubt — told by
        a ticket ``authenticate`` issued: the job's id and its message set id can be guessed from the user
        name, so a made-up ticket of the right shape is not heard (the probe asks QuickBooks instead)."""
        if ticket_end_user(call.ticket) and not self.hasher.issued(call.ticket):
            log.warning("late answer under a ticket the gateway did not issue ignored",
                        extra={"end_user_id": ticket_end_user(call.ticket), "audit": "forged_ticket"})
            return PROTOCOL_ERROR_PERCENT
        named = answers.answered_job(call) if ticket_end_user(call.ticket) else None
        if named is None:
            return PROTOCOL_ERROR_PERCENT
        job = self.store.get_job(named[0])
        if (job is None or job.end_user_id != ticket_end_user(call.ticket) or job.status is not JobStatus.IN_DOUBT
                or named[1] != job.doubt_message_set_id):
            log.warning("late answer ignored", extra={"end_user_id": ticket_end_user(call.ticket)})
            return PROTOCOL_ERROR_PERCENT
        outcome = answers.outcome_of(job, call)
        if outcome.status is not JobStatus.IN_DOUBT:
            self.queue.settle(job, outcome, attempt=job.attempts, expected=frozenset({JobStatus.IN_DOUBT}),
                              started_at=job.started_at)
            log.info("late answer settled an in-doubt write", extra={"job_id": job.id})
        return PROTOCOL_ERROR_PERCENT
