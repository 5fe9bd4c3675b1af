"""Writing SOAP responses and faults: golden shapes, empty strings kept, ints as ints, text escaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from chalicelib.qbwc.codec import (
    CONTENT_TYPE,
    SOAP11_NS,
    SoapFaultError,
    parse_call,
    render_fault,
    render_result,
)
from chalicelib.safexml import local_name, parse_xml
from tests.unit.qbwc._files import CONSTRUCTED, files, soap_fixture

INTUIT = "{http://developer.intuit.com/}"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def _result(envelope: bytes, method: str) -> Any:
    root = parse_xml(envelope)
    result = root.find(f"{{{SOAP11_NS}}}Body/{INTUIT}{method}Response/{INTUIT}{method}Result")
    assert result is not None, envelope
    return result


def _shape(element: Any) -> tuple[Any, ...]:
    """Tag, trimmed text and children, recursively: what a structural comparison looks at."""
    children = tuple(_shape(child) for child in element.iterchildren(etree.Element))
    return (element.tag, (element.text or "").strip(), children)


def _sample_value(result: Any, method: str) -> Any:
    if method == "authenticate":
        return [item.text or "" for item in result]
    if method == "receiveResponseXML":
        return int(result.text)
    return result.text or ""


@pytest.mark.parametrize("path", files(CONSTRUCTED, "*_response*.xml"), ids=lambda p: p.name)
def test_rendered_result_matches_the_constructed_sample_structurally(path: Path) -> None:
    # GIVEN an Intuit-shaped response sample, and the method and value it carries
    sample = parse_xml(path.read_bytes())
    response = sample.find(f"{{{SOAP11_NS}}}Body")[0]
    method = local_name(response).removesuffix("Response")
    value = _sample_value(response[0], method)
    # WHEN we render the same answer
    ours = parse_xml(render_result(method, value))
    # THEN element names, namespaces, texts, nesting and the envelope's prefixes are the same
    assert _shape(ours) == _shape(sample)
    assert ours.nsmap == sample.nsmap
    assert ours.find(f"{{{SOAP11_NS}}}Body")[0].nsmap[None] == "http://developer.intuit.com/"


def test_authenticate_keeps_every_empty_string() -> None:
    # GIVEN an authenticate answer with three empty entries (FIELD-LESSONS #3)
    envelope = render_result("authenticate", ["ticket", "", "", ""])
    # WHEN it is read back  THEN all four <string> elements are there, in order
    items = list(_result(envelope, "authenticate"))
    assert [local_name(item) for item in items] == ["string"] * 4
    assert [item.text or "" for item in items] == ["ticket", "", "", ""]
    assert envelope.count(b"<string") == 4  # <string></string> or <string/>: both are present elements


def test_authenticate_with_an_empty_list_still_writes_the_result_element() -> None:
    # GIVEN no entries  WHEN rendered  THEN authenticateResult is present and has no children
    assert len(_result(render_result("authenticate", []), "authenticate")) == 0


@pytest.mark.parametrize("percent", [100, 0, 42, -101])
def test_receive_response_xml_result_is_an_integer(percent: int) -> None:
    # GIVEN a percent-done value  WHEN rendered  THEN the result text is that integer
    assert _result(render_result("receiveResponseXML", percent), "receiveResponseXML").text == str(percent)


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("receiveResponseXML", "100"),
        ("receiveResponseXML", True),
        ("receiveResponseXML", None),
        ("receiveResponseXML", 99.5),
        ("authenticate", "ticket"),
        ("authenticate", ["ticket", None]),
        ("sendRequestXML", 5),
        ("closeConnection", ["OK"]),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(method: str, value: Any) -> None:
    # GIVEN a value that does not match the WSDL type of the result  WHEN rendered  THEN TypeError
    with pytest.raises(TypeError):
        render_result(method, value)


def test_unknown_method_cannot_be_rendered() -> None:
    # GIVEN a method QBWC does not have  WHEN rendered  THEN ValueError names it
    with pytest.raises(ValueError, match="unknown method 'deleteEverything'"):
        render_result("deleteEverything", "")


def test_qbxml_text_is_escaped_and_round_trips() -> None:
    # GIVEN a qbXML request with markup, ampersands, both quotes, accents and newlines
    qbxml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'
        '<QBXML><QBXMLMsgsRq onError="stopOnError"><CustomerAddRq><CustomerAdd>'
        "<Name>Smith &amp; Sons \"Café\" O'Neil</Name>"
        "</CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>\n"
    )
    # WHEN it is rendered as the sendRequestXML result
    envelope = render_result("sendRequestXML", qbxml)
    # THEN it travels as escaped text (no raw markup) and reads back byte for byte
    assert b"<QBXML>" not in envelope
    assert b"&lt;QBXML&gt;" in envelope
    assert b"&amp;amp;" in envelope
    assert _result(envelope, "sendRequestXML").text == qbxml


def test_escaped_text_round_trips_through_our_own_parser() -> None:
    # GIVEN a qbXML response with special characters, parsed from a request envelope
    call = parse_call(soap_fixture("receive_response_xml_special_chars.xml"))
    text = call.response  # type: ignore[union-attr]
    # WHEN it is sent back out in a result and read again  THEN nothing changed
    assert _result(render_result("getLastError", text), "getLastError").text == text


def test_output_is_compact_utf8_with_a_double_quoted_declaration() -> None:
    # GIVEN a rendered result  WHEN its bytes are inspected
    envelope = render_result("serverVersion", "qbd-gateway 1.0 — Zoë")
    # THEN it starts with QBWC's declaration, has no pretty-printing, and is UTF-8
    assert envelope.startswith(DECLARATION + b"<soap:Envelope ")
    assert b"\n" not in envelope
    assert "Zoë".encode() in envelope
    assert CONTENT_TYPE == "text/xml; charset=utf-8"


def test_a_none_string_result_is_an_empty_element() -> None:
    # GIVEN None for a string result  WHEN rendered  THEN the element is present and empty
    assert _result(render_result("clientVersion", None), "clientVersion").text is None


def _fault_parts(envelope: bytes) -> tuple[Any, Any, Any]:
    root = parse_xml(envelope)
    assert root.tag == f"{{{SOAP11_NS}}}Envelope"
    fault = root.find(f"{{{SOAP11_NS}}}Body/{{{SOAP11_NS}}}Fault")
    assert fault is not None
    return fault, fault.find("faultcode"), fault.find("faultstring")


def test_render_fault_is_a_valid_soap11_fault() -> None:
    # GIVEN a client error  WHEN rendered as a fault
    envelope = render_fault("unknown method 'foo'")
    # THEN Envelope/Body/Fault holds unqualified faultcode and faultstring, and the code's prefix is SOAP 1.1
    fault, code, string = _fault_parts(envelope)
    assert envelope.startswith(DECLARATION)
    assert [child.tag for child in fault] == ["faultcode", "faultstring"]
    assert code.text == "soap:Client"
    assert code.nsmap["soap"] == SOAP11_NS
    assert string.text == "unknown method 'foo'"


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("Server", "soap:Server"),
        ("soap:VersionMismatch", "soap:VersionMismatch"),
        ("Client.Auth", "soap:Client.Auth"),
    ],
)
def test_fault_codes_are_written_with_the_soap_prefix(given: str, written: str) -> None:
    # GIVEN a SOAP 1.1 fault code with or without prefix  WHEN rendered  THEN it is soap:-prefixed
    assert _fault_parts(render_fault("x", given))[1].text == written


def test_a_fault_code_outside_soap11_is_refused() -> None:
    # GIVEN a SOAP 1.2 code name  WHEN rendered  THEN ValueError (it would be meaningless in SOAP 1.1)
    with pytest.raises(ValueError, match="fault code"):
        render_fault("x", "soap:Sender")


def test_fault_text_is_escaped_cleaned_and_bounded() -> None:
    # GIVEN a reason with markup, a control character and a huge length
    reason = "<script>&\x00" + "x" * 10_000
    # WHEN rendered  THEN the document is still well-formed XML and the text is bounded and escaped
    _, _, string = _fault_parts(render_fault(reason))
    assert string.text.startswith("<script>&?")
    assert len(string.text) <= 2000


def test_a_parse_error_renders_as_a_fault_without_internals() -> None:
    # GIVEN a SOAP 1.2 request  WHEN the resulting error is rendered
    with pytest.raises(SoapFaultError) as caught:
        parse_call(soap_fixture("soap12_envelope.xml"))
    envelope = render_fault(caught.value.reason, caught.value.fault_code)
    # THEN the fault names the SOAP version problem and carries no traceback
    _, code, string = _fault_parts(envelope)
    assert code.text == "soap:VersionMismatch"
    assert "SOAP 1.1" in string.text
    assert b"Traceback" not in envelope


def _rendered_as_a_tree(method: str, value: Any) -> bytes:
    """The answer as lxml serialises its envelope: the oracle for the text rendering."""
    from chalicelib.qbwc.codec import XSD_NS, XSI_NS

    envelope = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap={"soap": SOAP11_NS, "xsi": XSI_NS, "xsd": XSD_NS})
    body = etree.SubElement(envelope, f"{{{SOAP11_NS}}}Body")
    response = etree.SubElement(body, f"{INTUIT}{method}Response", nsmap={None: INTUIT.strip("{}")})
    result = etree.SubElement(response, f"{INTUIT}{method}Result")
    if isinstance(value, list):
        for item in value:
            etree.SubElement(result, f"{INTUIT}string").text = item
    else:
        result.text = None if value is None else str(value)
    return DECLARATION + etree.tostring(envelope, encoding="utf-8", xml_declaration=False)


XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40).filter(
    lambda text: all(ch in "\t\n\r" or ord(ch) >= 0x20 for ch in text) and "\ufffe" not in text
    and "\uffff" not in text)


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["sendRequestXML", "getLastError", "closeConnection", "connectionError",
                               "serverVersion", "clientVersion"]),
       value=st.one_of(st.none(), XML_TEXT))
def test_a_string_answer_rendered_as_text_is_what_lxml_serialises(method: str, value: str | None) -> None:
    # GIVEN any text XML can carry (markup characters, carriage returns, non-ASCII), or no value
    # WHEN rendered  THEN byte for byte what building and serialising the envelope's tree gives
    assert render_result(method, value) == _rendered_as_a_tree(method, value)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(XML_TEXT, max_size=4), number=st.integers(-2**31, 2**31 - 1))
def test_list_and_int_answers_rendered_as_text_are_what_lxml_serialises(values: list[str], number: int) -> None:
    assert render_result("authenticate", values) == _rendered_as_a_tree("authenticate", values)
    assert render_result("receiveResponseXML", number) == _rendered_as_a_tree("receiveResponseXML", number)


def test_text_xml_cannot_carry_is_refused_as_lxml_refuses_it() -> None:
    with pytest.raises(ValueError):
        render_result("getLastError", "bad \x01 char")
