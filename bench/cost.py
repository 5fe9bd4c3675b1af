"""What an end-user costs a month, from measured calls, times and log bytes at AWS list prices.

Measured here, in this process, on the gateway's own code (:class:`bench.peer.Gateway`): the bytes
logged of an idle poll (``serverVersion`` → ``clientVersion`` → ``authenticate`` → ``none`` →
``closeConnection``) and of a job's round trip, over the in-memory store with JSON logs at INFO and EMF
metrics captured; and the CPU time of both twice — over the in-memory store (the gateway's own work),
and on real AWS SDK clients talking HTTP to the emulator in a process of its own
(:class:`bench.emulator.EmulatorProcess`), which adds what botocore spends building, signing, sending
and parsing each request: most of a deployed call's CPU. That second figure is what is billed, scaled
by :func:`cpu_scale` for the share of a vCPU the function's memory buys. Measured by :mod:`bench.calls`
(the AWS calls per path, counted on moto): reads, writes and SQS sends of an idle poll, of a one-job
session, of a keep-alive cycle and of a marginal job.

Assumed, and said so in the report: an AWS call's latency inside the region (:data:`LATENCY_MS`), the
Lambda runtime's own time per invocation, one capacity unit per read and the write units of
:data:`IDLE_WRITE_UNITS` and :data:`BUSY_WRITE_UNITS`, 512 MB functions (``.chalice/config.json``), 30-day months, and
every job alone in its own session (the worst case for 1,000 jobs a month: each pays a session, its
keep-alive for ``session_idle_seconds`` and its close). The Web Connector's function is priced at 512 MB
(:data:`MEMORY_GB`, what every stage gives it) and, for comparison, at 1,024 MB.

:func:`monthly` prices it for the Web Connector's front door — the REST API (as deployed before), an
HTTP API, or a Lambda Function URL (as deployed now: :mod:`chalicelib.api.function_url`) — at a
polling interval; the SaaS's own calls (one enqueue per job) go through the REST API in every case.
"""

from __future__ import annotations

import io
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PRICES_AS_OF = "January 2025, us-east-1, on-demand list prices (aws.amazon.com/<service>/pricing)"
PRICES = {
    "rest_api_request": 3.50e-6,
    "http_api_request": 1.00e-6,
    "function_url_request": 0.0,
    "lambda_request": 0.20e-6,
    "lambda_gb_second": 0.0000166667,  # x86_64
    "dynamodb_write_unit": 0.625e-6,
    "dynamodb_read_unit": 0.125e-6,
    "sqs_fifo_request": 0.50e-6,
    "logs_ingested_gb": 0.50,
}
FRONT_DOORS = {"rest_api": "rest_api_request", "http_api": "http_api_request", "function_url": "function_url_request"}
LATENCY_MS = {"read": 4.0, "write": 6.0, "sqs": 10.0}  # assumed, in-region p50
RUNTIME_MS = 1.0  # assumed: the Lambda runtime and the event's decoding, per invocation
# Write capacity units per write: an idle poll's is the heartbeat on the end-user item (measured ~700 B: 1
# unit; the table's indexes are KEYS_ONLY and no key changes); a session's writes touch the lease, whose
# index keys change, and transactions count twice: 2 assumed.
IDLE_WRITE_UNITS, BUSY_WRITE_UNITS = 1, 2
MEMORY_GB = 0.5  # the Web Connector's function (.chalice/config.json: every stage's web_connector)
ONE_VCPU_GB = 1769 / 1024  # Lambda's CPU grows with memory: one vCPU at 1,769 MB (developer guide, "Memory")
SDK_ROUNDS = 40  # idle polls and round trips measured on the SDK clients (each round trip is ~20 requests)
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs counts per event
MONTH_SECONDS = 30 * 86_400
KEEP_ALIVE_PAUSE = 5.0  # the Web Connector's pause after NoOp
LONG_POLL_HOLD = 15.0  # the opt-in long-poll priced (chalicelib.qbwc.longpoll): seconds per hold …
LONG_POLL_INTERVAL = 0.25  # … and a read of the file every this many seconds while held (LongPoll.interval)


