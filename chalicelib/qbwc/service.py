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
5 s and a job enqueued meanwhile is picked up within seconds. When the idle limit passes,
``getLastError`` returns a short summary for the Web Connector's status column and QBWC closes.
With ``session_idle_seconds = 0`` the last job answers 100.

Every state lives in the store, keyed by ticket and end-user; nothing is kept in process memory.
Protocol conditions are answered in protocol terms; no exception leaves :meth:`QbwcService.dispatch`.

Observability: once a call's session (or, for ``authenticate``, its user) is known, its end-user id
and the ticket's short hash are bound as correlation keys of the invocation's log lines (never the
ticket); a refused login counts as ``AuthenticationFailures`` (``kind=web_connector``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.catalog import RETRY_WITH_COMPANY_FILE, hresult_error, status_error, wrong_company_file_error
from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import EndUser, Job, QbwcSession
from chalicelib.jobs.ports import Clock, Store
from chalicelib.jobs.queue import JobQueue, Outcome
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import dummy_hash, new_ticket, ticket_hash, verify_secret
from chalicelib.jobs.states import JobStatus
from chalicelib.observability import NO_METRICS, Metrics, bind, short_hash
from chalicelib.qbwc import calls as c
from chalicelib.qbxml import (
    DEFAULT_VERSION,
    JobRequests,
    QbxmlVersion,
    build_message_set,
    choose_version,
    parse_hcp_response,
    parse_job_qbxml,
    parse_response,
    validate_job,
)

log = logging.getLogger(__name__)

Result = str | int | list[str]
HRESULT_ERROR_PERCENT = -101
UNPARSED_HRESULT = "0x80040400"  # QuickBooks could not parse the request: nothing in it ran
PROTOCOL_ERROR_PERCENT = -102
NOOP = "NoOp"
SESSION_UNKNOWN_TEXT = (
    "qbd-gateway: this update session has ended or expired. Click Update Selected to start a new one."
)
INTERNAL_ERROR_TEXT = "qbd-gateway: temporary problem on the server. Nothing was lost; try again shortly."


def _file_name(path: str) -> str:
    return path.strip().replace("/", "\\").rsplit("\\", 1)[-1].lower()


def _parse_client_version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return ()


class QbwcService:
    def __init__(
        self,
        store: Store,
        queue: JobQueue,
        clock: Clock,
        *,
        server_version: str,
        min_client_version: str,
        ticket_ttl: timedelta,
        session_idle: timedelta,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.queue = queue
        self.clock = clock
        self.server_version = server_version
        self.min_client_version = min_client_version
        self.ticket_ttl = ticket_ttl
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
            session = self._session(ticket)
            if session is not None:
                self.store.update_session(session.ticket_hash, {"last_error_text": text})
        except Exception:
            log.exception("could not record the session error")

    # Helpers -------------------------------------------------------------------------------------------
    def _session(self, ticket: str) -> QbwcSession | None:
        if not ticket:
            return None
        session = self.store.get_session(ticket_hash(ticket))
        if session is None or session.expires_at <= self.clock() or session.state == "closed":
            return None
        bind(end_user_id=session.end_user_id, ticket_hash=short_hash(session.ticket_hash))
        return session

    def _user(self, session: QbwcSession) -> EndUser:
        user = self.store.get_end_user(session.end_user_id)
        if user is None:
            raise LookupError(f"end-user {session.end_user_id} of a live session is gone")
        return user

    def _update_session(self, session: QbwcSession, changes: Mapping[str, Any]) -> None:
        self.store.update_session(session.ticket_hash, changes)

    def _heartbeat(self, end_user_id: str, now: datetime, **changes: Any) -> None:
        self.store.update_end_user(end_user_id, {"last_heartbeat_at": now, **changes})

    # The calls -------------------------------------------------------------------------------------------
    def client_version(self, call: c.ClientVersion) -> str:
        theirs, ours = _parse_client_version(call.str_version), _parse_client_version(self.min_client_version)
        if theirs and theirs < ours:
            return f"O:{self.min_client_version}"
        return ""

    def authenticate(self, call: c.Authenticate) -> list[str]:
        now = self.clock()
        user = self.store.get_end_user(call.user_name) if call.user_name else None
        if user is None:
            verify_secret(call.password, dummy_hash())  # same cost as a real check: no user enumeration
            log.warning("QBWC login refused: unknown user name", extra={"qbwc_username": call.user_name})
            self.metrics.put("AuthenticationFailures", kind="web_connector")
            return [new_ticket(), "nvu"]
        bind(end_user_id=user.id)
        if not verify_secret(call.password, user.password_hash):
            log.warning("QBWC login refused: wrong password", extra={"end_user_id": user.id})
            self.metrics.put("AuthenticationFailures", kind="web_connector")
            err = error("bad_web_connector_password",
                        "the Web Connector sent a password that does not match this end-user's")
            self._heartbeat(user.id, now, last_error={**err.to_dict(), "occurred_at": iso(now)})
            return [new_ticket(), "nvu"]
        # The right password clears a wrong-password error at once (it no longer blocks fail-fast checks).
        cleared = {"last_error": None} if (user.last_error or {}).get("code") == "bad_web_connector_password" else {}
        self._heartbeat(user.id, now, **cleared)
        if not self.queue.has_work(user.id):
            return [new_ticket(), "none"]
        ticket = new_ticket()
        self.store.put_session(QbwcSession(
            ticket_hash=ticket_hash(ticket),
            end_user_id=user.id,
            created_at=now,
            expires_at=now + self.ticket_ttl,
            last_activity_at=now,
            company_file=user.company_file,
            qbxml_version=user.qbxml_version,
        ))
        bind(ticket_hash=short_hash(ticket_hash(ticket)))
        log.info("QBWC session opened", extra={"end_user_id": user.id})
        return [ticket, user.company_file or ""]

    def _record_company(self, session: QbwcSession, user: EndUser, call: c.SendRequestXML) -> str:
        """First call of a session: learn the company file, its country and qbXML versions."""
        info = parse_hcp_response(call.hcp_response)
        supported = info.supported_versions if info else ()
        version = choose_version(supported, call.qbxml_major_vers, call.qbxml_minor_vers,
                                 self.queue.schemas.available())
        changes: dict[str, Any] = {
            "qbxml_version": str(version),
            "supported_versions": tuple(supported) or user.supported_versions,
            "country": call.qbxml_country or (info.country if info else None) or user.country,
        }
        if call.company_file_name and not user.company_file:
            changes["company_file"] = call.company_file_name
        if info is not None:
            changes["product_name"] = info.product_name or user.product_name
            changes["qb_company_name"] = info.company_name or user.qb_company_name
        self._heartbeat(user.id, self.clock(), **changes)
        self._update_session(session, {"qbxml_version": str(version),
                                       "company_file": call.company_file_name or session.company_file})
        return str(version)

    def send_request_xml(self, call: c.SendRequestXML) -> str:
        session = self._session(call.ticket)
        if session is None:
            return ""
        now = self.clock()
        user = self._user(session)
        if self._wrong_company_file(session, user, call):
            return ""
        if call.hcp_response or not session.qbxml_version:
            version_text = self._record_company(session, user, call)
        else:
            version_text = session.qbxml_version
            self._heartbeat(user.id, now)
        if session.state == "awaiting_response" and session.in_flight_seq is not None:
            lost = self.store.get_job_at(session.end_user_id, session.in_flight_seq)
            if lost is not None:
                log.warning("response lost: sendRequestXML while a job was in flight", extra={"job_id": lost.id})
                self.queue.give_back(lost, session.ticket_hash)
        version = QbxmlVersion.parse(version_text) if version_text else DEFAULT_VERSION
        while True:
            job = self.queue.claim_next(session.end_user_id, session.ticket_hash)
            if job is None:
                self._update_session(session, {"state": "idle", "in_flight_job_id": None, "in_flight_seq": None})
                return ""
            document = self._message_set(job, version)
            if document is not None:
                self._update_session(session, {"state": "awaiting_response", "in_flight_job_id": job.id,
                                               "in_flight_seq": job.seq, "last_activity_at": now})
                log.info("job sent to QuickBooks", extra={"job_id": job.id, "end_user_id": job.end_user_id})
                return document

    def _wrong_company_file(self, session: QbwcSession, user: EndUser, call: c.SendRequestXML) -> bool:
        """The Web Connector opened another file than the one this end-user is bound to: run nothing.

        Files are compared by name: the same file reached through a mapped drive or a UNC path
        (``Z:\\Books\\Acme.qbw`` vs ``\\\\SERVER\\Books\\Acme.qbw``) is not a different file.
        """
        opened = call.company_file_name.strip()
        if not (user.company_file and opened) or _file_name(opened) == _file_name(user.company_file):
            return False
        now = self.clock()
        err = wrong_company_file_error(user.company_file, opened)
        self._heartbeat(user.id, now, last_error={**err.to_dict(), "occurred_at": iso(now)})
        self._update_session(session, {"state": "error", "last_error_text": err.user_facing_message})
        log.warning("wrong company file open", extra={"end_user_id": user.id})
        return True

    def _message_set(self, job: Job, version: QbxmlVersion) -> str | None:
        """The job as a qbXML document for this company file, or None when it cannot run there."""
        if job.recovering:  # qbXML error recovery: ask what became of the in-doubt write, run nothing
            return build_message_set(JobRequests((), ()), version=version, request_id=job.id,
                                     on_error="continueOnError", new_message_set_id=job.id,
                                     old_message_set_id=job.id)
        requests = parse_job_qbxml(job.qbxml, max_bytes=max(self.queue.max_job_bytes, len(job.qbxml) + 1))
        try:
            validate_job(requests, version, self.queue.schemas)
        except GatewayError as exc:
            err = error("qbxml_version_unsupported",
                        f"job is not valid for qbXML {version}, the newest this company file supports: "
                        f"{exc.message}")
            self.queue.fail_queued(job, err)
            self.store.release_lease(job.end_user_id, job.holder or "")
            return None
        return build_message_set(requests, version=version, request_id=job.id,
                                 new_message_set_id=job.id if job.is_write else None)

    def receive_response_xml(self, call: c.ReceiveResponseXML) -> int:
        session = self._session(call.ticket)
        if session is None:
            return PROTOCOL_ERROR_PERCENT
        now = self.clock()
        if session.state != "awaiting_response" or session.in_flight_seq is None:
            self._update_session(session, {"last_error_text": "qbd-gateway: received a response it did "
                                           "not ask for. Click Update Selected to start again."})
            return PROTOCOL_ERROR_PERCENT
        job = self.store.get_job_at(session.end_user_id, session.in_flight_seq)
        if job is None:
            return PROTOCOL_ERROR_PERCENT
        outcome = self._outcome(job, call)
        if outcome is None:  # error recovery: QuickBooks never applied the in-doubt write
            self.queue.run_again(job, session.ticket_hash)
            self._update_session(session, {"state": "ready", "in_flight_job_id": None, "in_flight_seq": None,
                                           "last_activity_at": now})
            return self._percent(session.jobs_done + session.jobs_failed, session.end_user_id)
        done = self.queue.complete(job, session.ticket_hash, outcome)
        failed = done.status is not JobStatus.SUCCEEDED
        user_changes: dict[str, Any] = {"last_heartbeat_at": now}
        if not call.hresult:
            user_changes["last_successful_sync_at"] = now
        if outcome.error is not None:
            user_changes["last_error"] = {**outcome.error.to_dict(), "occurred_at": iso(now)}
        self.store.update_end_user(session.end_user_id, user_changes)
        session_changes: dict[str, Any] = {
            "state": "ready", "in_flight_job_id": None, "in_flight_seq": None, "last_activity_at": now,
            "jobs_done": session.jobs_done + (0 if failed else 1),
            "jobs_failed": session.jobs_failed + (1 if failed else 0),
        }
        if call.hresult and outcome.error is not None:
            session_changes.update(state="error", last_error_text=outcome.error.user_facing_message)
            self._update_session(session, session_changes)
            return HRESULT_ERROR_PERCENT
        self._update_session(session, session_changes)
        return self._percent(session.jobs_done + session.jobs_failed + 1, session.end_user_id)

    def _percent(self, finished: int, end_user_id: str) -> int:
        """Honest progress: 1-99 while work remains; 99 while the keep-alive holds the session; else 100."""
        remaining = self.store.count_queued(end_user_id)
        if remaining:
            return max(1, min(99, (100 * finished) // max(1, finished + remaining)))
        return 99 if self.session_idle.total_seconds() > 0 else 100

    def _outcome(self, job: Job, call: c.ReceiveResponseXML) -> Outcome | None:
        """What the answer means for the job; None when error recovery says the write never ran."""
        if call.hresult:
            err = hresult_error(call.hresult, call.message)
            if job.is_write and err.integration_code != UNPARSED_HRESULT:
                # QuickBooks threw while running a write: it may have saved it. Never report that as a
                # plain failure (the caller would retry and duplicate it); recovery settles it.
                return Outcome(JobStatus.IN_DOUBT, error=error(
                    "write_outcome_unknown",
                    f"QuickBooks threw {err.integration_code} while running write job {job.id}: {call.message}",
                    integration_code=err.integration_code))
            return Outcome(JobStatus.FAILED, error=err)
        try:
            parsed = parse_response(call.response)
        except GatewayError as exc:
            if job.is_write:
                return Outcome(JobStatus.IN_DOUBT, error=error(
                    "write_outcome_unknown", f"unreadable answer to write job {job.id}: {exc.message}"))
            return Outcome(JobStatus.FAILED, error=exc)
        if job.recovering and not parsed.results:
            return None
        ours = [r for r in parsed.results
                if r.request_id and (r.request_id == job.id or r.request_id.startswith(job.id + "."))]
        if not ours:
            return Outcome(JobStatus.FAILED, response_qbxml=call.response, error=error(
                "quickbooks_response_unreadable", f"the response does not answer job {job.id}"))
        first = parsed.first_error()
        if first is not None:
            return Outcome(JobStatus.FAILED, response_qbxml=call.response,
                           error=status_error(first.status_code, first.message, first.name))
        return Outcome(JobStatus.SUCCEEDED, response_qbxml=call.response)

    def connection_error(self, call: c.QbwcConnectionError) -> str:
        session = self._session(call.ticket)
        if session is None:
            return "done"
        user = self._user(session)
        err = hresult_error(call.hresult, call.message)
        now = self.clock()
        attempts = session.connection_errors + 1
        retrying = attempts == 1 and err.integration_code in RETRY_WITH_COMPANY_FILE
        self.store.update_end_user(user.id, {
            "last_error": {**err.to_dict(), "occurred_at": iso(now), "retrying": retrying},
            "last_heartbeat_at": now})
        if retrying:
            self._update_session(session, {"connection_errors": attempts})
            return user.company_file or ""
        self._update_session(session, {"connection_errors": attempts, "state": "error",
                                       "last_error_text": err.user_facing_message})
        return "done"

    def get_last_error(self, call: c.GetLastError) -> str:
        session = self._session(call.ticket)
        if session is None:
            return SESSION_UNKNOWN_TEXT
        if session.last_error_text:
            return session.last_error_text
        if self.clock() - session.last_activity_at < self.session_idle:
            return NOOP
        self._update_session(session, {"state": "closing"})
        return self._summary(session)

    def _summary(self, session: QbwcSession) -> str:
        text = f"qbd-gateway: {session.jobs_done} job(s) done"
        if session.jobs_failed:
            text += f", {session.jobs_failed} failed (see the application for details)"
        return text + ". No more work."

    def close_connection(self, call: c.CloseConnection) -> str:
        session = self._session(call.ticket)
        if session is None:
            return "OK"
        if session.state == "awaiting_response" and session.in_flight_seq is not None:
            job = self.store.get_job_at(session.end_user_id, session.in_flight_seq)
            if job is not None:
                self.queue.give_back(job, session.ticket_hash)
        self.queue.release_holder(session.end_user_id, session.ticket_hash)
        self._update_session(session, {"state": "closed", "in_flight_job_id": None, "in_flight_seq": None})
        log.info("QBWC session closed", extra={"end_user_id": session.end_user_id,
                                               "jobs_done": session.jobs_done, "jobs_failed": session.jobs_failed})
        return session.last_error_text or self._summary(session).replace(" No more work.", "")
