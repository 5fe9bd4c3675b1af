"""The auth flow: a single-purpose, expiring link that walks a bookkeeper through connecting QuickBooks.

The SaaS calls ``POST /v1/auth-sessions`` for one end-user and sends the returned ``auth_flow_url``
to its customer. Creating a session

* draws a link token (256 random bits); the store keeps only its SHA-256 (:class:`AuthSession`),
  so a leaked table does not leak live links;
* draws a NEW Web Connector password for the bookkeeper to type into the Web Connector. It is
  *pending* on the end-user (its hash, as the current one is kept) until the Web Connector first logs in
  with it: until then the current password keeps working, so a link never breaks a connection that works. The
  session keeps the password sealed by the stack's KMS key (:class:`~chalicelib.jobs.ports.SecretBox`)
  until the link expires (DynamoDB deletes the item by TTL), and its hash: the page of a live,
  unexpired link shows it — only while it is the end-user's pending or current password (a newer
  link replaces it, and the older link then shows the "expired" page);
* queues the first health check (a CompanyQuery ahead of the queue, its deadline the link's expiry),
  so that the bookkeeper's first **Update Selected** finds work and connects.

The page (``GET /connect/{token}``, :mod:`chalicelib.api.authflow_pages`) polls
``GET /connect/{token}/status``, whose answer :meth:`AuthFlowService.progress` decides without waiting
on anything (each call is a few reads), so it fits any API Gateway timeout::

    waiting (web_connector)   the Web Connector has not called since the link was created
       │ it calls (authenticate)
       ▼
    waiting (quickbooks)      the health check queued with the link (or a new one after a failure)
       │                      is remembered on the session; the Web Connector picks it up
       ├── QuickBooks answered ──────────────────────► connected (company name), connected_at set
       └── wrong password / connection error / ─────► failed: the error's user_facing_message and
           Web Connector stopped calling                the step to repeat; the next call of the Web
                                                        Connector starts a new check
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.api.bodies import LINK_EXPIRY_DEFAULT_MINUTES, LINK_EXPIRY_MAX_MINUTES, LINK_EXPIRY_MIN_MINUTES
from chalicelib.api.endusers import EndUserService
from chalicelib.config import Settings
from chalicelib.errors import GatewayError, error, error_from_dict
from chalicelib.jobs.connection import OFFLINE, status_of
from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, AuthSession, EndUser, Job
from chalicelib.jobs.ports import Clock, SecretBox, Store
from chalicelib.jobs.queue import HEALTH_CHECK_SOURCE, JobQueue
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import new_password
from chalicelib.jobs.states import JobStatus
from chalicelib.qbxml import company_query_request
from chalicelib.qbxml.text import strip_declaration
from chalicelib.safexml import UnsafeXmlError, parse_xml

log = logging.getLogger(__name__)

CHECK_DEADLINE_SECONDS = 15 * 60  # a page's health check waits this long for the Web Connector to pick it up
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,128}$")

WAITING, CONNECTED, FAILED = "waiting", "connected", "failed"

STEP_TITLES = {
    1: "Use the computer that keeps the company file",
    2: "Open QuickBooks as the integration's own user",
    3: "Add the connection to the Web Connector",
    4: "Enter the password and run the first update",
    5: "Wait for the connection",
}
# Which step of the page a failure sends the bookkeeper back to, by the catalog's guide id.
_STEP_BY_GUIDE = {
    "set-up-connection": 1,
    "quickbooks-installation": 1,
    "authorize-application": 3,
    "integrated-app-permissions": 3,
    "update-web-connector": 3,
    "web-connector-password": 4,
    "web-connector-not-polling": 4,
}
_DEFAULT_STEP = 2  # QuickBooks closed, a dialog, the wrong file, another user signed in…


class CreateAuthSession(BaseModel):
    """``POST /v1/auth-sessions`` body. Unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    end_user_id: str = Field(min_length=1, max_length=100)
    link_expiry_minutes: int = Field(default=LINK_EXPIRY_DEFAULT_MINUTES, ge=LINK_EXPIRY_MIN_MINUTES,
                                     le=LINK_EXPIRY_MAX_MINUTES)
    redirect_url: str | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("redirect_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
            raise ValueError("must be an absolute http or https URL")
        return value


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def seal_context(session: AuthSession) -> dict[str, str]:
    """What a link's sealed password is bound to: it opens for this link of this end-user only."""
    return {"purpose": "auth-link-password", "end_user_id": session.end_user_id, "link": public_id(session)}


def public_id(session: AuthSession) -> str:
    """A non-secret id for the session: a prefix of the token's hash (the token cannot be derived from it)."""
    return f"as_{session.token_hash[:24]}"


def step_for(err: GatewayError) -> int:
    return _STEP_BY_GUIDE.get(err.spec.guide, _DEFAULT_STEP)


@dataclass(frozen=True)
class Progress:
    """What the page shows in its progress box (also the JSON of the status route)."""

    state: str
    phase: str = ""  # while waiting: "web_connector" (no call yet) or "quickbooks" (the check is running)
    company_name: str | None = None
    user_facing_message: str | None = None
    code: str | None = None
    step: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "phase": self.phase, "company_name": self.company_name,
                "user_facing_message": self.user_facing_message, "code": self.code, "step": self.step,
                "step_title": STEP_TITLES.get(self.step) if self.step else None}


