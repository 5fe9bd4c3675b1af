"""How a typed call runs — its waiting, long polls, retries and errors — once, for the sync and async clients.

A typed call (``GET …/customers``, ``POST …/invoices``, ``POST …/requests`` …) is a job of the gateway:
the call itself waits for QuickBooks up to ``?wait=N`` seconds (at most 25), then answers either the
result (200/201), an error envelope, or 202 with the job, whose ``GET /v1/jobs/{id}?wait=N`` long-polls
for the same result. A call here has one **total timeout** (``call_timeout``, 90 s unless told) that
covers all of it: the call's own wait and every long poll after a 202 each wait ``min(25, time left)``;
when it has passed and the job is not finished, :class:`~qbd_gateway_sdk.errors.JobTimeoutError` is
raised with the job's id (the job goes on; its result can be read later).

The logic is written once, without I/O, as a *plan*: a generator that yields what to do next — an
:class:`HttpRequest` to send, or a :class:`Pause` — and is sent back the :class:`HttpResponse` (or the
:class:`NetworkFailure`) of each request. :class:`qbd_gateway_sdk.Client` runs plans over ``requests``
and ``time.sleep``; :class:`qbd_gateway_sdk.AsyncClient` over ``httpx`` and ``asyncio.sleep``. Time is
read from the policy's ``clock`` (``time.monotonic``), so tests run plans on a fake clock.

**Retries** (``retries`` attempts after the first, back-off ``backoff * 2**n`` seconds, never past the
total timeout) are for network errors, 429 and the gateway's own 5xx (``internal_error``, or a 5xx
without the envelope, as a proxy answers), and only for calls that are safe to repeat: reads (list,
retrieve, reports, long polls) always; create, update, delete, void and ``requests`` **only with an
``idempotency_key``** — the gateway then answers a repeat with the first call's job. Without a key a
write is sent once. A failed job (a connection problem, QuickBooks' refusal) is its answer, not a
transport error: it is raised, never retried.

The calls that are not jobs (webhook endpoints, feed subscriptions, feed types) are :func:`rest_call`
plans: one request without a ``wait``, retried by the same rules when the caller says it is ``safe``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from qbd_gateway_sdk.errors import JobTimeoutError, NotFoundError, QbdGatewayError
from qbd_gateway_sdk.models import JobView

MAX_WAIT = 25.0
"""The longest a call or a long poll waits on the gateway (it answers 400 beyond)."""
DEFAULT_CALL_TIMEOUT = 90.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
FINISHED = frozenset({"succeeded", "failed", "expired", "cancelled"})
# A retrieve, delete or void whose job failed with one of these has no such record (as the gateway maps it
# in the call's answer and in the job view's ``result_error``; kept here for a view without that field).
NOT_FOUND_CODES = frozenset({"referenced_record_not_found", "records_partly_not_found", "invalid_object_id"})
_QUICK_POLL = 0.5  # a long poll that came back early (a proxy cut it) is followed by this pause

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class HttpRequest:
    """One request to send: ``path`` under the base URL, query ``params``, a JSON body, headers, and how
    long the HTTP client may wait for the answer (``timeout``, seconds: more than the call's ``wait``)."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0


@dataclass(frozen=True)
class HttpResponse:
    """What came back: the status, the headers (names lower-cased), the body (JSON, else its text)."""

    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True)
class NetworkFailure:
    """The request did not get an answer (connection refused, reset, timed out…)."""

    error: Exception


@dataclass(frozen=True)
class Pause:
    """Sleep ``seconds`` before the next step."""

    seconds: float


Step = HttpRequest | Pause
Outcome = HttpResponse | NetworkFailure | None
Plan = Generator[Step, Outcome, T]


@dataclass(frozen=True)
class CallPolicy:
    """How the calls of one client behave: ``call_timeout`` (total, per call), ``http_timeout`` (the floor of
    each HTTP request's own timeout), ``retries`` and ``backoff``, and the ``clock`` that measures it all."""

    call_timeout: float = DEFAULT_CALL_TIMEOUT
    http_timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Answer:
    """A finished call: its JSON ``body`` (the call's answer, or a finished job's ``result``), the HTTP status
    it came with (201 for a create), and its ``job_id``."""

    body: Any
    status: int
    job_id: str | None


# Plans ---------------------------------------------------------------------------------------------------------
def job_result(view: Mapping[str, Any], job_id: str) -> Any:
    """What a typed call would have answered, from its succeeded job's view: ``result`` (or its error raised)."""
    if "result" in view:
        return view["result"]
    problem = view.get("result_error")
    if isinstance(problem, dict):
        raise QbdGatewayError.from_error_object(problem, job_id=job_id)
    raise QbdGatewayError("unexpected_response", f"job {job_id} succeeded without a result to read", job_id=job_id)


