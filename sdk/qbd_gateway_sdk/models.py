"""Typed request and response bodies of the qbd-gateway REST API and of its SQS result messages.

They mirror the gateway's own models (``chalicelib/api/bodies.py``); a test in the gateway's
repository compares the two so that they cannot drift. Responses accept unknown fields, so a gateway
that adds a field does not break an older SDK.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EndUserStatus = Literal["awaiting_setup", "connected", "degraded", "offline"]
JobStatusName = Literal["queued", "in_flight", "succeeded", "failed", "expired", "cancelled", "in_doubt"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "expired", "cancelled"})


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class _NoContent(_Response):
    """The answer of a 204: nothing."""


# Requests -------------------------------------------------------------------------------------------------
class CreateEndUser(_Request):
    company_name: str = Field(min_length=1, max_length=200)
    source_id: str | None = Field(default=None, max_length=200)


class Paging(_Request):
    """Run one list query page by page; each page arrives as its own result message."""

    page_size: int = Field(default=500, ge=1, le=1000)
    max_pages: int | None = Field(default=None, ge=1)


class EnqueueJob(_Request):
    qbxml: str = Field(min_length=1)
    deadline_seconds: int | None = Field(default=None, ge=10, le=7 * 86400)
    fail_if_offline: bool = False
    paging: Paging | None = None
    render_json: bool | None = None  # True: the result message also carries the answer as JSON (response_json)


class CreateAuthSession(_Request):
    end_user_id: str = Field(min_length=1, max_length=100)
    link_expiry_minutes: int = Field(default=30, ge=15, le=10080)
    redirect_url: str | None = Field(default=None, min_length=1, max_length=2000)


class CreateWebhookEndpoint(_Request):
    url: str = Field(min_length=1, max_length=2048)
    end_user_id: str | None = Field(default=None, max_length=100)
    kinds: list[Literal["result", "change"]] = Field(default=["result", "change"], min_length=1)
    description: str = Field(default="", max_length=200)


class CreateFeedSubscription(_Request):
    object_types: list[str] = Field(min_length=1, max_length=100)
    interval_seconds: int = Field(default=3600, ge=300, le=7 * 86400)
    start: Literal["now", "full"] = "now"


class UpdateFeedSubscription(_Request):
    object_types: list[str] | None = Field(default=None, min_length=1, max_length=100)
    interval_seconds: int | None = Field(default=None, ge=300, le=7 * 86400)


# Responses ------------------------------------------------------------------------------------------------
class ErrorObject(_Response):
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
    error: ErrorObject


class EndUserCreated(_Response):
    id: str
    company_name: str
    source_id: str | None
    qbwc_username: str
    qbwc_password: str
    qwc_url: str
    created_at: str


class EndUserView(_Response):
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
    end_users: list[EndUserView]
    next_cursor: str | None


class JobAccepted(_Response):
    id: str
    end_user_id: str
    status: JobStatusName
    enqueued_at: str


class PagingProgress(_Response):
    page_size: int
    pages: int
    records: int
    remaining: int | None
    restarts: int


class JobView(_Response):
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

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


class HealthCheckOk(_Response):
    status: Literal["ok"]
    duration_ms: int
    company_name: str | None
    qbxml_version: str | None
    job_id: str


class AuthSessionCreated(_Response):
    id: str
    end_user_id: str
    auth_flow_url: str
    expires_at: str


class ResultMessage(_Response):
    """One message of the SQS results queue (schema version 1)."""

    schema_version: int
    job_id: str
    end_user_id: str
    status: JobStatusName
    response_qbxml: str | None
    response_s3_uri: str | None = None
    error: ErrorObject | None
    enqueued_at: str | None
    completed_at: str | None
    page: int | None = None  # a paged query's page (1-based); the fields below come with it
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


class WebhookEndpointView(_Response):
    """A webhook endpoint; ``secret`` only in the answer of its creation and of a rotation."""

    id: str
    url: str
    end_user_id: str | None
    kinds: list[str]
    description: str
    created_at: str
    previous_secret_expires_at: str | None = None
    secret: str | None = None


class WebhookDeliveryView(_Response):
    """One message for one endpoint, and what its attempts came to."""

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


class WebhookEndpointList(_Response):
    endpoints: list[WebhookEndpointView]


class WebhookDeliveryList(_Response):
    deliveries: list[WebhookDeliveryView]
    next_before: str | None = None


class FeedSubscriptionView(_Response):
    """A change-feed subscription: what it follows, how often, and where each type stands (``watermarks``:
    the newest TimeModified a finished catch-up saw per type, ``deleted:list``/``deleted:txn`` for the deletions)."""

    id: str
    end_user_id: str
    object_types: list[str]
    interval_seconds: int
    start: str
    created_at: str
    next_run_at: str
    catch_ups: int
    jobs: list[str]  # the jobs of the last catch-up started
    last_run_at: str | None
    last_error: dict[str, Any] | None
    watermarks: dict[str, str | None]


class FeedSubscriptionList(_Response):
    subscriptions: list[FeedSubscriptionView]


class FeedTypeView(_Response):
    """One type of record a feed subscription can follow (``object_types``): its ``name``, the qbXML object
    (``Customer``…), its ``family`` (``list`` or ``txn``: which deletions it watches) and its query."""

    name: str
    object: str
    family: Literal["list", "txn"]
    query: str


class FeedTypeList(_Response):
    feed_types: list[FeedTypeView]


class ChangeEvent(_Response):
    """One change found by a catch-up (``type`` ``change`` on the results queue, and to webhooks); its
    ``event_id`` is the same for the same end-user, type, object and revision: de-duplicate by it."""

    schema_version: Literal[1]
    type: Literal["change"]
    event_id: str
    end_user_id: str
    subscription_id: str
    object_type: str
    id: str
    change: Literal["added", "modified", "deleted"]
    revision_number: str | None
    modified_at: str
    object: dict[str, Any] | None = None
