"""One contract, three stores: the in-memory twin, DynamoDB on moto (server mode) and on dynalite.

The same tests run against each, so the twin the unit tests rely on cannot drift from the adapter,
and the adapter is exercised on an independent DynamoDB implementation with atomic conditional writes.
Each DynamoDB test gets its own table, created from ``infra/template.json``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, ApiKey, EndUser, Job, QbwcSession
from chalicelib.jobs.ports import Store, StoreConflict
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.states import JobStatus
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.memory import MemoryStore
from infra.provision import provision
from tests.support.stack import aws_client

T0 = datetime(2024, 3, 4, 9, 30, 0, 123456, tzinfo=UTC)
EU = "eu_contract"


def _stores(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    server = request.getfixturevalue("moto_server" if request.param == "moto" else "dynalite")
    client = aws_client("dynamodb", server.endpoint)
    outputs = provision(f"c{uuid.uuid4().hex[:12]}", dynamodb=client, sqs=None)
    yield DynamoStore(client, outputs.table_name)
    client.delete_table(TableName=outputs.table_name)


@pytest.fixture(params=["memory", "moto", "dynalite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from _stores(request)


@pytest.fixture(params=["memory", "dynalite"])
def atomic_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """Stores whose conditional writes are atomic under concurrency; moto's are not (DESIGN §8)."""
    yield from _stores(request)


def end_user(end_user_id: str = EU, **changes: Any) -> EndUser:
    return EndUser(id=end_user_id, company_name="Lakeside Hardware", source_id=None, qbwc_username=end_user_id,
                   password_hash="scrypt$16384$8$1$c2FsdA==$ZGlnZXN0", file_id=uuid.UUID(int=7), created_at=T0,
                   **changes)


def new_job(store: Store, *, priority: int = 5, end_user_id: str = EU, **changes: Any) -> Job:
    seq = store.next_sequence(end_user_id)
    job = Job(id=f"job_{end_user_id}_{seq:04d}", end_user_id=end_user_id, seq=seq, status=JobStatus.QUEUED,
              qbxml="<CustomerQueryRq/>", request_names=("CustomerQueryRq",), is_write=False,
              enqueued_at=T0 + timedelta(seconds=seq), source="rest", priority=priority, **changes)
    store.put_job(job)
    return job


@pytest.fixture
def user(store: Store) -> EndUser:
    """GIVEN one end-user in the store."""
    profile = end_user()
    store.put_end_user(profile)
    return profile


# End-users and keys -----------------------------------------------------------------------------------
def test_end_user_round_trip(store: Store, user: EndUser) -> None:
    # WHEN an end-user is read back / THEN it is the record that was written, field for field
    assert store.get_end_user(EU) == user
    assert store.get_end_user("eu_nobody") is None


def test_update_end_user_sets_and_clears(store: Store, user: EndUser) -> None:
    # WHEN fields are set (including nested data and tuples), then one is cleared with None
    err = {"code": "connection_error", "integration_code": "0x80040408", "occurred_at": "2024-03-04T09:31:00Z"}
    store.update_end_user(EU, {"company_file": r"C:\Books\Lakeside.QBW", "qbxml_version": "13.0",
                               "supported_versions": ("12.0", "13.0"), "last_heartbeat_at": T0,
                               "last_error": err})
    store.update_end_user(EU, {"company_file": None})
    # THEN the record shows exactly that
    assert store.get_end_user(EU) == replace(user, qbxml_version="13.0", supported_versions=("12.0", "13.0"),
                                             last_heartbeat_at=T0, last_error=err)


def test_unknown_end_user_has_no_sequence_and_no_update(store: Store) -> None:
    # WHEN a missing end-user is updated or asked for a sequence number / THEN KeyError
    with pytest.raises(KeyError):
        store.next_sequence("eu_nobody")
    with pytest.raises(KeyError):
        store.update_end_user("eu_nobody", {"qbxml_version": "13.0"})


def test_api_keys_by_lookup(store: Store) -> None:
    # GIVEN two keys in one lookup bucket / THEN both are found there, none elsewhere
    keys = [ApiKey(f"k{i}", "abcd1234", f"scrypt$hash{i}", "ci", T0) for i in range(2)]
    for key in keys:
        store.put_api_key(key)
    assert sorted(store.find_api_keys("abcd1234"), key=lambda k: k.key_id) == keys
    assert store.find_api_keys("ffff0000") == []


