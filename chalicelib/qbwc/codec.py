"""The SOAP 1.1 envelope codec: bytes from the Web Connector in, typed calls out, and back.

QBWC posts document/literal SOAP 1.1 envelopes to one URL. :func:`parse_call` reads one into a frozen
call from ``calls.py``; :func:`render_result` and :func:`render_fault` write the answer. Nothing else
in the gateway touches SOAP XML.

Reading is lenient where real clients differ and strict where the XML itself is wrong:

* the envelope namespace must be SOAP 1.1 (a SOAP 1.2 envelope gets a ``VersionMismatch`` fault that
  says so); prefixes are free, and so are ``xsi:type``, ``soap:encodingStyle``, pretty-printing and
  qualified or unqualified parameter names — everything is matched by local name;
* the operation is the first element in the Body. ``SOAPAction`` is only consulted when the Body is
  empty; when both are present the Body wins;
* a missing parameter is ``""`` (or ``None`` for an ``s:int``); a non-integer ``s:int`` is a fault;
* malformed XML, any DOCTYPE or entity declaration, oversize bodies, a missing or empty Body, and an
  unknown operation raise :class:`SoapFaultError`, which the edge renders with :func:`render_fault`.

Reading walks the tree by Clark-notation tags (no ``QName`` per element) and takes a parameter's
``.text`` when it has no child node at all, the shape QBWC always sends. Results are written as text,
byte for byte what serialising their tree with lxml gives (a property test compares them), faults
through lxml. Both are the compact form captured from real .NET services: an XML declaration with double
quotes, the ``soap``, ``xsi`` and ``xsd`` prefixes on the Envelope, and ``<opResponse xmlns="http://developer.intuit.com/">``
around ``<opResult>``. ``authenticate`` results keep every empty ``<string></string>``: QBWC counts
them (FIELD-LESSONS #3), and an int result is written as an integer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lxml import etree

from chalicelib.errors import CATALOG, GatewayError
from chalicelib.qbwc.calls import CALLS_BY_METHOD, CallType, SoapCall
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
INTUIT_NS = "http://developer.intuit.com/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

CONTENT_TYPE = "text/xml; charset=utf-8"
#: SOAP 1.1 over HTTP sends a Fault with status 500 (the body is still a SOAP envelope, never HTML).
FAULT_HTTP_STATUS = 500
DEFAULT_MAX_BYTES = 10_000_000

_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
_ENVELOPE, _BODY, _HEADER = (f"{{{SOAP11_NS}}}{name}" for name in ("Envelope", "Body", "Header"))
_ENVELOPE_NSMAP = {"soap": SOAP11_NS, "xsi": XSI_NS, "xsd": XSD_NS}
_RESULT_HEAD = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11_NS}" '
                f'xmlns:xsi="{XSI_NS}" xmlns:xsd="{XSD_NS}"><soap:Body>')
_FAULT_CODES = ("VersionMismatch", "MustUnderstand", "Client", "Server")
_INT_RE = re.compile(r"[+-]?[0-9]+")
_INT32 = range(-(2**31), 2**31)
# Characters XML 1.0 cannot carry; replaced in fault texts so a fault can always be written. Written as the
# complement of XML's Char production ([^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]), the same set,
# because that negated class takes ~10 ms to compile, a cost on every cold start's first SOAP answer.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_REASON_CHARS = 2000


class SoapFaultError(GatewayError):
    """The request cannot be answered in protocol terms; answer it with a SOAP Fault.

    ``reason`` becomes the ``faultstring`` (short, safe to show, never a stack trace) and
    ``fault_code`` the ``faultcode`` (``soap:Client`` for bad input, ``soap:Server`` for our side).
    """

    def __init__(self, reason: str, fault_code: str = "soap:Client") -> None:
        spec = CATALOG["invalid_request"] if "Server" not in fault_code else CATALOG["internal_error"]
        super().__init__(spec, reason)
        self.reason = reason
        self.fault_code = fault_code


# --------------------------------------------------------------------------- reading


def parse_call(
    body: bytes, soap_action: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> SoapCall:
    """Read one SOAP 1.1 request envelope into its typed call, or raise :class:`SoapFaultError`."""
    try:
        root = parse_xml(body, max_bytes=max_bytes)
    except UnsafeXmlError as exc:
        raise SoapFaultError(str(exc)) from exc
    soap_body = _envelope_body(root)
    operation = next((child for child in soap_body if isinstance(child.tag, str)), None)
    if operation is None:
        method = _method_from_action(soap_action)
        if method is None:
            raise SoapFaultError("the SOAP Body is empty and no SOAPAction names an operation")
        return _build(_call_type(method), {})
    call_type = _call_type(local_name(operation))
    supplied: dict[str, Any] = {}
    for child in operation:
        if isinstance(child.tag, str):  # elements only: comments and PIs are children too
            supplied.setdefault(local_name(child), child)
    texts = {param.element: _text_of(supplied[param.element], param.element)
             for param in call_type.PARAMS if param.element in supplied}
    return _build(call_type, texts)


def _envelope_body(root: Any) -> Any:
    if root.tag != _ENVELOPE:
        namespace = etree.QName(root).namespace
        if local_name(root) != "Envelope" or namespace != SOAP12_NS:
            raise SoapFaultError(f"not a SOAP envelope: the root element is '{local_name(root)}'")
        raise SoapFaultError(
            "SOAP 1.2 is not supported: this service requires SOAP 1.1 "
            f"(envelope namespace {SOAP11_NS})",
            "soap:VersionMismatch",
        )
    bodies = []
    for child in root:
        if child.tag == _BODY:
            bodies.append(child)
        elif child.tag == _HEADER:
            _check_headers(child)
    if len(bodies) != 1:
        raise SoapFaultError("not a SOAP envelope: it must contain exactly one soap:Body")
    return bodies[0]


def _check_headers(header: Any) -> None:
    """SOAP 1.1 §4.2.3: a header block we must understand but do not is a MustUnderstand fault."""
    for block in header.iterchildren(etree.Element):
        if block.get(f"{{{SOAP11_NS}}}mustUnderstand", "0").strip() in ("1", "true"):
            raise SoapFaultError(
                f"header '{local_name(block)}' is marked mustUnderstand and is not understood",
                "soap:MustUnderstand",
            )


def _method_from_action(soap_action: str | None) -> str | None:
    """``"http://developer.intuit.com/authenticate"`` (quoted or not) → ``authenticate``."""
    if soap_action is None:
        return None
    action = soap_action.strip().strip('"').strip()
    method = re.split(r"[/#:]", action)[-1] if action else ""
    return method or None


def _call_type(method: str) -> CallType:
    call_type = CALLS_BY_METHOD.get(method)
    if call_type is None:
        raise SoapFaultError(f"unknown method '{_printable(method, 100)}'")
    return call_type


def _build(call_type: CallType, texts: dict[str, str]) -> SoapCall:
    """The call with its fields filled from the parameters' texts, keyed by SOAP element name."""
    values: dict[str, Any] = {}
    for param in call_type.PARAMS:
        text = texts.get(param.element)
        if text is not None:
            values[param.attr] = _to_int(text, param.element) if param.xsd_type == "int" else text
    return call_type(**values)