def _capture() -> tuple[io.StringIO, Callable[[], None]]:
    """JSON log lines at INFO into a buffer (as in Lambda); the returned function undoes it."""
    from chalicelib.observability import configure_logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    buffer = io.StringIO()
    added = configure_logging(force=True, stream=buffer, level="INFO")

    def undo() -> None:
        if added is not None:
            root.removeHandler(added)
        root.setLevel(level)
        root.handlers[:] = handlers

    return buffer, undo


def poll(gateway: Any) -> int:
    """One idle poll through ``gateway`` (:class:`bench.peer.Gateway`): the CPU nanoseconds of its four calls."""
    from bench import peer

    spent = 0
    calls = [("serverVersion", ()), ("clientVersion", (("strVersion", peer.CLIENT),)),
             ("authenticate", (("strUserName", gateway.username), ("strPassword", gateway.password)))]
    ticket = ""
    for method, params in calls:
        started = time.thread_time_ns()
        answer = gateway.call(peer.envelope(method, params), method)
        spent += time.thread_time_ns() - started
        if method == "authenticate":
            ticket, verdict = peer.result_of(answer, method)[:2]
            if verdict != "none":
                raise RuntimeError(f"an idle poll's authenticate answered {verdict!r}")
    started = time.thread_time_ns()
    gateway.call(peer.envelope("closeConnection", (("ticket", ticket),)), "closeConnection")
    return spent + time.thread_time_ns() - started


