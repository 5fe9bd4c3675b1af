"""AWS calls per page of a paged sync, counted inside the gateway process by moto's request recorder.

The gateway's own code counts no AWS calls, but the local stack's emulator can: moto's recorder
(``/moto-api/recorder/start-recording``) appends every request the emulator serves to the file named
by ``MOTO_RECORDER_FILEPATH``, one JSON line each (headers, method, URL, body). So this step starts a
gateway subprocess of its own exactly as :mod:`bench.sync` does, but with that variable set and the
scheduled functions held off (``--schedule-seconds 3600``: a sweeper run would land among the pages),
populates a company file with :data:`CALL_PAGES` pages of customers, and records from the enqueue to
the first ``getLastError`` after the last page (with the idle limit of 30 s, as deployed, the session
then idles on ``NoOp`` waiting for more work, and is stopped). The recorder writes each request's line
before moto answers it,
and the gateway's AWS calls are synchronous inside the SOAP call that makes them, so the file's size
noted after each SOAP call (in the simulated Web Connector's ``log`` hook, which runs once per call)
splits the recording by call: the calls between two marks belong to the SOAP call that ended at the
second. The ingress poller's ``ReceiveMessage`` (every second on the ingress queue, not the sync's)
is set aside; the bench reads the results only after the recording stopped.

Reported: the calls of each ``sendRequestXML`` handing out a page and each ``receiveResponseXML``
carrying one; **per page** = the mean over the middle pages (a page that is neither the first, which
also starts the walk after the session's start, nor the last, which ends the job), and the whole job
(enqueue, session start, every page, the close) divided by the pages. The recording is a separate
short sync so that the big one's wall time and memory are not the recorder's (it writes every body);
being short (about a second), it holds none of the writes that come with time in a long sync (the
end-user's heartbeat, at most one ``UpdateItem`` per 10 s). Taken at the emulator, it also counts the
REST layer's calls (the enqueue's API-key read), which :mod:`bench.calls` does not.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bench.calls import tally
from bench.sync import CALL_TIMEOUT, NOOP_WAIT, QUERY, SESSION_IDLE_SECONDS
from simulator import CompanyFile, SessionResult, WebConnector
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

CALL_PAGES = 6
SOAP_METHODS = ("serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
                "getLastError", "closeConnection", "connectionError")
_LOGGED_CALL = re.compile(r"\] (" + "|".join(SOAP_METHODS) + r")\(")
Ops = dict[str, float]


def _recorder(process: GatewayProcess, action: str) -> None:
    url = f"{process.aws_endpoint}/moto-api/recorder/{action}"
    request = urllib.request.Request(url, method="POST", data=b"")  # noqa: S310 (the emulator on loopback)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


def operation(entry: dict[str, Any]) -> tuple[str, str | None]:
    """``service.Operation`` of one recorded request, and the SQS queue it names (if any)."""
    headers = {k.lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    target = headers.get("x-amz-target", "")
    if target:
        prefix, name = target.split(".", 1)
        service = "dynamodb" if prefix.startswith("DynamoDB") else "sqs" if prefix.startswith("AmazonSQS") else prefix
        queue = None
        if service == "sqs":
            try:
                queue = json.loads(body).get("QueueUrl")
            except ValueError:
                queue = None
        return f"{service}.{name}", queue
    form = parse_qs(body) if isinstance(body, str) else {}
    if "Action" in form:  # SQS' query protocol
        queues = form.get("QueueUrl") or []
        return f"sqs.{form['Action'][0]}", queues[0] if queues else None
    path = urlsplit(str(entry.get("url", ""))).path.strip("/")
    method = str(entry.get("method", ""))
    on_object = "/" in path
    names = {("PUT", True): "PutObject", ("GET", True): "GetObject", ("HEAD", True): "HeadObject",
             ("DELETE", True): "DeleteObject", ("GET", False): "ListObjects", ("HEAD", False): "HeadBucket"}
    return f"s3.{names.get((method, on_object), method + (' object' if on_object else ' bucket'))}", None


def split_recording(path: Path, marks: list[tuple[str, int]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The recorded requests between consecutive marks ``(label, file size)``, labelled by the later mark."""
    data = path.read_bytes() if path.exists() else b""
    out: list[tuple[str, list[dict[str, Any]]]] = [(label, []) for label, _ in marks[1:]]
    out.append(("after the session", []))
    ends = [size for _, size in marks[1:]]
    offset = marks[0][1]
    for line in data[offset:].splitlines(keepends=True):
        slot = next((i for i, end in enumerate(ends) if offset < end), len(ends))
        offset += len(line)
        if line.strip():
            out[slot][1].append(json.loads(line))
    return out


def _ops(entries: list[dict[str, Any]], ingress_url: str) -> tuple[Ops, int]:
    """Operations of the entries, and how many were the ingress poller's (left out)."""
    counted: Counter[str] = Counter()
    polls = 0
    for entry in entries:
        name, queue = operation(entry)
        if name == "sqs.ReceiveMessage" and queue == ingress_url:
            polls += 1
            continue
        counted[name] += 1
    return {k: float(v) for k, v in counted.items()}, polls


