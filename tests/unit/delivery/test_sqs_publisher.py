"""The SQS result publisher on moto's FIFO queue: one message per result, and a change feed's events in
batches of ten (``SendMessageBatch``), in order, each de-duplicated by its own key; a large event alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.delivery.sqs import SqsResultPublisher
from tests.unit.emulated_aws import EmulatedAws, emulated_aws, result_body


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedAws]:
    with emulated_aws(monkeypatch) as account:
        yield account


class Counting:
    """The SQS client, counting the calls that send."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, int]] = []

    def send_message(self, **kwargs: Any) -> Any:
        self.calls.append(("send_message", 1))
        return self.client.send_message(**kwargs)

    def send_message_batch(self, **kwargs: Any) -> Any:
        self.calls.append(("send_message_batch", len(kwargs["Entries"])))
        return self.client.send_message_batch(**kwargs)


def event(n: int, size: int = 0) -> dict[str, Any]:
    return {"schema_version": 1, "type": "change", "event_id": f"evt_{n:03d}", "end_user_id": "eu_1",
            "subscription_id": "fsub_1", "object_type": "customers", "id": f"8000{n:04d}-1", "change": "added",
            "revision_number": str(1000 + n), "modified_at": "2026-12-01T09:00:00-05:00",
            "object": {"name": f"Customer {n}", "notes": "x" * size}}


def received(aws: EmulatedAws) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        out = aws.sqs.client.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10,
                                             MessageAttributeNames=["All"], AttributeNames=["All"])
        batch = out.get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append({**json.loads(message["Body"]), "_attributes": message["MessageAttributes"],
                          "_dedup": message["Attributes"]["MessageDeduplicationId"]})
            aws.sqs.client.delete_message(QueueUrl=aws.queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_events_go_ten_to_a_call_in_order_each_under_its_own_key(aws: EmulatedAws) -> None:
    sqs = Counting(aws.sqs.client)
    SqsResultPublisher(sqs, aws.queue_url).publish_all([event(n) for n in range(23)])
    assert sqs.calls == [("send_message_batch", 10), ("send_message_batch", 10), ("send_message_batch", 3)]
    got = received(aws)
    assert [m["event_id"] for m in got] == [f"evt_{n:03d}" for n in range(23)]
    assert all(m["_dedup"] == m["event_id"] for m in got)
    assert {m["_attributes"]["type"]["StringValue"] for m in got} == {"change"}
    assert {m["_attributes"]["status"]["StringValue"] for m in got} == {"added"}


def test_a_batch_stays_under_256_kb_and_a_large_event_goes_alone(aws: EmulatedAws) -> None:
    sqs = Counting(aws.sqs.client)
    events = [event(0), event(1, size=100_000), event(2, size=100_000), event(3, size=100_000), event(4),
              event(5, size=300_000)]
    SqsResultPublisher(sqs, aws.queue_url).publish_all(events)
    assert [n for _, n in sqs.calls] == [3, 2, 1] and sqs.calls[-1][0] == "send_message"
    assert [m["event_id"] for m in received(aws)] == [e["event_id"] for e in events]


def test_a_result_is_one_message_under_its_job_key(aws: EmulatedAws) -> None:
    sqs = Counting(aws.sqs.client)
    SqsResultPublisher(sqs, aws.queue_url).publish(result_body("job_eu_1_7", status="in_flight", page=2, last=False))
    [got] = received(aws)
    assert sqs.calls == [("send_message", 1)] and got["_dedup"] == "job_eu_1_7.p2"
    assert got["_attributes"]["type"]["StringValue"] == "result"
