"""The SDK's typed resources (``client.customers.list(...)``…), sync and async, against a scripted gateway.

No network and no real waiting: the sync client runs over a ``requests`` session with a fake adapter, the
async one over ``httpx.MockTransport``, both on a fake clock — a scripted answer that "holds" a call moves
the clock by the call's ``wait``, the way the gateway's long poll would. Also: the generated module is
what ``tools/gen_sdk_resources.py`` writes, its operations and named filters are the gateway's own, and
records read from JSON are the typed models (Decimal amounts, ``id``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import requests
from pydantic import ValidationError
from qbd_gateway_sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConnectionProblemError,
    Deleted,
    InvalidRequestError,
    JobTimeoutError,
    NotFoundError,
    QbdGatewayError,
    QuickBooksError,
    StaleRevisionError,
    Voided,
)
from qbd_gateway_sdk import resources_generated as generated
from qbd_gateway_sdk.qbxml.customer import CustomerQueryRq, CustomerQueryRs, CustomerRet
from qbd_gateway_sdk.qbxml.invoice import InvoiceAddRs, InvoiceLineAdd, InvoiceLineRet, InvoiceRet
from qbd_gateway_sdk.qbxml.item_inventory import ItemInventoryRet
from qbd_gateway_sdk.qbxml.item_service import ItemServiceRet
from qbd_gateway_sdk.qbxml.report import ReportRet
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from chalicelib.errors import GatewayError
from chalicelib.resources import build
from chalicelib.resources.catalog import names, resource
from tests.support.paths import REPO_DIR
from tools.gen_sdk_resources import render, specs

BASE = "https://gateway.test"
EU = "eu_1"

# The fake gateway ----------------------------------------------------------------------------------------------


class Drop(Exception):
    """The scripted gateway drops the connection: the request gets no answer."""


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]


Reply = tuple[int, Any, dict[str, str]]


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@dataclass
class FakeGateway:
    """Answers every request with ``handler(seen)`` and records it."""

    handler: Callable[[Seen], Reply]
    clock: FakeClock = field(default_factory=FakeClock)
    seen: list[Seen] = field(default_factory=list)

    def answer(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        return self.handler(seen)

    def hold(self, seen: Seen) -> None:
        """The gateway waited the call's whole ``wait`` without an answer."""
        self.clock.now += float(seen.params.get("wait", "0"))

    @property
    def waits(self) -> list[float]:
        return [float(s.params["wait"]) for s in self.seen]


class _Adapter(BaseAdapter):
    def __init__(self, gateway: FakeGateway) -> None:
        super().__init__()
        self.gateway = gateway

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> requests.Response:
        url = urlsplit(request.url or "")
        body = json.loads(request.body) if isinstance(request.body, str | bytes) and request.body else None
        seen = Seen(request.method or "", url.path, dict(parse_qsl(url.query)), body,
                    {k.lower(): v if isinstance(v, str) else v.decode() for k, v in request.headers.items()})
        try:
            status, payload, headers = self.gateway.answer(seen)
        except Drop as exc:
            raise requests.ConnectionError("connection reset by peer") from exc
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": "application/json", **headers})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def sync_client(gateway: FakeGateway, **options: Any) -> Client:
    session = requests.Session()
    session.mount("https://", _Adapter(gateway))
    options.setdefault("backoff", 0.01)
    return Client(BASE, "key_1", session=session, clock=gateway.clock.monotonic, sleep=gateway.clock.sleep, **options)


def async_client(gateway: FakeGateway, **options: Any) -> AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen = Seen(request.method, request.url.path, dict(request.url.params),
                    json.loads(request.content) if request.content else None,
                    {k.lower(): v for k, v in request.headers.items()})
        try:
            status, payload, headers = gateway.answer(seen)
        except Drop as exc:
            raise httpx.ConnectError("connection reset by peer", request=request) from exc
        return httpx.Response(status, json=payload, headers=headers)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    options.setdefault("backoff", 0.01)
    return AsyncClient(BASE, "key_1", http=http, clock=gateway.clock.monotonic, sleep=gateway.clock.asleep, **options)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# What the gateway answers --------------------------------------------------------------------------------------


