"""One feed-store contract, three stores: the in-memory twin, DynamoDB on moto and on dynalite.

The same tests run against :class:`MemoryFeedStore` and :class:`DynamoFeedStore`, so the twin the unit tests
and benchmarks rely on cannot drift from the adapter. Each DynamoDB test gets its own table, provisioned from
``infra/template.json`` by the job store's contract fixtures (``_stores``); the job store over the same table
(or the memory job store beside the memory twin) shows that subscriptions stay out of the jobs' way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest

from chalicelib.feed.models import DELETED_LIST, FeedStore, Mark, Seen, Subscription
from chalicelib.jobs.ports import Store, StoreConflict
from chalicelib.jobs.states import JobStatus
from chalicelib.store.dynamo_base import bucket_of
from chalicelib.store.dynamo_feed import DynamoFeedStore
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.items import dump_value
from chalicelib.store.memory_feed import MemoryFeedStore
from tests.functional.test_store_contract import T0, _stores, end_user, new_job

EU = "eu_feed"
EUS = ("eu_a", "eu_b", "eu_c", "eu_f")  # four end-users in four buckets of the due index
EASTERN, TOKYO = timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))  # UTC-5, UTC+9


@pytest.fixture(params=["memory", "moto", "dynalite"])
def both(request: pytest.FixtureRequest) -> Iterator[tuple[Store, FeedStore]]:
    """The job store and, over the same table (or beside it, in memory), the feed store."""
    for store in _stores(request):
        feeds = DynamoFeedStore(store.client, store.table) if isinstance(store, DynamoStore) else MemoryFeedStore()
        yield store, feeds


@pytest.fixture
def feeds(both: tuple[Store, FeedStore]) -> FeedStore:
    return both[1]


def subscription(subscription_id: str = "fsub_1", end_user_id: str = EU, **changes: Any) -> Subscription:
    fields: dict[str, Any] = {"object_types": ("customers", "invoices"), "interval_seconds": 3600, "start": "now",
                              "created_at": T0, "next_run_at": T0, **changes}
    return Subscription(id=subscription_id, end_user_id=end_user_id, **fields)


MARK = Mark(at="2024-03-04T01:30:00-08:00", recent=(Seen("80000001-1", "1709544600", "2024-03-04T01:30:00-08:00"),),
            pending_run=3, pending=(Seen("80000002-1", "deleted", "2024-03-04T01:31:00-08:00"),), done_run=2)


# Create, read, list, delete ------------------------------------------------------------------------------
def test_put_get_list_delete(feeds: FeedStore) -> None:
    # GIVEN two subscriptions of one end-user (put out of id order) and one of another
    second, first = subscription("fsub_2"), subscription("fsub_1", start="full", interval_seconds=300)
    other = subscription("fsub_3", end_user_id="eu_other")
    for record in (second, first, other):
        feeds.put_subscription(record)
    # THEN each reads back as written; the end-user's list is theirs only, sorted by id
    assert [feeds.get_subscription(EU, i) for i in ("fsub_1", "fsub_2", "fsub_3")] == [first, second, None]
    assert feeds.list_subscriptions(EU) == [first, second]
    assert feeds.list_subscriptions("eu_other") == [other] and feeds.list_subscriptions("eu_nobody") == []
    # WHEN one is deleted / THEN deleting says whether there was one, and it is gone from reads and the list
    assert (feeds.delete_subscription(EU, "fsub_1"), feeds.delete_subscription(EU, "fsub_1")) == (True, False)
    assert feeds.get_subscription(EU, "fsub_1") is None and feeds.list_subscriptions(EU) == [second]
    assert feeds.delete_subscription("eu_other", "fsub_2") is False  # another end-user's id is not theirs


def test_every_field_round_trips_with_its_type(feeds: FeedStore) -> None:
    # GIVEN a subscription with every field set, its times in different offsets
    record = subscription(run=4, running=("job_a", "job_b"), marks={"customers": MARK.to_dict(), DELETED_LIST: {}},
                          created_at=T0.astimezone(EASTERN), next_run_at=T0 + timedelta(hours=1),
                          last_run_at=(T0 + timedelta(minutes=5)).astimezone(TOKYO),
                          last_error={"code": "expired", "object_type": "invoices", "attempts": 2, "detail": None})
    assert all(getattr(record, f.name) is not None for f in fields(Subscription))  # a new field: add it here
    feeds.put_subscription(record)
    stored = feeds.get_subscription(EU, record.id)
    # THEN field for field, tuples as tuples, times aware, equal and in the offset they were given
    assert stored == record and stored is not None
    assert (type(stored.object_types), type(stored.running), type(stored.run)) == (tuple, tuple, int)
    assert all(t is not None and t.tzinfo is not None for t in (stored.created_at, stored.next_run_at,
                                                                stored.last_run_at))
    assert stored.created_at.utcoffset() == timedelta(hours=-5)
    assert stored.mark("customers") == MARK and stored.mark(DELETED_LIST) == Mark()


def test_a_second_put_is_refused_and_changes_nothing(feeds: FeedStore) -> None:
    # GIVEN a subscription / WHEN another record is put under its id
    feeds.put_subscription(subscription())
    with pytest.raises(StoreConflict) as caught:
        feeds.put_subscription(subscription(object_types=("bills",), next_run_at=T0 - timedelta(days=1)))
    # THEN the conflict carries the stored one, which is untouched (and not moved in the due index)
    assert caught.value.current == subscription() == feeds.get_subscription(EU, "fsub_1")
    assert feeds.due_subscriptions(T0 - timedelta(hours=1)) == []
    # AND the same id under another end-user is another subscription
    feeds.put_subscription(subscription(end_user_id="eu_other"))
    assert feeds.get_subscription("eu_other", "fsub_1") == subscription(end_user_id="eu_other")


def test_what_a_caller_holds_is_not_what_is_stored(feeds: FeedStore) -> None:
    # GIVEN a subscription put, and read back
    record = subscription(marks={"customers": MARK.to_dict()})
    feeds.put_subscription(record)
    read = feeds.get_subscription(EU, record.id)
    assert read is not None
    # WHEN the caller changes the marks it holds (the record put, the record read)
    record.marks["bills"] = Mark(done_run=9).to_dict()
    read.marks["customers"]["done_run"] = 9
    # THEN the stored subscription is as it was put
    assert feeds.get_subscription(EU, record.id) == subscription(marks={"customers": MARK.to_dict()})


# Updates ---------------------------------------------------------------------------------------------
def test_update_applies_changes_and_answers_what_is_stored(feeds: FeedStore) -> None:
    # GIVEN a subscription with an error noted
    feeds.put_subscription(subscription(last_error={"code": "expired"}))
    # WHEN a catch-up is recorded, and the error cleared (None removes it)
    changes = {"run": 1, "running": ("job_1", "job_2"), "last_run_at": T0, "next_run_at": T0 + timedelta(hours=1),
               "last_error": None}
    updated = feeds.update_subscription(subscription(), changes)
    # THEN the answer is the stored subscription, which a read agrees with
    expected = replace(subscription(), run=1, running=("job_1", "job_2"), last_run_at=T0,
                       next_run_at=T0 + timedelta(hours=1))
    assert updated == expected == feeds.get_subscription(EU, "fsub_1")
    # AND changes apply to the subscription as stored, not as the caller's (stale) copy has it
    again = feeds.update_subscription(subscription(), {"interval_seconds": 600, "running": ()})
    assert again == replace(expected, interval_seconds=600, running=()) == feeds.get_subscription(EU, "fsub_1")
    # AND no changes at all is still an answer from the store
    assert feeds.update_subscription(subscription(), {}) == again


def test_update_with_expect_run_only_while_run_is_that(feeds: FeedStore) -> None:
    # GIVEN a subscription at run 0, read by two scheduled tasks
    feeds.put_subscription(subscription())
    # WHEN the first starts catch-up 1 on run 0
    first = feeds.update_subscription(subscription(), {"run": 1, "running": ("job_1",)}, expect_run=0)
    assert first.run == 1
    # THEN the second, still expecting run 0, loses and is shown the stored subscription, which it did not touch
    with pytest.raises(StoreConflict) as caught:
        feeds.update_subscription(subscription(), {"run": 1, "running": ("job_other",)}, expect_run=0)
    assert caught.value.current == first == feeds.get_subscription(EU, "fsub_1")
    assert first.running == ("job_1",)
    # AND an empty update on a stale run conflicts too; on the current run it succeeds
    with pytest.raises(StoreConflict):
        feeds.update_subscription(subscription(), {}, expect_run=0)
    assert feeds.update_subscription(first, {"next_run_at": T0 + timedelta(minutes=1)}, expect_run=1).next_run_at \
        == T0 + timedelta(minutes=1)


@pytest.mark.parametrize("expect_run", [None, 0], ids=["unconditional", "expect-run"])
def test_update_of_a_deleted_subscription_conflicts_with_nothing(feeds: FeedStore, expect_run: int | None) -> None:
    # GIVEN a subscription deleted (and another never stored)
    feeds.put_subscription(subscription())
    feeds.delete_subscription(EU, "fsub_1")
    for gone in (subscription(), subscription("fsub_never")):
        # WHEN it is updated / THEN StoreConflict with nothing current, and the update did not create it
        for changes in ({"last_error": {"code": "expired"}}, {}):
            with pytest.raises(StoreConflict) as caught:
                feeds.update_subscription(gone, changes, expect_run=expect_run)
            assert caught.value.current is None
        assert feeds.get_subscription(EU, gone.id) is None
    assert feeds.list_subscriptions(EU) == [] and feeds.due_subscriptions(T0 + timedelta(days=1)) == []


@pytest.mark.parametrize("changes", [{"id": "fsub_2"}, {"end_user_id": "eu_other"}, {"next_run_at": None},
                                     {"marks": None}, {"running": None}, {"colour": "blue"}],
                         ids=["id", "end-user", "no-next-run", "no-marks", "no-running", "not-a-field"])
def test_an_update_cannot_move_the_key_or_remove_what_must_be_there(feeds: FeedStore, changes: dict[str, Any]) -> None:
    # GIVEN a subscription / WHEN an update would change its key, write no field or clear a required one
    feeds.put_subscription(subscription())
    with pytest.raises(ValueError):
        feeds.update_subscription(subscription(), changes)
    # THEN it is refused and nothing changed
    assert feeds.list_subscriptions(EU) == [subscription()]


# Marks -----------------------------------------------------------------------------------------------
def test_set_mark_changes_only_that_mark(feeds: FeedStore) -> None:
    # GIVEN a subscription with two marks, then moved on to run 2 (the caller still holds the copy of run 0)
    held = subscription(marks={"customers": Mark(at="2024-03-01T00:00:00-08:00", done_run=1).to_dict(),
                               DELETED_LIST: Mark(done_run=1).to_dict()})
    feeds.put_subscription(held)
    moved = feeds.update_subscription(held, {"run": 2, "running": ("job_9",)})
    # WHEN the deleted-list mark (a name with ':') and a new type's mark (one with '-') are set
    feeds.set_mark(held, DELETED_LIST, MARK)
    feeds.set_mark(held, "bill-check-payments", Mark(done_run=2))
    # THEN those marks are as set, the other mark and every other field as they were
    stored = feeds.get_subscription(EU, held.id)
    assert stored is not None
    assert stored.mark(DELETED_LIST) == MARK and stored.mark("bill-check-payments") == Mark(done_run=2)
    assert stored.marks["customers"] == held.marks["customers"]
    assert replace(stored, marks={}) == replace(moved, marks={})
    # AND a mark survives the round trip through the store, Seen rows and all
    assert Mark.from_dict(stored.marks[DELETED_LIST]) == MARK and stored.marks[DELETED_LIST] == MARK.to_dict()
    assert stored.mark(DELETED_LIST).recent[0] == Seen("80000001-1", "1709544600", "2024-03-04T01:30:00-08:00")
    # AND setting a mark again replaces it whole
    feeds.set_mark(held, DELETED_LIST, Mark(at="2024-03-05T00:00:00-08:00", done_run=3))
    again = feeds.get_subscription(EU, held.id)
    assert again is not None and again.mark(DELETED_LIST) == Mark(at="2024-03-05T00:00:00-08:00", done_run=3)


def test_set_mark_on_a_subscription_without_marks_yet(feeds: FeedStore) -> None:
    # GIVEN a subscription put with no marks at all / WHEN its first mark is set / THEN it is there
    feeds.put_subscription(subscription())
    feeds.set_mark(subscription(), "customers", MARK)
    stored = feeds.get_subscription(EU, "fsub_1")
    assert stored is not None and stored.marks == {"customers": MARK.to_dict()}


def test_set_mark_on_a_deleted_subscription_does_nothing(feeds: FeedStore) -> None:
    # GIVEN a subscription deleted
    feeds.put_subscription(subscription())
    feeds.delete_subscription(EU, "fsub_1")
    # WHEN a late page sets a mark on it / THEN no error, and nothing is recreated
    feeds.set_mark(subscription(), "customers", MARK)
    assert feeds.get_subscription(EU, "fsub_1") is None
    assert feeds.list_subscriptions(EU) == [] and feeds.due_subscriptions(T0 + timedelta(days=1)) == []


# Due subscriptions -------------------------------------------------------------------------------------
def test_due_subscriptions_across_end_users_oldest_first_limited(feeds: FeedStore) -> None:
    assert len({bucket_of(eu) for eu in EUS}) == len(EUS)  # the end-users' subscriptions are in four partitions
    # GIVEN subscriptions of four end-users: due before now, exactly now, a microsecond after, an hour after
    times = {"fsub_a1": T0 - timedelta(hours=2), "fsub_b1": T0, "fsub_c1": T0 - timedelta(minutes=1),
             "fsub_f1": T0 + timedelta(microseconds=1), "fsub_a2": T0 + timedelta(hours=1),
             "fsub_b2": T0.replace(microsecond=0), "fsub_c2": T0, "fsub_f2": T0 - timedelta(days=3)}
    for sid, at in times.items():
        feeds.put_subscription(subscription(sid, f"eu_{sid[5]}", next_run_at=at))
    # WHEN the due ones are asked for at T0
    due = feeds.due_subscriptions(T0)
    # THEN exactly those not after T0, the longest-waiting first (ties by id), as stored
    assert [s.id for s in due] == ["fsub_f2", "fsub_a1", "fsub_c1", "fsub_b2", "fsub_b1", "fsub_c2"]
    assert due == [feeds.get_subscription(s.end_user_id, s.id) for s in due]
    # AND a limit gives the longest-waiting ones, across the buckets
    assert [s.id for s in feeds.due_subscriptions(T0, limit=3)] == ["fsub_f2", "fsub_a1", "fsub_c1"]
    assert [s.id for s in feeds.due_subscriptions(T0 - timedelta(days=4))] == []
    # WHEN catch-ups move two of them on (one by an update with expect_run), and one is deleted
    feeds.update_subscription(due[0], {"run": 1, "next_run_at": T0 + timedelta(hours=1)}, expect_run=0)
    feeds.update_subscription(due[1], {"next_run_at": T0 + timedelta(seconds=1)})
    feeds.delete_subscription("eu_c", "fsub_c1")
    # THEN they are no longer due at T0; an update that leaves next_run_at alone leaves it due
    feeds.update_subscription(due[3], {"last_error": {"code": "expired"}})
    assert [s.id for s in feeds.due_subscriptions(T0)] == ["fsub_b2", "fsub_b1", "fsub_c2"]
    assert [s.id for s in feeds.due_subscriptions(T0 + timedelta(seconds=1))] == [
        "fsub_b2", "fsub_b1", "fsub_c2", "fsub_f1", "fsub_a1"]


def test_due_order_is_time_order_whatever_the_offset(feeds: FeedStore) -> None:
    # GIVEN a subscription due in two hours written at UTC-5 (its text sorts before T0's) and one due an
    # hour ago written at UTC+9 (its text sorts after T0's)
    later = subscription("fsub_late", "eu_a", next_run_at=(T0 + timedelta(hours=2)).astimezone(EASTERN))
    earlier = subscription("fsub_early", "eu_b", next_run_at=(T0 - timedelta(hours=1)).astimezone(TOKYO))
    assert dump_value(later.next_run_at) < dump_value(T0) < dump_value(earlier.next_run_at)
    feeds.put_subscription(later)
    feeds.put_subscription(earlier)
    # WHEN the due ones are asked for at T0, in UTC and at UTC+9
    # THEN only the one due an hour ago, its time as given (aware, equal, in its own offset)
    for now in (T0, T0.astimezone(TOKYO)):
        assert feeds.due_subscriptions(now) == [earlier]
    assert feeds.due_subscriptions(T0)[0].next_run_at.utcoffset() == timedelta(hours=9)
    # AND an update moving it later, written in yet another offset, takes it out
    feeds.update_subscription(earlier, {"next_run_at": (T0 + timedelta(minutes=1)).astimezone(UTC)})
    assert feeds.due_subscriptions(T0) == []
    assert [s.id for s in feeds.due_subscriptions(T0 + timedelta(hours=2))] == ["fsub_early", "fsub_late"]


def test_subscriptions_stay_out_of_the_jobs_way(both: tuple[Store, FeedStore]) -> None:
    store, feeds = both
    # GIVEN an end-user with a queued job and a job whose result awaits the re-publisher, completed an hour
    # before T0, and a subscription of theirs due two hours before T0 (the same bucket of the same index)
    store.put_end_user(end_user(EU))
    done, queued = new_job(store, end_user_id=EU), new_job(store, end_user_id=EU)
    store.transition_job(done, JobStatus.SUCCEEDED, expected=frozenset({JobStatus.QUEUED}), outbox=True,
                         changes={"completed_at": T0 - timedelta(hours=1)})
    feeds.put_subscription(subscription(next_run_at=T0 - timedelta(hours=2)))
    # WHEN the outbox is read / THEN it lists the job only, never the due subscription
    assert [j.id for j in store.unpublished(T0 + timedelta(days=1))] == [done.id]
    store.mark_published(done, T0)
    assert store.unpublished(T0 + timedelta(days=1)) == []
    # AND the due subscriptions are the subscription only, never the job
    assert [s.id for s in feeds.due_subscriptions(T0 + timedelta(days=1))] == ["fsub_1"]
    # AND the company file's queue still starts with the queued job (the subscription is not in the queue)
    view = store.read_file(EU, jobs=5)
    assert view.user is not None and [j.id for j in view.jobs] == [queued.id]


# DynamoDB only: the item's layout --------------------------------------------------------------------
@pytest.mark.parametrize("both", ["moto", "dynalite"], indirect=True)
def test_the_item_is_in_the_end_users_partition_and_the_due_index(feeds: FeedStore) -> None:
    assert isinstance(feeds, DynamoFeedStore)

    def item() -> dict[str, Any]:
        key = {"pk": {"S": f"EU#{EU}"}, "sk": {"S": "FSUB#fsub_1"}}
        return dict(feeds.client.get_item(TableName=feeds.table, Key=key, ConsistentRead=True)["Item"])

    # GIVEN a subscription with no marks, due at T0 written at UTC-5
    feeds.put_subscription(subscription(next_run_at=T0.astimezone(EASTERN)))
    # THEN its item has an empty marks map and the due index's keys, the time in UTC
    stored = item()
    assert stored["marks"] == {"M": {}} and "queued_key" not in stored
    assert stored["outbox_pk"] == {"S": f"FEEDDUE#{bucket_of(EU)}"}
    assert stored["outbox_sk"] == {"S": f"{T0.isoformat()}#fsub_1"}
    assert stored["next_run_at"] == {"S": T0.astimezone(EASTERN).isoformat()}
    # WHEN next_run_at is updated / THEN outbox_sk is rewritten with it; another update leaves it
    feeds.update_subscription(subscription(), {"next_run_at": T0 + timedelta(hours=1)})
    assert item()["outbox_sk"] == {"S": f"{(T0 + timedelta(hours=1)).isoformat()}#fsub_1"}
    feeds.update_subscription(subscription(), {"run": 1})
    assert item()["outbox_sk"] == {"S": f"{(T0 + timedelta(hours=1)).isoformat()}#fsub_1"}
