"""Settling a job: the outcome is stored on the job first, then published; a failed publish is sent
again later; an answer too large for the job item goes to the payload store (S3) before the job is
stored. Nothing accepted is lost (chalicelib/jobs/queue.py, ``JobQueue.settle``).

Answers arrive the way production gets them, through :class:`QbwcService` (see
:mod:`tests.unit.jobs.harness`); ``JobQueue.settle`` is called directly where the point is its own
contract. Tests tied to a numbered review finding say so: 5. size in bytes; 8. idempotent retry
ordering (stored before published, so a retry never sees a result the store does not have).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.errors import error
from chalicelib.jobs.dispatch import message_set_id
from chalicelib.jobs.models import Job
from chalicelib.jobs.queue import JobQueue, Outcome, utf8_len
from chalicelib.jobs.results import SCHEMA_VERSION
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc.service import INTERNAL_ERROR_TEXT, PROTOCOL_ERROR_PERCENT, QbwcService
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.fakes import FakeClock, RecordingPublisher, make_end_user, qbwc_file, qbxml_job
from tests.unit.jobs.harness import LEASE_TTL, MIN_CLIENT, SERVER_VERSION, Harness, catalog

INLINE = 2_000  # inline_result_bytes of these tests: request and answer together, in UTF-8 bytes
BUCKET = "payloads-test"
QUEUED = frozenset({JobStatus.QUEUED})


@dataclass
class Put:
    """One write to the payload store, and what the store held at that instant."""

    key: str
    text: str
    stored: Job | None
    pointed_at: bool
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
        job = self.store.get_job(key.rsplit("/", 1)[-1].removesuffix(".xml"))
        lease = self.store.get_lease(job.end_user_id) if job else None
        pointed = bool(job and lease and lease.pointer and lease.pointer.seq == job.seq)
        self.puts.append(Put(key, text, job, pointed, len(self.publisher.attempts)))
        return f"s3://{BUCKET}/{key}"

    def get(self, uri: str) -> str:
        return next(p.text for p in self.puts if f"s3://{BUCKET}/{p.key}" == uri)


class LosingStore(MemoryStore):
    """A memory store whose next job write, once ``lose_next`` is set, is applied but its answer lost."""

    lose_next = False

    def transition_job(self, *args: Any, **kwargs: Any) -> Job:
        done = super().transition_job(*args, **kwargs)
        if self.lose_next:
            self.lose_next = False
            raise ConnectionError("connection reset after the write applied")
        return done


def build(*, offload: bool = True, inline: int = INLINE,
          store: MemoryStore | None = None) -> tuple[Harness, FakePayloadStore]:
    """A harness whose queue keeps at most ``inline`` bytes on the job item, with (or without) S3."""
    store, clock = store if store is not None else MemoryStore(), FakeClock()
    publisher = RecordingPublisher(store=store)
    payloads = FakePayloadStore(store, publisher)
    queue = JobQueue(store, publisher, catalog(), clock, lease_ttl=LEASE_TTL, max_job_bytes=256_000,
                     payloads=payloads if offload else None, inline_result_bytes=inline)
    service = QbwcService(store, queue, clock, server_version=SERVER_VERSION, min_client_version=MIN_CLIENT,
                          session_idle=timedelta(seconds=30))
    user = make_end_user()
    store.put_end_user(user)
    return Harness(store, clock, publisher, queue, service, user), payloads


@pytest.fixture
def gw() -> Harness:
    return Harness.build()


def sent(gw: Harness, fixture: str = "customer_query_rq.xml") -> tuple[Job, str]:
    """GIVEN a job handed to QuickBooks in a live session: the job and the session's ticket."""
    job = gw.enqueue(fixture)
    ticket = gw.open_session()
    assert job.id in gw.send(ticket, first=True)
    assert gw.job(job.id).status is JobStatus.IN_FLIGHT
    return job, ticket


