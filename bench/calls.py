"""AWS API calls per path, counted on the gateway's real code with real boto3 clients against moto.

:func:`aws_calls` builds the services with :func:`chalicelib.wiring.build` and injected boto3 clients
(dynamodb, sqs, s3) inside ``moto.mock_aws`` (in process, no servers), with the table, queues and
bucket created from ``infra/template.json`` by :func:`infra.provision.provision`. A botocore
``before-call`` hook on each of those clients records every API call the services make: once per
call (a retry is not counted again), with its service, operation and, for a ``Query``, whether it
asked for ``Select=COUNT``. Each call is a *read* (``GetItem``, ``Query``, ``BatchGetItem``), a
*write* (``PutItem``, ``UpdateItem``, ``DeleteItem``, ``TransactWriteItems``), an *SQS send*
(``SendMessage``, ``SendMessageBatch``) or *other* (anything else — a ``Scan`` would land there).

The Web Connector is played in process, in its order: ``serverVersion``, ``clientVersion``,
``authenticate``, ``sendRequestXML`` (the first with QuickBooks' HCP answer), ``receiveResponseXML``
with QuickBooks' answer (the simulator's :class:`~simulator.CompanyFile` answers each CustomerAdd
with a ``CustomerAddRs`` carrying the request's ``requestID``), … ``getLastError``,
``closeConnection``; every call goes through :meth:`QbwcService.dispatch`. Jobs are enqueued with
``services.queue.enqueue(end_user_id, qbxml, source="rest")`` as the REST API does. The clock is a
manual one: it stands still while QuickBooks works and moves as the Web Connector pauses (5 s after
``NoOp``, 20 s between scheduled runs), so the counts are deterministic.

Scenarios (each on a fresh end-user; for one end-user, each group on a fresh emulated account):

* ``enqueue`` — (a) one job;
* ``one_job_session`` / ``ten_job_session`` — (b), (c) a whole session of 1 / 10 queued jobs, from
  ``serverVersion`` to ``closeConnection``, without the keep-alive cycles (its ``getLastError``
  comes when the idle limit has passed, so it answers the summary): those are ``keep_alive``;
* ``marginal_job`` — (d) ``((c) + 10 enqueues - ((b) + 1 enqueue)) / 9``: one more job, from its
  enqueue to its result message on SQS;
* ``keep_alive`` — (e) an open session with an empty queue: ``sendRequestXML`` answering ``""`` and
  ``getLastError`` answering ``NoOp``, every 5 s, over 20 cycles (the session idle limit is raised
  for this one so that the session lasts that long);
* ``idle_poll`` — (f) a scheduled run with nothing to do: ``authenticate`` answering ``none`` (and
  the ``closeConnection`` the Web Connector sends after it);
* ``sweeper`` — (h) one scheduled sweeper run with nothing to do.

All of it again (g) with 1,000 other end-users in the table, each with three jobs (two answered in a
session of its own, one queued) and half of them with their session still open. To create them fast,
two of them are made through the services and the real SOAP path, and the items the adapter wrote
for those two are copied for the rest (ids, message set ids, ticket hashes and index buckets made
anew) with ``BatchWriteItem``; nothing of that set-up is counted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import customer_add

REGION = "us-east-1"
READS = frozenset({"GetItem", "Query", "BatchGetItem"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"})
SQS_SENDS = frozenset({"SendMessage", "SendMessageBatch"})
KINDS = ("reads", "writes", "sqs_sends", "other")
SESSION_IDLE_SECONDS = 30  # QBDGW_SESSION_IDLE_SECONDS as deployed
NOOP_PAUSE = timedelta(seconds=5)  # the Web Connector's pause after NoOp
POLL_INTERVAL = timedelta(seconds=20)  # QBDGW_QWC_RUN_EVERY_SECONDS: the scheduled runs of an idle file
KEEP_ALIVE_CYCLES = 20
IDLE_POLLS = 4  # even: the heartbeat is written every other poll (chalicelib.jobs.connection.heartbeat_stale)
POPULATION = 1000
POPULATION_DEADLINE_SECONDS = 86_400  # the other end-users' queued jobs stay queued through the measurement
NOOP = "NoOp"
ANSWER_MARKER = "<CustomerRet>"  # in QuickBooks' answer to a CustomerAdd, nowhere in its request
REFUSALS = ("nvu", "none", "busy")


def kind_of(operation: str) -> str:
    if operation in READS:
        return "reads"
    if operation in WRITES:
        return "writes"
    if operation in SQS_SENDS:
        return "sqs_sends"
    return "other"


# Counting ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One botocore API call as the ``before-call`` hook saw it."""

    service: str
    operation: str
    count_query: bool = False  # a Query with Select=COUNT
    carries_answer: bool = False  # its request holds QuickBooks' answer (a CustomerRet)

    @property
    def name(self) -> str:
        return f"{self.service}.{self.operation}"


