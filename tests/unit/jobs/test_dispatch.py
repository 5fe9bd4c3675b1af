"""The dispatcher: one job at a time per company file, the lease that says so, and the repair of every
session that vanished (chalicelib/jobs/dispatch.py).

Driven the way production drives it: the Web Connector's calls through :class:`QbwcService` (see
:mod:`tests.unit.jobs.harness`), the scheduled sweeper through :class:`Dispatcher`. Tests tied to a
numbered review finding say so in their name or comment:

1. a claim that was two writes; 2. a takeover that dropped the pointer; 3. fencing and renewal;
4. a refused probe; 6. ticket expiry with inactivity; 7. the sweeper; 9. message set ids of at most
23 characters; 10. messageSetStatusCode; 11. a closed session stays closed.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree

from chalicelib.jobs.dispatch import Dispatcher, message_set_id
from chalicelib.jobs.models import DOUBT, NEXT, PRIORITY_HEALTH_CHECK, SENT, Job, Lease
from chalicelib.jobs.queue import HEALTH_CHECK_SOURCE
from chalicelib.jobs.security import ticket_hash
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.service import HRESULT_ERROR_PERCENT, NOOP, PROTOCOL_ERROR_PERCENT, SESSION_UNKNOWN_TEXT
from chalicelib.store.memory import MemoryStore
from tests.support.paths import FIXTURES_DIR
from tests.unit.jobs.fakes import PASSWORD, make_end_user, qbwc_file, qbxml_job
from tests.unit.jobs.harness import LEASE_TTL, TICKET_TTL, Harness

EXPIRY = LEASE_TTL.total_seconds() + 1  # seconds of silence after which a lease has run out


@pytest.fixture
def gw() -> Harness:
    """GIVEN an end-user, a 30 s keep-alive window, and nothing queued yet."""
    return Harness.build()


def dispatcher(gw: Harness) -> Dispatcher:
    return gw.service.dispatcher


def requests_in(document: str) -> list[tuple[str, str | None]]:
    """(element, requestID) of every request in a message set; [] for an empty answer or a probe."""
    if not document:
        return []
    body = document.split("?>", 2)[-1]
    msgs = etree.fromstring(body.encode()).find("QBXMLMsgsRq")
    return [(child.tag, child.get("requestID")) for child in msgs]


def message_set_attributes(document: str) -> dict[str, str]:
    body = document.split("?>", 2)[-1]
    return dict(etree.fromstring(body.encode()).find("QBXMLMsgsRq").attrib)


def lease(gw: Harness) -> Lease:
    found = gw.store.get_lease(gw.user.id)
    assert found is not None
    return found


def in_flight(gw: Harness) -> list[str]:
    return [job.id for job in gw.store.jobs.values() if gw.job(job.id).status is JobStatus.IN_FLIGHT]


def write(gw: Harness, **options: Any) -> Job:
    return gw.queue.enqueue(gw.user.id, qbxml_job("customer_add.xml"), source="rest", **options)[0]


def read(gw: Harness, **options: Any) -> Job:
    return gw.queue.enqueue(gw.user.id, qbwc_file("customer_query_rq.xml"), source="rest", **options)[0]


def vanish_with(gw: Harness, job: Job) -> str:
    """GIVEN a session that sent ``job`` to QuickBooks and vanished (no answer, no closeConnection)."""
    ticket = gw.open_session()
    assert requests_in(gw.send(ticket, first=True))[0][1] == job.id
    gw.clock.advance(seconds=EXPIRY)
    return ticket


def doubted(gw: Harness) -> tuple[Job, Job, str, str]:
    """GIVEN a write whose session vanished, a read behind it, and the next session's first request.

    Returns (write, read, the next session's ticket, what it was sent).
    """
    first, second = write(gw), read(gw)
    vanish_with(gw, first)
    ticket = gw.open_session()
    return first, second, ticket, gw.send(ticket, first=True)


class CountingStore(MemoryStore):
    """A memory store that names every write it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self._inside = False

    def update_lease(self, lease: Lease, changes: Any, **kwargs: Any) -> Lease:
        if not self._inside:
            self.writes.append("lease")
        return super().update_lease(lease, changes, **kwargs)

    def transition_job(self, *args: Any, **kwargs: Any) -> Any:
        if not self._inside:
            self.writes.append("job")
        return super().transition_job(*args, **kwargs)

    def settle_and_hand_out(self, *args: Any, **kwargs: Any) -> Any:
        self.writes.append("job+lease")  # one write of two items (TransactWriteItems on DynamoDB)
        self._inside = True
        try:
            return super().settle_and_hand_out(*args, **kwargs)
        finally:
            self._inside = False

    def put_job(self, job: Job) -> None:
        self.writes.append("job")
        super().put_job(job)

    def update_end_user(self, end_user_id: str, changes: Any) -> None:
        self.writes.append("end_user")
        super().update_end_user(end_user_id, changes)

    def take_lease(self, *args: Any, **kwargs: Any) -> Lease:
        self.writes.append("take_lease")
        return super().take_lease(*args, **kwargs)

    def release_lease(self, *args: Any, **kwargs: Any) -> bool:
        self.writes.append("release_lease")
        return super().release_lease(*args, **kwargs)


# Claiming and the lease ----------------------------------------------------------------------------------
def test_nothing_queued_takes_no_lease(gw: Harness) -> None:
    # GIVEN an empty queue / WHEN the Web Connector authenticates
    ticket, answer = gw.authenticate()[:2]
    # THEN nothing to do, and the company file was not taken: no lease, the ticket reaches nothing
    assert answer == "none"
    assert gw.store.get_lease(gw.user.id) is None
    assert gw.send(ticket, first=True) == ""


def test_handing_out_a_job_is_one_write_on_the_lease() -> None:
    # Finding 1: a claim used to be two writes (job, then lease); a crash between them stranded the job.
    # GIVEN a session that answered its only job (the keep-alive holds it open), then a second job
    store = CountingStore()
    gw = Harness.build(store=store)
    first = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    assert gw.answer(ticket, first) == 99
    second = gw.enqueue()
    store.writes.clear()
    # WHEN the session asks for the next request
    document = gw.send(ticket)
    # THEN the job was handed out with a single write, on the lease; the job item was not touched
    assert requests_in(document) == [("CustomerQueryRq", second.id)]
    assert store.writes == ["lease"]
    stored = store.get_job(second.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.started_at) == (JobStatus.QUEUED, 0, None)
    # AND the lease points at it under the session's epoch; the SaaS sees it in flight, attempt 1
    pointer = lease(gw).pointer
    assert pointer is not None
    assert (pointer.job_id, pointer.seq, pointer.attempt, pointer.phase, pointer.epoch) == (
        second.id, second.seq, 1, SENT, lease(gw).epoch)
    assert (gw.job(second.id).status, gw.job(second.id).attempts) == (JobStatus.IN_FLIGHT, 1)
    assert lease(gw).expires_at == gw.clock.now + LEASE_TTL


def test_an_answer_settles_its_job_and_hands_out_the_next_in_one_write() -> None:
    # GIVEN a session in its stride: one read answered, the next sent, a third queued
    store = CountingStore()
    gw = Harness.build(store=store)
    done, first, second = gw.enqueue(), gw.enqueue(), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, done)
    assert requests_in(gw.send(ticket)) == [("CustomerQueryRq", first.id)]
    store.writes.clear()
    gw.clock.advance(seconds=3)
    # WHEN QuickBooks' answer arrives
    assert 0 < gw.answer(ticket, first) < 100
    # THEN one write settled it and handed the second out: the lease says NEXT, the job is untouched
    assert store.writes == ["job+lease"]
    assert gw.job(first.id).status is JobStatus.SUCCEEDED
    pointer = lease(gw).pointer
    assert pointer is not None
    assert (pointer.job_id, pointer.attempt, pointer.phase, pointer.epoch, pointer.previous_seq) == (
        second.id, 1, NEXT, lease(gw).epoch, first.seq)
    assert lease(gw).expires_at == gw.clock.now + LEASE_TTL  # the write renewed the lease
    stored = store.get_job(second.id)
    assert stored is not None and (stored.status, stored.attempts) == (JobStatus.QUEUED, 0)
    assert gw.job(second.id).status is JobStatus.IN_FLIGHT
    # AND the result went out after the write, once
    assert [m["job_id"] for m in gw.publisher.delivered] == [done.id, first.id]
    # WHEN the Web Connector asks for the next request / THEN it gets the read, and nothing is written
    store.writes.clear()
    assert requests_in(gw.send(ticket)) == [("CustomerQueryRq", second.id)]
    assert store.writes == []
    # AND its answer settles it as the attempt that was handed out, with nothing left to hand out
    store.writes.clear()
    assert gw.answer(ticket, second) == 99
    assert store.writes == ["job"]
    assert (gw.job(second.id).status, gw.job(second.id).attempts) == (JobStatus.SUCCEEDED, 1)