def customer_json(n: int) -> dict[str, Any]:
    list_id = f"8000{n:04d}-1764579000"
    return {"element": "CustomerRet", "list_id": list_id, "id": list_id, "time_created": "2026-11-30T09:30:00-07:00",
            "time_modified": "2026-11-30T09:30:00-07:00", "revision_number": f"17645790{n:02d}",
            "name": f"Acme {n:02d}", "full_name": f"Acme {n:02d}", "is_active": True, "sublevel": 0,
            "balance": f"{n}.50", "total_balance": f"{n}.50"}


INVOICE = {
    "txn_id": "1A-1764579001", "id": "1A-1764579001", "time_created": "2026-12-01T10:00:00-07:00",
    "time_modified": "2026-12-01T10:00:00-07:00", "revision_number": "1764579001", "txn_number": 7,
    "customer_ref": {"list_id": "80000001-1764579000", "full_name": "Acme 01"}, "txn_date": "2026-12-01",
    "ref_number": "1042", "subtotal": "190.00", "balance_remaining": "190.00", "is_paid": False,
    "lines": [
        {"element": "InvoiceLineRet", "txn_line_id": "1B-1764579001", "desc": "Consulting", "quantity": "2",
         "rate": "75", "amount": "150.00"},
        {"element": "InvoiceLineRet", "txn_line_id": "1C-1764579001", "desc": "Travel", "amount": "40.00"},
    ],
}


def ok(body: Any, status: int = 200, job: str = "job_1") -> Reply:
    return status, body, {"Job-Id": job}


def accepted(job: str) -> Reply:
    location = f"/v1/jobs/{job}"
    return 202, {"id": job, "end_user_id": EU, "status": "queued", "enqueued_at": "2026-12-01T10:00:00.000Z",
                 "location": location}, {"Location": location, "Job-Id": job, "Retry-After": "5"}


def job_view(job: str, status: str, **extra: Any) -> Reply:
    return 200, {"id": job, "end_user_id": EU, "status": status, "request_names": ["InvoiceAddRq"],
                 "response_qbxml": None, "error": None, "enqueued_at": "2026-12-01T10:00:00.000Z",
                 "started_at": None, "completed_at": None, "deadline_at": None, "attempts": 0, **extra}, {"Job-Id": job}


def envelope(status: int, code: str, kind: str, job: str | None = "job_7", **extra: Any) -> Reply:
    err = {"type": kind, "code": code, "message": f"technical {code}", "user_facing_message": f"Tell the user: {code}",
           "http_status": status, "integration_code": None, "retryable": False, "guide": "", "request_id": "req_9",
           **extra}
    return status, {"error": err}, {"Job-Id": job} if job else {}


# The generated module ------------------------------------------------------------------------------------------


def test_the_committed_resources_are_what_the_generator_writes() -> None:
    # GIVEN the module rendered from the gateway's catalog now  THEN it is the committed one
    committed = (REPO_DIR / "sdk" / "qbd_gateway_sdk" / "resources_generated.py").read_text(encoding="utf-8")
    assert render() == committed, "run python -m tools.gen_sdk_resources"


def test_the_sdk_imports_nothing_of_the_gateway() -> None:
    # GIVEN every module of the SDK  THEN none imports chalicelib or lxml
    for path in sorted((REPO_DIR / "sdk" / "qbd_gateway_sdk").rglob("*.py")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        imports = [line for line in lines if line.startswith(("import ", "from "))]
        assert not [line for line in imports if "chalicelib" in line or "lxml" in line], path


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[Client, AsyncClient]]:
    gateway = FakeGateway(lambda seen: ok({}))
    sync, asynchronous = sync_client(gateway), async_client(gateway)
    yield sync, asynchronous
    run(asynchronous.http.aclose())


@pytest.mark.parametrize("name", names())
def test_each_resource_has_exactly_the_operations_of_the_catalog(name: str, clients: tuple[Client, AsyncClient]
                                                                 ) -> None:
    # GIVEN the resource as the gateway's catalog has it
    res = resource(name)
    assert res is not None
    expected = {"run"} if res.operations() == ("report",) else {"retrieve"} if res.singleton else set(
        res.operations())
    possible = ("list", "retrieve", "create", "update", "delete", "void", "run")
    for client in clients:
        # WHEN the client's attribute of that name (snake_case) is looked at
        typed = getattr(client, name.replace("-", "_"))
        # THEN it has those methods and no other, for the sync and the async client
        assert {m for m in possible if hasattr(typed, m)} == expected, type(typed).__name__
        assert typed.path == name
        if isinstance(client, AsyncClient):
            assert all(inspect.iscoroutinefunction(getattr(typed, m)) for m in expected - {"list"})
    assert generated.RESOURCES[name] == tuple(m for m in possible if m in expected)


