"""The large sync: N customers (100,000 by default) paged through the local stack, as the SaaS would ask.

Two subprocesses: the AWS emulator on its own (:class:`bench.emulator.EmulatorProcess`: moto's
application alone in ``python -m bench.emulator``, on 127.0.0.1), and the gateway started
as the end-to-end tests start it (``python -m infra.localstack --no-demo``, the ready-file protocol of
``tests.support.stack.GatewayProcess.start``) plus ``--aws-endpoint`` pointing at that emulator
(:func:`bench.emulator.start_gateway`), so that the gateway process holds no moto: real HTTP on
127.0.0.1, the session idle limit at 30 s and the scheduled functions every minute, as deployed. With
``embedded_emulator`` (``--sync-embedded-emulator``) the gateway is ``GatewayProcess.start`` itself,
moto inside it, as before, for comparison. A simulated company file
(:class:`simulator.CompanyFile`, validating every request against Intuit's schema when the schemas
are there) is populated with N customers — timed on its own and **not** part of the sync's wall time —
then one job is enqueued over REST::

    {"qbxml": "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>",
     "paging": {"page_size": 500}}

and one simulated Web Connector session (:class:`simulator.WebConnector`, a new connection per call,
NoOp pause 5 s) runs it; after the last page the session idles on ``NoOp`` (the 30 s idle limit keeps
it open for more work, as deployed) and the bench stops it. The gateway hands the query out as a
qbXML iterator, page after page, and publishes each page as its own message on the results FIFO
queue (a page above half the job item's inline room goes to the payload bucket, moto's S3, with a
pointer). A :class:`PageInbox` thread long-polls that queue as the SaaS would, notes when each page
arrives and deletes it.

Measured:

* **wall time** — from the session's first SOAP call to the arrival of the last page on SQS; records
  per second = the records the pages carried / wall time;
* **round trips** — ``sendRequestXML`` handing out a request followed by its ``receiveResponseXML``;
* **largest SOAP body the Web Connector sent** — each call's request envelope rebuilt from the
  simulator's call log with :func:`simulator.soap.request_envelope` (the bytes it POSTed);
* **peak RSS of the gateway process** — ``VmHWM`` of ``/proc/<pid>/status`` at the end of the sync
  (the kernel's high-water mark since the process started), with ``VmRSS`` polled every 0.25 s over
  the process and any descendants (:mod:`bench.procmem`): Chalice's local server and the gateway's
  handlers, the ingress poller and the scheduler threads — and nothing of moto unless embedded.
  Deployed, each call is a fresh Lambda invocation, so this figure is an upper bound on what one
  invocation holds (one process serving every call, for the whole sync), not a Lambda's memory;
* **peak RSS of the emulator process** — the same, for ``python -m bench.emulator``: moto's imports,
  the table, the queues, the payload bucket holding every offloaded page; and the sum of the two
  peaks (an upper bound: the two need not peak at once; the polled peak of both together is kept);
* where the gateway's memory goes — its ``VmRSS`` split into ``RssAnon`` (heap) and ``RssFile`` (mapped
  code) right after it is ready (no work yet) and at the end, and its polled ``VmRSS`` when pages
  1, 10, 25, 50, 100, … and the last arrived, with the growth per page from page 1, 25 and 50.

Afterwards (outside the wall time, after ``VmHWM`` is read) every page is fetched (inline, or from
S3) and checked: every customer once, in QuickBooks' order, pages numbered 1..P, one last page, the
job ``succeeded``. A wrong sync is reported as an error with its numbers. AWS calls per page are
counted by :mod:`bench.sync_calls` on a short sync of its own. Every wait is bounded: the sync fails
when no page arrived for :data:`STALL_SECONDS`, or after a cap that grows with the pages expected.
"""

from __future__ import annotations

import itertools
import math
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from bench.emulator import EmulatorProcess, start_gateway
from bench.harness import QueueDrain
from bench.procmem import MemoryWatch, command_line, descendants, rss_parts_kb, status_kb, threads
from bench.scenarios import job_cycles
from bench.stats import Summary
from simulator import CompanyFile, SessionResult, WebConnector
from simulator.soap import request_envelope
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

