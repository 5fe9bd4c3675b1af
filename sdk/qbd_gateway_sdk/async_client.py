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

Give it your own ``httpx.AsyncClient`` (``http=``: proxies, a ``MockTransport`` in tests) and close that
yourself; one it made itself is closed by :meth:`AsyncClient.aclose` (or the ``async with`` block).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

import httpx

from qbd_gateway_sdk.calls import (
    DEFAULT_CALL_TIMEOUT,
    CallPolicy,
    HttpRequest,
    HttpResponse,
    NetworkFailure,
    Outcome,
    Pause,
    Plan,
)
from qbd_gateway_sdk.resources_generated import AsyncResources

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
