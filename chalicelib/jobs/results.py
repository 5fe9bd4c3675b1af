"""The result of a job as the SaaS sees it: REST ``GET /v1/jobs/{id}`` and the SQS message (v1).

Both are rendered from the stored :class:`~chalicelib.jobs.models.Job`, so the two never disagree. An
answer too large to carry inline is in S3: ``response_qbxml`` is then None and ``response_s3_uri``
points at it (the key is present only then, so a message or view without it is as before).

``GET /v1/jobs/{id}`` carries the answer's JSON rendering as ``response_json``
(:func:`chalicelib.resources.answer.render_messages`), and so does the result message of a job that asks
for it (``render_json``; every typed REST call does); a typed call's also carry its answer as ``result``
— the body the call answers. :func:`json_parts` makes both from the answer's text (an answer offloaded
to S3 is read first, for a job that asked for JSON); JSON that would pass :data:`MAX_JSON_BYTES` on a
result message says ``response_json_omitted`` instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.jobs.models import Job, Lease

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_JSON_BYTES = 256_000  # the JSON rendering on a result message (SQS takes 1 MiB in all)


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
    """A paged job's last page delivered: ``page`` (1-based), ``records``, ``remaining``, ``last`` (the
    job's last page), ``resumed`` (first page after a restart) and ``cursor`` (``<job id>:<page>``, where it
    stands); with a page budget (``paging.max_pages``) also ``has_more``: the query has pages left."""
    if not job.paging or not job.paging.get("pages"):
        return {}
    pages, remaining = int(job.paging["pages"]), job.paging.get("remaining")
    finished = bool(job.paging["finished"]) if "finished" in job.paging else remaining == 0
    budget = job.paging.get("page_budget")
    last = finished or (budget is not None and pages >= int(budget))
    return {"page": pages, "records": int(job.paging.get("page_records") or 0),
            "remaining": 0 if finished else int(remaining) if remaining is not None else None,
            "last": last, "resumed": bool(job.paging.get("resumed")), "cursor": f"{job.id}:{pages}",
            **({"has_more": not finished} if budget is not None else {})}


def json_parts(job: Job, text: str | None, *, always: bool = False, limit: int = 0) -> dict[str, Any]:
    """``response_json`` from the answer ``text`` — for a job that asked for JSON, or ``always`` (the REST
    view renders every job's answer, the result message only what asked) — and, for a typed call that
    finished, ``result`` (its answer) or ``result_error`` (its error as the call answers it: an unknown id
    is ``object_not_found``). ``limit``: the most bytes of JSON to carry (default :data:`MAX_JSON_BYTES`).
    Never raises: a rendering that fails is reported in the parts, and the result still goes out."""
    from chalicelib.errors import GatewayError, error
    from chalicelib.resources.answer import answer_of, render_messages
    from chalicelib.resources.build import one_page_limit

    parts: dict[str, Any] = {}
    answered = job.status.is_terminal or bool(job.paging)
    if text is not None and answered and (always or job.render_json or job.call):
        try:
            parts["response_json"] = render_messages(text)
        except GatewayError as exc:
            parts["response_json_error"] = exc.to_dict()
        except Exception:  # never let a rendering stop the result itself from being published
            log.exception("the JSON rendering of an answer failed", extra={"job_id": job.id})
            parts["response_json_error"] = error("internal_error", "the answer could not be rendered").to_dict()
    if job.call and job.status.is_terminal and "response_json_error" not in parts:
        operation = job.call.rpartition(".")[2]
        cap = one_page_limit(job.qbxml) if operation == "list" and not job.paging else None
        try:
            parts["result"] = answer_of(operation, job.status.value, job.error, text, job.id,
                                        parts.get("response_json"), job.paging, cap)
        except GatewayError as exc:
            parts["result_error"] = exc.to_dict()
        except Exception:
            log.exception("the typed answer of a job failed", extra={"job_id": job.id})
            parts["result_error"] = error("internal_error", "the answer could not be rendered").to_dict()
    limit = limit or MAX_JSON_BYTES
    if parts and len(json.dumps(parts)) > limit:
        return {"response_json_omitted": f"the JSON rendering passes {limit} bytes (the qbXML is complete)"}
    return parts


def message_key(message: Mapping[str, Any]) -> str:
    """What de-duplicates a message of the results queue (SQS's ``MessageDeduplicationId``, a webhook
    delivery's id): the job id for a result, ``<id>.in_doubt`` for an in-doubt notice, ``<id>.p<n>`` for a
    page before the last, and a change event's ``event_id``. The SDK's consumer keys the same way."""
    if message.get("type") == "change":
        return str(message["event_id"])
    job_id = str(message["job_id"])
    if message.get("status") == "in_doubt":
        return f"{job_id}.in_doubt"
    if message.get("page") and not message.get("last"):
        return f"{job_id}.p{message['page']}"
    return job_id


def publish_all(publisher: Any, messages: Sequence[Mapping[str, Any]]) -> None:
    """``messages`` in order through ``publisher``: in batches where it can (``publish_all``: SQS's
    ``SendMessageBatch``), else one by one."""
    batch = getattr(publisher, "publish_all", None)
    if batch is not None:
        batch(messages)
        return
    for message in messages:
        publisher.publish(message)


def message_kind(message: Mapping[str, Any]) -> str:
    """``change`` for a change event, ``result`` for everything else (webhook endpoints choose by it)."""
    return "change" if message.get("type") == "change" else "result"


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
        **json_parts(job, job.response_qbxml),
        # a catch-up's page, read by the feed (never published as is): when its query was first handed out
        **({"feed": job.feed, "started_at": iso(job.started_at)} if job.feed else {}),
    }
