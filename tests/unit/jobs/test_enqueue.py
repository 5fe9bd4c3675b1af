"""Accepting jobs: valid qbXML is stored queued with the next sequence; anything else stores nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from chalicelib.errors import GatewayError
from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, EndUser, Job
from chalicelib.jobs.ports import StoreConflict
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.states import JobStatus
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.memory import MemoryStore
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.conftest import LEASE_TTL
from tests.unit.jobs.fakes import FakeClock, RecordingPublisher, make_end_user, qbwc_file, qbxml_job


def make_queue(store: MemoryStore, clock: FakeClock) -> JobQueue:
    return JobQueue(store, RecordingPublisher(store=store), SchemaCatalog(SCHEMA_DIR), clock,
                    lease_ttl=LEASE_TTL, max_job_bytes=256_000)


def nothing_stored(store: MemoryStore, user: EndUser) -> bool:
    return not store.jobs and not store.idempotency_records and store.sequences[user.id] == 0


def test_valid_job_is_stored_queued(queue: JobQueue, store: MemoryStore, user: EndUser,
                                    clock: FakeClock) -> None:
    # GIVEN an end-user / WHEN a CustomerAdd is enqueued
    job, created = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest", deadline_seconds=600)
    # THEN it is stored queued, as the end-user's first job, and recognised as a write
    assert created is True
    assert store.get_job(job.id) == job
    assert job.status is JobStatus.QUEUED
    assert job.seq == 1
    assert job.request_names == ("CustomerAddRq",)
    assert job.is_write is True
    assert job.source == "rest"
    assert job.enqueued_at == clock.now
    assert job.deadline_at == clock.now + timedelta(seconds=600)
    # AND the stored qbXML is compact, without requestID (the gateway adds its own)
    assert job.qbxml.startswith("<CustomerAddRq><CustomerAdd><Name>")
    assert "requestID" not in job.qbxml


def test_sequence_numbers_follow_acceptance(queue: JobQueue, user: EndUser) -> None:
    # WHEN three jobs are accepted one after another
    jobs = [queue.enqueue(user.id, qbwc_file("customer_query_rq.xml"), source="rest")[0] for _ in range(3)]
    # THEN each gets the next sequence number, distinct ids, and a read is not a write
    assert [j.seq for j in jobs] == [1, 2, 3]
    assert len({j.id for j in jobs}) == 3
    assert not any(j.is_write for j in jobs)


def test_typographic_text_is_normalised_not_refused(queue: JobQueue, user: EndUser) -> None:
    # GIVEN text pasted from a word processor (curly quotes, dashes, ellipsis)
    job, _ = queue.enqueue(user.id, qbxml_job("typographic.xml"), source="rest")
    # THEN it is stored in a form QuickBooks (ISO-8859-1) can hold
    job.qbxml.encode("latin-1")
    assert "Joe's" in job.qbxml


@pytest.mark.parametrize(
    ("fixture", "code"),
    [
        ("malformed.xml", "invalid_qbxml"),
        ("not_a_request.xml", "invalid_qbxml"),
        ("namespaced.xml", "invalid_qbxml"),
        ("stray_text.xml", "invalid_qbxml"),
        ("doctype_entity.xml", "invalid_qbxml"),
        ("customer_add_wrong_order.xml", "invalid_qbxml"),
        ("customer_add_name_too_long.xml", "invalid_qbxml"),
        ("emoji.xml", "unsupported_characters"),
        ("cyrillic.xml", "unsupported_characters"),
        ("vertical_tab.xml", "unsupported_characters"),
    ],
)
def test_refused_job_stores_nothing(
    queue: JobQueue, store: MemoryStore, user: EndUser, fixture: str, code: str
) -> None:
    # WHEN qbXML QuickBooks would choke on is enqueued (with an idempotency key, to prove it is not kept)
    with pytest.raises(GatewayError) as refused:
        queue.enqueue(user.id, qbxml_job(fixture), source="rest", idempotency_key="k-1")
    # THEN the error names the problem for the SaaS and for the bookkeeper
    assert refused.value.code == code
    assert refused.value.http_status == 400
    assert refused.value.message
    assert refused.value.user_facing_message
    # AND nothing was stored: no job, no sequence number used, no idempotency key claimed
    assert nothing_stored(store, user)


def test_emoji_error_says_where(queue: JobQueue, user: EndUser) -> None:
    # WHEN a job carries an emoji / THEN the message names the character so the record can be fixed
    with pytest.raises(GatewayError) as refused:
        queue.enqueue(user.id, qbxml_job("emoji.xml"), source="rest")
    assert "U+1F600" in refused.value.message.upper()


def test_oversized_job_is_refused(
    queue: JobQueue, store: MemoryStore, user: EndUser
) -> None:
    # GIVEN a queue that accepts at most 100 bytes per job
    queue.max_job_bytes = 100
    # WHEN a larger job arrives / THEN it is refused as too large and nothing is stored
    with pytest.raises(GatewayError) as refused:
        queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest")
    assert refused.value.code == "payload_too_large"
    assert nothing_stored(store, user)


def test_unknown_end_user(queue: JobQueue, store: MemoryStore) -> None:
    # WHEN a job names an end-user that does not exist / THEN end_user_not_found, nothing stored
    with pytest.raises(GatewayError) as refused:
        queue.enqueue("eu_nobody", qbwc_file("customer_query_rq.xml"), source="rest")
    assert refused.value.code == "end_user_not_found"
    assert refused.value.http_status == 404
    assert not store.jobs


def test_job_needing_a_newer_quickbooks(queue: JobQueue, store: MemoryStore) -> None:
    # GIVEN an end-user whose company file speaks qbXML 13.0
    store.put_end_user(make_end_user("eu_2014", qbxml_version="13.0"))
    # WHEN a request that exists only in qbXML 16.0 is enqueued
    with pytest.raises(GatewayError) as refused:
        queue.enqueue("eu_2014", qbxml_job("paycheck_query_16.xml"), source="rest")
    # THEN it is refused with a code that says QuickBooks must be updated
    assert refused.value.code == "qbxml_version_unsupported"
    assert not store.jobs


CUSTOMER_WITH_CLASS = ("<CustomerAddRq><CustomerAdd><Name>Ada</Name><ClassRef><FullName>East</FullName></ClassRef>"
                       "</CustomerAdd></CustomerAddRq>")  # ClassRef came to CustomerAdd with qbXML 12.0


def test_an_element_newer_than_the_file_is_refused_naming_it_and_its_version(queue: JobQueue,
                                                                            store: MemoryStore) -> None:
    # GIVEN an end-user whose company file speaks qbXML 11.0 (QuickBooks 2012)
    user = make_end_user("eu_2012", qbxml_version="11.0", country="US")
    store.put_end_user(user)
    # WHEN a CustomerAdd with a ClassRef (qbXML 12.0) is enqueued
    with pytest.raises(GatewayError) as refused:
        queue.enqueue(user.id, CUSTOMER_WITH_CLASS, source="rest")
    # THEN it is refused at once naming the element and the version that brought it; nothing stored
    assert refused.value.code == "qbxml_version_unsupported" and refused.value.http_status == 422
    assert "CustomerAddRq/CustomerAdd/ClassRef was introduced in qbXML 12.0" in refused.value.message
    assert "qbXML 11.0" in refused.value.message
    assert not store.jobs and not store.idempotency_records
    # AND the same job is accepted for a file that speaks 12.0
    store.put_end_user(dataclasses.replace(user, id="eu_2013", qbxml_version="12.0"))
    assert queue.enqueue("eu_2013", CUSTOMER_WITH_CLASS, source="rest")[1]


def test_an_element_the_file_s_country_edition_lacks_is_refused(queue: JobQueue, store: MemoryStore) -> None:
    # GIVEN a UK company file  WHEN an AccountTaxLineInfoQuery (not in the UK edition) is enqueued
    user = make_end_user("eu_uk", qbxml_version="13.0", country="UK")
    store.put_end_user(user)
    with pytest.raises(GatewayError) as refused:
        queue.enqueue(user.id, "<AccountTaxLineInfoQueryRq/>", source="rest")
    # THEN qbxml_not_in_edition says so, nothing stored; a US file takes the same job
    assert refused.value.code == "qbxml_not_in_edition" and "UK edition" in refused.value.message
    assert not store.jobs and not store.idempotency_records
    store.put_end_user(dataclasses.replace(user, id="eu_us", country="US"))
    assert queue.enqueue("eu_us", "<AccountTaxLineInfoQueryRq/>", source="rest")[1]


def test_idempotent_replay_returns_the_same_job(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN a job accepted under an idempotency key
    first, created = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest",
                                   idempotency_key="sync-42")
    # WHEN the same request is sent again with the same key
    again, created_again = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest",
                                         idempotency_key="sync-42")
    # THEN the first job comes back, nothing new is stored (the retry's sequence number stays unused)
    assert (created, created_again) == (True, False)
    assert again == first
    assert len(store.jobs) == 1


def test_idempotency_key_reused_for_a_different_body(queue: JobQueue, store: MemoryStore,
                                                     user: EndUser) -> None:
    # GIVEN a job accepted under a key
    queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest", idempotency_key="sync-42")
    # WHEN the key comes back with a different body (or a different deadline)
    for body, deadline in ((qbwc_file("customer_query_rq.xml"), None), (qbxml_job("customer_add.xml"), 60)):
        with pytest.raises(GatewayError) as refused:
            queue.enqueue(user.id, body, source="rest", idempotency_key="sync-42", deadline_seconds=deadline)
        # THEN it is refused as a conflict and nothing more is stored
        assert refused.value.code == "idempotency_key_reused"
        assert refused.value.http_status == 409
    assert len(store.jobs) == 1


def test_idempotency_keys_are_per_end_user(queue: JobQueue, store: MemoryStore, user: EndUser) -> None:
    # GIVEN two end-users using the same key
    store.put_end_user(make_end_user("eu_other"))
    a, _ = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest", idempotency_key="k")
    b, created = queue.enqueue("eu_other", qbxml_job("customer_add.xml"), source="rest", idempotency_key="k")
    # THEN each gets its own job
    assert created is True
    assert a.id != b.id and b.end_user_id == "eu_other"


class DiesBeforeWritingTheJob(MemoryStore):
    """A request that claims its key, then dies before the job item is written (once)."""

    def __init__(self) -> None:
        super().__init__()
        self.die = True

    def put_job(self, job: Job) -> None:
        if self.die and job.idempotency_key:
            self.die = False
            raise TimeoutError("the Lambda ran out of time")
        super().put_job(job)


def test_retry_of_a_dead_attempt_goes_behind_the_jobs_accepted_meanwhile(clock: FakeClock) -> None:
    # Finding 8: a retry must not reuse its first attempt's sequence number and overtake later jobs.
    store = DiesBeforeWritingTheJob()
    queue = make_queue(store, clock)
    user = make_end_user()
    store.put_end_user(user)
    # GIVEN an attempt that died between claiming its key and writing its job
    with pytest.raises(TimeoutError):
        queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest", idempotency_key="k")
    # AND another job accepted meanwhile
    between, _ = queue.enqueue(user.id, qbwc_file("customer_query_rq.xml"), source="rest")
    # WHEN the request is retried
    job, created = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest", idempotency_key="k")
    # THEN it is accepted once, behind the job accepted meanwhile
    assert created is True
    assert job.seq > between.seq
    assert [j.id for j in store._queued(user.id)] == [between.id, job.id]
    # AND the dead attempt's slot is void: should it wake up, it cannot write a second job there
    assert (user.id, 1) in store.tombstones
    with pytest.raises(StoreConflict):
        store.put_job(dataclasses.replace(job, seq=1, id="job_the_first_attempt"))
    # AND a further retry returns the same job
    again, created_again = queue.enqueue(user.id, qbxml_job("customer_add.xml"), source="rest",
                                         idempotency_key="k")
    assert (again.id, created_again) == (job.id, False)


def test_health_check_priority_is_kept(queue: JobQueue, user: EndUser) -> None:
    # WHEN a health check is enqueued / THEN its priority is stored for the queue order
    job, _ = queue.enqueue(user.id, "<CompanyQueryRq/>", source="health", priority=PRIORITY_HEALTH_CHECK)
    assert job.priority == PRIORITY_HEALTH_CHECK
    assert job.queued_key == f"{PRIORITY_HEALTH_CHECK}#{1:012d}"
