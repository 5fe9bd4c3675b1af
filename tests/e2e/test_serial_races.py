"""Races, on an atomic store: several Web Connectors at once never put two jobs into one company file.

The gateway's table is on dynalite (atomic conditional writes, like DynamoDB); SQS stays on moto.
moto does not make check-then-write atomic under concurrency, so these tests are not run on it.

Each simulated Web Connector runs update after update in its own thread until every job's result is
on the results queue (a safety deadline bounds it). Company files have ``processing_delay`` so that
two message sets inside one file at the same moment would overlap, and be counted by the simulator.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.qbwc.answers import CLOSING_REQUEST_ID
from simulator import CompanyFile, SessionOutcome, WebConnector
from tests.e2e.support import ResultInbox, connector, job_qbxml, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = [pytest.mark.e2e, pytest.mark.race]

SAFETY_DEADLINE = 45.0
NOOP_WAIT = 0.05
PAUSE_AFTER_SESSION = 0.05
PROCESSING_DELAY = 0.02


@dataclass
class Fleet:
    """Web Connectors that keep running updates, each in its own thread, until told to stop."""

    connectors: list[WebConnector]
    outcomes: list[SessionOutcome] = field(default_factory=list)
    sessions: list[tuple[int, float, float]] = field(default_factory=list)
    """(connector index, start, end) of every session that got past ``authenticate`` with work."""
    errors: list[BaseException] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        # every connector's first update starts at the same moment: the two of one company file race from
        # the first call, however fast a session is (started one by one, the last could find the file done)
        go = threading.Barrier(len(self.connectors))
        for index, wc in enumerate(self.connectors):
            thread = threading.Thread(target=self._loop, args=(index, wc, go), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, index: int, wc: WebConnector, go: threading.Barrier) -> None:
        deadline = time.monotonic() + SAFETY_DEADLINE
        try:
            go.wait(timeout=SAFETY_DEADLINE)
            while not wc.stopped and time.monotonic() < deadline:
                result = wc.run_session()
                with self._lock:
                    self.outcomes.append(result.outcome)
                    if result.outcome is not SessionOutcome.NO_WORK:
                        self.sessions.append((index, result.started_at, result.finished_at))
                time.sleep(PAUSE_AFTER_SESSION)
        except BaseException as exc:  # a crash in a worker must fail the test, not vanish
            with self._lock:
                self.errors.append(exc)

    def overlapped(self, indexes: set[int]) -> bool:
        """Did two of these connectors have sessions open at the same time?"""
        mine = [session for session in self.sessions if session[0] in indexes]
        return any(a[0] != b[0] and a[1] < b[2] and b[1] < a[2] for a, b in itertools.combinations(mine, 2))

    def stop(self) -> None:
        for wc in self.connectors:
            wc.stop()
        for thread in self._threads:
            thread.join(15)


def run_until_all_results(fleet: Fleet, inbox: ResultInbox, job_ids: list[str],
                          enqueue_more: Callable[[], list[str]] | None = None) -> list[dict[str, Any]]:
    """Start the fleet, optionally enqueue more while it runs, wait for every result, stop the fleet."""
    fleet.start()
    try:
        if enqueue_more is not None:
            job_ids.extend(enqueue_more())
        messages = inbox.wait_for(job_ids, timeout=SAFETY_DEADLINE)
    finally:
        fleet.stop()
    assert not fleet.errors, fleet.errors
    assert SessionOutcome.WIRE_ERROR not in fleet.outcomes
    return messages


def mixed_jobs(gateway: Gateway, end_user_id: str, count: int) -> list[str]:
    """``count`` jobs, enqueued in order: CustomerAdds with distinct names, every third a CustomerQuery."""
    ids = []
    for index in range(count):
        qbxml = (job_qbxml("customer_list_query") if index % 3 == 2
                 else job_qbxml("customer_add", name=unique(f"Race {index}")))
        ids.append(gateway.enqueue(end_user_id, qbxml)["id"])
    return ids


def assert_serial_exactly_once_fifo(company: CompanyFile, job_ids: list[str]) -> None:
    executions = company.executions
    # never two message sets inside the company file at once
    assert company.max_concurrent_message_sets == 1
    # each job executed exactly once (no duplicates, none missing), in enqueue order; a session that idled
    # out after the last one may have sent its closing request (a read of the gateway's own, not a job)
    ran = [e.request_id for e in executions]
    closing = [i for i, rid in enumerate(ran) if rid == CLOSING_REQUEST_ID]
    assert [rid for rid in ran if rid != CLOSING_REQUEST_ID] == job_ids
    assert all(i > ran.index(job_ids[-1]) for i in closing), ran
    assert all(e.status_code == 0 for e in executions)
    # and the recorded intervals never overlap
    for before, after in itertools.pairwise(executions):
        assert before.finished_at <= after.started_at


def test_four_web_connectors_on_one_company_file_run_jobs_serially_once_in_order(
        gateway_on_dynalite: GatewayProcess, dynalite_inbox: ResultInbox) -> None:
    # GIVEN one company file and 30 jobs (CustomerAdds with distinct names and CustomerQuerys),
    # half queued before the Web Connectors start and half while they run
    gateway = Gateway(gateway_on_dynalite.base_url, gateway_on_dynalite.api_key)
    user = gateway.create_end_user("Race Builders")
    job_ids = mixed_jobs(gateway, user["id"], 15)
    company = CompanyFile("Race Builders", schema_dir=SCHEMA_DIR, processing_delay=PROCESSING_DELAY)
    # WHEN four Web Connectors with the same credentials update the SAME company file concurrently
    fleet = Fleet([connector(gateway_on_dynalite, user, company, noop_wait=NOOP_WAIT) for _ in range(4)])
    messages = run_until_all_results(fleet, dynalite_inbox, job_ids,
                                     enqueue_more=lambda: mixed_jobs(gateway, user["id"], 15))
    # THEN QuickBooks saw one message set at a time, each job exactly once, in FIFO order
    assert len(job_ids) == 30
    assert_serial_exactly_once_fifo(company, job_ids)
    # AND all 30 results are on SQS, succeeded, in order within the end-user's group
    assert [m["job_id"] for m in messages] == job_ids
    assert all(m["status"] == "succeeded" and m["_group"] == user["id"] for m in messages)
    # AND the Web Connectors really did hold sessions on the file at the same time
    assert fleet.overlapped({0, 1, 2, 3})


def test_many_company_files_at_once_each_serial_once_in_order(
        gateway_on_dynalite: GatewayProcess, dynalite_inbox: ResultInbox) -> None:
    # GIVEN six end-users with eight jobs each, one company file per end-user
    gateway = Gateway(gateway_on_dynalite.base_url, gateway_on_dynalite.api_key)
    users = [gateway.create_end_user(f"Tenant {n}") for n in range(6)]
    jobs = {user["id"]: mixed_jobs(gateway, user["id"], 8) for user in users}
    companies = {user["id"]: CompanyFile(f"Tenant {n}", schema_dir=SCHEMA_DIR, processing_delay=PROCESSING_DELAY)
                 for n, user in enumerate(users)}
    # WHEN one Web Connector per end-user, and a second one for two of them, all run at once
    connectors = [connector(gateway_on_dynalite, user, companies[user["id"]], noop_wait=NOOP_WAIT)
                  for user in users + users[:2]]
    all_ids = [job_id for ids in jobs.values() for job_id in ids]
    fleet = Fleet(connectors)
    messages = run_until_all_results(fleet, dynalite_inbox, all_ids)
    # AND the doubled end-users' two Web Connectors really did overlap
    assert fleet.overlapped({0, 6}) and fleet.overlapped({1, 7})
    # THEN per company file: never two at once, every job exactly once, FIFO
    for user in users:
        assert_serial_exactly_once_fifo(companies[user["id"]], jobs[user["id"]])
        # AND its results arrived in its own group, in order
        own = [m for m in messages if m["end_user_id"] == user["id"]]
        assert [m["job_id"] for m in own] == jobs[user["id"]]
        assert all(m["status"] == "succeeded" and m["_group"] == user["id"] for m in own)