_SAMPLES = {"Ids": "80000001-1764579000", "str": "Acme", "Status": "all", "DateTimeLike": "2026-01-01T00:00:00",
            "DateLike": "2026-01-01"}
_ALL_NAMED = {param: kind for spec in specs() for param, kind in spec.filters}


@pytest.mark.parametrize("spec", specs(), ids=lambda s: s.res.name)
def test_the_named_filters_are_exactly_those_the_gateway_applies(spec: Any) -> None:
    if "list" not in spec.res.operations() or spec.res.singleton:
        return
    named = dict(spec.filters)
    # GIVEN the list method of the generated sync class  THEN its keyword arguments are the named filters
    signature = inspect.signature(getattr(generated, spec.cls).list)
    assert set(named) <= set(signature.parameters)
    for param in sorted(_ALL_NAMED):
        if param in named:
            # WHEN a named filter of this resource is given alone  THEN the gateway builds the list call
            build.list_call(spec.res, {param: _SAMPLES[named[param]]}, limit=10)
        else:
            # AND one this resource does not have is one the gateway refuses
            with pytest.raises(GatewayError, match="has no filter"):
                build.list_call(spec.res, {param: _SAMPLES[_ALL_NAMED[param]]}, limit=10)


# Models from JSON ----------------------------------------------------------------------------------------------


def test_records_read_from_json_are_typed_models() -> None:
    # GIVEN the JSON of a customer and of an invoice as the gateway answers them
    customer = CustomerRet.model_validate(customer_json(3))
    invoice = InvoiceRet.model_validate(INVOICE)
    # THEN amounts are exact Decimals, id is the ListID/TxnID, dates and offsets are kept
    assert customer.id == customer.list_id == "80000003-1764579000"
    assert customer.balance == Decimal("3.50") and isinstance(customer.balance, Decimal)
    assert customer.time_created is not None and customer.time_created.utcoffset() == timedelta(hours=-7)
    assert invoice.id == "1A-1764579001" and invoice.txn_date == date(2026, 12, 1)
    assert invoice.subtotal == Decimal("190.00") and invoice.customer_ref is not None
    assert [type(line) for line in invoice.lines] == [InvoiceLineRet, InvoiceLineRet]
    first = invoice.lines[0]
    assert isinstance(first, InvoiceLineRet) and first.amount == Decimal("150.00") and first.quantity == 2
    # AND back to JSON, amounts are strings with two decimals again
    assert invoice.model_dump(mode="json", exclude_none=True)["subtotal"] == "190.00"


def test_a_record_from_a_newer_gateway_is_read_without_the_fields_this_sdk_does_not_know() -> None:
    # GIVEN an invoice's JSON with fields a later qbXML version added, at the top, in a ref and in a line
    from qbd_gateway_sdk.resources import parse_record

    newer = {**INVOICE, "loyalty_tier": "gold", "customer_ref": {**INVOICE["customer_ref"], "region": "north"},
             "lines": [{**INVOICE["lines"][0], "carbon_grams": "12"}, *INVOICE["lines"][1:]]}
    with pytest.raises(ValidationError):  # the models alone refuse them (what a caller sends is checked strictly)
        InvoiceRet.model_validate(newer)
    # WHEN the SDK reads it as a record  THEN it is the invoice, with every field it knows
    invoice = parse_record(newer, ("InvoiceRet",))
    assert invoice == InvoiceRet.model_validate(INVOICE)


# Sync -----------------------------------------------------------------------------------------------------------


def _three_pages(gateway: FakeGateway) -> Callable[[Seen], Reply]:
    pages = {None: ([1, 2], "c1"), "c1": ([3, 4], "c2"), "c2": ([5], None)}

    def handler(seen: Seen) -> Reply:
        assert seen.method == "GET" and seen.path == f"/v1/end-users/{EU}/customers"
        numbers, cursor = pages[seen.params.get("cursor")]
        return ok({"object": "list", "data": [customer_json(n) for n in numbers], "has_more": cursor is not None,
                   "next_cursor": cursor, "remaining_count": 0 if cursor is None else 5 - numbers[-1]})

    return handler


