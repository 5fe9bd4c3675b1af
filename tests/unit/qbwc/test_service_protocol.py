"""The QBWC session service when things go wrong: unknown tickets, calls out of order, connection
errors, old Web Connectors and failing storage. Every answer is a protocol answer (DESIGN §4.7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.jobs.dispatch import message_set_id
from chalicelib.jobs.models import InFlight, Job, Lease
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.service import (
    INTERNAL_ERROR_TEXT,
    PROTOCOL_ERROR_PERCENT,
    SESSION_UNKNOWN_TEXT,
    QbwcService,
)
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.fakes import make_end_user, qbwc_file
from tests.unit.jobs.harness import COMPANY_FILE, LEASE_TTL, MIN_CLIENT, SERVER_VERSION, TICKET_TTL, Harness


@pytest.fixture
def gw() -> Harness:
    return Harness.build()


def ticketed(ticket: str) -> list[tuple[c.SoapCall, Any]]:
    """Every call that carries a ticket, with the answer a dead ticket must get."""
    return [
        (c.SendRequestXML(ticket, "", COMPANY_FILE, "US", 13, 0), ""),
        (c.ReceiveResponseXML(ticket, "<QBXML/>", "", ""), PROTOCOL_ERROR_PERCENT),
        (c.QbwcConnectionError(ticket, "0x80040408", "Could not start QuickBooks."), "done"),
        (c.GetLastError(ticket), SESSION_UNKNOWN_TEXT),
        (c.CloseConnection(ticket), "OK"),
        (c.GetServerVersion(ticket), SERVER_VERSION),
        (c.GetInteractiveURL(ticket, "s"), ""),
        (c.InteractiveDone(ticket), "Done"),
    ]


# Dead tickets ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ticket", ["", "never-issued", "x" * 5000])
def test_unknown_ticket_gets_protocol_answers(gw: Harness, ticket: str) -> None:
    # GIVEN work is waiting / WHEN any call arrives with a ticket we never issued
    job = gw.enqueue()
    for call, expected in ticketed(ticket):
        # THEN each gets its protocol answer
        assert gw.service.dispatch(call) == expected, call.METHOD
    # AND no job moved
    assert gw.job(job.id).status is JobStatus.QUEUED


def test_expired_ticket_is_dead(gw: Harness) -> None:
    # GIVEN a session whose ticket outlived its TTL
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.clock.advance(seconds=TICKET_TTL.total_seconds() + 1)
    # WHEN it calls / THEN it is treated as unknown and cannot claim work
    for call, expected in ticketed(ticket):
        assert gw.service.dispatch(call) == expected, call.METHOD
    assert gw.job(job.id).status is JobStatus.QUEUED


def test_closed_ticket_is_dead(gw: Harness) -> None:
    # GIVEN a session that was closed
    gw.enqueue()
    ticket = gw.open_session()
    gw.close(ticket)
    # WHEN it asks for work / THEN nothing is sent
    assert gw.send(ticket) == ""
    assert gw.last_error(ticket) == SESSION_UNKNOWN_TEXT


def test_a_ticket_reaches_only_its_own_end_users_jobs(gw: Harness) -> None:
    # GIVEN another end-user with a queued job, and our session with nothing to do
    other = make_end_user("eu_other")
    gw.store.put_end_user(other)
    theirs = gw.queue.enqueue(other.id, "<CustomerQueryRq/>", source="rest")[0]
    ours = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, ours)
    # WHEN our session asks for more / THEN it never sees the other end-user's job
    assert gw.send(ticket) == ""
    assert gw.job(theirs.id).status is JobStatus.QUEUED


# Out of order ----------------------------------------------------------------------------------------------
def test_response_nobody_asked_for(gw: Harness) -> None:
    # GIVEN a session that has not sent anything
    gw.enqueue()
    ticket = gw.open_session()
    # WHEN a response arrives / THEN negative, and getLastError explains
    assert gw.receive(ticket, "<QBXML/>") == PROTOCOL_ERROR_PERCENT
    assert "did not ask for" in gw.last_error(ticket)


def test_send_while_a_read_awaits_its_answer_sends_it_again(gw: Harness) -> None:
    # GIVEN a read sent to QuickBooks whose answer never came
    job = gw.enqueue()
    ticket = gw.open_session()
    first = gw.send(ticket, first=True)
    # WHEN the Web Connector asks for the next request anyway
    again = gw.send(ticket)
    # THEN the read was given back and, being first in line, is sent again — still one in flight
    assert again == first
    assert gw.job(job.id).attempts == 2
    assert sum(gw.job(j.id).status is JobStatus.IN_FLIGHT for j in gw.store.jobs.values()) == 1
    # AND its answer now completes it
    assert gw.answer(ticket, job) == 99
    assert gw.job(job.id).status is JobStatus.SUCCEEDED


def test_send_while_a_write_awaits_its_answer_never_resends_it(gw: Harness) -> None:
    # GIVEN a write sent to QuickBooks whose answer never came, and a read behind it
    write, read = gw.enqueue("customer_add.xml"), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    # WHEN the Web Connector asks for the next request
    document = gw.send(ticket)
    # THEN the write is in doubt (it may have been saved) and only an error-recovery probe for it is sent:
    # no request runs again, QuickBooks is asked what became of the message set
    doubtful = gw.job(write.id)
    assert doubtful.status is JobStatus.IN_DOUBT
    assert doubtful.error["code"] == "lease_expired_outcome_unknown"
    assert doubtful.doubt_message_set_id == message_set_id(write.id, 1)
    assert f'oldMessageSetID="{message_set_id(write.id, 1)}"' in document
    assert "CustomerAddRq" not in document
    assert f'requestID="{read.id}"' not in document


def test_close_while_awaiting_gives_the_job_back(gw: Harness) -> None:
    # GIVEN a read in flight / WHEN the session closes without its answer
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.close(ticket)
    # THEN the read is queued again and the company file is free for the next session
    assert gw.job(job.id).status is JobStatus.QUEUED
    lease = gw.store.get_lease(gw.user.id)
    assert lease is not None and lease.holder is None and lease.pointer is not None  # kept for the next holder
    assert gw.authenticate()[1] == COMPANY_FILE


def test_vanished_session_is_recovered_by_the_next_update(gw: Harness) -> None:
    # GIVEN a session sent a read and vanished (no answer, no closeConnection)
    job = gw.enqueue()
    gw.send(gw.open_session(), first=True)
    # WHEN the lease has expired and the Web Connector's next scheduled update authenticates
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    ticket, answer = gw.authenticate()[:2]
    # THEN the update is given work, and the read runs again
    assert answer not in ("none", "nvu", "busy")
    assert f'requestID="{job.id}"' in gw.send(ticket, first=True)


def test_second_session_waits_while_the_first_holds_the_file(gw: Harness) -> None:
    # GIVEN session 1 has a job in flight and another job waits
    gw.enqueue()
    waiting = gw.enqueue()
    gw.send(gw.open_session(), first=True)
    # WHEN a second Web Connector (another QBWC on the same file) authenticates
    ticket2, answer = gw.authenticate()[:2]
    # THEN it is told the service is busy, and its ticket reaches nothing while the first holds the file
    assert answer == "busy"
    assert gw.send(ticket2, first=True) == ""
    assert gw.job(waiting.id).status is JobStatus.QUEUED


# connectionError ---------------------------------------------------------------------------------------
def bind_company_file(gw: Harness) -> None:
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.close(ticket)


def test_transient_connection_error_retries_once_with_the_bound_file(gw: Harness) -> None:
    # GIVEN a bound company file and a new update
    bind_company_file(gw)
    gw.enqueue()
    ticket = gw.open_session()
    # WHEN QuickBooks could not be started / THEN one retry with the company file, then "done"
    assert gw.connection_error(ticket, "0x80040408", "Could not start QuickBooks.") == COMPANY_FILE
    assert gw.connection_error(ticket, "0x80040408", "Could not start QuickBooks.") == "done"
    # AND the end-user shows the error with QuickBooks' code, and the bookkeeper is told what to do
    last = gw.end_user().last_error
    assert last["integration_code"] == "0x80040408"
    assert last["code"] and last["occurred_at"]
    assert gw.last_error(ticket) == last["user_facing_message"]


def test_unbound_file_retries_with_the_open_file(gw: Harness) -> None:
    # GIVEN no company file was ever bound / WHEN a transient error / THEN retry with "" (the open file)
    gw.enqueue()
    assert gw.connection_error(gw.open_session(), "0x80040424") == ""


@pytest.mark.parametrize("hresult", ["0x8004041A", "0x80040400", "", "garbage"])
def test_permanent_connection_error_is_done_at_once(gw: Harness, hresult: str) -> None:
    # WHEN the error cannot go away by retrying / THEN "done" and the error is recorded
    gw.enqueue()
    answer = gw.connection_error(gw.open_session(), hresult, "The application does not have permission")
    assert answer == "done"
    last = gw.end_user().last_error
    assert last["code"] and last["user_facing_message"]
    assert last["integration_code"] == (hresult or None)


# Versions and the optional calls -----------------------------------------------------------------------
@pytest.mark.parametrize(("version", "answer"), [
    ("2.0.1.30", f"O:{MIN_CLIENT}"), ("1.9", f"O:{MIN_CLIENT}"), (MIN_CLIENT, ""), ("2.3.0.215", ""),
    ("", ""), ("not a version", ""),
])
def test_client_version(gw: Harness, version: str, answer: str) -> None:
    # WHEN QBWC reports its version / THEN an old one is told which version we need, others go on
    assert gw.service.dispatch(c.ClientVersion(version)) == answer


def test_server_version_and_interactive_mode(gw: Harness) -> None:
    # THEN the version text answers both spellings, and interactive mode is declined politely
    assert gw.service.dispatch(c.ServerVersion()) == SERVER_VERSION
    assert gw.service.dispatch(c.GetServerVersion("t")) == SERVER_VERSION
    declined = gw.service.dispatch(c.InteractiveRejected("t", "no"))
    assert declined == "qbd-gateway does not use interactive mode."


# Failing storage: dispatch never raises ----------------------------------------------------------------
class BrokenStore:
    """Every store call fails, as a throttled or unreachable DynamoDB would."""

    def __getattr__(self, name: str) -> Any:
        def fail(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError(f"store.{name} is unavailable")

        return fail


T = "eu_lakeside." + "A" * 32  # a well-formed ticket: the store is asked about it


@pytest.mark.parametrize(("call", "answer"), [
    (c.Authenticate("eu_lakeside", "pw"), ["", "busy"]),
    (c.SendRequestXML(T, "", "", "US", 13, 0), ""),
    (c.ReceiveResponseXML(T, "<QBXML/>", "", ""), PROTOCOL_ERROR_PERCENT),
    (c.QbwcConnectionError(T, "0x80040408", ""), "done"),
    (c.GetLastError(T), INTERNAL_ERROR_TEXT),
    (c.CloseConnection(T), INTERNAL_ERROR_TEXT),
    (c.ServerVersion(), SERVER_VERSION),
    (c.ClientVersion("2.3.0.215"), ""),
])
def test_broken_store_gets_protocol_safe_answers(call: c.SoapCall, answer: Any) -> None:
    # GIVEN a store that fails on every call / WHEN the Web Connector calls / THEN a protocol answer
    healthy = Harness.build()
    service = QbwcService(BrokenStore(), healthy.queue, healthy.clock, server_version=SERVER_VERSION,
                          min_client_version=MIN_CLIENT, session_idle=timedelta(seconds=30))
    assert service.dispatch(call) == answer


class FlakyStore(MemoryStore):
    """A memory store whose job transitions fail while ``broken``, and whose next pointer write is
    applied but its answer lost while ``lose_claim_answer``."""

    broken = False
    lose_claim_answer = False

    def transition_job(self, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            raise ConnectionError("DynamoDB throttled")
        return super().transition_job(*args, **kwargs)

    def update_lease(self, lease: Lease, changes: Any, **kwargs: Any) -> Lease:
        new = super().update_lease(lease, changes, **kwargs)
        if self.lose_claim_answer and isinstance(kwargs.get("pointer"), InFlight):
            self.lose_claim_answer = False
            raise ConnectionError("connection reset after the write applied")
        return new


def test_failure_while_completing_loses_nothing() -> None:
    # GIVEN a read in flight and a store that fails just when QuickBooks' answer arrives
    store = FlakyStore()
    gw = Harness.build(store=store)
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    store.broken = True
    # WHEN the answer arrives / THEN a negative percent, not an exception
    assert gw.receive(ticket, "<QBXML/>") == PROTOCOL_ERROR_PERCENT
    # AND the job is not lost: it is still in flight, and once the store recovers the next request
    # re-sends it and it completes
    assert gw.job(job.id).status is JobStatus.IN_FLIGHT
    store.broken = False
    assert f'requestID="{job.id}"' in gw.send(ticket)
    gw.answer(ticket, job)
    assert gw.job(job.id).status is JobStatus.SUCCEEDED


def _claimed_but_unrecorded(fixture: str = "customer_query_rq.xml") -> tuple[FlakyStore, Harness, Job, str]:
    """GIVEN the claim's lease write applied but its answer was lost: QBWC gets "" though the job is pointed at."""
    store = FlakyStore()
    gw = Harness.build(store=store)
    job = gw.enqueue(fixture)
    ticket = gw.open_session()
    store.lose_claim_answer = True
    assert gw.send(ticket, first=True) == ""
    assert gw.job(job.id).status is JobStatus.IN_FLIGHT
    return store, gw, job, ticket


