"""Typed, frozen REST bodies (pydantic): requests (unknown fields refused, not ignored) and responses."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.errors import error


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CreateEndUser(_Body):
    company_name: str = Field(min_length=1, max_length=200)
    source_id: str | None = Field(default=None, max_length=200)


class CreateWebhookEndpoint(_Body):
    """Where to POST results and change events: https, a public host (checked at once and at each delivery)."""

    url: str = Field(min_length=1, max_length=2048)
    end_user_id: str | None = Field(default=None, max_length=100, description="only this end-user's messages "
                                    "(default: every end-user of the deployment)")
    kinds: list[Literal["result", "change"]] = Field(default=["result", "change"], min_length=1)
    description: str = Field(default="", max_length=200)


class WebhookEndpointView(BaseModel):
    id: str
    url: str
    end_user_id: str | None
    kinds: list[str]
    description: str
    created_at: str
    previous_secret_expires_at: str | None = None
    secret: str | None = Field(default=None, description="the signing secret: in the answer of creation and "
                               "rotation only")


class WebhookDeliveryView(BaseModel):
    id: str
    endpoint_id: str
    message_key: str
    kind: str
    end_user_id: str
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    created_at: str
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: float | None
    delivered_at: str | None


class WebhookEndpointList(BaseModel):
    endpoints: list[WebhookEndpointView]


class WebhookDeliveryList(BaseModel):
    deliveries: list[WebhookDeliveryView]
    next_before: str | None = Field(default=None, description="pass as ?before= for the next (older) page")


class CreateFeedSubscription(_Body):
    """A change feed for one end-user: which object types, how often, and from when."""

    object_types: list[str] = Field(min_length=1, max_length=100, description="resource names, as GET "
                                    "/v1/feed-types lists them (customers, invoices, items …)")
    interval_seconds: int = Field(default=3600, ge=300, le=7 * 86400)
    start: Literal["now", "full"] = Field(default="now", description="now: changes from now on; full: every "
                                          "record first, as added")


class UpdateFeedSubscription(_Body):
    object_types: list[str] | None = Field(default=None, min_length=1, max_length=100)
    interval_seconds: int | None = Field(default=None, ge=300, le=7 * 86400)


class FeedSubscriptionView(BaseModel):
    id: str
    end_user_id: str
    object_types: list[str]
    interval_seconds: int
    start: str
    created_at: str
    next_run_at: str
    catch_ups: int
    jobs: list[str] = Field(description="the jobs of the last catch-up started (GET /v1/jobs/{id})")
    last_run_at: str | None
    last_error: dict[str, Any] | None
    watermarks: dict[str, str | None]


class FeedSubscriptionList(BaseModel):
    subscriptions: list[FeedSubscriptionView]


class FeedTypeView(BaseModel):
    name: str
    object: str
    family: Literal["list", "txn"]
    query: str


class FeedTypeList(BaseModel):
    feed_types: list[FeedTypeView]


class ChangeEvent(BaseModel):
    """One change found by a catch-up, on the results queue (``type: change``) and to webhooks."""

    schema_version: Literal[1]
    type: Literal["change"]
    event_id: str = Field(description="the same for the same end-user, type, object and revision")
    end_user_id: str
    subscription_id: str
    object_type: str
    id: str
    change: Literal["added", "modified", "deleted"]
    revision_number: str | None = Field(description="QuickBooks' EditSequence; null for a deletion")
    modified_at: str = Field(description="TimeModified (TimeDeleted for a deletion), as QuickBooks wrote it")
    object: dict[str, Any] | None = Field(default=None, description="the record as typed JSON; absent for a deletion")


class Paging(_Body):
    """Run one list query page by page (qbXML iterators); each page is its own result message."""

    page_size: int = Field(default=500, ge=1, le=1000)
    max_pages: int | None = Field(default=None, ge=1, description="end the job after this many pages (default: "
                                  "every page); its last result says has_more")


class EnqueueJob(_Body):
    qbxml: str = Field(min_length=1)
    deadline_seconds: int | None = Field(default=None, ge=10, le=7 * 86400)
    fail_if_offline: bool = False
    paging: Paging | None = None
    render_json: bool = False  # the result message also carries the answer as JSON (response_json)


class IngressMessage(_Body):
    """A job sent through the SQS ingress queue: raw ``qbxml``, or a typed ``request`` as ``POST …/requests``
    takes it (``{"type": "CustomerAdd", "customer_add": {…}}``; its result carries ``response_json``)."""

    end_user_id: str = Field(min_length=1, max_length=100)
    qbxml: str | None = Field(default=None, min_length=1)
    request: dict[str, Any] | None = None
    deadline_seconds: int | None = Field(default=None, ge=10, le=7 * 86400)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    fail_if_offline: bool = False
    paging: Paging | None = None
    render_json: bool = False

    @model_validator(mode="after")
    def _one_of_qbxml_or_request(self) -> IngressMessage:
        if (self.qbxml is None) == (self.request is None):
            raise ValueError("give either qbxml or a typed request")
        return self


IDEMPOTENCY_KEY_MAX = 200
_KEY_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F))
IDEMPOTENCY_KEY_PATTERN = "^[!-~]([ -~]*[!-~])?$"


def idempotency_key(value: str | None) -> str | None:
    """The ``Idempotency-Key`` header: absent, or 1 to 200 printable ASCII characters (else a 400)."""
    if value is None:
        return None
    if not 1 <= len(value) <= IDEMPOTENCY_KEY_MAX or not set(value) <= _KEY_CHARS or value != value.strip():
        raise error("invalid_request",
                    f"the Idempotency-Key header must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters "
                    "(letters, digits, punctuation, inner spaces)")
    return value

LINK_EXPIRY_MIN_MINUTES = 15  # an auth link's life: the bookkeeper needs a while, a leaked link must not last
LINK_EXPIRY_MAX_MINUTES = 7 * 24 * 60
LINK_EXPIRY_DEFAULT_MINUTES = 30


class CreateAuthSession(_Body):
    """``POST /v1/auth-sessions``: a link that walks a bookkeeper through connecting a company file."""

    end_user_id: str = Field(min_length=1, max_length=100)
    link_expiry_minutes: int = Field(default=LINK_EXPIRY_DEFAULT_MINUTES, ge=LINK_EXPIRY_MIN_MINUTES,
                                     le=LINK_EXPIRY_MAX_MINUTES)
    redirect_url: str | None = Field(default=None, min_length=1, max_length=2000)


# Responses --------------------------------------------------------------------------------------------------
# What the REST API answers. The OpenAPI document (chalicelib/api/openapi.py) is generated from these
# models and the Python SDK (sdk/qbd_gateway_sdk/models.py) mirrors them; a test keeps the two in step.
# Unknown fields are allowed in responses so that adding a field is not a breaking change.

EndUserStatus = Literal["awaiting_setup", "connected", "degraded", "offline"]
JobStatusName = Literal["queued", "in_flight", "succeeded", "failed", "expired", "cancelled", "in_doubt"]


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class ErrorObject(_Response):
    """An error: in the REST envelope, on a job, on an end-user (``last_error``) and in SQS results."""

    type: str
    code: str
    message: str
    user_facing_message: str
    http_status: int
    integration_code: str | None = None
    retryable: bool = False
    guide: str | None = None
    request_id: str | None = None
    job_id: str | None = None  # a typed call's job, when the error is what that job ended with


class ErrorEnvelope(_Response):
    """Every REST error: ``{"error": {...}}`` with the HTTP status of ``error.http_status``."""

    error: ErrorObject


class EndUserCreated(_Response):
    """``POST /v1/end-users``: 201, or 200 with the very same body for a replayed Idempotency-Key."""

    id: str
    company_name: str
    source_id: str | None
    qbwc_username: str
    qbwc_password: str = Field(description="The Web Connector password: shown only in this answer.")
    qwc_url: str
    created_at: str


class EndUserView(_Response):
    """``GET /v1/end-users/{id}``."""

    id: str
    company_name: str
    source_id: str | None
    qbwc_username: str
    status: EndUserStatus
    company_file: str | None
    qbxml_version: str | None
    supported_qbxml_versions: list[str]
    quickbooks_country: str | None
    quickbooks_product: str | None
    quickbooks_company_name: str | None
    last_heartbeat_at: str | None
    last_successful_sync_at: str | None
    last_error: ErrorObject | None
    login_failures: int
    locked_until: str | None
    poll_seconds: int
    qwc_url: str
    created_at: str


class EndUserList(_Response):
    """``GET /v1/end-users``: a page of end-users in the order they were created; ``next_cursor`` (pass it as
    ``?cursor=``) is null on the last page."""

    end_users: list[EndUserView]
    next_cursor: str | None


class JobAccepted(_Response):
    """``POST /v1/end-users/{id}/jobs``: 202, or 200 with the same job for a replayed Idempotency-Key."""

    id: str
    end_user_id: str
    status: JobStatusName
    enqueued_at: str


class PagingProgress(_Response):
    """Where a paged query stands: pages and records delivered so far, QuickBooks' remaining count,
    and how often the query restarted after a lost session."""

    page_size: int
    pages: int
    records: int
    remaining: int | None
    restarts: int


class JobView(_Response):
    """``GET /v1/jobs/{id}``."""

    id: str
    end_user_id: str
    status: JobStatusName
    request_names: list[str]
    response_qbxml: str | None
    response_s3_uri: str | None = None
    error: ErrorObject | None
    enqueued_at: str
    started_at: str | None
    completed_at: str | None
    deadline_at: str | None
    attempts: int
    paging: PagingProgress | None = None
    warnings: list[ErrorObject] | None = None
    # The answer as JSON (GET /v1/jobs/{id} always; a result message when asked: render_json, typed calls)
    response_json: list[dict[str, Any]] | None = None
    result: dict[str, Any] | None = None  # a typed call's answer, as the call answers it
    result_error: ErrorObject | None = None
    response_json_error: ErrorObject | None = None
    response_json_omitted: str | None = None


class HealthCheckOk(_Response):
    """``POST /v1/end-users/{id}/health-check``: QuickBooks answered a CompanyQuery."""

    status: Literal["ok"]
    duration_ms: int
    company_name: str | None
    qbxml_version: str | None
    job_id: str


class Liveness(_Response):
    """``GET /health``."""

    status: Literal["ok"]
    version: str


class AuthSessionCreated(_Response):
    """``POST /v1/auth-sessions``: the link to send the bookkeeper."""

    id: str
    end_user_id: str
    auth_flow_url: str
    expires_at: str


class ResultMessage(_Response):
    """A message on the SQS results queue (schema version 1); deduplicate by ``job_id`` (a paged
    query's pages before its last: by ``cursor``). The page fields are present on paged queries only."""

    schema_version: int
    job_id: str
    end_user_id: str
    status: JobStatusName
    response_qbxml: str | None
    response_s3_uri: str | None = None
    error: ErrorObject | None
    enqueued_at: str | None
    completed_at: str | None
    page: int | None = None
    records: int | None = None
    remaining: int | None = None
    last: bool | None = None
    resumed: bool | None = None
    cursor: str | None = None
    has_more: bool | None = None  # with paging.max_pages: the query has pages left after the job's last
    warnings: list[ErrorObject] | None = None
    # The answer as JSON (GET /v1/jobs/{id} always; a result message when asked: render_json, typed calls)
    response_json: list[dict[str, Any]] | None = None
    result: dict[str, Any] | None = None  # a typed call's answer, as the call answers it
    result_error: ErrorObject | None = None
    response_json_error: ErrorObject | None = None
    response_json_omitted: str | None = None
