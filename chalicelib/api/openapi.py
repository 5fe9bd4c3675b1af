"""The OpenAPI 3.1 document of the REST API, generated from the pydantic bodies and the route table.

``GET /v1/openapi.json`` serves :func:`openapi_document`; like every ``/v1`` route it needs the API key.
Request and response schemas come from :mod:`chalicelib.api.bodies` (``model_json_schema``);
the paths and methods come from the Chalice app's route table, so a route cannot exist without
being described: :data:`OPERATIONS` describes each known route, and a ``/v1`` route it does not know
yet is still listed, with the error envelope as its only documented body. Every error response is the
one envelope (``ErrorEnvelope``), and every operation except ``/health`` needs
``Authorization: Bearer <api key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from chalicelib.api import bodies
from chalicelib.api.bodies import IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
DOCUMENTED_PREFIXES = ("/v1/", "/health")
_ERROR_TEXT = {
    400: "The request is invalid (JSON, body fields, qbXML, header); nothing was stored.",
    401: "The API key is missing, wrong or revoked.",
    404: "No such end-user, job or link.",
    409: "Conflict (e.g. the Idempotency-Key was used with another body).",
    410: "The link has expired.",
    413: "The request body is too large.",
    422: "QuickBooks could not run the request.",
    500: "The gateway failed (retryable).",
    502: "QuickBooks' answer could not be read.",
    503: "QuickBooks or the Web Connector is not reachable: see user_facing_message.",
    504: "QuickBooks did not answer in time.",
}
_AUTH_ERRORS = (401, 500)


@dataclass(frozen=True)
class Operation:
    """What the document says about one route: its bodies, statuses and headers."""

    summary: str
    responses: Mapping[int, type[BaseModel] | str]
    errors: tuple[int, ...] = ()
    request: type[BaseModel] | None = None
    idempotent: bool = False
    public: bool = False
    description: str = ""
    tags: tuple[str, ...] = field(default=("gateway",))


_IDEMPOTENCY = (
    "Send an `Idempotency-Key` header (1 to 200 printable ASCII characters) to make retries safe: for 24 h the "
    "same key with the same body returns the original result with status 200 and never creates a second "
    "resource, also under concurrent retries; the same key with a different body is a 409 "
    "`idempotency_key_reused`."
)

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/health"): Operation("Liveness", {200: bodies.Liveness}, public=True, tags=("meta",)),
    ("GET", "/v1/openapi.json"): Operation(
        "This OpenAPI document", {200: "object"}, tags=("meta",),
        description="The API's description; needs the API key like every /v1 route."),
    ("POST", "/v1/end-users"): Operation(
        "Create an end-user (one company file)", {201: bodies.EndUserCreated, 200: bodies.EndUserCreated},
        errors=(400, 409, 413), request=bodies.CreateEndUser, idempotent=True, tags=("end-users",),
        description="201 with the Web Connector password, shown only here. " + _IDEMPOTENCY
        + " A replay returns the original body, password included."),
    ("GET", "/v1/end-users"): Operation(
        "List end-users, oldest first (`?limit=1..100`, default 50; `&cursor=<next_cursor>` for the next page)",
        {200: bodies.EndUserList}, errors=(400,), tags=("end-users",)),
    ("GET", "/v1/end-users/{end_user_id}"): Operation(
        "Get an end-user and its connection status", {200: bodies.EndUserView}, errors=(404,),
        tags=("end-users",)),
    ("GET", "/v1/end-users/{end_user_id}/qwc"): Operation(
        "Download the end-user's .qwc file for the Web Connector", {200: "application/xml"}, errors=(404,),
        tags=("end-users",)),
    ("POST", "/v1/end-users/{end_user_id}/jobs"): Operation(
        "Enqueue a qbXML job", {202: bodies.JobAccepted, 200: bodies.JobAccepted},
        errors=(400, 404, 409, 413, 503), request=bodies.EnqueueJob, idempotent=True, tags=("jobs",),
        description="202 when accepted. " + _IDEMPOTENCY),
    ("POST", "/v1/end-users/{end_user_id}/health-check"): Operation(
        "Run a CompanyQuery round trip ahead of the queue", {200: bodies.HealthCheckOk},
        errors=(404, 409, 422, 502, 503, 504), tags=("end-users",)),
    ("GET", "/v1/jobs/{job_id}"): Operation("Get a job", {200: bodies.JobView}, errors=(404,), tags=("jobs",)),
    ("POST", "/v1/auth-sessions"): Operation(
        "Create an auth-flow link for a bookkeeper", {201: bodies.AuthSessionCreated}, errors=(400, 404),
        request=bodies.CreateAuthSession, tags=("end-users",)),
    ("POST", "/v1/webhook-endpoints"): Operation(
        "Create a webhook endpoint (the answer carries its signing secret, shown once)",
        {201: bodies.WebhookEndpointView}, errors=(400, 404, 409), request=bodies.CreateWebhookEndpoint,
        tags=("webhooks",), description="`url` must be https and resolve to public addresses only "
        "(`webhook_url_not_allowed`); 409 `webhooks_off` when the deployment has webhooks off."),
    ("GET", "/v1/webhook-endpoints"): Operation(
        "List webhook endpoints", {200: bodies.WebhookEndpointList}, errors=(409,), tags=("webhooks",)),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}"): Operation(
        "Get a webhook endpoint", {200: bodies.WebhookEndpointView}, errors=(404, 409), tags=("webhooks",)),
    ("DELETE", "/v1/webhook-endpoints/{endpoint_id}"): Operation(
        "Delete a webhook endpoint (its pending deliveries go nowhere)", {204: "Deleted."}, errors=(404, 409),
        tags=("webhooks",)),
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): Operation(
        "Rotate the signing secret: the new one signs at once, the old one too for 24 h",
        {200: bodies.WebhookEndpointView}, errors=(404, 409), tags=("webhooks",)),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries"): Operation(
        "The endpoint's delivery log, newest first (`?limit=1..100&before=<next_before>`)",
        {200: bodies.WebhookDeliveryList}, errors=(400, 404, 409), tags=("webhooks",)),
    ("POST", "/v1/webhook-deliveries/{delivery_id}/replay"): Operation(
        "Send a dead (or delivered) delivery again, with a new 24 h schedule", {200: bodies.WebhookDeliveryView},
        errors=(400, 404, 409), tags=("webhooks",)),
    ("GET", "/v1/feed-types"): Operation(
        "The object types a change feed can follow", {200: bodies.FeedTypeList}, tags=("feed",)),
    ("GET", "/v1/end-users/{end_user_id}/feed-subscriptions"): Operation(
        "List the end-user's change-feed subscriptions", {200: bodies.FeedSubscriptionList}, errors=(404,),
        tags=("feed",)),
    ("POST", "/v1/end-users/{end_user_id}/feed-subscriptions"): Operation(
        "Subscribe to what changes in QuickBooks", {201: bodies.FeedSubscriptionView}, errors=(400, 404),
        request=bodies.CreateFeedSubscription, tags=("feed",),
        description="A catch-up runs every `interval_seconds` (300 to 604,800; default 3,600) as background "
        "jobs of the company file's queue; each change is one `ChangeEvent` on the results queue (and to "
        "webhooks of kind `change`). See docs/feed.md."),
    ("GET", "/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}"): Operation(
        "Get a change-feed subscription and where each type stands", {200: bodies.FeedSubscriptionView},
        errors=(404,), tags=("feed",)),
    ("POST", "/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}"): Operation(
        "Change the types or the interval of a subscription", {200: bodies.FeedSubscriptionView},
        errors=(400, 404), request=bodies.UpdateFeedSubscription, tags=("feed",)),
    ("DELETE", "/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}"): Operation(
        "Delete a subscription (catch-ups under way end unheard)", {204: "Deleted."}, errors=(404,),
        tags=("feed",)),
}

SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    bodies.CreateEndUser, bodies.EnqueueJob, bodies.CreateAuthSession, bodies.ErrorObject, bodies.ErrorEnvelope,
    bodies.EndUserCreated, bodies.EndUserView, bodies.EndUserList, bodies.JobAccepted, bodies.JobView,
    bodies.HealthCheckOk, bodies.Liveness, bodies.AuthSessionCreated, bodies.ResultMessage,
    bodies.CreateWebhookEndpoint, bodies.WebhookEndpointView, bodies.WebhookEndpointList, bodies.WebhookDeliveryView,
    bodies.WebhookDeliveryList,
    bodies.CreateFeedSubscription, bodies.UpdateFeedSubscription, bodies.FeedSubscriptionView,
    bodies.FeedSubscriptionList, bodies.FeedTypeList, bodies.ChangeEvent,
)
"""Every model in ``components.schemas`` (``ResultMessage`` is the SQS result and ``ChangeEvent`` a change
event, listed for reference)."""


def component_schemas() -> dict[str, Any]:
    """``components.schemas``: each model's JSON schema, nested models referenced by name."""
    schemas: dict[str, Any] = {}
    for model in SCHEMA_MODELS:
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": dict(schema)}}}


