"""The REST edge: JSON in, JSON out, and the one place where errors become the error envelope.

Every route handler in ``app.py`` is wrapped by :func:`endpoint`: a :class:`GatewayError` becomes
``{"error": {type, code, message, user_facing_message, http_status, integration_code, request_id}}``
with its HTTP status; anything unexpected is logged with its stack trace and answered as
``internal_error`` (500, same envelope) — never a bare 500 or a trace in the body.

:func:`observe_request` (HTTP middleware, registered in ``app.py``) binds the API Gateway request id
and the route's ``end_user_id`` / ``job_id`` as correlation keys, and logs one ``request`` line per
request: ``http_method``, ``route`` (the resource template, not the path), ``status``, ``duration_ms``
(the Web Connector's ``POST /qbwc`` at DEBUG: the SOAP edge logs its own line per call).
"""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Response

from chalicelib.config import Settings
from chalicelib.errors import GatewayError, error
from chalicelib.observability import bind, correlation

if TYPE_CHECKING:  # pydantic loads with the first body parsed, not on the Web Connector's cold start
    from pydantic import BaseModel

log = logging.getLogger(__name__)
M = TypeVar("M", bound="BaseModel")
JSON_HEADERS = {"Content-Type": "application/json"}


def request_id(request: Any) -> str:
    context = getattr(request, "context", None) or {}
    return str(context.get("requestId") or uuid.uuid4())


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers={**JSON_HEADERS, **(headers or {})})


def error_response(err: GatewayError, req_id: str, headers: dict[str, str] | None = None) -> Response:
    job = {"Job-Id": err.job_id} if err.job_id else {}
    allow = {"Allow": ", ".join(err.allow)} if err.allow is not None else {}
    return json_response(err.http_status, {"error": err.to_dict(req_id)}, {**job, **allow, **(headers or {})})


def endpoint(func: Callable[..., Response], current_request: Callable[[], Any]) -> Callable[..., Response]:
    """Wrap a Chalice view so that every failure leaves as the JSON error envelope."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        req_id = correlation().get("request_id") or request_id(current_request())
        try:
            return func(*args, **kwargs)
        except GatewayError as exc:
            log.info("request refused", extra={"code": exc.code, "request_id": req_id})
            return error_response(exc, req_id)
        except Exception:
            log.exception("unhandled error in a REST handler", extra={"request_id": req_id})
            return error_response(error("internal_error", "unexpected server error"), req_id)

    return wrapper


def observe_request(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice HTTP middleware: correlation keys for the request, then one log line about it."""
    context = getattr(event, "context", None) or {}
    params = getattr(event, "uri_params", None) or {}
    req_id = str(context.get("requestId") or "") or str(uuid.uuid4())
    bind(request_id=req_id, end_user_id=params.get("end_user_id"), job_id=params.get("job_id"))
    route = str(context.get("resourcePath") or "")  # the template: a path may hold a capability token
    method = str(getattr(event, "method", ""))
    started = time.perf_counter()
    status = 500
    try:
        response = get_response(event)
        status = response.status_code
        return response
    finally:
        level = logging.DEBUG if route == "/qbwc" and method == "POST" else logging.INFO
        log.log(level, "request", extra={"http_method": method, "route": route, "status": status,
                                         "duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def json_object(raw: bytes | None) -> dict[str, Any]:
    """The JSON body, an object, or a 400 ``invalid_json``."""
    if not raw:
        raise error("invalid_json", "the request body is empty; send a JSON object")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise error("invalid_json", f"the request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise error("invalid_json", "the request body must be a JSON object")
    return data


def parse_body(model: type[M], raw: bytes | None) -> M:
    """The JSON body as ``model``, or a 400 naming every problem."""
    from pydantic import ValidationError

    data = json_object(raw)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise error("invalid_request", f"invalid request body: {problems}") from exc


def page_limit(raw: str | None, *, default: int, most: int) -> int:
    """A list route's ``?limit=``: ``default`` when absent, else a whole number from 1 to ``most``."""
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise error("invalid_request", f"limit is a whole number from 1 to {most}")
    return int(raw)


def base_url(request: Any, settings: Settings) -> str:
    """The public URL of this gateway: configured, else derived from the request (API Gateway stage)."""
    if settings.public_base_url:
        return settings.public_base_url
    headers = request.headers or {}
    host = headers.get("host", "localhost")
    proto = headers.get("x-forwarded-proto", "http" if host.startswith(("localhost", "127.")) else "https")
    stage = (request.context or {}).get("stage", "")
    prefix = f"/{stage}" if stage and ".execute-api." in host else ""
    return f"{proto}://{host}{prefix}"
