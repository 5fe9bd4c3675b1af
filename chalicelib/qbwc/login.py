"""Opening a Web Connector session: the client's version, the login, and the company file it opened.

:class:`Login` is the part of :class:`~chalicelib.qbwc.service.QbwcService` that answers
``clientVersion`` and ``authenticate`` and, on a session's first ``sendRequestXML``, records what
QuickBooks said about the company file (a mixin: the service provides the store, queue, dispatcher
and the small helpers declared in :class:`~chalicelib.qbwc.parts.Service`).

``authenticate`` checks the password against its stored hash (an unknown user name costs the same
check, so user names cannot be enumerated by timing), then answers in QBWC's terms: ``nvu`` for a
refused login, ``none`` when the file has no work, ``busy`` when another Web Connector holds the
file, else a new ticket and the company file to open. A wrong password is recorded on the end-user
(``bad_web_connector_password``) and cleared by the next right one.
"""

from __future__ import annotations

import dataclasses
import logging

from chalicelib.catalog import wrong_company_file_error
from chalicelib.errors import error
from chalicelib.jobs.models import NEXT, SENT, EndUser, Lease
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import dummy_hash, new_ticket, session_ticket, ticket_hash, verify_secret
from chalicelib.observability import bind, short_hash
from chalicelib.qbwc import answers
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.parts import Service

log = logging.getLogger(__name__)


class Login:
    """Mixed into the session service; ``self`` is that service (:class:`~chalicelib.qbwc.parts.Service`)."""

    def client_version(self: Service, call: c.ClientVersion) -> str:
        theirs = answers.parse_client_version(call.str_version)
        ours = answers.parse_client_version(self.min_client_version)
        if theirs and theirs < ours:
            return f"O:{self.min_client_version}"
        return ""

    def authenticate(self: Service, call: c.Authenticate) -> list[str]:
        now = self.clock()
        view = self.store.read_file(call.user_name, jobs=1) if call.user_name else None
        user = view.user if view else None
        if view is None or user is None:
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
        pointer = view.lease.pointer if view.lease else None
        if view.head is None and (pointer is None or pointer.phase in (SENT, NEXT)):
            return [new_ticket(), "none"]
        ticket = session_ticket(user.id)
        lease = self.dispatcher.take(view, ticket_hash(ticket), {
            "company_file": user.company_file, "qbxml_version": user.qbxml_version})
        if lease is None:
            log.info("QBWC login while another Web Connector holds the company file: busy",
                     extra={"end_user_id": user.id})
            return [new_ticket(), "busy"]
        bind(ticket_hash=short_hash(ticket_hash(ticket)))
        log.info("QBWC session opened", extra={"end_user_id": user.id, "epoch": lease.epoch})
        return [ticket, user.company_file or ""]

    def _record_company(self: Service, user: EndUser, call: c.SendRequestXML) -> EndUser:
        """First call of a session: learn the company file, its country and qbXML versions (one write,
        on the end-user; every later call of the session reads it with the lease)."""
        changes = answers.company_details(user, call, self.queue.schemas.available())
        now = self.clock()
        self._heartbeat(user.id, now, **changes)
        return dataclasses.replace(user, last_heartbeat_at=now, **changes)

    def _wrong_company_file(self: Service, lease: Lease, user: EndUser, call: c.SendRequestXML) -> bool:
        """The Web Connector opened another file than the one this end-user is bound to: run nothing.

        Files are compared by name: the same file reached through a mapped drive or a UNC path
        (``Z:\\Books\\Acme.qbw`` vs ``\\\\SERVER\\Books\\Acme.qbw``) is not a different file.
        """
        opened = call.company_file_name.strip()
        if not (user.company_file and opened) or answers.file_name(opened) == answers.file_name(user.company_file):
            return False
        now = self.clock()
        err = wrong_company_file_error(user.company_file, opened)
        self._heartbeat(user.id, now, last_error={**err.to_dict(), "occurred_at": iso(now)})
        self._note(lease, err.user_facing_message)
        log.warning("wrong company file open", extra={"end_user_id": user.id})
        return True