def padded(text: str, size: int) -> str:
    """``text`` grown to exactly ``size`` UTF-8 bytes by a comment of two-byte characters."""
    missing = size - utf8_len(text) - len("<!---->")
    assert missing >= 0, "the fixture alone is larger than asked for"
    grown = text.replace("</QBXML>", "<!--" + "é" * (missing // 2) + "x" * (missing % 2) + "--></QBXML>")
    assert utf8_len(grown) == size
    return grown


def room(job: Job) -> int:
    """The bytes left for the answer on the job item: the inline limit less the request's own bytes."""
    return INLINE - utf8_len(job.qbxml)


def answer_of(job: Job, size: int | None = None) -> str:
    """QuickBooks' answer to ``job`` (from the fixture files), grown to ``size`` bytes when given."""
    text = qbwc_file("customer_add_rs.xml" if job.is_write else "customer_query_rs.xml", request_id=job.id)
    return text if size is None else padded(text, size)


# Stored, then published (finding 8: a retry or a reader never sees a result the store does not have) -------
def test_an_answer_is_stored_before_it_is_published(gw: Harness) -> None:
    # GIVEN a job in flight
    job, ticket = sent(gw)
    gw.clock.advance(seconds=4)
    answer = answer_of(job)
    # WHEN QuickBooks' answer arrives
    gw.receive(ticket, answer)
    # THEN at the moment of publishing the store already held the job succeeded, with the answer
    (attempt,) = gw.publisher.attempts
    assert attempt.stored is not None
    assert (attempt.stored.status, attempt.stored.response_qbxml, attempt.stored.attempts) == (
        JobStatus.SUCCEEDED, answer, 1)
    # AND the message is the v1 result message
    assert attempt.message == {
        "schema_version": SCHEMA_VERSION, "job_id": job.id, "end_user_id": gw.user.id, "status": "succeeded",
        "response_qbxml": answer, "error": None, "enqueued_at": "2024-03-04T09:30:00.000Z",
        "completed_at": "2024-03-04T09:30:04.000Z",
    }
    # AND the hot path costs no outbox write: the lease keeps pointing at the job until the next one
    assert gw.store.unpublished(gw.clock.now + timedelta(days=1)) == []
    assert gw.store.get_lease(gw.user.id).pointer.job_id == job.id


def test_a_failure_is_stored_before_it_is_published(gw: Harness) -> None:
    # GIVEN an invoice for an unknown customer in flight
    job, ticket = sent(gw, "invoice_add_rq.xml")
    # WHEN QuickBooks refuses it with statusCode 3140
    gw.answer(ticket, job, "invoice_add_rs_3140.xml")
    # THEN the publisher saw a job already stored failed, carrying code, message, user text and native code
    (attempt,) = gw.publisher.attempts
    assert attempt.stored is not None and attempt.stored.status is JobStatus.FAILED
    sent_error = attempt.message["error"]
    assert attempt.stored.error == sent_error
    assert sent_error["integration_code"] == "3140" and sent_error["code"] == "invalid_reference"
    assert sent_error["message"] and sent_error["user_facing_message"]


def test_settle_stores_then_publishes_and_returns_the_stored_job(gw: Harness) -> None:
    # GIVEN a job in flight as attempt 1
    job, _ticket = sent(gw)
    # WHEN the queue settles it directly
    done = gw.queue.settle(job, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML/>"), attempt=1,
                           expected=QUEUED, started_at=gw.clock.now)
    # THEN it returns what the store now holds, and that is what was published
    assert done is not None and done == gw.store.get_job(job.id)
    assert (done.status, done.attempts, done.completed_at) == (JobStatus.SUCCEEDED, 1, gw.clock.now)
    (attempt,) = gw.publisher.attempts
    assert attempt.stored == done


def test_a_late_answer_is_ignored(gw: Harness) -> None:
    # GIVEN a read whose session vanished, and whose lost attempt the next session counted
    job, _ticket = sent(gw)
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    b = gw.open_session()
    gw.send(b, first=True)
    assert gw.store.get_job(job.id).attempts == 1
    # WHEN the answer to attempt 1 arrives after all
    done = gw.queue.settle(job, Outcome(JobStatus.SUCCEEDED, response_qbxml="<QBXML/>"), attempt=1,
                           expected=QUEUED)
    # THEN None: nothing was overwritten or published, and attempt 2 is still under way
    assert done is None
    assert (gw.job(job.id).status, gw.job(job.id).attempts) == (JobStatus.IN_FLIGHT, 2)
    assert gw.store.get_job(job.id).response_qbxml is None
    assert gw.publisher.attempts == []
    # AND the answer to attempt 2 settles it
    assert gw.answer(b, job) >= 0
    assert gw.job(job.id).status is JobStatus.SUCCEEDED


def test_a_late_answer_settles_an_in_doubt_write(gw: Harness) -> None:
    # GIVEN a write whose session vanished; the next session put it in doubt and sent the probe
    job, a = sent(gw, "customer_add.xml")
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    b = gw.open_session()
    gw.send(b, first=True)
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    # WHEN QuickBooks' answer to the write reaches the vanished session's ticket after all
    answer = qbwc_file("recovery_stored_customer_add_rs.xml", message_set_id=message_set_id(job.id, 1),
                       request_id=job.id)
    assert gw.receive(a, answer) == PROTOCOL_ERROR_PERCENT  # that session is over all the same
    # THEN the truth settles the write, stored before it was published after the in_doubt notice
    settled = gw.job(job.id)
    assert (settled.status, settled.response_qbxml) == (JobStatus.SUCCEEDED, answer)
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [
        (job.id, "in_doubt"), (job.id, "succeeded")]
    assert gw.publisher.attempts[-1].stored == settled
    # AND the probe's answer, arriving next, changes nothing
    gw.receive(b, answer)
    assert gw.store.get_job(job.id) == settled


def test_a_late_answer_under_another_message_set_id_is_ignored(gw: Harness) -> None:
    # GIVEN a write put in doubt after its session vanished
    job, a = sent(gw, "customer_add.xml")
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    b = gw.open_session()
    gw.send(b, first=True)
    # WHEN a late answer names the job but not the message set in doubt
    stray = qbwc_file("recovery_stored_customer_add_rs.xml", message_set_id=message_set_id(job.id, 2),
                      request_id=job.id)
    assert gw.receive(a, stray) == PROTOCOL_ERROR_PERCENT
    # THEN the write stays in doubt for its probe
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    assert [m["status"] for m in gw.publisher.delivered] == ["in_doubt"]


def test_a_late_answer_under_a_ticket_the_gateway_never_issued_settles_nothing(gw: Harness) -> None:
    # GIVEN a write put in doubt after its session vanished
    job, _a = sent(gw, "customer_add.xml")
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    b = gw.open_session()
    gw.send(b, first=True)
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    # WHEN someone who knows only the user name (it is in the .qwc) makes up a ticket of its shape and sends
    # an answer for the job's guessable id and message set id (derived from the job id and the attempt)
    forged = f"{gw.user.id}." + "A" * 54
    answer = qbwc_file("recovery_stored_customer_add_rs.xml", message_set_id=message_set_id(job.id, 1),
                       request_id=job.id)
    assert gw.receive(forged, answer) == PROTOCOL_ERROR_PERCENT
    # THEN the write stays in doubt for its probe: only a ticket authenticate issued may settle it
    assert gw.job(job.id).status is JobStatus.IN_DOUBT
    assert gw.store.get_job(job.id).response_qbxml is None
    assert [m["status"] for m in gw.publisher.delivered] == ["in_doubt"]


# The outbox ------------------------------------------------------------------------------------------------
def expire(gw: Harness) -> Job:
    job = gw.queue.enqueue(gw.user.id, qbwc_file("customer_query_rq.xml"), source="rest", deadline_seconds=60)[0]
    gw.clock.advance(seconds=61)
    done = gw.queue.expire(job)
    assert done is not None and done.status is JobStatus.EXPIRED
    return done


def fail_queued(gw: Harness) -> Job:
    job = gw.enqueue()
    done = gw.queue.fail_queued(job, error("qbxml_version_unsupported", "needs qbXML 16.0"))
    assert done is not None and done.status is JobStatus.FAILED
    return done


def give_up_in_doubt(gw: Harness) -> Job:
    job = gw.queue.enqueue(gw.user.id, qbxml_job("customer_add.xml"), source="rest", deadline_seconds=60)[0]
    gw.send(gw.open_session(), first=True)
    gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    gw.service.dispatcher.sweep()  # in doubt, and past its deadline: failed in_doubt_unresolved
    done = gw.store.get_job(job.id)
    assert done is not None and done.error is not None and done.error["code"] == "in_doubt_unresolved"
    return done


@pytest.mark.parametrize("finish", [expire, fail_queued, give_up_in_doubt])
def test_a_failed_publish_stays_in_the_outbox_and_goes_out_later(gw: Harness, finish: Callable[[Harness], Job]) -> None:
    # GIVEN SQS is down when a job finishes outside a live session's answer
    gw.publisher.fail = True
    job = finish(gw)
    # THEN the result is safe on the job, unpublished, in the outbox
    stored = gw.store.get_job(job.id)
    assert stored is not None and stored.status.is_terminal and stored.published_at is None
    assert job.id not in [m["job_id"] for m in gw.publisher.delivered]
    assert job.id in [j.id for j in gw.store.unpublished(gw.clock.now + timedelta(days=1))]
    # AND a re-publish right away leaves it for later (its first attempt may still be under way)
    gw.publisher.fail = False
    assert gw.queue.republish_outbox(older_than=timedelta(minutes=1)) == 0
    # WHEN the re-publisher runs after SQS recovered
    gw.clock.advance(minutes=2)
    # THEN it is delivered once more, as stored, and leaves the outbox
    assert gw.queue.republish_outbox(older_than=timedelta(minutes=1)) == 1
    (message,) = [m for m in gw.publisher.delivered if m["job_id"] == job.id]
    assert message["status"] == stored.status.value and message["error"] == stored.error
    assert gw.store.get_job(job.id).published_at == gw.clock.now
    assert gw.queue.republish_outbox(older_than=timedelta(minutes=1)) == 0


def test_a_republish_that_still_fails_keeps_the_job_in_the_outbox(gw: Harness) -> None:
    # GIVEN a result in the outbox and SQS still down
    gw.publisher.fail = True
    job = fail_queued(gw)
    gw.clock.advance(minutes=5)
    # WHEN the re-publisher runs / THEN nothing is counted as sent and the job stays in the outbox
    assert gw.queue.republish_outbox(older_than=timedelta(minutes=1)) == 0
    assert [j.id for j in gw.store.unpublished(gw.clock.now)] == [job.id]
    assert len(gw.publisher.attempts) == 2 and gw.publisher.delivered == []


def test_a_failed_publish_of_the_last_answer_goes_out_when_the_pointer_is_cleared(gw: Harness) -> None:
    # GIVEN SQS is down when QuickBooks' answer settles a job, and the session closes right after
    job, ticket = sent(gw)
    gw.publisher.fail = True
    gw.answer(ticket, job)
    assert gw.store.get_job(job.id).status is JobStatus.SUCCEEDED
    gw.close(ticket)
    # WHEN the sweeper finds the pointer left on the settled job, SQS being back
    gw.publisher.fail = False
    gw.service.dispatcher.sweep()
    # THEN the result is published
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(job.id, "succeeded")]


def stored_not_published(*, sqs_down_for_the_sweep: bool) -> tuple[Harness, Job]:
    """GIVEN an answer stored on its job, but the call died before publishing (the store's reply was lost),
    and the session closed: the lease's pointer on the settled job is all that remembers it."""
    store = LosingStore()
    gw, _payloads = build(store=store)
    job, ticket = sent(gw)
    store.lose_next = True
    assert gw.answer(ticket, job) == PROTOCOL_ERROR_PERCENT
    assert store.get_job(job.id).status is JobStatus.SUCCEEDED and gw.publisher.attempts == []
    assert gw.store.unpublished(gw.clock.now + timedelta(days=1)) == []
    gw.close(ticket)
    # WHEN the sweeper finds the pointer (SQS up, or down at that moment and back later)
    gw.publisher.fail = sqs_down_for_the_sweep
    gw.service.dispatcher.sweep()
    gw.publisher.fail = False
    gw.clock.advance(minutes=5)
    gw.service.dispatcher.sweep()
    gw.queue.republish_outbox(older_than=timedelta(minutes=1))
    return gw, job


def test_an_answer_stored_but_never_published_goes_out_when_the_sweeper_clears_the_pointer() -> None:
    gw, job = stored_not_published(sqs_down_for_the_sweep=False)
    # THEN the sweeper published it, and the pointer is gone
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(job.id, "succeeded")]
    assert gw.store.get_lease(gw.user.id).pointer is None


