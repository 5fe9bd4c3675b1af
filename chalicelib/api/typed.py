"""Typed REST calls: a resource call → a job of the company file's queue → its JSON answer.

A call (``GET /v1/end-users/{id}/customers``, ``POST …/invoices``, ``POST …/requests`` …) is built into
one qbXML request (:mod:`chalicelib.resources.build`) and enqueued like any job — same serial guarantee,
same ``Idempotency-Key``, same SQS result (which carries the JSON too). Then the call waits for
QuickBooks: up to 25 s by default (API Gateway cuts a request at 29 s), ``?wait=N`` for less (0 to 25),
``Prefer: respond-async`` for none. Answered in time, it is 200 (201 for a create) with the JSON of
:mod:`chalicelib.resources.answer`, or the job's error in the envelope (a stale ``revision_number`` is
409). Not answered in time — the Web Connector polls every few seconds while a session is open, and
every ``.qwc`` interval otherwise — it is 202 with the job and ``Location: /v1/jobs/{id}``, where
``GET /v1/jobs/{id}?wait=N`` long-polls for the same answer (``result``). Every answer names its job in
a ``Job-Id`` header (its result on SQS carries the same JSON).

**Methods.** Each of the three path shapes takes the methods of its resource's operations
(:data:`chalicelib.resources.catalog.SHAPES`: ``/invoices/{id}`` takes GET, POST and DELETE,
``/transactions/{id}`` only GET). Any other method is 405 ``method_not_allowed`` with an ``Allow`` that
names exactly those (:func:`served`), whether a handler refuses it or Chalice does, for a method the
generic route lacks (:func:`method_refused`, called from :mod:`chalicelib.api.edge`).

**Lists and cursors.** A list whose query takes iterators (and can be resumed: ``build.list_call``) is
one paged job of one page (``paging.max_pages`` 1, ``page_size`` = ``limit``, 1 to 1000, default 100).
Its answer says ``has_more`` and, if so, ``next_cursor``: the job's id and page. The next call with ``cursor`` is a new
job that resumes that job's saved position (:func:`chalicelib.qbxml.paging.resumed_from`): with the
same iterator while the Web Connector session lasts, else restarted from the last record delivered,
without a record twice or missed. A cursor is therefore as durable as its job: valid for the result
retention (30 days by default), across any number of Web Connector sessions. The next page of a cursor
is one job, by an idempotency key of the cursor: asking again gives the same page (with the ``limit``
first asked), so a retried call never walks the iterator twice. A cursor keeps its list's filters;
filters sent with it must be the same ones.

This module loads the typed models' runtime (:mod:`chalicelib.qbxml.models`): ``app.py`` imports it on
the first typed call, so a Lambda that only serves the Web Connector never loads them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.api.http import page_limit
from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import Job
from chalicelib.jobs.ports import Clock, PayloadStore, Store
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.results import iso, job_view, json_parts
from chalicelib.qbxml import parse_job_qbxml
from chalicelib.qbxml.paging import MAX_PAGE_SIZE, Cursor
from chalicelib.resources import build
from chalicelib.resources.answer import answer_of, cursor_key
from chalicelib.resources.catalog import Resource, resource

# The typed routes of app.py → the path shape each serves (chalicelib.resources.catalog.SHAPES).
ROUTE_SHAPES: dict[str, str] = {
    "/v1/end-users/{end_user_id}/{resource}": "collection",
    "/v1/end-users/{end_user_id}/{resource}/{object_id}": "member",
    "/v1/end-users/{end_user_id}/{resource}/{object_id}/void": "void",
}
_SHAPE_PATHS = {"collection": "", "member": "/{id}", "void": "/{id}/void"}
MAX_WAIT_SECONDS = 25.0
MAX_REPLY_BYTES = 5_500_000  # a Lambda function answers at most 6 MB (the envelope included)
DEFAULT_LIMIT = 100
_FIRST_PAUSE, _MAX_PAUSE = 0.05, 0.5


@dataclass(frozen=True)
class Reply:
    """What the route answers: a status, a JSON body, headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def wait_seconds(param: str | None, prefer: str | None) -> float:
    """How long a call waits: ``?wait=N`` (0 to 25), none with ``Prefer: respond-async``, else 25 s."""
    if param is not None:
        try:
            value = float(param)
        except ValueError:
            value = -1.0
        if not 0 <= value <= MAX_WAIT_SECONDS:
            raise error("invalid_request", f"wait is a number of seconds from 0 to {MAX_WAIT_SECONDS:.0f}")
        return value
    if prefer and "respond-async" in prefer.lower():
        return 0.0
    return MAX_WAIT_SECONDS


