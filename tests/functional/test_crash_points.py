"""The crash-point matrix: every AWS call of two normal scenarios, failed before it applies and after.

A clean run of a scenario records every AWS API call the gateway's handlers make (DynamoDB, SQS,
S3), numbered by a botocore ``before-call`` hook as ``bench.calls`` counts them. Each call then
defines two crash points, each run on a fresh table:

* ``before``: a ``before-send`` hook (registered first, so ahead of moto's own) raises a
  ``ThrottlingException`` ``ClientError``: the call never reaches the service;
* ``after``: the call goes through, then an ``after-call`` hook raises ``ReadTimeoutError``: it
  applied and its answer was lost.

The first scenario (``World``), on one end-user: a CustomerQuery and a CustomerAdd over REST
(``queue.enqueue(..., source="rest")`` with an Idempotency-Key), a CustomerAdd through the SQS ingress
handler (``handle_batch``) and one through the SDK (``chalicelib.sdk.enqueue_job``); one Web Connector
session that runs them (``QbwcService.dispatch``), from ``authenticate`` (its first ``sendRequestXML``
with QuickBooks' HCP answer) to ``getLastError`` past the idle limit and ``closeConnection``; then a
read and a write over REST with a deadline of under a minute while no Web Connector runs, and a
minute later the sweeper (``sweep``, ``expire_overdue``: it expires those two, ``report_gauges``) and
the re-publisher. The simulated company file (:class:`simulator.CompanyFile`) answers every message
set and records what it executed; it holds a few customers beforehand, so the first query's answer
is larger than ``inline_result_max_bytes`` and goes to S3 while the adds' answers stay on the job item.

The second scenario (``PagedWorld``, the same end-user, settings and machinery) is a paged sync: a
CustomerQuery (``ActiveStatus`` All) over REST with ``paging={"page_size": 3}`` and an
Idempotency-Key, on a company file of 9 customers from ``CompanyFile.populate`` (seed 25: two jobs
``Parent:Job``, an inactive customer, a lower-case name between capitals, ``Å…`` after ``S`` without
regard to case). The first session delivers pages 1 and 2 and the machine sleeps (no more calls, no
``closeConnection``; QuickBooks ends its session, the iterator dies); past the lease TTL the sweeper
(``sweep`` re-sends the page its lease pointed at, ``expire_overdue``; not ``report_gauges``, failed in
the first scenario) and the re-publisher run; the next scheduled session restarts the sync from the
last name delivered (page 3, ``resumed``), QuickBooks restarts under it after one message set
(statusCode 3391 on the next ``Continue``: the sync restarts again in the same session) and page 4,
also ``resumed``, is the last. Pages of 3 customers (pages 1, 2) and of 2 (page 3) are above half the
job item's inline room and go to S3; page 4 (one customer) stays inline. A faulted Web Connector
closes its connection after a negative percent or an error text, which ends QuickBooks' session and
its iterator too: recovery then restarts the sync in the next session, from wherever it stood.

After the fault, the system recovers the way its callers behave (PROTOCOL.md §2): the Web Connector
calls ``closeConnection`` after a negative percent or an error text and stops; a REST or SDK caller
whose call raised resends it later with the same Idempotency-Key; a failed ingress message is
delivered again (same message id). Then, with no more faults, rounds of (a scheduled Web Connector
run, a minute, the sweeper, the re-publisher) until the state is quiet (no pointer, nothing due for
the sweeper, no live holder, every job terminal and out of the outbox), at most ``MAX_ROUNDS``; the
clock moves past the lease TTL and the stale time when a session was refused ``busy``. The rounds
leave the sweeper's ``report_gauges`` out: it only reads (40 queries), and the first scenario fails
each of its calls. Then the invariants:

1. every accepted job (an enqueue that returned) is terminal, and the results queue holds a message
   with that status (duplicates allowed; none with another terminal status; an S3 answer exists);
2. no write executed twice by QuickBooks (executions of each CustomerAdd name);
3. no second message set handed to QuickBooks while the previous one had no answer the gateway
   took, unless the lease it was handed out under had ended (expired, or given up by its session);
4. no accepted write reported failed/expired/cancelled while QuickBooks applied it, except
   ``in_doubt_unresolved``; and none reported succeeded that QuickBooks never applied;
5. (the paged sync) its pages as the SaaS keeps them: (a) the result messages of the job carry
   pages 1..n without a gap, each page number with one content (a resend is the very same message);
   (b) page n, and only it, says ``last: true`` and ``succeeded``, every page before it ``in_flight``,
   nothing after it, and each ``cursor`` is ``<job id>:<page>``; (c) each page's ``records`` is the
   number of customers it holds (inline, or read from S3), and the ListIDs of pages 1..n are the
   company file's customers, each exactly once, in QuickBooks' order (FullName without regard to
   case); (d) a page says ``resumed: true`` exactly when it came from a query started again after a
   page was delivered, i.e. from the first answer after a restart (matched against the answers
   QuickBooks gave: a page is such an answer less the records delivered before it); (e) the job
   ends ``succeeded``; (f) every page on S3 is in the bucket, and at least one page went there.

Stores: DynamoDB on in-process moto and on dynalite (SQS and S3 on in-process moto). The clock is
manual (the SDK's too) and the end-user is the same record (same id) in every fresh table, so every
run is deterministic and a crash point keeps its label (handler step, operation, rank) from run to
run; each faulted run checks that it reached its call as the clean run did.

Speed: the services are built once per account (``wiring.build`` makes boto3 clients and loads the
schemas); every run gets the table anew under the same name and a results queue of its own. A crash
point in the schedules (two thirds of them) starts from the clean run's snapshot taken just before
them — the table's items, the results received, the jobs accepted, the message sets QuickBooks was
sent (replayed into a fresh company file) — instead of replaying the enqueues and the session; a run
from the snapshot without a fault is checked to make the clean run's calls; in the paged scenario the
snapshot is taken once the first session has vanished, so the sweeper, the re-publisher and the
resumed session (three quarters of its calls) start from it (the answers QuickBooks gave are part of
it: a replayed ``Continue`` finds no iterator). The paged file is populated without the final
``gc.collect()`` that ``populate`` makes for large files (70 ms a run in a process holding moto).
Each scenario's matrix on each store is split over two spawned processes. Every crash point must
pass: the failing ones are named with what broke.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import multiprocessing
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from lxml import etree
from moto import mock_aws

from bench.calls import ManualClock
from bench.harness import customer_add, customer_query
from chalicelib import sdk
from chalicelib.api.bodies import CreateEndUser
from chalicelib.api.endusers import EndUserService
from chalicelib.api.ingress import DeadLetters, IngressRecord, handle_batch
from chalicelib.config import Settings
from chalicelib.delivery.sqs import SqsResultPublisher
from chalicelib.feed.publisher import FeedPublisher
from chalicelib.jobs import security
from chalicelib.jobs.models import EndUser, Job, Lease
from chalicelib.jobs.security import ticket_hash
from chalicelib.jobs.states import TERMINAL, JobStatus
from chalicelib.observability import NO_METRICS
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.service import HRESULT_ERROR_PERCENT, NOOP
from chalicelib.store.dynamo_base import from_item
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.memory import MemoryStore
from chalicelib.wiring import Services, build
from infra.provision import provision
from simulator import CompanyFile, HResultError, population
from tests.support.paths import SCHEMA_DIR
from tests.support.stack import aws_client

REGION = "us-east-1"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
BEFORE, AFTER = "before", "after"
MODES = (BEFORE, AFTER)
STORES = ("moto", "dynalite")
SETTINGS = {
    "session_idle_seconds": 30,  # QBDGW_SESSION_IDLE_SECONDS as deployed
    "lease_ttl_seconds": 120,
    "session_stale_seconds": 90,
    "default_deadline_seconds": 3600,  # queued jobs outlive the recovery rounds
    "inline_result_max_bytes": 4000,  # the query's answer (the customers below) goes to S3
}
COMPANY = "Crash Point Hardware"
END_USER_ID = "eu_01jwqy0000crashpoints0000"
EXISTING_CUSTOMERS = 12
POLL = timedelta(seconds=20)  # the Web Connector's scheduled runs (QBDGW_QWC_RUN_EVERY_SECONDS)
SCHEDULE = timedelta(seconds=61)  # the sweeper and the re-publisher run every minute
MAX_EXCHANGES = 40  # sendRequestXML calls in one session
MAX_ROUNDS = 10  # recovery rounds before "never quiet" is a failure
MAX_RETRIES = 3  # a caller's resends of an enqueue that raised
CLIENT_VERSION = "2.3.0.215"
WRITES = {"rest write": "Crash REST Write", "sqs write": "Crash SQS Write", "sdk write": "Crash SDK Write",
          "late write": "Crash Late Write"}
LATE_DEADLINES = {"late read": 45, "late write": 50}  # overdue when the sweeper runs a minute later
MIN_CALLS = 100  # the first scenario makes at least this many AWS calls (its sweeper run alone makes 75)


# The fault injector -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallRecord:
    """One AWS API call as the ``before-call`` hook saw it, named by the handler step that made it."""

    index: int
    step: str
    name: str  # service.Operation
    nth: int  # its rank among the calls of that name in that step

    @property
    def label(self) -> str:
        return f"{self.step}: {self.name}#{self.nth}"


class Faults:
    """Hooks on the services' boto3 clients: number every call, and fail the one armed."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []
        self.recording = False
        self.target: tuple[int, str] | None = None
        self.fired: tuple[CallRecord, str] | None = None
        self._step = "-"
        self._seen: Counter[str] = Counter()
        self._current: int | None = None

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-call", self._before_call)
        events.register_first("before-send", self._before_send)  # ahead of moto's stub
        events.register("after-call", self._after_call)

    def arm(self, target: tuple[int, str] | None, before: tuple[CallRecord, ...] = ()) -> None:
        """Arm ``target`` (None: a clean run) and record from now on, after the calls ``before``."""
        self.calls, self.target, self.fired, self.recording = list(before), target, None, True

    def disarm(self) -> None:
        self.target, self.recording = None, False

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        self._step, self._seen = name, Counter()
        try:
            yield
        finally:
            self._step, self._current = "-", None

    def _before_call(self, model: Any, **_: Any) -> None:
        self._current = None
        if not self.recording:
            return
        name = f"{model.service_model.service_name}.{model.name}"
        self._seen[name] += 1
        self._current = len(self.calls)
        self.calls.append(CallRecord(self._current, self._step, name, self._seen[name]))

    def _armed(self, mode: str) -> CallRecord | None:
        if self.target is None or self._current is None or self.target != (self._current, mode):
            return None
        record = self.calls[self._current]
        self.fired = (record, mode)
        return record

    def _before_send(self, **_: Any) -> None:
        record = self._armed(BEFORE)
        if record is not None:
            raise ClientError({"Error": {"Code": "ThrottlingException",
                                         "Message": f"injected: {record.label} failed before it applied"}},
                              record.name.split(".", 1)[1])

    def _after_call(self, **_: Any) -> None:
        record = self._armed(AFTER)
        if record is not None:
            raise ReadTimeoutError(endpoint_url=f"injected: {record.label} applied, its answer lost")


