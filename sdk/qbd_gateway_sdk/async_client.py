"""The asynchronous client: the same typed resources as :class:`~qbd_gateway_sdk.Client`, over ``httpx``.

::

    async with AsyncClient("https://gateway.example.com", api_key="...") as client:
        customer = await client.customers.retrieve(eu, "80000001-1234567890")
        async for invoice in client.invoices.list(eu, transaction_date_from="2026-01-01", limit=200):
            ...
        created = await client.invoices.create(eu, customer={"full_name": "Acme"}, lines=[...],
                                               idempotency_key="inv-1042")

Every typed call runs the same plan as the sync client's (:mod:`qbd_gateway_sdk.calls`: the call's own
wait, the long polls after a 202 within the total ``call_timeout``, retries only where safe, typed errors);
only the I/O differs — ``httpx.AsyncClient`` for the requests and ``asyncio.sleep`` for the pauses. A list
is an :class:`~qbd_gateway_sdk.resources.AsyncListPager` (``async for``), not a coroutine.

The end-user, raw-job, webhook and change-feed calls are the sync client's too (``await
client.create_end_user("Acme")``, ``await client.enqueue_job(eu, qbxml)``, ``async for user in
client.iter_end_users()``, ``await client.create_webhook_endpoint(url)``…), with its answers and its retries:
the reads, the deletes, ``replay_webhook_delivery`` and ``update_feed_subscription`` are retried;
``create_end_user`` and ``enqueue_job`` only with an idempotency key; the other creates,
``rotate_webhook_secret`` and ``health_check`` are sent once. (``Client.job_response``, which reads S3 with
boto3, has no async twin: read ``response_s3_uri`` with your own S3 client.)

Give it your own ``httpx.AsyncClient`` (``http=``: proxies, a ``MockTransport`` in tests) and close that
yourself; one it made itself is closed by :meth:`AsyncClient.aclose` (or the ``async with`` block).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import httpx
from pydantic import BaseModel

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
    segment,
    until_finished,
)
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
from qbd_gateway_sdk.resources_generated import AsyncResources

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class AsyncClient(AsyncResources):
    """The asynchronous client. ``timeout`` is each HTTP request's own timeout (a long poll's is longer than
    its wait); ``call_timeout`` the total of one typed call; ``retries`` and ``backoff`` as for ``Client``."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT, retries: int = 2, backoff: float = 0.5,
                 http: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.call_timeout = call_timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.clock = clock
        self.sleep = sleep
        self._owns_http = http is None
        self.http = http if http is not None else httpx.AsyncClient()

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it."""
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.aclose()

    # End-users ---------------------------------------------------------------------------------------
    async def create_end_user(self, company_name: str, source_id: str | None = None, *,
                              idempotency_key: str | None = None) -> EndUserCreated:
        """Create an end-user; the answer holds the Web Connector password (shown only once). Retried only
        with ``idempotency_key`` (a retry then gets this same answer)."""
        body = CreateEndUser(company_name=company_name, source_id=source_id)
        return await self._rest("POST", "/v1/end-users", EndUserCreated, body=body, safe=idempotency_key is not None,
                                idempotency_key=idempotency_key)

    async def get_end_user(self, end_user_id: str) -> EndUserView:
        return await self._rest("GET", f"/v1/end-users/{segment(end_user_id)}", EndUserView, safe=True)

    async def list_end_users(self, *, limit: int = 50, cursor: str | None = None) -> EndUserList:
        """One page of end-users, oldest first (``limit`` 1 to 100); ``next_cursor`` asks for the next."""
        params = (("limit", str(limit)),) + ((("cursor", cursor),) if cursor else ())
        return await self._rest("GET", "/v1/end-users", EndUserList, params=params, safe=True)

    async def iter_end_users(self, *, page_size: int = 100) -> AsyncIterator[EndUserView]:
        """Every end-user, oldest first, a page of ``page_size`` at a time (``async for``)."""
        cursor: str | None = None
        while True:
            page = await self.list_end_users(limit=page_size, cursor=cursor)
            for user in page.end_users:
                yield user
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def create_auth_session(self, end_user_id: str, *, link_expiry_minutes: int = 30,
                                  redirect_url: str | None = None) -> AuthSessionCreated:
        """A link that walks the bookkeeper through connecting the company file. Never retried."""
        body = CreateAuthSession(end_user_id=end_user_id, link_expiry_minutes=link_expiry_minutes,
                                 redirect_url=redirect_url)
        return await self._rest("POST", "/v1/auth-sessions", AuthSessionCreated, body=body, safe=False)

    async def health_check(self, end_user_id: str) -> HealthCheckOk:
        """A CompanyQuery round trip through the Web Connector (up to ~25 s); raises on any failure. Never
        retried."""
        return await self._rest("POST", f"/v1/end-users/{segment(end_user_id)}/health-check", HealthCheckOk,
                                safe=False, http_timeout=max(self.timeout, 40.0))

    # Raw qbXML jobs --------------------------------------------------------------------------------------
    async def enqueue_job(self, end_user_id: str, qbxml: str, idempotency_key: str | None = None, *,
                          deadline_seconds: int | None = None, fail_if_offline: bool = False,
                          page_size: int | None = None, render_json: bool = False) -> JobAccepted:
        """Queue qbXML request elements for the end-user's company file (see ``Client.enqueue_job``).
        Retried only with ``idempotency_key``."""
        body = EnqueueJob(qbxml=qbxml, deadline_seconds=deadline_seconds, fail_if_offline=fail_if_offline,
                          paging=Paging(page_size=page_size) if page_size is not None else None,
                          render_json=render_json or None)
        return await self._rest("POST", f"/v1/end-users/{segment(end_user_id)}/jobs", JobAccepted, body=body,
                                safe=idempotency_key is not None, idempotency_key=idempotency_key)

    async def get_job(self, job_id: str) -> JobView:
        return await self._rest("GET", f"/v1/jobs/{segment(job_id)}", JobView, safe=True)

    async def wait_for_job(self, job_id: str, timeout: float, *, poll_interval: float = 0.5) -> JobView:
        """Poll until the job is finished and return it (a failed job is returned: its ``error`` says why);
        :class:`JobTimeoutError` when ``timeout`` seconds pass first."""
        return await self._run_plan(until_finished(self._call_policy(), job_id, timeout, poll_interval))

    # Webhooks (verify what they POST with qbd_gateway_sdk.webhooks.verify) ---------------------------------
    async def create_webhook_endpoint(self, url: str, *, end_user_id: str | None = None,
                                      kinds: tuple[str, ...] = ("result", "change"),
                                      description: str = "") -> WebhookEndpointView:
        """A new endpoint; its ``secret`` is in this answer only (and in a rotation's). Never retried."""
        body = CreateWebhookEndpoint(url=url, end_user_id=end_user_id, kinds=list(kinds),  # type: ignore[arg-type]
                                     description=description)
        return await self._rest("POST", "/v1/webhook-endpoints", WebhookEndpointView, body=body, safe=False)

    async def list_webhook_endpoints(self) -> list[WebhookEndpointView]:
        return (await self._rest("GET", "/v1/webhook-endpoints", WebhookEndpointList, safe=True)).endpoints

    async def get_webhook_endpoint(self, endpoint_id: str) -> WebhookEndpointView:
        return await self._rest("GET", f"/v1/webhook-endpoints/{segment(endpoint_id)}", WebhookEndpointView,
                                safe=True)

    async def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        await self._rest("DELETE", f"/v1/webhook-endpoints/{segment(endpoint_id)}", _NoContent, safe=True)

    async def rotate_webhook_secret(self, endpoint_id: str) -> WebhookEndpointView:
        """A new signing secret; the previous one stays valid (and signs too) for 24 h. Never retried."""
        return await self._rest("POST", f"/v1/webhook-endpoints/{segment(endpoint_id)}/rotate-secret",
                                WebhookEndpointView, safe=False)

    async def webhook_deliveries(self, endpoint_id: str, *, limit: int = 50,
                                 before: str | None = None) -> WebhookDeliveryList:
        """One page of the endpoint's delivery log, newest first; ``next_before`` is the next page's cursor."""
        params = (("limit", str(limit)),) + ((("before", before),) if before else ())
        return await self._rest("GET", f"/v1/webhook-endpoints/{segment(endpoint_id)}/deliveries",
                                WebhookDeliveryList, params=params, safe=True)

    async def replay_webhook_delivery(self, delivery_id: str) -> WebhookDeliveryView:
        return await self._rest("POST", f"/v1/webhook-deliveries/{segment(delivery_id)}/replay",
                                WebhookDeliveryView, safe=True)

    # The change feed ---------------------------------------------------------------------------------------
    async def list_feed_types(self) -> list[FeedTypeView]:
        """The types of record a feed subscription can follow (its ``object_types`` are their names)."""
        return (await self._rest("GET", "/v1/feed-types", FeedTypeList, safe=True)).feed_types

    async def create_feed_subscription(self, end_user_id: str, object_types: list[str], *,
                                       interval_seconds: int = 3600, start: str = "now") -> FeedSubscriptionView:
        """Follow ``object_types`` (:meth:`list_feed_types`) of an end-user's company file: a catch-up every
        ``interval_seconds``; ``start`` ``now`` (changes from now on) or ``full`` (every record first).
        Never retried."""
        body = CreateFeedSubscription(object_types=object_types, interval_seconds=interval_seconds,
                                      start=start)  # type: ignore[arg-type]
        return await self._rest("POST", f"/v1/end-users/{segment(end_user_id)}/feed-subscriptions",
                                FeedSubscriptionView, body=body, safe=False)

    async def list_feed_subscriptions(self, end_user_id: str) -> list[FeedSubscriptionView]:
        listed = await self._rest("GET", f"/v1/end-users/{segment(end_user_id)}/feed-subscriptions",
                                  FeedSubscriptionList, safe=True)
        return listed.subscriptions

    async def get_feed_subscription(self, end_user_id: str, subscription_id: str) -> FeedSubscriptionView:
        return await self._rest("GET", _feed_path(end_user_id, subscription_id), FeedSubscriptionView, safe=True)

    async def update_feed_subscription(self, end_user_id: str, subscription_id: str, *,
                                       object_types: list[str] | None = None,
                                       interval_seconds: int | None = None) -> FeedSubscriptionView:
        body = UpdateFeedSubscription(object_types=object_types, interval_seconds=interval_seconds)
        return await self._rest("POST", _feed_path(end_user_id, subscription_id), FeedSubscriptionView, body=body,
                                safe=True)

    async def delete_feed_subscription(self, end_user_id: str, subscription_id: str) -> None:
        await self._rest("DELETE", _feed_path(end_user_id, subscription_id), _NoContent, safe=True)

    async def _rest(self, method: str, path: str, model: type[M], *, params: tuple[tuple[str, str], ...] = (),
                    body: BaseModel | None = None, safe: bool, idempotency_key: str | None = None,
                    http_timeout: float | None = None) -> M:
        """A call that is not a typed call (:func:`qbd_gateway_sdk.calls.rest_call`), run like every other plan."""
        return await self._run_plan(rest_call(self._call_policy(), method, path, model, params=params, body=body,
                                              safe=safe, idempotency_key=idempotency_key,
                                              http_timeout=http_timeout))

    # Running plans (qbd_gateway_sdk.calls) over httpx ----------------------------------------------------------
    def _call_policy(self) -> CallPolicy:
        return CallPolicy(self.call_timeout, self.timeout, self.retries, self.backoff, self.clock)

    async def _run_plan(self, plan: Plan[T]) -> T:
        outcome: Outcome = None
        try:
            while True:
                step = plan.send(outcome)
                if isinstance(step, Pause):
                    await self.sleep(step.seconds)
                    outcome = None
                else:
                    outcome = await self._send(step)
        except StopIteration as done:
            result: T = done.value
            return result

    async def _send(self, step: HttpRequest) -> HttpResponse | NetworkFailure:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", **step.headers}
        try:
            response = await self.http.request(step.method, self.base_url + step.path, params=list(step.params),
                                               json=step.json, headers=headers, timeout=step.timeout)
        except httpx.TransportError as exc:
            return NetworkFailure(exc)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return HttpResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()}, body)


def _feed_path(end_user_id: str, subscription_id: str) -> str:
    return f"/v1/end-users/{segment(end_user_id)}/feed-subscriptions/{segment(subscription_id)}"
