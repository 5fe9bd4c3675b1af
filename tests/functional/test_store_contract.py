"""One contract, three stores: the in-memory twin, DynamoDB on moto (server mode) and on dynalite.

The same tests run against each, so the twin the unit tests rely on cannot drift from the adapter,
and the adapter is exercised on an independent DynamoDB implementation with atomic conditional writes.
Each DynamoDB test gets its own table, created from ``infra/template.json``.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.jobs.models import NEXT, PRIORITY_HEALTH_CHECK, SENT, ApiKey, EndUser, HandOut, InFlight, Job, Lease
from chalicelib.jobs.ports import Store, StoreConflict
from chalicelib.jobs.security import new_id
from chalicelib.jobs.states import JobStatus
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
    seq, _ = store.next_sequence(end_user_id)
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


def test_refused_logins_are_counted_and_an_update_resets_them(store: Store, user: EndUser) -> None:
    # WHEN three refused logins are counted THEN the count comes back each time and the time is the last one
    assert [store.count_login_failure(user.id, T0 + timedelta(seconds=i)) for i in range(3)] == [1, 2, 3]
    stored = store.get_end_user(user.id)
    assert stored is not None and (stored.login_failures, stored.login_failed_at) == (3, T0 + timedelta(seconds=2))
    # AND a reset clears them; an unknown end-user is a KeyError
    store.update_end_user(user.id, {"login_failures": 0, "login_failed_at": None})
    stored = store.get_end_user(user.id)
    assert stored is not None and (stored.login_failures, stored.login_failed_at) == (0, None)
    with pytest.raises(KeyError):
        store.count_login_failure("eu_nobody", T0)


def test_concurrent_refused_logins_all_count(atomic_store: Store) -> None:
    atomic_store.put_end_user(end_user())
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(lambda i: atomic_store.count_login_failure(EU, T0), range(16)))
    assert counts == list(range(1, 17))


def test_api_keys_by_lookup(store: Store) -> None:
    # GIVEN two keys in one lookup bucket / THEN both are found there, none elsewhere
    keys = [ApiKey(f"k{i}", "abcd1234", f"scrypt$hash{i}", "ci", T0) for i in range(2)]
    for key in keys:
        store.put_api_key(key)
    assert sorted(store.find_api_keys("abcd1234"), key=lambda k: k.key_id) == keys
    assert store.find_api_keys("ffff0000") == []


# Jobs ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("store", ["moto", "dynalite"], indirect=True)
def test_a_job_is_read_by_its_id_with_one_consistent_get_item_not_through_the_index(store: Store,
                                                                                    user: EndUser) -> None:
    # GIVEN a job whose id carries its key (as the queue makes them), and one with a random id (older jobs)
    assert isinstance(store, DynamoStore)
    carried = new_job(store)
    seq, _ = store.next_sequence(user.id)
    legacy = dataclasses.replace(carried, id=new_id("job"), seq=seq)
    store.put_job(legacy)
    calls: list[tuple[str, dict[str, Any]]] = []
    store.client.meta.events.register("before-parameter-build.dynamodb.*", lambda model, params, **_: calls.append(
        (model.name, dict(params))))
    # WHEN each is read by its id, right after it was written
    assert store.get_job(carried.id) == carried
    carried_calls, calls[:] = list(calls), []
    assert store.get_job(legacy.id) == legacy
    # THEN the first is one strongly consistent GetItem, never the (eventually consistent) index
    assert [(name, params.get("ConsistentRead")) for name, params in carried_calls] == [("GetItem", True)]
    assert [name for name, _ in calls] == ["Query", "GetItem"]
    # AND an id naming a slot that holds another job is not that job
    assert store.get_job(f"job_{user.id}_{legacy.seq}") is None
    # AND an end-user is read the same way: one strongly consistent GetItem
    calls[:] = []
    assert store.get_end_user(user.id) is not None
    assert [(name, params.get("ConsistentRead")) for name, params in calls] == [("GetItem", True)]


def test_next_sequence_counts_up_and_returns_the_end_user(store: Store, user: EndUser) -> None:
    # WHEN sequence numbers are drawn / THEN 1, 2, 3, each with the end-user (one write proves it exists)
    drawn = [store.next_sequence(EU) for _ in range(3)]
    assert [seq for seq, _ in drawn] == [1, 2, 3]
    assert all(profile.id == EU and profile.company_name == user.company_name for _, profile in drawn)


def test_job_round_trip(store: Store, user: EndUser) -> None:
    # GIVEN a job with every kind of field set
    job = new_job(store, deadline_at=T0 + timedelta(minutes=10), idempotency_key="k-1")
    # WHEN it is read by id and by position / THEN it is the same record
    assert store.get_job(job.id) == job
    assert store.get_job_at(EU, job.seq) == job
    assert store.get_job("job_nobody") is None
    assert store.get_job_at(EU, 99) is None


def test_one_read_gives_the_end_user_the_lease_and_the_head_fifo_with_priority(store: Store, user: EndUser) -> None:
    # GIVEN two normal jobs, then a health check, and a lease
    first, second = new_job(store), new_job(store)
    check = new_job(store, priority=PRIORITY_HEALTH_CHECK)
    lease = take(store, "h1")
    # WHEN the file is read / THEN the end-user, its lease and the queue: the health check first, then FIFO
    view = store.read_file(EU, jobs=3)
    assert view.user == replace(user) and view.next_seq == 3
    assert view.lease == lease
    assert [j.id for j in view.jobs] == [check.id, first.id, second.id]
    # AND finished jobs leave the queue
    for job in view.jobs:
        store.transition_job(job, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}))
    assert store.read_file(EU, jobs=3).jobs == ()


def test_queues_are_per_end_user(store: Store, user: EndUser) -> None:
    # GIVEN a job for another end-user only / THEN this end-user's queue is empty
    store.put_end_user(end_user("eu_other"))
    new_job(store, end_user_id="eu_other")
    assert store.read_file(EU).head is None
    assert store.read_file("eu_other").head is not None
    assert store.read_file("eu_nobody").user is None


def test_transition_applies_changes_and_checks_the_attempt(store: Store, user: EndUser) -> None:
    # WHEN a queued job's first attempt is answered
    job = new_job(store)
    done = store.transition_job(job, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
                                changes={"started_at": T0, "attempts": 1, "response_qbxml": "<QBXML/>"})
    # THEN the returned job is what is stored
    assert (done.status, done.started_at, done.attempts) == (JobStatus.SUCCEEDED, T0, 1)
    assert store.get_job(job.id) == done
    # AND an answer to an attempt that is not the current one conflicts, with the job as it is now
    other = new_job(store)
    store.transition_job(other, JobStatus.QUEUED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
                         changes={"attempts": 1})
    with pytest.raises(StoreConflict) as lost:
        store.transition_job(other, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0)
    assert isinstance(lost.value.current, Job) and lost.value.current.attempts == 1
    # AND clearing a field with None removes it
    doubted = store.transition_job(other, JobStatus.IN_DOUBT, expected=frozenset({JobStatus.QUEUED}),
                                   changes={"doubt_message_set_id": "abc.1", "error": {"code": "x"}})
    back = store.transition_job(doubted, JobStatus.QUEUED, expected=frozenset({JobStatus.IN_DOUBT}),
                                changes={"error": None})
    assert back.error is None and back.doubt_message_set_id == "abc.1"


def test_an_in_doubt_write_heads_the_queue(store: Store, user: EndUser) -> None:
    # GIVEN a health check and a write, and the write becomes in doubt
    write = new_job(store)
    new_job(store, priority=PRIORITY_HEALTH_CHECK)
    store.transition_job(write, JobStatus.IN_DOUBT, expected=frozenset({JobStatus.QUEUED}))
    # THEN the write comes before everything else
    assert store.read_file(EU).head.id == write.id


def take(store: Store, holder: str, at: datetime = T0, ttl: timedelta = timedelta(minutes=10)) -> Lease:
    return store.take_lease(EU, holder, now=at, expires_at=at + ttl, stale_before=at - timedelta(seconds=90),
                            session={"created_at": at, "state": "ready"})


def pointer_to(job: Job, lease: Lease) -> InFlight:
    return InFlight(seq=job.seq, job_id=job.id, is_write=job.is_write, attempt=job.attempts + 1,
                    message_set_id="abcdefghijklmnop.1", epoch=lease.epoch, phase=SENT, sent_at=T0)


# The lease -----------------------------------------------------------------------------------------------
def test_take_busy_expired_release(store: Store, user: EndUser) -> None:
    # GIVEN a free file / WHEN h1 takes it / THEN it holds epoch 1
    lease = take(store, "h1")
    assert (lease.holder, lease.epoch, lease.pointer) == ("h1", 1, None)
    job = new_job(store)
    lease = store.update_lease(lease, {"jobs_sent": 1}, pointer=pointer_to(job, lease), expect_seq=None)
    # WHEN h2 tries while h1's lease is live, even long after h1's last call (a job is out) / THEN busy
    with pytest.raises(StoreConflict) as busy:
        take(store, "h2", T0 + timedelta(minutes=9))
    assert busy.value.current.holder == "h1"
    # WHEN h1's lease expired / THEN h2 takes it, at the next epoch, and the pointer is kept
    taken = take(store, "h2", T0 + timedelta(minutes=10, seconds=1))
    assert (taken.holder, taken.epoch, taken.pointer) == ("h2", 2, lease.pointer)
    # AND the old holder can change nothing any more
    with pytest.raises(StoreConflict):
        store.update_lease(lease, {"jobs_sent": 2})
    assert store.release_lease(lease, due=T0) is False
    # AND the new holder releases it, the pointer staying for the sweeper
    assert store.release_lease(taken, due=T0 + timedelta(minutes=11)) is True
    released = store.get_lease(EU)
    assert (released.holder, released.epoch, released.pointer, released.last_holder) == (None, 2, lease.pointer, "h2")
    assert [found.end_user_id for found in store.leases_due(T0 + timedelta(minutes=12))] == [EU]
    assert store.release_lease(taken, due=T0) is False


def test_a_stale_holder_with_nothing_out_may_be_taken_over_early(store: Store, user: EndUser) -> None:
    # GIVEN h1 holds the file with nothing in QuickBooks and made its last call at T0
    take(store, "h1")
    # WHEN h2 authenticates 60 s later / THEN busy (h1 may still be polling)
    with pytest.raises(StoreConflict):
        take(store, "h2", T0 + timedelta(seconds=60))
    # WHEN 91 s later / THEN h2 takes it over (the stale rule), before the lease expired
    assert take(store, "h2", T0 + timedelta(seconds=91)).holder == "h2"


def test_a_closing_request_in_quickbooks_keeps_a_stale_holder_from_a_takeover(store: Store, user: EndUser) -> None:
    # GIVEN h1 holds the file, nothing pointed at, its closing request handed out at T0
    lease = store.update_lease(take(store, "h1"), {"closing_sent_at": T0})
    assert lease.closing_sent_at == T0
    # WHEN h2 authenticates 91 s later / THEN busy: the closing request is in QuickBooks
    with pytest.raises(StoreConflict):
        take(store, "h2", T0 + timedelta(seconds=91))
    # WHEN its answer came (the mark cleared) / THEN the stale rule applies again, and a new session starts unmarked
    store.update_lease(lease, {"closing_sent_at": None})
    taken = take(store, "h2", T0 + timedelta(seconds=91))
    assert (taken.holder, taken.closing_sent_at) == ("h2", None)


def test_the_pointer_is_changed_only_as_expected(store: Store, user: EndUser) -> None:
    # GIVEN h1 holds the file with job 1 pointed at
    lease = take(store, "h1")
    first, second = new_job(store), new_job(store)
    lease = store.update_lease(lease, {}, pointer=pointer_to(first, lease), expect_seq=None)
    # WHEN a write expects no pointer, or another job / THEN StoreConflict and nothing changes
    with pytest.raises(StoreConflict):
        store.update_lease(lease, {}, pointer=pointer_to(second, lease), expect_seq=None)
    with pytest.raises(StoreConflict):
        store.update_lease(lease, {}, pointer=pointer_to(second, lease), expect_seq=second.seq)
    assert store.get_lease(EU).pointer.seq == first.seq
    # WHEN it expects job 1 / THEN the pointer moves on, and can be cleared
    lease = store.update_lease(lease, {"jobs_sent": 2}, pointer=pointer_to(second, lease), expect_seq=first.seq)
    assert (lease.pointer.seq, lease.jobs_sent) == (second.seq, 2)
    assert store.update_lease(lease, {}, pointer=None, expect_seq=second.seq).pointer is None


def _answered_and_next(store: Store) -> tuple[Lease, Job, Job, HandOut]:
    """GIVEN h1 holds the file with job 1 sent, job 2 queued, and job 1's answer handing out job 2."""
    lease = take(store, "h1")
    first, second = new_job(store), new_job(store)
    lease = store.update_lease(lease, {}, pointer=pointer_to(first, lease), expect_seq=None)
    nxt = replace(pointer_to(second, lease), phase=NEXT, message_set_id=None, previous_seq=first.seq)
    return lease, first, second, HandOut(lease, {"jobs_sent": 2, "expires_at": T0 + timedelta(minutes=20)}, nxt)


