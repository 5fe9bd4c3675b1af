"""The load run (``python -m bench --load``, opt-in, never in the default run): N simulated Web Connectors
(1,000 by default) polling one local gateway whose table is on dynalite, idle polls and jobs mixed.

Processes, all on 127.0.0.1: dynalite (the table), the AWS emulator alone (:class:`bench.emulator.EmulatorProcess`:
SQS, S3, KMS), and the gateway as the tests start it (``python -m infra.localstack --no-demo``, via
:meth:`bench.harness.Target.start`) with ``--aws-endpoint`` (so that moto's work is not in the gateway's CPU)
and ``--count-aws-calls FILE`` (:class:`infra.localstack.AwsCallCounter`: every botocore call the gateway
makes, by ``service:Operation``, and by thread — HTTP request threads vs the stack's own ingress poller and
scheduler, which are left out of the per-poll and per-job figures). The bench sends SIGUSR1 and waits for
the file's sequence number to move; the snapshot's moment is taken as the middle of that wait. The
gateway knows the poll interval (``QBDGW_QWC_RUN_EVERY_SECONDS``): an idle poll writes the heartbeat every
other poll, as deployed. The gateway's HTTP server listens with a backlog of 1,024 (``--listen-backlog``):
``socketserver``'s default of 5 overflows when hundreds of connectors connect at once (measured: thousands
of ``ListenOverflows``, SYNs dropped and retried a second later, connections reset), a queue of the local
server that Lambda's front door does not have; ``listen_backlog=0`` keeps the default, to show it.

**At N end-users.** N end-users are created over REST (8 at a time). One thread per connector
(:class:`simulator.WebConnector`, a new connection per SOAP call, NoOp pause 5 s) starts at a random
moment in ``[0, poll)`` and runs a session every ``poll`` seconds (``run_forever``: the pause counts from
the end of a session, as QBWC's Auto-Run). Every SOAP call is timed from the connector's side by wrapping
its SOAP client (:class:`TimedClient`, one ``perf_counter`` pair around the POST and the parse of the
answer; the simulator's behaviour is unchanged).

1. warm-up, one poll period: every connector has polled once (the first poll after sign-up writes the
   heartbeat);
2. phase A, idle (``phase_seconds``, two poll periods by default): no jobs; AWS calls per idle poll =
   the request threads' calls in the window / the idle polls whose ``authenticate`` (answered ``none``)
   fell in it;
3. phase B, mixed: J jobs (2 per 10 end-users by default; half CustomerAdd, each with a customer name of its
   own, half CustomerQuery) enqueued at random moments of ``phase_seconds`` to distinct random end-users
   (:func:`job_plan`), 8 POSTs at a time at most (a failed POST is sent again with the same
   ``Idempotency-Key``, as a SaaS would; retries and POSTs never answered are counted); the phase ends when
   every result has arrived (or a bounded timeout) *and* every session that ran a job has ended (the
   requests the sessions report = the requests the company files executed), so that each job's whole
   session is inside the window. AWS calls per job = (the window's calls - its idle polls x AWS calls per
   idle poll) / J: the enqueue, and the job's session from ``authenticate`` to ``closeConnection`` (with the
   session idle limit at 2 s, each session's keep-alive ends after one NoOp pause).

**At 1 end-user**, on a fresh dynalite, emulator and gateway (a table holding one end-user): one
connector, the same poll interval. The counts are snapshotted at the end of a session, while the connector
waits for its next poll, so nothing is in flight: AWS calls per idle poll over ``phase_seconds / poll``
idle polls (at least 2: the heartbeat alternates), then ``one_user_jobs`` jobs, each enqueued at a random
moment between two polls, so that each rides alone in a session of its own; AWS calls per job = the
calls over those sessions / jobs. The ratio N : 1 of each is the "flat" check.

**Checked** after phase B: every job has a result message on SQS (none = lost) with status
``succeeded``; every CustomerAdd's name is in its company file exactly once and was executed exactly once
(a write applied twice would show as a second execution, or a second customer); the company files executed
exactly J requests; result messages for a job id received more than once are counted apart (a re-publish
at a session boundary may do that by design; SQS's FIFO de-duplication by job id usually hides it).

**The machine**: CPU seconds (``utime + stime`` of ``/proc/<pid>/stat``, with descendants) of the gateway,
dynalite, the emulator and this driver process over each phase, the whole machine's busy CPU from
``/proc/stat`` (what is left is other processes), the load average, and the kernel's listen-queue
overflows (``TcpExt ListenOverflows``: a full accept queue makes a client's SYN wait a second). The
gateway is one Python process: at about one core it is saturated.

**Lambda, on paper** (:func:`extrapolate`): the gateway's CPU ms per SOAP call measured in phase A, stretched
by :func:`bench.cost.cpu_scale` (the share of a vCPU the Web Connector's 512 MB buy, as the cost model bills
it), plus the AWS calls per call at :data:`bench.cost.LATENCY_MS` (reads 4 ms, writes 6 ms, SQS 10 ms) and
:data:`bench.cost.RUNTIME_MS`, is a call's duration; at N end-users polling every 20 s the offered call rate
times that duration is the concurrency (Little's law). This machine's CPU per call includes Chalice's local HTTP
server (``http.server``, a thread per connection), which Lambda does not run: an upper bound.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.calls import kind_of
from bench.cost import LATENCY_MS, RUNTIME_MS, cpu_scale
from bench.harness import Arrival, EndUser, Target, customer_add, customer_query
from bench.procmem import descendants
from bench.stats import Summary
from simulator import CompanyFile, SessionOutcome, SessionResult, WebConnector

Say = Callable[[str], None]
SPLIT_METHODS = ("authenticate", "sendRequestXML", "receiveResponseXML")
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
SNAPSHOT_TIMEOUT = 30.0
SATURATED = 0.9  # of one core
ENQUEUE_ATTEMPTS = 4
CLOSING_REQUEST_ID = "qbdgw-end"  # the HostQuery the gateway ends a healthy session with (chalicelib.qbwc.answers)


@dataclass(frozen=True)
class LoadConfig:
    connectors: int = 1000
    poll_seconds: float = 20.0  # the .qwc's default
    phase_seconds: float | None = None  # None: two poll periods
    jobs: int | None = None  # None: 2 per 10 end-users (at least 2)
    one_user_jobs: int = 4
    noop_wait: float = 5.0  # QBWC's pause after NoOp
    session_idle: int = 2
    seed: int = 1
    enqueue_workers: int = 8
    results_timeout: float | None = None  # None: 3 poll periods + 60 s
    listen_backlog: int = 1024  # the gateway's HTTP listen backlog (0: socketserver's 5)

    @property
    def phase(self) -> float:
        return self.phase_seconds if self.phase_seconds is not None else 2 * self.poll_seconds

    @property
    def job_count(self) -> int:
        return self.jobs if self.jobs is not None else max(2, self.connectors // 5)

    @property
    def wait_results(self) -> float:
        return self.results_timeout if self.results_timeout is not None else 3 * self.poll_seconds + 60


# What the connectors saw -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SoapSample:
    method: str
    started: float  # time.monotonic()
    seconds: float
    ok: bool


class TimedClient:
    """A :class:`simulator.soap.SoapClient` whose every call is timed (the POST and reading its answer)."""

    def __init__(self, inner: Any, sink: list[SoapSample]) -> None:
        self._inner = inner
        self._sink = sink

    def call(self, method: str, params: Sequence[tuple[str, str]]) -> Any:
        started = time.monotonic()
        clock = time.perf_counter()
        ok = False
        try:
            answer = self._inner.call(method, params)
            ok = True
            return answer
        finally:
            self._sink.append(SoapSample(method, started, time.perf_counter() - clock, ok))  # list.append: atomic


@dataclass
class Fleet:
    """N connectors, one thread each, every session reported to :attr:`sessions` as (index, result)."""

    pairs: list[tuple[WebConnector, CompanyFile]]
    poll: float
    offsets: list[float]
    samples: list[SoapSample] = field(default_factory=list)
    sessions: list[tuple[int, SessionResult]] = field(default_factory=list)
    ended: threading.Condition = field(default_factory=threading.Condition)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def of(cls, target: Target, users: Sequence[EndUser], *, poll: float, noop_wait: float,
           rng: random.Random) -> Fleet:
        # max_noops: a bound the short session idle limit never lets a session reach
        pairs = [target.connector(user, noop_wait=noop_wait, max_noops=10_000) for user in users]
        fleet = cls(pairs, poll, [rng.uniform(0.0, poll) for _ in users])
        for connector, _ in pairs:
            connector._client = TimedClient(connector._client, fleet.samples)  # type: ignore[assignment]
        return fleet

    def start(self) -> Fleet:
        for index in range(len(self.pairs)):
            thread = threading.Thread(target=self._run, args=(index,), name=f"bench-qbwc-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _run(self, index: int) -> None:
        connector = self.pairs[index][0]
        if self._stop.wait(self.offsets[index]):
            return

        def report(result: SessionResult) -> None:
            with self.ended:
                self.sessions.append((index, result))
                self.ended.notify_all()

        connector.run_forever(self.poll, report)

    def reported(self) -> int:
        with self.ended:
            return len(self.sessions)

    def wait_sessions(self, count: int, timeout: float) -> bool:
        """Until ``count`` sessions have been reported in all."""
        deadline = time.monotonic() + timeout
        with self.ended:
            while len(self.sessions) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.ended.wait(min(left, 0.5))
        return True

    def stop(self, timeout: float) -> int:
        """Stop every connector (a session ends after its current call); the threads still alive after it."""
        self._stop.set()
        for connector, _ in self.pairs:
            connector.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return sum(1 for thread in self._threads if thread.is_alive())

    @property
    def companies(self) -> list[CompanyFile]:
        return [company for _, company in self.pairs]


# What the machine did -------------------------------------------------------------------------------------
def process_cpu_seconds(pid: int, *, tree: bool = True) -> float | None:
    """``utime + stime`` of ``pid`` (and, with ``tree``, its descendants), in seconds; None when it is gone."""
    total = 0.0
    pids = [pid, *descendants(pid)] if tree else [pid]
    for index, one in enumerate(pids):
        try:
            text = Path(f"/proc/{one}/stat").read_text()
        except OSError:
            if index == 0:
                return None
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state is fields[0]
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from ``/proc/stat``."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]  # guest: in user
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


def listen_overflows() -> dict[str, int]:
    """``ListenOverflows`` and ``ListenDrops`` of ``/proc/net/netstat`` (the whole machine)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], (int(v) for v in values.split()[1:]), strict=False))
            return {key: table.get(key, 0) for key in ("ListenOverflows", "ListenDrops")}
    return {}


