"""Completing: the outcome is stored on the job first (the outbox), then published; a failed publish
is sent again later. Nothing accepted is lost (DESIGN §4.2)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.errors import error
from chalicelib.jobs.models import EndUser, Job
from chalicelib.jobs.queue import MAX_RESULT_CHARS, JobQueue, Outcome
from chalicelib.jobs.results import SCHEMA_VERSION
from chalicelib.jobs.states import JobStatus
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.fakes import FakeClock, RecordingPublisher, qbwc_file, qbxml_job

HOLDER = "holder-a"


def claimed(queue: JobQueue, user: EndUser, fixture: str = "customer_query_rq.xml") -> Job:
    text = qbwc_file(fixture) if fixture.endswith("_rq.xml") else qbxml_job(fixture)
    queue.enqueue(user.id, text, source="rest")
    job = queue.claim_next(user.id, HOLDER)
    assert job is not None
    return job


def test_success_is_stored_before_it_is_published(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser, clock: FakeClock
) -> None:
    # GIVEN a job in flight
    job = claimed(queue, user)
    clock.advance(seconds=4)
    answer = qbwc_file("customer_query_rs.xml", request_id=job.id)
    # WHEN QuickBooks' answer completes it
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=answer))
    # THEN at the moment of publishing the store already held the job as succeeded, with the answer,
    # and the company file was already free
    (attempt,) = publisher.attempts
    assert attempt.stored is not None
    assert attempt.stored.status is JobStatus.SUCCEEDED
    assert attempt.stored.response_qbxml == answer
    assert attempt.lease_holder is None
    # AND the message is the v1 result message
    assert attempt.message == {
        "schema_version": SCHEMA_VERSION, "job_id": job.id, "end_user_id": user.id, "status": "succeeded",
        "response_qbxml": answer, "error": None, "enqueued_at": "2024-03-04T09:30:00.000Z",
        "completed_at": "2024-03-04T09:30:04.000Z",
    }
    # AND the job is marked published, so the outbox is empty
    assert done.status is JobStatus.SUCCEEDED
    assert store.get_job(job.id).published_at == clock.now
    assert store.unpublished(clock.now + timedelta(days=1)) == []


def test_failure_is_stored_before_it_is_published(
    queue: JobQueue, publisher: RecordingPublisher, user: EndUser
) -> None:
    # GIVEN a job QuickBooks refused
    job = claimed(queue, user, "invoice_add_rq.xml")
    err = error("quickbooks_status_error", "InvoiceAddRs failed with statusCode 3140",
                integration_code="3140")
    # WHEN it is completed as failed
    queue.complete(job, HOLDER, Outcome(JobStatus.FAILED, error=err))
    # THEN the publisher saw a job already stored failed, carrying code, message, user text and native code
    (attempt,) = publisher.attempts
    assert attempt.stored.status is JobStatus.FAILED
    sent = attempt.message["error"]
    assert attempt.stored.error == sent
    assert (sent["code"], sent["integration_code"]) == ("quickbooks_status_error", "3140")
    assert sent["message"] and sent["user_facing_message"]


def test_failed_publish_stays_in_the_outbox_and_goes_out_later(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser, clock: FakeClock
) -> None:
    # GIVEN SQS is down when a job completes
    job = claimed(queue, user)
    publisher.fail = True
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML/>"))
    # THEN the result is safe on the job, unpublished
    assert done.status is JobStatus.SUCCEEDED
    assert store.get_job(job.id).published_at is None
    assert publisher.delivered == []
    # AND a re-publish right away leaves it for later (it may still be in its first attempt)
    publisher.fail = False
    assert queue.republish_outbox(older_than=timedelta(minutes=1)) == 0
    # WHEN the re-publisher runs after SQS recovered
    clock.advance(minutes=2)
    sent = queue.republish_outbox(older_than=timedelta(minutes=1))
    # THEN it is delivered exactly once more and leaves the outbox
    assert sent == 1
    assert [m["job_id"] for m in publisher.delivered] == [job.id]
    assert store.get_job(job.id).published_at == clock.now
    assert queue.republish_outbox(older_than=timedelta(minutes=1)) == 0


def test_republish_still_failing_keeps_the_job(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser, clock: FakeClock
) -> None:
    # GIVEN a result in the outbox and SQS still down
    job = claimed(queue, user)
    publisher.fail = True
    queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML/>"))
    clock.advance(minutes=5)
    # WHEN the re-publisher runs / THEN nothing is counted as sent and the job stays in the outbox
    assert queue.republish_outbox(older_than=timedelta(minutes=1)) == 0
    assert [j.id for j in store.unpublished(clock.now)] == [job.id]


def test_result_too_large_fails_the_job(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser
) -> None:
    # GIVEN an answer longer than the gateway can store and deliver
    job = claimed(queue, user)
    huge = "<QBXML>" + "x" * MAX_RESULT_CHARS + "</QBXML>"
    # WHEN it completes the job
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=huge))
    # THEN the job failed with result_too_large, the answer is not kept, and the failure is published
    assert done.status is JobStatus.FAILED
    assert done.error["code"] == "result_too_large"
    assert "MaxReturned" in done.error["message"]
    assert done.response_qbxml is None
    assert publisher.delivered[0]["status"] == "failed"
    assert store.get_lease(user.id) is None


def test_result_at_the_limit_is_kept(queue: JobQueue, user: EndUser) -> None:
    # GIVEN an answer exactly at the limit / THEN it is stored as it came
    job = claimed(queue, user)
    answer = "y" * MAX_RESULT_CHARS
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=answer))
    assert done.response_qbxml == answer


def test_late_answer_for_a_requeued_job_is_ignored(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser
) -> None:
    # GIVEN a read given back to the queue (its session lost track of it)
    job = claimed(queue, user)
    queue.give_back(job, HOLDER)
    # WHEN its answer arrives late
    current = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML/>"))
    # THEN nothing is overwritten or published: the job stays queued to run again
    assert current.status is JobStatus.QUEUED
    assert store.get_job(job.id).status is JobStatus.QUEUED
    assert publisher.attempts == []


def test_late_answer_resolves_a_job_in_doubt(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser
) -> None:
    # GIVEN a write in doubt (its session vanished before QuickBooks' answer)
    job = claimed(queue, user, "customer_add.xml")
    queue.give_back(job, HOLDER)
    assert store.get_job(job.id).status is JobStatus.IN_DOUBT
    # WHEN the answer arrives after all / THEN it settles the job and is published
    answer = qbwc_file("customer_add_rs.xml", request_id=job.id)
    done = queue.complete(job, HOLDER, Outcome(JobStatus.SUCCEEDED, response_qbxml=answer))
    assert done.status is JobStatus.SUCCEEDED
    assert [m["status"] for m in publisher.delivered] == ["succeeded"]


def test_fail_queued_publishes(
    queue: JobQueue, store: MemoryStore, publisher: RecordingPublisher, user: EndUser, clock: FakeClock
) -> None:
    # GIVEN a queued job that cannot run on this company file
    job, _ = queue.enqueue(user.id, qbwc_file("customer_query_rq.xml"), source="rest")
    # WHEN it is failed without reaching QuickBooks
    done = queue.fail_queued(job, error("qbxml_version_unsupported", "needs qbXML 16.0"))
    # THEN it is stored failed with the error, published, and marked so
    assert store.get_job(job.id).status is JobStatus.FAILED
    assert store.get_job(job.id).published_at == clock.now
    assert (done.status, done.completed_at, done.error["code"]) == (
        JobStatus.FAILED, clock.now, "qbxml_version_unsupported")
    assert publisher.attempts[0].stored.status is JobStatus.FAILED
