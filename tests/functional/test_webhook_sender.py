"""One webhook attempt over real sockets (chalicelib.delivery.sender): receivers on 127.0.0.1, plain
HTTP as the local stage allows, and HTTPS with a test CA (trustme) whose certificate names a host
that only the test's resolver knows — so the connection goes to the checked address while TLS speaks
to the name."""

from __future__ import annotations

import http.server
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import trustme

from chalicelib.delivery.sender import post
from chalicelib.delivery.targets import Target, check_url


class Receiver(http.server.ThreadingHTTPServer):
    """Answers each POST with the next of ``answers`` (a status), recording what it got."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.got.append(({k: v for k, v in self.headers.items()}, body))
                status = outer.answers.pop(0) if outer.answers else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def receiver() -> Iterator[Callable[[list[int]], Receiver]]:
    made: list[Receiver] = []

    def make(answers: list[int]) -> Receiver:
        made.append(Receiver(answers))
        return made[-1]

    yield make
    for server in made:
        server.shutdown()
        server.server_close()


def loopback(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


def test_a_2xx_is_a_delivery_with_the_headers_and_the_exact_body(receiver: Callable[[list[int]], Receiver]) -> None:
    server = receiver([204])
    target = check_url(f"http://127.0.0.1:{server.port}/hooks?x=1", local=True)
    attempt = post(target, b'{"a":1}', {"QBDGW-Webhook-Id": "wh_dlv_1"}, local=True)
    assert attempt.ok and attempt.status_code == 204 and attempt.error is None
    headers, body = server.got[0]
    assert body == b'{"a":1}'
    assert headers["QBDGW-Webhook-Id"] == "wh_dlv_1" and headers["Content-Type"] == "application/json"
    assert headers["Host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("status", [301, 400, 410, 500, 503])
def test_anything_but_a_2xx_is_a_failed_attempt_and_a_redirect_is_not_followed(
        receiver: Callable[[list[int]], Receiver], status: int) -> None:
    server = receiver([status])
    attempt = post(check_url(f"http://127.0.0.1:{server.port}/", local=True), b"{}", {}, local=True)
    assert not attempt.ok and attempt.status_code == status and attempt.error == f"HTTP {status}"
    assert len(server.got) == 1  # one request: the Location of a redirect was never asked


def test_a_refused_connection_and_a_silent_receiver_are_failed_attempts() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    attempt = post(check_url(f"http://127.0.0.1:{port}/", local=True), b"{}", {}, local=True)
    assert attempt.status_code is None and "ConnectionRefusedError" in (attempt.error or "")
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        slow = post(check_url(f"http://127.0.0.1:{silent.getsockname()[1]}/", local=True), b"{}", {}, local=True,
                    timeout=0.5)
    assert slow.status_code is None and "timed out" in (slow.error or "") and slow.duration_ms >= 400


def test_an_attempt_gives_up_at_its_deadline_however_many_addresses_are_silent() -> None:
    """A name with several addresses that all accept and never answer: the attempt ends at its deadline,
    not after the timeout once per address (which let a batch of ten attempts outlast its Lambda)."""
    silent = [socket.socket() for _ in range(4)]  # 127.0.0.1 … 127.0.0.4, one port: accept, never answer
    try:
        silent[0].bind(("127.0.0.1", 0))
        port = silent[0].getsockname()[1]
        for n, sock in enumerate(silent[1:], start=2):
            sock.bind((f"127.0.0.{n}", port))
        for sock in silent:
            sock.listen(8)

        def four_addresses(host: str, port_: int, **_: Any) -> list[tuple[Any, ...]]:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (f"127.0.0.{n}", port_)) for n in range(1, 5)]

        target = check_url(f"http://127.0.0.1:{port}/", local=True)
        slow = post(target, b"{}", {}, local=True, resolve=four_addresses, timeout=0.4)
    finally:
        for sock in silent:
            sock.close()
    assert slow.status_code is None and "timed out" in (slow.error or "")
    assert 350 <= slow.duration_ms < 1_000  # one deadline (0.4 s), where four timeouts would be 1.6 s


def test_outside_the_local_stage_a_loopback_receiver_is_never_connected_to(
        receiver: Callable[[list[int]], Receiver]) -> None:
    server = receiver([200])
    # GIVEN a name registered while public, that now resolves to this machine
    target = Target(url="https://rebound.example.com/", scheme="https", host="rebound.example.com",
                    port=server.port, path="/")
    attempt = post(target, b"{}", {}, resolve=loopback)
    assert attempt.status_code is None and "not a public address" in (attempt.error or "")
    assert server.got == []


@pytest.fixture(scope="module")
def tls() -> trustme.CA:
    return trustme.CA()


def https_receiver(ca: trustme.CA, name: str, make: Callable[[list[int]], Receiver]) -> Receiver:
    server = make([202])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def test_https_connects_to_the_checked_address_and_verifies_the_name(
        tls: trustme.CA, receiver: Callable[[list[int]], Receiver]) -> None:
    server = https_receiver(tls, "hooks.test", receiver)
    client = ssl.create_default_context()
    tls.configure_trust(client)
    target = Target(url=f"https://hooks.test:{server.port}/in", scheme="https", host="hooks.test",
                    port=server.port, path="/in")
    # WHEN the (local-stage) resolver says hooks.test is 127.0.0.1  THEN TLS to hooks.test at that address works
    attempt = post(target, b'{"b":2}', {}, local=True, resolve=loopback, context=client)
    assert attempt.ok and attempt.status_code == 202
    assert server.got[0][0]["Host"] == f"hooks.test:{server.port}"
    # AND a certificate for another name is refused, without a request
    other = Target(url=f"https://other.test:{server.port}/in", scheme="https", host="other.test",
                   port=server.port, path="/in")
    refused = post(other, b"{}", {}, local=True, resolve=loopback, context=client)
    assert refused.status_code is None and (refused.error or "").startswith("TLS:")
    assert len(server.got) == 1
