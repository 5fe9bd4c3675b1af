"""Jobs in: a job's qbXML is checked once, on acceptance, and every refusal names its reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.errors import GatewayError
from chalicelib.qbxml import (
    MAX_REQUESTS,
    JobRequests,
    SchemaCatalog,
    parse_job_qbxml,
    validate_job,
)
from tests.support.paths import SAMPLES_DIR
from tests.unit.qbxml.support import V13

REQUEST_SAMPLES = sorted((SAMPLES_DIR / "qbxml-requests" / "other").glob("*.xml"))
Read = Callable[[str], str]


def refusal(text: str, **kwargs: int) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        parse_job_qbxml(text, **kwargs)
    return caught.value


def test_elements_are_compact_and_keep_escaped_text(fixture_text: Read) -> None:
    # GIVEN an indented CustomerAdd with "&", apostrophes and accents
    # WHEN it is parsed
    requests = parse_job_qbxml(fixture_text("jobs/customer_add.xml"))
    # THEN it is one write request, serialised compactly, with its text intact and escaped once
    assert requests.names == ("CustomerAddRq",)
    assert requests.is_write
    (element,) = requests.elements
    assert "\n" not in element and "> <" not in element
    assert "<Name>Bäckerei Müller &amp; Söhne</Name>" in element
    assert "<CompanyName>O'Brien's Bakery</CompanyName>" in element
    assert "<City>Montréal</City>" in element


def test_non_request_element_is_refused(fixture_text: Read) -> None:
    # GIVEN <CustomerAdd> without its <CustomerAddRq> wrapper
    # WHEN it is parsed
    refused = refusal(fixture_text("jobs/not_a_request.xml"))
    # THEN invalid_qbxml says which element is not a request
    assert refused.code == "invalid_qbxml"
    assert refused.message.startswith("<CustomerAdd> (the top-level element) is not a qbXML request")


def test_doctype_and_entities_are_refused(fixture_text: Read) -> None:
    # GIVEN a "billion laughs" style document with a DOCTYPE and entities
    # WHEN it is parsed
    refused = refusal(fixture_text("jobs/doctype_entity.xml"))
    # THEN it is refused before any expansion
    assert refused.code == "invalid_qbxml"
    assert "DOCTYPE and ENTITY declarations are not allowed" in refused.message


def test_typographic_characters_are_normalised(fixture_text: Read, catalog: SchemaCatalog) -> None:
    # GIVEN text pasted from a word processor: curly quotes, en/em dashes, an ellipsis
    # WHEN it is parsed
    requests = parse_job_qbxml(fixture_text("jobs/typographic.xml"))
    # THEN each has become its plain Latin-1 equivalent, and the result is valid qbXML
    (element,) = requests.elements
    assert "<Name>\"Joe's\" Diner - Main St...</Name>" in element
    assert "<CompanyName>Joe's Diner - est. 1998</CompanyName>" in element
    assert all(ord(char) < 256 for char in element)
    validate_job(requests, V13, catalog)


def test_emoji_is_refused_naming_code_point_and_path(fixture_text: Read) -> None:
    # GIVEN an address line containing 😀
    # WHEN it is parsed
    refused = refusal(fixture_text("jobs/emoji.xml"))
    # THEN unsupported_characters names U+1F600 and where it is
    assert refused.code == "unsupported_characters"
    assert "U+1F600" in refused.message
    assert "CustomerAddRq/CustomerAdd/BillAddress/Addr2" in refused.message


def test_non_latin_alphabet_is_refused(fixture_text: Read) -> None:
    # GIVEN a Cyrillic customer name
    # WHEN it is parsed  THEN the first Cyrillic letter is named
    refused = refusal(fixture_text("jobs/cyrillic.xml"))
    assert refused.code == "unsupported_characters"
    assert "U+041E (CYRILLIC CAPITAL LETTER O)" in refused.message


def test_xml_illegal_control_character_is_refused(fixture_text: Read) -> None:
    # GIVEN a vertical tab (as &#11;), which XML 1.0 forbids
    # WHEN it is parsed  THEN it is refused naming U+000B and its position
    refused = refusal(fixture_text("jobs/vertical_tab.xml"))
    assert refused.code == "unsupported_characters"
    assert "U+000B at line 1, column 38" in refused.message


def test_whole_document_gives_its_requests_without_their_ids(fixture_text: Read) -> None:
    # GIVEN a complete QBXML document with comments, its own requestIDs and message-set attributes
    # WHEN it is parsed
    requests = parse_job_qbxml(fixture_text("jobs/full_document.xml"))
    # THEN the two queries are taken, stripped of requestID and comments, other attributes kept
    assert requests.names == ("CustomerQueryRq", "ItemServiceQueryRq")
    assert not requests.is_write
    assert requests.elements[0] == (
        '<CustomerQueryRq iterator="Start"><MaxReturned>50</MaxReturned>'
        "<ActiveStatus>ActiveOnly</ActiveStatus></CustomerQueryRq>"
    )
    assert "theirs" not in "".join(requests.elements)


def test_stray_text_between_elements_is_refused(fixture_text: Read) -> None:
    # GIVEN two requests with a sentence between them
    # WHEN it is parsed  THEN the stray text is quoted
    refused = refusal(fixture_text("jobs/stray_text.xml"))
    assert refused.code == "invalid_qbxml"
    assert "unexpected text 'please process quickly' between elements" in refused.message


def test_malformed_xml_is_refused_without_mentioning_our_wrapper(fixture_text: Read) -> None:
    # GIVEN an unclosed <Name>
    # WHEN it is parsed
    refused = refusal(fixture_text("jobs/malformed.xml"))
    # THEN the parser's reason is passed on, in the caller's terms
    assert refused.code == "invalid_qbxml"
    assert refused.message.startswith("the qbXML is not well-formed: ")
    assert "Name" in refused.message and "qbdgw" not in refused.message


def test_namespaced_elements_are_refused(fixture_text: Read) -> None:
    # GIVEN a request in a foreign XML namespace
    # WHEN it is parsed  THEN it is refused: qbXML elements have no namespace
    refused = refusal(fixture_text("jobs/namespaced.xml"))
    assert refused.code == "invalid_qbxml" and "namespace" in refused.message


@pytest.mark.parametrize("blank", ["", "   \n  ", '<?xml version="1.0"?>\n'])
def test_empty_qbxml_is_refused(blank: str) -> None:
    # GIVEN nothing but whitespace or a declaration
    # WHEN it is parsed  THEN it is refused as empty
    refused = refusal(blank)
    assert refused.code == "invalid_qbxml" and "empty" in refused.message


def test_size_cap_is_payload_too_large(fixture_text: Read) -> None:
    # GIVEN a job larger than the cap
    text = fixture_text("jobs/customer_add.xml")
    # WHEN it is parsed with a small cap
    refused = refusal(text, max_bytes=100)
    # THEN payload_too_large states size and limit
    assert refused.code == "payload_too_large"
    assert f"is {len(text.encode())} bytes; the limit is 100" in refused.message


def test_at_most_100_requests(fixture_text: Read) -> None:
    # GIVEN 100 and 101 copies of a query
    query = fixture_text("jobs/paycheck_query_16.xml")
    # WHEN they are parsed
    accepted = parse_job_qbxml(query * MAX_REQUESTS)
    refused = refusal(query * (MAX_REQUESTS + 1))
    # THEN 100 are accepted and 101 are refused naming the limit
    assert len(accepted.elements) == 100
    assert refused.code == "payload_too_large"
    assert "101 requests; the limit is 100" in refused.message


def test_is_write_treats_only_queries_as_reads() -> None:
    # GIVEN reads (including host/company/preferences queries) and a mix with a write
    reads = JobRequests(("<a/>",) * 3, ("HostQueryRq", "PreferencesQueryRq", "CustomerQueryRq"))
    mixed = JobRequests(("<a/>",) * 2, ("CustomerQueryRq", "TxnDelRq"))
    # WHEN is_write is read  THEN only the mix is a write
    assert not reads.is_write and mixed.is_write