def test_a_write_handed_out_by_an_answer_is_given_without_a_write() -> None:
    # GIVEN a read answered with a write behind it: the write is handed out NEXT, with its message set id
    store = CountingStore()
    gw = Harness.build(store=store)
    first, second = read(gw), write(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, first)
    handed = lease(gw).pointer
    assert handed is not None
    assert (handed.job_id, handed.phase, handed.message_set_id) == (second.id, NEXT, message_set_id(second.id, 1))
    store.writes.clear()
    # WHEN the Web Connector asks for it / THEN it is sent under that id, and nothing is written
    document = gw.send(ticket)
    assert requests_in(document) == [("CustomerAddRq", second.id)]
    assert message_set_attributes(document)["newMessageSetID"] == handed.message_set_id
    assert store.writes == []
    assert lease(gw).pointer == handed


def test_a_write_handed_out_before_its_session_vanished_is_asked_about_first(gw: Harness) -> None:
    # GIVEN a read answered with a write behind it, and the Web Connector gone without a word
    first, second, third = read(gw), write(gw), read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, first)
    assert lease(gw).pointer is not None and lease(gw).pointer.phase == NEXT
    gw.clock.advance(seconds=EXPIRY)
    # WHEN the next session opens / THEN nothing tells whether it reached QuickBooks: in doubt, probed
    ticket = gw.open_session()
    probe = gw.send(ticket, first=True)
    assert requests_in(probe) == []
    assert message_set_attributes(probe)["oldMessageSetID"] == message_set_id(second.id, 1)
    assert gw.store.get_job(second.id).status is JobStatus.IN_DOUBT  # type: ignore[union-attr]
    # WHEN QuickBooks says it never saw it (600) / THEN it runs as attempt 2, before the read behind it
    gw.receive(ticket, qbwc_file("recovery_600_rs.xml"))
    document = gw.send(ticket)
    assert requests_in(document) == [("CustomerAddRq", second.id)]
    assert message_set_attributes(document)["newMessageSetID"] == message_set_id(second.id, 2)
    assert third.id not in document


def test_a_read_handed_out_next_before_its_session_vanished_is_not_an_attempt_but_one_sent_is(gw: Harness) -> None:
    # GIVEN two reads: the first answered, the second handed out by that answer (NEXT), then the session
    # vanished: QuickBooks may be running it, or the Web Connector never asked for it (nothing says which)
    first, second = gw.enqueue(), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, first)
    gw.send(ticket)
    gw.clock.advance(seconds=EXPIRY)
    # WHEN the next session opens / THEN the read runs again, still as attempt 1 (a NEXT hand-out is not
    # counted: a read is handed out NEXT at most once)
    ticket = gw.open_session()
    assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", second.id)]
    assert lease(gw).pointer is not None and lease(gw).pointer.attempt == 1
    # WHEN that session vanishes too (this hand-out was SENT) / THEN the next one runs it as attempt 2
    gw.clock.advance(seconds=EXPIRY)
    ticket = gw.open_session()
    assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", second.id)]
    assert lease(gw).pointer is not None and lease(gw).pointer.attempt == 2


