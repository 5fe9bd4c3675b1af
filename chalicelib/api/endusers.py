"""End-users: creating a connection, listing and showing them with their health, and writing the ``.qwc`` file.

An end-user is one company file of one of the SaaS's customers. Creating one generates the Web
Connector password (returned once, stored only as a hash: keyed HMAC-SHA-256 when the deployment has a
pepper, else scrypt; :class:`chalicelib.jobs.security.SecretHasher`) and a FileID GUID for the
``.qwc``. With an ``Idempotency-Key`` the first answer is also kept in the key's record for the
idempotency window (24 h, then deleted by TTL) so that a retry gets exactly that answer — its password
sealed by the stack's key (:class:`~chalicelib.jobs.ports.SecretBox`, bound to the end-user), never in
clear; without a key to seal it (``QBDGW_SECRETS_KEY_ID`` unset) a keyed creation is refused.
Its ``status`` is derived, never stored (:mod:`chalicelib.jobs.connection`). ``GET /v1/end-users`` lists
them a page at a time in the order they were created (an id begins with its creation millisecond), from
the store's registry of end-users (a query, never a scan); a page's cursor is the id of its last end-user.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.api.http import page_limit
from chalicelib.config import Settings
from chalicelib.errors import error
from chalicelib.jobs.connection import LOGIN_ERRORS, status_of
from chalicelib.jobs.models import EndUser
from chalicelib.jobs.ports import Clock, SecretBox, Store, StoreConflict
from chalicelib.jobs.queue import IDEMPOTENCY_WINDOW
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import SecretHasher, new_id, new_password
from chalicelib.qbwc.qwc import QwcSpec, build_qwc, qwc_filename

if TYPE_CHECKING:  # the REST bodies (pydantic) load with the first REST call, not on the Web Connector's cold start
    from chalicelib.api.bodies import CreateEndUser, EndUserCreated

log = logging.getLogger(__name__)

END_USER_SCOPE = "end-users"
"""The idempotency scope of ``POST /v1/end-users`` (keys of jobs are scoped by their end-user)."""

MAX_LIST_LIMIT = 100
"""The most end-users one page of ``GET /v1/end-users`` holds (each is a read of its profile)."""
_LIST_PARAMS = frozenset({"limit", "cursor"})
_END_USER_ID = re.compile(r"eu_[0-9a-z]{26}")


def _seal_context(end_user_id: str) -> dict[str, str]:
    """What a creation's sealed password is bound to: it opens for this end-user's replay only."""
    return {"purpose": "end-user-created", "end_user_id": end_user_id}


class EndUserService:
    def __init__(self, store: Store, settings: Settings, clock: Clock, hasher: SecretHasher | None = None,
                 secrets: SecretBox | None = None) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.hasher = hasher if hasher is not None else SecretHasher.from_text(settings.secret_peppers)
        self.secrets = secrets

    def create(self, body: CreateEndUser) -> tuple[EndUser, str]:
        """A new end-user and its Web Connector password (clear text, to be shown once)."""
        user, password = self._new(body)
        self.store.put_end_user(user)
        return user, password

    def create_once(
        self, body: CreateEndUser, base_url: str, idempotency_key: str | None
    ) -> tuple[EndUserCreated, bool]:
        """``POST /v1/end-users``: the answer and whether it is new (False: an Idempotency-Key replay).

        With a key, the whole answer (password included) is written to the key's record *before* the
        end-user, in one conditional write: whoever wins that write decides the end-user, every other
        request with the same key and body gets the winner's answer, and a different body is refused
        (``idempotency_key_reused``). A replay that finds the record but no end-user (the first request
        died between its two writes, or is still between them) writes the end-user from the record;
        the end-user write is itself conditional, so exactly one is ever stored.
        """
        user, password = self._new(body)
        created = self._created(user, password, base_url)
        if not idempotency_key:
            self.store.put_end_user(user)
            return created, True
        if self.secrets is None:
            raise error("internal_error", "an end-user created under an Idempotency-Key keeps its password sealed "
                                          "for the replay, and no key seals it (QBDGW_SECRETS_KEY_ID is not set)")
        body_hash = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
        now = self.clock()
        existing = self.store.claim_idempotency_record(
            END_USER_SCOPE, idempotency_key, user.id, body_hash, now + IDEMPOTENCY_WINDOW,
            self._kept(created), now=now,
        )
        if existing is None:
            self._put_once(user)
            return created, True
        if existing.body_hash != body_hash or existing.response is None:
            raise error("idempotency_key_reused",
                        f"Idempotency-Key {idempotency_key!r} was used for a different request")
        original = self._replayed(existing.response)
        if self.store.get_end_user(original.id) is None:
            self._put_once(self._from_answer(original))
        return original, False

    def _new(self, body: CreateEndUser) -> tuple[EndUser, str]:
        now = self.clock()
        end_user_id = new_id("eu", int(now.timestamp() * 1000))
        password = new_password()
        user = EndUser(
            id=end_user_id,
            company_name=body.company_name,
            source_id=body.source_id,
            qbwc_username=end_user_id,
            password_hash=self.hasher.hash(password),
            file_id=uuid.uuid4(),
            created_at=now,
            poll_seconds=self.settings.qwc_poll_seconds,
        )
        return user, password

    def _created(self, user: EndUser, password: str, base_url: str) -> EndUserCreated:
        from chalicelib.api.bodies import EndUserCreated

        return EndUserCreated(
            id=user.id, company_name=user.company_name, source_id=user.source_id,
            qbwc_username=user.qbwc_username, qbwc_password=password,
            qwc_url=f"{base_url}/v1/end-users/{user.id}/qwc", created_at=iso(user.created_at) or "",
        )

    def _kept(self, created: EndUserCreated) -> dict[str, Any]:
        """The answer as the key's record keeps it: the password sealed for this end-user, not in clear."""
        assert self.secrets is not None
        kept = created.model_dump(mode="json")
        kept["qbwc_password_sealed"] = self.secrets.seal(kept.pop("qbwc_password"), _seal_context(created.id))
        return kept

    def _replayed(self, kept: Mapping[str, Any]) -> EndUserCreated:
        """The first answer back from its record (one of an earlier release holds the password in clear)."""
        from chalicelib.api.bodies import EndUserCreated

        answer = dict(kept)
        sealed = answer.pop("qbwc_password_sealed", None)
        if sealed is not None:
            assert self.secrets is not None
            try:
                answer["qbwc_password"] = self.secrets.open(str(sealed), _seal_context(str(answer.get("id"))))
            except Exception as exc:
                raise error("internal_error", "the first answer's password could not be unsealed") from exc
        return EndUserCreated.model_validate(answer)

    def _from_answer(self, answer: EndUserCreated) -> EndUser:
        """The end-user an idempotency record promised, for a first request that never wrote it."""
        return EndUser(
            id=answer.id, company_name=answer.company_name, source_id=answer.source_id,
            qbwc_username=answer.qbwc_username, password_hash=self.hasher.hash(answer.qbwc_password),
            file_id=uuid.uuid4(), created_at=datetime.fromisoformat(answer.created_at),
            poll_seconds=self.settings.qwc_poll_seconds,
        )

    def _put_once(self, user: EndUser) -> None:
        with contextlib.suppress(StoreConflict):  # a concurrent replay of the same key wrote it first
            self.store.put_end_user(user)

    def get(self, end_user_id: str) -> EndUser:
        user = self.store.get_end_user(end_user_id)
        if user is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        return user

    def list_page(self, params: Mapping[str, str], base_url: str) -> dict[str, Any]:
        """``GET /v1/end-users?limit=1..100&cursor=<next_cursor>``: a page of end-users, oldest first, as
        :meth:`view` shows each; ``next_cursor`` is None on the last page."""
        unknown = sorted(set(params) - _LIST_PARAMS)
        if unknown:
            raise error("invalid_request", f"/end-users has no parameter {unknown[0]!r} (it takes limit and cursor)")
        limit = page_limit(params.get("limit"), default=50, most=MAX_LIST_LIMIT)
        cursor = params.get("cursor")
        if cursor is not None and not _END_USER_ID.fullmatch(cursor):
            raise error("invalid_request", "cursor is not one this API gave: pass a page's next_cursor as it came")
        users, next_cursor = self.store.list_end_users(limit, cursor)
        return {"end_users": [self.view(user, base_url) for user in users], "next_cursor": next_cursor}

    def unlock(self, end_user_id: str) -> EndUser:
        """An operator ends a lockout (and the count of refused logins) before it passes on its own."""
        user = self.get(end_user_id)
        changes: dict[str, Any] = {"login_failures": 0, "login_failed_at": None, "locked_until": None}
        if (user.last_error or {}).get("code") in LOGIN_ERRORS:
            changes["last_error"] = None
        self.store.update_end_user(user.id, changes)
        log.warning("Web Connector login unlocked by an operator", extra={
            "end_user_id": user.id, "login_failures": user.login_failures, "audit": "login_unlock"})
        return self.get(end_user_id)

    def status(self, user: EndUser) -> str:
        return status_of(user, self.clock(), timedelta(seconds=self.settings.offline_grace_seconds))

    def view(self, user: EndUser, base_url: str) -> dict[str, Any]:
        return {
            "id": user.id,
            "company_name": user.company_name,
            "source_id": user.source_id,
            "qbwc_username": user.qbwc_username,
            "status": self.status(user),
            "company_file": user.company_file,
            "qbxml_version": user.qbxml_version,
            "supported_qbxml_versions": list(user.supported_versions),
            "quickbooks_country": user.country,
            "quickbooks_product": user.product_name,
            "quickbooks_company_name": user.qb_company_name,
            "last_heartbeat_at": iso(user.last_heartbeat_at),
            "last_successful_sync_at": iso(user.last_successful_sync_at),
            "last_error": user.last_error,
            "login_failures": user.login_failures,
            "locked_until": iso(user.locked_until),
            "poll_seconds": user.poll_seconds,
            "qwc_url": f"{base_url}/v1/end-users/{user.id}/qwc",
            "created_at": iso(user.created_at),
        }

    def qwc(self, user: EndUser, base_url: str) -> tuple[str, str]:
        """The ``.qwc`` file's text and its download file name. It names the Web Connector's own endpoint
        (the deployed stack's Function URL, ``QBDGW_QBWC_URL``) when there is one, else this API's."""
        endpoint = self.settings.qbwc_url or base_url
        try:
            spec = QwcSpec(
                app_name=f"{self.settings.app_name} - {user.company_name}"[:80],
                app_id="",
                app_url=f"{endpoint}/qbwc",
                app_support_url=f"{endpoint}/support",
                app_description=f"Syncs {user.company_name} with {self.settings.app_name}"[:80],
                user_name=user.qbwc_username,
                owner_id=self.settings.owner_id,
                file_id=user.file_id,
                run_every_seconds=user.poll_seconds,
                app_unique_name=f"{self.settings.app_name}-{user.id}",
            )
        except ValueError as exc:
            raise error("qwc_unavailable", f"cannot build a .qwc for {endpoint}: {exc}") from exc
        return build_qwc(spec), qwc_filename(user.company_name)
