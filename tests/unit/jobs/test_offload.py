"""Large answers go to the payload store (S3) before the job is stored, and the job and the result
message carry a pointer to them (DESIGN §5, §6)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.jobs.models import EndUser, Job
from chalicelib.jobs.queue import JobQueue, Outcome
from chalicelib.jobs.states import JobStatus
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.conftest import LEASE_TTL
from tests.unit.jobs.fakes import FakeClock, RecordingPublisher, qbwc_file

HOLDER = "holder-a"
INLINE = 1_000
BUCKET = "payloads-test"


@dataclass
class Put:
    """One write to the payload store and the job as the store held it at that instant."""

    key: str
    text: str
    stored: Job | None
    published_before: int


@dataclass
class FakePayloadStore:
    """Records every put; while ``fail`` is True each put raises."""

    store: MemoryStore
    publisher: RecordingPublisher
    fail: bool = False
    puts: list[Put] = field(default_factory=list)

    def put(self, key: str, text: str) -> str:
        if self.fail:
            raise ConnectionError("S3 is unreachable")
        job_id = key.rsplit("/", 1)[-1].removesuffix(".xml")
        self.puts.append(Put(key, text, self.store.get_job(job_id), len(self.publisher.attempts)))
        return f"s3://{BUCKET}/{key}"


@pytest.fixture
def payloads(store: MemoryStore, publisher: RecordingPublisher) -> FakePayloadStore:
    return FakePayloadStore(store, publisher)


@pytest.fixture
def offloading_queue(store: MemoryStore, publisher: RecordingPublisher, catalog: SchemaCatalog,
                     clock: FakeClock, payloads: FakePayloadStore) -> JobQueue:
    return JobQueue(store, publisher, catalog, clock, lease_ttl=LEASE_TTL, max_job_bytes=256_000,
                    payloads=payloads, inline_result_chars=INLINE)


def claimed(queue: JobQueue, user: EndUser, fixture: str = "customer_query_rq.xml") -> Job:
    queue.enqueue(user.id, qbwc_file(fixture), source="rest")
    job = queue.claim_next(user.id, HOLDER)
    assert job is not None
    return job


def large_answer(job: Job) -> str:
    answer = qbwc_file("customer_query_rs.xml", request_id=job.id)
    return answer.replace("</QBXML>", "<!--" + "x" * INLINE + "--></QBXML>")


def test_large_answer_goes_to_s3_before_the_job_and_the_message_points_at_it(
    offloading_queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher,
    payloads: FakePayloadStore, user: EndUser
) -> None:
    # GIVEN a job in flight and an answer longer than the inline limit
    job = claimed(offloading_queue, user)
    answer = large_answer(job)
    # WHEN it completes the job
    done = offloading_queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=answer))
    # THEN the answer went to S3 under results/<end user>/<job>.xml while the job was still in flight,
    # before anything was published
    (put,) = payloads.puts
    assert (put.key, put.text) == (f"results/{user.id}/{job.id}.xml", answer)
    assert put.stored is not None and put.stored.status is JobStatus.IN_FLIGHT
    assert put.published_before == 0
    # AND the job was stored succeeded with the pointer and without the text, before it was published
    uri = f"s3://{BUCKET}/results/{user.id}/{job.id}.xml"
    (attempt,) = publisher.attempts
    assert attempt.stored is not None
    assert (attempt.stored.status, attempt.stored.response_s3_uri, attempt.stored.response_qbxml) == (
        JobStatus.SUCCEEDED, uri, None)
    # AND the message carries the pointer, not the text
    assert attempt.message["response_s3_uri"] == uri
    assert attempt.message["response_qbxml"] is None
    assert (done.status, done.response_s3_uri) == (JobStatus.SUCCEEDED, uri)
    assert store.get_lease(user.id) is None


def test_small_answer_stays_inline(
    offloading_queue: JobQueue, publisher: RecordingPublisher, payloads: FakePayloadStore, user: EndUser
) -> None:
    # GIVEN an answer within the inline limit
    job = claimed(offloading_queue, user)
    answer = qbwc_file("customer_query_rs.xml", request_id=job.id)
    assert len(answer) <= INLINE
    # WHEN it completes the job / THEN nothing goes to S3 and the message carries the text
    done = offloading_queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=answer))
    assert payloads.puts == []
    assert (done.response_qbxml, done.response_s3_uri) == (answer, None)
    assert publisher.delivered[0]["response_qbxml"] == answer
    assert "response_s3_uri" not in publisher.delivered[0]


def test_without_a_payload_store_a_large_answer_fails_the_job(
    store: MemoryStore, publisher: RecordingPublisher, catalog: SchemaCatalog, clock: FakeClock, user: EndUser
) -> None:
    # GIVEN a queue with no payload store
    queue = JobQueue(store, publisher, catalog, clock, lease_ttl=LEASE_TTL, max_job_bytes=256_000,
                     inline_result_chars=INLINE)
    job = claimed(queue, user)
    # WHEN an answer over the inline limit completes the job
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=large_answer(job)))
    # THEN it failed with result_too_large, keeping neither text nor pointer, and the failure is published
    assert (done.status, done.error["code"] if done.error else None) == (JobStatus.FAILED, "result_too_large")
    assert (done.response_qbxml, done.response_s3_uri) == (None, None)
    assert publisher.delivered[0]["status"] == "failed"


@pytest.mark.parametrize("fixture, recovered", [("customer_query_rq.xml", JobStatus.QUEUED),
                                                ("invoice_add_rq.xml", JobStatus.IN_DOUBT)])
def test_a_failed_s3_write_keeps_the_job_in_flight_for_recovery(
    offloading_queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher,
    payloads: FakePayloadStore, user: EndUser, fixture: str, recovered: JobStatus
) -> None:
    # GIVEN S3 is down when a large answer arrives
    job = claimed(offloading_queue, user, fixture)
    payloads.fail = True
    # WHEN it completes the job / THEN the error propagates (the session answers QBWC with an error)
    with pytest.raises(ConnectionError):
        offloading_queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=large_answer(job)))
    # AND nothing was stored or published: the job is still in flight under its holder
    current = store.get_job(job.id)
    assert current is not None
    assert (current.status, current.holder, current.response_qbxml) == (JobStatus.IN_FLIGHT, HOLDER, None)
    assert publisher.attempts == []
    # WHEN the session closes / THEN the job is recovered like any abandoned one, never reported failed:
    # a read runs again, a write is in doubt until error recovery asks QuickBooks
    offloading_queue.release_holder(user.id, HOLDER)
    after = store.get_job(job.id)
    assert after is not None and after.status is recovered
    assert store.get_lease(user.id) is None


def test_an_answer_over_the_hard_cap_fails_even_with_a_payload_store(
    offloading_queue: JobQueue, payloads: FakePayloadStore, user: EndUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an answer over the most the gateway offloads
    monkeypatch.setattr("chalicelib.jobs.queue.MAX_OFFLOADED_RESULT_CHARS", 2 * INLINE)
    job = claimed(offloading_queue, user)
    # WHEN it completes the job / THEN nothing goes to S3 and the job failed with result_too_large
    done = offloading_queue.complete(
        job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML>" + "x" * 3 * INLINE + "</QBXML>"))
    assert payloads.puts == []
    assert done.error is not None and done.error["code"] == "result_too_large"
