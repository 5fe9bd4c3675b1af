"""Large syncs in the session service: a paged query's pages, and answers too large to deliver.

:class:`LargeAnswers` is the part of :class:`~chalicelib.qbwc.service.QbwcService` that handles
them (a mixin: the service provides the store, queue, dispatcher and the small helpers declared in
:class:`~chalicelib.qbwc.parts.Service`). A page of a paged query (:mod:`chalicelib.qbxml.paging`)
is read, stored and published, and the next page handed out in the same write; an expired
iterator (3391) is noted so that the next page restarts from the last record. An answer above the
deployed request limit (:mod:`chalicelib.api.soap`) fails its job at once, or puts a write in doubt.
"""

from __future__ import annotations

import contextlib
import logging

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import NEXT, SENT, FileView, Job, Lease
from chalicelib.jobs.ports import StoreConflict
from chalicelib.jobs.queue import Outcome
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import answers
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.parts import Service
from chalicelib.qbxml import paging

log = logging.getLogger(__name__)


class LargeAnswers:
    """Mixed into the session service; ``self`` is that service (:class:`~chalicelib.qbwc.parts.Service`)."""

    def _page_answer(self: Service, view: FileView, lease: Lease, job: Job, call: c.ReceiveResponseXML) -> int | None:
        """A page of a paged query (chalicelib.qbxml.paging): stored and published, the next page handed
        out in the same write. None when the answer is not a page (unreadable, an error status): it
        then settles the job like any other answer."""
        pointer = lease.pointer
        assert pointer is not None
        cursor = paging.Cursor.from_dict(job.paging or {})
        try:
            page = paging.read_page(call.response, cursor, session=lease.epoch, request_id=job.id)
        except GatewayError:
            return None
        if page.status_code == paging.ITERATOR_EXPIRED:
            after, text = paging.expired(cursor), None
        elif page.status_code in (0, 1):  # a page, or (a transaction walk) a count that only moves the cursor
            after, text = page.cursor, page.response_qbxml if page.delivers else None
        else:
            return None
        staying = self.queue.after_page(job, after)
        hand_out = None if text is not None and after.done else self.dispatcher.follow_on(
            view, lease, job, staying=staying)
        done = self.queue.deliver_page(job, after, text, attempt=pointer.attempt, started_at=pointer.sent_at,
                                       hand_out=hand_out)
        if done is None:  # not taken: QuickBooks answered, so nothing is in QuickBooks and no attempt was lost;
            with contextlib.suppress(StoreConflict):  # the pointer goes, uncounted: the page is asked again
                self.store.update_lease(lease, {}, pointer=None, expect_seq=pointer.seq)
            return answers.PROTOCOL_ERROR_PERCENT
        if done.status.is_terminal:
            self._record_success(view, self.clock())
            return self._percent(view, lease)
        return answers.page_progress(after, view, lease)

    def answer_too_large(self: Service, ticket: str, size: int, limit: int) -> None:
        """An answer the deployed path could never deliver: its job fails now (a read, or a paged
        query's page) or becomes in doubt (a write: it may be applied), instead of waiting out the
        lease to be sent again. Never raises."""
        try:
            held = self._holding(ticket)
            if held is None:
                return
            view, lease = held
            pointer = lease.pointer
            if pointer is None or pointer.epoch != lease.epoch or pointer.phase not in (SENT, NEXT):
                return
            job = self.dispatcher.job_at(view, lease.end_user_id, pointer.seq)
            if job is None or job.status.is_terminal:
                return
            err = error("result_too_large",
                        f"QuickBooks' answer to job {job.id} is {size} bytes as the Lambda event; the deployed "
                        f"limit is {limit}. " + ("Lower paging.page_size." if job.paging else
                                                 "Page the query (paging, or MaxReturned and iterators)."))
            if job.is_write:
                doubted = self.dispatcher.mark_in_doubt(job, pointer, err)
                if doubted is not None:
                    self.store.update_lease(lease, {}, pointer=self.dispatcher.doubt_pointer(lease, doubted),
                                            expect_seq=pointer.seq)
            else:
                self.queue.settle(job, Outcome(JobStatus.FAILED, error=err), attempt=pointer.attempt,
                                  expected=frozenset({JobStatus.QUEUED}), started_at=pointer.sent_at)
            self._note(lease, err.user_facing_message)
            self._record_error(view, err, self.clock())
        except Exception:
            log.exception("could not fail the job of a too-large answer")

