"""The SQS adapter of :class:`chalicelib.jobs.ports.ResultPublisher`.

Results go to a FIFO queue: ``MessageGroupId`` = end-user id keeps one end-user's results in order,
``MessageDeduplicationId`` = job id makes a re-publish inside SQS's 5-minute window a no-op; consumers
deduplicate by ``job_id`` beyond it (invariant 2: at least once).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SQS_MAX_BYTES = 1024 * 1024


class SqsResultPublisher:
    def __init__(self, client: Any, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def publish(self, message: Mapping[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        if len(body.encode("utf-8")) > SQS_MAX_BYTES:
            raise ValueError(f"result message for job {message['job_id']} is over SQS's 1 MiB limit")
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageGroupId=str(message["end_user_id"]),
            # A result de-duplicates by job id; an in_doubt notice is a message of its own before it.
            MessageDeduplicationId=str(message["job_id"]) + (
                ".in_doubt" if message["status"] == "in_doubt"
                else f".p{message['page']}" if message.get("page") and not message.get("last") else ""),
            MessageAttributes={
                "schema_version": {"DataType": "Number", "StringValue": str(message["schema_version"])},
                "status": {"DataType": "String", "StringValue": str(message["status"])},
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