def test_a_list_pages_through_three_pages_following_next_cursor() -> None:
    gateway = FakeGateway(lambda seen: ok({}))
    gateway.handler = _three_pages(gateway)
    client = sync_client(gateway)
    # WHEN the customers are listed with a filter and two a page
    pager = client.customers.list(end_user_id=EU, name_contains="Acme", status="all", limit=2)
    assert gateway.seen == []  # nothing is asked before the pager is iterated
    customers = list(pager)
    # THEN every record of the three pages comes, in order, typed
    assert [c.name for c in customers] == ["Acme 01", "Acme 02", "Acme 03", "Acme 04", "Acme 05"]
    assert all(isinstance(c, CustomerRet) for c in customers) and customers[4].balance == Decimal("5.50")
    # AND the first call carried the filters, the next ones only the cursor and the limit
    assert [s.params for s in gateway.seen] == [
        {"name_contains": "Acme", "status": "all", "limit": "2", "wait": "25"},
        {"limit": "2", "cursor": "c1", "wait": "25"},
        {"limit": "2", "cursor": "c2", "wait": "25"},
    ]
    assert all(s.headers["authorization"] == "Bearer key_1" for s in gateway.seen)
    # AND pages() gives the pages themselves
    pages = list(client.customers.list(EU, limit=2).pages())
    assert [(len(p.data), p.has_more, p.next_cursor, p.remaining_count) for p in pages] == [
        (2, True, "c1", 3), (2, True, "c2", 1), (1, False, None, 0)]


def test_a_one_page_list_cut_by_its_limit_is_never_read_as_the_whole_list() -> None:
    # GIVEN a list the gateway answers in one page (as /accounts), cut by its limit: more records, no cursor
    gateway = FakeGateway(lambda seen: ok({"object": "list", "data": [customer_json(1), customer_json(2)],
                                           "has_more": True, "next_cursor": None, "remaining_count": None}))
    client = sync_client(gateway)
    # THEN its page says there are more, and pages() stops there, after one call
    pages = list(client.customers.list(EU, limit=2).pages())
    assert [(len(p.data), p.has_more, p.next_cursor, p.remaining_count) for p in pages] == [(2, True, None, None)]
    assert len(gateway.seen) == 1
    # AND iterating its records yields the two, then refuses to pass the cut off as the end of the list
    seen: list[Any] = []
    with pytest.raises(QbdGatewayError) as cut:
        seen.extend(client.customers.list(EU, limit=2))
    assert len(seen) == 2 and cut.value.code == "list_truncated" and "higher limit" in cut.value.message

    async def scenario() -> list[Any]:  # the async client the same
        found: list[Any] = []
        async with async_client(gateway) as asynchronous:
            with pytest.raises(QbdGatewayError) as async_cut:
                async for record in asynchronous.customers.list(EU, limit=2):
                    found.append(record)
        assert async_cut.value.code == "list_truncated"
        return found

    assert len(run(scenario())) == 2


def test_a_202_is_followed_by_long_polls_until_the_job_succeeds() -> None:
    polls: list[str] = []

    def handler(seen: Seen) -> Reply:
        if seen.method == "POST":
            gateway.hold(seen)
            return accepted("job_9")
        polls.append(seen.path)
        if len(polls) == 1:
            gateway.hold(seen)
            return job_view("job_9", "in_flight")
        return job_view("job_9", "succeeded", result=INVOICE)

    gateway = FakeGateway(handler)
    client = sync_client(gateway)
    # WHEN an invoice is created and QuickBooks answers only after two long polls
    invoice = client.invoices.create(EU, customer={"full_name": "Acme 01"},
                                     lines=[{"desc": "Consulting", "quantity": 2, "rate": Decimal("75.00")},
                                            {"desc": "Travel", "amount": Decimal("40.00")}])
    # THEN the job's result is the typed invoice
    assert isinstance(invoice, InvoiceRet) and invoice.subtotal == Decimal("190.00") and invoice.id == "1A-1764579001"
    # AND the body went as JSON (Decimals as strings), the polls were GET /v1/jobs/job_9, each waiting 25 s
    assert gateway.seen[0].body == {"customer": {"full_name": "Acme 01"}, "lines": [
        {"desc": "Consulting", "quantity": 2, "rate": "75.00"}, {"desc": "Travel", "amount": "40.00"}]}
    assert polls == ["/v1/jobs/job_9", "/v1/jobs/job_9"]
    assert gateway.waits == [25, 25, 25] and gateway.clock.sleeps == []