def _body(params: Mapping[str, Any]) -> str:
    body = params.get("body")
    if isinstance(body, bytes | bytearray):
        return bytes(body).decode("utf-8", "replace")
    return body if isinstance(body, str) else ""


def _is_count_query(operation: str, body: str) -> bool:
    if operation != "Query" or not body:
        return False
    try:
        return bool(json.loads(body).get("Select") == "COUNT")
    except ValueError:
        return False


class CallLog:
    """A ``before-call`` hook for boto3 clients: each call goes to every recording open at the time."""

    def __init__(self) -> None:
        self._open: list[list[Call]] = []

    def attach(self, clients: Iterable[Any]) -> None:
        for client in clients:
            client.meta.events.register("before-call", self._before_call)

    def _before_call(self, model: Any, params: Mapping[str, Any], **_: Any) -> None:
        if not self._open:
            return
        body = _body(params)
        call = Call(str(model.service_model.service_name), str(model.name), _is_count_query(model.name, body),
                    ANSWER_MARKER in body)
        for calls in self._open:
            calls.append(call)

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Call]]:
        calls: list[Call] = []
        self._open.append(calls)
        try:
            yield calls
        finally:  # by identity: an empty list equals every other empty list
            self._open[:] = [c for c in self._open if c is not calls]


Ops = dict[str, float]  # "service.Operation" → calls (a fraction where averaged)


def ops_of(calls: Iterable[Call]) -> Ops:
    return {name: float(n) for name, n in Counter(call.name for call in calls).items()}