def cpu_pressure_us() -> int | None:
    """``some total`` of ``/proc/pressure/cpu``: microseconds in which at least one task waited for a CPU."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(first.rsplit("total=", 1)[1]) if "total=" in first else None


class LagProbe:
    """A thread of this driver that sleeps 20 ms again and again and notes how late it wakes: the time a
    connector thread here waits for a CPU and the GIL, which every SOAP latency measured here includes."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (time.monotonic() at waking, seconds late)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-lag-probe", daemon=True)

    def start(self) -> LagProbe:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            before = time.monotonic()
            time.sleep(self.every)
            now = time.monotonic()
            self.samples.append((now, now - before - self.every))

    def between(self, start: float, end: float) -> dict[str, Any]:
        return Summary.of([late for at, late in self.samples if start <= at < end]).ms()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@dataclass(frozen=True)
class Mark:
    """One moment of the run: the gateway's AWS call counts, and every clock and CPU counter."""

    mono: float
    wall: float
    seq: int
    request: Mapping[str, int]
    background: Mapping[str, int]
    cpu: Mapping[str, float | None]
    machine_busy: float
    machine_total: float
    overflows: Mapping[str, int]
    cpu_pressure_us: int | None
    load: tuple[float, float, float]
    snapshot_wait_s: float


class Meter:
    """Asks the gateway for its AWS call counts (SIGUSR1, then the file's ``seq`` moves) and reads the CPU."""

    def __init__(self, gateway: Any, counts: Path, pids: Mapping[str, int], log_path: Path | None = None) -> None:
        self.gateway = gateway  # its subprocess.Popen
        self.counts = counts
        self.pids = dict(pids)
        self.log_path = log_path

    def _read(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.counts.read_text()))
        except (OSError, ValueError):
            return {"seq": 0}

    def mark(self) -> Mark:
        before = int(self._read().get("seq", 0))
        asked = time.monotonic()
        asked_wall = time.time()
        self.gateway.send_signal(signal.SIGUSR1)
        deadline = asked + SNAPSHOT_TIMEOUT
        resend = asked + 2.0
        while True:
            data = self._read()
            if int(data.get("seq", 0)) > before:
                break
            now = time.monotonic()
            if self.gateway.poll() is not None or now > deadline:
                tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path else ""
                raise RuntimeError(f"the gateway (exit code {self.gateway.poll()}) did not write its AWS call counts "
                                   f"to {self.counts} within {now - asked:.1f} s:\n{tail}")
            if now > resend:  # one answer covers every request: asking again cannot double a snapshot
                self.gateway.send_signal(signal.SIGUSR1)
                resend = now + 2.0
            time.sleep(0.005)
        got = time.monotonic()
        got_wall = time.time()
        # the snapshot's own moment (written by the gateway); the middle of the wait if it has none
        wall = float(data.get("written_at") or asked_wall + (got - asked) / 2)
        cpu: dict[str, float | None] = {name: process_cpu_seconds(pid) for name, pid in self.pids.items()}
        cpu["driver"] = process_cpu_seconds(os.getpid(), tree=False)
        busy, total = machine_cpu()
        return Mark(mono=got - (got_wall - wall), wall=wall, seq=int(data["seq"]),
                    request=dict(data.get("request") or {}), background=dict(data.get("background") or {}),
                    cpu=cpu, machine_busy=busy, machine_total=total, overflows=listen_overflows(),
                    cpu_pressure_us=cpu_pressure_us(),
                    load=os.getloadavg(), snapshot_wait_s=round(got - asked, 4))


