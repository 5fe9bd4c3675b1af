"""The SDK's results consumer de-duplicates by message, not by job: an in-doubt notice and the job's
final result are two messages; a redelivered result is one.

With an S3 client it reads answers offloaded to the payload bucket before the handler sees them; a
download that fails is a failed handler (the message stays, the end-user's later results wait). Those
tests run on moto: the results FIFO queue and the bucket (``tests/unit/emulated_aws.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from qbd_gateway_sdk import ResultMessage, ResultsConsumer

from tests.support.paths import FIXTURES_DIR
from tests.unit.emulated_aws import EmulatedAws, emulated_aws, result_body


class FakeSqs:
    """One batch of messages of one end-user's group, and the receipts deleted."""

    def __init__(self, bodies: list[dict[str, Any]]) -> None:
        self.messages = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": json.dumps(body),
                          "Attributes": {"MessageGroupId": body["end_user_id"]}} for i, body in enumerate(bodies)]
        self.deleted: list[str] = []

    def receive_message(self, **_kwargs: Any) -> dict[str, Any]:
        return {"Messages": self.messages}

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> None:
        self.deleted.append(ReceiptHandle)


def test_the_final_result_after_an_in_doubt_notice_reaches_the_handler() -> None:
    # GIVEN an in-doubt notice for a write, its final result, and that result delivered again
    bodies = json.loads((FIXTURES_DIR / "sdk" / "in_doubt_then_result.json").read_text())
    sqs = FakeSqs(bodies)
    handled: list[ResultMessage] = []
    # WHEN the consumer polls
    report = ResultsConsumer(sqs, "url", handled.append, wait_seconds=0).poll_once()
    # THEN the handler saw the notice and then the result, once each; the duplicate was deleted unhandled
    assert [m.status for m in handled] == ["in_doubt", "succeeded"]
    assert (report.handled, report.skipped) == (["job_1", "job_1"], ["job_1"])
    assert sqs.deleted == ["r0", "r1", "r2"]


def _event(object_id: str, revision: str | None, change: str) -> dict[str, Any]:
    return {"schema_version": 1, "type": "change", "event_id": f"evt_{object_id}_{revision or 'deleted'}",
            "end_user_id": "eu_1", "subscription_id": "fsub_1", "object_type": "customers", "id": object_id,
            "change": change, "revision_number": revision, "modified_at": "2026-12-01T09:00:00-05:00",
            **({"object": {"id": object_id, "name": "Alder"}} if change != "deleted" else {})}


def test_change_events_reach_their_own_handler_once_in_order_with_the_results() -> None:
    # GIVEN a result, a change event, the same event again (a repeat), and a deletion, of one end-user
    result = json.loads((FIXTURES_DIR / "sdk" / "in_doubt_then_result.json").read_text())[1]
    added, deleted = _event("80000001-1", "1001", "added"), _event("80000001-1", None, "deleted")
    sqs = FakeSqs([{**result, "end_user_id": "eu_1"}, added, added, deleted])
    results: list[ResultMessage] = []
    changes: list[Any] = []
    # WHEN the consumer polls with a change handler
    report = ResultsConsumer(sqs, "url", results.append, wait_seconds=0, on_change=changes.append).poll_once()
    # THEN the result went to the handler, each event once to on_change, in order; the repeat deleted unhandled
    assert [r.job_id for r in results] == [result["job_id"]]
    assert [(c.change, c.revision_number) for c in changes] == [("added", "1001"), ("deleted", None)]
    assert changes[0].object == {"id": "80000001-1", "name": "Alder"} and changes[1].object is None
    assert report.skipped == [added["event_id"]] and sqs.deleted == ["r0", "r1", "r2", "r3"]


def test_without_a_change_handler_events_are_deleted_unhandled_and_results_still_handled() -> None:
    result = json.loads((FIXTURES_DIR / "sdk" / "in_doubt_then_result.json").read_text())[1]
    sqs = FakeSqs([_event("80000002-1", "1002", "modified"), {**result, "end_user_id": "eu_1"}])
    results: list[ResultMessage] = []
    report = ResultsConsumer(sqs, "url", results.append, wait_seconds=0).poll_once()
    assert len(results) == 1 and report.skipped == ["evt_80000002-1_1002"] and sqs.deleted == ["r0", "r1"]


# Answers offloaded to S3 (moto: the results FIFO queue and the payload bucket) --------------------------
@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedAws]:
    with emulated_aws(monkeypatch) as account:
        yield account


def _page(job_id: str, page: int, remaining: int, **fields: Any) -> dict[str, Any]:
    last = remaining == 0
    return result_body(job_id, status="succeeded" if last else "in_flight", page=page, records=2,
                       remaining=remaining, last=last, resumed=False, cursor=f"{job_id}:{page}",
                       completed_at="2026-12-01T10:00:07.000Z" if last else None, **fields)


