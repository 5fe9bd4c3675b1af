"""The measurements against a running gateway: enqueue latency, enqueue → result, throughput.

Each scenario uses fresh end-users, so none sees another's queue, and returns a plain ``dict`` for
the JSON report (times in milliseconds or seconds, as the key says).

* :func:`enqueue_latency` — ``POST /v1/end-users/{id}/jobs`` N times (and ``GET /health`` as the
  HTTP floor); the jobs stay queued for :func:`one_file_throughput`.
* :func:`session_latency` — a Web Connector session is open and idle (``NoOp`` every
  ``noop_wait`` s, as QBWC does); jobs are enqueued one at a time at a random moment of the poll
  cycle, and the time from the start of the POST to the result's arrival on the SQS results queue
  is measured.
* :func:`one_file_throughput` — N queued CustomerAdds through one session: jobs per second, and
  the time of each SOAP call of the QBWC loop.
* :func:`many_files_throughput` — M company files at once, one simulated Web Connector each.

The simulated QuickBooks answers at once, so these are the gateway's own costs; real QuickBooks
adds its processing time to every job.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.harness import EndUser, Target, customer_add, customer_query
from bench.stats import Summary
from simulator import Call, SessionResult, WebConnector

SESSION_START_TIMEOUT = 30.0


def _names(user: EndUser, count: int) -> list[str]:
    suffix = user.id[-8:]
    return [f"C{i:04d}-{suffix}" for i in range(count)]


def _run_in_thread(connector: WebConnector, sink: list[SessionResult]) -> threading.Thread:
    thread = threading.Thread(target=lambda: sink.append(connector.run_session()), name="bench-qbwc", daemon=True)
    thread.start()
    return thread


def _stop(connector: WebConnector, thread: threading.Thread, noop_wait: float) -> None:
    connector.stop()
    thread.join(timeout=noop_wait + 35)


# Enqueue -----------------------------------------------------------------------------------------------
def enqueue_latency(target: Target, jobs: int) -> tuple[dict[str, Any], EndUser, list[str]]:
    """N timed enqueues (CustomerAdd) for one end-user, and N timed ``GET /health``."""
    health = [target.health() for _ in range(jobs)]
    kept_alive = [target.health_kept_alive() for _ in range(min(jobs, 10))]
    user = target.new_end_user("one-file")
    job_ids: list[str] = []
    took: list[float] = []
    for name in _names(user, jobs):
        job_id, seconds = target.enqueue(user, customer_add(name))
        job_ids.append(job_id)
        took.append(seconds)
    result = {"health": Summary.of(health).ms(), "health_kept_alive": Summary.of(kept_alive).ms(),
              "enqueue": Summary.of(took).ms()}
    return result, user, job_ids


# Enqueue → result while a session idles ---------------------------------------------------------------
def session_latency(target: Target, *, noop_wait: float, jobs: int, rng: random.Random,
                    long_poll: float = 0.0) -> dict[str, Any]:
    """Enqueue → result on SQS for ``jobs`` jobs enqueued one by one while a session is open and idle
    (``long_poll``: the hold the gateway was started with, for the record)."""
    user = target.new_end_user(f"latency-{noop_wait:g}s{'-lp' if long_poll else ''}")
    opener, _ = target.enqueue(user, customer_query())  # authenticate answers "none" to an empty queue
    budget = SESSION_START_TIMEOUT + jobs * (2 * noop_wait + 20)
    connector, company = target.connector(user, noop_wait=noop_wait, max_noops=int(budget / noop_wait) + 10)
    sessions: list[SessionResult] = []
    thread = _run_in_thread(connector, sessions)
    samples: list[float] = []
    post: list[float] = []
    missing = 0
    try:
        if opener not in target.collector.wait_for([opener], SESSION_START_TIMEOUT):
            raise RuntimeError("the session did not start: the opening job produced no result")
        for index in range(jobs):
            if not thread.is_alive():
                break  # the session closed (idle limit): stop rather than measure a new session
            time.sleep(rng.uniform(0.0, noop_wait))  # land anywhere in the NoOp cycle
            started = time.monotonic()
            job_id, seconds = target.enqueue(user, customer_query(index + 1))
            post.append(seconds)
            arrived = target.collector.wait_for([job_id], timeout=2 * noop_wait + 20).get(job_id)
            if arrived is None:
                missing += 1
                continue
            samples.append(arrived.at - started)
    finally:
        _stop(connector, thread, noop_wait)
    session = sessions[0] if sessions else None
    summary = Summary.of(samples)
    return {
        "noop_wait_s": noop_wait,
        "long_poll_s": long_poll,
        "enqueue_to_result": summary.seconds(),
        "post_ms": Summary.of(post).ms(),
        "missing": missing,
        "noops": session.noops if session else None,
        "requests_processed": len(company.executions),
        "session_outcome": session.outcome.value if session else None,
    }


def typed_call_latency(target: Target, *, noop_wait: float, calls: int, rng: random.Random) -> dict[str, Any]:
    """A typed call's own time, ``POST …/customers`` answered within the call (201 with the record), for
    ``calls`` calls made one by one while a session is open and idle — the same cycle as
    :func:`session_latency`, but the SaaS waits on the call instead of reading SQS."""
    user = target.new_end_user(f"typed-{noop_wait:g}s")
    opener, _ = target.enqueue(user, customer_query())
    budget = SESSION_START_TIMEOUT + calls * (2 * noop_wait + 30)
    connector, company = target.connector(user, noop_wait=noop_wait, max_noops=int(budget / noop_wait) + 10)
    sessions: list[SessionResult] = []
    thread = _run_in_thread(connector, sessions)
    samples: list[float] = []
    statuses: dict[int, int] = {}
    try:
        if opener not in target.collector.wait_for([opener], SESSION_START_TIMEOUT):
            raise RuntimeError("the session did not start: the opening job produced no result")
        for index in range(calls):
            if not thread.is_alive():
                break
            time.sleep(rng.uniform(0.0, noop_wait))  # land anywhere in the NoOp cycle
            started = time.monotonic()
            response = target.rest.request("POST", f"/v1/end-users/{user.id}/customers",
                                           json_body={"name": f"Typed {index:03d} {user.id[-6:]}"})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 201:
                samples.append(time.monotonic() - started)
    finally:
        _stop(connector, thread, noop_wait)
    return {"noop_wait_s": noop_wait, "call_to_answer": Summary.of(samples).seconds(), "statuses": statuses,
            "requests_processed": len(company.executions)}


# Throughput ---------------------------------------------------------------------------------------------
def job_cycles(calls: Sequence[Call]) -> tuple[list[float], list[float], list[float]]:
    """Per job: (sendRequestXML → receiveResponseXML → next call) times, from the calls' start times.

    A sendRequestXML span includes the simulator's own (sub-millisecond) processing of the request.
    """
    send: list[float] = []
    receive: list[float] = []
    cycle: list[float] = []
    for i in range(len(calls) - 2):
        first, second, third = calls[i], calls[i + 1], calls[i + 2]
        if (first.method == "sendRequestXML" and isinstance(first.result, str) and first.result
                and second.method == "receiveResponseXML"):
            send.append(second.at - first.at)
            receive.append(third.at - second.at)
            cycle.append(third.at - first.at)
    return send, receive, cycle


def one_file_throughput(target: Target, user: EndUser, job_ids: Sequence[str], *, noop_wait: float) -> dict[str, Any]:
    """Drain ``job_ids`` (already queued for ``user``) through one Web Connector session."""
    connector, company = target.connector(user, noop_wait=noop_wait, max_noops=20)
    sessions: list[SessionResult] = []
    started = time.monotonic()
    thread = _run_in_thread(connector, sessions)
    try:
        arrivals = target.collector.wait_for(job_ids, timeout=SESSION_START_TIMEOUT + 2.0 * len(job_ids))
    finally:
        _stop(connector, thread, noop_wait)
    if not arrivals:
        raise RuntimeError("no result arrived")
    last = max(a.at for a in arrivals.values())
    calls = sessions[0].calls if sessions else ()
    send, receive, cycle = job_cycles(calls)
    first_send = next((c.at for c in calls if c.method == "sendRequestXML"), None)
    handshake = (first_send - calls[0].at) if calls and first_send is not None else None
    processing = [e.finished_at - e.started_at for e in company.executions]
    wall = last - started
    return {
        "jobs": len(job_ids),
        "results": len(arrivals),
        "succeeded": sum(1 for a in arrivals.values() if a.status == "succeeded"),
        "seconds_to_last_result": round(wall, 3),
        "jobs_per_second": round(len(arrivals) / wall, 2),
        "jobs_per_second_steady": round(len(cycle) / sum(cycle), 2) if cycle else None,
        "handshake_ms": round(handshake * 1000, 1) if handshake is not None else None,
        "job_cycle": Summary.of(cycle).ms(),
        "send_request_xml": Summary.of(send).ms(),
        "receive_response_xml": Summary.of(receive).ms(),
        "simulated_quickbooks": Summary.of(processing).ms(),
        "max_concurrent_message_sets": company.max_concurrent_message_sets,
    }


def many_files_throughput(target: Target, *, files: int, jobs_per_file: int, noop_wait: float) -> dict[str, Any]:
    """``files`` company files, ``jobs_per_file`` CustomerAdds each, one simulated Web Connector each."""
    users = [target.new_end_user("multi") for _ in range(files)]

    def fill(user: EndUser) -> tuple[list[str], list[float]]:
        ids, took = [], []
        for name in _names(user, jobs_per_file):
            job_id, seconds = target.enqueue(user, customer_add(name))
            ids.append(job_id)
            took.append(seconds)
        return ids, took

    with ThreadPoolExecutor(max_workers=files) as pool:
        filled = list(pool.map(fill, users))
    pairs = [target.connector(user, noop_wait=noop_wait, max_noops=20) for user in users]
    sessions: list[SessionResult] = []
    started = time.monotonic()
    threads = [_run_in_thread(connector, sessions) for connector, _ in pairs]
    all_ids = [job_id for ids, _ in filled for job_id in ids]
    try:
        arrivals = target.collector.wait_for(all_ids, timeout=SESSION_START_TIMEOUT + 2.0 * len(all_ids))
    finally:
        for connector, _ in pairs:
            connector.stop()
        for thread in threads:
            thread.join(timeout=noop_wait + 35)
    if not arrivals:
        raise RuntimeError("no result arrived")
    wall = max(a.at for a in arrivals.values()) - started
    per_file = []
    for ids, _ in filled:
        times = [arrivals[i].at for i in ids if i in arrivals]
        if times:
            per_file.append(len(times) / (max(times) - started))
    return {
        "files": files,
        "jobs": len(all_ids),
        "results": len(arrivals),
        "succeeded": sum(1 for a in arrivals.values() if a.status == "succeeded"),
        "seconds_to_last_result": round(wall, 3),
        "jobs_per_second": round(len(arrivals) / wall, 2),
        "per_file_jobs_per_second": {"min": round(min(per_file), 2), "max": round(max(per_file), 2)},
        "concurrent_enqueue": Summary.of([t for _, took in filled for t in took]).ms(),
        "max_concurrent_message_sets_per_file": max(company.max_concurrent_message_sets for _, company in pairs),
    }
