"""Answers of any size at the SOAP edge: what the deployed path (API Gateway → Lambda, 6,291,456
bytes of JSON event) would refuse is refused here too, with a SOAP fault, and its job does not wait
out its lease: a read fails at once with ``result_too_large``, a write becomes ``in_doubt``."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from chalicelib.api.soap import LAMBDA_EVENT_LIMIT, event_size, fits_deployed, handle_soap
from chalicelib.jobs.states import JobStatus
from tests.unit.jobs.fakes import qbxml_job
from tests.unit.jobs.harness import Harness


def envelope(ticket: str, response: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
            'envelope/"><soap:Body><receiveResponseXML xmlns="http://developer.intuit.com/">'
            f"<ticket>{ticket}</ticket><response>{escape(response)}</response><hresult /><message />"
            "</receiveResponseXML></soap:Body></soap:Envelope>").encode()


def customers_answer(request_id: str, count: int) -> str:
    ret = "".join(f'<CustomerRet><ListID>{i:08X}-1</ListID><Name>Customer "{i}" &amp; Co</Name></CustomerRet>'
                  for i in range(count))
    return (f'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="{request_id}" '
            f'statusCode="0" statusSeverity="Info" statusMessage="Status OK">{ret}</CustomerQueryRs>'
            "</QBXMLMsgsRs></QBXML>")


def test_the_limit_is_measured_as_lambda_sees_the_body() -> None:
    quotes = envelope("t", '"' * 3_200_000)  # 3.2 MB of quotes: 6.4 MB once JSON escapes them
    assert len(quotes) < LAMBDA_EVENT_LIMIT and not fits_deployed(quotes)
    plain = envelope("t", "x" * 6_000_000)
    assert fits_deployed(plain) and event_size(plain) <= LAMBDA_EVENT_LIMIT


@pytest.mark.parametrize("kind", ["read", "write"])
def test_an_answer_above_the_deployed_limit_gets_a_fault_and_its_job_does_not_wait(kind: str) -> None:
    gw = Harness.build()
    job = gw.enqueue() if kind == "read" else gw.queue.enqueue(gw.user.id, qbxml_job("customer_add.xml"),
                                                                source="rest")[0]
    ticket = gw.open_session()
    assert job.id in gw.send(ticket, first=True)
    body = envelope(ticket, customers_answer(job.id, 60_000))
    assert not fits_deployed(body)
    # WHEN the Web Connector posts the answer
    answer = handle_soap(gw.service, body, None)
    # THEN a SOAP fault the Web Connector shows, saying what to do
    assert answer.status_code == 500
    assert "too large" in str(answer.body) and "fewer records" in str(answer.body)
    stored = gw.store.get_job(job.id)
    assert stored is not None
    if kind == "read":  # AND the read failed at once, its result published
        assert stored.status is JobStatus.FAILED and (stored.error or {}).get("code") == "result_too_large"
        assert [(m["job_id"], m["status"]) for m in gw.publisher.delivered] == [(job.id, "failed")]
    else:  # AND the write (which QuickBooks may have applied) is in doubt, to be asked about
        assert stored.status is JobStatus.IN_DOUBT


class Bucket:
    """The payload store: what it was given, by key."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}

    def put(self, key: str, text: str) -> str:
        self.objects[key] = text
        return f"s3://payloads/{key}"

    def get(self, uri: str) -> str:
        return self.objects[uri.removeprefix("s3://payloads/")]


def test_an_answer_that_fits_is_answered_as_always() -> None:
    gw = Harness.build()
    gw.queue.payloads = bucket = Bucket()
    job = gw.enqueue()
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    body = envelope(ticket, customers_answer(job.id, 20_000))
    assert len(body) > 1_000_000 and fits_deployed(body)
    assert handle_soap(gw.service, body, None).status_code == 200
    stored = gw.store.get_job(job.id)
    assert stored is not None and stored.status is JobStatus.SUCCEEDED
    assert stored.response_s3_uri == f"s3://payloads/results/{gw.user.id}/{job.id}.xml"
    assert len(bucket.objects[f"results/{gw.user.id}/{job.id}.xml"]) > 1_000_000


# A MaxReturned ceiling on unpaged queries, and warnings ------------------------------------------------------
def ceiling_harness(ceiling: int = 50) -> Harness:
    gw = Harness.build()
    gw.queue.unpaged_max_returned = ceiling
    return gw


@pytest.mark.parametrize(("body", "expected"), [
    ("<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>",
     "<CustomerQueryRq><MaxReturned>50</MaxReturned><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"),
    ("<InvoiceQueryRq/>", "<InvoiceQueryRq><MaxReturned>50</MaxReturned></InvoiceQueryRq>"),
    ("<CustomerQueryRq><MaxReturned>5000</MaxReturned></CustomerQueryRq>",
     "<CustomerQueryRq><MaxReturned>5000</MaxReturned></CustomerQueryRq>"),  # the caller's own stands
    ("<CustomerQueryRq><FullName>Acme</FullName></CustomerQueryRq>",
     "<CustomerQueryRq><FullName>Acme</FullName></CustomerQueryRq>"),  # by name: no MaxReturned there
    ("<CompanyQueryRq/>", "<CompanyQueryRq/>"),
])
def test_an_unpaged_query_gets_the_ceiling_where_it_takes_one(body: str, expected: str) -> None:
    gw = ceiling_harness()
    job = gw.queue.enqueue(gw.user.id, body, source="rest")[0]
    assert job.qbxml == expected
    assert job.max_returned_ceiling == (50 if "<MaxReturned>50<" in expected else None)


def test_a_paged_query_gets_no_ceiling() -> None:
    gw = ceiling_harness()
    job = gw.queue.enqueue(gw.user.id, "<CustomerQueryRq/>", source="rest", paging={"page_size": 20})[0]
    assert job.qbxml == "<CustomerQueryRq/>" and job.max_returned_ceiling is None


def answer_with(gw: Harness, body: str, response: str) -> dict[str, object]:
    job = gw.queue.enqueue(gw.user.id, body, source="rest")[0]
    ticket = gw.open_session()
    gw.send(ticket, first=True)
    gw.receive(ticket, response.replace("{id}", job.id))
    (message,) = [m for m in gw.publisher.delivered if m["job_id"] == job.id]
    return message


def test_an_answer_that_reaches_the_ceiling_says_there_may_be_more() -> None:
    gw = ceiling_harness(3)
    message = answer_with(gw, "<CustomerQueryRq/>", customers_answer("{id}", 3))  # no retCount: counted
    assert message["status"] == "succeeded"
    (warning,) = message["warnings"]  # type: ignore[misc]
    assert warning["code"] == "max_returned_ceiling" and warning["user_facing_message"]
    below = answer_with(ceiling_harness(4), "<CustomerQueryRq/>", customers_answer("{id}", 3))
    assert "warnings" not in below


def test_a_warning_from_quickbooks_is_a_success_with_warnings() -> None:
    gw = ceiling_harness(0)
    response = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="{id}" statusCode="530" '
                'statusSeverity="Warn" statusMessage="Field not supported"><CustomerRet><Name>A</Name>'
                "</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>")
    message = answer_with(gw, "<CustomerQueryRq/>", response)
    assert message["status"] == "succeeded" and message["error"] is None
    assert [(w["code"], w["integration_code"]) for w in message["warnings"]] == [  # type: ignore[attr-defined]
        ("field_not_returned", "530")]
