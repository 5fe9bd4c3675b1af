"""One attempt of a webhook delivery: a POST to an address the endpoint's name was just checked to have.

:func:`post` resolves the endpoint's host again (:func:`chalicelib.delivery.targets.deliverable_addresses`:
only public addresses, or loopback in the local stage) and connects to the first address that answers,
*by address*, so that the name cannot be re-pointed between the check and the connection; for https the
TLS handshake still names the host (SNI) and the certificate is verified against it, and the ``Host``
header is the URL's. Redirects are not followed (the answer is the attempt's outcome, a failure), the
attempt gives up after :data:`~chalicelib.delivery.retries.ATTEMPT_TIMEOUT_SECONDS` in all — every address
tried and every phase (connect, send, wait for the answer, read it) share that one deadline, so that a
batch of attempts fits its Lambda — and only the first KB of the answer is read, for the delivery log.

Nothing here raises for the receiver's behaviour: every outcome, a refused address included, is an
:class:`Attempt` (``ok`` for a 2xx) that the retry schedule judges.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.delivery.retries import ATTEMPT_TIMEOUT_SECONDS
from chalicelib.delivery.targets import Resolver, Target, deliverable_addresses
from chalicelib.errors import GatewayError

USER_AGENT = "qbd-gateway-webhooks/1"
EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: the HTTP status (None when none came), a short error, the time taken."""

    status_code: int | None
    error: str | None
    duration_ms: float
    response_excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHttps(http.client.HTTPSConnection):
    """An HTTPS connection to ``address`` that speaks TLS to ``server_name`` (SNI and certificate check)."""

    def __init__(self, address: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = server_name
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self._server_name)


def _within(connection: http.client.HTTPConnection, seconds: float) -> None:
    """The attempt's deadline for the connection's next socket operations (each phase gets what is left)."""
    if seconds <= 0:
        raise TimeoutError("timed out")
    if connection.sock is not None:
        connection.sock.settimeout(seconds)


def post(target: Target, body: bytes, headers: Mapping[str, str], *, local: bool = False,
         resolve: Resolver = socket.getaddrinfo, context: ssl.SSLContext | None = None,
         timeout: float = ATTEMPT_TIMEOUT_SECONDS) -> Attempt:
    """POST ``body`` to ``target`` with ``headers`` (and ``Content-Type: application/json``)."""
    started = time.monotonic()

    def done(status: int | None, error: str | None, excerpt: str = "") -> Attempt:
        return Attempt(status, error, round((time.monotonic() - started) * 1000, 1), excerpt)

    try:
        addresses = deliverable_addresses(target, local=local, resolve=resolve)
    except GatewayError as exc:
        return done(None, exc.message)
    sent_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                    "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}", **headers}
    last_error = "no address answered"
    deadline = started + timeout

    def left() -> float:
        return deadline - time.monotonic()

    for address in addresses:
        if left() <= 0:
            last_error = "TimeoutError: timed out"
            break
        connection: http.client.HTTPConnection
        if target.scheme == "https":
            connection = _PinnedHttps(str(address), target.port, target.host, context or ssl.create_default_context(),
                                      left())
        else:
            connection = http.client.HTTPConnection(str(address), target.port, timeout=left())
        try:
            connection.request("POST", target.path, body=body, headers=sent_headers)
            _within(connection, left())
            response = connection.getresponse()
            _within(connection, left())
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
            return done(response.status, None if 200 <= response.status < 300 else f"HTTP {response.status}",
                        excerpt)
        except ssl.SSLError as exc:
            return done(None, f"TLS: {exc.reason or exc}")  # the name's certificate is wrong: no other address helps
        except (OSError, http.client.HTTPException) as exc:
            last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            connection.close()
    return done(None, last_error)
