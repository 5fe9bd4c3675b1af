"""The result of a job as the SaaS sees it: REST ``GET /v1/jobs/{id}`` and the SQS message (v1).

Both are rendered from the stored :class:`~chalicelib.jobs.models.Job`, so the two never disagree. An
answer too large to carry inline is in S3: ``response_qbxml`` is then None and ``response_s3_uri``
points at it (the key is present only then, so a message or view without it is as before).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.models import Job, Lease

SCHEMA_VERSION = 1


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _offloaded(job: Job) -> dict[str, Any]:
    return {"response_s3_uri": job.response_s3_uri} if job.response_s3_uri else {}


def job_view(job: Job, lease: Lease | None = None, now: datetime | None = None) -> dict[str, Any]:
    """``GET /v1/jobs/{id}``. A queued job a live session's lease points at is ``in_flight`` (its
    ``attempts`` then counts the attempt under way)."""
    status, attempts = job.status.value, job.attempts
    pointer = lease.pointer if lease is not None and now is not None and lease.live(now) else None
    if pointer is not None and pointer.seq == job.seq and job.status.value == "queued":
        status, attempts = "in_flight", pointer.attempt
    return {
        "id": job.id,
        "end_user_id": job.end_user_id,
        "status": status,
        "request_names": list(job.request_names),
        "response_qbxml": job.response_qbxml,
        "error": job.error,
        "enqueued_at": iso(job.enqueued_at),
        "started_at": iso(job.started_at),
        "completed_at": iso(job.completed_at),
        "deadline_at": iso(job.deadline_at),
        "attempts": attempts,
        **_offloaded(job),
        **({"response_omitted": job.response_omitted} if job.response_omitted else {}),
        **({"paging": {k: job.paging.get(k) for k in ("page_size", "pages", "records", "remaining", "restarts")}}
           if job.paging else {}),
        **({"warnings": job.warnings} if job.warnings else {}),
    }


def _page(job: Job) -> dict[str, Any]:
    """A paged job's last page delivered: ``page`` (1-based), ``records``, ``remaining``, ``last``,
    ``resumed`` (first page after a restart) and ``cursor`` (``<job id>:<page>``, where it stands)."""
    if not job.paging or not job.paging.get("pages"):
        return {}
    pages, remaining = int(job.paging["pages"]), job.paging.get("remaining")
    last = bool(job.paging["finished"]) if "finished" in job.paging else remaining == 0
    return {"page": pages, "records": int(job.paging.get("page_records") or 0),
            "remaining": 0 if last else int(remaining) if remaining is not None else None,
            "last": last, "resumed": bool(job.paging.get("resumed")), "cursor": f"{job.id}:{pages}"}


def result_message(job: Job) -> dict[str, Any]:
    """The SQS result message, schema version 1 (DESIGN §5); a paged job's page, one per page (its
    ``status`` is ``in_flight`` until the last page, which is the job's result)."""
    page = _page(job)
    status = "in_flight" if page and not page["last"] and job.status.value == "queued" else job.status.value
    return {
        "schema_version": SCHEMA_VERSION,
        "job_id": job.id,
        "end_user_id": job.end_user_id,
        "status": status,
        "response_qbxml": job.response_qbxml,
        "error": job.error,
        "enqueued_at": iso(job.enqueued_at),
        "completed_at": iso(job.completed_at),
        **_offloaded(job),
        **({"response_omitted": job.response_omitted} if job.response_omitted else {}),
        **({"warnings": job.warnings} if job.warnings else {}),
        **page,
    }