def typed_call(policy: CallPolicy, method: str, path: str, *, params: Sequence[tuple[str, str]] = (),
               body: Any = None, idempotency_key: str | None = None, safe: bool, timeout: float | None = None,
               not_found_codes: frozenset[str] = frozenset(),
               read: Callable[[Mapping[str, Any], str], Any] = job_result) -> Plan[Answer]:
    """One typed call to its answer: the call (waiting ``min(25, time left)``), then after a 202 the long
    polls of its job, all within ``timeout`` (else the policy's ``call_timeout``) seconds; ``read`` turns
    the succeeded job's view into the call's answer."""
    total = policy.call_timeout if timeout is None else max(0.0, timeout)
    deadline = policy.clock() + total
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}

    def request(wait: float) -> HttpRequest:
        return HttpRequest(method, path, (*params, ("wait", _seconds(wait))), body, headers,
                           max(policy.http_timeout, wait + 10.0))

    response = yield from _with_retries(policy, request, deadline, safe=safe)
    job_id = response.headers.get("job-id") or None
    if response.status == 202:
        accepted = response.body if isinstance(response.body, dict) else {}
        job_id = str(accepted.get("id") or job_id or "")
        if not job_id:
            raise QbdGatewayError("unexpected_response", f"{method} {path}: 202 without the job's id",
                                  http_status=202)
        return (yield from poll_job(policy, job_id, deadline, total, str(accepted.get("status") or "queued"),
                                    not_found_codes=not_found_codes, read=read))
    if response.status >= 400:
        raise _response_error(response, job_id)
    return Answer(response.body, response.status, job_id)


def rest_call(policy: CallPolicy, method: str, path: str, model: type[M], *,
              params: Sequence[tuple[str, str]] = (), body: BaseModel | None = None, safe: bool,
              idempotency_key: str | None = None, http_timeout: float | None = None) -> Plan[M]:
    """One call of the REST API that is not a typed call (end-users, raw jobs, webhook endpoints, feed
    subscriptions, feed types): sent without a ``wait``, with its ``Idempotency-Key`` when given, again only
    when ``safe`` (as for any call: network errors, 429, the gateway's own 5xx, never past the policy's
    ``call_timeout``); each request may take ``http_timeout`` (default: the policy's). Its answer is read as
    ``model`` (a 204 as an empty one), an error envelope raised as its typed error."""
    deadline = policy.clock() + policy.call_timeout
    payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
    sent = HttpRequest(method, path, tuple(params), payload, headers, http_timeout or policy.http_timeout)
    response = yield from _with_retries(policy, lambda _wait: sent, deadline, safe=safe)
    if response.status >= 400:
        raise _response_error(response, response.headers.get("job-id") or None)
    data = {} if response.status == 204 else response.body
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise QbdGatewayError("unexpected_response", f"HTTP {response.status} body is not a {model.__name__}: "
                              f"{exc}", http_status=response.status) from exc


def until_finished(policy: CallPolicy, job_id: str, timeout: float, poll_interval: float) -> Plan[JobView]:
    """``GET /v1/jobs/{job_id}`` every ``poll_interval`` seconds until the job is finished: the finished
    :class:`~qbd_gateway_sdk.models.JobView` (a failed job too: its ``error`` says why), or a
    :class:`JobTimeoutError` when ``timeout`` seconds pass first."""
    deadline = policy.clock() + timeout
    while True:
        job = yield from rest_call(policy, "GET", f"/v1/jobs/{segment(job_id)}", JobView, safe=True)
        if job.is_finished:
            return job
        left = deadline - policy.clock()
        if left <= 0:
            raise JobTimeoutError(job_id, job.status, timeout)
        yield Pause(min(poll_interval, left))


def poll_job(policy: CallPolicy, job_id: str, deadline: float, total: float, status: str = "queued", *,
             not_found_codes: frozenset[str] = frozenset(),
             read: Callable[[Mapping[str, Any], str], Any] = job_result) -> Plan[Answer]:
    """Long-poll ``GET /v1/jobs/{job_id}?wait=N`` until the job finishes or ``deadline`` (on the policy's
    clock) passes: its ``result`` (what ``read`` makes of the view), or its error raised (a
    :class:`JobTimeoutError` at the deadline)."""
    path = f"/v1/jobs/{segment(job_id)}"
    while True:
        left = deadline - policy.clock()
        if left <= 0:
            raise JobTimeoutError(job_id, status, total)
        wait = min(MAX_WAIT, left)
        started = policy.clock()
        response = yield from _with_retries(
            policy, lambda w: HttpRequest("GET", path, (("wait", _seconds(w)),), None, {},
                                          max(policy.http_timeout, w + 10.0)), deadline, safe=True)
        if response.status >= 400:
            raise _response_error(response, job_id)
        view = response.body if isinstance(response.body, dict) else {}
        status = str(view.get("status") or "")
        if status == "succeeded":
            return Answer(read(view, job_id), 200, job_id)
        if status in FINISHED:
            raise _job_error(view, job_id, not_found_codes)
        if not status:
            raise QbdGatewayError("unexpected_response", f"GET {path}: not a job view: {str(view)[:300]}",
                                  http_status=response.status, job_id=job_id)
        if policy.clock() - started < wait / 2 and deadline - policy.clock() > 0:
            yield Pause(min(_QUICK_POLL, deadline - policy.clock()))


