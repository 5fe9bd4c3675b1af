"""The SDK reads a job's answer wherever the gateway put it: inline, or offloaded to the payload bucket
(``response_qbxml`` null, ``response_s3_uri`` set) — ``fetch_response`` on a result message or a job
view, ``Client.job_response`` on a job view. S3 is moto's (``tests/unit/emulated_aws.py``); the REST
side of ``Client.enqueue_job`` runs on a recording session, no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from qbd_gateway_sdk import Client, JobView, QbdGatewayError, ResultMessage, fetch_response, message_key
from qbd_gateway_sdk import client as client_module

from tests.unit.emulated_aws import EmulatedAws, emulated_aws, result_body

ANSWER = '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs><CustomerRet><Name>Zoë Ünal Café</Name>' \
         '</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>'


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedAws]:
    with emulated_aws(monkeypatch) as account:
        yield account


def _job(**fields: Any) -> JobView:
    body: dict[str, Any] = {"id": "job_1", "end_user_id": "eu_1", "status": "succeeded",
                            "request_names": ["CustomerQueryRq"], "response_qbxml": None, "error": None,
                            "enqueued_at": "2026-12-01T10:00:00.000Z", "started_at": "2026-12-01T10:00:01.000Z",
                            "completed_at": "2026-12-01T10:00:07.000Z", "deadline_at": None, "attempts": 1}
    return JobView.model_validate({**body, **fields})


class NoS3:
    """An S3 client that must not be called."""

    def get_object(self, **kwargs: Any) -> Any:
        raise AssertionError(f"S3 was called: {kwargs}")


# fetch_response -----------------------------------------------------------------------------------------
def test_an_offloaded_page_is_read_from_s3_as_utf8_text(aws: EmulatedAws) -> None:
    # GIVEN page 2 of a paged query, offloaded as the gateway does it (non-ASCII names)
    uri = aws.put_answer("results/eu_1/job_1.p2.xml", ANSWER)
    page = ResultMessage.model_validate(result_body("job_1", status="in_flight", response_qbxml=None,
                                                    response_s3_uri=uri, page=2, last=False, remaining=7))
    # WHEN its answer is fetched THEN it is the object's text; the page's key is its own
    assert fetch_response(page, aws.s3) == ANSWER
    assert message_key(page) == "job_1.p2"


def test_an_inline_answer_is_returned_without_calling_s3_and_no_answer_is_none() -> None:
    # GIVEN an inline result and a job without an answer WHEN fetched with an S3 client that must not be used
    inline = ResultMessage.model_validate(result_body("job_1", response_qbxml="<QBXML>inline</QBXML>"))
    # THEN the inline text comes back, and None for the job that has none
    assert fetch_response(inline, NoS3()) == "<QBXML>inline</QBXML>"
    assert fetch_response(_job(status="queued", completed_at=None), NoS3()) is None


def test_an_expired_object_is_a_permanent_response_fetch_failed(aws: EmulatedAws) -> None:
    # GIVEN a job view whose offloaded object is gone (objects expire after 35 days)
    job = _job(response_s3_uri=f"s3://{aws.bucket}/results/eu_1/job_1.xml")
    # WHEN its answer is fetched THEN one QbdGatewayError: response_fetch_failed, S3's code, not retryable
    with pytest.raises(QbdGatewayError) as caught:
        fetch_response(job, aws.s3)
    assert (caught.value.code, caught.value.integration_code, caught.value.retryable) == (
        "response_fetch_failed", "NoSuchKey", False)


def test_a_network_failure_reading_s3_is_retryable() -> None:
    # GIVEN an S3 client whose call fails without an S3 error code (a dropped connection)
    class Dropped:
        def get_object(self, **kwargs: Any) -> Any:
            raise ConnectionError("connection reset")

    # WHEN an offloaded answer is fetched THEN response_fetch_failed, worth another try
    with pytest.raises(QbdGatewayError) as caught:
        fetch_response(_job(response_s3_uri="s3://b/results/eu_1/job_1.xml"), Dropped())
    assert (caught.value.code, caught.value.retryable) == ("response_fetch_failed", True)


@pytest.mark.parametrize("uri", ["https://b/results/x.xml", "s3://", "s3://bucket-only", "s3://bucket/"])
def test_a_malformed_s3_uri_is_an_unexpected_response(uri: str) -> None:
    # GIVEN a view whose URI is not s3://bucket/key WHEN fetched THEN unexpected_response, S3 never called
    with pytest.raises(QbdGatewayError) as caught:
        fetch_response(_job(response_s3_uri=uri), NoS3())
    assert caught.value.code == "unexpected_response"


# Client.job_response ------------------------------------------------------------------------------------
def test_job_response_reads_an_offloaded_answer_with_the_given_or_a_default_s3_client(aws: EmulatedAws) -> None:
    # GIVEN a finished job whose answer was offloaded
    job = _job(response_s3_uri=aws.put_answer("results/eu_1/job_1.xml", ANSWER))
    client = Client("http://gateway.invalid", "key")
    # WHEN its answer is asked for with an S3 client, and without one (boto3 from the environment)
    # THEN both give the object's text
    assert client.job_response(job, aws.s3) == ANSWER
    assert client.job_response(job) == ANSWER


def test_job_response_of_an_inline_answer_makes_no_s3_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a client that cannot make an S3 client
    def no_boto3() -> Any:
        raise AssertionError("an S3 client was made")

    monkeypatch.setattr(client_module, "default_s3_client", no_boto3)
    client = Client("http://gateway.invalid", "key")
    # WHEN the answer is inline, or there is none THEN it is returned as is
    assert client.job_response(_job(response_qbxml="<QBXML/>")) == "<QBXML/>"
    assert client.job_response(_job(status="failed")) is None


# Client.enqueue_job(page_size=...) ----------------------------------------------------------------------
class RecordingSession(requests.Session):
    """Answers every request with 202 and a queued job, and records what was sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append({"method": method, "url": url, **kwargs})
        response = requests.Response()
        response.status_code = 202
        response._content = json.dumps({"id": "job_9", "end_user_id": "eu_1", "status": "queued",
                                        "enqueued_at": "2026-12-01T10:00:00.000Z"}).encode()
        return response


def test_enqueue_with_a_page_size_sends_paging_and_without_one_sends_none() -> None:
    # GIVEN a client on a recording session
    session = RecordingSession()
    client = Client("http://gateway.invalid", "key", session=session)
    # WHEN a query is enqueued paged, then unpaged
    accepted = client.enqueue_job("eu_1", "<CustomerQueryRq/>", "sync-1", page_size=250)
    client.enqueue_job("eu_1", "<CustomerQueryRq/>")
    # THEN the first body carries paging.page_size, the second no paging at all
    assert accepted.id == "job_9"
    assert session.sent[0]["json"] == {"qbxml": "<CustomerQueryRq/>", "fail_if_offline": False,
                                       "paging": {"page_size": 250}}
    assert session.sent[0]["headers"]["Idempotency-Key"] == "sync-1"
    assert "paging" not in session.sent[1]["json"]
    # AND a page size the gateway would refuse is refused before sending
    with pytest.raises(ValueError):
        client.enqueue_job("eu_1", "<CustomerQueryRq/>", page_size=1001)
    assert len(session.sent) == 2