def test_a_health_check_accepted_after_the_hand_out_still_goes_first(gw: Harness) -> None:
    # GIVEN two reads, the first answered and the second handed out (NEXT)
    first, second = gw.enqueue(), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, first)
    # WHEN a health check is accepted before the Web Connector asks for the next request
    check = gw.queue.enqueue(gw.user.id, qbwc_file("customer_query_rq.xml"), source="rest",
                             priority=PRIORITY_HEALTH_CHECK)[0]
    # THEN the health check is sent first, and the read after it, as its first attempt
    assert requests_in(gw.send(ticket))[0][1] == check.id
    gw.answer(ticket, check)
    assert requests_in(gw.send(ticket))[0][1] == second.id
    assert lease(gw).pointer is not None and lease(gw).pointer.attempt == 1


def test_a_result_whose_publish_died_with_its_session_is_published_by_the_next_holder(gw: Harness) -> None:
    # GIVEN an answer that settled its read and handed out the next, then SQS and the outbox failed
    first, second = gw.enqueue(), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.publisher.fail = True
    original = gw.store.to_outbox

    def unreachable(job: Job) -> None:
        raise ConnectionError("DynamoDB unreachable")

    gw.store.to_outbox = unreachable  # type: ignore[method-assign]
    assert gw.answer(ticket, first) == PROTOCOL_ERROR_PERCENT
    assert gw.store.get_job(first.id).status is JobStatus.SUCCEEDED  # type: ignore[union-attr]
    assert gw.publisher.delivered == []
    gw.store.to_outbox = original  # type: ignore[method-assign]
    gw.publisher.fail = False
    gw.close(ticket)
    gw.clock.advance(seconds=EXPIRY)
    # WHEN the next session takes the file over / THEN the first result reaches SQS, then the read runs
    ticket = gw.open_session()
    assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", second.id)]
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(first.id, "succeeded")]


def test_fifo_order_with_reads_and_writes_mixed(gw: Harness) -> None:
    # GIVEN three jobs accepted in order, a read, a write and a read
    accepted = [read(gw), write(gw), read(gw)]
    ticket = gw.open_session()
    # WHEN the session runs them one by one
    order = []
    for index, job in enumerate(accepted):
        (request,) = requests_in(gw.send(ticket, first=index == 0))
        order.append(request[1])
        gw.answer(ticket, job, "customer_add_rs.xml" if job.is_write else "customer_query_rs.xml")
    # THEN they ran in the order they were accepted, and all succeeded
    assert order == [job.id for job in accepted]
    assert [gw.job(job.id).status for job in accepted] == [JobStatus.SUCCEEDED] * 3
    assert gw.send(ticket) == ""


def test_health_check_jumps_the_queue(gw: Harness) -> None:
    # GIVEN two normal jobs, then a health check
    normal = [read(gw), read(gw)]
    check, _ = gw.queue.enqueue(gw.user.id, "<CompanyQueryRq/>", source=HEALTH_CHECK_SOURCE,
                                priority=PRIORITY_HEALTH_CHECK)
    ticket = gw.open_session()
    # WHEN the session asks for work / THEN the health check goes first, then the others in order
    assert requests_in(gw.send(ticket, first=True)) == [("CompanyQueryRq", check.id)]
    answer = (FIXTURES_DIR / "authflow" / "company_query_rs.xml").read_text(encoding="utf-8")
    gw.receive(ticket, answer.replace("{request_id}", check.id).replace("{company_name}", "Lakeside Hardware"))
    assert gw.job(check.id).status is JobStatus.SUCCEEDED
    assert requests_in(gw.send(ticket))[0][1] == normal[0].id


def test_at_most_one_job_is_pointed_at_per_file(gw: Harness) -> None:
    # GIVEN three jobs and a session
    jobs = [read(gw), write(gw), read(gw)]
    ticket = gw.open_session()
    for index, job in enumerate(jobs):
        # WHEN each is sent, and the Web Connector even asks again before answering a read
        document = gw.send(ticket, first=index == 0)
        if not job.is_write:
            assert gw.send(ticket) == document  # the read is given back and sent again, not a second job
        # THEN exactly that one job is in flight, and it is what the lease points at
        assert in_flight(gw) == [job.id]
        assert lease(gw).pointer is not None and lease(gw).pointer.job_id == job.id
        # AND a second Web Connector is refused the file meanwhile
        assert gw.authenticate()[1] == "busy"
        gw.answer(ticket, job, "customer_add_rs.xml" if job.is_write else "customer_query_rs.xml")
    assert in_flight(gw) == []


def test_company_files_are_independent(gw: Harness) -> None:
    # GIVEN our session holds this end-user's company file with a job in flight
    ours = read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    # AND another end-user has a job waiting
    other = make_end_user("eu_other")
    gw.store.put_end_user(other)
    theirs = gw.queue.enqueue(other.id, qbwc_file("customer_query_rq.xml"), source="rest")[0]
    # WHEN the other end-user's Web Connector authenticates and asks for work
    other_ticket, answer = gw.service.dispatch(c.Authenticate(other.id, PASSWORD))[:2]
    assert answer not in ("nvu", "none", "busy")
    # THEN it gets its own job at once, under its own lease
    assert requests_in(gw.send(other_ticket, first=True)) == [("CustomerQueryRq", theirs.id)]
    assert gw.job(theirs.id).status is JobStatus.IN_FLIGHT
    other_lease = gw.store.get_lease(other.id)
    assert other_lease is not None and other_lease.held_by(ticket_hash(other_ticket))
    # AND ours is untouched
    assert lease(gw).held_by(ticket_hash(ticket)) and lease(gw).pointer.job_id == ours.id