def _with_retries(policy: CallPolicy, request: Callable[[float], HttpRequest], deadline: float, *,
                  safe: bool) -> Plan[HttpResponse]:
    """Send ``request(wait)`` (``wait``: ``min(25, time left)``), again when it is worth it and ``safe``,
    never past ``deadline``."""
    attempts = 1 + (max(0, policy.retries) if safe else 0)
    for attempt in range(attempts):
        sent = request(max(0.0, min(MAX_WAIT, deadline - policy.clock())))
        outcome = yield sent
        last = attempt == attempts - 1
        if isinstance(outcome, NetworkFailure):
            err = QbdGatewayError("network_error", f"{sent.method} {sent.path}: {outcome.error}", retryable=True)
            if last or not (yield from _pause(policy, attempt, deadline)):
                raise err from outcome.error
            continue
        if outcome is None:
            raise AssertionError("a plan's request was answered with nothing")
        worth = outcome.status in RETRY_STATUSES and not last and _transient(outcome)
        if worth and (yield from _pause(policy, attempt, deadline)):
            continue
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


def _pause(policy: CallPolicy, attempt: int, deadline: float) -> Generator[Step, Outcome, bool]:
    """Back off before another attempt; False when no time is left for one."""
    left = deadline - policy.clock()
    if left <= 0:
        return False
    yield Pause(min(policy.backoff * (2 ** attempt), left))
    return True


def _transient(response: HttpResponse) -> bool:
    """A 429/5xx worth another attempt: the gateway's own failure or a proxy's, not a job's answer."""
    err = response.body.get("error") if isinstance(response.body, dict) else None
    if not isinstance(err, dict):
        return True  # no envelope: a load balancer or API Gateway answered
    return response.status == 429 or err.get("type") == "internal_error"


def _response_error(response: HttpResponse, job_id: str | None) -> QbdGatewayError:
    return QbdGatewayError.from_envelope(response.body, response.status, job_id=job_id)


def _job_error(view: Mapping[str, Any], job_id: str, not_found_codes: frozenset[str]) -> QbdGatewayError:
    """The finished job's error as its call would have answered it: the gateway's ``result_error`` (an
    unknown id already ``object_not_found``), else ``error`` mapped the same way here."""
    mapped = view.get("result_error")
    if isinstance(mapped, dict):
        return QbdGatewayError.from_error_object(mapped, job_id=job_id)
    err = view.get("error")
    if not isinstance(err, dict):
        err = {"code": "internal_error", "message": f"the job ended {view.get('status')}"}
    if err.get("code") in not_found_codes:
        return NotFoundError("object_not_found", f"QuickBooks has no such object ({err.get('code')}: "
                             f"{err.get('message', '')})", str(err.get("user_facing_message") or ""),
                             http_status=404, integration_code=err.get("integration_code"),
                             request_id=err.get("request_id"), type="invalid_request_error", job_id=job_id)
    return QbdGatewayError.from_error_object(err, job_id=job_id)


# Values on the wire ----------------------------------------------------------------------------------------
def segment(value: str) -> str:
    """A path segment, percent-encoded (ids never contain '/', but a typo should not change the route)."""
    return quote(value, safe="")


def _seconds(value: float) -> str:
    text = f"{max(0.0, value):.3f}".rstrip("0").rstrip(".")
    return text or "0"


def query_value(value: Any) -> str:
    """A filter's value as the query string carries it: lists comma-separated, booleans ``true``/``false``,
    dates and date-times ISO 8601, amounts as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return query_value(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | int | Decimal):
        return str(value)
    if isinstance(value, Sequence):
        return ",".join(query_value(item) for item in value)
    return str(value)


def query_params(values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The set values of ``values`` (``None`` left out) as query parameters, in their order."""
    return tuple((name, query_value(value)) for name, value in values.items() if value is not None)


def json_value(value: Any) -> Any:
    """A body's value as JSON: a model as its JSON (unset fields and empty lists left out), Decimals and dates
    as strings."""
    if isinstance(value, BaseModel):
        return _without_empty_lists(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_value(value.value)
    return value


def _without_empty_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty_lists(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [_without_empty_lists(item) for item in value]
    return value