# Jobs ---------------------------------------------------------------------------------------------------
def test_next_sequence_counts_up(store: Store, user: EndUser) -> None:
    # WHEN sequence numbers are drawn / THEN 1, 2, 3
    assert [store.next_sequence(EU) for _ in range(3)] == [1, 2, 3]


def test_job_round_trip(store: Store, user: EndUser) -> None:
    # GIVEN a job with every kind of field set
    job = new_job(store, deadline_at=T0 + timedelta(minutes=10), idempotency_key="k-1")
    # WHEN it is read by id and by position / THEN it is the same record
    assert store.get_job(job.id) == job
    assert store.get_job_at(EU, job.seq) == job
    assert store.get_job("job_nobody") is None
    assert store.get_job_at(EU, 99) is None


def test_head_of_queue_is_fifo_with_priority(store: Store, user: EndUser) -> None:
    # GIVEN two normal jobs, then a health check
    first, second = new_job(store), new_job(store)
    check = new_job(store, priority=PRIORITY_HEALTH_CHECK)
    # THEN the health check heads the queue, then the rest in order of acceptance
    assert store.count_queued(EU) == 3
    order = []
    while (head := store.head_of_queue(EU)) is not None:
        order.append(head.id)
        store.transition_job(head, JobStatus.IN_FLIGHT, expected=frozenset({JobStatus.QUEUED}))
    assert order == [check.id, first.id, second.id]
    assert store.count_queued(EU) == 0


def test_queues_are_per_end_user(store: Store, user: EndUser) -> None:
    # GIVEN a job for another end-user only / THEN this end-user's queue is empty
    store.put_end_user(end_user("eu_other"))
    new_job(store, end_user_id="eu_other")
    assert store.head_of_queue(EU) is None
    assert store.head_of_queue("eu_other") is not None


def test_transition_applies_changes(store: Store, user: EndUser) -> None:
    # WHEN a queued job is claimed with changes
    job = new_job(store)
    moved = store.transition_job(job, JobStatus.IN_FLIGHT, expected=frozenset({JobStatus.QUEUED}),
                                 changes={"holder": "h1", "started_at": T0, "attempts": 1})
    # THEN the returned job is what is stored
    assert (moved.status, moved.holder, moved.started_at, moved.attempts) == (JobStatus.IN_FLIGHT, "h1", T0, 1)
    assert store.get_job(job.id) == moved
    # AND clearing a field with None removes it
    back = store.transition_job(moved, JobStatus.QUEUED, expected=frozenset({JobStatus.IN_FLIGHT}),
                                holder="h1", changes={"holder": None})
    assert back.holder is None and store.head_of_queue(EU) == back


def test_transition_conflict_carries_the_current_job(store: Store, user: EndUser) -> None:
    # GIVEN a job another holder already moved in flight
    job = new_job(store)
    store.transition_job(job, JobStatus.IN_FLIGHT, expected=frozenset({JobStatus.QUEUED}), changes={"holder": "h1"})
    # WHEN a second claim expects it still queued / THEN StoreConflict with the job as it is now
    with pytest.raises(StoreConflict) as lost:
        store.transition_job(job, JobStatus.IN_FLIGHT, expected=frozenset({JobStatus.QUEUED}),
                             changes={"holder": "h2"})
    assert isinstance(lost.value.current, Job)
    assert (lost.value.current.id, lost.value.current.status, lost.value.current.holder) == (
        job.id, JobStatus.IN_FLIGHT, "h1")
    # AND a move conditioned on the wrong holder conflicts too, changing nothing
    with pytest.raises(StoreConflict):
        store.transition_job(job, JobStatus.QUEUED, expected=frozenset({JobStatus.IN_FLIGHT}), holder="h2")
    assert store.get_job(job.id).holder == "h1"