# One account per test: moto in process, the table on moto or dynalite -------------------------------------
@dataclass
class Rig:
    """An emulated account (queues, bucket), hooked clients for the services, plain ones to inspect.

    The services are built once (``wiring.build`` makes boto3 clients and loads the schemas: slow); every
    run gets the table anew under the same name, the end-user put back and the clock set back to T0.
    """

    store_kind: str
    clients: dict[str, Any]  # what the services use: hooked
    inspect: dict[str, Any]  # what the checks use: not hooked, not counted
    services: Services
    clock: ManualClock
    faults: Faults
    user: EndUser
    password: str
    stage: str
    world: type[World]  # the scenario its runs play
    queues: int = 0

    @property
    def table(self) -> str:
        return self.services.settings.table_name

    def _fresh_table(self) -> None:
        provision(self.stage, dynamodb=self.inspect["dynamodb"], sqs=None)
        self.services.store.put_end_user(self.user)

    def _drop_table(self) -> None:
        ddb = self.inspect["dynamodb"]
        ddb.delete_table(TableName=self.table)
        for _ in range(200):  # dynalite deletes in the background
            if self.table not in ddb.list_tables().get("TableNames", []):
                return
            time.sleep(0.01)
        raise RuntimeError(f"table {self.table} was not deleted")

    def _fresh_results_queue(self) -> str:
        """A results queue per run: SQS de-duplicates by job id for 5 minutes, and runs started from the
        same snapshot publish results of the same jobs."""
        self.queues += 1
        url = str(self.inspect["sqs"].create_queue(
            QueueName=f"{self.stage}-results-{self.queues}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"})["QueueUrl"])
        publisher = self.services.queue.publisher
        if isinstance(publisher, FeedPublisher):  # the change feed's, in front of SQS
            publisher = publisher.inner
        assert isinstance(publisher, SqsResultPublisher)
        publisher.queue_url = url
        return url

    def run(self, target: tuple[int, str] | None = None, start: Snapshot | None = None) -> RunResult:
        """One run on a fresh table: the scenario (from its start, or from ``start``: the state a clean
        run had before the schedules), the fault ``target`` armed, then the recovery and the checks."""
        self.clock.now = T0
        self._fresh_table()
        results_url = self._fresh_results_queue()
        try:
            world = self.world(self, results_url)
            if start is None:
                self.faults.arm(target)
                world.scenario()
            else:
                world.restore(start)
                self.faults.arm(target, start.calls)
                world.schedules()
            calls = list(self.faults.calls)
            fired = self.faults.fired
            self.faults.disarm()
            world.recover()
            violations = world.check()
            return RunResult(calls, fired, violations, world.rounds, world.seen, world.snapshot)
        finally:
            self.faults.disarm()
            self._drop_table()
            self.inspect["sqs"].delete_queue(QueueUrl=results_url)