def _num(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def tally(ops: Mapping[str, float], *, count_queries: int = 0) -> dict[str, Any]:
    """``total``, the four kinds, and the per-operation breakdown of ``ops``."""
    kinds = dict.fromkeys(KINDS, 0.0)
    for name, n in ops.items():
        kinds[kind_of(name.split(".", 1)[1])] += n
    return {"total": _num(sum(kinds.values())), **{k: _num(v) for k, v in kinds.items()},
            "calls": {name: _num(n) for name, n in sorted(ops.items()) if round(n, 2) != 0},
            "count_queries": count_queries}


def tally_calls(calls: Iterable[Call]) -> dict[str, Any]:
    calls = list(calls)
    return tally(ops_of(calls), count_queries=sum(c.count_query for c in calls))


def answer_carriers(calls: Iterable[Call]) -> dict[str, int]:
    """The calls whose request held QuickBooks' answer, by operation."""
    return dict(sorted(Counter(c.name for c in calls if c.carries_answer).items()))


def combine(*terms: tuple[float, Mapping[str, float]]) -> Ops:
    """The sum of ``factor * ops`` over the terms."""
    out: Ops = {}
    for factor, ops in terms:
        for name, n in ops.items():
            out[name] = out.get(name, 0.0) + factor * n
    return out


Step = tuple[str, list[Call]]


def by_label(steps: Iterable[Step]) -> dict[str, tuple[int, Ops]]:
    """Steps grouped by label: how many, and their calls summed."""
    grouped: dict[str, tuple[int, Ops]] = {}
    for label, calls in steps:
        n, ops = grouped.get(label, (0, {}))
        grouped[label] = (n + 1, combine((1.0, ops), (1.0, ops_of(calls))))
    return grouped


def step_table(steps: Iterable[Step]) -> dict[str, Any]:
    """Per SOAP call (label): how many there were and what one of them costs on average."""
    return {label: {"n": n, **tally(combine((1 / n, ops)))} for label, (n, ops) in by_label(steps).items()}


# The emulated account ---------------------------------------------------------------------------------
class ManualClock:
    """The services' clock: it moves only when the Web Connector (as played here) waits."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Stack:
    """One emulated AWS account (moto), provisioned from the template, with the services built on it."""

    services: Any  # chalicelib.wiring.Services
    settings: Any  # chalicelib.config.Settings
    clients: dict[str, Any]
    clock: ManualClock
    log: CallLog
    soap_queries: int = 0  # Query calls seen inside SOAP calls
    soap_count_queries: list[str] = field(default_factory=list)  # the SOAP calls that made a COUNT query
    serial: int = 0  # numbers the end-users and customers made here

    def build(self, **changes: Any) -> Any:
        """Another service graph on the same clients, table and clock, with some settings changed."""
        from chalicelib.observability import NO_METRICS
        from chalicelib.wiring import build

        return build(dataclasses.replace(self.settings, **changes), clients=dict(self.clients), clock=self.clock,
                     metrics=NO_METRICS)


_DUMMY_ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_SESSION_TOKEN": "bench",
              "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
_DROPPED_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS",
                "AWS_ENDPOINT_URL_S3")


@contextlib.contextmanager
def dummy_aws_env() -> Iterator[None]:
    """Dummy credentials and us-east-1 for the emulator; the environment is restored afterwards."""
    saved = {name: os.environ.get(name) for name in (*_DUMMY_ENV, *_DROPPED_ENV)}
    os.environ.update(_DUMMY_ENV)
    for name in _DROPPED_ENV:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def aws_stack(schema_dir: Path | None) -> Iterator[Stack]:
    """A fresh moto account with the template's resources and the gateway's services, hooks attached."""
    import boto3
    from moto import mock_aws

    from chalicelib.config import Settings
    from chalicelib.observability import NO_METRICS
    from chalicelib.wiring import build
    from infra.provision import provision

    with dummy_aws_env(), mock_aws():
        session = boto3.session.Session(region_name=REGION)
        clients = {name: session.client(name, region_name=REGION) for name in ("dynamodb", "sqs", "s3")}
        out = provision("bench", dynamodb=clients["dynamodb"], sqs=clients["sqs"], s3=clients["s3"])
        settings = Settings(stage="bench", region=REGION, table_name=out.table_name,
                            results_queue_url=out.results_queue_url, ingress_queue_url=out.ingress_queue_url,
                            ingress_dlq_url=out.ingress_dlq_url, payload_bucket=out.payload_bucket,
                            schema_dir=schema_dir, session_idle_seconds=SESSION_IDLE_SECONDS)
        clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        services = build(settings, clients=dict(clients), clock=clock, metrics=NO_METRICS)
        extra = set(services.clients) - set(clients)
        if extra:  # every client the services use must be hooked
            raise RuntimeError(f"the services built clients of their own: {sorted(extra)}")
        log = CallLog()
        log.attach(clients.values())
        yield Stack(services, services.settings, clients, clock, log)


# The Web Connector's side ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    id: str
    password: str
    company_name: str


def new_account(stack: Stack, label: str) -> Account:
    """A fresh end-user, created through the services (not counted)."""
    from chalicelib.api.bodies import CreateEndUser

    stack.serial += 1
    name = f"Calls {label} {stack.serial}"
    user, password = stack.services.end_users.create(CreateEndUser(company_name=name))
    return Account(user.id, password, name)


def enqueue(stack: Stack, account: Account, count: int, *, deadline_seconds: int | None = None) -> list[list[Call]]:
    """``count`` CustomerAdds, enqueued as the REST API does; the calls of each."""
    out = []
    for _ in range(count):
        stack.serial += 1
        with stack.log.recording() as calls:
            stack.services.queue.enqueue(account.id, customer_add(f"Customer {stack.serial:05d}"), source="rest",
                                         deadline_seconds=deadline_seconds)
        out.append(calls)
    return out


class Connector:
    """One Web Connector update session, call for call, through ``QbwcService.dispatch`` in process."""

    def __init__(self, stack: Stack, account: Account, qbwc: Any = None) -> None:
        from simulator import CompanyFile

        self.stack = stack
        self.account = account
        self.qbwc = qbwc if qbwc is not None else stack.services.qbwc
        self.company = CompanyFile(account.company_name)
        self.steps: list[Step] = []
        self.ticket = ""
        self.hcp = ""
        self.jobs = 0

    def _dispatch(self, call: Any) -> Any:
        with self.stack.log.recording() as calls:
            result = self.qbwc.dispatch(call)
        self.stack.soap_queries += sum(c.operation == "Query" for c in calls)
        if any(c.count_query for c in calls):
            self.stack.soap_count_queries.append(type(call).METHOD)
        self.steps.append((type(call).METHOD, calls))
        return result

    def _relabel(self, label: str) -> None:
        self.steps[-1] = (label, self.steps[-1][1])

    def start(self) -> str:
        """``serverVersion``, ``clientVersion``, ``authenticate``; the company file opens unless refused."""
        from chalicelib.qbwc import calls as c

        self._dispatch(c.ServerVersion())
        self._dispatch(c.ClientVersion("2.3.0.215"))
        ticket, answer = self._dispatch(c.Authenticate(self.account.id, self.account.password))[:2]
        self.ticket = ticket
        if answer in REFUSALS:
            self._relabel(f"authenticate ({answer})")
        else:
            self.company.open_session("")
            self.hcp = self.company.host_company_preferences_response()
        return str(answer)

    def send(self) -> str:
        from chalicelib.qbwc import calls as c

        major, minor = self.company.profile.highest_major_minor
        first = bool(self.hcp)
        request = str(self._dispatch(c.SendRequestXML(self.ticket, self.hcp, self.company.path,
                                                      self.company.country, major, minor)))
        self.hcp = ""
        self._relabel("sendRequestXML (HCP, a job)" if first and request else
                      "sendRequestXML (a job)" if request else "sendRequestXML (empty)")
        return request

    def receive(self, request: str) -> int:
        from chalicelib.qbwc import calls as c

        percent = int(self._dispatch(c.ReceiveResponseXML(self.ticket, self.company.process(request), "", "")))
        self.jobs += 1
        if percent < 0:
            raise RuntimeError(f"receiveResponseXML answered {percent}: {self.last_error()}")
        return percent

    def run_jobs(self, limit: int | None = None) -> None:
        """``sendRequestXML`` / ``receiveResponseXML`` until an empty request (or ``limit`` jobs)."""
        while limit is None or self.jobs < limit:
            request = self.send()
            if not request:
                return
            if self.receive(request) >= 100:
                return

    def last_error(self) -> str:
        from chalicelib.qbwc import calls as c

        text = str(self._dispatch(c.GetLastError(self.ticket)))
        if text == NOOP:
            self._relabel("getLastError (NoOp)")
        return text

    def close(self) -> str:
        from chalicelib.qbwc import calls as c

        text = str(self._dispatch(c.CloseConnection(self.ticket)))
        self.company.close_session()
        return text

    def finish(self) -> str:
        """The session ends as a success: the idle limit passes, the next ``sendRequestXML`` hands out the
        closing HostQuery, its answer gets 100, then ``closeConnection``."""
        from chalicelib.qbwc import calls as c
        from chalicelib.qbwc.answers import CLOSING_REQUEST_ID

        idle = float(self.qbwc.session_idle.total_seconds())
        self.stack.clock.advance(timedelta(seconds=idle))
        request = self.send()
        if CLOSING_REQUEST_ID not in request:
            raise RuntimeError("no closing request after the idle limit")
        percent = int(self._dispatch(c.ReceiveResponseXML(self.ticket, self.company.process(request), "", "")))
        if percent != 100:
            raise RuntimeError(f"the closing request was answered {percent}, not 100")
        return self.close()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


def _drain_results(stack: Stack) -> dict[str, str]:
    """Every result message now on the results queue: job id → status (received and deleted, not counted)."""
    sqs, url = stack.clients["sqs"], stack.settings.results_queue_url
    found: dict[str, str] = {}
    while True:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = out.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            found[str(body["job_id"])] = str(body["status"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


# Scenarios ---------------------------------------------------------------------------------------------
@dataclass
class SessionRun:
    enqueues: list[list[Call]]
    calls: list[Call]
    steps: list[Step]


def job_session(stack: Stack, jobs: int) -> SessionRun:
    """``jobs`` CustomerAdds enqueued, then one whole session that answers them all."""
    account = new_account(stack, f"{jobs}-job session")
    enqueues = enqueue(stack, account, jobs)
    _drain_results(stack)
    connector = Connector(stack, account)
    with stack.log.recording() as calls:
        answer = connector.start()
        _require(answer not in REFUSALS, f"authenticate answered {answer!r} with {jobs} job(s) queued")
        connector.run_jobs()
        connector.finish()
    _require(connector.jobs == jobs, f"the session ran {connector.jobs} of {jobs} jobs")
    statuses = _drain_results(stack)
    _require(sorted(statuses.values()) == ["succeeded"] * jobs, f"results on SQS: {statuses}")
    return SessionRun(enqueues, calls, connector.steps)


def session_result(run: SessionRun) -> dict[str, Any]:
    return {"jobs": len(run.enqueues), **tally_calls(run.calls), "by_call": step_table(run.steps),
            "answer_carried_by": answer_carriers(run.calls)}


def marginal(one: SessionRun, ten: SessionRun) -> dict[str, Any]:
    """(d): ``((c) + 10 enqueues - ((b) + 1 enqueue)) / 9``, in total and by SOAP call."""
    extra = len(ten.enqueues) - len(one.enqueues)
    enq_one = combine(*((1.0, ops_of(calls)) for calls in one.enqueues))
    enq_ten = combine(*((1.0, ops_of(calls)) for calls in ten.enqueues))
    total = combine((1 / extra, ops_of(ten.calls)), (1 / extra, enq_ten),
                    (-1 / extra, ops_of(one.calls)), (-1 / extra, enq_one))
    by_call = {"enqueue": tally(combine((1 / extra, enq_ten), (-1 / extra, enq_one)))}
    one_steps, ten_steps = by_label(one.steps), by_label(ten.steps)
    for label in ten_steps:
        diff = combine((1 / extra, ten_steps[label][1]), (-1 / extra, one_steps.get(label, (0, {}))[1]))
        if any(round(n, 2) for n in diff.values()):
            by_call[label] = tally(diff)
    count_queries = sum(c.count_query for c in ten.calls) - sum(c.count_query for c in one.calls)
    carried = combine((1 / extra, answer_carriers(ten.calls)), (-1 / extra, answer_carriers(one.calls)))
    return {"formula": f"((c) + {len(ten.enqueues)} enqueues - ((b) + {len(one.enqueues)} enqueue)) / {extra}",
            **tally(total, count_queries=count_queries), "by_call": by_call,
            "answer_carried_by": {name: _num(n) for name, n in sorted(carried.items()) if round(n, 2)}}


def keep_alive(stack: Stack, cycles: int = KEEP_ALIVE_CYCLES) -> dict[str, Any]:
    """(e): an open session whose queue is empty, ``cycles`` keep-alive cycles 5 s apart."""
    idle = int(cycles * NOOP_PAUSE.total_seconds()) + 60  # the session must outlast the cycles
    services = stack.build(session_idle_seconds=idle)
    account = new_account(stack, "keep-alive")
    enqueue(stack, account, 1)
    connector = Connector(stack, account, services.qbwc)
    _require(connector.start() not in REFUSALS, "authenticate refused the keep-alive session")
    connector.run_jobs()  # one job, then the first empty sendRequestXML clears the lease's pointer
    _require(connector.last_error() == NOOP, "getLastError did not answer NoOp after the last job")
    connector.steps.clear()
    cycle_ops: list[Ops] = []
    with stack.log.recording() as all_calls:
        for _ in range(cycles):
            stack.clock.advance(NOOP_PAUSE)
            with stack.log.recording() as calls:
                _require(connector.send() == "", "an idle sendRequestXML handed out a job")
                _require(connector.last_error() == NOOP, "getLastError stopped answering NoOp")
            cycle_ops.append(ops_of(calls))
    steps = list(connector.steps)  # the cycles only: finish() adds the session's end
    connector.finish()
    sends = [ops_of(calls) for label, calls in steps if label.startswith("sendRequestXML")]
    errors = [ops_of(calls) for label, calls in steps if label.startswith("getLastError")]

    def worst(samples: list[Ops]) -> dict[str, int]:
        per = [tally(ops) for ops in samples]
        return {kind: int(max(t[kind] for t in per)) for kind in ("total", *KINDS)}

    return {
        "cycles": cycles, "pause_seconds": NOOP_PAUSE.total_seconds(), "session_idle_seconds": idle,
        "poll_seconds": stack.settings.qwc_poll_seconds, "stale_after_seconds": stack.settings.session_stale_seconds,
        "cycle": tally(combine(*((1 / cycles, ops) for ops in cycle_ops))),
        "send_request_xml": tally(combine(*((1 / len(sends), ops) for ops in sends))),
        "send_request_xml_worst": worst(sends),
        "send_request_xml_writing": sum(1 for ops in sends if tally(ops)["writes"]),
        "get_last_error": tally(combine(*((1 / len(errors), ops) for ops in errors))),
        "get_last_error_worst": worst(errors),
        "all_cycles": tally_calls(all_calls),
    }


def idle_poll(stack: Stack, polls: int = IDLE_POLLS) -> dict[str, Any]:
    """(f): scheduled runs of a file with nothing to do, 20 s apart (the file has run a job before)."""
    account = new_account(stack, "idle poll")
    enqueue(stack, account, 1)
    connector = Connector(stack, account)
    _require(connector.start() not in REFUSALS, "authenticate refused the first session")
    connector.run_jobs()
    connector.finish()
    runs: list[list[Call]] = []
    steps: list[Step] = []
    for _ in range(polls):
        stack.clock.advance(POLL_INTERVAL)
        poll = Connector(stack, account)
        with stack.log.recording() as calls:
            answer = poll.start()
            poll.close()  # the Web Connector closes a refused ticket
        _require(answer == "none", f"an idle poll's authenticate answered {answer!r}")
        runs.append(calls)
        steps += poll.steps
    auth = [ops_of(calls) for label, calls in steps if label.startswith("authenticate")]
    return {
        "polls": polls, "interval_seconds": POLL_INTERVAL.total_seconds(),
        **tally(combine(*((1 / polls, ops_of(calls)) for calls in runs))),
        "worst_total": max(len(calls) for calls in runs),
        "authenticate": tally(combine(*((1 / len(auth), ops) for ops in auth))),
        "by_call": step_table(steps),
    }


def sweeper(stack: Stack) -> dict[str, Any]:
    """(h): one run of the scheduled sweeper's four parts."""
    services = stack.services
    parts: dict[str, Callable[[], Any]] = {
        "sweep": services.dispatcher.sweep,
        "expire_overdue": services.dispatcher.expire_overdue,
        "republish_outbox": services.queue.republish_outbox,
        "report_gauges": services.queue.report_gauges,
    }
    out: dict[str, Any] = {}
    done: dict[str, Any] = {}
    with stack.log.recording() as all_calls:
        for name, run in parts.items():
            with stack.log.recording() as calls:
                value = run()
            out[name] = tally_calls(calls)
            done[name] = list(value) if isinstance(value, tuple) else value
    return {**tally_calls(all_calls), "parts": out, "returned": done}


def measure(stacks: Callable[[], contextlib.AbstractContextManager[Stack]]) -> dict[str, Any]:
    """Every scenario; ``stacks()`` gives the account each of the two groups runs in."""
    result: dict[str, Any] = {}
    queries, counting = 0, []
    with stacks() as stack:
        seen = (stack.soap_queries, len(stack.soap_count_queries))
        one = job_session(stack, 1)
        result["sweeper"] = sweeper(stack)  # with nothing to do
        result["idle_poll"] = idle_poll(stack)
        queries += stack.soap_queries - seen[0]
        counting += stack.soap_count_queries[seen[1]:]
    with stacks() as stack:
        seen = (stack.soap_queries, len(stack.soap_count_queries))
        ten = job_session(stack, 10)
        result["keep_alive"] = keep_alive(stack)
        queries += stack.soap_queries - seen[0]
        counting += stack.soap_count_queries[seen[1]:]
    return {
        "enqueue": tally_calls(one.enqueues[0]),
        "one_job_session": session_result(one),
        "ten_job_session": session_result(ten),
        "marginal_job": marginal(one, ten),
        **result,
        "soap_path": {"queries": queries, "count_queries": len(counting), "count_queries_in": sorted(set(counting))},
    }


# 1,000 other end-users -----------------------------------------------------------------------------------
_BUCKET_ATTRS = ("inflight_bucket", "session_bucket", "deadline_bucket", "outbox_pk")


def _template(stack: Stack, *, session_open: bool) -> Account:
    """An end-user with three jobs: two answered in a session of its own, one queued."""
    account = new_account(stack, "population")
    enqueue(stack, account, 2, deadline_seconds=POPULATION_DEADLINE_SECONDS)
    connector = Connector(stack, account)
    _require(connector.start() not in REFUSALS, "authenticate refused a population session")
    connector.run_jobs(limit=2)
    if not session_open:
        connector.run_jobs()  # the empty sendRequestXML: the pointer is cleared
        connector.finish()
    enqueue(stack, account, 1, deadline_seconds=POPULATION_DEADLINE_SECONDS)
    return account


def _swap(value: dict[str, Any], swaps: Mapping[str, str]) -> dict[str, Any]:
    if "S" in value:
        text = str(value["S"])
        for old, new in swaps.items():
            text = text.replace(old, new)
        return {"S": text}
    if "M" in value:
        return {"M": {k: _swap(v, swaps) for k, v in value["M"].items()}}
    if "L" in value:
        return {"L": [_swap(v, swaps) for v in value["L"]]}
    if "SS" in value:
        return {"SS": [_swap({"S": v}, swaps)["S"] for v in value["SS"]]}
    return value


def _clone(items: list[dict[str, Any]], old_id: str) -> list[dict[str, Any]]:
    """The items of end-user ``old_id`` for a new end-user: every id made anew, index buckets recomputed."""
    from chalicelib.jobs.dispatch import message_set_id
    from chalicelib.jobs.security import new_id
    from chalicelib.store.dynamo_base import bucket_of

    new_user = new_id("eu")
    swaps = {old_id: new_user}
    for item in items:
        job_id = item.get("job_id", {}).get("S")
        if job_id:
            new_job = new_id("job")
            swaps[job_id] = new_job
            swaps[message_set_id(job_id, 1).split(".")[0]] = message_set_id(new_job, 1).split(".")[0]
        for name in ("holder", "last_holder"):
            if name in item:
                swaps[str(item[name]["S"])] = secrets.token_hex(32)
        if "file_id" in item:
            swaps[str(item["file_id"]["S"])] = str(uuid.uuid4())
    bucket = bucket_of(new_user)
    out = []
    for item in items:
        copy = {name: _swap(value, swaps) for name, value in item.items()}
        for name in _BUCKET_ATTRS:
            if name in copy:
                copy[name] = {"S": re.sub(r"#\d+$", f"#{bucket}", str(copy[name]["S"]))}
        out.append(copy)
    return out


def populate(stack: Stack, count: int = POPULATION) -> dict[str, Any]:
    """``count`` other end-users: two through the services, the rest copied from their items."""
    started = time.monotonic()
    templates = [_template(stack, session_open=False), _template(stack, session_open=True)]
    _drain_results(stack)
    ddb, table = stack.clients["dynamodb"], stack.settings.table_name
    items: dict[str, list[dict[str, Any]]] = {t.id: [] for t in templates}
    for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            pk, sk = str(item["pk"]["S"]), str(item["sk"]["S"])
            owner = pk.removeprefix("EU#") if pk.startswith("EU#") else sk.removeprefix("EU#")
            if owner not in items:
                raise RuntimeError(f"an item of nobody known in the table: {pk} {sk}")
            items[owner].append(item)
    copies: list[dict[str, Any]] = []
    for n in range(count - len(templates)):
        template = templates[n % len(templates)]
        copies += _clone(items[template.id], template.id)
    for start in range(0, len(copies), 25):
        chunk = copies[start:start + 25]
        out = ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item}} for item in chunk]})
        _require(not out.get("UnprocessedItems"), "BatchWriteItem left items unprocessed")
    written = len(copies)
    return {"end_users": count, "sessions_open": count // 2, "jobs": 3 * count,
            "items": written + sum(len(v) for v in items.values()), "seconds": round(time.monotonic() - started, 1)}