# The lease -----------------------------------------------------------------------------------------------
def test_lease_acquire_busy_expired_release(store: Store, user: EndUser) -> None:
    later = T0 + timedelta(minutes=10)
    # GIVEN a free lease / WHEN h1 takes it / THEN the lease as it was before is returned: free
    before = store.acquire_lease(EU, "h1", T0, later)
    assert before.holder is None
    job = new_job(store)
    store.set_lease_job(EU, "h1", job)
    # WHEN h2 tries while h1's lease is live / THEN busy, with the current lease
    with pytest.raises(StoreConflict) as busy:
        store.acquire_lease(EU, "h2", T0 + timedelta(minutes=9), later)
    assert busy.value.current.holder == "h1"
    # WHEN h1 renews / THEN it is ours again
    assert store.acquire_lease(EU, "h1", T0 + timedelta(minutes=1), later).holder == "h1"
    store.set_lease_job(EU, "h1", job)
    # WHEN h1's lease expired / THEN h2 takes it and learns which job h1 left behind
    taken = store.acquire_lease(EU, "h2", later + timedelta(seconds=1), later + timedelta(minutes=10))
    assert (taken.holder, taken.job_id, taken.job_seq, taken.expires_at) == ("h1", job.id, job.seq, later)
    lease = store.get_lease(EU)
    assert (lease.holder, lease.job_id) == ("h2", None)
    # AND only the holder can release it
    assert store.release_lease(EU, "h1") is False
    assert store.release_lease(EU, "h2") is True
    assert store.get_lease(EU) is None
    assert store.release_lease(EU, "h2") is False


def test_only_the_holder_notes_a_job_on_the_lease(store: Store, user: EndUser) -> None:
    # GIVEN h2 holds the lease
    job = new_job(store)
    store.acquire_lease(EU, "h2", T0, T0 + timedelta(minutes=10))
    # WHEN h1 tries to note its job on it / THEN StoreConflict, and the lease is unchanged
    with pytest.raises(StoreConflict):
        store.set_lease_job(EU, "h1", job)
    assert store.get_lease(EU).job_id is None


def test_duplicate_records_conflict(store: Store, user: EndUser) -> None:
    # GIVEN an end-user and a job / WHEN either is written again / THEN StoreConflict, nothing overwritten
    job = new_job(store)
    with pytest.raises(StoreConflict):
        store.put_end_user(replace(user, company_name="Impostor"))
    with pytest.raises(StoreConflict):
        store.put_job(replace(job, id="job_impostor"))
    assert store.get_end_user(EU) == user
    assert store.get_job_at(EU, job.seq) == job


@pytest.mark.race
def test_concurrent_acquires_have_one_winner(atomic_store: Store) -> None:
    store = atomic_store
    store.put_end_user(end_user())
    # GIVEN eight sessions released at the same instant
    start = threading.Barrier(8)

    def acquire(holder: str) -> bool:
        start.wait()
        try:
            store.acquire_lease(EU, holder, T0, T0 + timedelta(minutes=10))
        except StoreConflict:
            return False
        return True

    # WHEN they all try to take the company file's lease
    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(acquire, [f"h{i}" for i in range(8)]))
    # THEN exactly one holds it
    assert won.count(True) == 1
    assert store.get_lease(EU).holder == f"h{won.index(True)}"


@pytest.mark.race
def test_concurrent_claims_put_one_job_in_flight(atomic_store: Store) -> None:
    store = atomic_store
    store.put_end_user(end_user())
    # GIVEN three queued jobs and eight Lambdas, each with its own queue object (no shared memory)
    for _ in range(3):
        new_job(store)
    start = threading.Barrier(8)

    def claim(holder: str) -> Job | None:
        queue = JobQueue(store, _NoPublisher(), SchemaCatalog(None), lambda: T0,
                         lease_ttl=timedelta(minutes=10), max_job_bytes=256_000)
        start.wait()
        return queue.claim_next(EU, holder)

    # WHEN they all claim at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        claimed = [job for job in pool.map(claim, [f"h{i}" for i in range(8)]) if job is not None]
    # THEN one got the head of the queue, and exactly one job is in flight
    assert [job.seq for job in claimed] == [1]
    in_flight = [store.get_job_at(EU, seq) for seq in (1, 2, 3)]
    assert [job.status for job in in_flight] == [JobStatus.IN_FLIGHT, JobStatus.QUEUED, JobStatus.QUEUED]