def _text_of(element: Any, name: str) -> str:
    if not len(element) and not element.attrib:  # no child nodes of any kind, no xsi:nil: the usual case
        return element.text or ""
    if next(element.iterchildren(etree.Element), None) is not None:
        raise SoapFaultError(f"parameter '{name}' must be text (escaped XML), not child elements")
    if element.get(f"{{{XSI_NS}}}nil", "false").strip() in ("true", "1"):
        return ""
    return "".join(element.itertext())


def _to_int(text: str, name: str) -> int | None:
    stripped = text.strip()
    if not stripped:
        return None
    if not _INT_RE.fullmatch(stripped) or int(stripped) not in _INT32:
        raise SoapFaultError(f"parameter '{name}' must be an integer, got '{_printable(stripped, 40)}'")
    return int(stripped)


# --------------------------------------------------------------------------- writing


def render_result(method: str, value: str | int | Sequence[str] | None) -> bytes:
    """The response envelope for ``method`` carrying ``value`` as ``<{method}Result>``.

    ``authenticate`` takes a sequence of strings (each becomes a ``<string>``, empty ones included);
    ``receiveResponseXML`` takes an ``int``; every other method a ``str`` (``None`` = empty result).
    A value of the wrong type raises ``TypeError``; an unknown method raises ``ValueError``, as does
    text XML cannot carry. Written as text, byte for byte what serialising the envelope's tree gives
    (the answer of every call, so no tree is built for it).
    """
    call_type = CALLS_BY_METHOD.get(method)
    if call_type is None:
        raise ValueError(f"unknown method '{method}'")
    if call_type.RESULT == "ArrayOfString":
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise TypeError(f"{method} returns a list of strings, got {type(value).__name__}")
        for item in value:
            if not isinstance(item, str):
                raise TypeError(f"{method} returns a list of strings, got an item of {type(item).__name__}")
        inner = "".join(f"<string>{_text(item)}</string>" for item in value)  # "" stays <string></string>
        result = f"<{method}Result>{inner}</{method}Result>" if value else f"<{method}Result/>"
    elif call_type.RESULT == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{method} returns an int, got {type(value).__name__}")
        if value not in _INT32:
            raise ValueError(f"{method} result {value} does not fit in an s:int")
        result = f"<{method}Result>{value}</{method}Result>"
    else:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{method} returns a string, got {type(value).__name__}")
        result = f"<{method}Result/>" if value is None else f"<{method}Result>{_text(value)}</{method}Result>"
    return (f'{_RESULT_HEAD}<{method}Response xmlns="{INTUIT_NS}">{result}</{method}Response>'
            "</soap:Body></soap:Envelope>").encode()