def test_a_second_session_is_refused_while_the_lease_is_live(gw: Harness) -> None:
    # GIVEN session A has a job in flight and another job waits
    first, waiting = read(gw), read(gw)
    a = gw.open_session()
    gw.send(a, first=True)
    before = lease(gw)
    # WHEN a second Web Connector authenticates, even a second before A's lease runs out
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
    b, answer = gw.authenticate()[:2]
    # THEN it is told "busy", its ticket reaches nothing, and A's lease is as it was
    assert answer == "busy"
    assert gw.send(b, first=True) == ""
    assert lease(gw) == before
    assert gw.job(waiting.id).status is JobStatus.QUEUED
    # AND A still finishes its job
    gw.answer(a, first)
    assert gw.job(first.id).status is JobStatus.SUCCEEDED


def test_takeover_after_expiry_keeps_the_pointer_and_bumps_the_epoch(gw: Harness) -> None:
    # Finding 2: a takeover used to drop the pointer, and the vanished session's job with it.
    # GIVEN session A sent a read and vanished
    job = read(gw)
    vanish_with(gw, job)
    old = lease(gw)
    # WHEN its lease has expired and B authenticates
    b = gw.open_session()
    # THEN B holds the file under the next epoch, and the pointer is still there, from the old epoch
    taken = lease(gw)
    assert taken.held_by(ticket_hash(b))
    assert taken.epoch == old.epoch + 1
    assert taken.pointer == old.pointer
    assert taken.pointer is not None and taken.pointer.epoch < taken.epoch
    # AND B's first request repairs it: the lost attempt is counted, and the read runs again as attempt 2
    assert requests_in(gw.send(b, first=True)) == [("CustomerQueryRq", job.id)]
    assert gw.store.get_job(job.id).attempts == 1
    assert (gw.job(job.id).status, gw.job(job.id).attempts) == (JobStatus.IN_FLIGHT, 2)
    assert lease(gw).pointer.epoch == lease(gw).epoch
    gw.answer(b, job)
    assert (gw.job(job.id).status, gw.job(job.id).attempts) == (JobStatus.SUCCEEDED, 2)


def test_the_old_holder_is_fenced_out_after_a_takeover(gw: Harness) -> None:
    # Finding 3: once B has taken the file over, nothing A says may change it.
    # GIVEN session A sent a read and vanished; B took the file over and sent the read again
    job = read(gw)
    a = vanish_with(gw, job)
    b = gw.open_session()
    gw.send(b, first=True)
    taken = lease(gw)
    # WHEN A wakes up: its answer, a request for work, getLastError and closeConnection
    assert gw.answer(a, job) == PROTOCOL_ERROR_PERCENT
    assert gw.send(a) == ""
    assert gw.last_error(a) == SESSION_UNKNOWN_TEXT
    gw.close(a)
    # THEN none of it landed: B's attempt is still the one in flight, B still holds the file
    assert lease(gw) == taken
    assert (gw.job(job.id).status, gw.job(job.id).attempts) == (JobStatus.IN_FLIGHT, 2)
    assert gw.publisher.attempts == []
    # AND B's answer settles the job
    gw.answer(b, job)
    assert gw.job(job.id).status is JobStatus.SUCCEEDED


def test_a_stale_session_with_nothing_in_quickbooks_is_taken_over_early(gw: Harness) -> None:
    # Finding 6: a session whose Web Connector is gone should not lock the file for the whole lease.
    # GIVEN session A authenticated with work waiting, then never called again
    job = read(gw)
    a = gw.open_session()
    stale = dispatcher(gw).stale_after.total_seconds()
    assert stale < LEASE_TTL.total_seconds()
    # WHEN B authenticates just before A counts as stale / THEN busy
    gw.clock.advance(seconds=stale - 1)
    assert gw.authenticate()[1] == "busy"
    # WHEN B authenticates once A has been silent for longer, well before A's lease expires
    gw.clock.advance(seconds=2)
    assert lease(gw).live(gw.clock.now)
    b = gw.open_session()
    # THEN B holds the file under a new epoch and gets the job; A's ticket is dead
    assert lease(gw).held_by(ticket_hash(b)) and lease(gw).epoch == 2
    assert requests_in(gw.send(b, first=True)) == [("CustomerQueryRq", job.id)]
    assert gw.send(a, first=True) == ""
    assert gw.last_error(a) == SESSION_UNKNOWN_TEXT


@pytest.mark.parametrize("answered", [False, True], ids=["awaiting_its_answer", "answered_not_yet_idle"])
def test_a_session_with_a_job_pointed_at_is_never_taken_over_early(gw: Harness, answered: bool) -> None:
    # GIVEN session A sent a job (and maybe got its answer, but has not asked for more since)
    job, later = read(gw), read(gw)
    a = gw.open_session()
    gw.send(a, first=True)
    if answered:
        gw.answer(a, job)
    assert lease(gw).pointer is not None
    # WHEN A is silent for far longer than the stale limit, but its lease has not expired
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
    # THEN another Web Connector is refused: QuickBooks may still be running the job
    assert gw.authenticate()[1] == "busy"
    assert lease(gw).held_by(ticket_hash(a))
    # AND only after expiry is the file taken over
    gw.clock.advance(seconds=2)
    b = gw.open_session()
    expected = later if answered else job
    assert requests_in(gw.send(b, first=True)) == [("CustomerQueryRq", expected.id)]


def test_the_epoch_is_bumped_at_every_takeover(gw: Harness) -> None:
    # GIVEN a job for each way the file changes hands
    epochs = []
    # WHEN a session opens and closes normally
    job = read(gw)
    a = gw.open_session()
    epochs.append(lease(gw).epoch)
    gw.send(a, first=True)
    gw.answer(a, job)
    gw.close(a)
    # AND the next session vanishes with a job, and is taken over after expiry
    vanish_with(gw, read(gw))
    epochs.append(lease(gw).epoch)
    b = gw.open_session()
    epochs.append(lease(gw).epoch)
    gw.send(b, first=True)
    gw.close(b)
    # AND the sweeper looks at the pointer B left behind
    assert dispatcher(gw).sweep() == 1
    epochs.append(lease(gw).epoch)
    # AND a last session opens
    read(gw)
    gw.open_session()
    epochs.append(lease(gw).epoch)
    # THEN every new holder had a higher epoch than the one before
    assert epochs == [1, 2, 3, 4, 5]


