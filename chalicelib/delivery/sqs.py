"""The SQS adapter of :class:`chalicelib.jobs.ports.ResultPublisher`.

Results go to a FIFO queue: ``MessageGroupId`` = end-user id keeps one end-user's results in order,
``MessageDeduplicationId`` = the message's key (:func:`chalicelib.jobs.results.message_key`: the job id, a
page's, an in-doubt notice's, a change event's id) makes a re-publish inside SQS's 5-minute window a no-op;
consumers deduplicate by the same key beyond it (invariant 2: at least once). The ``type`` attribute says
``result`` or ``change``; ``status`` is a result's status or an event's change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.jobs.results import message_key, message_kind

SQS_MAX_BYTES = 1024 * 1024


class SqsResultPublisher:
    def __init__(self, client: Any, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def publish(self, message: Mapping[str, Any]) -> None:
        self.client.send_message(QueueUrl=self.queue_url, **_entry(message))

    def publish_all(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Several messages in order, ten to a ``SendMessageBatch`` (at most 256 KB each batch); raises when
        any entry failed (those before it were sent: a FIFO queue drops their repeat within five minutes)."""
        for batch in _batches([_entry(m) for m in messages]):
            if len(batch) == 1:  # alone: perhaps too large for a batch, and one call either way
                self.client.send_message(QueueUrl=self.queue_url, **batch[0])
                continue
            sent = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(n), **entry} for n, entry in enumerate(batch)])
            failed = sent.get("Failed") or []
            if failed:
                raise ConnectionError(f"SQS refused {len(failed)} of {len(batch)} messages: {failed[0].get('Code')}")


BATCH_ENTRIES = 10
BATCH_BYTES = 256 * 1024


def _entry(message: Mapping[str, Any]) -> dict[str, Any]:
    """One message's ``SendMessage`` arguments (without the queue)."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    key = message_key(message)
    if len(body.encode("utf-8")) > SQS_MAX_BYTES:
        raise ValueError(f"result message {key} is over SQS's 1 MiB limit")
    kind = message_kind(message)
    return {
        "MessageBody": body,
        "MessageGroupId": str(message["end_user_id"]),
        "MessageDeduplicationId": key,
        "MessageAttributes": {
            "schema_version": {"DataType": "Number", "StringValue": str(message["schema_version"])},
            "type": {"DataType": "String", "StringValue": kind},
            "status": {"DataType": "String",
                       "StringValue": str(message["change"] if kind == "change" else message["status"])},
        },
    }


def _batches(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive runs of at most :data:`BATCH_ENTRIES` entries and :data:`BATCH_BYTES` of bodies (a body
    above that goes alone)."""
    found: list[list[dict[str, Any]]] = []
    size = 0
    for entry in entries:
        length = len(entry["MessageBody"].encode("utf-8"))
        if not found or len(found[-1]) == BATCH_ENTRIES or size + length > BATCH_BYTES:
            found.append([])
            size = 0
        found[-1].append(entry)
        size += length
    return found


class SqsDeliveryQueue:
    """The SQS adapter of :class:`chalicelib.delivery.webhooks.DeliveryQueue`: a standard queue (a FIFO
    queue has no per-message delay), one message ``{"delivery_id": …}`` per attempt to make, delayed by
    up to 15 minutes. A duplicate message is harmless: the attempt claims the delivery first."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def schedule(self, delivery_id: str, delay_seconds: int) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps({"delivery_id": delivery_id}),
                                 DelaySeconds=max(0, min(900, int(delay_seconds))))