def _median(values: list[int]) -> float:
    return float(sorted(values)[len(values) // 2])


def measure(schema_dir: Path | None, rounds: int = 200, sdk_rounds: int = SDK_ROUNDS) -> dict[str, Any]:
    """CPU per call and log bytes of an idle poll and of a job's round trip, in this process; and the CPU of
    both on the AWS SDK (:func:`measure_on_sdk`) under ``sdk``."""
    from bench import peer

    gateway = peer.Gateway(schema_dir)
    documents: list[str] = []
    gateway.metrics.sink = documents.append
    exchange = peer.exchanges()[1]
    buffer, undo = _capture()
    try:
        for _ in range(20):
            poll(gateway)
            peer.round_trip(gateway, exchange)
        idle_cpu, job_cpu, idle_bytes, job_bytes, idle_events, job_events = [], [], [], [], [], []
        for _ in range(rounds):
            buffer.seek(0)
            buffer.truncate()
            documents.clear()
            idle_cpu.append(poll(gateway))
            idle_bytes.append(len(buffer.getvalue().encode()) + sum(len(d) + 1 for d in documents))
            idle_events.append(buffer.getvalue().count("\n") + len(documents))
            buffer.seek(0)
            buffer.truncate()
            documents.clear()
            job_cpu.append(peer.round_trip(gateway, exchange))
            job_bytes.append(len(buffer.getvalue().encode()) + sum(len(d) + 1 for d in documents))
            job_events.append(buffer.getvalue().count("\n") + len(documents))
    finally:
        undo()
    return {"rounds": rounds,
            "idle_poll": {"cpu_ms": round(_median(idle_cpu) / 1e6, 3), "log_bytes": _median(idle_bytes),
                          "log_events": _median(idle_events), "soap_calls": 4},
            "job_round_trip": {"cpu_ms": round(_median(job_cpu) / 1e6, 3), "log_bytes": _median(job_bytes),
                               "log_events": _median(job_events), "soap_calls": 4},
            "sdk": measure_on_sdk(schema_dir, exchange, sdk_rounds)}


def measure_on_sdk(schema_dir: Path | None, exchange: Any, rounds: int = SDK_ROUNDS) -> dict[str, Any]:
    """The CPU of the same idle poll and round trip (``exchange``, a :class:`bench.peer.Exchange`) with the
    services on real botocore clients, over HTTP to
    the emulator in a process of its own (on kept-alive connections, as in Lambda): the gateway's work and
    the SDK's, not the emulator's."""
    from bench import peer
    from bench.emulator import EmulatorProcess

    emulator = EmulatorProcess.start()
    try:
        gateway = peer.Gateway(schema_dir, aws_endpoint=emulator.endpoint)
        for _ in range(5):
            poll(gateway)
            peer.round_trip(gateway, exchange)
        before = gateway.requests_sent()
        with peer.sockets_opened() as opened:
            idle = [poll(gateway) for _ in range(rounds)]
            job = [peer.round_trip(gateway, exchange) for _ in range(rounds)]
        requests, connections = gateway.requests_sent() - before, opened[0]
    finally:
        emulator.stop()
    return {"rounds": rounds, "idle_poll": {"cpu_ms": round(_median(idle) / 1e6, 3)},
            "job_round_trip": {"cpu_ms": round(_median(job) / 1e6, 3)},
            "http": {"requests": requests, "sockets_opened": connections}}


def cpu_scale(memory_gb: float = MEMORY_GB) -> float:
    """How much longer the CPU measured here runs in a function of ``memory_gb``: 3.46 at 512 MB, which gets
    512/1,769 of a vCPU. Pessimistic: a short call may run at a whole core's speed, and the VM measuring
    it is not Lambda's CPU."""
    return ONE_VCPU_GB / memory_gb


def billed_cpu_ms(measured: Mapping[str, Any], path: str, memory_gb: float = MEMORY_GB) -> float:
    """The CPU a path bills: measured on the SDK clients, times :func:`cpu_scale`."""
    return float(measured["sdk"][path]["cpu_ms"]) * cpu_scale(memory_gb)


def _soap_calls(path: Mapping[str, Any]) -> float:
    return float(sum(call.get("n", 0) for call in path.get("by_call", {}).values()))


def _aws(path: Mapping[str, Any], scale: float = 1.0) -> dict[str, float]:
    return {k: float(path.get(k, 0)) * scale for k in ("reads", "writes", "sqs_sends")}


def _lambda_seconds(invocations: float, cpu_ms: float, aws: Mapping[str, float]) -> float:
    """Billed Lambda seconds: CPU and the runtime per invocation, the AWS calls' latency, rounded up per ms."""
    waited = (aws["reads"] * LATENCY_MS["read"] + aws["writes"] * LATENCY_MS["write"]
              + aws["sqs_sends"] * LATENCY_MS["sqs"])
    per_invocation = (cpu_ms + waited) / max(invocations, 1) + RUNTIME_MS
    return invocations * math.ceil(per_invocation) / 1000


def _price(soap: float, rest: float, seconds: float, aws: Mapping[str, float], write_units: float, log_bytes: float,
           door: str, memory_gb: float = MEMORY_GB) -> dict[str, float]:
    invocations = soap + rest
    return {
        "front_door": soap * PRICES[FRONT_DOORS[door]] + rest * PRICES["rest_api_request"],
        "lambda": invocations * PRICES["lambda_request"] + seconds * memory_gb * PRICES["lambda_gb_second"],
        "dynamodb": aws["reads"] * PRICES["dynamodb_read_unit"] + write_units * PRICES["dynamodb_write_unit"],
        "sqs": aws["sqs_sends"] * PRICES["sqs_fifo_request"],
        "logs": log_bytes / 1e9 * PRICES["logs_ingested_gb"],
    }


def monthly(calls: Mapping[str, Any], measured: Mapping[str, Any], *, poll_seconds: float, door: str,
            jobs: int = 1000, session_idle_seconds: float = 30, long_poll: float = 0.0,
            memory_gb: float = MEMORY_GB) -> dict[str, Any]:
    """One end-user's month: ``jobs`` jobs, each alone in a session, and idle polls every ``poll_seconds``.

    ``long_poll``: the hold in seconds (0: off). A session's keep-alive window is then spent in held
    ``sendRequestXML`` calls, each followed by ``getLastError`` and QBWC's pause: fewer calls, but every
    held second is billed Lambda time, and the file is read every :data:`LONG_POLL_INTERVAL`.
    """
    paths = calls["end_users"]["1"]
    idle, session, cycle = paths["idle_poll"], paths["one_job_session"], paths["keep_alive"]["cycle"]
    polls = MONTH_SECONDS / poll_seconds
    per_poll = _aws(idle)
    idle_soap = _soap_calls(idle) / max(1, idle.get("polls", 1))
    cycles = session_idle_seconds / (long_poll + KEEP_ALIVE_PAUSE)  # each: sendRequestXML "" and getLastError
    held = cycles * long_poll
    session_soap = _soap_calls(session) + 2 * cycles
    per_session = {k: v + _aws(cycle)[k] * cycles for k, v in _aws(session).items()}
    per_session["reads"] += held / LONG_POLL_INTERVAL
    enqueue = _aws(paths["enqueue"])
    aws = {k: polls * per_poll[k] + jobs * (per_session[k] + enqueue[k]) for k in per_poll}
    soap = polls * idle_soap + jobs * session_soap
    idle_m, job_m = measured["idle_poll"], measured["job_round_trip"]
    idle_cpu, job_cpu = billed_cpu_ms(measured, "idle_poll", memory_gb), billed_cpu_ms(measured, "job_round_trip",
                                                                                     memory_gb)
    seconds = (_lambda_seconds(polls * idle_soap, polls * idle_cpu, {k: polls * v for k, v in per_poll.items()})
               + _lambda_seconds(jobs * (session_soap + 1), jobs * job_cpu * session_soap / 4,
                                 {k: jobs * (per_session[k] + enqueue[k]) for k in per_poll})
               + jobs * held)
    log_bytes = (polls * (idle_m["log_bytes"] + LOG_EVENT_OVERHEAD * idle_m["log_events"])
                 + jobs * (job_m["log_bytes"] + LOG_EVENT_OVERHEAD * job_m["log_events"]) * session_soap / 4)
    units = polls * per_poll["writes"] * IDLE_WRITE_UNITS + jobs * (per_session["writes"] + enqueue["writes"]) * \
        BUSY_WRITE_UNITS
    parts = _price(soap, jobs, seconds, aws, units, log_bytes, door, memory_gb)
    return {"poll_seconds": poll_seconds, "door": door, "long_poll": long_poll, "memory_gb": memory_gb, "jobs": jobs,
            "polls": round(polls), "soap_requests": round(soap), "lambda_gb_seconds": round(seconds * memory_gb, 1),
            "parts": {k: round(v, 4) for k, v in parts.items()}, "total": round(sum(parts.values()), 3)}


def per_million_jobs(calls: Mapping[str, Any], measured: Mapping[str, Any], *, door: str) -> dict[str, Any]:
    """The marginal cost of a million jobs run back to back in open sessions (bench.calls' marginal job)."""
    marginal = calls["end_users"]["1"]["marginal_job"]
    jobs = 1_000_000
    aws = _aws(marginal, jobs)
    soap = 2.0 * jobs  # sendRequestXML and receiveResponseXML; the enqueue is a REST request
    seconds = _lambda_seconds(soap + jobs, jobs * billed_cpu_ms(measured, "job_round_trip") / 2, aws)
    log_bytes = jobs * (measured["job_round_trip"]["log_bytes"] / 2 + LOG_EVENT_OVERHEAD * 3)
    parts = _price(soap, jobs, seconds, aws, aws["writes"] * BUSY_WRITE_UNITS, log_bytes, door)
    return {"door": door, "parts": {k: round(v, 2) for k, v in parts.items()}, "total": round(sum(parts.values()), 2)}


def model(calls: Mapping[str, Any], schema_dir: Path | None) -> dict[str, Any]:
    """Every front door at 20 s (the .qwc's default) and 60 s polling; the Function URL at 20 s with the
    long-poll, and at 1,024 MB; and per million jobs."""
    measured = measure(schema_dir)
    return {
        "prices_as_of": PRICES_AS_OF, "prices": PRICES,
        "assumed": {"latency_ms": LATENCY_MS, "runtime_ms": RUNTIME_MS, "cpu_scale": round(cpu_scale(), 3),
                    "write_units": {"idle_poll": IDLE_WRITE_UNITS, "session": BUSY_WRITE_UNITS},
                    "memory_gb": MEMORY_GB, "jobs_per_month": 1000},
        "measured": measured,
        "per_end_user_month": [*(monthly(calls, measured, poll_seconds=p, door=d)
                                 for p in (20, 60) for d in FRONT_DOORS),
                               monthly(calls, measured, poll_seconds=20, door="function_url",
                                       long_poll=LONG_POLL_HOLD),
                               monthly(calls, measured, poll_seconds=20, door="function_url", memory_gb=1.0)],
        "per_million_jobs": [per_million_jobs(calls, measured, door=d) for d in FRONT_DOORS],
    }
