"""The REST client: typed resources, typed calls, typed errors, and retries only where they are safe.

**Typed resources** (generated: :mod:`qbd_gateway_sdk.resources_generated`): ``client.customers``,
``client.invoices``, ``client.sales_receipts``… with the operations each resource has, answering the
typed models of :mod:`qbd_gateway_sdk.qbxml`::

    client = Client("https://gateway.example.com", api_key="...")
    for customer in client.customers.list(end_user_id=eu, name_contains="Acme", limit=100):  # every page
        customer.id, customer.balance                                                       # str, Decimal
    invoice = client.invoices.create(eu, customer={"full_name": "Acme"}, lines=[{"desc": "Work", "amount": "90"}],
                                     idempotency_key="inv-1042")
    client.reports.run(eu, "general-summary", type="ProfitAndLossStandard")
    client.request(eu, "CompanyQuery")                                    # any request message, typed

Each of these calls is a job of the gateway that waits for QuickBooks; one **total timeout** per call
(``call_timeout``, 90 s, or ``timeout=`` on the call) covers its own wait and the long polls after a 202,
then raises :class:`~qbd_gateway_sdk.errors.JobTimeoutError` with the job's id (see
:mod:`qbd_gateway_sdk.calls`). ``clock`` and ``sleep`` are ``time.monotonic`` and ``time.sleep`` unless
given (tests give fake ones).

Retry rules (``retries`` attempts after the first, exponential back-off from ``backoff`` seconds):

* reads (``get_end_user``, ``list_end_users``, ``get_job``, typed lists, retrieves, reports) are retried
  on network errors, 429 and retryable 5xx;
* ``create_end_user``, ``enqueue_job`` and the typed create, update, delete, void and ``request`` are
  retried the same way **only with an idempotency key**: the gateway then returns the original result to
  a retry, so nothing is created twice. Without a key they are sent once — the SDK never makes up a key
  behind your back;
* ``create_auth_session`` and ``health_check`` are never retried;
* of the webhook and change-feed calls, the reads, the deletes, ``replay_webhook_delivery`` and
  ``update_feed_subscription`` are retried; ``create_webhook_endpoint``, ``rotate_webhook_secret`` and
  ``create_feed_subscription`` never (a repeat would make a second endpoint, secret or subscription).

A job's answer may be too large to come inline (``response_qbxml`` is then ``None`` and
``response_s3_uri`` names an object in the gateway's payload bucket): :meth:`Client.job_response`
returns its text either way (see :mod:`qbd_gateway_sdk.responses`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError

from qbd_gateway_sdk.calls import (
    DEFAULT_CALL_TIMEOUT,
    CallPolicy,
    HttpRequest,
    HttpResponse,
    NetworkFailure,
    Outcome,
    Pause,
    Plan,
    rest_call,
    until_finished,
)
from qbd_gateway_sdk.errors import QbdGatewayError
from qbd_gateway_sdk.models import (
    AuthSessionCreated,
    CreateAuthSession,
    CreateEndUser,
    CreateFeedSubscription,
    CreateWebhookEndpoint,
    EndUserCreated,
    EndUserList,
    EndUserView,
    EnqueueJob,
    FeedSubscriptionList,
    FeedSubscriptionView,
    FeedTypeList,
    FeedTypeView,
    HealthCheckOk,
    JobAccepted,
    JobView,
    Paging,
    UpdateFeedSubscription,
    WebhookDeliveryList,
    WebhookDeliveryView,
    WebhookEndpointList,
    WebhookEndpointView,
    _NoContent,
)
from qbd_gateway_sdk.resources_generated import Resources
from qbd_gateway_sdk.responses import default_s3_client, fetch_response

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Client(Resources):
    """The synchronous client (over ``requests``). ``timeout`` is each HTTP request's own timeout (a long
    poll's is longer than its wait), ``call_timeout`` the total of one typed call (see the module docstring)."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0, retries: int = 2,
                 backoff: float = 0.5, session: requests.Session | None = None,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.http = session or requests.Session()
        self.call_timeout = call_timeout
        self.clock = clock
        self.sleep = sleep
        self._s3: Any = None  # made on first need by job_response without an s3_client

    # End-users ---------------------------------------------------------------------------------------
    def create_end_user(self, company_name: str, source_id: str | None = None, *,
                        idempotency_key: str | None = None) -> EndUserCreated:
        """Create an end-user; the answer holds the Web Connector password (shown only once).

        With ``idempotency_key`` a retry (by the SDK or by you, within 24 h) returns this same answer.
        """
        body = CreateEndUser(company_name=company_name, source_id=source_id)
        return self._call("POST", "/v1/end-users", EndUserCreated, body=body, idempotency_key=idempotency_key,
                          safe=idempotency_key is not None)

    def get_end_user(self, end_user_id: str) -> EndUserView:
        return self._call("GET", f"/v1/end-users/{_segment(end_user_id)}", EndUserView, safe=True)

    def list_end_users(self, *, limit: int = 50, cursor: str | None = None) -> EndUserList:
        """One page of end-users, oldest first (``limit`` 1 to 100); its ``next_cursor`` asks for the next
        page and is ``None`` on the last. :meth:`iter_end_users` walks every page."""
        params = (("limit", str(limit)),) + ((("cursor", cursor),) if cursor else ())
        return self._rest("GET", "/v1/end-users", EndUserList, params=params, safe=True)

    def iter_end_users(self, *, page_size: int = 100) -> Iterator[EndUserView]:
        """Every end-user, oldest first, a page of ``page_size`` at a time."""
        cursor: str | None = None
        while True:
            page = self.list_end_users(limit=page_size, cursor=cursor)
            yield from page.end_users
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def create_auth_session(self, end_user_id: str, *, link_expiry_minutes: int = 30,
                            redirect_url: str | None = None) -> AuthSessionCreated:
        """A link that walks the bookkeeper through connecting the company file."""
        body = CreateAuthSession(end_user_id=end_user_id, link_expiry_minutes=link_expiry_minutes,
                                 redirect_url=redirect_url)
        return self._call("POST", "/v1/auth-sessions", AuthSessionCreated, body=body, safe=False)

    def health_check(self, end_user_id: str) -> HealthCheckOk:
        """A CompanyQuery round trip through the Web Connector (up to ~25 s); raises on any failure."""
        return self._call("POST", f"/v1/end-users/{_segment(end_user_id)}/health-check", HealthCheckOk,
                          safe=False, timeout=max(self.timeout, 40.0))

    # Jobs -----------------------------------------------------------------------------------------------
    def enqueue_job(self, end_user_id: str, qbxml: str, idempotency_key: str | None = None, *,
                    deadline_seconds: int | None = None, fail_if_offline: bool = False,
                    page_size: int | None = None, render_json: bool = False) -> JobAccepted:
        """Queue qbXML request elements for the end-user's company file. With ``page_size``, one list
        query runs page by page (qbXML iterators), each page its own result message; with
        ``render_json`` the result message also carries the answer as JSON (``response_json``).

        Retried on network errors and 5xx only when ``idempotency_key`` is given; without one a failure
        is raised at once, since the job may or may not have been accepted.
        """
        body = EnqueueJob(qbxml=qbxml, deadline_seconds=deadline_seconds, fail_if_offline=fail_if_offline,
                          paging=Paging(page_size=page_size) if page_size is not None else None,
                          render_json=render_json or None)
        return self._call("POST", f"/v1/end-users/{_segment(end_user_id)}/jobs", JobAccepted, body=body,
                          idempotency_key=idempotency_key, safe=idempotency_key is not None)

    def get_job(self, job_id: str) -> JobView:
        return self._call("GET", f"/v1/jobs/{_segment(job_id)}", JobView, safe=True)

    def wait_for_job(self, job_id: str, timeout: float, *, poll_interval: float = 0.5) -> JobView:
        """Poll until the job is finished (succeeded, failed, expired or cancelled) and return it.

        A failed job is returned, not raised: its ``error`` says why. Raises :class:`JobTimeoutError`
        (``code="job_wait_timeout"``, with the ``job_id``) when ``timeout`` seconds pass first.
        """
        return self._run_plan(until_finished(self._call_policy(), job_id, timeout, poll_interval))

    def job_response(self, job: JobView, s3_client: Any = None) -> str | None:
        """QuickBooks' answer to ``job`` (for a paged query: the last page delivered): ``response_qbxml``
        when inline, else the text of the S3 object at ``response_s3_uri``, else ``None``.

        ``s3_client`` is a boto3 S3 client allowed ``s3:GetObject`` on the payload bucket; without one, a
        default boto3 client (your environment's credentials and region) is made when S3 must be read.
        Raises ``QbdGatewayError`` (``response_fetch_failed``, …) when the object cannot be read.
        """
        if job.response_qbxml is None and job.response_s3_uri and s3_client is None:
            if self._s3 is None:
                self._s3 = default_s3_client()
            s3_client = self._s3
        return fetch_response(job, s3_client)

    # Typed calls: running their plans (qbd_gateway_sdk.calls) over requests ------------------------------
    # Webhooks (verify what they POST with qbd_gateway_sdk.webhooks.verify) ---------------------------------
    def create_webhook_endpoint(self, url: str, *, end_user_id: str | None = None,
                                kinds: tuple[str, ...] = ("result", "change"),
                                description: str = "") -> WebhookEndpointView:
        """A new endpoint; its ``secret`` is in this answer only (and in a rotation's)."""
        body = CreateWebhookEndpoint(url=url, end_user_id=end_user_id, kinds=list(kinds),  # type: ignore[arg-type]
                                     description=description)
        return self._rest("POST", "/v1/webhook-endpoints", WebhookEndpointView, body=body, safe=False)

    def list_webhook_endpoints(self) -> list[WebhookEndpointView]:
        return self._rest("GET", "/v1/webhook-endpoints", WebhookEndpointList, safe=True).endpoints

    def get_webhook_endpoint(self, endpoint_id: str) -> WebhookEndpointView:
        return self._rest("GET", f"/v1/webhook-endpoints/{_segment(endpoint_id)}", WebhookEndpointView, safe=True)

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        self._rest("DELETE", f"/v1/webhook-endpoints/{_segment(endpoint_id)}", _NoContent, safe=True)

    def rotate_webhook_secret(self, endpoint_id: str) -> WebhookEndpointView:
        """A new signing secret; the previous one stays valid (and signs too) for 24 h."""
        return self._rest("POST", f"/v1/webhook-endpoints/{_segment(endpoint_id)}/rotate-secret",
                          WebhookEndpointView, safe=False)

    def webhook_deliveries(self, endpoint_id: str, *, limit: int = 50,
                           before: str | None = None) -> WebhookDeliveryList:
        """One page of the endpoint's delivery log, newest first; ``next_before`` is the next page's cursor."""
        params = (("limit", str(limit)),) + ((("before", before),) if before else ())
        return self._rest("GET", f"/v1/webhook-endpoints/{_segment(endpoint_id)}/deliveries", WebhookDeliveryList,
                          params=params, safe=True)

    def replay_webhook_delivery(self, delivery_id: str) -> WebhookDeliveryView:
        return self._rest("POST", f"/v1/webhook-deliveries/{_segment(delivery_id)}/replay", WebhookDeliveryView,
                          safe=True)

    # The change feed ---------------------------------------------------------------------------------------
    def list_feed_types(self) -> list[FeedTypeView]:
        """The types of record a feed subscription can follow (its ``object_types`` are their names)."""
        return self._rest("GET", "/v1/feed-types", FeedTypeList, safe=True).feed_types

    def create_feed_subscription(self, end_user_id: str, object_types: list[str], *, interval_seconds: int = 3600,
                                 start: str = "now") -> FeedSubscriptionView:
        """Follow ``object_types`` (``GET /v1/feed-types``) of an end-user's company file: a catch-up every
        ``interval_seconds``; ``start`` ``now`` (changes from now on) or ``full`` (every record first)."""
        body = CreateFeedSubscription(object_types=object_types, interval_seconds=interval_seconds,
                                      start=start)  # type: ignore[arg-type]
        return self._rest("POST", f"/v1/end-users/{_segment(end_user_id)}/feed-subscriptions", FeedSubscriptionView,
                          body=body, safe=False)

    def list_feed_subscriptions(self, end_user_id: str) -> list[FeedSubscriptionView]:
        return self._rest("GET", f"/v1/end-users/{_segment(end_user_id)}/feed-subscriptions", FeedSubscriptionList,
                          safe=True).subscriptions

    def get_feed_subscription(self, end_user_id: str, subscription_id: str) -> FeedSubscriptionView:
        return self._rest("GET", self._feed_path(end_user_id, subscription_id), FeedSubscriptionView, safe=True)

    def update_feed_subscription(self, end_user_id: str, subscription_id: str, *,
                                 object_types: list[str] | None = None,
                                 interval_seconds: int | None = None) -> FeedSubscriptionView:
        body = UpdateFeedSubscription(object_types=object_types, interval_seconds=interval_seconds)
        return self._rest("POST", self._feed_path(end_user_id, subscription_id), FeedSubscriptionView, body=body,
                          safe=True)

    def delete_feed_subscription(self, end_user_id: str, subscription_id: str) -> None:
        self._rest("DELETE", self._feed_path(end_user_id, subscription_id), _NoContent, safe=True)

    @staticmethod
    def _feed_path(end_user_id: str, subscription_id: str) -> str:
        return f"/v1/end-users/{_segment(end_user_id)}/feed-subscriptions/{_segment(subscription_id)}"

    def _rest(self, method: str, path: str, model: type[M], *, params: tuple[tuple[str, str], ...] = (),
              body: BaseModel | None = None, safe: bool) -> M:
        """A call that is not a job (:func:`qbd_gateway_sdk.calls.rest_call`): the same plan the async client
        runs, so both retry alike."""
        return self._run_plan(rest_call(self._call_policy(), method, path, model, params=params, body=body,
                                        safe=safe))

    def _call_policy(self) -> CallPolicy:
        return CallPolicy(self.call_timeout, self.timeout, self.retries, self.backoff, self.clock)

    def _run_plan(self, plan: Plan[T]) -> T:
        outcome: Outcome = None
        try:
            while True:
                step = plan.send(outcome)
                if isinstance(step, Pause):
                    self.sleep(step.seconds)
                    outcome = None
                else:
                    outcome = self._send(step)
        except StopIteration as done:
            result: T = done.value
            return result

    def _send(self, step: HttpRequest) -> HttpResponse | NetworkFailure:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", **step.headers}
        try:
            response = self.http.request(step.method, self.base_url + step.path, params=list(step.params) or None,
                                         json=step.json, headers=headers, timeout=step.timeout)
        except requests.RequestException as exc:
            return NetworkFailure(exc)
        return HttpResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                            _json(response))

    # Plumbing -------------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, model: type[M], *, body: BaseModel | None = None,
              idempotency_key: str | None = None, safe: bool, timeout: float | None = None) -> M:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        payload = body.model_dump(mode="json", exclude_none=True) if body is not None else None
        attempts = 1 + (self.retries if safe else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.http.request(method, self.base_url + path, json=payload, headers=headers,
                                             timeout=timeout or self.timeout)
            except requests.RequestException as exc:
                if last:
                    raise QbdGatewayError("network_error", f"{method} {path}: {exc}", retryable=True) from exc
                self._pause(attempt)
                continue
            if response.status_code < 400:
                return _parse(model, response)
            err = QbdGatewayError.from_envelope(_json(response), response.status_code)
            if last or not _worth_retrying(response.status_code, err):
                raise err
            self._pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * (2 ** attempt))


def _worth_retrying(status: int, err: QbdGatewayError) -> bool:
    return status in RETRY_STATUSES and (err.retryable or err.code == "unexpected_response")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _parse(model: type[M], response: requests.Response) -> M:
    data = {} if response.status_code == 204 else _json(response)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise QbdGatewayError("unexpected_response", f"HTTP {response.status_code} body is not a "
                              f"{model.__name__}: {exc}", http_status=response.status_code) from exc


def _segment(value: str) -> str:
    """A path segment, percent-encoded (ids never contain '/', but a typo should not change the route)."""
    return quote(value, safe="")
