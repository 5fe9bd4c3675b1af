"""The streaming envelope reader against the tree: any envelope reads to the same call or the same fault.

``parse_call`` reads envelopes from expat's events without building a tree. The oracle here reads the
same bytes the way the gateway did before, walking lxml's tree (the rules of ``codec.py``'s docstring:
SOAP 1.1 root, headers' mustUnderstand, exactly one Body, its first element the operation, parameters
by local name, the first of each name, text only, ``xsi:nil``, comments and processing instructions
not text). Hypothesis writes envelopes the way clients differ and err: prefixes or a default
namespace, qualified or unqualified parameters, headers, zero to two Bodies, repeated, missing,
nil, CDATA, comment-split and element-holding parameters, escaped text, unknown methods.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from chalicelib.qbwc import codec
from chalicelib.qbwc.calls import CALLS_BY_METHOD, CloseConnection, SoapCall
from chalicelib.qbwc.codec import SOAP11_NS, SOAP12_NS, SoapFaultError, parse_call
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml, read_events

INTUIT = "http://developer.intuit.com/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ENVELOPE, BODY, HEADER = (f"{{{SOAP11_NS}}}{name}" for name in ("Envelope", "Body", "Header"))


def tree_read(body: bytes, soap_action: str | None = None) -> SoapCall:
    """The oracle: the envelope read from lxml's tree."""
    try:
        root = parse_xml(body)
    except UnsafeXmlError as exc:
        raise SoapFaultError(str(exc)) from exc
    if root.tag != ENVELOPE:
        if local_name(root) != "Envelope" or etree.QName(root).namespace != SOAP12_NS:
            raise SoapFaultError(f"not a SOAP envelope: the root element is '{local_name(root)}'")
        raise SoapFaultError("SOAP 1.2 is not supported: this service requires SOAP 1.1 "
                             f"(envelope namespace {SOAP11_NS})", "soap:VersionMismatch")
    bodies = []
    for child in root:
        if child.tag == BODY:
            bodies.append(child)
        elif child.tag == HEADER:
            for block in child.iterchildren(etree.Element):
                if block.get(f"{{{SOAP11_NS}}}mustUnderstand", "0").strip() in ("1", "true"):
                    raise SoapFaultError(f"header '{local_name(block)}' is marked mustUnderstand and is not "
                                         "understood", "soap:MustUnderstand")
    if len(bodies) != 1:
        raise SoapFaultError("not a SOAP envelope: it must contain exactly one soap:Body")
    operation = next(bodies[0].iterchildren(etree.Element), None)
    if operation is None:
        method = codec._method_from_action(soap_action)
        if method is None:
            raise SoapFaultError("the SOAP Body is empty and no SOAPAction names an operation")
        return codec._build(codec._call_type(method), {})
    call_type = codec._call_type(local_name(operation))
    supplied: dict[str, Any] = {}
    for child in operation.iterchildren(etree.Element):
        supplied.setdefault(local_name(child), child)
    texts = {}
    for param in call_type.PARAMS:
        element = supplied.get(param.element)
        if element is None:
            continue
        if next(element.iterchildren(etree.Element), None) is not None:
            raise SoapFaultError(f"parameter '{param.element}' must be text (escaped XML), not child elements")
        nil = element.get(f"{{{XSI}}}nil", "false").strip() in ("true", "1")
        texts[param.element] = "" if nil else "".join(element.itertext())
    return codec._build(call_type, texts)


def outcome(read: Any, body: bytes, action: str | None) -> tuple[str, Any]:
    try:
        return "call", read(body, action)
    except SoapFaultError as fault:
        return "fault", (fault.fault_code, fault.reason)


TEXT = st.text(alphabet=st.sampled_from("ab 1-<>&\"'é\n\t"), max_size=12)


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def parameter(draw: st.DrawFn, names: list[str]) -> str:
    name = draw(st.sampled_from([*names, "extra", "ticket"]))
    qualified = draw(st.sampled_from(["", "q:", "i:"]))  # unqualified (default ns), another ns, Intuit's prefix
    tag = f"{qualified}{name}"
    text = draw(TEXT)
    shape = draw(st.sampled_from(["text", "text", "empty", "nil", "nil-text", "cdata", "comment", "pi", "child",
                                  "typed"]))
    inner = {"text": escaped(text), "empty": "", "nil": "", "nil-text": escaped(text),
             "cdata": f"<![CDATA[{text.replace(']]>', '')}]]>", "comment": f"{escaped(text)}<!-- c -->z",
             "pi": f"y<?pi data?>{escaped(text)}", "child": f"{escaped(text)}<inner>x</inner>",
             "typed": escaped(text)}[shape]
    attributes = {"nil": ' xsi:nil="true"', "nil-text": ' xsi:nil=" 1 "',
                  "typed": ' xsi:type="xsd:string"'}.get(shape, "")
    if name in ("qbXMLMajorVers", "qbXMLMinorVers") and shape in ("text", "typed"):
        inner = draw(st.sampled_from(["13", " 2 ", "-1", "x", "99999999999", ""]))
    return f"<{tag}{attributes}>{inner}</{tag}>"


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[bytes, str | None]:
    method = draw(st.sampled_from([*sorted(CALLS_BY_METHOD), "foo"]))
    names = [p.element for p in CALLS_BY_METHOD[method].PARAMS] if method in CALLS_BY_METHOD else ["ticket"]
    prefix = draw(st.sampled_from(["soap:", "s:", ""]))
    namespace = draw(st.sampled_from([SOAP11_NS] * 6 + [SOAP12_NS, "urn:other"]))
    declare = f' xmlns{":" + prefix[:-1] if prefix else ""}="{namespace}"'
    gap = draw(st.sampled_from(["", "\n  "]))
    params = gap.join(draw(st.lists(parameter(names), max_size=6)))
    operation_ns = draw(st.sampled_from([f' xmlns="{INTUIT}"', ' xmlns="urn:x"', ""]))
    operation = "" if draw(st.integers(0, 9)) == 0 else (
        f'<{method}{operation_ns} xmlns:q="urn:q" xmlns:i="{INTUIT}">{params}</{method}>')
    if operation and draw(st.booleans()):
        operation += "<second><ticket>t</ticket></second>"
    header = ""
    if draw(st.integers(0, 3)) == 0:
        understood = draw(st.sampled_from(["0", "1", " true ", "false"]))
        # with no prefix the attribute is in no namespace: that mustUnderstand is not SOAP's
        header = f'<{prefix}Header><auth {prefix}mustUnderstand="{understood}"/></{prefix}Header>'
    bodies = draw(st.sampled_from([1, 1, 1, 1, 0, 2]))
    body = "".join(f"<{prefix}Body>{gap}{operation if i == 0 else ''}{gap}</{prefix}Body>" for i in range(bodies))
    document = (f'<?xml version="1.0" encoding="utf-8"?>{gap}<{prefix}Envelope{declare} '
                f'xmlns:xsi="{XSI}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">{header}{body}</{prefix}Envelope>')
    action = draw(st.sampled_from([None, f'"{INTUIT}closeConnection"', "", "urn:nothing/foo"]))
    return document.encode("utf-8"), action