def _text(value: str) -> str:
    """``value`` as XML character data, escaped as lxml escapes it; ValueError for what XML cannot carry."""
    if _NOT_XML_CHAR.search(value):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def render_fault(reason: str, fault_code: str = "soap:Client") -> bytes:
    """A SOAP 1.1 Fault envelope: ``faultcode`` (``soap:Client`` by default) and ``faultstring``.

    ``fault_code`` may be written with or without the ``soap:`` prefix, with an optional dotted
    refinement (``soap:Client.Authentication``); its base must be one of SOAP 1.1's four codes.
    The reason is cleaned of characters XML cannot carry and truncated; no stack trace ever goes here.
    """
    code = fault_code.split(":", 1)[1] if fault_code.startswith("soap:") else fault_code
    if code.split(".", 1)[0] not in _FAULT_CODES:
        raise ValueError(f"fault code must be one of {', '.join(_FAULT_CODES)}, got '{fault_code}'")
    envelope, soap_body = _new_envelope()
    fault = etree.SubElement(soap_body, f"{{{SOAP11_NS}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = _printable(reason, _MAX_REASON_CHARS)
    return _serialize(envelope)


def _new_envelope() -> tuple[Any, Any]:
    envelope = etree.Element(f"{{{SOAP11_NS}}}Envelope", nsmap=_ENVELOPE_NSMAP)
    return envelope, etree.SubElement(envelope, f"{{{SOAP11_NS}}}Body")


def _serialize(envelope: Any) -> bytes:
    data: bytes = etree.tostring(envelope, encoding="utf-8", xml_declaration=False)
    return _XML_DECLARATION + data


def _printable(text: str, limit: int) -> str:
    cleaned = _NOT_XML_CHAR.sub("?", text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
