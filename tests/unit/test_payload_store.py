"""The S3 adapter of the payload store writes UTF-8 XML under the key and answers with its s3:// URI."""

from __future__ import annotations

from typing import Any

from chalicelib.config import Settings
from chalicelib.delivery.s3 import S3PayloadStore


class RecordingS3:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {}


def test_put_writes_xml_and_returns_the_uri() -> None:
    # GIVEN the adapter on a bucket
    client = RecordingS3()
    payloads = S3PayloadStore(client, "payloads-dev")
    # WHEN an answer is stored
    uri = payloads.put("results/eu_1/job_1.xml", "<QBXML>Café</QBXML>")
    # THEN one put_object wrote it as UTF-8 application/xml, and the URI names bucket and key
    assert uri == "s3://payloads-dev/results/eu_1/job_1.xml"
    assert client.calls == [{"Bucket": "payloads-dev", "Key": "results/eu_1/job_1.xml",
                             "Body": "<QBXML>Café</QBXML>".encode(), "ContentType": "application/xml"}]


def test_settings_read_the_bucket_and_the_inline_limit() -> None:
    # GIVEN / WHEN the environment names a bucket and a limit / THEN the settings carry them
    settings = Settings.from_env({"QBDGW_PAYLOAD_BUCKET": "b", "QBDGW_INLINE_RESULT_MAX_BYTES": "300"})
    assert (settings.payload_bucket, settings.inline_result_max_bytes) == ("b", 300)
    assert (Settings.from_env({}).payload_bucket, Settings.from_env({}).inline_result_max_bytes) == ("", 384_000)
