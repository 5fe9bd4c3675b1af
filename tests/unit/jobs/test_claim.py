"""Claiming: one job in flight per company file, FIFO, and recovery when a holder vanishes."""

from __future__ import annotations

import pytest

from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, EndUser, Job
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.states import JobStatus
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.conftest import LEASE_TTL
from tests.unit.jobs.fakes import FakeClock, make_end_user, qbwc_file, qbxml_job

A, B = "holder-a", "holder-b"


def read_job(queue: JobQueue, user: EndUser) -> Job:
    return queue.enqueue(user.id, qbwc_file("customer_query_rq.xml"), source="rest")[0]


def write_job(queue: JobQueue, user: EndUser) -> Job:
    return queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest")[0]


def finish(queue: JobQueue, store: MemoryStore, job: Job, holder: str) -> None:
    store.transition_job(job, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.IN_FLIGHT}))
    store.release_lease(job.end_user_id, holder)


def test_nothing_queued(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN an empty queue / WHEN a session asks for work / THEN None, and the company file is left free
    assert queue.claim_next(user.id, A) is None
    assert store.get_lease(user.id) is None


def test_claim_moves_the_head_in_flight(queue: JobQueue, store: MemoryStore, user: EndUser,
                                       clock: FakeClock) -> None:
    # GIVEN one queued job
    job = read_job(queue, user)
    # WHEN a session claims it
    claimed = queue.claim_next(user.id, A)
    # THEN it is in flight, held by that session, and the lease points at it
    assert claimed is not None and claimed.id == job.id
    assert store.get_job(job.id) == claimed
    assert (claimed.status, claimed.holder, claimed.attempts, claimed.started_at) == (
        JobStatus.IN_FLIGHT, A, 1, clock.now)
    lease = store.get_lease(user.id)
    assert lease is not None
    assert (lease.holder, lease.job_id, lease.job_seq) == (A, job.id, job.seq)
    assert lease.expires_at == clock.now + LEASE_TTL


def test_fifo_order(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN three jobs accepted in order (reads and writes mixed)
    accepted = [read_job(queue, user), write_job(queue, user), read_job(queue, user)]
    # WHEN they are claimed and finished one by one
    order = []
    while (job := queue.claim_next(user.id, A)) is not None:
        order.append(job.id)
        finish(queue, store, job, A)
    # THEN they ran in the order they were accepted
    assert order == [j.id for j in accepted]


def test_health_check_jumps_the_queue(queue: JobQueue, user: EndUser) -> None:
    # GIVEN two normal jobs, then a health check
    read_job(queue, user)
    read_job(queue, user)
    check, _ = queue.enqueue(user.id, "<CompanyQueryRq/>", source="health", priority=PRIORITY_HEALTH_CHECK)
    # WHEN the next job is claimed / THEN the health check goes first
    claimed = queue.claim_next(user.id, A)
    assert claimed is not None and claimed.id == check.id


def test_at_most_one_in_flight(queue: JobQueue, store: MemoryStore, user: EndUser, clock: FakeClock) -> None:
    # GIVEN session A holds the company file with a job in flight, and more jobs wait
    first = read_job(queue, user)
    second = read_job(queue, user)
    assert queue.claim_next(user.id, A) is not None
    # WHEN session B asks for work while A's lease is live (even shortly before it expires)
    clock.advance(seconds=LEASE_TTL.total_seconds() - 1)
    taken = queue.claim_next(user.id, B)
    # THEN B gets nothing, A keeps its job, and the next job is still queued
    assert taken is None
    assert store.get_job(first.id).status is JobStatus.IN_FLIGHT
    assert store.get_job(first.id).holder == A
    assert store.get_job(second.id).status is JobStatus.QUEUED
    assert store.get_lease(user.id).holder == A
    assert sum(j.status is JobStatus.IN_FLIGHT for j in store.jobs.values()) == 1


def test_other_company_files_are_independent(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN A holds this end-user's company file
    read_job(queue, user)
    queue.claim_next(user.id, A)
    other = make_end_user("eu_other")
    store.put_end_user(other)
    job = read_job(queue, other)
    # WHEN B claims work for another end-user / THEN it gets it
    claimed = queue.claim_next(other.id, B)
    assert claimed is not None and claimed.id == job.id


def test_lease_free_after_complete(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN A finished its job and released the file
    read_job(queue, user)
    second = read_job(queue, user)
    finish(queue, store, queue.claim_next(user.id, A), A)
    # WHEN B asks / THEN B gets the next job
    claimed = queue.claim_next(user.id, B)
    assert claimed is not None and claimed.id == second.id


def test_expired_lease_requeues_a_read(queue: JobQueue, store: MemoryStore, user: EndUser,
                                       clock: FakeClock) -> None:
    # GIVEN A claimed a read and vanished (no answer, no closeConnection)
    job = read_job(queue, user)
    queue.claim_next(user.id, A)
    # WHEN the lease has expired and B asks for work
    clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    claimed = queue.claim_next(user.id, B)
    # THEN the read went back to the queue and runs again, now under B
    assert claimed is not None and claimed.id == job.id
    assert (claimed.holder, claimed.attempts, claimed.status) == (B, 2, JobStatus.IN_FLIGHT)
    assert store.get_lease(user.id).holder == B


def test_expired_lease_puts_a_write_in_doubt_and_probes_it_first(
        queue: JobQueue, store: MemoryStore, user: EndUser, clock: FakeClock) -> None:
    # GIVEN A claimed a write and vanished, and a read waits behind it
    write = write_job(queue, user)
    read = read_job(queue, user)
    queue.claim_next(user.id, A)
    # WHEN the lease expired and B asks for work
    clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    claimed = queue.claim_next(user.id, B)
    # THEN the write is never re-sent: B gets it back only as an error-recovery probe, saying why
    assert claimed is not None and claimed.id == write.id
    assert claimed.recovering is True
    assert claimed.attempts == 1  # a probe is not another run
    assert claimed.error is not None and claimed.error["code"] == "lease_expired_outcome_unknown"
    assert claimed.error["user_facing_message"]
    # AND the read still waits its turn behind it
    assert store.get_job(read.id).status is JobStatus.QUEUED


def test_a_write_found_unapplied_runs_again_in_its_place(
        queue: JobQueue, store: MemoryStore, user: EndUser, clock: FakeClock) -> None:
    # GIVEN a write in doubt, claimed by B for its recovery probe
    write = write_job(queue, user)
    queue.claim_next(user.id, A)
    clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    probe = queue.claim_next(user.id, B)
    assert probe is not None and probe.recovering
    # WHEN QuickBooks says it has no record of that message set
    queue.run_again(probe, B)
    # THEN the write is queued again, ahead of later jobs, no longer recovering, and the file is free
    again = store.get_job(write.id)
    assert (again.status, again.recovering, again.error) == (JobStatus.QUEUED, False, None)
    assert store.get_lease(user.id) is None
    assert store.head_of_queue(user.id).id == write.id


def test_a_holder_claiming_again_never_has_two_in_flight(queue: JobQueue, store: MemoryStore,
                                                        user: EndUser) -> None:
    # GIVEN A holds a read in flight and another job waits
    first = read_job(queue, user)
    read_job(queue, user)
    queue.claim_next(user.id, A)
    # WHEN A asks for work again without answering (it lost track of its job)
    again = queue.claim_next(user.id, A)
    # THEN still exactly one job is in flight: A's read was taken back and runs again, in order
    assert sum(j.status is JobStatus.IN_FLIGHT for j in store.jobs.values()) == 1
    assert again is not None and again.id == first.id and again.attempts == 2
    assert store.get_lease(user.id).job_id == first.id


def test_a_holder_claiming_again_leaves_no_orphan(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN A holds the only job, a read, in flight
    job = read_job(queue, user)
    queue.claim_next(user.id, A)
    # WHEN A asks again / THEN the read is claimed again rather than left in flight without a lease
    again = queue.claim_next(user.id, A)
    assert again is not None and again.id == job.id
    assert store.get_lease(user.id).job_id == job.id


@pytest.mark.parametrize(("maker", "status"), [(read_job, JobStatus.QUEUED), (write_job, JobStatus.IN_DOUBT)])
def test_give_back(queue: JobQueue, store: MemoryStore, user: EndUser, maker, status: JobStatus) -> None:
    # GIVEN A lost track of its job (an out-of-order call)
    job = maker(queue, user)
    claimed = queue.claim_next(user.id, A)
    # WHEN it gives the job back
    queue.give_back(claimed, A)
    # THEN a read is queued again, a write is in doubt, and the company file is free
    assert store.get_job(job.id).status is status
    assert store.get_lease(user.id) is None


def test_has_work(queue: JobQueue, user: EndUser, clock: FakeClock) -> None:
    # GIVEN nothing queued / THEN no work
    assert queue.has_work(user.id) is False
    # GIVEN a queued job / THEN work
    job = read_job(queue, user)
    assert queue.has_work(user.id) is True
    # GIVEN it is in flight under a live lease / THEN no work for another session
    queue.claim_next(user.id, A)
    assert queue.has_work(user.id) is False
    # WHEN the lease expired with the read stranded in flight / THEN it is queued again: work
    clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    assert queue.has_work(user.id) is True
    assert queue.store.get_job(job.id).status is JobStatus.QUEUED


def test_release_holder_gives_back_what_the_lease_points_at(queue: JobQueue, store: MemoryStore,
                                                           user: EndUser) -> None:
    # GIVEN A holds a write in flight / WHEN A's session ends without an answer
    job = write_job(queue, user)
    queue.claim_next(user.id, A)
    queue.release_holder(user.id, A)
    # THEN the write is in doubt and the company file is free; another holder cannot release it
    assert store.get_job(job.id).status is JobStatus.IN_DOUBT
    assert store.get_lease(user.id) is None
    read_job(queue, user)
    queue.claim_next(user.id, B)
    queue.release_holder(user.id, A)
    assert store.get_lease(user.id).holder == B