def test_the_total_timeout_raises_job_timeout_error_with_the_job_id() -> None:
    def handler(seen: Seen) -> Reply:
        gateway.hold(seen)
        return accepted("job_5") if seen.method == "POST" else job_view("job_5", "queued")

    gateway = FakeGateway(handler)
    client = sync_client(gateway)
    # WHEN QuickBooks never answers within the default 90 s
    with pytest.raises(JobTimeoutError) as timed_out:
        client.customers.create(EU, name="Acme")
    # THEN the call waited 25 + 25 + 25 + 15 s (each poll the time left, at most 25) and no more
    assert gateway.waits == [25, 25, 25, 15] and gateway.clock.now == 1090
    err = timed_out.value
    assert isinstance(err, QbdGatewayError) and err.job_id == "job_5" and err.status == "queued"
    assert err.code == "job_wait_timeout" and err.retryable and gateway.clock.sleeps == []
    # AND a shorter timeout, on the client or on the call, is the total
    gateway.seen.clear()
    with pytest.raises(JobTimeoutError):
        sync_client(gateway, call_timeout=40).customers.create(EU, name="Acme")
    assert gateway.waits == [25, 15]
    gateway.seen.clear()
    with pytest.raises(JobTimeoutError) as at_once:
        client.customers.create(EU, name="Acme", timeout=0)
    assert gateway.waits == [0] and at_once.value.job_id == "job_5"
    # AND the job can be read later by its id
    gateway.handler = lambda seen: job_view("job_5", "succeeded", result=customer_json(8))
    assert CustomerRet.model_validate(client.wait_for_result("job_5")).name == "Acme 08"


@pytest.mark.parametrize(("reply", "expected"), [
    (envelope(409, "stale_edit_sequence", "quickbooks_request_error"), StaleRevisionError),
    (envelope(404, "object_not_found", "invalid_request_error"), NotFoundError),
    (envelope(404, "route_not_found", "invalid_request_error", job=None), NotFoundError),
    (envelope(400, "invalid_request", "invalid_request_error", job=None), InvalidRequestError),
    (envelope(405, "method_not_allowed", "invalid_request_error", job=None), InvalidRequestError),
    (envelope(503, "quickbooks_not_running", "connection_error", retryable=True), ConnectionProblemError),
    (envelope(503, "bad_web_connector_password", "authentication_error"), ConnectionProblemError),
    (envelope(409, "wrong_company_file", "connection_error"), ConnectionProblemError),
    (envelope(401, "invalid_api_key", "authentication_error", job=None), AuthenticationError),
    (envelope(422, "name_already_in_use", "quickbooks_request_error"), QuickBooksError),
    (envelope(429, "rate_limited", "internal_error", job=None), QbdGatewayError),
])
def test_each_error_is_raised_as_its_typed_error(reply: Reply, expected: type[QbdGatewayError]) -> None:
    gateway = FakeGateway(lambda seen: reply)
    client = sync_client(gateway, retries=0)
    # WHEN a retrieve is answered with the error envelope
    with pytest.raises(QbdGatewayError) as raised:
        client.customers.retrieve(EU, "80000001-1764579000")
    # THEN it is raised as that class, keeping what the envelope said and the job
    err = raised.value
    status, body, headers = reply
    assert type(err) is expected
    assert err.code == body["error"]["code"] and err.http_status == status and err.request_id == "req_9"
    assert err.user_facing_message == f"Tell the user: {err.code}" and err.type == body["error"]["type"]
    assert err.job_id == headers.get("Job-Id")


