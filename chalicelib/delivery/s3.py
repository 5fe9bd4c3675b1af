"""The S3 adapter of :class:`chalicelib.jobs.ports.PayloadStore`: QuickBooks answers too large to keep
on the job item (DynamoDB, 400 KB) or to send in a result message (SQS, 1 MiB).

Objects are written as UTF-8 ``application/xml``; encryption is the bucket's default (SSE-S3 in
``infra/template.json``) and the bucket's lifecycle rule expires them.
"""

from __future__ import annotations

from typing import Any


class S3PayloadStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, key: str, text: str) -> str:
        """Write ``text`` under ``key``; returns ``s3://bucket/key``. Raises whatever boto3 raises."""
        self.client.put_object(Bucket=self.bucket, Key=key, Body=text.encode("utf-8"),
                               ContentType="application/xml")
        return f"s3://{self.bucket}/{key}"

    def get(self, uri: str) -> str:
        """The text under ``s3://bucket/key`` (of this bucket only: a URI is never followed elsewhere)."""
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        if not uri.startswith("s3://") or bucket != self.bucket or not key:
            raise ValueError("not an object of the payload bucket")
        return str(self.client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