def test_an_answer_stored_but_never_published_survives_a_failed_republish_by_the_sweeper() -> None:
    gw, job = stored_not_published(sqs_down_for_the_sweep=True)
    # THEN the result reached SQS all the same, once SQS was back
    assert job.id in [m["job_id"] for m in gw.publisher.delivered]


def test_a_failed_publish_of_an_answer_is_not_lost_when_the_session_moves_on(gw: Harness) -> None:
    # GIVEN two jobs, and SQS down just when QuickBooks' answer to the first arrives
    first, second = gw.enqueue(), gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.publisher.fail = True
    assert gw.answer(ticket, first) >= 0
    assert gw.store.get_job(first.id).status is JobStatus.SUCCEEDED
    # WHEN SQS recovers, the session runs the second job and ends, and the sweeper and re-publisher run
    gw.publisher.fail = False
    assert second.id in gw.send(ticket)
    gw.answer(ticket, second)
    gw.send(ticket)
    gw.close(ticket)
    gw.clock.advance(minutes=5)
    gw.service.dispatcher.sweep()
    gw.queue.republish_outbox(older_than=timedelta(minutes=1))
    # THEN the first result reached SQS too
    assert first.id in [m["job_id"] for m in gw.publisher.delivered]


# The payload store (S3) --------------------------------------------------------------------------------------
def test_a_large_answer_goes_to_s3_before_the_job_is_stored() -> None:
    gw, payloads = build()
    # GIVEN a job in flight and an answer one byte over what the job item can keep
    job, ticket = sent(gw)
    answer = answer_of(job, room(job) + 1)
    # WHEN it arrives
    gw.receive(ticket, answer)
    # THEN the answer went to S3 under results/<end user>/<job>.xml while the job was still queued and
    # pointed at, before anything was published
    (put,) = payloads.puts
    assert (put.key, put.text) == (f"results/{gw.user.id}/{job.id}.xml", answer)
    assert put.stored is not None and put.stored.status is JobStatus.QUEUED and put.pointed_at
    assert put.published_before == 0
    # AND the job was stored succeeded with the S3 URI and without the text, before it was published
    uri = f"s3://{BUCKET}/results/{gw.user.id}/{job.id}.xml"
    (attempt,) = gw.publisher.attempts
    assert attempt.stored is not None
    assert (attempt.stored.status, attempt.stored.response_s3_uri, attempt.stored.response_qbxml) == (
        JobStatus.SUCCEEDED, uri, None)
    # AND the message carries the URI, not the text
    assert (attempt.message["response_s3_uri"], attempt.message["response_qbxml"]) == (uri, None)