@dataclass(frozen=True)
class Snapshot:
    """A clean run just before the schedules: the table's items, what was published, what the callers
    were told and what QuickBooks was sent. A run from it starts where that clean run was."""

    calls: tuple[CallRecord, ...]
    items: tuple[dict[str, Any], ...]
    published: tuple[dict[str, Any], ...]
    accepted: tuple[Accepted, ...]
    processed: tuple[str, ...]
    now: datetime
    answers: tuple[tuple[str, str], ...] = ()  # (message set, QuickBooks' answer), as QuickBooks gave them


@dataclass
class RunResult:
    calls: list[CallRecord]
    fired: tuple[CallRecord, str] | None
    violations: list[str]
    rounds: int
    seen: Counter[str]  # what the recovery went through: probes, final statuses, re-sends
    snapshot: Snapshot | None  # a clean run's state before the schedules


def _new_user(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[EndUser, str]:
    """One end-user record, put into every fresh table; its password hashed with a cheap scrypt cost
    (the stored hash carries its parameters, so ``authenticate`` verifies it on the real path, fast),
    its id fixed."""
    with monkeypatch.context() as patch:
        patch.setattr(security, "_SCRYPT_N", 2**4)
        user, password = EndUserService(MemoryStore(), settings, lambda: T0).create(CreateEndUser(company_name=COMPANY))
    # One id everywhere: the sweeper's index buckets (hence the order of its calls) follow from it.
    return dataclasses.replace(user, id=END_USER_ID, qbwc_username=END_USER_ID), password


@contextlib.contextmanager
def open_rig(kind: str, dynalite_endpoint: str | None, stage: str = "crash",
             world: type[World] | None = None) -> Iterator[Rig]:
    """The account of one matrix (or one share of it): moto in process; the table on dynalite when given."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
            monkeypatch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS",
                     "AWS_ENDPOINT_URL_S3"):
            monkeypatch.delenv(name, raising=False)
        with mock_aws():  # SQS and S3 always; DynamoDB too unless on dynalite (not an AWS URL: passed through)
            session = boto3.session.Session(region_name=REGION)

            def clients() -> dict[str, Any]:
                made = {name: session.client(name, region_name=REGION) for name in ("sqs", "s3")}
                made["dynamodb"] = (aws_client("dynamodb", dynalite_endpoint) if dynalite_endpoint
                                    else session.client("dynamodb", region_name=REGION))
                return made

            hooked, inspect = clients(), clients()
            out = provision(stage, dynamodb=inspect["dynamodb"], sqs=inspect["sqs"], s3=inspect["s3"])
            settings = Settings(stage=stage, region=REGION, table_name=out.table_name,
                                results_queue_url=out.results_queue_url, ingress_queue_url=out.ingress_queue_url,
                                ingress_dlq_url=out.ingress_dlq_url, payload_bucket=out.payload_bucket,
                                schema_dir=SCHEMA_DIR if SCHEMA_DIR.is_dir() else None,
                                dynamodb_transactions=dynalite_endpoint is None, **SETTINGS)
            clock = ManualClock(T0)
            services = build(settings, clients=dict(hooked), clock=clock, metrics=NO_METRICS)
            assert set(services.clients) == set(hooked), "the services built clients of their own"
            monkeypatch.setattr(sdk, "utc_now", clock)  # the SDK's clock is the runs' clock
            faults = Faults()
            for client in hooked.values():
                faults.attach(client)
            user, password = _new_user(settings, monkeypatch)
            rig = Rig(kind, hooked, inspect, services, clock, faults, user, password, stage, world or World)
            rig._drop_table()  # every run provisions it anew
            yield rig


# One run: the scenario, the recovery, the checks -----------------------------------------------------------
@dataclass(frozen=True)
class Accepted:
    label: str
    job_id: str
    write_name: str | None


@dataclass
class Outstanding:
    """The last message set handed to QuickBooks, until the gateway took its answer."""

    ticket: str
    job: str
    handed_at: datetime
    expires_at: datetime | None
    ended: bool = False  # the session it was handed to gave the file up


class Redeliver(Exception):
    """The ingress handler reported the message as a batch item failure: SQS delivers it again."""


@dataclass
class World:
    """One run: the scenario, then the recovery, then the checks."""

    rig: Rig
    results_url: str
    accepted: list[Accepted] = field(default_factory=list)
    pending: list[tuple[str, Callable[[], None]]] = field(default_factory=list)
    outstanding: Outstanding | None = None
    violations: list[str] = field(default_factory=list)
    rounds: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    published: list[dict[str, Any]] = field(default_factory=list)  # result messages received from SQS
    processed: list[str] = field(default_factory=list)  # the message sets QuickBooks was given
    answers: list[tuple[str, str]] = field(default_factory=list)  # (message set, QuickBooks' answer)
    results: list[dict[str, Any]] = field(default_factory=list)  # every result message, once checked
    snapshot: Snapshot | None = None
    company: CompanyFile = field(init=False)

    def __post_init__(self) -> None:
        self.clock = self.rig.clock
        self.services = self.rig.services
        self.table = self.rig.table
        self.inspect_store = DynamoStore(self.rig.inspect["dynamodb"], self.table)
        self.company = self.new_company()

    def new_company(self) -> CompanyFile:
        """The company file as it is before the scenario: a few customers."""
        company = CompanyFile(COMPANY, clock=self.clock)
        adds = "".join(customer_add(f"Existing Customer {n:02d} of {COMPANY}").replace(
            "<CustomerAddRq>", f'<CustomerAddRq requestID="setup-{n}">') for n in range(EXISTING_CUSTOMERS))
        company.process(f'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                        f'<QBXMLMsgsRq onError="continueOnError">{adds}</QBXMLMsgsRq></QBXML>')
        return company

    @property
    def faults(self) -> Faults:
        return self.rig.faults

    # The scenario ------------------------------------------------------------------------------------------
    def scenario(self) -> None:
        self.enqueue_rest("rest read", customer_query(50), "crash-rest-read")
        self.enqueue_rest("rest write", customer_add(WRITES["rest write"]), "crash-rest-write")
        self.ingress("sqs write", customer_add(WRITES["sqs write"]))
        self.enqueue_sdk("sdk write", customer_add(WRITES["sdk write"]))
        self.session("session")
        # Two more with a short deadline, while no Web Connector runs: the sweeper expires them.
        self.enqueue_rest("late read", customer_query(5), "crash-late-read",
                          deadline_seconds=LATE_DEADLINES["late read"])
        self.enqueue_rest("late write", customer_add(WRITES["late write"]), "crash-late-write",
                          deadline_seconds=LATE_DEADLINES["late write"])
        self.clock.advance(SCHEDULE)
        if self.faults.target is None and not self.pending:
            self._take_snapshot()
        self.schedules()

    def schedules(self) -> None:
        self.sweeper("sweeper")
        self.republisher("republisher")

    def _take_snapshot(self) -> None:
        ddb = self.rig.inspect["dynamodb"]
        items = [item for page in ddb.get_paginator("scan").paginate(TableName=self.table, ConsistentRead=True)
                 for item in page["Items"]]
        self.published += self._drain(self.results_url)
        self.snapshot = Snapshot(tuple(self.faults.calls), tuple(items), tuple(self.published),
                                 tuple(self.accepted), tuple(self.processed), self.clock(), tuple(self.answers))

    def restore(self, start: Snapshot) -> None:
        """Put this run where ``start`` was: the same items in the table, QuickBooks sent the same
        message sets, the same jobs accepted and results received, the same time."""
        ddb = self.rig.inspect["dynamodb"]
        for first in range(0, len(start.items), 25):
            chunk = [{"PutRequest": {"Item": item}} for item in start.items[first:first + 25]]
            left = ddb.batch_write_item(RequestItems={self.table: chunk}).get("UnprocessedItems")
            assert not left, left
        for request in start.processed:
            self._process(request)
        self.company.close_session()  # a snapshot is taken between sessions: no iterator of the replay lives on
        self.answers = list(start.answers)  # the answers QuickBooks gave (a replayed Continue finds no iterator)
        self.accepted = list(start.accepted)
        self.published = list(start.published)
        self.clock.now = start.now

    def _process(self, request: str) -> str:
        self.processed.append(request)
        response = self.company.process(request)
        self.answers.append((request, response))
        return response

    def _attempt(self, label: str, attempt: Callable[[], None]) -> None:
        """Call now; if it raises, the caller sends it again later (the recovery)."""
        try:
            attempt()
        except Exception:
            self.pending.append((label, attempt))

    def _accept(self, label: str, job_id: str) -> None:
        self.accepted.append(Accepted(label, job_id, WRITES.get(label)))

    def enqueue_rest(self, label: str, qbxml: str, key: str, deadline_seconds: int | None = None,
                     paging: dict[str, int] | None = None) -> None:
        def attempt() -> None:
            with self.faults.step(f"REST enqueue ({label})"):
                job, _ = self.services.queue.enqueue(self.rig.user.id, qbxml, source="rest", idempotency_key=key,
                                                     deadline_seconds=deadline_seconds, paging=paging)
            self._accept(label, job.id)

        self._attempt(label, attempt)

    def enqueue_sdk(self, label: str, qbxml: str) -> None:
        def attempt() -> None:
            with self.faults.step(f"SDK enqueue ({label})"):
                out = sdk.enqueue_job(self.rig.user.id, qbxml, table_name=self.table,
                                      dynamodb_client=self.rig.clients["dynamodb"], idempotency_key="crash-sdk")
            self._accept(label, str(out["id"]))

        self._attempt(label, attempt)

    def ingress(self, label: str, qbxml: str) -> None:
        record = IngressRecord("msg-crash-ingress", json.dumps({"end_user_id": self.rig.user.id, "qbxml": qbxml}))
        settings = self.services.settings

        def attempt() -> None:
            with self.faults.step(f"SQS ingress ({label})"):
                out = handle_batch([record], self.services.queue,
                                   DeadLetters(self.services.clients["sqs"], settings.ingress_dlq_url))
            if out["batchItemFailures"]:
                raise Redeliver(record.message_id)
            job = self._job_of_key(f"sqs:{record.message_id}")
            if job is None:
                self.violations.append(f"ingress handled message {record.message_id} but stored no job for it")
                return
            self._accept(label, job.id)

        self._attempt(label, attempt)

    def _job_of_key(self, key: str) -> Job | None:
        out = self.rig.inspect["dynamodb"].get_item(
            TableName=self.table, Key={"pk": {"S": f"IDEM#{self.rig.user.id}#job#{key}"}, "sk": {"S": "IDEM"}},
            ConsistentRead=True)
        item = out.get("Item")
        return self.inspect_store.get_job_at(self.rig.user.id, int(item["target_id"]["S"])) if item else None

    # The Web Connector -------------------------------------------------------------------------------------
    def session(self, label: str, *, vanish_after: int | None = None) -> str:
        """One QBWC update, call for call (PROTOCOL.md §2); what authenticate answered, or "ran".

        ``vanish_after``: the machine sleeps once the Web Connector has had that many answers to
        ``receiveResponseXML``: no call after it, no ``closeConnection``; QuickBooks' session ends
        (its iterators with it). Then "vanished"."""
        qbwc = self.services.qbwc
        counts: Counter[str] = Counter()
        ticket = ""

        def call(soap: Any) -> Any:
            counts[soap.METHOD] += 1
            with self.faults.step(f"{label} {soap.METHOD}#{counts[soap.METHOD]}"):
                result = qbwc.dispatch(soap)
            self._observe_lease(ticket)
            return result

        call(c.ServerVersion())
        if call(c.ClientVersion(CLIENT_VERSION)):
            return "refused"
        ticket, answer = call(c.Authenticate(self.rig.user.id, self.rig.password))[:2]
        if answer in ("none", "nvu", "busy"):
            call(c.CloseConnection(ticket))
            return str(answer)
        try:
            self.company.open_session(answer)
        except HResultError as exc:
            while call(c.QbwcConnectionError(ticket, exc.hresult, exc.message)) != "done":
                pass
            return "connection error"
        hcp = self.company.host_company_preferences_response()
        major, minor = self.company.profile.highest_major_minor
        for _ in range(MAX_EXCHANGES):
            request = str(call(c.SendRequestXML(ticket, hcp, self.company.path, self.company.country, major, minor)))
            hcp = ""
            if request:
                self._handed_out(ticket, request)
                try:
                    response, hresult, message = self._process(request), "", ""
                except HResultError as exc:
                    response, hresult, message = "", exc.hresult, exc.message
                percent = int(call(c.ReceiveResponseXML(ticket, response, hresult, message)))
                if percent >= 0 or percent == HRESULT_ERROR_PERCENT:  # the gateway took QuickBooks' answer
                    self.outstanding = None
                if vanish_after is not None and counts["receiveResponseXML"] >= vanish_after:
                    self.company.close_session()
                    return "vanished"
                if percent >= 100:
                    break
                if percent < 0:
                    call(c.GetLastError(ticket))
                    break
                continue
            if call(c.GetLastError(ticket)) != NOOP:
                break
            # QBWC pauses 5 s and asks again; the idle cycles until the idle limit are skipped.
            self.clock.advance(timedelta(seconds=self.services.settings.session_idle_seconds + 1))
        else:
            self.violations.append(f"{label}: still exchanging after {MAX_EXCHANGES} sendRequestXML calls")
        call(c.CloseConnection(ticket))
        self.company.close_session()
        return "ran"

    def _lease(self) -> Lease | None:
        return self.inspect_store.get_lease(self.rig.user.id)

    def _observe_lease(self, ticket: str) -> None:
        """Follow the lease the outstanding message set was handed out under: renewed, or given up."""
        if not ticket or self.outstanding is None or self.outstanding.ticket != ticket:
            return
        lease = self._lease()
        if lease is None:
            return
        if lease.holder == ticket_hash(ticket):
            self.outstanding.expires_at = lease.expires_at
        elif lease.holder is None and lease.last_holder == ticket_hash(ticket):
            self.outstanding.ended = True

    def _handed_out(self, ticket: str, request: str) -> None:
        """Invariant 3, checked as the message set goes to QuickBooks."""
        now = self.clock()
        root = _parse(request)
        request_ids = sorted({str(rq.get("requestID", "")).split(".")[0] for rq in root.iter() if rq.get("requestID")})
        msgs = root.find("QBXMLMsgsRq")
        probe = msgs is not None and msgs.get("oldMessageSetID") is not None
        this = f"{request_ids or ['probe']} (probe)" if probe else str(request_ids)
        self.seen["probe handed out"] += probe
        previous = self.outstanding
        if previous is not None and not previous.ended and (previous.expires_at is None
                                                             or now < previous.expires_at):
            self.violations.append(
                f"3: message set {this} handed out at {now:%H:%M:%S} while {previous.job}, handed out at "
                f"{previous.handed_at:%H:%M:%S}, had no answer and its lease ran until "
                f"{previous.expires_at and f'{previous.expires_at:%H:%M:%S}'}")
        lease = self._lease()
        self.outstanding = Outstanding(ticket, this, now, lease.expires_at if lease else None)

    # The schedules -----------------------------------------------------------------------------------------
    def sweeper(self, label: str, *, gauges: bool = True) -> int | None:
        """``expire_overdue_jobs``: what it repaired and expired, or None when the invocation failed (the
        schedule runs it again). ``gauges=False`` leaves out ``report_gauges``, which only reads."""
        try:
            with self.faults.step(f"{label} sweep"):
                repaired = self.services.dispatcher.sweep()
            with self.faults.step(f"{label} expire_overdue"):
                expired = self.services.dispatcher.expire_overdue()
            if gauges:
                with self.faults.step(f"{label} report_gauges"):
                    self.services.queue.report_gauges()
        except Exception:
            return None
        return repaired + expired

    def republisher(self, label: str) -> int | None:
        try:
            with self.faults.step(label):
                return self.services.queue.republish_outbox()
        except Exception:
            return None

    # Recovery ----------------------------------------------------------------------------------------------
    def recover(self) -> None:
        """No more faults: the callers resend, then rounds until one finds nothing to do."""
        self.seen["caller resent"] += len(self.pending)
        for label, attempt in self.pending:
            for tries in range(1, MAX_RETRIES + 1):
                try:
                    attempt()
                    break
                except Exception as exc:
                    if tries == MAX_RETRIES:
                        self.violations.append(f"liveness: {label} resent {tries} times without a fault, "
                                               f"still refused: {exc!r}")
        self.pending.clear()
        for rounds in range(1, MAX_ROUNDS + 1):
            self.rounds = rounds
            self.clock.advance(POLL)
            outcome = self.session(f"recovery {rounds}")
            self.clock.advance(SCHEDULE)
            self.sweeper(f"recovery {rounds} sweeper", gauges=False)
            self.republisher(f"recovery {rounds} republisher")
            if self._quiet():
                return
            if outcome == "busy":  # the file is held: wait out the lease and the stale time
                self.clock.advance(timedelta(seconds=max(self.services.settings.lease_ttl_seconds,
                                                         self.services.settings.session_stale_seconds) + 1))
        self.violations.append(f"liveness: not quiet after {MAX_ROUNDS} recovery rounds")

    def _items(self) -> list[dict[str, Any]]:
        """The end-user's items (profile, lease, jobs), read straight from the table."""
        out = self.rig.inspect["dynamodb"].query(
            TableName=self.table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"EU#{self.rig.user.id}"}}, ConsistentRead=True)
        return [from_item(item) for item in out.get("Items", [])]

    def _quiet(self) -> bool:
        """Nothing left for anyone to do: no pointer, nothing due for the sweeper, no live holder, every
        job terminal and out of the outbox (a scheduled run, the sweeper, the re-publisher: all no-ops)."""
        jobs = set()
        now_ms = int(self.clock().timestamp() * 1000)
        for item in self._items():
            if item["sk"] == "LEASE" and ({"p_seq", "lease_expires_ms"} & set(item) or (
                    item.get("holder") and int(item.get("expires_ms", 0)) > now_ms)):
                return False
            if "job_id" in item:
                jobs.add(str(item["job_id"]))
                if not JobStatus(item["status"]).is_terminal or "outbox_pk" in item:
                    return False
        return all(a.job_id in jobs for a in self.accepted)

    def _jobs(self) -> dict[str, dict[str, Any]]:
        """The end-user's job items: job id -> item."""
        return {str(item["job_id"]): item for item in self._items() if "job_id" in item}

    # The invariants ----------------------------------------------------------------------------------------
    def _drain(self, url: str) -> list[dict[str, Any]]:
        sqs = self.rig.inspect["sqs"]
        found: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _s3_object_exists(self, uri: str) -> bool:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        try:
            self.rig.inspect["s3"].head_object(Bucket=bucket, Key=key)
        except ClientError:
            return False
        return True

    def check(self) -> list[str]:
        settings = self.services.settings
        results = self.results = self.published + self._drain(self.results_url)
        dead = self._drain(settings.ingress_dlq_url)
        found = list(self.violations)
        if dead:
            found.append(f"liveness: {len(dead)} valid ingress message(s) dead-lettered")
        messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in results:
            messages[str(message["job_id"])].append(message)
        executions: dict[str, list[int]] = defaultdict(list)
        for execution in self.company.executions:
            if execution.name == "CustomerAddRq":
                name = etree.fromstring(execution.request_xml.encode()).findtext("CustomerAdd/Name") or ""
                executions[name].append(execution.status_code)
        for name, codes in executions.items():  # 2
            if name in WRITES.values() and len(codes) > 1:
                found.append(f"2: QuickBooks executed CustomerAdd {name!r} {len(codes)} times (status codes {codes})")
        jobs = self._jobs()
        for accepted in self.accepted:
            item = jobs.get(accepted.job_id)
            mine = messages.get(accepted.job_id, [])
            sent = [m["status"] for m in mine]
            what = f"{accepted.label} job {accepted.job_id}"
            if item is None:
                found.append(f"1: accepted {what} is not in the table")
                continue
            status = JobStatus(item["status"])
            self.seen[f"{status.value} {(item.get('error') or {}).get('code') or ''}".strip()] += 1
            if not status.is_terminal:  # 1
                found.append(f"1: accepted {what} is {status.value} after recovery (results: {sent})")
            elif status.value not in sent:
                found.append(f"1: no result message {status.value!r} for {what} (results: {sent})")
            contradicting = sorted({s for s in sent if s in TERMINAL and s != status.value})
            if contradicting:
                found.append(f"1: {what} is {status.value} but was also published as {contradicting}")
            for message in mine:
                uri = message.get("response_s3_uri")
                if uri and not self._s3_object_exists(uri):
                    found.append(f"1: the result of {what} points at {uri}, which does not exist")
            if accepted.write_name is None:
                continue
            applied = 0 in executions.get(accepted.write_name, [])
            reports = [(status.value, (item.get("error") or {}).get("code"))] + [
                (m["status"], (m.get("error") or {}).get("code")) for m in mine if m["status"] in TERMINAL]
            if applied:  # 4
                wrong = sorted({f"{s}/{code}" for s, code in reports
                                if s != JobStatus.SUCCEEDED and not (s == JobStatus.FAILED
                                                                     and code == "in_doubt_unresolved")})
                if wrong:
                    found.append(f"4: QuickBooks applied {what} ({accepted.write_name!r}) but it was reported {wrong}")
            elif any(s == JobStatus.SUCCEEDED for s, _ in reports):
                found.append(f"4: {what} was reported succeeded but QuickBooks never applied it")
        return found


