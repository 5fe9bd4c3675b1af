"""A scripted stand-in for the gateway's ``POST /qbwc``, served on 127.0.0.1 by a throwaway thread.

Each SOAP method has a list of answers consumed in order (the last one repeats): a ``str`` becomes
``<opResult>text</opResult>`` (``""`` a self-closing element), an ``int`` an ``s:int`` result, a
``list`` of strings an ``ArrayOfString``, and a :class:`Raw` is sent as-is (for HTTP errors, SOAP
Faults and garbage); a callable is called with the call's parameters and its answer rendered.
Every request is recorded with its headers, raw body and parsed parameters, so tests can check
both what the Web Connector sent and how it looked on the wire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from string import Template
from xml.sax.saxutils import escape

from lxml import etree

from tests.unit.simulator.support import FIXTURES

INTUIT = "{http://developer.intuit.com/}"
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"


@dataclass(frozen=True)
class Raw:
    """An answer sent exactly as given."""

    status: int
    body: str
    content_type: str = "text/xml; charset=utf-8"


Reply = str | int | list[str] | Raw
Answer = Reply | Callable[[dict[str, str]], Reply]


@dataclass(frozen=True)
class Received:
    """One request the fake gateway received."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


def soap_fault(message: str) -> Raw:
    return Raw(500, Template((FIXTURES / "soap_fault.xml").read_text(encoding="utf-8")).substitute(message=message))


def _render(method: str, answer: Reply) -> Raw:
    if isinstance(answer, Raw):
        return answer
    tag = f"{method}Result"
    if isinstance(answer, list):
        strings = "".join(f"<string>{escape(item)}</string>" if item else "<string />" for item in answer)
        result = f"<{tag}>{strings}</{tag}>"
    elif answer == "":
        result = f"<{tag} />"
    else:
        result = f"<{tag}>{escape(str(answer))}</{tag}>"
    template = Template((FIXTURES / "soap_response.xml").read_text(encoding="utf-8"))
    return Raw(200, template.substitute(method=method, result=result))


@dataclass
class FakeGateway:
    """The script, what was received, and the URL to point a Web Connector at."""

    script: dict[str, list[Answer]]
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def methods(self) -> list[str]:
        return [request.method for request in self.received]

    def calls(self, method: str) -> list[Received]:
        return [request for request in self.received if request.method == method]

    def answer(self, body: bytes, headers: dict[str, str]) -> Raw:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        soap_body = root.find(SOAP_BODY)
        assert soap_body is not None
        operation = soap_body[0]
        method = str(operation.tag).removeprefix(INTUIT)
        params = {str(child.tag).removeprefix(INTUIT): child.text or "" for child in operation}
        with self._lock:
            self.received.append(Received(method, params, headers, body, time.monotonic()))
            answers = self.script.get(method, [""])
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return _render(method, answer(params) if callable(answer) else answer)


@contextmanager
def serve(script: dict[str, list[Answer]]) -> Iterator[FakeGateway]:
    """Run a :class:`FakeGateway` on an ephemeral port for the duration of the block."""
    gateway = FakeGateway({method: list(answers) for method, answers in script.items()})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            raw = gateway.answer(body, {key.lower(): value for key, value in self.headers.items()})
            payload = raw.body.encode("utf-8")
            self.send_response(raw.status)
            self.send_header("Content-Type", raw.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/qbwc"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
