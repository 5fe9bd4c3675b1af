"""Frozen domain records: end-users, API keys, jobs, Web Connector sessions and the company-file lease.

These are what the store ports take and return; adapters in ``chalicelib/store`` map them to and
from DynamoDB items. Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.jobs.states import JobStatus

PRIORITY_IN_DOUBT = 0
PRIORITY_HEALTH_CHECK = 1
PRIORITY_NORMAL = 5
PRIORITY_BACKGROUND = 9  # the change feed's catch-ups: behind every job a person may wait for


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
    # An auth link's new Web Connector password, until the Web Connector first logs in with it: the
    # current one keeps working meanwhile (a link never breaks a connection that works).
    pending_password_hash: str | None = field(repr=False, default=None)
    # Web Connector logins refused in a row (chalicelib.qbwc.login): counted, slowed down, locked out.
    login_failures: int = 0
    login_failed_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ApiKey:
    """A SaaS API key: only its hash is kept (keyed HMAC-SHA-256 with the pepper, or scrypt without one:
    :class:`chalicelib.jobs.security.SecretHasher`), and a short prefix to recognise it in lists."""

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

    Keyed by the SHA-256 of the link's token. It holds the Web Connector password it created, sealed
    (:class:`~chalicelib.jobs.ports.SecretBox`), until it expires (DynamoDB deletes it by TTL): the page
    of a live session is the only place it is shown.
    """

    token_hash: str
    end_user_id: str
    created_at: datetime
    expires_at: datetime
    sealed_password: str = field(repr=False, default="")
    password_hash: str = field(repr=False, default="")  # its password's hash: the end-user's, while in use
    redirect_url: str | None = None
    viewed_at: datetime | None = None
    connected_at: datetime | None = None
    check_job_id: str | None = None  # the health check the page is waiting on (it outlives one status call)
    check_job_seq: int | None = None


@dataclass(frozen=True)
class Job:
    """A job as stored. While QuickBooks runs it, the stored status stays ``queued``: the company file's
    :class:`Lease` points at it, and :meth:`chalicelib.jobs.queue.JobQueue.view` derives ``in_flight``."""

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
    attempts: int = 0  # message sets of this job handed to the Web Connector so far (probes not counted)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    response_qbxml: str | None = None
    response_s3_uri: str | None = None  # set instead of response_qbxml when the answer was offloaded to S3
    response_omitted: dict[str, Any] | None = None  # an applied write whose answer could not be kept
    error: dict[str, Any] | None = None
    published_at: datetime | None = None
    doubt_message_set_id: str | None = None  # the message set whose outcome is unknown (status in_doubt)
    # A paged query: where it stands (chalicelib.qbxml.paging.Cursor as a dict). ``response_qbxml`` (or
    # ``response_s3_uri``) then holds the last page delivered; ``attempts`` counts the current page's.
    paging: dict[str, Any] | None = None
    max_returned_ceiling: int | None = None  # the MaxReturned the gateway put on its queries (unpaged)
    warnings: list[dict[str, Any]] | None = None  # statusSeverity="Warn" results, and the ceiling reached
    # A typed REST call (chalicelib.resources): "<resource>.<operation>", whose result also carries the
    # call's JSON answer; ``render_json``: the result carries the JSON rendering of the answer.
    call: str | None = None
    render_json: bool = False
    # "<qbXML version>|<country>" the request was checked for when accepted (schema and edition): a session
    # of a file with that version and country sends it without checking it again.
    checked_for: str | None = None
    # A catch-up of the change feed (chalicelib.feed): "<subscription id>|<catch-up run>|<mark name>"; its
    # answers become change events instead of result messages.
    feed: str | None = None

    @property
    def queued_key(self) -> str:
        """Sort key of the queue index: priority first (an in-doubt write before all), then acceptance order."""
        priority = PRIORITY_IN_DOUBT if self.status is JobStatus.IN_DOUBT else self.priority
        return f"{priority}#{self.seq:012d}"


