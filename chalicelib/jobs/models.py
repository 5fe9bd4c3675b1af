"""Frozen domain records: end-users, API keys, jobs, Web Connector sessions and the company-file lease.

These are what the store ports take and return; adapters in ``chalicelib/store`` map them to and
from DynamoDB items. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.jobs.states import JobStatus

PRIORITY_IN_DOUBT = 0
PRIORITY_HEALTH_CHECK = 1
PRIORITY_NORMAL = 5


@dataclass(frozen=True)
class EndUser:
    """One company-file connection of one of the SaaS's customers."""

    id: str
    company_name: str
    source_id: str | None
    qbwc_username: str
    password_hash: str
    file_id: uuid.UUID
    created_at: datetime
    poll_seconds: int = 20
    company_file: str | None = None
    qbxml_version: str | None = None
    supported_versions: tuple[str, ...] = ()
    country: str | None = None
    product_name: str | None = None
    qb_company_name: str | None = None
    last_heartbeat_at: datetime | None = None
    last_successful_sync_at: datetime | None = None
    last_error: dict[str, Any] | None = None


@dataclass(frozen=True)
class ApiKey:
    """A SaaS API key: only its scrypt hash is kept, and a short prefix to recognise it in lists."""

    key_id: str
    lookup: str
    secret_hash: str
    name: str
    created_at: datetime
    prefix: str = ""
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class AuthSession:
    """A single-purpose, expiring link that walks a bookkeeper through connecting a company file.

    Keyed by the SHA-256 of the link's token. It holds the Web Connector password in clear until it
    expires (DynamoDB deletes it by TTL): the page of a live session is the only place it is shown.
    """

    token_hash: str
    end_user_id: str
    created_at: datetime
    expires_at: datetime
    qbwc_password: str = field(repr=False, default="")
    redirect_url: str | None = None
    viewed_at: datetime | None = None
    connected_at: datetime | None = None
    check_job_id: str | None = None  # the health check the page is waiting on (it outlives one status call)
    check_job_seq: int | None = None


@dataclass(frozen=True)
class Job:
    id: str
    end_user_id: str
    seq: int
    status: JobStatus
    qbxml: str
    request_names: tuple[str, ...]
    is_write: bool
    enqueued_at: datetime
    source: str
    priority: int = PRIORITY_NORMAL
    deadline_at: datetime | None = None
    idempotency_key: str | None = None
    holder: str | None = None
    attempts: int = 0
    started_at: datetime | None = None
    completed_at: datetime | None = None
    response_qbxml: str | None = None
    response_s3_uri: str | None = None  # set instead of response_qbxml when the answer was offloaded to S3
    error: dict[str, Any] | None = None
    published_at: datetime | None = None
    recovering: bool = False

    @property
    def queued_key(self) -> str:
        """Sort key of the queue index: priority first (an in-doubt write before all), then acceptance order."""
        priority = PRIORITY_IN_DOUBT if self.status is JobStatus.IN_DOUBT else self.priority
        return f"{priority}#{self.seq:012d}"


@dataclass(frozen=True)
class Lease:
    """The company file's single in-flight slot. ``holder`` is a session's ticket hash."""

    end_user_id: str
    holder: str | None
    job_id: str | None
    job_seq: int | None
    expires_at: datetime | None


@dataclass(frozen=True)
class QbwcSession:
    """One Web Connector update, from authenticate to closeConnection, keyed by the ticket's hash."""

    ticket_hash: str
    end_user_id: str
    created_at: datetime
    expires_at: datetime
    last_activity_at: datetime
    state: str = "authenticated"
    in_flight_job_id: str | None = None
    in_flight_seq: int | None = None
    jobs_done: int = 0
    jobs_failed: int = 0
    last_error_text: str | None = None
    company_file: str | None = None
    qbxml_version: str | None = None
    connection_errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
