"""A running gateway to measure: started exactly as the end-to-end tests start it, on 127.0.0.1.

:class:`Target` wraps :class:`tests.support.stack.GatewayProcess` — ``python -m infra.localstack
--no-demo`` in a subprocess, moto inside it, optionally its table on dynalite — so every timing
includes real HTTP to Chalice's local server and real calls to the AWS emulator. It adds what a
benchmark needs around it:

* a REST client (:class:`tests.support.rest.Gateway`) for set-up, and timed requests, each on a
  new connection;
* a :class:`ResultCollector` thread that long-polls the results FIFO queue and notes, for each
  ``job_id``, the monotonic time its result message was first received — "result on SQS";
* simulated Web Connectors (:class:`simulator.WebConnector`) bound to fresh end-users.

Every wait here has a time limit; all traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from simulator import CompanyFile, WebConnector
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess


def customer_add(name: str) -> str:
    """A CustomerAdd job (a write: QuickBooks runs it at most once)."""
    return (f"<CustomerAddRq><CustomerAdd><Name>{name}</Name><CompanyName>{name}</CompanyName>"
            "</CustomerAdd></CustomerAddRq>")


def customer_query(max_returned: int = 5) -> str:
    """A CustomerQuery job (a read)."""
    return f"<CustomerQueryRq><MaxReturned>{max_returned}</MaxReturned></CustomerQueryRq>"


@dataclass(frozen=True)
class Arrival:
    """A result message as the collector received it."""

    at: float  # time.monotonic() when it was received
    status: str
    error_code: str | None


D = TypeVar("D", bound="QueueDrain")


class QueueDrain(ABC):
    """A consumer of a results FIFO queue in a background thread: each batch received is handed to
    :meth:`_take` (under the condition, which it notifies), then deleted."""

    name = "bench-results"

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self: D) -> D:
        self._thread.start()
        return self

    @abstractmethod
    def _take(self, bodies: list[dict[str, Any]], now: float) -> None:
        """Keep a received batch (called under the condition)."""

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                out = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            except Exception:
                self.errors += 1
                if self._stop.wait(0.2):
                    break
                continue
            now = time.monotonic()
            messages = out.get("Messages", [])
            with self._changed:
                self._take([json.loads(m["Body"]) for m in messages], now)
                self._changed.notify_all()
            for message in messages:
                try:
                    self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
                except Exception:
                    self.errors += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class ResultCollector(QueueDrain):
    """Drains the results queue and remembers when each job's result arrived (the first message), and how
    many result messages arrived per job (``receipts``: more than one is a duplicate delivery)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._arrivals: dict[str, Arrival] = {}
        self.receipts: Counter[str] = Counter()
        super().__init__(sqs, queue_url)

    def _take(self, bodies: list[dict[str, Any]], now: float) -> None:
        for body in bodies:
            error = body.get("error") or {}
            self.receipts[str(body["job_id"])] += 1
            self._arrivals.setdefault(str(body["job_id"]), Arrival(now, str(body["status"]), error.get("code")))

    def wait_for(self, job_ids: Iterable[str], timeout: float) -> dict[str, Arrival]:
        """The arrivals of ``job_ids`` — all of them, or those that came within ``timeout`` seconds."""
        wanted = set(job_ids)
        deadline = time.monotonic() + timeout
        with self._changed:
            while not wanted <= self._arrivals.keys():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(min(left, 0.5))
            return {job_id: self._arrivals[job_id] for job_id in wanted if job_id in self._arrivals}



@dataclass(frozen=True)
class EndUser:
    """A fresh end-user: its id and the Web Connector credentials."""

    id: str
    username: str
    password: str
    company_name: str


class Target:
    """One gateway subprocess (moto, or moto + dynalite) with a REST client and a result collector."""

    def __init__(self, label: str, process: GatewayProcess) -> None:
        self.label = label
        self.process = process
        self.rest = Gateway(process.base_url, process.api_key)
        self.collector = ResultCollector(process.client("sqs"), process.env["QBDGW_RESULTS_QUEUE_URL"]).start()
        self._users = 0

    @classmethod
    def start(cls, label: str, *, session_idle: int, dynamodb_endpoint: str | None = None,
              env: dict[str, str] | None = None, extra_args: list[str] | None = None) -> Target:
        process = GatewayProcess.start(dynamodb_endpoint=dynamodb_endpoint, session_idle=session_idle,
                                       schedule_seconds=60.0,  # the scheduled functions run every minute, as deployed
                                       extra_env=env, extra_args=extra_args)
        return cls(label, process)

    @property
    def soap_url(self) -> str:
        return f"{self.process.base_url}/qbwc"

    def new_end_user(self, prefix: str) -> EndUser:
        self._users += 1
        name = f"Bench {prefix} {self._users}"
        body = self.rest.create_end_user(name)
        return EndUser(str(body["id"]), str(body["qbwc_username"]), str(body["qbwc_password"]), name)

    def new_end_users(self, prefix: str, count: int, *, workers: int = 8) -> list[EndUser]:
        """``count`` fresh end-users, created ``workers`` at a time (each request on a new connection)."""
        def create(index: int) -> EndUser:
            name = f"Bench {prefix} {index + 1}"
            body = self._request("POST", "/v1/end-users", {"company_name": name})
            return EndUser(str(body["id"]), str(body["qbwc_username"]), str(body["qbwc_password"]), name)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(create, range(count)))

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None, *, auth: bool = True) -> Any:
        """One request on a new connection, as the simulated Web Connector makes them.

        A kept-alive connection to Chalice's local server pays about 40 ms of Nagle + delayed-ACK
        stall per request (see :meth:`health_kept_alive`), which API Gateway does not have.
        """
        parts = urlsplit(self.process.base_url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.process.api_key}"
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status}: {payload[:300]!r}")
        return json.loads(payload)

    def enqueue(self, user: EndUser, qbxml: str) -> tuple[str, float]:
        """POST one job (new connection); returns its id and the seconds the request took."""
        started = time.perf_counter()
        job = self._request("POST", f"/v1/end-users/{user.id}/jobs", {"qbxml": qbxml})
        return str(job["id"]), time.perf_counter() - started

    def health(self) -> float:
        """Seconds for one ``GET /health`` (no auth, no store) on a new connection: the HTTP floor."""
        started = time.perf_counter()
        self._request("GET", "/health", auth=False)
        return time.perf_counter() - started

    def health_kept_alive(self) -> float:
        """Seconds for one ``GET /health`` on the REST client's kept-alive connection."""
        started = time.perf_counter()
        response = self.rest.request("GET", "/health", auth=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"/health answered {response.status_code}")
        return elapsed

    def connector(self, user: EndUser, *, noop_wait: float, max_noops: int) -> tuple[WebConnector, CompanyFile]:
        """A simulated Web Connector and company file for ``user`` (the simulator answers at once)."""
        company = CompanyFile(user.company_name)
        connector = WebConnector(self.soap_url, user.username, user.password, company,
                                 noop_wait=noop_wait, max_noops=max_noops, timeout=30.0)
        return connector, company

    def stop(self) -> None:
        self.collector.stop()
        code = self.process.stop()
        if code == 0:  # keep the gateway's log when it did not stop cleanly
            shutil.rmtree(self.process.log_path.parent, ignore_errors=True)