def test_a_session_that_keeps_calling_outlives_its_lease_and_ticket_ttls() -> None:
    # Findings 3 and 6: the holder's calls renew the lease; a ticket dies only with inactivity.
    gw = Harness.build()
    read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    started = gw.clock.now
    # WHEN the session keeps working, one job every 9 minutes, for longer than the ticket TTL
    while gw.clock.now - started <= TICKET_TTL:
        current = next(j for j in gw.store.jobs.values() if j.status is JobStatus.QUEUED)
        gw.clock.advance(minutes=9)
        assert gw.answer(ticket, current) >= 0
        read(gw)
        # THEN every request renews the lease, and the session still holds the file
        assert requests_in(gw.send(ticket))[0][0] == "CustomerQueryRq"
        assert lease(gw).expires_at == gw.clock.now + LEASE_TTL
    assert gw.session(ticket) is not None and lease(gw).epoch == 1
    # AND when it falls silent for longer than the lease (still within a ticket TTL), the ticket is dead
    gw.clock.advance(seconds=EXPIRY)
    assert gw.send(ticket) == ""
    assert gw.last_error(ticket) == SESSION_UNKNOWN_TEXT


def test_the_keep_alive_renews_the_lease() -> None:
    # Finding 3: an idle session that keeps asking renews its lease (getLastError, a third of the way to stale)
    gw = Harness.build(session_idle=timedelta(minutes=30))
    job = read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    # WHEN the Web Connector keeps asking for work for longer than the lease
    for _ in range(5):
        gw.clock.advance(minutes=5)
        assert gw.send(ticket) == ""
        assert gw.last_error(ticket) == NOOP
        # THEN each keep-alive renewed the lease, so nobody can take the file over
        assert lease(gw).expires_at == gw.clock.now + LEASE_TTL
        assert gw.authenticate()[1] == "none"  # and nothing is waiting
    # AND a job enqueued after 25 minutes is picked up by the same session
    late = read(gw)
    assert gw.authenticate()[1] == "busy"
    assert requests_in(gw.send(ticket)) == [("CustomerQueryRq", late.id)]


def test_a_closed_session_stays_closed(gw: Harness) -> None:
    # Finding 11: after closeConnection the ticket must never act on the company file again.
    # GIVEN a session closed with a read in flight
    job = read(gw)
    a = gw.open_session()
    gw.send(a, first=True)
    gw.close(a)
    closed = lease(gw)
    assert closed.holder is None and closed.state == "closed"
    # WHEN its calls keep coming: the answer, a request, a retryable connection error, getLastError
    assert gw.answer(a, job) == PROTOCOL_ERROR_PERCENT
    assert gw.send(a) == ""
    assert gw.connection_error(a, "0x80040408", "Could not start QuickBooks.") == "done"
    assert gw.last_error(a) == SESSION_UNKNOWN_TEXT
    # THEN the file stays free, the late answer settled nothing, and the read waits for the next holder
    assert lease(gw) == closed
    assert gw.job(job.id).status is JobStatus.QUEUED
    assert gw.publisher.attempts == []
    b = gw.open_session()
    assert requests_in(gw.send(b, first=True)) == [("CustomerQueryRq", job.id)]


# Repairing what a vanished session left ------------------------------------------------------------------
def test_an_inherited_read_counts_an_attempt_and_runs_again(gw: Harness) -> None:
    # GIVEN a read sent by a session that vanished, and a write behind it
    job, behind = read(gw), write(gw)
    vanish_with(gw, job)
    b = gw.open_session()
    # WHEN the next session asks for work
    document = gw.send(b, first=True)
    # THEN the read is the one sent again (it keeps its place), its lost attempt counted
    assert requests_in(document) == [("CustomerQueryRq", job.id)]
    assert gw.store.get_job(job.id).attempts == 1
    assert gw.job(job.id).attempts == 2
    assert gw.job(behind.id).status is JobStatus.QUEUED
    assert gw.publisher.attempts == []  # nothing to tell the SaaS about a read that will run again


def test_an_inherited_read_fails_for_good_after_max_read_attempts(gw: Harness) -> None:
    # GIVEN a read whose every session vanishes before QuickBooks answers
    job = read(gw)
    limit = gw.queue.max_read_attempts
    for attempt in range(1, limit + 1):
        ticket = gw.open_session()
        assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", job.id)]
        assert gw.job(job.id).attempts == attempt
        gw.clock.advance(seconds=EXPIRY)
    # WHEN the next session inherits its last allowed attempt
    ticket = gw.open_session()
    # THEN the read is not sent again: it failed with job_abandoned_repeatedly, and that was published
    assert gw.send(ticket, first=True) == ""
    failed = gw.job(job.id)
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, limit)
    assert failed.error is not None and failed.error["code"] == "job_abandoned_repeatedly"
    assert failed.error["user_facing_message"]
    (message,) = gw.publisher.delivered
    assert (message["job_id"], message["status"], message["error"]["code"]) == (
        job.id, "failed", "job_abandoned_repeatedly")
    assert lease(gw).pointer is None