def diff(after: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(set(after) | set(before))
            if after.get(k, 0) - before.get(k, 0)}


def kinds(calls: Mapping[str, float]) -> dict[str, float]:
    """Total, reads, writes, SQS sends and other calls of ``{"service:Operation": n}``."""
    out = {"total": float(sum(calls.values())), "reads": 0.0, "writes": 0.0, "sqs_sends": 0.0, "other": 0.0}
    for key, n in calls.items():
        out[kind_of(key.split(":", 1)[1])] += n
    return out


def per(calls: Mapping[str, float], count: float) -> dict[str, Any]:
    """``calls`` divided by ``count``: by kind and by operation (3 decimals)."""
    if count <= 0:
        return {"n": 0}
    return {"n": round(count, 3), **{k: round(v / count, 3) for k, v in kinds(calls).items()},
            "by_operation": {k: round(v / count, 3) for k, v in calls.items()}}


def window(first: Mark, last: Mark) -> dict[str, Any]:
    """CPU seconds of each process, the machine and the load average between two marks."""
    wall = last.mono - first.mono
    cpu: dict[str, Any] = {}
    for name in first.cpu:
        a, b = first.cpu[name], last.cpu.get(name)
        if a is not None and b is not None:
            cpu[name] = {"cpu_s": round(b - a, 2), "cores": round((b - a) / wall, 3) if wall > 0 else None}
    ours = sum(v["cpu_s"] for v in cpu.values())
    busy = last.machine_busy - first.machine_busy
    cores = os.cpu_count() or 1
    return {
        "wall_s": round(wall, 2), "cpu": cpu,
        "machine": {"cpus": cores, "busy_cpu_s": round(busy, 2), "busy_cores": round(busy / wall, 3) if wall else None,
                    "other_processes_cpu_s": round(busy - ours, 2),
                    "idle_cores": round(cores - busy / wall, 3) if wall else None},
        "load_average": {"start": [round(x, 2) for x in first.load], "end": [round(x, 2) for x in last.load]},
        "listen_overflows": diff(last.overflows, first.overflows),
        "cpu_pressure_some": round((last.cpu_pressure_us - first.cpu_pressure_us) / 1e6 / wall, 3)
        if last.cpu_pressure_us is not None and first.cpu_pressure_us is not None and wall > 0 else None,
        "snapshot_wait_s": [first.snapshot_wait_s, last.snapshot_wait_s],
    }