def test_an_answer_settles_its_job_and_hands_out_the_next_in_one_write(
        store: Store, user: EndUser, request: pytest.FixtureRequest) -> None:
    _lease, first, second, hand_out = _answered_and_next(store)
    # WHEN job 1's answer is stored with job 2 handed out
    done, new_lease = store.settle_and_hand_out(
        first, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
        changes={"attempts": 1, "response_qbxml": "<CustomerQueryRs/>", "completed_at": T0}, hand_out=hand_out)
    # THEN both items changed: job 1 settled (and out of the queue), the lease points at job 2, NEXT
    assert (done.status, done.attempts, done.response_qbxml) == (JobStatus.SUCCEEDED, 1, "<CustomerQueryRs/>")
    assert store.get_job_at(EU, first.seq) == done
    stored = store.get_lease(EU)
    assert new_lease == stored
    assert (stored.pointer, stored.jobs_sent, stored.expires_at) == (hand_out.pointer, 2, T0 + timedelta(minutes=20))
    assert [j.seq for j in store.read_file(EU, jobs=2).jobs] == [second.seq]
    # AND on DynamoDB it was one TransactWriteItems; dynalite has none: two writes, the job's first
    if isinstance(store, DynamoStore):
        assert store.transactions is (request.node.callspec.params["store"] == "moto")


