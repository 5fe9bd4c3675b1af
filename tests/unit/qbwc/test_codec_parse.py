"""Reading SOAP requests: Intuit-shaped samples, real captured QBWC traffic, client variants, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.errors import GatewayError
from chalicelib.qbwc.calls import (
    Authenticate,
    ClientVersion,
    CloseConnection,
    GetInteractiveURL,
    GetLastError,
    GetServerVersion,
    InteractiveDone,
    InteractiveRejected,
    QbwcConnectionError,
    ReceiveResponseXML,
    SendRequestXML,
    ServerVersion,
    SoapCall,
)
from chalicelib.qbwc.codec import SoapFaultError, parse_call
from chalicelib.safexml import local_name, parse_xml
from tests.unit.qbwc._files import CAPTURED, CONSTRUCTED, constructed, files, soap_fixture

TICKET = "8c9b6a1e-3f0d-4b8e-9a52-0d6c1f2e7a44"
CAPTURED_TICKET = "354f40b4-b661-4472-a13f-8abf13a743c3"
COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Sample.qbw"

# Every constructed request sample → the call it must become (the qbXML payloads are checked below).
CONSTRUCTED_EXPECTED: dict[str, SoapCall] = {
    "01_serverVersion_request.xml": ServerVersion(),
    "02_clientVersion_request.xml": ClientVersion("2.3.0.215"),
    "03_authenticate_request.xml": Authenticate("qbuser", "secret"),
    "06_getLastError_request.xml": GetLastError(TICKET),
    "07_connectionError_request.xml": QbwcConnectionError(
        TICKET, "0x80040408", "Could not start QuickBooks."
    ),
    "08_closeConnection_request.xml": CloseConnection(TICKET),
    "05_receiveResponseXML_request_hresult.xml": ReceiveResponseXML(
        TICKET, "", "0x80040400", "QuickBooks found an error when parsing the provided XML text stream."
    ),
}
CONSTRUCTED_WITH_QBXML = {"04_sendRequestXML_request_first.xml", "05_receiveResponseXML_request.xml"}


def test_the_expectations_cover_every_constructed_request_sample() -> None:
    # GIVEN the constructed samples  WHEN their request files are listed
    names = {path.name for path in files(CONSTRUCTED, "*_request*.xml")}
    # THEN each one has an expectation here (a new sample must get one)
    assert names == set(CONSTRUCTED_EXPECTED) | CONSTRUCTED_WITH_QBXML


@pytest.mark.parametrize("name", sorted(CONSTRUCTED_EXPECTED))
def test_constructed_request_parses_to_its_typed_call(name: str) -> None:
    # GIVEN an Intuit-shaped request  WHEN it is parsed  THEN it is exactly the expected call
    assert parse_call(constructed(name)) == CONSTRUCTED_EXPECTED[name]


def test_first_send_request_xml_carries_hcp_response_and_int_versions() -> None:
    # GIVEN the first sendRequestXML of a session  WHEN it is parsed
    call = parse_call(constructed("04_sendRequestXML_request_first.xml"))
    # THEN the HCP response is unescaped qbXML and the versions are ints
    assert isinstance(call, SendRequestXML)
    assert (call.ticket, call.company_file_name, call.qbxml_country) == (TICKET, COMPANY_FILE, "US")
    assert (call.qbxml_major_vers, call.qbxml_minor_vers) == (13, 0)
    assert call.hcp_response.startswith('<?xml version="1.0" ?>\n<QBXML>')
    host = parse_xml(call.hcp_response).find("QBXMLMsgsRs/HostQueryRs/HostRet")
    assert [v.text for v in host.findall("SupportedQBXMLVersion")] == ["12.0", "13.0"]


def test_receive_response_xml_carries_unescaped_qbxml() -> None:
    # GIVEN a receiveResponseXML with a qbXML response  WHEN it is parsed
    call = parse_call(constructed("05_receiveResponseXML_request.xml"))
    # THEN the response is the qbXML document and hresult/message are empty
    assert isinstance(call, ReceiveResponseXML)
    assert (call.ticket, call.hresult, call.message) == (TICKET, "", "")
    rs = parse_xml(call.response).find("QBXMLMsgsRs/CustomerQueryRs")
    assert rs.get("iteratorID") == "{a1b2c3d4-0000-4000-8000-000000000001}"


@pytest.mark.parametrize("path", files(CAPTURED, "*.xml"), ids=lambda p: p.name)
def test_captured_qbwc_envelope_parses_to_receive_response_xml(path: Path) -> None:
    # GIVEN a real envelope captured from the Web Connector  WHEN it is parsed
    call = parse_call(path.read_bytes())
    # THEN it is a receiveResponseXML whose response is a whole qbXML document, hresult and message empty
    assert isinstance(call, ReceiveResponseXML)
    assert call.ticket == CAPTURED_TICKET
    assert call.response.startswith("<?xml")
    assert (call.hresult, call.message) == ("", "")
    assert local_name(parse_xml(call.response)) == "QBXML"


def test_captured_double_escaped_quotes_survive_as_qbxml_entities() -> None:
    # GIVEN the captured sales order response, whose statusMessage contains &amp;quot;
    call = parse_call((CAPTURED / "sales_order_add_rs_raw.xml").read_bytes())
    assert isinstance(call, ReceiveResponseXML)
    # WHEN the qbXML inside is parsed  THEN the message has real quotes
    messages = [rs.get("statusMessage") for rs in parse_xml(call.response).find("QBXMLMsgsRs")]
    assert any('"nononononoImNotThereAlrightDylan"' in (m or "") for m in messages)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("authenticate_prefixed.xml", Authenticate("prefixed-user", "prefixed-secret")),
        ("authenticate_unqualified.xml", Authenticate("unqualified-user", "unqualified-secret")),
        ("authenticate_rpc_encoded.xml", Authenticate("rpc-user", "rpc-secret")),
        (
            "send_request_xml_pretty.xml",
            SendRequestXML("pretty-ticket", "", r"C:\Company Files\Pretty & Co.qbw", "CA", 16, 0),
        ),
        ("send_request_xml_missing_params.xml", SendRequestXML("only-a-ticket", "", "", "", None, None)),
        ("get_interactive_url.xml", GetInteractiveURL("interactive-ticket", "session-42")),
        ("interactive_done.xml", InteractiveDone("interactive-ticket")),
        ("interactive_rejected.xml", InteractiveRejected("interactive-ticket", "User declined")),
        ("get_server_version.xml", GetServerVersion("version-ticket")),
    ],
)
def test_client_variants_parse_to_the_same_typed_call(fixture: str, expected: SoapCall) -> None:
    # GIVEN an envelope written by another kind of client (prefixes, xsi:type, RPC encodingStyle,
    #       unqualified children, pretty-printing, comments, missing parameters)
    # WHEN it is parsed  THEN the call is what QBWC's own envelope would give
    assert parse_call(soap_fixture(fixture)) == expected


def test_escaped_special_characters_round_trip_into_the_qbxml() -> None:
    # GIVEN a response whose qbXML text contains &, quotes, an apostrophe and an accent; hresult is xsi:nil
    call = parse_call(soap_fixture("receive_response_xml_special_chars.xml"))
    assert isinstance(call, ReceiveResponseXML)
    # WHEN the qbXML is read  THEN the characters are exact and nil became ""
    assert "Smith &amp; Sons &quot;Café&quot; O&apos;Neil" in call.response
    name = parse_xml(call.response).find("QBXMLMsgsRs/CustomerQueryRs/CustomerRet/Name")
    assert name.text == "Smith & Sons \"Café\" O'Neil"
    assert call.hresult == ""


def test_cdata_payload_is_read_as_text() -> None:
    # GIVEN a response carried in CDATA instead of entity escaping  WHEN parsed  THEN the text is intact
    call = parse_call(soap_fixture("receive_response_xml_cdata.xml"))
    assert isinstance(call, ReceiveResponseXML)
    assert call.response == '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs/></QBXML>'


@pytest.mark.parametrize(
    "action",
    [
        '"http://developer.intuit.com/serverVersion"',
        "http://developer.intuit.com/serverVersion",
        " serverVersion ",
    ],
)
def test_soap_action_names_the_operation_when_the_body_is_empty(action: str) -> None:
    # GIVEN an envelope with an empty Body  WHEN a SOAPAction (quoted or not) is given
    call = parse_call(soap_fixture("empty_body.xml"), action)
    # THEN the action selects the operation
    assert call == ServerVersion()


def test_body_element_wins_over_a_different_soap_action() -> None:
    # GIVEN a getLastError body sent with a closeConnection SOAPAction
    body = constructed("06_getLastError_request.xml")
    # WHEN parsed  THEN the Body decides
    assert parse_call(body, '"http://developer.intuit.com/closeConnection"') == GetLastError(TICKET)


@pytest.mark.parametrize("action", [None, "", '""'])
def test_absent_or_empty_soap_action_is_fine_when_the_body_names_the_call(action: str | None) -> None:
    # GIVEN QBWC's envelope  WHEN SOAPAction is missing or empty  THEN the Body alone is enough
    assert parse_call(constructed("08_closeConnection_request.xml"), action) == CloseConnection(TICKET)


@pytest.mark.parametrize(
    ("fixture", "reason_part", "fault_code"),
    [
        ("malformed.xml", "not well-formed XML", "soap:Client"),
        ("doctype_external_entity.xml", "DOCTYPE and ENTITY declarations are not allowed", "soap:Client"),
        ("entity_bomb.xml", "DOCTYPE and ENTITY declarations are not allowed", "soap:Client"),
        ("empty_body.xml", "SOAP Body is empty", "soap:Client"),
        ("no_body.xml", "exactly one soap:Body", "soap:Client"),
        ("unknown_method.xml", "unknown method 'foo'", "soap:Client"),
        ("soap12_envelope.xml", "SOAP 1.1", "soap:VersionMismatch"),
        ("not_an_envelope.xml", "not a SOAP envelope", "soap:Client"),
        ("send_request_xml_bad_int.xml", "'qbXMLMajorVers' must be an integer, got 'thirteen'",
         "soap:Client"),
        ("receive_response_xml_unescaped_child.xml", "'response' must be text", "soap:Client"),
        ("must_understand_header.xml", "mustUnderstand", "soap:MustUnderstand"),
    ],
)
def test_bad_input_raises_a_soap_fault(fixture: str, reason_part: str, fault_code: str) -> None:
    # GIVEN an envelope that cannot be answered in protocol terms
    # WHEN it is parsed
    with pytest.raises(SoapFaultError) as caught:
        parse_call(soap_fixture(fixture))
    # THEN a SoapFaultError says why, with the SOAP 1.1 fault code, and it is a GatewayError
    assert reason_part in caught.value.reason
    assert caught.value.fault_code == fault_code
    assert isinstance(caught.value, GatewayError)
    assert "Traceback" not in caught.value.reason


def test_unknown_soap_action_with_empty_body_is_an_unknown_method() -> None:
    # GIVEN an empty Body  WHEN the SOAPAction names no QBWC operation  THEN the fault names it
    with pytest.raises(SoapFaultError, match="unknown method 'deleteEverything'"):
        parse_call(soap_fixture("empty_body.xml"), "http://developer.intuit.com/deleteEverything")


@pytest.mark.parametrize("body", [b"", b"   \n", b"not xml at all"])
def test_empty_or_non_xml_bodies_raise_a_soap_fault(body: bytes) -> None:
    # GIVEN a body that is not XML  WHEN parsed  THEN it is a client fault
    with pytest.raises(SoapFaultError) as caught:
        parse_call(body)
    assert caught.value.fault_code == "soap:Client"


def test_bodies_over_the_size_limit_are_refused_before_parsing() -> None:
    # GIVEN a valid envelope larger than max_bytes  WHEN parsed  THEN it is refused with the limit
    body = constructed("04_sendRequestXML_request_first.xml")
    with pytest.raises(SoapFaultError, match="the limit is 100"):
        parse_call(body, max_bytes=100)


def test_a_parameter_split_by_a_comment_or_a_processing_instruction_is_read_whole() -> None:
    # GIVEN a ticket whose text a comment and a PI split (the parser's shortcut reads .text alone only
    #       when an element has no child node at all)
    body = (b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
            b'envelope/"><soap:Body><closeConnection xmlns="http://developer.intuit.com/"><ticket>abc<!-- x -->'
            b'def<?pi y?>ghi</ticket></closeConnection></soap:Body></soap:Envelope>')
    # WHEN parsed  THEN the text around them is joined, as XML's infoset has it
    assert parse_call(body) == CloseConnection("abcdefghi")


ENCODED = ('<?xml version="1.0" encoding="{label}"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
           'envelope/"><soap:Body><closeConnection xmlns="http://developer.intuit.com/"><ticket>café € あ</ticket>'
           "</closeConnection></soap:Body></soap:Envelope>")


@pytest.mark.parametrize(("label", "codec"), [
    ("utf-8", "utf-8"), ("UTF8", "utf-8"), ("utf-8", "utf-8-sig"), ("iso-8859-1", "iso-8859-1"),
    ("windows-1252", "windows-1252"), ("us-ascii", "us-ascii"), ("utf-16", "utf-16"), ("utf-16le", "utf-16-le"),
    ("UTF-16BE", "utf-16-be"), ("Shift_JIS", "shift_jis"), ("euc-jp", "euc-jp")])
def test_an_envelope_in_the_encoding_it_declares_reads_to_the_same_text(label: str, codec: str) -> None:
    # GIVEN the same envelope written in the encoding it declares (a character it cannot hold is a reference)
    body = ENCODED.format(label=label).encode(codec, "xmlcharrefreplace")
    # WHEN read  THEN the ticket is the same text whatever the bytes
    assert parse_call(body) == CloseConnection("café € あ")


@pytest.mark.parametrize("body", [
    ENCODED.format(label="no-such-encoding").encode(),
    b"<?xml version='1.0' encoding='shift_jis'?><a>\xff\xff</a>",
    ENCODED.format(label="utf-8").encode("latin-1", "xmlcharrefreplace")])
def test_an_envelope_its_declared_encoding_cannot_read_is_a_client_fault(body: bytes) -> None:
    # GIVEN bytes that are not what their declaration says, or a declaration no codec reads
    # WHEN read  THEN a SOAP client fault says the XML is not readable (never another exception)
    with pytest.raises(SoapFaultError, match="not well-formed XML") as caught:
        parse_call(body)
    assert caught.value.fault_code == "soap:Client"