def test_a_small_answer_stays_inline() -> None:
    gw, payloads = build()
    # GIVEN an answer well within the limit
    job, ticket = sent(gw)
    answer = answer_of(job)
    assert utf8_len(answer) < room(job)
    # WHEN it arrives / THEN nothing goes to S3 and the job and the message carry the text
    gw.receive(ticket, answer)
    assert payloads.puts == []
    assert (gw.job(job.id).response_qbxml, gw.job(job.id).response_s3_uri) == (answer, None)
    assert gw.publisher.delivered[0]["response_qbxml"] == answer
    assert "response_s3_uri" not in gw.publisher.delivered[0]


@pytest.mark.parametrize("fixture", ["customer_query_rq.xml", "customer_add.xml"])
def test_size_is_counted_in_utf8_bytes_together_with_the_request(fixture: str) -> None:
    # Finding 5: the limit was counted in characters and without the request, so an item could pass 400 KB.
    gw, payloads = build()
    # GIVEN a job in flight (the write's request has accented letters: more bytes than characters)
    job, ticket = sent(gw, fixture)
    # AND an answer of two-byte characters filling exactly the bytes the request leaves
    at_limit = answer_of(job, room(job))
    assert utf8_len(at_limit) + utf8_len(job.qbxml) == INLINE
    assert len(at_limit) < room(job)  # counted in characters it would seem to leave room
    # WHEN it arrives / THEN it is kept on the job item as it came
    gw.receive(ticket, at_limit)
    assert payloads.puts == []
    assert gw.job(job.id).response_qbxml == at_limit
    # AND the same job with one byte more goes to S3 instead
    again = gw.enqueue(fixture)
    assert again.id in gw.send(ticket)
    over = answer_of(again, room(again) + 1)
    assert len(over) + len(again.qbxml) < INLINE  # fewer characters than the limit, all the same
    gw.receive(ticket, over)
    assert [put.text for put in payloads.puts] == [over]
    assert gw.job(again.id).response_qbxml is None and gw.job(again.id).response_s3_uri


