"""SOAP 1.1 as the QuickBooks Web Connector speaks it — and as strictly as its .NET client reads it.

Requests are written the way captured Web Connector traffic looks: one line, the three usual
namespace declarations, the operation element in ``http://developer.intuit.com/``, parameters as
qualified children in WSDL order, qbXML carried as entity-escaped text (``&``, ``<``, ``>``; never
CDATA), and empty strings as self-closing elements with a space (``<hresult />``). Each POST has
``Content-Type: text/xml; charset=utf-8`` and ``SOAPAction: "http://developer.intuit.com/<op>"``.

Answers are read the way the Web Connector's generated .NET proxy reads them, so that what would
break the real client breaks here too:

- a SOAP Fault (any HTTP status), an HTTP status other than 200, a content type other than
  ``text/xml``, a body that is not well-formed XML, or a Body whose element is not
  ``{http://developer.intuit.com/}<op>Response`` raise :class:`WireError`;
- a missing ``<op>Result`` reads as an empty string (the WSDL's ``minOccurs="0"``), except where
  the WSDL requires it — the ``int`` of ``receiveResponseXML`` and the string array of
  ``authenticate``.

Answers are parsed with entity resolution, DTD loading and network access switched off.
"""

from __future__ import annotations

import http.client
from collections.abc import Sequence
from urllib.parse import urlsplit

from lxml import etree

INTUIT_NS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
USER_AGENT = "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 4.0.30319.42000)"

_ENVELOPE_START = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
)
_ENVELOPE_END = "</soap:Body></soap:Envelope>"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)

QBWC_ERROR_CODES: dict[str, str] = {
    "clientVersion": "QBWC1036",
    "authenticate": "QBWC1012",
    "sendRequestXML": "QBWC1041",
    "receiveResponseXML": "QBWC1042",
    "getLastError": "QBWC1043",
    "closeConnection": "QBWC1044",
    "connectionError": "QBWC1045",
}
"""The error the Web Connector shows when a call fails (Programmer's Guide, appendix A).
``serverVersion`` has none: the Web Connector logs its failure and carries on."""


class WireError(Exception):
    """A call failed on the wire; the Web Connector ends the update and shows ``code``."""

    def __init__(self, method: str, detail: str) -> None:
        self.method = method
        self.code = QBWC_ERROR_CODES.get(method, "")
        self.detail = detail
        super().__init__(f"{self.code or 'error'}: {method} failed: {detail}")


def escape_text(value: str) -> str:
    """Escape element text the way .NET's XmlWriter does (``&``, ``<``, ``>``; quotes stay)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")


def request_envelope(method: str, params: Sequence[tuple[str, str]]) -> bytes:
    """The compact request envelope for ``method`` with ``params`` in WSDL order."""
    if not params:
        operation = f'<{method} xmlns="{INTUIT_NS}" />'
    else:
        body = "".join(
            f"<{name} />" if value == "" else f"<{name}>{escape_text(value)}</{name}>" for name, value in params
        )
        operation = f'<{method} xmlns="{INTUIT_NS}">{body}</{method}>'
    return (_ENVELOPE_START + operation + _ENVELOPE_END).encode("utf-8")


class SoapClient:
    """POSTs one envelope per call to the gateway's QBWC endpoint."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout

    def call(self, method: str, params: Sequence[tuple[str, str]]) -> etree._Element:
        """Send the call; return the ``<method>Response`` element or raise :class:`WireError`."""
        connection: http.client.HTTPConnection
        if self._https:
            connection = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout)
        else:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{INTUIT_NS}{method}"',
            "User-Agent": USER_AGENT,
        }
        try:
            connection.request("POST", self._path, body=request_envelope(method, params), headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise WireError(method, f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        return _read_answer(method, response.status, response.reason, response.getheader("Content-Type", ""), payload)


def _read_answer(method: str, status: int, reason: str, content_type: str, payload: bytes) -> etree._Element:
    try:
        root: etree._Element | None = etree.fromstring(payload, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    body = root.find(f"{{{SOAP_NS}}}Body") if root is not None and root.tag == f"{{{SOAP_NS}}}Envelope" else None
    fault = body.find(f"{{{SOAP_NS}}}Fault") if body is not None else None
    if fault is not None:
        code = (fault.findtext("faultcode") or "").strip()
        text = (fault.findtext("faultstring") or "").strip()
        raise WireError(method, f"SOAP Fault {code}: {text} (HTTP {status})")
    if status != 200:
        snippet = payload[:200].decode("utf-8", "replace")
        raise WireError(method, f"The request failed with HTTP status {status}: {reason}. {snippet}".strip())
    if not content_type.lower().startswith("text/xml"):
        raise WireError(method, f"Client found response content type of '{content_type}', but expected 'text/xml'.")
    if root is None:
        raise WireError(method, "Response is not well-formed XML.")
    if body is None:
        raise WireError(method, "Response is not a SOAP 1.1 envelope.")
    children = [child for child in body if isinstance(child.tag, str)]
    expected = f"{{{INTUIT_NS}}}{method}Response"
    if not children or children[0].tag != expected:
        found = children[0].tag if children else "nothing"
        raise WireError(method, f"<{found}> was not expected; wanted <{expected}>.")
    return children[0]


def _result(wrapper: etree._Element, method: str) -> etree._Element | None:
    return wrapper.find(f"{{{INTUIT_NS}}}{method}Result")


def result_string(wrapper: etree._Element, method: str) -> str:
    """A string result; missing or ``xsi:nil`` reads as ``""``."""
    element = _result(wrapper, method)
    return "" if element is None else (element.text or "")


def result_int(wrapper: etree._Element, method: str) -> int:
    """An ``s:int`` result (required by the WSDL)."""
    element = _result(wrapper, method)
    text = "" if element is None else (element.text or "").strip()
    try:
        return int(text)
    except ValueError as exc:
        raise WireError(method, f"{method}Result {text!r} is not an integer.") from exc


def result_strings(wrapper: etree._Element, method: str) -> list[str]:
    """An ``ArrayOfString`` result: the texts of its ``<string>`` children."""
    element = _result(wrapper, method)
    if element is None:
        raise WireError(method, f"{method}Result is missing.")
    return [(child.text or "") for child in element if child.tag == f"{{{INTUIT_NS}}}string"]