QUERY = "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"
RSS_GOAL_MB = 256
SESSION_IDLE_SECONDS = 30  # as deployed
SCHEDULE_SECONDS = 60.0  # the sweeper and re-publisher every minute, as deployed
NOOP_WAIT = 5.0  # QBWC's pause after NoOp
CALL_TIMEOUT = 60.0  # one SOAP call
STALL_SECONDS = 120.0  # no new page for this long: the sync has stalled
SECONDS_PER_PAGE_CAP = 10.0  # the whole sync's cap: 60 s + this per page expected
RSS_INCLUDES = ("the gateway process alone (python -m infra.localstack --aws-endpoint …): Chalice's local HTTP "
                "server and the gateway's handlers (the app, boto3, lxml, Intuit's schema), the ingress poller and "
                "the scheduler threads; the AWS emulator is a process of its own, measured apart")
RSS_INCLUDES_EMBEDDED = ("one Python process (python -m infra.localstack): Chalice's local HTTP server and the "
                         "gateway's handlers, moto's DynamoDB table, SQS queues and S3 payload bucket (every "
                         "offloaded page stays there), the ingress poller and the scheduler threads")
EMULATOR_INCLUDES = ("the AWS emulator alone (python -m bench.emulator: moto's application, as the local stack "
                     "would embed it, served by waitress): moto's imports, the table, the queues, and the payload "
                     "bucket holding every offloaded page in memory")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True)
class Page:
    """One result message as the inbox received it (duplicates from SQS included)."""

    at: float  # time.monotonic() when it was received
    job_id: str
    status: str
    page: int | None
    records: int | None
    remaining: int | None
    last: bool
    resumed: bool
    cursor: str | None
    s3_uri: str | None
    inline: str | None
    error: dict[str, Any] | None


class PageInbox(QueueDrain):
    """The SaaS's consumer of the results FIFO queue: every message kept, then deleted."""

    name = "bench-pages"

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.pages: list[Page] = []
        super().__init__(sqs, queue_url)

    def _take(self, bodies: list[dict[str, Any]], now: float) -> None:
        self.pages += [Page(now, str(body["job_id"]), str(body["status"]), body.get("page"), body.get("records"),
                            body.get("remaining"), bool(body.get("last")), bool(body.get("resumed")),
                            body.get("cursor"), body.get("response_s3_uri"), body.get("response_qbxml"),
                            body.get("error")) for body in bodies]

    def wait_last(self, job_id: str, *, stall: float, cap: float) -> list[Page]:
        """The job's pages, one per page number, once its last page (or a failure) has arrived.

        Raises when no new message of the job came for ``stall`` seconds or ``cap`` seconds passed.
        """
        started = time.monotonic()
        seen, progress = 0, started
        with self._changed:
            while True:
                mine = [p for p in self.pages if p.job_id == job_id]
                failed = next((p for p in mine if p.status not in ("in_flight", "succeeded")), None)
                if failed is not None:
                    raise RuntimeError(f"the job ended {failed.status}: {failed.error}")
                if any(p.last for p in mine):
                    kept: dict[int, Page] = {}
                    for p in mine:
                        kept.setdefault(int(p.page or 0), p)
                    return [kept[n] for n in sorted(kept)]
                now = time.monotonic()
                if len(mine) > seen:
                    seen, progress = len(mine), now
                if now - progress > stall or now - started > cap:
                    why = f"no page for {stall:.0f} s" if now - progress > stall else f"the cap of {cap:.0f} s"
                    raise RuntimeError(f"the last page did not arrive ({why}; {seen} message(s) of the job)")
                self._changed.wait(0.5)



def page_text(s3: Any, page: Page) -> str:
    """The page's qbXML: inline, or from the payload bucket (``s3``: a client of the gateway's emulator)."""
    if page.inline is not None:
        return page.inline
    if not page.s3_uri:
        raise RuntimeError(f"page {page.page} carries neither qbXML nor an S3 pointer")
    bucket, key = page.s3_uri.removeprefix("s3://").split("/", 1)
    return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def largest_body(session: SessionResult) -> tuple[int, str | None]:
    """Bytes of the largest request envelope the Web Connector POSTed in the session, and its method."""
    best, method = 0, None
    for call in session.calls:
        size = len(request_envelope(call.method, list(call.params.items())))
        if size > best:
            best, method = size, call.method
    return best, method