class _NoPublisher:
    def publish(self, message: Any) -> None:
        raise AssertionError("claiming never publishes")


# Sessions, idempotency, outbox -------------------------------------------------------------------------------
def test_sessions(store: Store, user: EndUser) -> None:
    # GIVEN a session / WHEN it is updated / THEN the store shows the update
    session = QbwcSession(ticket_hash="a" * 64, end_user_id=EU, created_at=T0, expires_at=T0 + timedelta(hours=1),
                          last_activity_at=T0)
    store.put_session(session)
    assert store.get_session("a" * 64) == session
    store.update_session("a" * 64, {"state": "awaiting_response", "in_flight_job_id": "job_1", "in_flight_seq": 1})
    store.update_session("a" * 64, {"in_flight_job_id": None, "jobs_done": 1})
    assert store.get_session("a" * 64) == replace(session, state="awaiting_response", in_flight_seq=1, jobs_done=1)
    assert store.get_session("b" * 64) is None


def test_idempotency_keys(store: Store, user: EndUser) -> None:
    # WHEN a key is claimed, then claimed again / THEN the second claim returns the first owner
    expires = T0 + timedelta(hours=24)
    assert store.claim_idempotency_key(EU, "k", "job_1", "hash-1", expires) is None
    assert store.claim_idempotency_key(EU, "k", "job_2", "hash-2", expires) == ("job_1", "hash-1")
    # AND keys are per end-user
    assert store.claim_idempotency_key("eu_other", "k", "job_3", "hash-3", expires) is None


def test_job_is_found_by_id_next_to_its_idempotency_key(store: Store, user: EndUser) -> None:
    # GIVEN a key claimed for a job id, and the job written under it
    store.claim_idempotency_key(EU, "k", "job_eu_contract_0001", "h", T0 + timedelta(hours=1))
    job = new_job(store, idempotency_key="k")
    # THEN looking the job up by id finds the job, not the key
    assert store.get_job(job.id) == job


def test_outbox_lists_unpublished_results_oldest_first(store: Store, user: EndUser) -> None:
    # GIVEN three finished jobs (completed 1, 2, 3 minutes after T0) and one still queued
    jobs = [new_job(store) for _ in range(4)]
    for minutes, job in zip((3, 1, 2), jobs[:3], strict=True):
        running = store.transition_job(job, JobStatus.IN_FLIGHT, expected=frozenset({JobStatus.QUEUED}))
        store.transition_job(running, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.IN_FLIGHT}),
                             changes={"completed_at": T0 + timedelta(minutes=minutes), "response_qbxml": "<QBXML/>"})
    # THEN the outbox lists the finished ones completed before the cut-off, oldest first
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=10))] == [jobs[1].id, jobs[2].id, jobs[0].id]
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=2))] == [jobs[1].id]
    # WHEN one is marked published / THEN it leaves the outbox
    store.mark_published(jobs[1], T0 + timedelta(minutes=5))
    assert store.get_job(jobs[1].id).published_at == T0 + timedelta(minutes=5)
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=10))] == [jobs[2].id, jobs[0].id]


def test_activity_stats_count_leases_stuck_leases_and_open_sessions(store: Store, user: EndUser) -> None:
    # GIVEN two company files with a job in flight, one of them past its lease, and two sessions, one closed
    store.put_end_user(end_user("eu_other"))
    store.acquire_lease(EU, "h1", T0, T0 + timedelta(minutes=10))
    store.acquire_lease("eu_other", "h2", T0, T0 + timedelta(minutes=1))
    for ticket in ("t-open", "t-closed"):
        store.put_session(QbwcSession(ticket_hash=ticket, end_user_id=EU, created_at=T0,
                                      expires_at=T0 + timedelta(hours=1), last_activity_at=T0))
    store.update_session("t-closed", {"state": "closed"})
    # WHEN measured five minutes later
    in_flight, stuck, sessions = store.activity_stats(T0 + timedelta(minutes=5))
    # THEN two in flight, one stuck, one open session; a released lease no longer counts
    assert (in_flight, stuck, sessions) == (2, 1, 1)
    store.release_lease("eu_other", "h2")
    assert store.activity_stats(T0 + timedelta(minutes=5)) == (1, 0, 1)
