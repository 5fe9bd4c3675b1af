"""Test doubles for the job domain: a controllable clock, a recording publisher, end-users, files.

Shared by ``tests/unit/jobs`` and the QBWC session-service tests, which run the same queue.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.jobs.models import EndUser, Job
from chalicelib.jobs.security import hash_secret
from chalicelib.store.memory import MemoryStore
from tests.support.paths import FIXTURES_DIR

START = datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
PASSWORD = "K7QM-3XPD-9RTA-WZ2H"
PASSWORD_HASH = hash_secret(PASSWORD)  # scrypt is slow on purpose: hash once per test run


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Published:
    """One publish attempt: the message and the job as the store held it at that instant."""

    message: dict[str, Any]
    stored: Job | None
    lease_holder: str | None


@dataclass
class RecordingPublisher:
    """Records every publish attempt; while ``fail`` is True each publish raises after recording."""

    store: MemoryStore | None = None
    fail: bool = False
    attempts: list[Published] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def publish(self, message: Mapping[str, Any]) -> None:
        stored = lease_holder = None
        if self.store is not None:  # a change event names no job
            stored = self.store.get_job(str(message["job_id"])) if "job_id" in message else None
            lease = self.store.get_lease(str(message["end_user_id"]))
            lease_holder = lease.holder if lease else None
        self.attempts.append(Published(dict(message), stored, lease_holder))
        if self.fail:
            raise ConnectionError("SQS is unreachable")
        self.delivered.append(dict(message))


def make_end_user(end_user_id: str = "eu_lakeside", **changes: Any) -> EndUser:
    values: dict[str, Any] = {
        "id": end_user_id,
        "company_name": "Lakeside Hardware",
        "source_id": None,
        "qbwc_username": end_user_id,
        "password_hash": PASSWORD_HASH,
        "file_id": uuid.UUID("8d0c5a4e-7f1b-4c2d-9e3f-102030405060"),
        "created_at": START - timedelta(days=1),
        **changes,
    }
    return EndUser(**values)


def qbxml_job(name: str) -> str:
    """A job's qbXML from ``tests/fixtures/qbxml/jobs/``."""
    return (FIXTURES_DIR / "qbxml" / "jobs" / name).read_text(encoding="utf-8")


def qbwc_file(name: str, **values: str) -> str:
    """A document from ``tests/fixtures/qbwc/`` with ``{placeholders}`` filled in."""
    text = (FIXTURES_DIR / "qbwc" / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


class FakeSecretBox:
    """A :class:`~chalicelib.jobs.ports.SecretBox` for tests without KMS: the sealed text names its context
    and opens with that context only (it is not encryption: tests check what is stored and when it opens)."""

    PREFIX = "fake-sealed:"

    def seal(self, secret: str, context: Mapping[str, str]) -> str:
        blob = json.dumps([dict(sorted(context.items())), secret[::-1]])
        return self.PREFIX + base64.b64encode(blob.encode()).decode()

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        if not sealed.startswith(self.PREFIX):
            raise ValueError("not sealed by this box")
        bound, reversed_secret = json.loads(base64.b64decode(sealed[len(self.PREFIX):]))
        if bound != dict(sorted(context.items())):
            raise ValueError("sealed for another context")
        return str(reversed_secret)[::-1]