def round_trips(session: SessionResult) -> int:
    """``sendRequestXML`` handing out a request, then its ``receiveResponseXML``."""
    calls = session.calls
    return sum(1 for first, second in itertools.pairwise(calls)
               if first.method == "sendRequestXML" and isinstance(first.result, str) and first.result
               and second.method == "receiveResponseXML")


def verify(process: GatewayProcess, company: CompanyFile, pages: list[Page]) -> dict[str, Any]:
    """Every customer once, in QuickBooks' order, pages 1..P, one last page (fetched after the sync)."""
    expected = [c.list_id for c in sorted(company.customers(), key=lambda c: company.full_name(c).casefold())]
    delivered: list[str] = []
    stored = 0
    problems: list[str] = []
    s3 = process.client("s3")
    for page in pages:
        text = page_text(s3, page)
        if page.inline is None:
            stored += len(text.encode("utf-8"))
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
        ids = [str(ret.findtext("ListID")) for ret in root.iter("CustomerRet")]
        if page.records is not None and page.records != len(ids):
            problems.append(f"page {page.page} says {page.records} records and carries {len(ids)}")
        delivered += ids
    if [p.page for p in pages] != list(range(1, len(pages) + 1)):
        problems.append("pages are not numbered 1..P")
    if sum(p.last for p in pages) != 1 or not pages[-1].last:
        problems.append("not exactly one last page, at the end")
    if delivered != expected:
        problems.append(f"{len(delivered)} records delivered ({len(set(delivered))} distinct), {len(expected)} "
                        "expected" + (" (right set, wrong order)" if sorted(delivered) == sorted(expected) else ""))
    return {"expected": len(expected), "delivered": len(delivered), "distinct": len(set(delivered)),
            "in_order_once": delivered == expected, "payload_bucket_mb": round(stored / 1024 / 1024, 1),
            "problems": problems}


def _mb(kb: int | None) -> float | None:
    return None if kb is None else round(kb / 1024, 1)


def _parts_mb(pid: int) -> dict[str, float | None]:
    return {field: _mb(kb) for field, kb in rss_parts_kb(pid).items()}


def start_stack(embedded_emulator: bool) -> tuple[GatewayProcess, EmulatorProcess | None]:
    """The gateway process and, unless ``embedded_emulator``, the AWS emulator's process it uses."""
    if embedded_emulator:
        return GatewayProcess.start(session_idle=SESSION_IDLE_SECONDS, schedule_seconds=SCHEDULE_SECONDS), None
    emulator = EmulatorProcess.start()
    try:
        return start_gateway(emulator.endpoint, session_idle=SESSION_IDLE_SECONDS,
                             schedule_seconds=SCHEDULE_SECONDS), emulator
    except Exception:
        emulator.stop()
        raise


def per_page(watch: MemoryWatch, root: int, pages: list[Page]) -> dict[str, Any]:
    """``root``'s polled resident set when pages 1, 10, 25, 50, 100, … and the last arrived, and its growth."""
    marks = sorted({n for n in (1, 10, 25, 50, 100, 150, 200, 400, 600, 800, 1000) if n <= len(pages)}
                   | {len(pages)})
    at = {n: watch.at(root, pages[n - 1].at) for n in marks}
    growth: dict[str, float] = {}
    for first in (1, 25, 50):
        start_kb, end_kb = at.get(first), at[len(pages)]
        if start_kb is not None and end_kb is not None and len(pages) > first:
            growth[f"from_page_{first}"] = round((end_kb - start_kb) / 1024 / (len(pages) - first), 3)
    return {"at_page_mb": {str(n): _mb(kb) for n, kb in at.items()}, "growth_mb_per_page": growth}