def test_an_answer_that_comes_late_changes_nothing(store: Store, user: EndUser) -> None:
    lease, first, _second, hand_out = _answered_and_next(store)
    # GIVEN job 1 was settled meanwhile (another answer)
    store.transition_job(first, JobStatus.FAILED, expected=frozenset({JobStatus.QUEUED}))
    # WHEN the late answer tries to settle it and hand out job 2 / THEN a conflict with the job as it is
    with pytest.raises(StoreConflict) as raised:
        store.settle_and_hand_out(first, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
                                  changes={"attempts": 1}, hand_out=hand_out)
    assert isinstance(raised.value.current, Job) and raised.value.current.status is JobStatus.FAILED
    # AND the lease still points at job 1: nothing was handed out
    assert store.get_lease(EU).pointer == lease.pointer


def test_an_answer_after_the_file_was_taken_over_settles_its_job_and_hands_out_nothing(
        store: Store, user: EndUser) -> None:
    _lease, first, _second, hand_out = _answered_and_next(store)
    # GIVEN the lease expired and h2 took the file over (a new epoch)
    taken = take(store, "h2", at=T0 + timedelta(minutes=11))
    # WHEN h1's answer arrives / THEN it is the truth about job 1, but nothing is handed out
    done, new_lease = store.settle_and_hand_out(
        first, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
        changes={"attempts": 1}, hand_out=hand_out)
    assert new_lease is None
    assert store.get_job_at(EU, first.seq) == done and done.status is JobStatus.SUCCEEDED
    assert store.get_lease(EU) == taken


