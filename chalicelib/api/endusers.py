"""End-users: creating a connection, showing its health, and writing its ``.qwc`` file.

An end-user is one company file of one of the SaaS's customers. Creating one generates the Web
Connector password (returned once, stored only as a scrypt hash) and a FileID GUID for the
``.qwc``. Its ``status`` is derived, never stored (:mod:`chalicelib.jobs.connection`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from chalicelib.api.bodies import CreateEndUser
from chalicelib.config import Settings
from chalicelib.errors import error
from chalicelib.jobs.connection import status_of
from chalicelib.jobs.models import EndUser
from chalicelib.jobs.ports import Clock, Store
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import hash_secret, new_id, new_password
from chalicelib.qbwc.qwc import QwcSpec, build_qwc, qwc_filename


class EndUserService:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def create(self, body: CreateEndUser) -> tuple[EndUser, str]:
        """A new end-user and its Web Connector password (clear text, to be shown once)."""
        now = self.clock()
        end_user_id = new_id("eu", int(now.timestamp() * 1000))
        password = new_password()
        user = EndUser(
            id=end_user_id,
            company_name=body.company_name,
            source_id=body.source_id,
            qbwc_username=end_user_id,
            password_hash=hash_secret(password),
            file_id=uuid.uuid4(),
            created_at=now,
            poll_seconds=self.settings.qwc_poll_seconds,
        )
        self.store.put_end_user(user)
        return user, password

    def get(self, end_user_id: str) -> EndUser:
        user = self.store.get_end_user(end_user_id)
        if user is None:
            raise error("end_user_not_found", f"end-user {end_user_id!r} does not exist")
        return user

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
            "quickbooks_product": user.product_name,
            "quickbooks_company_name": user.qb_company_name,
            "last_heartbeat_at": iso(user.last_heartbeat_at),
            "last_successful_sync_at": iso(user.last_successful_sync_at),
            "last_error": user.last_error,
            "poll_seconds": user.poll_seconds,
            "qwc_url": f"{base_url}/v1/end-users/{user.id}/qwc",
            "created_at": iso(user.created_at),
        }

    def qwc(self, user: EndUser, base_url: str) -> tuple[str, str]:
        """The ``.qwc`` file's text and its download file name."""
        try:
            spec = QwcSpec(
                app_name=f"{self.settings.app_name} - {user.company_name}"[:80],
                app_id="",
                app_url=f"{base_url}/qbwc",
                app_support_url=f"{base_url}/support",
                app_description=f"Syncs {user.company_name} with {self.settings.app_name}"[:80],
                user_name=user.qbwc_username,
                owner_id=self.settings.owner_id,
                file_id=user.file_id,
                run_every_seconds=user.poll_seconds,
                app_unique_name=f"{self.settings.app_name}-{user.id}",
            )
        except ValueError as exc:
            raise error("qwc_unavailable", f"cannot build a .qwc for {base_url}: {exc}") from exc
        return build_qwc(spec), qwc_filename(user.company_name)