# Summaries ------------------------------------------------------------------------------------------------
def soap_summary(samples: Iterable[SoapSample], start: float, end: float) -> dict[str, Any]:
    """Every SOAP call that started in ``[start, end)``: latency of all, per method, and calls per second."""
    picked = [s for s in samples if start <= s.started < end]
    by_method: dict[str, list[float]] = {}
    for sample in picked:
        by_method.setdefault(sample.method, []).append(sample.seconds)
    seconds = end - start
    return {
        "calls": len(picked),
        "failed": sum(1 for s in picked if not s.ok),
        "calls_per_second": round(len(picked) / seconds, 2) if seconds > 0 else None,
        "all": Summary.of([s.seconds for s in picked]).ms(),
        "by_method": {m: Summary.of(v).ms() for m, v in sorted(by_method.items())},
    }


def sessions_in(sessions: Iterable[tuple[int, SessionResult]], start_wall: float,
                end_wall: float) -> list[tuple[int, SessionResult]]:
    """Sessions whose ``authenticate`` was called in ``[start_wall, end_wall)`` (time.time())."""
    picked = []
    for index, result in sessions:
        auth = next((c.at for c in result.calls if c.method == "authenticate"), None)
        if auth is not None and start_wall <= auth < end_wall:
            picked.append((index, result))
    return picked


def outcomes(sessions: Iterable[tuple[int, SessionResult]]) -> dict[str, int]:
    return dict(Counter(result.outcome.value for _, result in sessions).most_common())


# The jobs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    index: int
    user: int
    kind: str  # "add" or "query"
    name: str | None
    at: float  # seconds into the phase it was meant for
    started: float  # time.monotonic() at the start of its first POST
    id: str  # "" when no POST succeeded
    post_s: float  # from the first POST's start to the answer that took it
    retries: int = 0
    error: str | None = None


def job_plan(rng: random.Random, jobs: int, users: int, phase: float) -> list[tuple[float, int, str]]:
    """(moment in the phase, end-user index, kind) for each job, sorted: half writes, half reads.

    The end-users are drawn without replacement while there are enough (at most one job per end-user in the
    phase), so that each job rides alone in a session, as at 1 end-user: jobs sharing a session share its
    cost, and AWS calls per job would then fall with the clustering, not with the table's size.
    """
    kinds_ = ["add" if i % 2 == 0 else "query" for i in range(jobs)]
    rng.shuffle(kinds_)
    picked = rng.sample(range(users), jobs) if jobs <= users else [rng.randrange(users) for _ in range(jobs)]
    return sorted((rng.uniform(0.0, phase), user, kind) for user, kind in zip(picked, kinds_, strict=True))