def test_without_a_payload_store_a_large_read_fails_with_result_too_large() -> None:
    # Finding 5: one byte over, in bytes, with the request counted
    gw, _payloads = build(offload=False)
    job, ticket = sent(gw)
    answer = answer_of(job, room(job) + 1)
    assert len(answer) < room(job)
    # WHEN the answer arrives
    gw.receive(ticket, answer)
    # THEN the read failed with result_too_large, keeping neither text nor URI; the failure is published
    failed = gw.job(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None and failed.error["code"] == "result_too_large"
    assert "MaxReturned" in failed.error["message"]
    assert (failed.response_qbxml, failed.response_s3_uri, failed.response_omitted) == (None, None, None)
    assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(job.id, "failed")]


def test_without_a_payload_store_an_applied_write_keeps_response_omitted() -> None:
    # GIVEN a write QuickBooks applied, whose answer is too large to keep without a payload store
    gw, _payloads = build(offload=False)
    job, ticket = sent(gw, "customer_add.xml")
    answer = answer_of(job, room(job) + 1)
    # WHEN the answer arrives
    gw.receive(ticket, answer)
    # THEN the write succeeded (it is in QuickBooks: reporting it failed would invite a duplicate) ...
    done = gw.job(job.id)
    assert (done.status, done.error) == (JobStatus.SUCCEEDED, None)
    # ... its answer left out, saying why and how large it was
    assert (done.response_qbxml, done.response_s3_uri) == (None, None)
    assert done.response_omitted is not None
    assert (done.response_omitted["reason"], done.response_omitted["bytes"]) == ("result_too_large", utf8_len(answer))
    assert done.response_omitted["message"]
    # AND the message says the same
    (message,) = gw.publisher.delivered
    assert (message["status"], message["response_qbxml"]) == ("succeeded", None)
    assert message["response_omitted"] == done.response_omitted