def test_a_job_that_fails_after_a_202_raises_its_typed_error_with_the_job_id() -> None:
    stale = envelope(409, "stale_edit_sequence", "quickbooks_request_error")[1]["error"]
    missing = envelope(422, "referenced_record_not_found", "quickbooks_request_error")[1]["error"]

    def handler(seen: Seen) -> Reply:
        if not seen.path.startswith("/v1/jobs/"):
            return accepted("job_3")
        return job_view("job_3", "failed", error=missing if "retrieve" in seen_calls else stale)

    seen_calls: list[str] = []
    gateway = FakeGateway(handler)
    client = sync_client(gateway)
    # WHEN an update's job fails on a stale revision
    with pytest.raises(StaleRevisionError) as raised:
        client.customers.update(EU, "80000001-1764579000", revision_number="1", phone="555-0100",
                                idempotency_key="change-1")
    assert raised.value.job_id == "job_3" and raised.value.http_status == 409
    assert gateway.seen[0].body == {"phone": "555-0100", "revision_number": "1"}
    assert gateway.seen[0].headers["idempotency-key"] == "change-1"
    # AND a retrieve's job fails because QuickBooks has no such record: NotFoundError, as in time
    seen_calls.append("retrieve")
    with pytest.raises(NotFoundError) as gone:
        client.invoices.retrieve(EU, "1A-0")
    assert gone.value.code == "object_not_found" and gone.value.http_status == 404 and gone.value.job_id == "job_3"
    assert "referenced_record_not_found" in gone.value.message


def test_the_job_view_s_result_error_is_the_error_raised_after_a_202() -> None:
    # GIVEN a job whose view carries the gateway's own answer to the call (result_error), beside its raw error
    mapped = envelope(404, "object_not_found", "invalid_request_error")[1]["error"]
    raw = envelope(422, "referenced_record_not_found", "quickbooks_request_error")[1]["error"]

    def handler(seen: Seen) -> Reply:
        if not seen.path.startswith("/v1/jobs/"):
            return accepted("job_9")
        return job_view("job_9", "failed", error=raw, result_error=mapped)

    # WHEN a delete's job is read after the 202  THEN the call raises what the gateway mapped
    with pytest.raises(NotFoundError) as gone:
        sync_client(FakeGateway(handler)).customers.delete(EU, "80000001-1")
    assert gone.value.code == "object_not_found" and gone.value.job_id == "job_9"
    assert gone.value.message == mapped["message"]


def test_writes_are_retried_only_with_an_idempotency_key() -> None:
    attempts: list[Seen] = []

    def handler(seen: Seen) -> Reply:
        attempts.append(seen)
        if len(attempts) == 1:
            raise Drop
        return ok(customer_json(1), 201)

    gateway = FakeGateway(handler)
    client = sync_client(gateway)
    # WHEN a create without a key meets a broken connection  THEN it is raised at once: sent once
    with pytest.raises(QbdGatewayError) as broken:
        client.customers.create(EU, name="Acme 01")
    assert broken.value.code == "network_error" and len(attempts) == 1
    # WHEN the same with a key  THEN it is sent again after a back-off, with the same key, and answers
    attempts.clear()
    created = client.customers.create(EU, name="Acme 01", idempotency_key="signup-1")
    assert created.name == "Acme 01" and len(attempts) == 2 and gateway.clock.sleeps == [0.01]
    assert {a.headers["idempotency-key"] for a in attempts} == {"signup-1"}
    # AND a read is retried on a proxy's 502 (no envelope), but not on a job's connection error
    answers = iter([(502, "Bad Gateway", {}), ok(customer_json(2))])
    gateway.handler = lambda seen: next(answers)
    assert client.customers.retrieve(EU, "x").name == "Acme 02"
    gateway.seen.clear()
    gateway.handler = lambda seen: envelope(503, "quickbooks_not_running", "connection_error", retryable=True)
    with pytest.raises(ConnectionProblemError):
        client.customers.retrieve(EU, "x")
    assert len(gateway.seen) == 1


