"""The Web Connector session service: what each of the twelve SOAP calls means for our queue.

One QBWC update is a *session*, from ``authenticate`` to ``closeConnection``, identified by a random
ticket (only its SHA-256 is stored). The session walks this loop (PROTOCOL.md §2)::

    authenticate ─► sendRequestXML ─► (QuickBooks) ─► receiveResponseXML ─┐
         │               │ ""                                    0..99     │
         │               ▼                                    ◄────────────┘
         │          getLastError ── "NoOp" (QBWC waits 5 s) ──► sendRequestXML
         │               │ text (idle limit reached, or an error)
         ▼               ▼
      nvu / none     closeConnection ◄── 100 from receiveResponseXML

Keep-alive: after the last queued job, ``receiveResponseXML`` answers 99 (not 100) while the session
is younger than the idle limit since its last job, so QBWC keeps calling ``sendRequestXML`` every
5 s (``""`` → ``getLastError`` → ``NoOp``) and a job enqueued meanwhile is picked up within seconds.
When the idle limit passes, the next ``sendRequestXML`` hands out one cheap ``HostQueryRq`` whose
answer gets 100, so the Web Connector ends the update as a success and shows ``closeConnection``'s
summary (``qbd-gateway: N request(s) sent to QuickBooks.``) — a ``getLastError`` text would be shown
as an error (:mod:`chalicelib.qbwc.answers`, "How a healthy session ends"). With
``session_idle_seconds = 0`` the last job answers 100.

Every state lives in the store: a session is its company file's lease (chalicelib.jobs.dispatch),
found by the end-user id that starts its ticket and checked against the ticket's hash. Answers are
read and composed by the pure :mod:`chalicelib.qbwc.answers`; the login and the company file a session
opened by :mod:`chalicelib.qbwc.login`; a paged query's pages and answers too large to deliver by
:mod:`chalicelib.qbwc.large`; the answers to a probe of an in-doubt write, and late answers, by
:mod:`chalicelib.qbwc.recovery`. Protocol conditions are answered in
protocol terms; no exception leaves :meth:`QbwcService.dispatch`.

Observability: once a call's session (or, for ``authenticate``, its user) is known, its end-user id
and the ticket's short hash are bound as correlation keys of the invocation's log lines (never the
ticket); a refused login counts as ``AuthenticationFailures`` (``kind=web_connector``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.catalog import RETRY_WITH_COMPANY_FILE, hresult_error
from chalicelib.errors import GatewayError, error
from chalicelib.jobs.dispatch import VIEW_JOBS, Dispatcher, message_set_id
from chalicelib.jobs.models import NEXT, PROBE, SENT, EndUser, FileView, Job, Lease, checked_for
from chalicelib.jobs.ports import SWEEPER_PREFIX, Clock, Store, StoreConflict
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import SCRYPT_ONLY, LoginPolicy, SecretHasher, ticket_end_user, ticket_hash
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics, bind, short_hash
from chalicelib.qbwc import answers
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.large import LargeAnswers
from chalicelib.qbwc.login import Login
from chalicelib.qbwc.longpoll import LongPoll, Sleep, wait_for_work
from chalicelib.qbwc.recovery import InDoubtAnswers
from chalicelib.qbxml import (
    DEFAULT_VERSION,
    JobRequests,
    QbxmlVersion,
    build_message_set,
    paging,
    stored_requests,
    validate_job,
)
from chalicelib.qbxml.editions import check_elements

log = logging.getLogger(__name__)

Result = str | int | list[str]
HRESULT_ERROR_PERCENT = answers.HRESULT_ERROR_PERCENT
PROTOCOL_ERROR_PERCENT = answers.PROTOCOL_ERROR_PERCENT
NOOP = "NoOp"
SESSION_UNKNOWN_TEXT = (
    "qbd-gateway: this update session has ended or expired. Click Update Selected to start a new one."
)
INTERNAL_ERROR_TEXT = "qbd-gateway: temporary problem on the server. Nothing was lost; try again shortly."


class QbwcService(LargeAnswers, InDoubtAnswers, Login):
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock,
        *,
        server_version: str,
        min_client_version: str,
        session_idle: timedelta,
        metrics: Metrics = NO_METRICS,
        dispatcher: Dispatcher | None = None,
        login_policy: LoginPolicy = LoginPolicy(),  # noqa: B008 (frozen)
        hasher: SecretHasher = SCRYPT_ONLY,
        long_poll: LongPoll = LongPoll(),  # noqa: B008 (frozen)
        sleep: Sleep = time.sleep,
    ) -> None:
        self.long_poll = long_poll
        self.sleep = sleep
        self.login_policy = login_policy
        self.hasher = hasher
        self.store = store
        self.dispatcher = dispatcher or Dispatcher(store, queue, clock, lease_ttl=queue.lease_ttl)
        self.metrics = metrics
        self.queue = queue
        self.clock = clock
        self.server_version = server_version
        self.min_client_version = min_client_version
        self.session_idle = session_idle
        self._handlers: dict[type, Callable[[Any], Result]] = {
            c.ServerVersion: lambda _call: self.server_version,
            c.GetServerVersion: lambda _call: self.server_version,
            c.ClientVersion: self.client_version,
            c.Authenticate: self.authenticate,
            c.SendRequestXML: self.send_request_xml,
            c.ReceiveResponseXML: self.receive_response_xml,
            c.QbwcConnectionError: self.connection_error,
            c.GetLastError: self.get_last_error,
            c.CloseConnection: self.close_connection,
            c.GetInteractiveURL: lambda _call: "",
            c.InteractiveDone: lambda _call: "Done",
            c.InteractiveRejected: lambda _call: "qbd-gateway does not use interactive mode.",
        }

    # Dispatch: the one place where SOAP-side errors become protocol answers ---------------------------
    def dispatch(self, call: c.SoapCall) -> Result:
        try:
            return self._handlers[type(call)](call)
        except Exception:
            log.exception("QBWC call failed; answered in protocol terms", extra={"method": call.METHOD})
            return self._safe_answer(call)

    def _safe_answer(self, call: c.SoapCall) -> Result:
        if isinstance(call, c.Authenticate):
            return ["", "busy"]
        if isinstance(call, c.ReceiveResponseXML):
            self._note_error(call.ticket, INTERNAL_ERROR_TEXT)
            return PROTOCOL_ERROR_PERCENT
        if isinstance(call, c.QbwcConnectionError):
            return "done"
        if isinstance(call, c.SendRequestXML):
            self._note_error(call.ticket, INTERNAL_ERROR_TEXT)
            return ""
        if isinstance(call, c.GetLastError | c.CloseConnection):
            return INTERNAL_ERROR_TEXT
        return ""

    def _note_error(self, ticket: str, text: str) -> None:
        try:
            held = self._holding(ticket, jobs=0)
            if held is not None:
                self._note(held[1], text)
        except Exception:
            log.exception("could not record the session error")

    # Helpers -------------------------------------------------------------------------------------------
    def _holding(self, ticket: str, jobs: int = VIEW_JOBS) -> tuple[FileView, Lease] | None:
        """The file this ticket's session holds, read once, or None (unknown, closed or taken over)."""
        end_user_id = ticket_end_user(ticket)
        if end_user_id is None:
            return None
        view = self.store.read_file(end_user_id, jobs=jobs)
        lease = view.lease
        if lease is None or not lease.held_by(ticket_hash(ticket)) or not lease.live(self.clock()) or view.user is None:
            return None  # unknown, closed, taken over, or silent for longer than the lease: the ticket is dead
        bind(end_user_id=end_user_id, ticket_hash=short_hash(ticket_hash(ticket)))
        return view, lease

    def _heartbeat(self, end_user_id: str, now: datetime, **changes: Any) -> None:
        self.store.update_end_user(end_user_id, {"last_heartbeat_at": now, **changes})

    def _heartbeat_due(self, user: EndUser, now: datetime) -> bool:
        last = user.last_heartbeat_at
        return last is None or now - last >= timedelta(seconds=max(1, user.poll_seconds) / 2)

    # The calls -------------------------------------------------------------------------------------------
    def send_request_xml(self, call: c.SendRequestXML) -> str:
        held = self._holding(call.ticket)
        if held is None:
            return ""
        view, lease = held
        user = view.user
        assert user is not None
        now = self.clock()
        if self._wrong_company_file(lease, user, call):
            return ""
        if call.hcp_response or not user.qbxml_version:
            user = self._record_company(user, call)
        version = QbxmlVersion.parse(user.qbxml_version) if user.qbxml_version else DEFAULT_VERSION
        try:
            while True:
                lease, job, probe = self.dispatcher.next_job(view, lease)
                if job is None:  # idle: one read, no write (the keep-alive's getLastError renews) …
                    if self._idle_for_good(lease, now):  # … until the idle limit: then end it as a success,
                        # renewed and marked: while it is in QuickBooks, no other session takes the file
                        self.store.update_lease(lease, {**self.dispatcher.renewal(now), "closing_sent_at": now})
                        return answers.closing_request(version)
                    waited = self._wait_for_work(lease, now)
                    if waited is None:
                        return ""
                    view, lease = waited
                    now = self.clock()
                    continue
                if self._heartbeat_due(user, now):  # a long sync keeps the end-user's heartbeat fresh
                    self._heartbeat(user.id, now)
                    user = dataclasses.replace(user, last_heartbeat_at=now)
                document = self._message_set(job, lease, version, probe, user.country)
                if document is not None:
                    log.info("job sent to QuickBooks", extra={"job_id": job.id, "end_user_id": job.end_user_id,
                                                              "probe": probe})
                    return document
                view = self.store.read_file(lease.end_user_id, jobs=VIEW_JOBS)
        except StoreConflict:
            log.warning("the session no longer holds the company file", extra={"end_user_id": lease.end_user_id})
            return ""

    def _note(self, lease: Lease, text: str) -> None:
        with contextlib.suppress(StoreConflict):
            self.store.update_lease(lease, {"state": "error", "last_error_text": text})

    def _message_set(self, job: Job, lease: Lease, version: QbxmlVersion, probe: bool,
                     country: str | None = None) -> str | None:
        """The job as a qbXML document for this company file, or None when it cannot run there."""
        pointer = lease.pointer
        assert pointer is not None
        if probe:  # qbXML error recovery: ask what became of the in-doubt write, run nothing
            msid = pointer.message_set_id or message_set_id(job.id, pointer.attempt)
            return build_message_set(JobRequests((), ()), version=version, request_id=job.id,
                                     on_error="continueOnError", new_message_set_id=msid, old_message_set_id=msid)
        requests = stored_requests(job.qbxml, job.request_names,
                                   max_bytes=max(self.queue.max_job_bytes, len(job.qbxml) + 1))
        if job.paging is not None:  # the query of its next page: Start, Continue, or a restart
            element = paging.page_request(requests.elements[0], paging.Cursor.from_dict(job.paging),
                                          session=lease.epoch)
            requests = JobRequests((element,), requests.names)
        elif job.checked_for == checked_for(version, country):  # as accepted: checked for this file already
            return build_message_set(requests, version=version, request_id=job.id,
                                     new_message_set_id=pointer.message_set_id if job.is_write else None)
        try:
            validate_job(requests, version, self.queue.schemas)
        except GatewayError as exc:
            err = error("qbxml_version_unsupported",
                        f"job is not valid for qbXML {version}, the newest this company file supports: "
                        f"{exc.message}")
            self.queue.fail_queued(job, err)
            return None
        try:  # accepted before the file's version or country was known, or the file changed since
            check_elements(requests.elements, version, country)
        except GatewayError as exc:
            self.queue.fail_queued(job, exc)
            return None
        return build_message_set(requests, version=version, request_id=job.id,
                                 new_message_set_id=pointer.message_set_id if job.is_write else None)

    def receive_response_xml(self, call: c.ReceiveResponseXML) -> int:
        held = self._holding(call.ticket)
        if held is None:
            return self._late_answer(call)
        view, lease = held
        pointer = lease.pointer
        if pointer is None and (call.hresult or answers.is_closing_answer(call)):
            if lease.closing_sent_at is not None:  # out of QuickBooks: the file may be taken once this one is stale
                with contextlib.suppress(StoreConflict):
                    lease = self.store.update_lease(lease, {"closing_sent_at": None})
            return self._percent(view, lease, closing=True)  # the last, cheap request of a healthy session
        if pointer is None or pointer.epoch != lease.epoch or pointer.phase not in (SENT, NEXT, PROBE):
            self._note(lease, "qbd-gateway: received a response it did not ask for. Click Update Selected to "
                              "start again.")
            return PROTOCOL_ERROR_PERCENT
        job = next((j for j in view.jobs if j.seq == pointer.seq), None) or self.store.get_job_at(
            lease.end_user_id, pointer.seq)
        if job is None or job.status.is_terminal:
            return self._percent(view, lease)  # answered twice: the first answer settled it
        try:
            return self._answer(view, lease, job, call)
        except Exception:
            self.dispatcher.withdraw_unsent(lease.end_user_id, pointer)  # QBWC asks for nothing more
            raise

    def _answer(self, view: FileView, lease: Lease, job: Job, call: c.ReceiveResponseXML) -> int:
        """The answer to the job ``lease``'s pointer stands for (queued or in doubt): settled, a page taken,
        or a probe's verdict."""
        pointer = lease.pointer
        assert pointer is not None
        if pointer.phase == PROBE:
            return self._probe_answer(view, lease, job, call)
        if job.paging is not None and not call.hresult:
            handled = self._page_answer(view, lease, job, call)
            if handled is not None:
                return handled
        outcome = answers.outcome_of(job, call)
        now = self.clock()
        if outcome.status is JobStatus.IN_DOUBT:
            assert outcome.error is not None
            doubted = self.dispatcher.mark_in_doubt(job, pointer, outcome.error)
            if doubted is not None:  # the probe asks about the message set this attempt was sent with
                self.store.update_lease(lease, {"state": "error", "last_error_text": outcome.error.user_facing_message},
                                        pointer=self.dispatcher.doubt_pointer(lease, doubted), expect_seq=pointer.seq)
            self._record_error(view, outcome.error, now)
            return HRESULT_ERROR_PERCENT
        ending = outcome.error is not None and bool(call.hresult)  # the session ends: hand nothing out
        done = self.queue.settle(job, outcome, attempt=pointer.attempt, expected=frozenset({JobStatus.QUEUED}),
                                 started_at=pointer.sent_at,
                                 hand_out=None if ending else self.dispatcher.follow_on(view, lease, job))
        if done is None:  # it finished meanwhile (e.g. a health check withdrawn): nothing more to do with it
            return self._percent(view, lease)
        if outcome.error is not None:
            self._record_error(view, outcome.error, now, answered=outcome.answered)
            if call.hresult:
                self._note(lease, outcome.error.user_facing_message)
                return HRESULT_ERROR_PERCENT
        else:
            self._record_success(view, now)
        return self._percent(view, lease)

    def _record_error(self, view: FileView, err: GatewayError, now: datetime, *, answered: bool = False) -> None:
        """The end-user's last error. ``answered``: QuickBooks answered the request with an error status (a
        name in use, an unknown reference): the job's error, shown as the last one, but QuickBooks answered,
        so it is also the last sync (at the same instant: :func:`~chalicelib.jobs.connection.status_of` stays
        ``connected``)."""
        assert view.user is not None
        changes: dict[str, Any] = {"last_heartbeat_at": now, "last_error": {**err.to_dict(), "occurred_at": iso(now)}}
        if answered:
            changes["last_successful_sync_at"] = now
        self.store.update_end_user(view.user.id, changes)

    def _record_success(self, view: FileView, now: datetime) -> None:
        """Only when it tells something new: the last error is older, or the last noted sync is stale."""
        user = view.user
        assert user is not None
        error_at = str((user.last_error or {}).get("occurred_at") or "")
        if error_at > (iso(user.last_successful_sync_at) or "") or self._heartbeat_due(user, now) or (
                user.last_successful_sync_at is None):
            self.store.update_end_user(user.id, {"last_heartbeat_at": now, "last_successful_sync_at": now})

    def _percent(self, view: FileView, lease: Lease, *, pending: bool = False, closing: bool = False) -> int:
        """receiveResponseXML's answer. ``closing``: the answer to the session's closing request — 100
        unless a job came in meanwhile (then the session goes on for it)."""
        keep_alive = self.session_idle > timedelta(0) and not closing
        return answers.progress(view, lease, keep_alive=keep_alive, pending=pending)

    def _idle_for_good(self, lease: Lease, now: datetime) -> bool:
        return now - (lease.last_job_at or lease.created_at or now) >= self.session_idle

    def _wait_for_work(self, lease: Lease, now: datetime) -> tuple[FileView, Lease] | None:
        """The long-poll (:mod:`chalicelib.qbwc.longpoll`), when on: held until a job comes, at most until
        the hold is over or the session's idle limit, whichever is first."""
        if not self.long_poll.enabled:
            return None
        until = min(now + self.long_poll.hold, (lease.last_job_at or lease.created_at or now) + self.session_idle)
        waited = wait_for_work(self.store, self.clock, self.sleep, lease, until, self.long_poll.interval)
        log.debug("sendRequestXML held", extra={"held_ms": round((self.clock() - now).total_seconds() * 1000),
                                                "work": waited is not None})
        return waited

    def connection_error(self, call: c.QbwcConnectionError) -> str:
        held = self._holding(call.ticket, jobs=0)
        if held is None:
            return "done"
        view, lease = held
        user = view.user
        assert user is not None
        err = hresult_error(call.hresult, call.message)
        now = self.clock()
        attempts = lease.connection_errors + 1
        retrying = attempts == 1 and err.integration_code in RETRY_WITH_COMPANY_FILE
        self.store.update_end_user(user.id, {
            "last_error": {**err.to_dict(), "occurred_at": iso(now), "retrying": retrying},
            "last_heartbeat_at": now})
        if not retrying:  # "done" ends the update (QBWC may not call closeConnection): give the file up
            with contextlib.suppress(StoreConflict):  # taken over meanwhile: nothing of ours to give up
                self.dispatcher.release(self.store.update_lease(lease, {"state": "error",
                                                                        "last_error_text": err.user_facing_message}))
            return "done"
        try:
            self.store.update_lease(lease, {"connection_errors": attempts, **self.dispatcher.renewal(now)})
        except StoreConflict:
            return "done"
        return user.company_file or ""

    def _ended_text(self, ticket: str) -> str | None:
        """The error a session ended with, for the ticket that held the file last (it is released)."""
        end_user_id = ticket_end_user(ticket)
        lease = self.store.get_lease(end_user_id) if end_user_id else None
        if lease is None or lease.last_holder != ticket_hash(ticket):
            return None
        if lease.holder is not None and not lease.holder.startswith(SWEEPER_PREFIX):
            return None  # another session holds the file now
        return lease.last_error_text

    def get_last_error(self, call: c.GetLastError) -> str:
        held = self._holding(call.ticket, jobs=0)
        if held is None:
            return self._ended_text(call.ticket) or SESSION_UNKNOWN_TEXT
        view, lease = held
        if lease.last_error_text:
            return lease.last_error_text
        now = self.clock()
        if self.dispatcher.renewal_due(lease, now):  # the keep-alive renews a third of the way to stale
            try:
                self.store.update_lease(lease, self.dispatcher.renewal(now))
            except StoreConflict:
                return SESSION_UNKNOWN_TEXT
            if view.user is not None and self._heartbeat_due(view.user, now):
                self._heartbeat(view.user.id, now)
        return NOOP  # past the idle limit too: the next sendRequestXML ends the session as a success

    def _summary(self, lease: Lease) -> str:
        return f"qbd-gateway: {lease.jobs_sent} request(s) sent to QuickBooks."

    def close_connection(self, call: c.CloseConnection) -> str:
        held = self._holding(call.ticket, jobs=0)
        if held is None:
            return self._ended_text(call.ticket) or "OK"
        _, lease = held
        self.dispatcher.release(lease)
        log.info("QBWC session closed", extra={"end_user_id": lease.end_user_id, "jobs_sent": lease.jobs_sent})
        return lease.last_error_text or self._summary(lease)