def test_an_inherited_write_is_put_in_doubt_and_probed_before_anything_else(gw: Harness) -> None:
    # GIVEN a write sent by a session that vanished, and a read behind it
    # WHEN the next session asks for work
    first, second, _ticket, document = doubted(gw)
    # THEN the write is in doubt: it may have been saved, so it is never sent again blindly
    job = gw.job(first.id)
    assert job.status is JobStatus.IN_DOUBT
    assert job.error is not None and job.error["code"] == "lease_expired_outcome_unknown"
    assert job.error["user_facing_message"]
    assert (job.attempts, job.doubt_message_set_id) == (1, message_set_id(first.id, 1))
    # AND an in_doubt notice was published, so the SaaS is not left guessing
    (notice,) = gw.publisher.delivered
    assert (notice["job_id"], notice["status"]) == (first.id, "in_doubt")
    assert notice["error"]["code"] == "lease_expired_outcome_unknown"
    # AND the first thing sent is the probe: qbXML error recovery asking about the message set, no request
    assert requests_in(document) == []
    attributes = message_set_attributes(document)
    assert attributes["oldMessageSetID"] == message_set_id(first.id, 1)
    assert "CustomerAddRq" not in document and second.id not in document
    pointer = lease(gw).pointer
    assert pointer is not None and (pointer.job_id, pointer.phase) == (first.id, "probe")
    assert gw.job(second.id).status is JobStatus.QUEUED


def test_nothing_runs_while_the_write_stays_in_doubt(gw: Harness) -> None:
    # GIVEN a write in doubt whose probe QuickBooks did not answer clearly
    first, second, ticket, _document = doubted(gw)
    assert gw.receive(ticket, qbwc_file("recovery_status_rs.xml", status_code="9001")) == HRESULT_ERROR_PERCENT
    # WHEN the session asks again, and when the next session asks
    again = gw.send(ticket)
    gw.close(ticket)
    nxt = gw.open_session()
    later = gw.send(nxt, first=True)
    # THEN each time only the probe for the same message set goes out; the read behind it waits
    for document in (again, later):
        assert requests_in(document) == []
        assert message_set_attributes(document)["oldMessageSetID"] == message_set_id(first.id, 1)
    assert gw.job(first.id).status is JobStatus.IN_DOUBT
    assert gw.job(second.id).status is JobStatus.QUEUED


# What the probe says ------------------------------------------------------------------------------------
def test_probe_600_queues_the_write_again_under_a_new_message_set_id(gw: Harness) -> None:
    # Finding 10: messageSetStatusCode 600 means QuickBooks has nothing stored: the write never ran.
    # GIVEN a write in doubt, its probe sent, and a read behind it
    first, second, ticket, _document = doubted(gw)
    # WHEN QuickBooks answers the probe with 600
    assert gw.receive(ticket, qbwc_file("recovery_600_rs.xml")) >= 0
    # THEN the write is queued again, its doubt cleared
    job = gw.store.get_job(first.id)
    assert job is not None
    assert (job.status, job.error, job.attempts) == (JobStatus.QUEUED, None, 1)
    # AND it is sent again (before the read) as attempt 2, under a message set id never used before
    document = gw.send(ticket)
    assert requests_in(document) == [("CustomerAddRq", first.id)]
    assert message_set_attributes(document)["newMessageSetID"] == message_set_id(first.id, 2)
    assert message_set_id(first.id, 2) != message_set_id(first.id, 1)
    assert gw.job(first.id).attempts == 2
    # AND its answer settles it, and the read runs next
    gw.answer(ticket, first, "customer_add_rs.xml")
    assert gw.job(first.id).status is JobStatus.SUCCEEDED
    assert requests_in(gw.send(ticket)) == [("CustomerQueryRq", second.id)]


def test_a_write_queued_again_by_its_probe_goes_before_later_jobs_when_health_checks_pushed_it_out_of_view(
        gw: Harness) -> None:
    """Counter-example found by make soak (seeded batch 6): after a probe answered 600, two overdue health
    checks sorted before the write in the two-job read, so the pointer's job looked settled; once they
    expired, the read accepted after the write was sent first."""
    # GIVEN a write in doubt and its probe sent, two health checks accepted meanwhile, their time up
    first, _second, ticket, _document = doubted(gw)
    checks = [gw.queue.enqueue(gw.user.id, qbwc_file("customer_query_rq.xml"), source="rest",
                               priority=PRIORITY_HEALTH_CHECK, deadline_seconds=10)[0] for _ in range(2)]
    later = read(gw)
    # WHEN QuickBooks answers the probe with 600 and the health checks' deadlines pass
    assert gw.receive(ticket, qbwc_file("recovery_600_rs.xml")) >= 0
    gw.clock.advance(seconds=11)
    # THEN the write runs next (attempt 2), before the read accepted after it
    assert requests_in(gw.send(ticket)) == [("CustomerAddRq", first.id)]
    assert all(gw.job(check.id).status is JobStatus.EXPIRED for check in checks)
    assert gw.job(later.id).status is JobStatus.QUEUED


def test_probe_with_a_stored_answer_settles_the_write(gw: Harness) -> None:
    # Finding 10: QuickBooks returns the stored answer of a message set it did run.
    # GIVEN a write in doubt, its probe sent, and a read behind it
    first, second, ticket, _document = doubted(gw)
    stored = qbwc_file("recovery_stored_customer_add_rs.xml", message_set_id=message_set_id(first.id, 1),
                       request_id=first.id)
    # WHEN that is the probe's answer
    assert gw.receive(ticket, stored) >= 0
    # THEN the write succeeded with QuickBooks' answer, was published after the notice, and never ran twice
    job = gw.job(first.id)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1)
    assert job.response_qbxml == stored and job.error is None
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [
        (first.id, "in_doubt"), (first.id, "succeeded")]
    # AND the read behind it is next
    assert requests_in(gw.send(ticket)) == [("CustomerQueryRq", second.id)]


def test_a_refused_probe_leaves_the_write_in_doubt(gw: Harness) -> None:
    # Finding 4: 0x80040400 fails a normal write (nothing ran), but on a probe it says nothing about the write.
    # GIVEN a write in doubt and its probe sent
    first, _second, ticket, _document = doubted(gw)
    # WHEN QuickBooks refuses the probe
    percent = gw.receive(ticket, "", "0x80040400", "QuickBooks found an error when parsing the provided XML")
    # THEN the write stays in doubt, not failed, and no failure is published
    assert percent == HRESULT_ERROR_PERCENT
    assert gw.job(first.id).status is JobStatus.IN_DOUBT
    assert [m["status"] for m in gw.publisher.delivered] == ["in_doubt"]
    # AND the session ends with a text for the bookkeeper; the next session asks again
    assert gw.last_error(ticket) not in (NOOP, "")
    gw.close(ticket)
    nxt = gw.open_session()
    assert message_set_attributes(gw.send(nxt, first=True))["oldMessageSetID"] == message_set_id(first.id, 1)