def post_job(target: Target, user: EndUser, qbxml: str, key: str) -> str:
    """One ``POST /v1/end-users/{id}/jobs`` with an ``Idempotency-Key`` on a new connection; the job's id."""
    parts = urlsplit(target.process.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        connection.request("POST", f"/v1/end-users/{user.id}/jobs", body=json.dumps({"qbxml": qbxml}),
                           headers={"Content-Type": "application/json", "Idempotency-Key": key,
                                    "Authorization": f"Bearer {target.process.api_key}"})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    if response.status >= 300:
        raise RuntimeError(f"POST jobs answered {response.status}: {payload[:200]!r}")
    return str(json.loads(payload)["id"])


def enqueue(target: Target, user: EndUser, index: int, kind: str, at: float, user_index: int) -> Job:
    """Enqueue one job as a SaaS would: on a failure (a reset connection, a 5xx) the same POST again, with
    the same ``Idempotency-Key``, so that a retry never makes a second job; :data:`ENQUEUE_ATTEMPTS` at most."""
    name = f"L{index:05d}-{user.id[-8:]}" if kind == "add" else None
    qbxml = customer_add(name) if name else customer_query(3)
    key = f"bench-load-{user.id}-{index}"
    started = time.monotonic()
    error = ""
    for attempt in range(ENQUEUE_ATTEMPTS):
        try:
            job_id = post_job(target, user, qbxml, key)
            return Job(index, user_index, kind, name, at, started, job_id, time.monotonic() - started, attempt)
        except (OSError, http.client.HTTPException, RuntimeError, ValueError, KeyError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5 * (attempt + 1))
    return Job(index, user_index, kind, name, at, started, "", time.monotonic() - started, ENQUEUE_ATTEMPTS, error)


def verify(jobs: Sequence[Job], arrivals: Mapping[str, Arrival], receipts: Mapping[str, int],
           companies: Sequence[CompanyFile]) -> dict[str, Any]:
    """Lost, failed and doubled jobs; writes applied more than once; duplicate result messages.

    A job none of whose POSTs was answered (``id`` empty) is counted apart, as an enqueue failure."""
    unsent = [job for job in jobs if not job.id]
    jobs = [job for job in jobs if job.id]
    lost = [job.id for job in jobs if job.id not in arrivals]
    failed = {job.id: arrivals[job.id].status for job in jobs
              if job.id in arrivals and arrivals[job.id].status != "succeeded"}
    names_twice, names_missing, executed_twice = [], [], []
    for job in jobs:
        if job.name is None:
            continue
        company = companies[job.user]
        held = sum(1 for customer in company.customers() if customer.name == job.name)
        ran = sum(1 for e in company.executions if e.name == "CustomerAddRq" and f"<Name>{job.name}</Name>"
                  in e.request_xml)
        if held > 1:
            names_twice.append(job.name)
        if held == 0:
            names_missing.append(job.name)
        if ran > 1:
            executed_twice.append(job.name)
    duplicates = {job.id: receipts[job.id] - 1 for job in jobs if receipts.get(job.id, 0) > 1}
    executions = sum(1 for company in companies for e in company.executions if e.request_id != CLOSING_REQUEST_ID)
    closing = sum(1 for company in companies for e in company.executions if e.request_id == CLOSING_REQUEST_ID)
    return {
        "jobs": len(jobs), "enqueue_failed": len(unsent),
        "enqueue_errors": dict(Counter((job.error or "")[:120] for job in unsent)),
        "results": len(jobs) - len(lost), "succeeded": len(jobs) - len(lost) - len(failed),
        "lost": len(lost), "lost_ids": lost[:20], "failed": len(failed),
        "failed_statuses": dict(Counter(failed.values())),
        "writes": sum(1 for job in jobs if job.name), "writes_in_file_twice": len(names_twice),
        "writes_missing_from_file": len(names_missing), "writes_executed_twice": len(executed_twice),
        "requests_executed": executions, "requests_executed_beyond_jobs": executions - len(jobs),
        "session_closing_host_queries": closing,
        "duplicate_result_messages": sum(duplicates.values()), "jobs_with_duplicate_results": len(duplicates),
        "lost_or_duplicated_jobs": len(lost) + len(failed) + len(names_twice) + len(executed_twice)
        + max(0, executions - len(jobs)),
    }


# One stack ------------------------------------------------------------------------------------------------
class Stack:
    """dynalite + the AWS emulator + the gateway (counting its AWS calls), torn down by :meth:`stop`."""

    def __init__(self, label: str, config: LoadConfig) -> None:
        from bench.emulator import EmulatorProcess
        from tests.support.stack import Dynalite

        self.dir = Path(tempfile.mkdtemp(prefix="qbdgw-load-"))
        self.counts = self.dir / "aws-calls.json"
        self.dynalite = Dynalite()
        self.emulator: Any = None
        self.target: Target | None = None
        try:
            self.emulator = EmulatorProcess.start()
            self.target = Target.start(
                label, session_idle=config.session_idle, dynamodb_endpoint=self.dynalite.endpoint,
                env={"QBDGW_QWC_RUN_EVERY_SECONDS": str(max(1, round(config.poll_seconds)))},
                extra_args=["--aws-endpoint", self.emulator.endpoint, "--count-aws-calls", str(self.counts),
                            *(["--listen-backlog", str(config.listen_backlog)] if config.listen_backlog else [])])
        except BaseException:
            self.stop()
            raise
        process = self.target.process
        self.meter = Meter(process.process, self.counts, {"gateway": process.process.pid,
                                                          "dynalite": self.dynalite.pid,
                                                          "aws_emulator": self.emulator.pid}, process.log_path)

    def stop(self) -> None:
        if self.target is not None:
            self.target.stop()
        if self.emulator is not None:
            self.emulator.stop()
        self.dynalite.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# At N end-users -------------------------------------------------------------------------------------------
def at_n(config: LoadConfig, say: Say) -> dict[str, Any]:
    """The warm-up, phase A (idle) and phase B (mixed) with ``config.connectors`` connectors."""
    rng = random.Random(config.seed)
    stack = Stack("load", config)
    try:
        target = stack.target
        assert target is not None
        started = time.monotonic()
        users = target.new_end_users("load", config.connectors)
        created_s = time.monotonic() - started
        say(f"load: {len(users)} end-users created in {created_s:.1f} s; {len(users)} connectors start, poll "
            f"{config.poll_seconds:g} s")
        probe = LagProbe().start()
        fleet = Fleet.of(target, users, poll=config.poll_seconds, noop_wait=config.noop_wait, rng=rng).start()
        try:
            driven = _drive(config, stack, target, users, fleet, rng, say)
        finally:
            alive = fleet.stop(timeout=config.noop_wait + 35)
            probe.stop()
            if alive:
                say(f"load: {alive} connector threads still running after stop")
        # analysed once every session has been reported (one in flight at a mark is reported after it)
        result = _analyse(config, driven, target, fleet, probe)
        with fleet.ended:  # every SOAP call the sessions recorded was timed, once
            recorded = sum(len(session.calls) for _, session in fleet.sessions)
        say(f"load: {result['checks']['results']}/{result['checks']['jobs']} results, lost "
            f"{result['checks']['lost']}; {result['phase_a']['idle_polls']} idle polls in phase A "
            f"({result['phase_a']['idle_polls_offered']} offered)")
        return {**result, "end_users_created_s": round(created_s, 1), "connector_threads_left": alive,
                "timed_calls": len(fleet.samples), "session_calls": recorded}
    finally:
        stack.stop()


@dataclass(frozen=True)
class Driven:
    """What :func:`_drive` did: the three marks, the jobs and when the phase's steps ended."""

    a0: Mark
    a1: Mark
    b1: Mark
    jobs: list[Job]
    enqueued: float
    all_in: float
    drained: bool


def _drive(config: LoadConfig, stack: Stack, target: Target, users: Sequence[EndUser], fleet: Fleet,
           rng: random.Random, say: Say) -> Driven:
    phase = config.phase
    time.sleep(config.poll_seconds + 1.0)  # warm-up: every connector has polled once
    a0 = stack.meter.mark()
    say(f"load: phase A (idle) {phase:g} s")
    time.sleep(phase)
    a1 = stack.meter.mark()
    plan = job_plan(rng, config.job_count, len(users), phase)
    say(f"load: phase B (mixed) {len(plan)} jobs over {phase:g} s")

    def one(item: tuple[int, tuple[float, int, str]]) -> Job:
        index, (at, user, kind) = item
        delay = a1.mono + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return enqueue(target, users[user], index, kind, at, user)

    with ThreadPoolExecutor(max_workers=config.enqueue_workers) as pool:
        jobs = list(pool.map(one, enumerate(plan)))
    enqueued = time.monotonic()
    target.collector.wait_for([job.id for job in jobs if job.id], timeout=config.wait_results)
    all_in = time.monotonic()
    drained = _sessions_drained(fleet, timeout=2 * config.noop_wait + config.session_idle + 30)
    b1 = stack.meter.mark()
    return Driven(a0, a1, b1, jobs, enqueued, all_in, drained)


def _analyse(config: LoadConfig, d: Driven, target: Target, fleet: Fleet, probe: LagProbe) -> dict[str, Any]:
    a0, a1, b1, jobs, phase = d.a0, d.a1, d.b1, d.jobs, config.phase
    with fleet.ended:
        sessions = list(fleet.sessions)
    sessions_a = sessions_in(sessions, a0.wall, a1.wall)
    idle_a = [s for s in sessions_a if s[1].outcome is SessionOutcome.NO_WORK]
    calls_a = diff(a1.request, a0.request)
    sessions_b = sessions_in(sessions, a1.wall, b1.wall)
    idle_b = [s for s in sessions_b if s[1].outcome is SessionOutcome.NO_WORK]
    job_sessions = [s for s in sessions_b if s[1].requests_processed > 0]
    calls_b = diff(b1.request, a1.request)
    # the idle polls of phase B at phase A's calls per idle poll, taken off: what is left is the jobs'
    idle_share = {k: v / len(idle_a) * len(idle_b) for k, v in calls_a.items()} if idle_a else {}
    job_calls = {k: calls_b.get(k, 0) - idle_share.get(k, 0.0) for k in sorted(set(calls_b) | set(idle_share))}
    sent = [job for job in jobs if job.id]
    arrivals = target.collector.wait_for([job.id for job in sent], timeout=0)
    latencies = [arrivals[j.id].at - j.started for j in jobs if j.id in arrivals]
    last = max((arrivals[j.id].at for j in jobs if j.id in arrivals), default=math.nan)
    offered = len(fleet.pairs) * phase / config.poll_seconds
    return {
        "connectors": len(fleet.pairs), "poll_seconds": config.poll_seconds, "phase_seconds": phase,
        "phase_a": {
            "idle_polls": len(idle_a), "idle_polls_offered": round(offered), "sessions": outcomes(sessions_a),
            "soap": soap_summary(fleet.samples, a0.mono, a1.mono),
            "aws_calls": calls_a, "aws_calls_per_idle_poll": per(calls_a, len(idle_a)),
            "background_aws_calls": diff(a1.background, a0.background),
            "machine": window(a0, a1), "driver_wakeup_lag": probe.between(a0.mono, a1.mono),
        },
        "phase_b": {
            "jobs": len(sent), "writes": sum(1 for j in sent if j.kind == "add"),
            "enqueue_failed": len(jobs) - len(sent), "enqueue_retries": sum(j.retries for j in jobs),
            "enqueue_s": round(d.enqueued - a1.mono, 2), "results_wait_s": round(d.all_in - d.enqueued, 2),
            "sessions_drained": d.drained, "window_s": round(b1.mono - a1.mono, 2),
            "jobs_per_second": round(len(latencies) / (last - a1.mono), 3) if latencies else None,
            "enqueue_to_result": Summary.of(latencies).seconds(),
            "enqueue_post": Summary.of([j.post_s for j in jobs]).ms(),
            "idle_polls": len(idle_b), "job_sessions": len(job_sessions),
            "jobs_per_job_session": round(len(sent) / len(job_sessions), 3) if job_sessions else None,
            "sessions": outcomes(sessions_b),
            "soap": soap_summary(fleet.samples, a1.mono, b1.mono),
            "aws_calls": calls_b, "aws_calls_per_job": per(job_calls, len(sent)),
            "background_aws_calls": diff(b1.background, a1.background),
            "machine": window(a1, b1), "driver_wakeup_lag": probe.between(a1.mono, b1.mono),
        },
        "checks": verify(jobs, arrivals, target.collector.receipts, fleet.companies),
        "soap": soap_summary(fleet.samples, a0.mono, b1.mono),
        "machine": window(a0, b1),
    }


def _sessions_drained(fleet: Fleet, timeout: float) -> bool:
    """Until every session that ran a request has ended: the requests ended sessions report = those executed."""
    deadline = time.monotonic() + timeout
    while True:
        executed = sum(len(company.executions) for company in fleet.companies)
        with fleet.ended:
            reported = sum(result.requests_processed + result.hresult_errors for _, result in fleet.sessions)
        if reported >= executed:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


# At 1 end-user --------------------------------------------------------------------------------------------
def at_one(config: LoadConfig, say: Say) -> dict[str, Any]:
    """One connector on a table of one end-user: counts snapshotted between sessions (nothing in flight)."""
    rng = random.Random(config.seed + 1)
    stack = Stack("load-1", config)
    try:
        target = stack.target
        assert target is not None
        users = target.new_end_users("load-one", 1)
        probe = LagProbe().start()
        fleet = Fleet.of(target, users, poll=config.poll_seconds, noop_wait=config.noop_wait, rng=rng).start()
        session_timeout = config.poll_seconds * 2 + 2 * config.noop_wait + config.session_idle + 30
        try:
            polls = max(2, 2 * round(config.phase / config.poll_seconds / 2))  # even: the heartbeat alternates
            if not fleet.wait_sessions(1, session_timeout):
                raise RuntimeError("the one connector did not poll")
            m0 = stack.meter.mark()
            say(f"load: 1 end-user, {polls} idle polls")
            if not fleet.wait_sessions(1 + polls, polls * session_timeout):
                raise RuntimeError("the one connector stopped polling")
            m1 = stack.meter.mark()
            jobs: list[Job] = []
            say(f"load: 1 end-user, {config.one_user_jobs} jobs, one per session")
            for index in range(config.one_user_jobs):
                done = fleet.reported()
                # between two polls: the connector waits ``poll`` after a session, so this lands before the next
                time.sleep(rng.uniform(0.1, 0.6) * config.poll_seconds)
                jobs.append(enqueue(target, users[0], index, "add" if index % 2 == 0 else "query", 0.0, 0))
                deadline = time.monotonic() + session_timeout
                while time.monotonic() < deadline:
                    if not fleet.wait_sessions(done + 1, deadline - time.monotonic()):
                        break
                    with fleet.ended:
                        ran = sum(r.requests_processed for _, r in fleet.sessions[done:])
                    if ran:
                        break
                    done = fleet.reported()
            arrivals = target.collector.wait_for([j.id for j in jobs if j.id], timeout=config.wait_results)
            m2 = stack.meter.mark()
        finally:
            fleet.stop(timeout=config.noop_wait + 35)
            probe.stop()
        idle = [s for s in sessions_in(fleet.sessions, m0.wall, m1.wall) if s[1].outcome is SessionOutcome.NO_WORK]
        calls_idle = diff(m1.request, m0.request)
        sessions_j = sessions_in(fleet.sessions, m1.wall, m2.wall)
        idle_j = [s for s in sessions_j if s[1].outcome is SessionOutcome.NO_WORK]
        calls_j = diff(m2.request, m1.request)
        share = {k: v / len(idle) * len(idle_j) for k, v in calls_idle.items()} if idle else {}
        job_calls = {k: calls_j.get(k, 0) - share.get(k, 0.0) for k in sorted(set(calls_j) | set(share))}
        latencies = [arrivals[j.id].at - j.started for j in jobs if j.id in arrivals]
        return {
            "connectors": 1, "idle_polls": len(idle), "aws_calls_per_idle_poll": per(calls_idle, len(idle)),
            "jobs": len(jobs), "idle_polls_among_jobs": len(idle_j),
            "job_sessions": sum(1 for _, r in sessions_j if r.requests_processed),
            "aws_calls_per_job": per(job_calls, sum(1 for j in jobs if j.id)),
            "enqueue_to_result": Summary.of(latencies).seconds(),
            "soap": soap_summary(fleet.samples, m0.mono, m2.mono),
            "sessions": outcomes(sessions_in(fleet.sessions, m0.wall, m2.wall)),
            "checks": verify(jobs, arrivals, target.collector.receipts, fleet.companies),
            "machine": window(m0, m2), "driver_wakeup_lag": probe.between(m0.mono, m2.mono),
        }
    finally:
        stack.stop()


# On paper: Lambda -----------------------------------------------------------------------------------------
def extrapolate(n: Mapping[str, Any], end_users: int, poll_seconds: float = 20.0) -> dict[str, Any]:
    """The Lambda concurrency for ``end_users`` polling every ``poll_seconds``, from phase A (idle) and B (mixed).

    A call's duration = the gateway's CPU per SOAP call measured here, times :func:`bench.cost.cpu_scale` + its
    AWS calls at the assumed in-region latencies (:data:`bench.cost.LATENCY_MS`) + :data:`bench.cost.RUNTIME_MS`;
    concurrency = calls/s x duration.
    """
    a, b = n["phase_a"], n["phase_b"]
    calls_a = a["soap"]["calls"]
    cpu_a = a["machine"]["cpu"].get("gateway", {}).get("cpu_s")
    if not calls_a or cpu_a is None or not a["idle_polls"]:
        return {"error": "no idle SOAP calls measured"}
    measured_ms = 1000 * cpu_a / calls_a
    cpu_ms = measured_ms * cpu_scale()  # as long as the CPU runs in a 512 MB function
    idle_calls = calls_a / a["idle_polls"]  # SOAP calls per idle poll (serverVersion … closeConnection)
    aws_poll = a["aws_calls_per_idle_poll"]

    def waited(t: Mapping[str, Any], calls: float) -> float:
        return (t.get("reads", 0) * LATENCY_MS["read"] + t.get("writes", 0) * LATENCY_MS["write"]
                + t.get("sqs_sends", 0) * LATENCY_MS["sqs"]) / calls

    idle_ms = cpu_ms + waited(aws_poll, idle_calls) + RUNTIME_MS
    idle_rate = end_users / poll_seconds * idle_calls
    out: dict[str, Any] = {
        "end_users": end_users, "poll_seconds": poll_seconds,
        "assumed": {"latency_ms": LATENCY_MS, "runtime_ms": RUNTIME_MS, "cpu_scale": round(cpu_scale(), 3)},
        "gateway_cpu_ms_per_soap_call": round(measured_ms, 2), "lambda_cpu_ms_per_soap_call": round(cpu_ms, 2),
        "soap_calls_per_idle_poll": round(idle_calls, 2),
        "idle": {"soap_calls_per_second": round(idle_rate, 1), "ms_per_call": round(idle_ms, 2),
                 "concurrency": round(idle_rate * idle_ms / 1000, 2)},
    }
    calls_b, cpu_b, jobs = b["soap"]["calls"], b["machine"]["cpu"].get("gateway", {}).get("cpu_s"), b["jobs"]
    if calls_b and cpu_b is not None and jobs:
        job_soap = max(0.0, calls_b - b["idle_polls"] * idle_calls) / jobs  # SOAP calls per job's session
        aws_job = b["aws_calls_per_job"]
        job_rate = jobs / b["window_s"]
        mixed_rate = idle_rate + job_rate * job_soap
        job_ms = cpu_ms + waited(aws_job, job_soap + 1) + RUNTIME_MS  # + 1: the enqueue, a REST call
        mixed_ms = (idle_rate * idle_ms + job_rate * (job_soap + 1) * job_ms) / (mixed_rate + job_rate)
        out["mixed"] = {"jobs_per_second": round(job_rate, 2), "soap_calls_per_job": round(job_soap, 2),
                        "soap_calls_per_second": round(mixed_rate, 1),
                        "requests_per_second": round(mixed_rate + job_rate, 1),
                        "ms_per_job_call": round(job_ms, 2), "ms_per_call": round(mixed_ms, 2),
                        "concurrency": round((mixed_rate + job_rate) * mixed_ms / 1000, 2)}
    return out


# The whole run --------------------------------------------------------------------------------------------
def ratio(n: Mapping[str, Any], one: Mapping[str, Any]) -> float | None:
    a, b = n.get("total"), one.get("total")
    return round(a / b, 3) if a is not None and b else None


def run(config: LoadConfig, say: Say = lambda _text: None) -> dict[str, Any]:
    """At N end-users, then at 1, then the ratios, the limits and the extrapolation."""
    began = time.monotonic()
    n = at_n(config, say)
    one = at_one(config, say)
    flat = {
        "idle_poll": {"at_n": n["phase_a"]["aws_calls_per_idle_poll"].get("total"),
                      "at_1": one["aws_calls_per_idle_poll"].get("total"),
                      "ratio": ratio(n["phase_a"]["aws_calls_per_idle_poll"], one["aws_calls_per_idle_poll"])},
        "job": {"at_n": n["phase_b"]["aws_calls_per_job"].get("total"),
                "at_1": one["aws_calls_per_job"].get("total"),
                "ratio": ratio(n["phase_b"]["aws_calls_per_job"], one["aws_calls_per_job"])},
    }
    gateway_cores = max((n[p]["machine"]["cpu"].get("gateway", {}).get("cores") or 0.0) for p in ("phase_a", "phase_b"))
    busiest = max(((name, item.get("cores") or 0.0) for name, item in n["machine"]["cpu"].items()),
                  key=lambda pair: pair[1], default=("", 0.0))
    machine = n["machine"]["machine"]
    limits = {
        "gateway_cores_max_phase": gateway_cores, "gateway_saturated": gateway_cores >= SATURATED,
        "busiest_process": busiest[0], "busiest_cores": busiest[1],
        "machine_idle_cores": machine.get("idle_cores"),
        "idle_polls_achieved_of_offered": round(n["phase_a"]["idle_polls"] / max(1, n["phase_a"]["idle_polls_offered"]),
                                                3),
    }
    return {"config": {**config.__dict__, "phase_seconds": config.phase, "jobs": config.job_count},
            "at_n": n, "at_1": one, "flat": flat, "limits": limits,
            "lambda": extrapolate(n, config.connectors, 20.0), "seconds": round(time.monotonic() - began, 1)}