def test_over_the_hard_cap_a_read_fails_and_a_write_is_kept_as_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a payload store, and answers over the most the gateway offloads
    monkeypatch.setattr("chalicelib.jobs.queue.MAX_OFFLOADED_RESULT_BYTES", 2 * INLINE)
    gw, payloads = build()
    query, ticket = sent(gw)
    gw.receive(ticket, answer_of(query, 3 * INLINE))
    addition = gw.enqueue("customer_add.xml")
    assert addition.id in gw.send(ticket)
    gw.receive(ticket, answer_of(addition, 3 * INLINE))
    # THEN nothing went to S3; the read failed with result_too_large, the write succeeded without its answer
    assert payloads.puts == []
    failed = gw.job(query.id)
    assert failed.error is not None and failed.error["code"] == "result_too_large"
    applied = gw.job(addition.id)
    assert applied.status is JobStatus.SUCCEEDED and applied.response_omitted is not None


@pytest.mark.parametrize("fixture", ["customer_query_rq.xml", "customer_add.xml"])
def test_a_failed_s3_write_leaves_the_job_queued_and_pointed_at_for_recovery(fixture: str) -> None:
    gw, payloads = build()
    # GIVEN S3 is down when a large answer arrives
    job, ticket = sent(gw, fixture)
    answer = answer_of(job, room(job) + 1)
    payloads.fail = True
    # WHEN it arrives / THEN QBWC gets a protocol error, and getLastError says it is temporary
    assert gw.receive(ticket, answer) == PROTOCOL_ERROR_PERCENT
    assert gw.last_error(ticket) == INTERNAL_ERROR_TEXT
    # AND nothing was stored or published: the job is still queued, the lease still pointing at it
    stored = gw.store.get_job(job.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.response_qbxml, stored.response_s3_uri) == (
        JobStatus.QUEUED, 0, None, None)
    assert gw.job(job.id).status is JobStatus.IN_FLIGHT
    assert gw.publisher.attempts == []
    # WHEN the session closes and the next one runs with S3 back
    gw.close(ticket)
    payloads.fail = False
    nxt = gw.open_session()
    document = gw.send(nxt, first=True)
    if job.is_write:
        # THEN a write is never reported failed nor sent again: it is in doubt, and the probe's stored
        # answer settles it
        assert gw.job(job.id).status is JobStatus.IN_DOUBT and "CustomerAddRq" not in document
        stored_answer = padded(qbwc_file("recovery_stored_customer_add_rs.xml",
                                         message_set_id=message_set_id(job.id, 1), request_id=job.id),
                               room(job) + 1)
        gw.receive(nxt, stored_answer)
    else:
        # THEN a read runs again, as attempt 2, and its answer settles it
        assert job.id in document and gw.job(job.id).attempts == 2
        gw.receive(nxt, answer)
    done = gw.job(job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.response_s3_uri == f"s3://{BUCKET}/results/{gw.user.id}/{job.id}.xml"
    assert gw.publisher.delivered[-1]["response_s3_uri"] == done.response_s3_uri
