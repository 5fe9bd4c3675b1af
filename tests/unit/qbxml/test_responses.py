"""QuickBooks' answers: statuses, requestIDs and iterator fields read from real and crafted responses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from chalicelib.errors import GatewayError
from chalicelib.qbxml import StatusClass, parse_response
from tests.support.paths import SAMPLES_DIR

RESPONSE_SAMPLES = sorted((SAMPLES_DIR / "qbxml-responses").glob("*.xml"))
CAPTURED_ENVELOPES = sorted((SAMPLES_DIR / "soap-captured").glob("*.xml"))
Read = Callable[[str], str]


def _read(data: bytes) -> Any:
    """The oracle: a plain lxml parse, independent of the code under test."""
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _response_text(envelope: Any) -> str:
    """The receiveResponseXML ``response`` element's text (the qbXML QuickBooks produced)."""
    texts = [el.text for el in envelope.iter() if isinstance(el.tag, str) and el.tag.endswith("}response")]
    return str(texts[0])


def _int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)


def test_there_are_response_samples_to_test() -> None:
    # GIVEN the reference samples  WHEN listed  THEN the parametrised tests below have work to do
    assert len(RESPONSE_SAMPLES) >= 8 and len(CAPTURED_ENVELOPES) >= 4


@pytest.mark.parametrize("sample", RESPONSE_SAMPLES, ids=lambda path: path.name)
def test_every_response_sample_matches_an_independent_reading(sample: Path) -> None:
    # GIVEN a reference QuickBooks response, and what the standard library reads in it
    text = sample.read_text(encoding="utf-8")
    expected = [
        (el.tag, el.get("requestID"), int(el.attrib["statusCode"]), el.get("statusSeverity"),
         _int_or_none(el.get("iteratorRemainingCount")), el.get("iteratorID"))
        for el in _read(text.encode()).find("QBXMLMsgsRs")
        if isinstance(el.tag, str)
    ]
    # WHEN it is parsed
    response = parse_response(text)
    # THEN every result carries the same name, requestID, status and iterator fields
    got = [
        (r.name, r.request_id, r.status_code, r.severity, r.iterator_remaining_count, r.iterator_id)
        for r in response.results
    ]
    assert got == expected and len(got) >= 1
    assert response.first_error() is None


def test_iterator_fields_are_read() -> None:
    # GIVEN the iterator samples: a first page with 18 left, and a last page
    first = parse_response((SAMPLES_DIR / "qbxml-responses" / "customer_query_terator_rs.xml").read_text())
    last = parse_response((SAMPLES_DIR / "qbxml-responses" / "purchase_order_query_rs.xml").read_text())
    # WHEN their results are read  THEN the remaining counts and iterator ids are there
    (page,) = first.results
    assert (page.request_id, page.iterator_remaining_count) == ("1", 18)
    assert page.iterator_id == "{eb05f701-e727-472f-8ade-6753c4f67a46}"
    assert last.results[0].iterator_remaining_count == 0
    assert last.results[0].iterator_id == "{ee76b904-7ef8-4b83-9841-63d4715a273b}"


@pytest.mark.parametrize("envelope", CAPTURED_ENVELOPES, ids=lambda path: path.name)
def test_captured_web_connector_responses_parse(envelope: Path) -> None:
    # GIVEN the qbXML inside a real receiveResponseXML envelope
    response_text = _response_text(_read(envelope.read_bytes()))
    assert response_text
    # WHEN it is parsed
    response = parse_response(response_text)
    # THEN there is at least one result and every status was read as an integer
    assert response.results and all(isinstance(r.status_code, int) for r in response.results)


def test_captured_continue_on_error_set_reports_its_first_error() -> None:
    # GIVEN the captured set with two "no match" queries, an OK add and a failed add (3140)
    envelope = _read((SAMPLES_DIR / "soap-captured" / "sales_order_add_rs_raw.xml").read_bytes())
    text = _response_text(envelope)
    # WHEN it is parsed
    response = parse_response(text)
    # THEN the codes are in order and the first error is the 3140
    assert [r.status_code for r in response.results] == [1, 1, 0, 3140]
    first_error = response.first_error()
    assert first_error is not None and first_error.status_code == 3140


def test_crafted_mixed_set_classifies_each_result(fixture_text: Read) -> None:
    # GIVEN a set with no match, a warning, an OK and an error
    # WHEN it is parsed
    response = parse_response(fixture_text("responses/continue_on_error_rs.xml"))
    # THEN each result has its class, retCount where given, and the error is found
    assert [r.status_class for r in response.results] == [
        StatusClass.NO_MATCH, StatusClass.WARNING, StatusClass.OK, StatusClass.ERROR,
    ]
    assert [r.request_id for r in response.results] == ["job-7.1", "job-7.2", "job-7.3", "job-7.4"]
    assert [r.ret_count for r in response.results] == [0, 1, None, None]
    error = response.first_error()
    assert error is not None and error.name == "InvoiceAddRs" and error.severity == "Error"
    assert error.message == 'There is an invalid reference to QuickBooks Customer "Nobody" in the Invoice.'
    assert response.new_message_set_id is None and response.message_set_status_code is None


def test_message_set_attributes_are_read(fixture_text: Read) -> None:
    # GIVEN an error-recovery answer carrying newMessageSetID and messageSetStatusCode
    # WHEN it is parsed
    response = parse_response(fixture_text("responses/error_recovery_rs.xml"))
    # THEN both are read, and the stored result is there
    assert response.new_message_set_id == "6f1c2d3e-job-42"
    assert response.message_set_status_code == 0
    assert response.results[0].status_code == 3100


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("responses/html_error_page.html", "not readable XML"),
        ("responses/missing_status_rs.xml", "has no statusCode attribute"),
        ("responses/signon_only_rs.xml", "no <QBXMLMsgsRs>"),
        ("hcp_pos_not_supported.txt", "not readable XML"),
        ("jobs/customer_add.xml", "not <QBXML>"),
    ],
)
def test_anything_else_is_unreadable(fixture_text: Read, fixture: str, reason: str) -> None:
    # GIVEN something that is not a QBXML/QBXMLMsgsRs document
    # WHEN it is parsed
    with pytest.raises(GatewayError) as caught:
        parse_response(fixture_text(fixture))
    # THEN quickbooks_response_unreadable says why
    assert caught.value.code == "quickbooks_response_unreadable"
    assert reason in caught.value.message


def test_empty_and_non_integer_status_are_unreadable(fixture_text: Read) -> None:
    # GIVEN an empty response, and a response whose statusCode is not a number
    broken = fixture_text("responses/error_recovery_rs.xml").replace('statusCode="3100"', 'statusCode="x"')
    # WHEN they are parsed  THEN both are unreadable
    for text in ("", broken):
        with pytest.raises(GatewayError) as caught:
            parse_response(text)
        assert caught.value.code == "quickbooks_response_unreadable"
