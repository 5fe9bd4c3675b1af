"""CPU per Web Connector round trip, side by side with qbwc-kit, on the same bytes, AWS I/O excluded.

A round trip is what the Web Connector does for one job: ``authenticate`` → ``sendRequestXML`` (with
the HostQuery/CompanyQuery/PreferencesQuery answer QBWC sends on the first call of a session) →
``receiveResponseXML`` (QuickBooks' answer) → ``closeConnection``. Both servers are driven in this
process, round trip after round trip, interleaved (gateway, peer, gateway, …), so the machine's
noise falls on both alike; the CPU time of this thread is measured for the four calls.

* **qbd-gateway**: :func:`chalicelib.api.soap.handle_soap` on services built with the in-memory store
  (:class:`chalicelib.store.memory.MemoryStore`, the same conditional writes as DynamoDB's adapter
  without the network), an in-memory result publisher and the EMF metrics writing to a sink that
  keeps nothing, flushed once per call as ``app.py``'s middleware does. The job is enqueued before the
  round trip, outside the measurement (that is a REST call, an invocation of its own). (The cost model,
  :mod:`bench.cost`, also runs it on real AWS SDK clients against the emulator: ``aws_endpoint``.)
* **qbwc-kit** (:class:`qbwc_kit.QBWCService`, its in-memory session store): ``dispatch`` of the same
  envelopes, with one task that sends the same CustomerQuery and keeps the answer its session parsed
  (``qbwc_kit.qbxml.parse_response``, what every task of it receives).

The answers are a CustomerQueryRs from the simulated company file, ``MaxReturned`` chosen so that it is
about 14 KB and about 1 KB. The bytes differ only in the ticket and the ``requestID``, which each
server makes its own.

Beside the two, the *reading floor*: the gateway's CPU for only parsing the same four envelopes and the
answer (lxml, hardened), with nothing done with them. Its ratio to qbwc-kit is the lowest ratio any
round trip of the gateway could reach with these parsers.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import customer_query

INTUIT = "http://developer.intuit.com/"
PEPPER = "bench-pepper-" + "0" * 40  # as deployed: generated passwords are checked with the keyed hash
CLIENT = "2.3.0.215"


def envelope(method: str, params: Sequence[tuple[str, str]]) -> bytes:
    """The compact request envelope QBWC writes (the simulator's), for a server driven in process."""
    from simulator.soap import request_envelope

    return request_envelope(method, params)


def result_of(body: str | bytes, method: str) -> list[str]:
    """The strings of ``<{method}Result>`` in an answer envelope (one for a string or int result)."""
    from lxml import etree

    root = etree.fromstring(body.encode("utf-8") if isinstance(body, str) else body)
    result = root.find(f".//{{{INTUIT}}}{method}Result")
    if result is None:
        raise RuntimeError(f"{method}: no result in {str(body)[:300]}")
    strings = result.findall(f"{{{INTUIT}}}string")
    return [s.text or "" for s in strings] if strings else [result.text or ""]


@dataclass(frozen=True)
class Exchange:
    """The bytes of one kind of round trip: the query sent, QBWC's first-call answer, QuickBooks' answer."""

    name: str
    query: str  # the job's qbXML (gateway) and the task's request body (qbwc-kit)
    hcp: str
    answer: str  # a QBXML document with requestID="{rid}" where the request's id goes
    company_path: str
    major: str
    minor: str

    def send(self, ticket: str) -> bytes:
        return envelope("sendRequestXML", (("ticket", ticket), ("strHCPResponse", self.hcp),
                                            ("strCompanyFileName", self.company_path), ("qbXMLCountry", "US"),
                                            ("qbXMLMajorVers", self.major), ("qbXMLMinorVers", self.minor)))

    def receive(self, ticket: str, request_xml: str) -> bytes:
        match = re.search(r'requestID="([^"]*)"', request_xml)
        answer = self.answer.replace('requestID="{rid}"', f'requestID="{match.group(1)}"' if match else "")
        return envelope("receiveResponseXML", (("ticket", ticket), ("response", answer), ("hresult", ""),
                                                ("message", "")))


def exchanges(customers: int = 60) -> list[Exchange]:
    """The 14 KB and 1 KB CustomerQuery round trips, answered by a simulated company file."""
    from simulator import CompanyFile

    company = CompanyFile("Peer Bench")
    company.open_session("")
    for i in range(customers):
        company.process('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
                        f"<CustomerAddRq><CustomerAdd><Name>Peer Customer {i:03d}</Name>"
                        f"<CompanyName>Peer Customer {i:03d} LLC</CompanyName><Phone>555-01{i:02d}</Phone>"
                        "<BillAddress><Addr1>1 Main St</Addr1><City>Springfield</City><State>IL</State>"
                        "<PostalCode>62701</PostalCode></BillAddress></CustomerAdd></CustomerAddRq>"
                        "</QBXMLMsgsRq></QBXML>")
    hcp = company.host_company_preferences_response()
    major, minor = company.profile.highest_major_minor
    made = []
    for name, target in (("CustomerQuery, 14 KB answer", 14_000), ("CustomerQuery, 1-2 KB answer", 1_000)):
        count = 1
        while True:
            query = customer_query(count)
            marked = query.replace("<CustomerQueryRq>", '<CustomerQueryRq requestID="{rid}">')
            answer = company.process('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                                     f'<QBXMLMsgsRq onError="stopOnError">{marked}</QBXMLMsgsRq></QBXML>')
            if len(answer.encode("utf-8")) >= target or count >= customers:
                break
            count += 1
        made.append(Exchange(name, query, hcp, answer, company.path, str(major), str(minor)))
    company.close_session()
    return made


# The two servers --------------------------------------------------------------------------------------------
class Gateway:
    """qbd-gateway's SOAP handler for one end-user, metrics flushed per call: over the in-memory store, or
    (``aws_endpoint``) on real AWS SDK clients talking HTTP to that endpoint, provisioned from the template."""

    def __init__(self, schema_dir: Path | None, aws_endpoint: str | None = None) -> None:
        from chalicelib.api.bodies import CreateEndUser
        from chalicelib.api.soap import handle_soap
        from chalicelib.config import Settings
        from chalicelib.observability import EmfMetrics
        from chalicelib.store.memory import MemoryStore
        from chalicelib.wiring import build

        self.published: list[Any] = []
        self.clients: dict[str, Any] = {}
        self.metrics = EmfMetrics(sink=lambda document: None)
        env = {"QBDGW_SESSION_IDLE_SECONDS": "0", "QBDGW_SECRET_PEPPERS": PEPPER,
               "QBDGW_SCHEMA_DIR": str(schema_dir or "")}
        if aws_endpoint is None:
            self.services = build(Settings.from_env(env), store=MemoryStore(), publisher=_Keep(self.published),
                                  clients={"sqs": None}, metrics=self.metrics)
        else:  # the table, queues and bucket of infra/template.json, named to the gateway as the local stack does
            from infra.provision import provision

            self.clients = {name: _client(name, aws_endpoint) for name in ("dynamodb", "sqs", "s3")}
            made = provision("local", dynamodb=self.clients["dynamodb"], sqs=self.clients["sqs"],
                             s3=self.clients["s3"])
            settings = Settings.from_env({**env, **made.env(), "QBDGW_AWS_ENDPOINT_URL": aws_endpoint})
            self.services = build(settings, clients=self.clients, metrics=self.metrics)
        self.user, self.password = self.services.end_users.create(CreateEndUser(company_name="Peer Bench"))
        self._handle = handle_soap

    def call(self, body: bytes, method: str) -> str:
        response = self._handle(self.services.qbwc, body, f'"{INTUIT}{method}"')
        self.metrics.flush()
        return str(response.body)

    def prepare(self, exchange: Exchange) -> None:
        self.services.queue.enqueue(self.user.id, exchange.query, source="bench")

    @property
    def username(self) -> str:
        return self.user.qbwc_username

    def requests_sent(self) -> int:
        """The HTTP requests the SDK clients have sent (urllib3's count, over every pool of every client)."""
        return sum(pool.num_requests for client in self.clients.values()
                   for pool in client._endpoint.http_session._manager.pools._container.values())


@contextmanager
def sockets_opened() -> Iterator[list[int]]:
    """Counts the sockets urllib3 opens while inside (``[n]``): a pooled connection the server closed is
    opened again in place, which urllib3's own ``num_connections`` does not count."""
    from urllib3.connection import HTTPConnection

    opened = [0]
    original = HTTPConnection._new_conn

    def counted(self: HTTPConnection) -> Any:
        opened[0] += 1
        return original(self)

    HTTPConnection._new_conn = counted  # type: ignore[method-assign]
    try:
        yield opened
    finally:
        HTTPConnection._new_conn = original  # type: ignore[method-assign]


def _client(name: str, endpoint: str) -> Any:
    """A client as the gateway makes them (one botocore session, boto3's User-Agent), with the emulator's keys."""
    from chalicelib.wiring import aws_session
    from infra.localstack import DUMMY_CREDENTIALS, REGION

    return aws_session().create_client(name, region_name=REGION, endpoint_url=endpoint,
                                       aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                       aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


class Peer:
    """qbwc-kit's QBWCService with a static user and one CustomerQuery task per session."""

    def __init__(self) -> None:
        from qbwc_kit import QBWCService, StaticAuthenticator

        self.username, self.password = "peer", "peer-password-0123456789"
        self.parsed: list[Any] = []
        self.query = ""
        outer = self

        class QueryTask:
            name = "customers"

            def run(self, ctx: Any) -> Any:
                response = yield (f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{ctx.qbxml_version}"?>'
                                  '<QBXML><QBXMLMsgsRq onError="stopOnError">'
                                  + outer.query.replace("<CustomerQueryRq>", '<CustomerQueryRq requestID="1">')
                                  + "</QBXMLMsgsRq></QBXML>")
                outer.parsed.append(response)

        self.service = QBWCService(authenticator=StaticAuthenticator(self.username, self.password, [QueryTask()]))

    def call(self, body: bytes, method: str) -> str:
        return self.service.dispatch(body)

    def prepare(self, exchange: Exchange) -> None:
        self.query = exchange.query


class _Keep:
    def __init__(self, sink: list[Any]) -> None:
        self.sink = sink

    def publish(self, message: Any) -> None:
        self.sink.append(message)


def round_trip(server: Gateway | Peer, exchange: Exchange, clock: Callable[[], int] = time.thread_time_ns) -> int:
    """One job through ``server``; the CPU nanoseconds of its four calls — the calls alone: reading each
    answer (what the Web Connector would do) is the bench's work, outside the clock. Raises when the job
    did not go."""
    server.prepare(exchange)
    spent = [0]

    def call(body: bytes, method: str) -> str:
        started = clock()
        answer = server.call(body, method)
        spent[0] += clock() - started
        return answer

    auth = envelope("authenticate", (("strUserName", server.username), ("strPassword", server.password)))
    ticket, company = result_of(call(auth, "authenticate"), "authenticate")[:2]
    if company in ("none", "nvu", "busy") or not ticket:
        raise RuntimeError(f"authenticate answered {company!r}")
    request = result_of(call(exchange.send(ticket), "sendRequestXML"), "sendRequestXML")[0]
    if "CustomerQueryRq" not in request:
        raise RuntimeError(f"sendRequestXML answered {request[:200]!r}")
    answered = call(exchange.receive(ticket, request), "receiveResponseXML")
    percent = result_of(answered, "receiveResponseXML")[0]
    if not percent.isdigit():  # 100, or 99 from the gateway: it keeps the session for the next job
        raise RuntimeError(f"receiveResponseXML answered {percent!r}")
    call(envelope("closeConnection", (("ticket", ticket),)), "closeConnection")
    return spent[0]


@dataclass(frozen=True)
class Reading:
    """What one round trip of an exchange reads: its four request envelopes and QuickBooks' answer."""

    envelopes: tuple[bytes, ...]
    answer: str

    @classmethod
    def of(cls, exchange: Exchange) -> Reading:
        ticket = "floor-ticket-" + "0" * 27
        return cls((envelope("authenticate", (("strUserName", "floor"), ("strPassword", "floor-password"))),
                    exchange.send(ticket), exchange.receive(ticket, 'requestID="1"'),
                    envelope("closeConnection", (("ticket", ticket),))),
                   exchange.answer.replace('requestID="{rid}"', 'requestID="1"'))


def reading_floor(reading: Reading, clock: Callable[[], int] = time.thread_time_ns) -> int:
    """The CPU nanoseconds of only *reading* one round trip's bytes with the gateway's parsers: the four
    envelopes (:func:`chalicelib.qbwc.codec.parse_call`) and QuickBooks' answer
    (:func:`chalicelib.qbxml.responses.parse_response`) — no store, no queue, no publish, no answer built.
    Every server must read these bytes; this is what the gateway's round trip cannot go below."""
    from chalicelib.qbwc.codec import parse_call
    from chalicelib.qbxml.responses import parse_response

    started = clock()
    for body in reading.envelopes:
        parse_call(body)
    parse_response(reading.answer)
    return clock() - started


def row(name: str, answer_bytes: int, ours: Sequence[int], theirs: Sequence[int],
        floors: Sequence[int]) -> dict[str, Any]:
    """One exchange's line of the report: the medians in µs (one decimal) and their ratios — the ratios of
    the figures reported, so that a reader dividing them gets the same ratio."""
    us, them = round(statistics.median(ours) / 1000, 1), round(statistics.median(theirs) / 1000, 1)
    floor = round(statistics.median(floors) / 1000, 1)
    return {"exchange": name, "answer_bytes": answer_bytes, "gateway_us": us, "qbwc_kit_us": them,
            "ratio": round(us / them, 2), "reading_floor_us": floor, "floor_ratio": round(floor / them, 2)}


def compare(schema_dir: Path | None, rounds: int = 300, warmup: int = 30) -> dict[str, Any]:
    """Median CPU µs per round trip of both servers on both exchanges, their ratio, and the gateway's
    reading floor (:func:`reading_floor`) beside them, measured in the same interleaved loop."""
    gateway, peer = Gateway(schema_dir), Peer()
    rows = []
    for exchange in exchanges():
        ours: list[int] = []
        theirs: list[int] = []
        floors: list[int] = []
        reading = Reading.of(exchange)
        for i in range(warmup + rounds):
            a, b, c = round_trip(gateway, exchange), round_trip(peer, exchange), reading_floor(reading)
            if i >= warmup:
                ours.append(a)
                theirs.append(b)
                floors.append(c)
        rows.append(row(exchange.name, len(exchange.answer.encode("utf-8")), ours, theirs, floors))
    done = {m["job_id"] for m in gateway.published if m.get("status") == "succeeded"}
    if len(done) != len(peer.parsed) or not peer.parsed:  # each job's result is out (some twice: see docs)
        raise RuntimeError(f"{len(done)} jobs' results published, {len(peer.parsed)} answers parsed")
    import qbwc_kit

    return {"rounds": rounds, "qbwc_kit_version": getattr(qbwc_kit, "__version__", "?"), "exchanges": rows}