def test_duplicate_records_conflict(store: Store, user: EndUser) -> None:
    # GIVEN an end-user and a job / WHEN either is written again / THEN StoreConflict, nothing overwritten
    job = new_job(store)
    with pytest.raises(StoreConflict):
        store.put_end_user(replace(user, company_name="Impostor"))
    with pytest.raises(StoreConflict):
        store.put_job(replace(job, id="job_impostor"))
    assert store.get_end_user(EU) == user
    assert store.get_job_at(EU, job.seq) == job


def test_a_tombstone_voids_a_slot(store: Store, user: EndUser) -> None:
    # GIVEN a slot with a job, and an empty one
    job = new_job(store)
    # WHEN both are voided / THEN the job's slot keeps its job; the empty one can no longer take a job
    assert store.put_tombstone(EU, job.seq) == job
    assert store.put_tombstone(EU, 7) is None
    with pytest.raises(StoreConflict):
        store.put_job(replace(job, seq=7, id="job_late"))
    assert store.get_job_at(EU, 7) is None


@pytest.mark.race
def test_concurrent_takeovers_have_one_winner(atomic_store: Store) -> None:
    store = atomic_store
    store.put_end_user(end_user())
    # GIVEN eight sessions released at the same instant
    start = threading.Barrier(8)

    def attempt(holder: str) -> bool:
        start.wait()
        try:
            take(store, holder)
        except StoreConflict:
            return False
        return True

    # WHEN they all try to take the company file
    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(attempt, [f"h{i}" for i in range(8)]))
    # THEN exactly one holds it, at epoch 1
    assert won.count(True) == 1
    lease = store.get_lease(EU)
    assert (lease.holder, lease.epoch) == (f"h{won.index(True)}", 1)


