"""An emulated AWS account (``moto.mock_aws``, in process, no network) holding what a SaaS consumer of the
gateway reads: the results FIFO queue and the payload bucket where large answers are offloaded.

The SDK and CLI tests use it to put result messages and answer objects exactly where the gateway puts
them (``results/<end user>/<job>.xml``, ``….p<page>.xml`` for a page; UTF-8 ``application/xml``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
BUCKET = "qbd-gateway-payloads-test"


class RecordingSqs:
    """The SQS client, remembering the receipt handle of every message it received (to end their
    visibility timeout on demand: :meth:`EmulatedAws.visibility_timeout_passes`)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.receipts: list[str] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        out: dict[str, Any] = self.client.receive_message(**kwargs)
        self.receipts += [message["ReceiptHandle"] for message in out.get("Messages", [])]
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@dataclass(frozen=True)
class EmulatedAws:
    sqs: RecordingSqs
    s3: Any
    queue_url: str
    bucket: str = BUCKET

    def put_answer(self, key: str, text: str) -> str:
        """Write an answer as the gateway's payload store does; its ``s3://`` URI."""
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType="application/xml")
        return f"s3://{self.bucket}/{key}"

    def send(self, body: dict[str, Any], dedup_id: str) -> None:
        """Publish a result message as the gateway does (group = end-user, deduplication id given)."""
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(body),
                              MessageGroupId=body["end_user_id"], MessageDeduplicationId=dedup_id)

    def visibility_timeout_passes(self) -> None:
        """Every received, undeleted message becomes visible again, as when its visibility timeout ends.
        (Done explicitly: moto, unlike SQS, hands out a FIFO group's second message before its first when
        both time out together.)"""
        for receipt in self.sqs.receipts:
            with contextlib.suppress(self.sqs.exceptions.ClientError):  # deleted meanwhile
                self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=receipt,
                                                   VisibilityTimeout=0)
        self.sqs.receipts.clear()

    def queued(self) -> int:
        """Messages still on the queue (visible or not)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@contextmanager
def emulated_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedAws]:
    """A fresh account with the results queue and the payload bucket. No endpoint override leaks in from
    the shell."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    for name in ("QBDGW_AWS_ENDPOINT_URL", "QBDGW_DYNAMODB_ENDPOINT_URL", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        sqs, s3 = boto3.client("sqs", region_name=REGION), boto3.client("s3", region_name=REGION)
        url = sqs.create_queue(QueueName="qbd-gateway-results-test.fifo",
                               Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"})["QueueUrl"]
        s3.create_bucket(Bucket=BUCKET)
        yield EmulatedAws(RecordingSqs(sqs), s3, url)


def result_body(job_id: str, *, end_user_id: str = "eu_1", status: str = "succeeded",
                response_qbxml: str | None = "<QBXML/>", response_s3_uri: str | None = None,
                **extra: Any) -> dict[str, Any]:
    """A schema-v1 result message as ``chalicelib.jobs.results.result_message`` renders it."""
    body: dict[str, Any] = {"schema_version": 1, "job_id": job_id, "end_user_id": end_user_id, "status": status,
                            "response_qbxml": response_qbxml, "error": None,
                            "enqueued_at": "2026-12-01T10:00:00.000Z", "completed_at": "2026-12-01T10:00:07.000Z"}
    if response_s3_uri is not None:
        body["response_s3_uri"] = response_s3_uri
    return {**body, **extra}