def test_failure_after_claiming_then_noop_loses_nothing() -> None:
    store, gw, job, ticket = _claimed_but_unrecorded()
    # WHEN QBWC asks again after getLastError / THEN the same job is sent, and only it is in flight
    gw.last_error(ticket)
    assert f'requestID="{job.id}"' in gw.send(ticket)
    assert sum(gw.job(j.id).status is JobStatus.IN_FLIGHT for j in store.jobs.values()) == 1


def test_failure_after_claiming_a_write_asks_quickbooks_before_sending_it() -> None:
    _store, gw, job, ticket = _claimed_but_unrecorded("customer_add.xml")
    # WHEN QBWC asks again / THEN the write is not sent blindly: QuickBooks is asked about its message set
    probe = gw.send(ticket)
    assert f'oldMessageSetID="{message_set_id(job.id, 1)}"' in probe and "CustomerAddRq" not in probe
    # AND QuickBooks has nothing stored under it (600): the write runs, under a new message set id
    assert gw.receive(ticket, qbwc_file("recovery_600_rs.xml")) >= 0
    document = gw.send(ticket)
    assert "CustomerAddRq" in document and f'newMessageSetID="{message_set_id(job.id, 2)}"' in document


def test_failure_after_claiming_then_close_loses_nothing() -> None:
    _store, gw, job, ticket = _claimed_but_unrecorded()
    # WHEN QBWC shows the error and closes the session
    gw.close(ticket)
    # THEN the read is back in the queue for the next update
    assert gw.job(job.id).status is JobStatus.QUEUED