@pytest.mark.race
def test_concurrent_pointer_writes_hand_out_one_job(atomic_store: Store) -> None:
    store = atomic_store
    store.put_end_user(end_user())
    # GIVEN a holder and three queued jobs, and eight Lambdas of that session racing (a replayed call)
    lease = take(store, "h1")
    jobs = [new_job(store) for _ in range(3)]
    start = threading.Barrier(8)

    def claim(index: int) -> int | None:
        start.wait()
        try:
            won = store.update_lease(lease, {}, pointer=pointer_to(jobs[index % 3], lease), expect_seq=None)
        except StoreConflict:
            return None
        return won.pointer.seq if won.pointer else None

    # WHEN they all hand out a job at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        claimed = [seq for seq in pool.map(claim, range(8)) if seq is not None]
    # THEN exactly one write won, and the lease points at its job
    assert len(claimed) == 1
    assert store.get_lease(EU).pointer.seq == claimed[0]


# Idempotency, outbox, gauges ----------------------------------------------------------------------------------
def test_idempotency_records_claim_and_move(store: Store, user: EndUser) -> None:
    # WHEN a key is claimed, then claimed again / THEN the second claim returns the first owner
    expires = T0 + timedelta(hours=24)
    assert store.claim_idempotency_record(f"{EU}#job", "k", "1", "hash-1", expires, now=T0) is None
    held = store.claim_idempotency_record(f"{EU}#job", "k", "2", "hash-2", expires, now=T0)
    assert held is not None and (held.target_id, held.body_hash) == ("1", "hash-1")
    # AND it moves only from where it is
    assert store.move_idempotency_record(f"{EU}#job", "k", "2", "3") is False
    assert store.move_idempotency_record(f"{EU}#job", "k", "1", "3") is True
    again = store.claim_idempotency_record(f"{EU}#job", "k", "4", "hash-1", expires, now=T0)
    assert again is not None and again.target_id == "3"