def _parse(qbxml: str) -> etree._Element:
    """A qbXML document without its declarations (``<?xml?>``, ``<?qbxml?>``)."""
    return etree.fromstring(re.sub(r"<\?[^>]*\?>", "", qbxml).strip().encode())


# The paged sync ----------------------------------------------------------------------------------------------
PAGED_QUERY = "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"  # the inactive ones too
# Two jobs (Parent:Job), an inactive customer, lower case, "Å" after "S"; pages 3 + 3, a restart's 3 (it asks
# for one more, the boundary record it drops), a restart after the expired iterator with the last 1 (inline).
PAGED_CUSTOMERS, PAGED_SEED = 10, 734
PAGE_SIZE = 3  # a page above ~1,750 bytes (4,000 less request and cursor, halved: 2 customers here) goes to S3
PAGED_VANISH_AFTER = 2  # the machine sleeps after the second page


@dataclass
class PagedWorld(World):
    """The paged sync: a CustomerQuery over REST with ``paging``, its pages across two sessions.

    The first session delivers two pages and the machine sleeps (no ``closeConnection``: QuickBooks
    ends its session, the iterator dies); past the lease TTL the sweeper and the re-publisher run;
    the next scheduled session restarts the sync after the last name delivered (a ``resumed`` page),
    and QuickBooks restarts under it after one page (statusCode 3391 on the next ``Continue``: the
    sync restarts again in the same session) until the last page.
    """

    def new_company(self) -> CompanyFile:
        company = CompanyFile(COMPANY, clock=self.clock)
        with pytest.MonkeyPatch.context() as patch:  # its gc.collect() is for large files; here 70 ms a run
            patch.setattr(population, "gc", SimpleNamespace(collect=lambda: 0))
            company.populate(customers=PAGED_CUSTOMERS, seed=PAGED_SEED)
        return company

    def scenario(self) -> None:
        self.enqueue_rest("paged sync", PAGED_QUERY, "crash-paged-sync", paging={"page_size": PAGE_SIZE})
        self.session("session", vanish_after=PAGED_VANISH_AFTER)
        self.clock.advance(timedelta(seconds=self.services.settings.lease_ttl_seconds + 1))
        if self.faults.target is None and not self.pending:
            self._take_snapshot()
        self.schedules()

    def schedules(self) -> None:
        self.sweeper("sweeper", gauges=False)  # report_gauges only reads: the first scenario fails its calls
        self.republisher("republisher")
        self.clock.advance(POLL)
        self.company.expire_iterators(after=1)  # QuickBooks restarts after the next message set
        self.session("resumed session")

    def check(self) -> list[str]:
        found = super().check()
        jobs = self._jobs()
        for accepted in self.accepted:
            item = jobs.get(accepted.job_id)
            if item is not None:
                found += self._check_pages(accepted, item)
        return found

    def _check_pages(self, accepted: Accepted, item: dict[str, Any]) -> list[str]:
        """Invariant 5: the pages of a paged job, as the SaaS keeps them (one per page number)."""
        job_id, what = accepted.job_id, f"{accepted.label} job {accepted.job_id}"
        found: list[str] = []
        status = JobStatus(item["status"])
        if status is not JobStatus.SUCCEEDED:  # 5e
            found.append(f"5: {what} ended {status.value} ({(item.get('error') or {}).get('code')}), not succeeded")
        pages: dict[int, dict[str, Any]] = {}
        for message in (m for m in self.results if m["job_id"] == job_id):
            if "page" not in message:
                found.append(f"5: a result message of {what} ({message['status']}) carries no page")
                continue
            first = pages.setdefault(int(message["page"]), message)
            if message != first:  # 5a: a resend is the very same page
                differ = sorted(k for k in first.keys() | message.keys() if first.get(k) != message.get(k))
                found.append(f"5: page {message['page']} of {what} was published with two contents "
                             f"(differing in {differ})")
        numbers = sorted(pages)
        self.seen["pages"] += len(numbers)
        if numbers != list(range(1, len(numbers) + 1)):  # 5a
            found.append(f"5: {what} published pages {numbers}: not 1..n without a gap")
        for n in numbers:  # 5b: the last page settles the job, nothing after it
            last = n == numbers[-1]
            want = {"last": last, "status": "succeeded" if last else "in_flight", "cursor": f"{job_id}:{n}"}
            got = {key: pages[n].get(key) for key in want}
            if got != want:
                found.append(f"5: page {n} of {what} (of {numbers[-1]}) says {got}, not {want}")
        delivered: list[str] = []
        sources = self._page_sources(job_id)
        for n in numbers:
            message = pages[n]
            text = self._page_text(message)
            if text is None:  # 5f
                found.append(f"5: page {n} of {what} points at {message.get('response_s3_uri')}, "
                             f"which cannot be read")
                continue
            self.seen["page on S3" if message.get("response_s3_uri") else "page inline"] += 1
            self.seen["page resumed"] += bool(message["resumed"])
            ids = [str(ret.findtext("ListID")) for ret in _parse(text).iter("CustomerRet")]
            if len(ids) != message["records"]:
                found.append(f"5: page {n} of {what} says records={message['records']}, holds {len(ids)}")
            origin = _origin(ids, delivered, sources) if ids else bool(message["resumed"])
            if origin is None:
                found.append(f"5: page {n} of {what} holds records no answer of QuickBooks to it gave: {ids}")
            elif bool(message["resumed"]) != origin:  # 5d
                found.append(f"5: page {n} of {what} says resumed={message['resumed']} but came from "
                             f"{'a restarted query' if origin else 'its live iterator'}")
            delivered += ids
        expected = self._customers_in_order()
        if delivered != expected:  # 5c
            found.append(f"5: the pages of {what} deliver {_describe(delivered, expected)}")
        if numbers and not any(pages[n].get("response_s3_uri") for n in numbers):  # 5f
            found.append(f"5: no page of {what} went to S3")
        return found

    def _page_sources(self, job_id: str) -> list[tuple[bool, list[str]]]:
        """Every answer QuickBooks gave to a page request of the job, in order: (did the request start
        the query, ``iterator="Start"``; the ListIDs it returned)."""
        sources = []
        for request, response in self.answers:
            rq = next((e for e in _parse(request).iter() if str(e.get("requestID", "")).split(".")[0] == job_id), None)
            rs = next((e for e in _parse(response).iter() if str(e.get("requestID", "")).split(".")[0] == job_id),
                      None)
            if rq is None or rs is None:
                continue
            ids = [str(ret.findtext("ListID")) for ret in rs.iter("CustomerRet")]
            sources.append((rq.get("iterator") == "Start", ids))
        return sources

    def _page_text(self, message: dict[str, Any]) -> str | None:
        uri = message.get("response_s3_uri")
        if not uri:
            return message.get("response_qbxml")
        bucket, _, key = str(uri).removeprefix("s3://").partition("/")
        try:
            return str(self.rig.inspect["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode())
        except ClientError:
            return None

    def _customers_in_order(self) -> list[str]:
        """Every customer of the file, in QuickBooks' order: FullName without regard to case."""
        company = self.company
        return [c.list_id for c in sorted(company.customers(), key=lambda c: company.full_name(c).casefold())]


def _origin(ids: list[str], delivered: list[str], sources: list[tuple[bool, list[str]]]) -> bool | None:
    """Where a page came from: a query started again after a page was delivered, i.e. a restart (True),
    the iterator of the page before (False), or no answer QuickBooks gave (None). A page is an answer
    less the records delivered before it (a restart by name gives the last one again); when two
    answers give it, the later one was taken."""
    taken, before = None, set(delivered)
    for start, answer in sources:
        cut = len(answer) - len(ids)
        if cut >= 0 and answer[cut:] == ids and set(answer[:cut]) <= before and (start or cut == 0):
            taken = start and bool(delivered)
    return taken


def _describe(delivered: list[str], expected: list[str]) -> str:
    counts = Counter(delivered)
    twice = sorted(i for i, n in counts.items() if n > 1)
    missing = [i for i in expected if i not in counts]
    extra = sorted(set(counts) - set(expected))
    parts = [f"{len(delivered)} records for {len(expected)} customers"]
    parts += [f"twice: {twice}"] if twice else []
    parts += [f"missing: {missing}"] if missing else []
    parts += [f"not in the file: {extra}"] if extra else []
    return "; ".join(parts if len(parts) > 1 else [*parts, "out of QuickBooks' order"])


# name: (its world, the AWS calls its clean run makes at least)
SCENARIOS: dict[str, tuple[type[World], int]] = {"normal": (World, MIN_CALLS), "paged": (PagedWorld, 70)}


# The tests ---------------------------------------------------------------------------------------------------
@dataclass
class Share:
    """What one worker found: its clean run, and its share of the crash points."""

    worker: int
    clean: list[CallRecord]
    clean_violations: list[str]
    clean_seen: Counter[str]
    covered: int = 0
    failures: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def _points(calls: list[CallRecord]) -> list[tuple[int, str]]:
    return [(call.index, mode) for call in calls for mode in MODES]


def run_share(kind: str, dynalite_endpoint: str | None, worker: int, workers: int, scenario: str = "normal") -> Share:
    """A clean run of ``scenario``, then every ``workers``-th crash point from ``worker`` on (each on a
    fresh table).

    A crash point in the schedules (the sweeper, the re-publisher; in the paged scenario the resumed
    session too) starts from the clean run's snapshot taken just before them, instead of replaying the
    enqueues and the session: the same state, faster.
    """
    started = time.monotonic()
    logging.disable(logging.CRITICAL)  # thousands of injected failures: their tracebacks cost time, say nothing
    try:
        world = SCENARIOS[scenario][0]
        stage = f"crash{worker}" if scenario == "normal" else f"crash{scenario}{worker}"
        with open_rig(kind, dynalite_endpoint, stage=stage, world=world) as rig:
            clean = rig.run()
            share = Share(worker, clean.calls, clean.violations, clean.seen)
            start = clean.snapshot
            assert start is not None, "the clean run took no snapshot"
            again = rig.run(None, start=start)  # the snapshot stands for the clean run's state
            assert [(c.step, c.name) for c in again.calls] == [(c.step, c.name) for c in clean.calls], (
                "a run from the snapshot makes other calls than the clean run")
            assert again.violations == [], again.violations
            for n, (index, mode) in enumerate(_points(clean.calls)):
                if n % workers != worker:
                    continue
                point = clean.calls[index]
                result = rig.run((index, mode), start=start if index >= len(start.calls) else None)
                reached = [(c.step, c.name) for c in result.calls[:index + 1]]
                if reached != [(c.step, c.name) for c in clean.calls[:index + 1]] or result.fired != (point, mode):
                    share.unexpected.append(f"#{index} {point.label} [{mode}]: not reached as in the clean run "
                                            f"(fired: {result.fired})")
                    continue
                share.covered += 1
                share.seen.update(result.seen)
                share.seen[f"recovery rounds {result.rounds}"] += 1
                if result.violations:
                    share.failures[(point.label, mode)] = result.violations
    finally:
        logging.disable(logging.NOTSET)
    share.seconds = time.monotonic() - started
    return share


WORKERS = 2  # processes (spawned: each its own moto); the file is sized for two cores


def matrix(scenario: str, store: str, request: pytest.FixtureRequest) -> Counter[str]:
    """Every crash point of ``scenario`` on ``store``, over ``WORKERS`` processes; what its clean run saw."""
    started = time.monotonic()
    endpoint = request.getfixturevalue("dynalite").endpoint if store == "dynalite" else None
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        shares = list(pool.map(run_share, *zip(*[(store, endpoint, w, WORKERS, scenario) for w in range(WORKERS)],
                                                strict=True)))
    clean = shares[0].clean
    assert all(share.clean == clean for share in shares), "the clean runs of the workers differ"
    assert shares[0].clean_violations == [], f"the clean run breaks invariants: {shares[0].clean_violations}"
    by_service = Counter(call.name.split(".")[0] for call in clean)
    min_calls = SCENARIOS[scenario][1]
    assert len(clean) >= min_calls and by_service["dynamodb"] and by_service["sqs"] and by_service["s3"], by_service
    covered = sum(share.covered for share in shares)
    failures = {point: found for share in shares for point, found in share.failures.items()}
    unexpected = [line for share in shares for line in share.unexpected]
    print(f"\n{scenario} crash points on {store}: {covered} of {2 * len(clean)} covered ({len(clean)} AWS calls "
          f"{dict(by_service)} x before/after), {len(failures)} breaking an invariant; "
          f"{time.monotonic() - started:.1f} s ({', '.join(f'{s.seconds:.1f} s' for s in shares)} per worker)")
    seen = sum((share.seen for share in shares), Counter())
    print(f"  what the recoveries went through: {dict(sorted(seen.items()))}")
    for (label, mode), found in sorted(failures.items()):
        print(f"  {label} [{mode}]: {found}")
    assert not unexpected, unexpected
    assert covered == 2 * len(clean) >= 2 * min_calls
    assert not failures, "crash points that break an invariant:\n" + "\n".join(
        f"{label} [{mode}]: {found}" for (label, mode), found in sorted(failures.items()))
    return shares[0].clean_seen


@pytest.mark.timeout(600)
@pytest.mark.parametrize("store", STORES)
def test_crash_point_matrix(store: str, request: pytest.FixtureRequest) -> None:
    matrix("normal", store, request)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("store", STORES)
def test_paged_sync_crash_point_matrix(store: str, request: pytest.FixtureRequest) -> None:
    seen = matrix("paged", store, request)
    # The clean run is the sync the matrix breaks: pages on S3 and inline, a restart after the lost
    # session and one after the expired iterator.
    assert seen["pages"] >= 3 and seen["page on S3"] and seen["page inline"] and seen["page resumed"] >= 2, seen