def _sum(*many: Ops, scale: float = 1.0) -> Ops:
    out: Ops = {}
    for ops in many:
        for name, n in ops.items():
            out[name] = out.get(name, 0.0) + n * scale
    return out


def per_page_calls(page_size: int, *, schema_dir: Path | None, seed: int = 1) -> dict[str, Any]:
    """A sync of :data:`CALL_PAGES` pages, recorded; see the module docstring."""
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="qbdgw-bench-calls-"))
    recording = workdir / "moto-recording.jsonl"
    process = GatewayProcess.start(session_idle=SESSION_IDLE_SECONDS, schedule_seconds=3600.0,
                                   extra_env={"MOTO_RECORDER_FILEPATH": str(recording)})
    try:
        api = Gateway(process.base_url, process.api_key)
        user = api.create_end_user("Bench Paged Calls")
        company = CompanyFile("Bench Paged Calls", schema_dir=schema_dir)
        population = company.populate(customers=CALL_PAGES * page_size, seed=seed)

        def size() -> int:
            return recording.stat().st_size if recording.exists() else 0

        _recorder(process, "reset-recording")
        _recorder(process, "start-recording")
        marks: list[tuple[str, int]] = [("start", size())]
        job = api.enqueue(user["id"], QUERY, paging={"page_size": page_size})
        marks.append(("enqueue", size()))

        def note(line: str) -> None:
            found = _LOGGED_CALL.search(line)
            if found:
                marks.append((found.group(1), size()))
                if found.group(1) == "getLastError":  # the pages are done; the session idles (NoOp): end it
                    connector.stop()

        connector = WebConnector(f"{process.base_url}/qbwc", user["qbwc_username"], user["qbwc_password"], company,
                                 noop_wait=NOOP_WAIT, max_noops=3, timeout=CALL_TIMEOUT, log=note)
        sessions: list[SessionResult] = []
        thread = threading.Thread(target=lambda: sessions.append(connector.run_session()), daemon=True)
        thread.start()
        thread.join(timeout=60 + 10 * CALL_PAGES)
        if thread.is_alive():
            connector.stop()
            thread.join(timeout=NOOP_WAIT + CALL_TIMEOUT + 5)
        time.sleep(0.2)  # let a request in flight in another thread finish its line
        _recorder(process, "stop-recording")
        if not sessions or sessions[0].outcome.value not in ("completed", "stopped"):
            raise RuntimeError(f"the recorded session ended {sessions[0].outcome.value if sessions else 'never'}")
        view = api.wait_job(str(job["id"]), timeout=30)
        if view.get("status") != "succeeded":
            raise RuntimeError(f"the recorded job is {view.get('status')}: {view.get('error')}")
        ingress = process.env["QBDGW_INGRESS_QUEUE_URL"]
        by_call: list[tuple[str, Ops]] = []
        polls = 0
        sent = answered = 0
        for label, entries in split_recording(recording, marks):
            ops, n = _ops(entries, ingress)
            polls += n
            if label == "sendRequestXML":
                sent += 1
                label = f"sendRequestXML (page {sent})"
            elif label == "receiveResponseXML":
                answered += 1
                label = f"receiveResponseXML (page {answered})"
            by_call.append((label, ops))
        pages = answered
        by_call = [("sendRequestXML (empty, after the last page)", ops)
                   if label.startswith("sendRequestXML (page ") and int(label[20:-1]) > pages else (label, ops)
                   for label, ops in by_call]
        named = dict(by_call)
        middle = list(range(2, pages))
        if not middle:
            raise RuntimeError(f"only {pages} page(s) were recorded")
        steady = _sum(*(named.get(f"sendRequestXML (page {k})", {}) for k in middle),
                      *(named.get(f"receiveResponseXML (page {k})", {}) for k in middle), scale=1 / len(middle))
        whole = _sum(*(ops for _, ops in by_call))
        return {
            "method": "moto's request recorder (MOTO_RECORDER_FILEPATH) in the gateway process, split by SOAP call "
                      "at the recording's size after each call; the ingress poller's ReceiveMessage left out",
            "counted_in": "gateway process",
            "customers": population.customers, "page_size": page_size, "pages": pages,
            "per_page": tally(steady),
            "first_page": tally(_sum(named.get("sendRequestXML (page 1)", {}),
                                     named.get("receiveResponseXML (page 1)", {}))),
            "last_page": tally(_sum(named.get(f"sendRequestXML (page {pages})", {}),
                                    named.get(f"receiveResponseXML (page {pages})", {}))),
            "whole_job": tally(whole),
            "whole_job_per_page": tally(_sum(whole, scale=1 / pages)),
            "by_call": [{"call": label, **tally(ops)} for label, ops in by_call if ops],
            "ingress_polls_left_out": polls,
            "job_paging": view.get("paging"),
            "seconds": round(time.monotonic() - started, 1),
        }
    finally:
        if process.stop() == 0:
            shutil.rmtree(process.log_path.parent, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