def test_delete_void_items_reports_singletons_and_any_request() -> None:
    def handler(seen: Seen) -> Reply:
        route = (seen.method, seen.path)
        if route == ("DELETE", f"/v1/end-users/{EU}/customers/80000001-1"):
            return ok({"id": "80000001-1", "deleted": True, "list_del_type": "Customer", "full_name": "Acme"})
        if route == ("POST", f"/v1/end-users/{EU}/invoices/1A-1/void"):
            assert seen.body == {}
            return ok({"id": "1A-1", "voided": True, "txn_void_type": "Invoice"})
        if route == ("GET", f"/v1/end-users/{EU}/items"):
            return ok({"object": "list", "data": [
                {"element": "ItemServiceRet", "list_id": "1", "name": "Labor"},
                {"element": "ItemInventoryRet", "list_id": "2", "name": "Pipe", "sales_price": "12.50"}],
                "has_more": False, "next_cursor": None, "remaining_count": 0})
        if route == ("GET", f"/v1/end-users/{EU}/reports/general-summary"):
            assert seen.params == {"type": "ProfitAndLossStandard", "from_date": "2026-01-01", "wait": "25"}
            return ok({"report_title": "Profit & Loss", "report_subtitle": "January 2026", "num_rows": 1,
                       "num_columns": 1, "num_col_title_rows": 1,
                       "col_desc": [{"col_id": 1, "data_type": "AMTTYPE", "col_title": [{"title_row": 1}],
                                     "col_type": "Amount"}]})
        if route == ("GET", f"/v1/end-users/{EU}/company"):
            return ok({"company_name": "Acme Books"})
        assert route == ("POST", f"/v1/end-users/{EU}/requests"), route
        assert seen.body == {"type": "InvoiceAdd", "invoice_add": {"customer_ref": {"full_name": "Acme"}}}
        return ok({"id": "job_4", "type": "InvoiceAdd", "response": {
            "type": "InvoiceAddRs", "request_id": "job_4", "status_code": 0, "status_severity": "Info",
            "status_message": "Status OK", "invoice_ret": INVOICE}}, 201, "job_4")

    client = sync_client(FakeGateway(handler))
    deleted = client.customers.delete(EU, "80000001-1")
    assert isinstance(deleted, Deleted) and deleted.deleted and deleted.model_extra == {
        "list_del_type": "Customer", "full_name": "Acme"}
    voided = client.invoices.void(EU, "1A-1")
    assert isinstance(voided, Voided) and voided.voided and voided.id == "1A-1"
    items = list(client.items.list(EU))
    assert [type(i) for i in items] == [ItemServiceRet, ItemInventoryRet]
    assert isinstance(items[1], ItemInventoryRet) and items[1].sales_price == Decimal("12.50")
    report = client.reports.run(EU, "general-summary", type="ProfitAndLossStandard", from_date=date(2026, 1, 1))
    assert isinstance(report, ReportRet) and report.num_rows == 1
    assert client.company.retrieve(EU).company_name == "Acme Books"
    answered = client.request(EU, "InvoiceAdd", invoice_add={"customer_ref": {"full_name": "Acme"}})
    assert answered.id == "job_4" and answered.type == "InvoiceAdd" and isinstance(answered.response, InvoiceAddRs)
    assert answered.response.invoice_ret is not None and answered.response.invoice_ret.subtotal == Decimal("190.00")


# Async ----------------------------------------------------------------------------------------------------------


def test_the_async_client_pages_with_async_for() -> None:
    gateway = FakeGateway(lambda seen: ok({}))
    gateway.handler = _three_pages(gateway)

    async def scenario() -> list[CustomerRet]:
        async with async_client(gateway) as client:
            return [c async for c in client.customers.list(EU, name_starts_with="Acme", limit=2)]

    customers = run(scenario())
    assert [c.name for c in customers] == ["Acme 01", "Acme 02", "Acme 03", "Acme 04", "Acme 05"]
    assert [s.params for s in gateway.seen] == [{"name_starts_with": "Acme", "limit": "2", "wait": "25"},
                                                {"limit": "2", "cursor": "c1", "wait": "25"},
                                                {"limit": "2", "cursor": "c2", "wait": "25"}]


