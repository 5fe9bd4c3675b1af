"""Opening a Web Connector session: the client's version, the login, and the company file it opened.

:class:`Login` is the part of :class:`~chalicelib.qbwc.service.QbwcService` that answers
``clientVersion`` and ``authenticate`` and, on a session's first ``sendRequestXML``, records what
QuickBooks said about the company file (a mixin: the service provides the store, queue, dispatcher
and the small helpers declared in :class:`~chalicelib.qbwc.parts.Service`).

``authenticate`` checks the password against its stored hash (an unknown user name costs the same
check, so user names cannot be enumerated by timing), then answers in QBWC's terms: ``nvu`` for a
refused login, ``none`` when the file has no work, ``busy`` when another Web Connector holds the
file, else a new ticket and the company file to open. Wrong passwords are counted per user name
(:class:`~chalicelib.jobs.security.LoginPolicy`): a few in a row are reported on the end-user
(``bad_web_connector_password``), more are slowed down and then locked out
(``web_connector_locked_out``), each with an audit line; the next right password clears them. An
auth link's new password is accepted beside the current one while it is pending, and replaces it
at its first login.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from chalicelib.catalog import wrong_company_file_error
from chalicelib.errors import error
from chalicelib.jobs.connection import LOGIN_ERRORS, heartbeat_stale
from chalicelib.jobs.models import NEXT, SENT, EndUser, Lease
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import LoginPolicy, new_ticket, ticket_hash
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
            self.hasher.verify(call.password, self.hasher.dummy())  # a real check's cost: no user enumeration
            log.warning("QBWC login refused: unknown user name", extra={"qbwc_username": call.user_name,
                                                                        "audit": "login_unknown_user"})
            self.metrics.put("AuthenticationFailures", kind="web_connector")
            return [new_ticket(), "nvu"]
        bind(end_user_id=user.id)
        held = held_off(self.login_policy, user, now)
        if held:
            log.warning(f"QBWC login refused: {held}", extra={"end_user_id": user.id, "audit": "login_held_off",
                                                                 "login_failures": user.login_failures})
            self.metrics.put("AuthenticationFailures", kind="web_connector")
            return [new_ticket(), "nvu"]
        accepted, stored = self.hasher.verify(call.password, user.password_hash), user.password_hash
        promoted: dict[str, Any] = {}
        pending = user.pending_password_hash
        if not accepted and pending and self.hasher.verify(call.password, pending):  # an auth link's, first used
            accepted, stored, promoted = True, pending, {"password_hash": pending, "pending_password_hash": None}
            log.info("QBWC login with the auth link's new password: it replaces the old one",
                     extra={"end_user_id": user.id})
        if not accepted:
            refuse(self, user, now)
            return [new_ticket(), "nvu"]
        upgraded = self.hasher.upgrade(call.password, stored)
        if upgraded is not None:  # a scrypt hash of a generated password (or an older pepper's): re-stored, once
            promoted["password_hash"] = upgraded
            log.info("Web Connector password re-stored with the keyed hash", extra={"end_user_id": user.id})
        # The right password clears a wrong-password error and a lockout at once (no longer blocking checks).
        cleared: dict[str, Any] = {"last_error": None} if (user.last_error or {}).get("code") in LOGIN_ERRORS else {}
        if user.login_failures or user.locked_until:
            cleared.update(login_failures=0, login_failed_at=None, locked_until=None)
        if cleared or promoted or heartbeat_stale(user, now):  # an idle poll writes every other schedule at most
            self._heartbeat(user.id, now, **cleared, **promoted)
        pointer = view.lease.pointer if view.lease else None
        if view.head is None and (pointer is None or pointer.phase in (SENT, NEXT)):
            return [new_ticket(), "none"]
        ticket = self.hasher.session_ticket(user.id)  # its MAC lets a late answer prove where it came from
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
        on the end-user, when something changed; every later call of the session reads it with the lease)."""
        changes = answers.company_details(user, call, self.queue.schemas.available())
        if all(getattr(user, name) == value for name, value in changes.items()):
            return user  # what it knew already (and authenticate has just renewed the heartbeat): no write
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


def held_off(policy: LoginPolicy, user: EndUser, now: datetime) -> str | None:
    """Why a login is refused without looking at the password: locked out, or too soon after refusals."""
    if user.locked_until is not None and now < user.locked_until:
        return f"locked out until {iso(user.locked_until)}"
    wait = policy.delay(user.login_failures)
    if wait and user.login_failed_at is not None and now < user.login_failed_at + wait:
        return f"{user.login_failures} wrong passwords in a row: slowed down"
    return None


def refuse(svc: Service, user: EndUser, now: datetime) -> None:
    """A wrong password: counted; told to the SaaS once it keeps happening; locked out when it goes on."""
    policy = svc.login_policy
    failures = svc.store.count_login_failure(user.id, now)
    log.warning("QBWC login refused: wrong password", extra={"end_user_id": user.id, "login_failures": failures,
                                                             "audit": "login_failure"})
    svc.metrics.put("AuthenticationFailures", kind="web_connector")
    changes: dict[str, Any] = {}
    if failures >= policy.lockout_after:
        until = now + policy.lockout
        err = error("web_connector_locked_out", f"{failures} Web Connector logins in a row had a wrong password: "
                                                 f"the user name is locked out until {iso(until)}")
        changes["locked_until"] = until
        log.warning("QBWC login locked out", extra={"end_user_id": user.id, "login_failures": failures,
                                                    "locked_until": iso(until), "audit": "login_lockout"})
    elif failures >= policy.report_after:
        err = error("bad_web_connector_password",
                    "the Web Connector sent a password that does not match this end-user's")
    else:
        return  # one mistake, or a guess: nothing the SaaS sees changes
    svc.store.update_end_user(user.id, {**changes, "last_error": {**err.to_dict(), "occurred_at": iso(now)}})
