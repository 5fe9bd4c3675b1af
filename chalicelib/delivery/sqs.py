"""The SQS adapter of :class:`chalicelib.jobs.ports.ResultPublisher`.

Results go to a FIFO queue: ``MessageGroupId`` = end-user id keeps one end-user's results in order,
``MessageDeduplicationId`` = the message's key (:func:`chalicelib.jobs.results.message_key`: the job id, a
page's, an in-doubt notice's, a change event's id) makes a re-publish inside SQS's 5-minute window a no-op;
consumers deduplicate by the same key beyond it (invariant 2: at least once). The ``type`` attribute says
``result`` or ``change``; ``status`` is a result's status or an event's change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalicelib.jobs.results import message_key, message_kind

SQS_MAX_BYTES = 1024 * 1024


class SqsResultPublisher:
    def __init__(self, client: Any, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def publish(self, message: Mapping[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        key = message_key(message)
        if len(body.encode("utf-8")) > SQS_MAX_BYTES:
            raise ValueError(f"result message {key} is over SQS's 1 MiB limit")
        kind = message_kind(message)
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageGroupId=str(message["end_user_id"]),
            MessageDeduplicationId=key,
            MessageAttributes={
                "schema_version": {"DataType": "Number", "StringValue": str(message["schema_version"])},
                "type": {"DataType": "String", "StringValue": kind},
                "status": {"DataType": "String",
                           "StringValue": str(message["change"] if kind == "change" else message["status"])},
            },
        )


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