def test_outbox_lists_unpublished_results_oldest_first(store: Store, user: EndUser) -> None:
    # GIVEN three jobs finished through the outbox (completed 3, 1, 2 minutes after T0), one without it
    jobs = [new_job(store) for _ in range(4)]
    for minutes, job in zip((3, 1, 2), jobs[:3], strict=True):
        store.transition_job(job, JobStatus.EXPIRED, expected=frozenset({JobStatus.QUEUED}), outbox=True,
                             changes={"completed_at": T0 + timedelta(minutes=minutes)})
    store.transition_job(jobs[3], JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}),
                         changes={"completed_at": T0})
    # THEN the outbox lists those completed before the cut-off, oldest first
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=10))] == [jobs[1].id, jobs[2].id, jobs[0].id]
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=2))] == [jobs[1].id]
    # WHEN one is marked published / THEN it leaves the outbox
    store.mark_published(jobs[1], T0 + timedelta(minutes=5))
    assert store.get_job(jobs[1].id).published_at == T0 + timedelta(minutes=5)
    assert [j.id for j in store.unpublished(T0 + timedelta(minutes=10))] == [jobs[2].id, jobs[0].id]


def test_activity_stats_count_pointers_stuck_ones_and_open_sessions(store: Store, user: EndUser) -> None:
    # GIVEN two company files with a job pointed at, one of them past its lease
    store.put_end_user(end_user("eu_other"))
    mine = take(store, "h1")
    store.update_lease(mine, {}, pointer=pointer_to(new_job(store), mine), expect_seq=None)
    other = store.take_lease("eu_other", "h2", now=T0, expires_at=T0 + timedelta(minutes=1),
                             stale_before=T0, session={"created_at": T0})
    store.update_lease(other, {}, pointer=pointer_to(new_job(store, end_user_id="eu_other"), other), expect_seq=None)
    # WHEN measured five minutes later / THEN two in flight, one stuck, one live session
    assert store.activity_stats(T0 + timedelta(minutes=5)) == (2, 1, 1)


def test_a_session_takes_the_file_over_from_the_sweeper(store: Store, user: EndUser) -> None:
    # GIVEN the sweeper holds the file (repairing what a session left behind)
    sweeper = store.take_lease(EU, "sweeper:sw_1", now=T0, expires_at=T0 + timedelta(seconds=60),
                               stale_before=T0 - timedelta(seconds=90), session={"created_at": T0})
    # WHEN a Web Connector authenticates at that moment / THEN it gets the file, at the next epoch
    session = take(store, "h1", T0 + timedelta(seconds=1))
    assert (session.holder, session.epoch) == ("h1", sweeper.epoch + 1)
    # AND the sweeper's later writes are fenced off
    with pytest.raises(StoreConflict):
        store.update_lease(sweeper, {}, pointer=None)
    assert store.release_lease(sweeper, due=T0) is False