@settings(max_examples=400, deadline=None)
@given(envelopes())
def test_any_envelope_reads_to_what_the_tree_reads(case: tuple[bytes, str | None]) -> None:
    # GIVEN an envelope as some client might write it  WHEN both readers read it
    body, action = case
    # THEN they give the same call, or the same fault with the same reason
    assert outcome(parse_call, body, action) == outcome(tree_read, body, action)


def test_the_generated_envelopes_reach_every_kind_of_answer() -> None:
    # GIVEN many generated envelopes  WHEN read  THEN calls and each kind of fault occur (the property
    # above is not comparing faults alone)
    seen: set[str] = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(envelopes())
    def collect(case: tuple[bytes, str | None]) -> None:
        kind, detail = outcome(parse_call, *case)
        seen.add("call" if kind == "call" else detail[0] + ":" + detail[1].split(" ")[0])

    collect()
    assert {"call", "soap:Client:parameter", "soap:MustUnderstand:header", "soap:VersionMismatch:SOAP",
            "soap:Client:not", "soap:Client:unknown"} <= seen


def test_a_doctype_the_byte_check_does_not_see_is_refused_by_the_reader_itself() -> None:
    # GIVEN a DOCTYPE past the first 4 KB, where the byte check before parsing does not look for it
    document = b'<?xml version="1.0"?>' + b" " * 5000 + b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'
    # WHEN streamed  THEN expat's own handler refuses it, and the call is a client fault
    with pytest.raises(UnsafeXmlError, match="DOCTYPE and ENTITY declarations are not allowed"):
        read_events(document, lambda *_: None, lambda *_: None, lambda *_: None)
    with pytest.raises(SoapFaultError, match="DOCTYPE"):
        parse_call(document)


ENCODED = ('<?xml version="1.0" encoding="{label}"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
           'envelope/"><soap:Body><closeConnection xmlns="http://developer.intuit.com/"><ticket>café € あ</ticket>'
           "</closeConnection></soap:Body></soap:Envelope>")


@pytest.mark.parametrize(("label", "codec"), [
    ("utf-8", "utf-8"), ("UTF8", "utf-8"), ("utf-8", "utf-8-sig"), ("iso-8859-1", "iso-8859-1"),
    ("windows-1252", "windows-1252"), ("us-ascii", "us-ascii"), ("utf-16", "utf-16"), ("utf-16le", "utf-16-le"),
    ("UTF-16BE", "utf-16-be"), ("Shift_JIS", "shift_jis"), ("euc-jp", "euc-jp")])
def test_an_envelope_in_any_encoding_its_declaration_names_reads_as_the_tree_reads_it(label: str, codec: str) -> None:
    # GIVEN the same envelope written in an encoding it declares (what a character cannot be is a reference)
    body = ENCODED.format(label=label).encode(codec, "xmlcharrefreplace")
    # WHEN read  THEN the ticket is the same text, as from the tree
    assert outcome(parse_call, body, None) == outcome(tree_read, body, None) == (
        "call", CloseConnection("café € あ"))


@pytest.mark.parametrize(("body", "reason"), [
    (ENCODED.format(label="no-such-encoding").encode(), "encoding 'no-such-encoding' is not supported"),
    (b"<?xml version='1.0' encoding='shift_jis'?><a>\xff\xff</a>", "is not valid shift_jis"),
    (ENCODED.format(label="utf-8").encode("latin-1", "xmlcharrefreplace"), "not well-formed XML")])
def test_an_envelope_its_encoding_cannot_read_is_a_client_fault(body: bytes, reason: str) -> None:
    # GIVEN bytes that are not what their declaration says, or a declaration no codec reads
    # WHEN read  THEN a SOAP client fault says so (never a ValueError of the parser's own)
    with pytest.raises(SoapFaultError, match=reason) as caught:
        parse_call(body)
    assert caught.value.fault_code == "soap:Client"