def checked_for(version: object, country: str | None) -> str:
    """:attr:`Job.checked_for` of a request checked against qbXML ``version`` for a file of ``country``."""
    return f"{version}|{country or ''}"


SENT = "sent"      # handed to the Web Connector (or about to be): QuickBooks may be running it
NEXT = "next"      # handed out by the answer before it; the next sendRequestXML gives it without a write.
                   # As for SENT, QuickBooks may be running it (a write may be applied) from this write on.
PROBE = "probe"    # the error-recovery probe of an in-doubt write was handed out
DOUBT = "doubt"    # an in-doubt write waiting for its probe


@dataclass(frozen=True)
class InFlight:
    """The one job of a company file that may be in QuickBooks, as the lease records it.

    ``epoch`` is the lease epoch it was handed out under. A pointer from an older epoch than the
    lease's is *inherited*: its session is gone, and the new holder (or the sweeper) must settle what
    became of the job before anything else runs.
    """

    seq: int
    job_id: str
    is_write: bool
    attempt: int
    message_set_id: str | None
    epoch: int
    phase: str
    sent_at: datetime
    queued_key: str = ""  # the job's queue-index key when pointed at: tells a settled job from one pushed back
    page: int | None = None  # a paged job: the pages it had delivered when this one was handed out
    # NEXT only: the job whose answer handed this one out. Its result goes to SQS right after that write;
    # if the session died in between, whoever inherits this pointer publishes it again.
    previous_seq: int | None = None

    def left_the_queue(self, view: FileView, jobs_read: int) -> bool:
        """Is the pointed job no longer queued, as far as a read of ``jobs_read`` jobs can tell?

        It would be among the jobs read unless it left the queue (settled), or more than ``jobs_read``
        jobs now sort before it (health checks enqueued since): only then is a read of the job needed.
        """
        if any(job.seq == self.seq for job in view.jobs) or not self.queued_key:
            return False
        return len(view.jobs) < jobs_read or view.jobs[-1].queued_key > self.queued_key


@dataclass(frozen=True)
class Lease:
    """The company file's control record: who holds it (a Web Connector session), and what is in flight.

    ``holder`` is the SHA-256 of the session's ticket; ``epoch`` (the fencing token) is bumped at every
    takeover; the holder's calls renew ``expires_at``. The session's own state lives here too, so a
    SOAP call reads one item. ``pointer`` outlives the session that set it: releasing the file or
    taking it over never drops it, only settling the job does.
    """

    end_user_id: str
    epoch: int = 0
    holder: str | None = None
    expires_at: datetime | None = None
    seen_at: datetime | None = None
    created_at: datetime | None = None
    state: str = "ready"
    company_file: str | None = None
    qbxml_version: str | None = None
    jobs_sent: int = 0
    last_job_at: datetime | None = None
    last_error_text: str | None = None
    connection_errors: int = 0
    last_holder: str | None = None  # the session that released the file last (its error stays readable)
    # The session's closing HostQuery (chalicelib.qbwc.answers) is in QuickBooks: like a job in flight, it
    # keeps the file from a takeover by staleness until its answer comes (or the lease runs out).
    closing_sent_at: datetime | None = None
    pointer: InFlight | None = None

    def held_by(self, holder: str) -> bool:
        return self.holder is not None and self.holder == holder

    def live(self, now: datetime) -> bool:
        return self.holder is not None and self.expires_at is not None and self.expires_at > now


@dataclass(frozen=True)
class HandOut:
    """The next job, handed out in the same write that settles the one answered: the lease (as read)
    that must still hold the file, what changes on it, and the pointer it takes."""

    lease: Lease
    changes: Mapping[str, Any]
    pointer: InFlight


@dataclass(frozen=True)
class FileView:
    """One strongly consistent read of a company file: the end-user, its lease, the head of its queue."""

    user: EndUser | None
    lease: Lease | None
    jobs: tuple[Job, ...]
    next_seq: int = 0  # the last sequence number handed out

    @property
    def head(self) -> Job | None:
        return self.jobs[0] if self.jobs else None