def test_the_async_client_long_polls_times_out_and_raises_typed_errors() -> None:
    def handler(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path.endswith("/invoices"):
            gateway.hold(seen)
            return accepted("job_9")
        if seen.path == "/v1/jobs/job_9":
            if len(gateway.seen) == 2:
                gateway.hold(seen)
                return job_view("job_9", "queued")
            return job_view("job_9", "succeeded", result=INVOICE)
        if seen.path.endswith("/customers"):
            gateway.hold(seen)
            return accepted("job_5")
        if seen.path == "/v1/jobs/job_5":
            gateway.hold(seen)
            return job_view("job_5", "in_doubt")
        if len([s for s in gateway.seen if s.path.endswith("/stale")]) == 1:
            raise Drop
        return envelope(409, "stale_edit_sequence", "quickbooks_request_error")

    gateway = FakeGateway(handler)

    async def scenario() -> tuple[InvoiceRet, JobTimeoutError, StaleRevisionError]:
        async with async_client(gateway) as client:
            invoice = await client.invoices.create(EU, customer={"full_name": "Acme 01"}, lines=[{"desc": "Work"}])
            try:
                await client.customers.create(EU, name="Acme", timeout=60)
            except JobTimeoutError as exc:
                timed_out = exc
            try:
                await client.customers.update(EU, "stale", revision_number="1", idempotency_key="k-1", phone="1")
            except StaleRevisionError as exc:
                stale = exc
            return invoice, timed_out, stale

    invoice, timed_out, stale = run(scenario())
    # THEN the invoice came after one long poll; the create timed out after 25 + 25 + 10 s, naming its job
    assert isinstance(invoice, InvoiceRet) and invoice.lines[1].amount == Decimal("40.00")
    assert gateway.waits[:6] == [25, 25, 25, 25, 25, 10]
    assert timed_out.job_id == "job_5" and timed_out.status == "in_doubt"
    # AND the update, retried once after a dropped connection (it has a key), raised the typed 409
    assert stale.code == "stale_edit_sequence" and stale.job_id == "job_7" and stale.http_status == 409
    assert len([s for s in gateway.seen if s.path.endswith("/stale")]) == 2 and gateway.clock.sleeps == [0.01]


def test_a_request_answered_after_a_202_is_read_from_the_job_s_json() -> None:
    company = {"type": "CompanyQueryRs", "request_id": "job_6", "status_code": 0, "status_severity": "Info",
               "company_ret": {"company_name": "Acme Books"}}

    def handler(seen: Seen) -> Reply:
        if seen.method == "POST":
            gateway.hold(seen)
            return accepted("job_6")
        # a typed request's job has no "result": its answer is its response_json
        return job_view("job_6", "succeeded", response_json=[company])

    gateway = FakeGateway(handler)
    answered = sync_client(gateway).request(EU, "CompanyQuery", idempotency_key="ask-1")
    assert gateway.seen[0].body == {"type": "CompanyQuery"} and gateway.seen[0].headers["idempotency-key"] == "ask-1"
    assert (answered.id, answered.type) == ("job_6", "CompanyQuery")
    assert type(answered.response).__name__ == "CompanyQueryRs"
    assert answered.response.company_ret.company_name == "Acme Books"  # type: ignore[attr-defined]


def test_typed_models_dates_and_lists_go_on_the_wire_as_the_gateway_reads_them() -> None:
    gateway = FakeGateway(lambda seen: ok(INVOICE, 201) if seen.method == "POST" else ok(
        {"object": "list", "data": [], "has_more": False, "next_cursor": None, "remaining_count": 0}))
    client = sync_client(gateway)
    # WHEN a body holds a typed line and a date, and a list is filtered by several ids and a date
    client.invoices.create(EU, customer={"full_name": "Acme"}, txn_date=date(2026, 12, 1),
                           lines=[InvoiceLineAdd(desc="Work", amount=Decimal("90"))])
    list(client.invoices.list(EU, ids=["1A-1", "1A-2"], transaction_date_from=date(2026, 1, 1),
                              include_line_items=True))
    # THEN the line is its JSON (with its element), the date ISO, the ids comma-separated, booleans lower-case
    assert gateway.seen[0].body == {"customer": {"full_name": "Acme"}, "txn_date": "2026-12-01",
                                    "lines": [{"element": "InvoiceLineAdd", "desc": "Work", "amount": "90.00"}]}
    assert gateway.seen[1].params == {"ids": "1A-1,1A-2", "transaction_date_from": "2026-01-01",
                                      "include_line_items": "true", "wait": "25"}


def test_a_request_may_be_a_typed_request_model() -> None:
    answer = {"type": "CustomerQueryRs", "status_code": 0, "status_severity": "Info",
              "customer_ret": [customer_json(1), customer_json(2)]}
    gateway = FakeGateway(lambda seen: ok({"id": "job_2", "type": "CustomerQuery", "response": answer}))
    answered = sync_client(gateway).request(EU, CustomerQueryRq(max_returned=2))
    # THEN the model went as its message name and fields, and the answer is the typed response
    assert gateway.seen[0].body == {"type": "CustomerQueryRq", "max_returned": 2}
    assert isinstance(answered.response, CustomerQueryRs)
    assert [c.name for c in answered.response.customer_ret] == ["Acme 01", "Acme 02"]