def aws_calls(schema_dir: Path | None, *, population: int = POPULATION) -> dict[str, Any]:
    """AWS API calls per path with 1 end-user and with ``population`` others; see the module docstring."""
    import boto3
    import moto

    started = time.monotonic()
    one = measure(lambda: aws_stack(schema_dir))
    with aws_stack(schema_dir) as crowded:
        made = populate(crowded, population)
        many = measure(lambda: contextlib.nullcontext(crowded))
    many["population"] = made
    soap = {"queries": one["soap_path"]["queries"] + many["soap_path"]["queries"],
            "count_queries": one["soap_path"]["count_queries"] + many["soap_path"]["count_queries"]}
    return {
        "method": "botocore before-call hooks on the services' dynamodb, sqs and s3 clients; "
                  "gateway code and boto3 clients in process against moto.mock_aws, provisioned from "
                  "infra/template.json",
        "moto": moto.__version__, "boto3": boto3.__version__,
        "schemas": str(schema_dir) if schema_dir else None,
        "session_idle_seconds": SESSION_IDLE_SECONDS,
        "end_users": {"1": one, str(population): many},
        "population": population,
        "soap_path_queries": soap["queries"],
        "soap_path_count_queries": soap["count_queries"],
        "seconds": round(time.monotonic() - started, 1),
    }