def test_the_sweeper_leaves_the_last_sessions_error_readable(store: Store, user: EndUser) -> None:
    # GIVEN a session that ended with an error text and left a pointer behind
    lease = take(store, "h1")
    job = new_job(store)
    lease = store.update_lease(lease, {"last_error_text": "QuickBooks is showing a dialog"},
                               pointer=pointer_to(job, lease), expect_seq=None)
    store.release_lease(lease, due=T0)
    # WHEN the sweeper takes the file and gives it back
    sweeper = store.take_lease(EU, "sweeper:sw_1", now=T0, expires_at=T0 + timedelta(seconds=60),
                               stale_before=T0 - timedelta(seconds=90), session={"state": "sweeping"})
    assert sweeper.last_error_text == "QuickBooks is showing a dialog"
    store.release_lease(sweeper, due=T0)
    # THEN the last session's ticket can still read what its session ended with
    after = store.get_lease(EU)
    assert (after.last_holder, after.last_error_text) == ("h1", "QuickBooks is showing a dialog")


def test_a_file_the_sweeper_repaired_leaves_its_list(store: Store, user: EndUser) -> None:
    # GIVEN a session that answered its job and ended, its pointer left behind (the hot path's cover)
    from chalicelib.jobs.dispatch import Dispatcher
    from chalicelib.jobs.queue import JobQueue
    from chalicelib.qbxml import SchemaCatalog

    class Sent:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        def publish(self, message: Any) -> None:
            self.messages.append(message)

    lease = take(store, "h1")
    job = new_job(store)
    lease = store.update_lease(lease, {}, pointer=pointer_to(job, lease), expect_seq=None)
    store.transition_job(job, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), attempts=0,
                         changes={"attempts": 1, "completed_at": T0})
    store.release_lease(lease, due=T0)
    sent = Sent()
    queue = JobQueue(store, sent, SchemaCatalog(None), lambda: T0 + timedelta(seconds=5),
                     lease_ttl=timedelta(minutes=10), max_job_bytes=256_000)
    dispatcher = Dispatcher(store, queue, lambda: T0 + timedelta(seconds=5), lease_ttl=timedelta(minutes=10))
    # WHEN the sweeper runs / THEN it re-publishes the result and clears the pointer
    assert dispatcher.sweep() == 1
    assert [m["job_id"] for m in sent.messages] == [job.id]
    assert store.get_lease(EU).pointer is None
    # AND the file is off its list: nothing in flight, nothing stuck, nothing left to sweep
    assert store.leases_due(T0 + timedelta(minutes=1)) == []
    assert store.activity_stats(T0 + timedelta(minutes=1)) == (0, 0, 0)


@pytest.mark.parametrize("backend", ["moto", "dynalite"])
def test_a_job_enqueued_through_the_sdk_has_a_deadline_and_counts_in_the_gauges(
        backend: str, request: pytest.FixtureRequest) -> None:
    # Finding 8: jobs enqueued through chalicelib.sdk got no deadline, so the deadline-indexed gauges missed them.
    from chalicelib.config import Settings
    from chalicelib.sdk import enqueue_job

    server = request.getfixturevalue("moto_server" if backend == "moto" else "dynalite")
    client = aws_client("dynamodb", server.endpoint)
    outputs = provision(f"s{uuid.uuid4().hex[:12]}", dynamodb=client, sqs=None)
    try:
        store = DynamoStore(client, outputs.table_name)
        store.put_end_user(end_user())
        # WHEN a SaaS enqueues a job with the SDK, without a deadline of its own
        job = enqueue_job(EU, "<CustomerQueryRq><MaxReturned>5</MaxReturned></CustomerQueryRq>",
                          table_name=outputs.table_name, dynamodb_client=client)
        # THEN it carries the gateway's default deadline, and the queue gauges see it
        stored = store.get_job_at(EU, 1)
        assert stored is not None and stored.id == job["id"] and stored.deadline_at is not None
        assert stored.deadline_at - stored.enqueued_at == timedelta(seconds=Settings.default_deadline_seconds)
        depth, oldest = store.queue_stats(stored.enqueued_at)
        assert (depth, oldest) == (1, stored.enqueued_at)
    finally:
        client.delete_table(TableName=outputs.table_name)