def test_a_page_offloaded_to_s3_reaches_the_handler_as_text_and_both_pages_are_consumed(aws: EmulatedAws) -> None:
    # GIVEN a paged query's two pages: page 1 too large for the message (in S3, non-ASCII), page 2 inline
    answer = '<?xml version="1.0" ?><QBXML><CustomerRet><Name>Café Ünal</Name></CustomerRet></QBXML>'
    uri = aws.put_answer("results/eu_1/job_1.p1.xml", answer)
    aws.send(_page("job_1", 1, 2, response_qbxml=None, response_s3_uri=uri), "job_1.p1")
    aws.send(_page("job_1", 2, 0, response_qbxml="<QBXML>page 2</QBXML>"), "job_1")
    handled: list[ResultMessage] = []
    seen: set[str] = set()
    # WHEN a consumer with an S3 client polls
    report = ResultsConsumer(aws.sqs, aws.queue_url, handled.append, seen, wait_seconds=0,
                             s3_client=aws.s3).poll_once()
    # THEN the handler got page 1's text from S3 (its URI kept), then page 2 as it came
    assert [(m.page, m.response_qbxml) for m in handled] == [(1, answer), (2, "<QBXML>page 2</QBXML>")]
    assert handled[0].response_s3_uri == uri and handled[1].response_s3_uri is None
    # AND both were deleted and remembered by page key and job id
    assert report.handled == ["job_1", "job_1"] and not report.failed
    assert seen == {"job_1.p1", "job_1"} and aws.queued() == 0


def test_a_failed_download_leaves_the_message_like_a_failed_handler_and_nothing_is_lost(aws: EmulatedAws) -> None:
    # GIVEN eu_1's offloaded result whose object cannot be read (not there yet), eu_1's next result, and
    # another end-user's result
    key = "results/eu_1/job_1.xml"
    aws.send(result_body("job_1", response_qbxml=None, response_s3_uri=f"s3://{aws.bucket}/{key}"), "job_1")
    aws.send(result_body("job_2", response_qbxml="<QBXML>2</QBXML>"), "job_2")
    aws.send(result_body("job_3", end_user_id="eu_2", response_qbxml="<QBXML>3</QBXML>"), "job_3")
    handled: list[ResultMessage] = []
    consumer = ResultsConsumer(aws.sqs, aws.queue_url, handled.append, wait_seconds=0, s3_client=aws.s3)
    # WHEN it polls
    first = consumer.poll_once()
    # THEN job_1 failed without reaching the handler, eu_1's job_2 was held back, eu_2's job_3 handled
    assert (first.failed, first.held_back, first.handled) == (["job_1"], ["job_2"], ["job_3"])
    assert [m.job_id for m in handled] == ["job_3"]
    # AND job_1 and job_2 are still on the queue
    assert aws.queued() == 2
    # AND they stay hidden until their visibility timeout ends
    assert consumer.poll_once().handled == []
    # WHEN the object is readable, the visibility timeout passes and the consumer polls again
    aws.put_answer(key, "<QBXML>1</QBXML>")
    aws.visibility_timeout_passes()
    second = consumer.poll_once()
    # THEN job_1 (with its answer) and then job_2 are handled, in order, and the queue is empty
    assert second.handled == ["job_1", "job_2"] and not second.failed
    assert [(m.job_id, m.response_qbxml) for m in handled[1:]] == [("job_1", "<QBXML>1</QBXML>"),
                                                                  ("job_2", "<QBXML>2</QBXML>")]
    assert aws.queued() == 0


def test_without_an_s3_client_the_handler_gets_the_offloaded_message_as_it_came(aws: EmulatedAws) -> None:
    # GIVEN an offloaded result
    uri = aws.put_answer("results/eu_1/job_1.xml", "<QBXML>big</QBXML>")
    aws.send(result_body("job_1", response_qbxml=None, response_s3_uri=uri), "job_1")
    handled: list[ResultMessage] = []
    # WHEN a consumer without an S3 client polls
    report = ResultsConsumer(aws.sqs, aws.queue_url, handled.append, wait_seconds=0).poll_once()
    # THEN the handler saw no text, only the URI, and the message was consumed
    assert [(m.response_qbxml, m.response_s3_uri) for m in handled] == [(None, uri)]
    assert report.handled == ["job_1"] and aws.queued() == 0


def test_a_redelivered_offloaded_page_is_skipped_without_reading_s3(aws: EmulatedAws) -> None:
    # GIVEN page 1 of job_1, already handled, delivered again; its object has expired from the bucket
    aws.send(_page("job_1", 1, 5, response_qbxml=None, response_s3_uri=f"s3://{aws.bucket}/results/eu_1/job_1.p1.xml"),
             "job_1.p1")
    handled: list[ResultMessage] = []
    # WHEN the consumer polls
    report = ResultsConsumer(aws.sqs, aws.queue_url, handled.append, {"job_1.p1"}, wait_seconds=0,
                             s3_client=aws.s3).poll_once()
    # THEN it is deleted as a duplicate: the missing object is never asked for, so nothing fails
    assert (report.skipped, report.failed, handled) == (["job_1"], [], [])
    assert aws.queued() == 0