def _success(body: type[BaseModel] | str) -> dict[str, Any]:
    if isinstance(body, str) and body == "object":
        return {"description": "OK", **_json({"type": "object"})}
    if isinstance(body, str):
        return {"description": "OK", "content": {body: {"schema": {"type": "string"}}}}
    text = (body.__doc__ or "OK").strip().splitlines()[0]
    return {"description": text, **_json(_ref(body))}


def _operation(method: str, path: str, op: Operation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": f"{method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
                       .replace("-", "_").replace(".", "_"),
        "summary": op.summary,
        "tags": list(op.tags),
    }
    if op.description:
        out["description"] = op.description
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _path_params(path)
    ]
    if op.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Makes retries safe (24 h window).",
                       "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX,
                                  "pattern": IDEMPOTENCY_KEY_PATTERN}})
    if params:
        out["parameters"] = params
    if op.request is not None:
        out["requestBody"] = {"required": True, **_json(_ref(op.request))}
    responses = {str(status): _success(body) for status, body in op.responses.items()}
    errors = (*op.errors, 500) if op.public else (*op.errors, *_AUTH_ERRORS)
    for status in sorted(set(errors)):
        responses[str(status)] = {"description": _ERROR_TEXT.get(status, "Error"), **_json(_ref(bodies.ErrorEnvelope))}
    out["responses"] = responses
    out["security"] = [] if op.public else [{"bearerAuth": []}]
    return out


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def documented_routes(routes: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The (method, path) pairs of the route table that the document covers: ``/v1/...`` and ``/health``."""
    return sorted((method.upper(), path) for path, methods in routes.items()
                  if path.startswith(DOCUMENTED_PREFIXES) for method in methods)


def openapi_document(routes: Mapping[str, Mapping[str, Any]], *, version: str = "1",
                     server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the routes of ``app.app.routes`` (path → method → entry)."""
    from chalicelib.api.openapi_resources import GENERIC_ROUTES, resource_document  # loads every model

    typed_paths, typed_schemas = resource_document()
    paths: dict[str, dict[str, Any]] = {}
    for method, path in documented_routes(routes):
        if path in GENERIC_ROUTES or path in typed_paths:
            continue  # the typed resources, listed one by one below
        op = OPERATIONS.get((method, path)) or Operation(
            f"{method} {path}", {200: "object"}, errors=(400, 404), description="Not described in detail yet.")
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, op)
    paths.update(typed_paths)
    doc: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "qbd-gateway REST API",
            "version": version,
            "description": "Jobs in for QuickBooks Desktop through the Web Connector; results on SQS. Typed "
                           "resources (customers, invoices, …) answer JSON from QuickBooks within the call, or "
                           "202 with the job. Every error is `{\"error\": {...}}` (ErrorEnvelope).",
        },
        "paths": paths,
        "components": {
            "schemas": {**typed_schemas, **component_schemas()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Authorization: Bearer <api key>"}},
        },
        "security": [{"bearerAuth": []}],
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
