"""The errors answered before any handler runs, in the same envelope as every other error.

Three layers answer a request before (or instead of) a route handler, each in a style of its own:

* **Chalice** refuses a method the route lacks (405 ``{"Code": "MethodNotAllowedError"}``) and a
  body whose ``Content-Type`` the route does not list (415 ``{"Code": "UnsupportedMediaType"}``);
* the **local server** (``chalice.local``, what ``make run`` serves) refuses a path no route has with
  API Gateway's 403, and repeats the caller's whole ``Authorization`` header in it;
* **API Gateway**, deployed, answers with its *gateway responses*: a missing route
  (``MISSING_AUTHENTICATION_TOKEN``, 403, also for a method the route lacks), throttling, a body
  above 10 MB, its 29 s integration timeout, any 5xx of its own.

Each becomes the envelope of :mod:`chalicelib.api.http` with a catalog code: :func:`uniform_errors`
(HTTP middleware) rewrites Chalice's, :func:`route_not_found_body` is what the local server sends,
and :func:`gateway_responses` gives the gateway responses that ``make package`` puts in the REST
API's definition (:mod:`infra.package`), with ``$context.requestId`` as the request id. The
messages are fixed texts: none repeats a header, a path or a body of the request. A method a typed
resource's generic route lacks (``PUT …/customers/{id}``) is refused as that resource's own 405
(:func:`chalicelib.api.typed.method_refused`): its ``Allow`` names what the resource takes on the path,
as the handlers' 405s do, not every method of the generic route.

JSON routes list :data:`JSON_BODY_TYPES`: a JSON body is read whatever it is labelled as by a
command-line client (``curl -d`` sends ``application/x-www-form-urlencoded``, others ``text/plain``),
or without a label (Chalice then assumes ``application/json``); the SOAP route lists :data:`SOAP_TYPES`.
A 415's message names exactly the types of its route's list, so a caller learns what to send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.api.http import error_response
from chalicelib.errors import GatewayError, error
from chalicelib.observability import correlation

JSON_BODY_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]
# The SOAP route reads its body as an envelope whatever it is labelled, as the Web Connector's Function URL
# does: QBWC sends text/xml, but curl -d labels a body a form, other tools JSON or bytes, and Chalice takes
# a body with no label for JSON. What is no envelope gets a SOAP fault that says so.
SOAP_TYPES = ["text/xml", "application/xml", "application/soap+xml", "text/plain", "application/json",
              "application/x-www-form-urlencoded", "application/octet-stream"]


def _reads(body: str, types: list[str]) -> str:
    """The 415 message of a route that reads ``body`` labelled as one of ``types`` (or not labelled)."""
    return f"this route reads {body}: send it as {', '.join(types[:-1])} or {types[-1]}, or without a Content-Type"


# A 415 of a route whose body is no JSON (by route template): what that route reads.
MEDIA_MESSAGES = {"/qbwc": _reads("a SOAP envelope", SOAP_TYPES)}

MESSAGES = {
    "route_not_found": "no route of this API matches the method and path; the routes are in /v1/openapi.json",
    "method_not_allowed": "this route does not take this HTTP method; the Allow header lists those it takes",
    "unsupported_media_type": _reads("a JSON body", JSON_BODY_TYPES),
    "rate_limited": "too many requests: API Gateway throttled this one; retry with exponential backoff",
    "payload_too_large": "the request is larger than API Gateway accepts (10 MB)",
    "gateway_timeout": "the gateway did not answer within API Gateway's 29 s",
    "internal_error": "unexpected server error",
}

# Chalice's own error responses → our codes.
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "invalid_request",
    "BadRequest": "invalid_request",
    "NotFoundError": "route_not_found",
    "InternalServerError": "internal_error",
}

# API Gateway response types → our codes (the status answered is the code's).
GATEWAY_RESPONSE_CODES = {
    "MISSING_AUTHENTICATION_TOKEN": "route_not_found",
    "UNSUPPORTED_MEDIA_TYPE": "unsupported_media_type",
    "THROTTLED": "rate_limited",
    "QUOTA_EXCEEDED": "rate_limited",
    "REQUEST_TOO_LARGE": "payload_too_large",
    "INTEGRATION_TIMEOUT": "gateway_timeout",
    "DEFAULT_5XX": "internal_error",
}


def envelope(code: str, request_id: str, message: str | None = None) -> dict[str, Any]:
    """The error envelope for catalog ``code`` with its fixed message."""
    return {"error": error(code, message or MESSAGES[code]).to_dict(request_id)}


def uniform_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice HTTP middleware: Chalice's own error answers (a dict body with ``Code``) in our envelope."""
    response = get_response(event)
    body = response.body
    if not (isinstance(body, dict) and "Code" in body and response.status_code >= 400):
        return response
    code = _CHALICE_CODES.get(str(body["Code"]), "internal_error" if response.status_code >= 500
                              else "invalid_request")
    context = getattr(event, "context", None) or {}
    req_id = str(correlation().get("request_id") or context.get("requestId") or "")
    if code == "method_not_allowed":
        typed = _typed_refusal(event, context)
        if typed is not None:
            return error_response(typed, req_id)
    message = MESSAGES.get(code, "the request was refused before it reached a route")
    if code == "unsupported_media_type":
        message = MEDIA_MESSAGES.get(str(context.get("resourcePath") or ""), message)
    allow = {k: v if isinstance(v, str) else ", ".join(v)
             for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    return error_response(error(code, message), req_id, allow)


def _typed_refusal(event: Any, context: Any) -> GatewayError | None:
    """A method a typed route lacks (``PUT …/customers/{id}``), refused as the resource's own: its ``Allow``
    names what the resource takes on that path, not every method of the generic route."""
    from chalicelib.api.typed import method_refused  # the typed models load (~0.1 s) on a 405 only

    params = getattr(event, "uri_params", None) or {}
    return method_refused(str(context.get("resourcePath") or ""), params, str(getattr(event, "method", "")))


def route_not_found_body(request_id: str) -> bytes:
    """What the local server answers for a path no route has (deployed: the gateway response)."""
    return json.dumps(envelope("route_not_found", request_id)).encode()


def gateway_responses() -> dict[str, dict[str, Any]]:
    """The REST API's gateway responses, as its OpenAPI definition holds them
    (``x-amazon-apigateway-gateway-responses``, deployed with the API): the envelope with API Gateway's
    request id, for each response type of :data:`GATEWAY_RESPONSE_CODES`."""
    return {
        response_type: {
            "statusCode": error(code, "").http_status,
            "responseParameters": {"gatewayresponse.header.Content-Type": "'application/json'"},
            "responseTemplates": {"application/json": json.dumps(envelope(code, "$context.requestId"))},
        }
        for response_type, code in GATEWAY_RESPONSE_CODES.items()
    }