class TypedCalls:
    @classmethod
    def from_services(cls, svc: Any) -> TypedCalls:
        """Built from :class:`chalicelib.wiring.Services` (cheap; per request)."""
        return cls(svc.queue, svc.store, svc.queue.payloads, svc.queue.clock)

    def __init__(self, queue: JobQueue, store: Store, payloads: PayloadStore | None, clock: Clock, *,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic
                 ) -> None:
        self.queue = queue
        self.store = store
        self.payloads = payloads
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic

    # The routes ------------------------------------------------------------------------------------------
    def collection(self, end_user_id: str, name: str, method: str, params: Mapping[str, str],
                   body: Mapping[str, Any] | None, key: str | None, wait: float) -> Reply:
        """``GET`` (list) or ``POST`` (create) on ``/v1/end-users/{id}/{name}``."""
        res = served(name, "collection", method)
        if method == "GET":
            return self._list(end_user_id, res, params, wait)
        return self._run(end_user_id, res, "create", build.create_call(res, _object(body)), key, wait)

    def member(self, end_user_id: str, name: str, object_id: str, method: str, params: Mapping[str, str],
               body: Mapping[str, Any] | None, key: str | None, wait: float) -> Reply:
        """``GET`` (retrieve; a report's kind), ``POST`` (update), ``DELETE`` on ``…/{name}/{object_id}``."""
        res = served(name, "member", method)
        if method == "GET" and res.operations() == ("report",):
            call = build.list_call(res, params, report=object_id)
            return self._run(end_user_id, res, "report", call, None, wait)
        if method == "GET":
            return self._run(end_user_id, res, "retrieve", build.retrieve_call(res, object_id), None, wait)
        if method == "DELETE":
            return self._run(end_user_id, res, "delete", build.delete_call(res, object_id), key, wait)
        return self._run(end_user_id, res, "update", build.update_call(res, object_id, _object(body)), key, wait)

    def void(self, end_user_id: str, name: str, object_id: str, key: str | None, wait: float) -> Reply:
        res = served(name, "void", "POST")
        return self._run(end_user_id, res, "void", build.void_call(res, object_id), key, wait)

    def request(self, end_user_id: str, body: Mapping[str, Any] | None, key: str | None, wait: float) -> Reply:
        """``POST …/requests``: any request message, typed; answered with its ``*Rs`` as JSON."""
        call = build.typed_request_call(_object(body))
        job, created = self.queue.enqueue(end_user_id, call.qbxml, source="rest", idempotency_key=key,
                                          call="requests.request")
        return self._settle(job, "request", 201 if created and call.request.endswith("AddRq") else 200, wait)

    def job(self, job_id: str, wait: float) -> dict[str, Any]:
        """``GET /v1/jobs/{id}`` (``?wait=N`` long-polls): the job, with its JSON when it asked for it."""
        job = self.wait_for(job_id, wait) if wait else self.store.get_job(job_id)
        if job is None:
            raise error("job_not_found", f"job {job_id!r} does not exist")
        return self.view(job)

    # Internals ----------------------------------------------------------------------------------------------
    def view(self, job: Job) -> dict[str, Any]:
        lease = self.store.get_lease(job.end_user_id) if not job.status.is_terminal else None
        view = job_view(job, lease, self.clock())
        view.update(json_parts(job, self._text(job), always=True, limit=MAX_REPLY_BYTES // 2))
        return view

    def _text(self, job: Job) -> str | None:
        """The answer's text; one offloaded to S3 is read only for a job that asked for JSON (a raw job's
        view points at it, as before, and never loads tens of megabytes to render them)."""
        if job.response_qbxml is not None or not job.response_s3_uri or self.payloads is None:
            return job.response_qbxml
        if not (job.call or job.render_json):
            return None
        return self.payloads.get(job.response_s3_uri)

    def wait_for(self, job_id: str, seconds: float) -> Job | None:
        """The job once it is finished, or as it is when ``seconds`` have passed (None: no such job)."""
        deadline = self.monotonic() + seconds
        pause = _FIRST_PAUSE
        while True:
            job = self.store.get_job(job_id)
            left = deadline - self.monotonic()
            if job is None or job.status.is_terminal or left <= 0:
                return job
            self.sleep(min(pause, left))
            pause = min(pause * 2, _MAX_PAUSE)

    def _run(self, end_user_id: str, res: Resource, operation: str, call: build.Call, key: str | None,
             wait: float) -> Reply:
        job, created = self.queue.enqueue(end_user_id, call.qbxml, source="rest", idempotency_key=key,
                                          call=f"{res.name}.{operation}")
        return self._settle(job, operation, 201 if operation == "create" and created else 200, wait)

    def _settle(self, job: Job, operation: str, status: int, wait: float) -> Reply:
        """The call's reply once its job finished within ``wait`` (``status`` if it succeeded), else 202."""
        done = self.wait_for(job.id, wait) or job
        if not done.status.is_terminal:
            return _accepted(done)
        return _answered(status, _answer(operation, done, self._text(done)), done)

    def _list(self, end_user_id: str, res: Resource, params: Mapping[str, str], wait: float) -> Reply:
        limit = page_limit(params.get("limit"), default=DEFAULT_LIMIT, most=MAX_PAGE_SIZE)
        token = params.get("cursor")
        filters = {k: v for k, v in params.items() if k not in build.RESERVED_PARAMS}
        call = build.list_call(res, filters, limit=limit)
        if not call.pages:
            if token:
                raise error("invalid_request", f"/{res.name} is answered in one page: it takes no cursor")
            return self._run(end_user_id, res, "one" if res.singleton else "list", call, None, wait)
        resume, qbxml, key = None, call.qbxml, None
        if token:
            previous = self._cursor_job(token, end_user_id, res)
            if filters and "".join(parse_job_qbxml(call.qbxml).elements) != previous.qbxml:
                raise error("invalid_request", "a cursor keeps the filters of its list: send the same ones, or none")
            resume, qbxml, key = previous.paging, previous.qbxml, f"cursor:{token}"
        job, _ = self.queue.enqueue(end_user_id, qbxml, source="rest", paging={"page_size": limit, "max_pages": 1},
                                    resume=resume, idempotency_key=key, fingerprint=key, call=f"{res.name}.list")
        return self._settle(job, "list", 200, wait)

    def _cursor_job(self, token: str, end_user_id: str, res: Resource) -> Job:
        job_id, pages = cursor_key(token)
        job = self.store.get_job(job_id)
        if job is None or job.end_user_id != end_user_id or job.call != f"{res.name}.list" or not job.paging:
            raise error("invalid_request", f"cursor is not one of /{res.name} of this end-user (or it expired)")
        cursor = Cursor.from_dict(job.paging)
        if job.status.value != "succeeded" or cursor.pages != pages or cursor.finished:
            raise error("invalid_request", "cursor names no further page: its list was read to the end, or its "
                                           "page was not delivered")
        return job


def served(name: str, shape: str, method: str) -> Resource:
    """The resource ``name`` when ``method`` serves one of its operations on the path ``shape``; else 404
    ``route_not_found`` (no such resource, or ``/reports`` without its kind) or 405 ``method_not_allowed``
    whose ``allow`` is exactly the methods that do serve one there (none, for ``/customers/{id}/void``)."""
    res = _resource(name)
    if shape == "collection" and res.operations() == ("report",):
        raise error("route_not_found", "name the report: /reports/{kind}")
    allowed = res.methods(shape)
    if method not in allowed:
        raise error("method_not_allowed", f"{method} is not an operation of /{res.name}{_SHAPE_PATHS[shape]}; "
                                          f"it takes {', '.join(allowed) or 'no method'}", allow=allowed)
    return res


def method_refused(route: str, params: Mapping[str, str], method: str) -> GatewayError | None:
    """The error for ``method`` on typed ``route`` (a template of :data:`ROUTE_SHAPES`, with its path
    ``params``) when Chalice refused it because the route lacks it; None for any other route."""
    shape = ROUTE_SHAPES.get(route)
    if shape is None:
        return None
    if resource(params.get("resource", "")) is None:  # the path's own text is not repeated (edge.py)
        return error("route_not_found", "no resource of this name; the resources are in /v1/openapi.json")
    try:
        served(params.get("resource", ""), shape, method)
    except GatewayError as exc:
        return exc
    return None


def _resource(name: str) -> Resource:
    found = resource(name)
    if found is None:
        raise error("route_not_found", f"no resource {name!r}; the resources are in /v1/openapi.json")
    return found


def _object(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise error("invalid_request", "the body must be a JSON object")
    return body


def _answer(operation: str, job: Job, text: str | None) -> dict[str, Any]:
    """The finished job's answer, or its error naming the job (the envelope's ``job_id``, a ``Job-Id`` header)."""
    try:
        limit = build.one_page_limit(job.qbxml) if operation == "list" and not job.paging else None
        return answer_of(operation, job.status.value, job.error, text, job.id, paging=job.paging, limit=limit)
    except GatewayError as exc:
        exc.job_id = job.id
        raise


def _answered(status: int, body: dict[str, Any], job: Job) -> Reply:
    """A finished call's reply, unless its JSON is more than a Lambda function may answer."""
    size = len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
    if size > MAX_REPLY_BYTES:
        raise error("result_too_large", f"the JSON answer of job {job.id} is {size} bytes, above the "
                                        f"{MAX_REPLY_BYTES} a call can answer: ask for a lower limit, or fewer records")
    return Reply(status, body, {"Job-Id": job.id})


def _accepted(job: Job) -> Reply:
    location = f"/v1/jobs/{job.id}"
    return Reply(202, {"id": job.id, "end_user_id": job.end_user_id, "status": job.status.value,
                       "enqueued_at": iso(job.enqueued_at), "location": location},
                 {"Location": location, "Retry-After": "5", "Job-Id": job.id})