def _failed(err: GatewayError) -> Progress:
    return Progress(FAILED, code=err.code, user_facing_message=err.user_facing_message, step=step_for(err))


def company_name_of(response_qbxml: str | None) -> str | None:
    """The ``CompanyName`` QuickBooks returned to the health check's CompanyQuery."""
    if not response_qbxml:
        return None
    try:
        name = parse_xml(strip_declaration(response_qbxml)).findtext(".//CompanyRet/CompanyName")
    except (UnsafeXmlError, UnicodeError):
        return None
    return name.strip() if name else None


@dataclass(frozen=True)
class Link:
    """A live link, opened: its session, its end-user and the token (needed to build the page's URLs)."""

    token: str
    session: AuthSession
    user: EndUser


class AuthFlowService:
    def __init__(self, store: Store, queue: JobQueue, end_users: EndUserService, settings: Settings,
                 clock: Clock, secrets: SecretBox | None = None) -> None:
        self.secrets = secrets
        self.store = store
        self.queue = queue
        self.end_users = end_users
        self.settings = settings
        self.clock = clock

    @classmethod
    def from_services(cls, svc: Any) -> AuthFlowService:
        """Built from :class:`chalicelib.wiring.Services` (cheap; per request)."""
        return cls(svc.store, svc.queue, svc.end_users, svc.settings, svc.end_users.clock, svc.secrets)

    # The SaaS side ---------------------------------------------------------------------------------------
    def create(self, body: CreateAuthSession, base_url: str) -> dict[str, Any]:
        """A new link for an end-user, with a new Web Connector password (pending until first used) and the
        first health check already queued, so that the bookkeeper's first update connects."""
        user = self.end_users.get(body.end_user_id)
        if self.secrets is None:
            raise error("internal_error", "no key to seal auth links' passwords (QBDGW_SECRETS_KEY_ID is not set)")
        now = self.clock()
        token = secrets.token_urlsafe(32)
        password = new_password()
        expires = now + timedelta(minutes=body.link_expiry_minutes)
        session = AuthSession(token_hash=token_hash(token), end_user_id=user.id, created_at=now, expires_at=expires,
                              password_hash=self.end_users.hasher.hash(password), redirect_url=body.redirect_url)
        session = dataclasses.replace(session, sealed_password=self.secrets.seal(password, seal_context(session)))
        # The session first: should the password update fail, the link shows "replaced", and the
        # Web Connector keeps its working password (which it keeps until it logs in with the new one).
        self.store.put_auth_session(session)
        self.store.update_end_user(user.id, {"pending_password_hash": session.password_hash})
        self._start_check(session, user, deadline_seconds=body.link_expiry_minutes * 60)
        log.info("auth session created", extra={"end_user_id": user.id, "auth_session_id": public_id(session)})
        return {"id": public_id(session), "end_user_id": user.id,
                "auth_flow_url": f"{base_url}/connect/{token}", "expires_at": iso(session.expires_at)}

    # The bookkeeper's side ---------------------------------------------------------------------------------
    def open(self, token: str) -> Link:
        """The live link behind ``token``; raises ``auth_link_not_found`` or ``auth_link_expired``."""
        if not _TOKEN.match(token or ""):
            raise error("auth_link_not_found", "the link token is malformed")
        session = self.store.get_auth_session(token_hash(token))
        if session is None:
            raise error("auth_link_not_found", "no auth session has this link token")
        if self.clock() >= session.expires_at:  # TTL deletion is lazy: the expiry is checked here
            raise error("auth_link_expired", f"the link expired at {iso(session.expires_at)}")
        user = self.store.get_end_user(session.end_user_id)
        if user is None:
            raise error("auth_link_not_found", "the link's end-user no longer exists")
        if not session.password_hash or session.password_hash not in (user.password_hash,
                                                                      user.pending_password_hash):
            raise error("auth_link_expired", "a newer link replaced this link's Web Connector password")
        return Link(token, session, user)

    def password(self, link: Link) -> str | None:
        """The link's Web Connector password, unsealed for its page (None: it cannot be opened)."""
        if self.secrets is None or not link.session.sealed_password:
            return None
        try:
            return self.secrets.open(link.session.sealed_password, seal_context(link.session))
        except ValueError:
            log.warning("an auth link's password did not open", extra={"end_user_id": link.user.id})
            return None

    def record_view(self, link: Link, what: str) -> None:
        """Log a view of the page (never the token or the password); remember the first one."""
        log.info("auth page viewed", extra={"end_user_id": link.user.id, "auth_session_id": public_id(link.session),
                                            "view": what})
        if link.session.viewed_at is None:
            try:
                self.store.update_auth_session(link.session.token_hash, {"viewed_at": self.clock()})
            except Exception:  # a view is logged above; the record of it is not worth failing the page
                log.warning("could not record the auth page view", extra={"end_user_id": link.user.id})

    def progress(self, link: Link) -> Progress:
        """Where the connection stands, decided from stored state; enqueues the health check when due."""
        session, user = link.session, link.user
        job = self._check_job(session)
        if job is not None and job.status is JobStatus.SUCCEEDED:
            if session.connected_at is None:
                self.store.update_auth_session(session.token_hash, {"connected_at": self.clock()})
                log.info("auth flow connected", extra={"end_user_id": user.id})
            return Progress(CONNECTED, company_name=company_name_of(job.response_qbxml) or user.qb_company_name)
        if session.connected_at is not None:  # the check job itself is gone (retention); the fact stays
            return Progress(CONNECTED, company_name=user.qb_company_name)
        heartbeat = user.last_heartbeat_at
        refused = user.login_failed_at
        if refused is not None and refused >= session.created_at and (heartbeat is None or refused > heartbeat):
            return _failed(self._refusal(user))  # its latest login had a wrong password: the page says so at once
        if heartbeat is None or heartbeat < session.created_at:
            return Progress(WAITING, phase="web_connector")
        last = user.last_error or {}
        if job is not None and not job.status.is_terminal:
            return self._running(job, user, last)
        if job is not None:  # the last check failed: show it, and check again once the Web Connector calls again
            failure = error_from_dict(job.error or {"code": "internal_error", "message": "health check failed"})
            if job.completed_at is not None and heartbeat > job.completed_at:
                self._start_check(session, user)
            return _failed(failure)
        self._start_check(session, user)
        return Progress(WAITING, phase="quickbooks")

    # Internals ---------------------------------------------------------------------------------------------
    def _refusal(self, user: EndUser) -> GatewayError:
        if user.locked_until is not None and self.clock() < user.locked_until:
            return error("web_connector_locked_out", f"the Web Connector of end-user {user.id} is locked out until "
                                                     f"{iso(user.locked_until)}")
        return error("bad_web_connector_password", "the Web Connector's latest login had a wrong password")

    def _check_job(self, session: AuthSession) -> Job | None:
        if session.check_job_seq is None:
            return None
        job = self.store.get_job_at(session.end_user_id, session.check_job_seq)
        return job if job is not None and job.id == session.check_job_id else None

    def _running(self, job: Job, user: EndUser, last: dict[str, Any]) -> Progress:
        """A check not finished yet: fail at once on the connection error the Web Connector reported."""
        if job.status is JobStatus.QUEUED:
            reported = last.get("type") == "connection_error" and not last.get("retrying")
            if reported and str(last.get("occurred_at") or "") >= (iso(job.enqueued_at) or ""):
                err = error_from_dict(last)
                self.queue.cancel_if_queued(job, err)
                return _failed(err)
            grace = timedelta(seconds=self.settings.offline_grace_seconds)
            if status_of(user, self.clock(), grace) == OFFLINE:  # it called once, then stopped: say so
                return _failed(error("web_connector_not_polling",
                                     f"the Web Connector of end-user {user.id} stopped calling"))
        return Progress(WAITING, phase="quickbooks")

    def _start_check(self, session: AuthSession, user: EndUser, deadline_seconds: int = CHECK_DEADLINE_SECONDS
                     ) -> Job:
        request = "".join(company_query_request().elements)
        job, _ = self.queue.enqueue(user.id, request, source=HEALTH_CHECK_SOURCE, priority=PRIORITY_HEALTH_CHECK,
                                    deadline_seconds=deadline_seconds)
        self.store.update_auth_session(session.token_hash, {"check_job_id": job.id, "check_job_seq": job.seq})
        log.info("auth flow health check enqueued", extra={"end_user_id": user.id, "job_id": job.id})
        return job