def large_sync(customers: int, page_size: int, *, schema_dir: Path | None, seed: int = 1,
               embedded_emulator: bool = False) -> dict[str, Any]:
    """The whole step; see the module docstring. Raises when the sync does not finish."""
    began = time.monotonic()
    process, emulator = start_stack(embedded_emulator)
    inbox: PageInbox | None = None
    watch: MemoryWatch | None = None
    try:
        inbox = PageInbox(process.client("sqs"), process.env["QBDGW_RESULTS_QUEUE_URL"]).start()
        pid = process.process.pid
        emulator_pid = emulator.pid if emulator is not None else None
        started_s = time.monotonic() - began
        ready = _parts_mb(pid)  # right after ready: imports, the app, the stack's threads, no work yet
        emulator_ready = _parts_mb(emulator_pid) if emulator_pid is not None else None
        watch = MemoryWatch(pid, *([emulator_pid] if emulator_pid is not None else [])).start()
        company = CompanyFile("Bench Large Sync", schema_dir=schema_dir)
        t = time.monotonic()
        population = company.populate(customers=customers, seed=seed)
        populate_s = time.monotonic() - t
        api = Gateway(process.base_url, process.api_key)
        user = api.create_end_user("Bench Large Sync")
        before_kb = status_kb(pid, "VmRSS")
        t = time.perf_counter()
        job = api.enqueue(user["id"], QUERY, paging={"page_size": page_size})
        enqueue_ms = (time.perf_counter() - t) * 1000
        enqueued_kb = status_kb(pid, "VmRSS")  # the first enqueue loads Intuit's schema into the gateway
        enqueued_hwm_kb = status_kb(pid, "VmHWM")
        connector = WebConnector(f"{process.base_url}/qbwc", user["qbwc_username"], user["qbwc_password"], company,
                                 noop_wait=NOOP_WAIT, max_noops=3, timeout=CALL_TIMEOUT)
        sessions: list[SessionResult] = []
        expected_pages = max(1, math.ceil(population.customers / page_size))
        session_began = time.monotonic()
        thread = threading.Thread(target=lambda: sessions.append(connector.run_session()), name="bench-sync-qbwc",
                                  daemon=True)
        thread.start()
        try:
            pages = inbox.wait_last(str(job["id"]), stall=STALL_SECONDS,
                                    cap=60 + SECONDS_PER_PAGE_CAP * expected_pages)
        finally:  # with the idle limit the session stays open (NoOp) after the last page, as deployed: end it
            synced_at = time.monotonic()
            connector.stop()
            thread.join(timeout=NOOP_WAIT + CALL_TIMEOUT + 5)
        session_end_s = time.monotonic() - synced_at
        wall = pages[-1].at - session_began
        tree = descendants(pid)
        hwm = {p: status_kb(p, "VmHWM") for p in [pid, *tree]}
        end = _parts_mb(pid)
        emulator_tree = descendants(emulator_pid) if emulator_pid is not None else []
        emulator_hwm = ({p: status_kb(p, "VmHWM") for p in [emulator_pid, *emulator_tree]}
                        if emulator_pid is not None else {})
        emulator_end = _parts_mb(emulator_pid) if emulator_pid is not None else None
        watch.stop()
        session = sessions[0] if sessions else None
        if session is None:
            raise RuntimeError("the Web Connector session did not end")
        t = time.monotonic()
        body, body_method = largest_body(session)
        send, receive, cycle = job_cycles(session.calls)
        records = sum(p.records or 0 for p in pages)
        peak_kb = max(sum(v or 0 for v in hwm.values()), watch.peak_of(pid))
        emulator_peak_kb = (max(sum(v or 0 for v in emulator_hwm.values()), watch.peak_of(emulator_pid))
                            if emulator_pid is not None else None)
        processing = [e.finished_at - e.started_at for e in company.executions]
        gaps = [b.at - a.at for a, b in itertools.pairwise(pages)]
        analyse_s = time.monotonic() - t
        t = time.monotonic()
        checked = verify(process, company, pages)
        view = api.job(str(job["id"]))
        verify_s = time.monotonic() - t
        gateway_rss: dict[str, Any] = {
            "pid": pid, "command": command_line(pid), "threads": threads(pid), "descendants": tree,
            "vm_hwm_mb": {str(p): _mb(v) for p, v in hwm.items()}, "polled_peak_mb": _mb(watch.peak_of(pid)),
            "at_ready": ready, "before_sync_mb": _mb(before_kb), "after_enqueue_mb": _mb(enqueued_kb),
            "vm_hwm_after_enqueue_mb": _mb(enqueued_hwm_kb), "after_sync": end,
            **per_page(watch, pid, pages), "timeline_mb": watch.timeline_mb(session_began, root=pid),
        }
        emulator_rss: dict[str, Any] | None = None
        if emulator is not None and emulator_pid is not None and emulator_peak_kb is not None:
            emulator_rss = {
                "pid": emulator_pid, "endpoint": emulator.endpoint, "command": command_line(emulator_pid),
                "threads": threads(emulator_pid), "descendants": emulator_tree, "includes": EMULATOR_INCLUDES,
                "peak_mb": _mb(emulator_peak_kb),
                "vm_hwm_mb": {str(p): _mb(v) for p, v in emulator_hwm.items()},
                "polled_peak_mb": _mb(watch.peak_of(emulator_pid)), "at_ready": emulator_ready,
                "after_sync": emulator_end, **per_page(watch, emulator_pid, pages),
                "timeline_mb": watch.timeline_mb(session_began, root=emulator_pid),
            }
        result: dict[str, Any] = {
            "customers": population.customers, "jobs_among_them": population.jobs,
            "inactive_among_them": population.inactive, "page_size": page_size,
            "emulator": "embedded" if emulator is None else "separate process",
            "populate_s": round(populate_s, 2), "gateway_start_s": round(started_s, 2),
            "enqueue_ms": round(enqueue_ms, 1),
            "outside_wall_s": {"session_end": round(session_end_s, 2), "analysis": round(analyse_s, 2),
                               "verification": round(verify_s, 2)},
            "wall_s": round(wall, 2), "records": records, "records_per_second": round(records / wall, 1),
            "pages": len(pages), "pages_in_s3": sum(1 for p in pages if p.s3_uri), "round_trips": round_trips(session),
            "soap_calls": len(session.calls), "session_outcome": session.outcome.value,
            "percents": list(session.percents[-3:]),
            "largest_soap_body_bytes": body, "largest_soap_body_method": body_method,
            "page_interval": Summary.of(gaps).ms(), "send_request_xml": Summary.of(send).ms(),
            "receive_response_xml": Summary.of(receive).ms(), "round_trip": Summary.of(cycle).ms(),
            "simulated_quickbooks": Summary.of(processing).ms(),
            "simulated_quickbooks_total_s": round(sum(processing), 2),
            "rss": {
                "goal_mb": RSS_GOAL_MB,
                "includes": RSS_INCLUDES_EMBEDDED if emulator is None else RSS_INCLUDES,
                "peak_mb": _mb(peak_kb), "within_goal": peak_kb / 1024 <= RSS_GOAL_MB,
                "gateway": gateway_rss, "emulator": emulator_rss,
                "emulator_peak_mb": _mb(emulator_peak_kb),
                "sum_of_peaks_mb": _mb(peak_kb + (emulator_peak_kb or 0)),
                "polled_peak_together_mb": _mb(watch.peak_kb),
            },
            "verified": checked,
            "job": {"status": view.get("status"), "paging": view.get("paging")},
            "inbox_errors": inbox.errors,
        }
        if checked["problems"] or view.get("status") != "succeeded":
            result["error"] = "; ".join(checked["problems"] or [f"the job is {view.get('status')}"])
        return result
    finally:
        if watch is not None:
            watch.stop()
        if inbox is not None:
            inbox.stop()
        if process.stop() == 0:  # keep the gateway's log when it did not stop cleanly
            shutil.rmtree(process.log_path.parent, ignore_errors=True)
        if emulator is not None and emulator.stop() == 0:  # likewise the emulator's
            shutil.rmtree(emulator.log_path.parent, ignore_errors=True)