@pytest.mark.parametrize("status_code", ["0", "1", "500", "9001"])
def test_a_probe_with_any_other_status_leaves_the_write_in_doubt(gw: Harness, status_code: str) -> None:
    # Finding 10: only 600 (never applied) or a stored answer settle an in-doubt write.
    # GIVEN a write in doubt, its probe sent, and a read behind it
    first, second, ticket, _document = doubted(gw)
    # WHEN the probe's answer carries another messageSetStatusCode and no stored answer
    percent = gw.receive(ticket, qbwc_file("recovery_status_rs.xml", status_code=status_code))
    # THEN the write stays in doubt, not failed and not queued to run again
    assert percent == HRESULT_ERROR_PERCENT
    job = gw.job(first.id)
    assert job.status is JobStatus.IN_DOUBT and job.completed_at is None
    assert [m["status"] for m in gw.publisher.delivered] == ["in_doubt"]
    assert gw.job(second.id).status is JobStatus.QUEUED


def test_a_write_quickbooks_threw_on_is_probed_under_the_message_set_id_it_was_sent_with(gw: Harness) -> None:
    # GIVEN a write sent as attempt 1, and QuickBooks threw while running it (it may have saved it)
    job = write(gw)
    ticket = gw.open_session()
    sent = gw.send(ticket, first=True)
    assert message_set_attributes(sent)["newMessageSetID"] == message_set_id(job.id, 1)
    assert gw.receive(ticket, "", "0x8004040D", "The ticket parameter is invalid") == HRESULT_ERROR_PERCENT
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    # WHEN the session asks for the next request
    probe = gw.send(ticket)
    # THEN the probe asks about the message set the write went out under; any other id would get 600
    # ("nothing stored") and the write, perhaps saved already, would run a second time
    assert requests_in(probe) == []
    assert message_set_attributes(probe)["oldMessageSetID"] == message_set_id(job.id, 1)


def test_message_set_ids_fit_23_characters_and_are_never_reused() -> None:
    # Finding 9: QuickBooks keeps message set ids of at most 23 characters.
    # GIVEN 50 jobs / WHEN ids are made for their first, second and very late attempts
    ids = {message_set_id(f"job_{n:026d}", attempt) for n in range(50) for attempt in (1, 2, 99_999, 999_999)}
    # THEN each is short enough, and distinct per job and per attempt
    assert max(len(msid) for msid in ids) == 23
    assert len(ids) == 50 * 4
    # AND the id of one attempt is stable (the probe of another session must find it again)
    assert message_set_id("job_x", 1) == message_set_id("job_x", 1)


# The sweeper (finding 7) ----------------------------------------------------------------------------------
def leave_behind(gw: Harness, job: Job, how: str) -> None:
    """GIVEN a session that sent ``job`` and then closed without its answer, or vanished until its lease expired."""
    if how == "expired":
        vanish_with(gw, job)
        return
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.close(ticket)
    assert lease(gw).holder is None and lease(gw).pointer is not None  # released, the pointer kept


@pytest.mark.parametrize("how", ["closed", "expired"])
def test_sweeper_repairs_a_read_left_behind(gw: Harness, how: str) -> None:
    # GIVEN a read left pointed at by a session that closed, or whose holder expired
    job = read(gw)
    leave_behind(gw, job, how)
    # WHEN the sweeper runs
    assert dispatcher(gw).sweep() == 1
    # THEN the lost attempt is counted, the read waits in the queue again, and the file is free and clear
    stored = gw.store.get_job(job.id)
    assert stored is not None and (stored.status, stored.attempts) == (JobStatus.QUEUED, 1)
    assert (lease(gw).holder, lease(gw).pointer) == (None, None)
    assert gw.publisher.attempts == []
    # AND there is nothing left for the sweeper
    assert gw.store.leases_due(gw.clock.now + timedelta(days=1)) == []
    assert dispatcher(gw).sweep() == 0


@pytest.mark.parametrize("how", ["closed", "expired"])
def test_sweeper_puts_a_write_left_behind_in_doubt(gw: Harness, how: str) -> None:
    # GIVEN a write left pointed at by a session that closed, or whose holder expired
    job = write(gw)
    leave_behind(gw, job, how)
    # WHEN the sweeper runs
    assert dispatcher(gw).sweep() == 1
    # THEN the write is in doubt, not queued to run again, and the SaaS was told
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(job.id, "in_doubt")]
    # AND the file is free, still pointing at the write for its probe
    swept = lease(gw)
    assert swept.holder is None
    assert swept.pointer is not None and (swept.pointer.job_id, swept.pointer.phase) == (job.id, DOUBT)
    # AND the next session probes it first
    ticket = gw.open_session()
    assert message_set_attributes(gw.send(ticket, first=True))["oldMessageSetID"] == message_set_id(job.id, 1)


def test_sweeper_gives_up_an_in_doubt_write_at_its_deadline(gw: Harness) -> None:
    # GIVEN a write with a one-hour deadline, sent by a session that vanished
    job = write(gw, deadline_seconds=3600)
    vanish_with(gw, job)
    # WHEN the sweeper runs before the deadline / THEN the write is in doubt, waiting for a probe
    dispatcher(gw).sweep()
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    gw.clock.advance(minutes=30)
    assert dispatcher(gw).sweep() == 0  # nothing due yet
    # WHEN no session came to ask QuickBooks and the deadline passed
    gw.clock.advance(minutes=30)
    assert dispatcher(gw).sweep() == 1
    # THEN it failed with in_doubt_unresolved, telling the bookkeeper to check QuickBooks
    failed = gw.job(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None and failed.error["code"] == "in_doubt_unresolved"
    assert "Check the record in QuickBooks" in failed.error["user_facing_message"]
    # AND that was published (after the in_doubt notice), and the pointer is gone
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [
        (job.id, "in_doubt"), (job.id, "failed")]
    assert lease(gw).pointer is None
    assert gw.store.unpublished(gw.clock.now + timedelta(days=1)) == []


def test_sweeper_republishes_a_settled_job_left_pointed_at_and_clears_it(gw: Harness) -> None:
    # GIVEN a job answered and published, and the session closed right after (the pointer still on it)
    job = read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.answer(ticket, job)
    gw.close(ticket)
    assert lease(gw).pointer is not None and lease(gw).pointer.job_id == job.id
    # WHEN the sweeper runs
    assert dispatcher(gw).sweep() == 1
    # THEN the result went out again (the session may have died before publishing) and the pointer is cleared
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [
        (job.id, "succeeded"), (job.id, "succeeded")]
    assert lease(gw).pointer is None
    assert gw.job(job.id).status is JobStatus.SUCCEEDED
    assert dispatcher(gw).sweep() == 0


def test_sweeper_leaves_a_live_session_alone(gw: Harness) -> None:
    # GIVEN a live session with a job in flight
    job = read(gw)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    before = lease(gw)
    # WHEN the sweeper runs / THEN it touches nothing, and the session finishes its job
    assert dispatcher(gw).sweep() == 0
    assert lease(gw) == before
    gw.answer(ticket, job)
    assert gw.job(job.id).status is JobStatus.SUCCEEDED


# Overdue jobs ---------------------------------------------------------------------------------------------
def test_expire_overdue_never_expires_a_write_while_a_live_session_holds_its_file(gw: Harness) -> None:
    # GIVEN a live session running a write, and another write queued behind it, both past their deadline
    running, behind = write(gw, deadline_seconds=60), write(gw, deadline_seconds=60)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.clock.advance(seconds=61)
    # WHEN the sweeper expires overdue jobs
    assert dispatcher(gw).expire_overdue() == 0
    # THEN neither is touched: one may be in QuickBooks, and the session holds the file
    assert gw.job(running.id).status is JobStatus.IN_FLIGHT
    assert gw.job(behind.id).status is JobStatus.QUEUED
    assert lease(gw).held_by(ticket_hash(ticket))
    # AND the running write's answer still settles it
    gw.answer(ticket, running, "customer_add_rs.xml")
    assert gw.job(running.id).status is JobStatus.SUCCEEDED
    # AND once the session has closed, the write behind it (never sent) is expired and published
    gw.close(ticket)
    assert dispatcher(gw).expire_overdue() == 1
    expired = gw.job(behind.id)
    assert expired.status is JobStatus.EXPIRED
    assert expired.error is not None and expired.error["code"] == "job_deadline_passed"
    assert gw.publisher.delivered[-1]["job_id"] == behind.id


def test_expire_overdue_never_expires_a_write_a_vanished_session_may_have_sent(gw: Harness) -> None:
    # GIVEN a write sent by a session that vanished, past its deadline
    job = write(gw, deadline_seconds=60)
    vanish_with(gw, job)
    # WHEN the sweeper expires overdue jobs / THEN not this one: it may have been saved
    assert dispatcher(gw).expire_overdue() == 0
    assert gw.job(job.id).status is JobStatus.QUEUED
    assert lease(gw).pointer is not None and lease(gw).pointer.job_id == job.id
    # AND the sweep settles it as what it is: in doubt, and being past its deadline, given up as unresolved,
    # never reported as a job QuickBooks did not receive
    dispatcher(gw).sweep()
    failed = gw.job(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None and failed.error["code"] == "in_doubt_unresolved"
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [
        (job.id, "in_doubt"), (job.id, "failed")]


def test_expire_overdue_expires_reads_nobody_points_at(gw: Harness) -> None:
    # GIVEN a live session running a read, and another read queued behind it, both past their deadline
    running, behind = read(gw, deadline_seconds=60), read(gw, deadline_seconds=60)
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.clock.advance(seconds=61)
    # WHEN the sweeper expires overdue jobs
    assert dispatcher(gw).expire_overdue() == 1
    # THEN the read nobody sent is expired and published; the one in flight is left to its answer
    assert gw.job(behind.id).status is JobStatus.EXPIRED
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(behind.id, "expired")]
    assert gw.job(running.id).status is JobStatus.IN_FLIGHT
    gw.answer(ticket, running)
    assert gw.job(running.id).status is JobStatus.SUCCEEDED


def test_the_holder_expires_an_overdue_job_instead_of_sending_it(gw: Harness) -> None:
    # GIVEN a write past its deadline at the head of the queue, and a job behind it
    late, fine = write(gw, deadline_seconds=60), read(gw)
    ticket = gw.open_session()
    gw.clock.advance(seconds=61)
    # WHEN the session asks for work / THEN the late write is expired, never sent, and the next job goes out
    assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", fine.id)]
    assert gw.job(late.id).status is JobStatus.EXPIRED
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(late.id, "expired")]


def test_a_long_run_of_overdue_jobs_does_not_stop_the_session(gw: Harness) -> None:
    # GIVEN more overdue jobs at the head of the queue than Python's recursion limit (a Web Connector that was
    # off for a day), and one job that is still in time
    overdue = sys.getrecursionlimit() + 100
    for _ in range(overdue):
        read(gw, deadline_seconds=60)
    gw.clock.advance(seconds=61)
    fine = read(gw)
    ticket = gw.open_session()
    # WHEN the session asks for work / THEN the overdue jobs are expired and the job in time is sent
    assert requests_in(gw.send(ticket, first=True)) == [("CustomerQueryRq", fine.id)]
    assert sum(job.status is JobStatus.EXPIRED for job in gw.store.jobs.values()) == overdue
