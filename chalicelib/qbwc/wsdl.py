"""The WSDL served at ``GET /qbwc?wsdl``: Intuit's QBWC contract, plus the optional operations.

The Web Connector never reads a WSDL (its proxy is compiled in), but SOAP toolkits do, and a client
generated from Intuit's WSDL must be able to talk to us unchanged. So this document follows the
shape of Intuit's two published WSDLs (``QBWebConnectorSvc`` and the TroubleshootWebServiceFS
variant) for the eight operations they declare, and adds ``getInteractiveURL``, ``interactiveDone``,
``interactiveRejected`` and ``getServerVersion`` (QBWC 2.0 methods that are only in Intuit's guide
and C# sample) in the same style:

* target namespace ``http://developer.intuit.com/``, ``elementFormDefault="qualified"``;
* document/literal "wrapped": one request element named after the operation, one
  ``<op>Response`` element holding ``<op>Result``; messages ``<op>SoapIn`` / ``<op>SoapOut`` with a
  single part called ``parameters``;
* strings are ``minOccurs="0"``, ``s:int`` parameters and results are ``minOccurs="1"``, and
  ``authenticateResult`` is an ``ArrayOfString`` of nillable ``<string>`` items;
* ``soapAction`` is ``http://developer.intuit.com/<op>``;
* service ``QBWebConnectorSvc``, port type, binding and port ``QBWebConnectorSvcSoap``, SOAP 1.1 only.

Operation and parameter names come from ``calls.py`` (the same table the codec reads), so the WSDL
and the codec cannot drift apart. The document is built with lxml and cached per endpoint URL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lxml import etree

from chalicelib.qbwc.calls import CALL_TYPES, CallType

INTUIT_NS = "http://developer.intuit.com/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"

SERVICE_NAME = "QBWebConnectorSvc"
PORT_NAME = "QBWebConnectorSvcSoap"

_NSMAP = {"wsdl": WSDL_NS, "soap": WSDL_SOAP_NS, "s": XSD_NS, "tns": INTUIT_NS}
_DOCUMENTATION = (
    "QuickBooks Web Connector service (qbd-gateway): Intuit's QBWebConnectorSvc operations plus the "
    "optional QBWC 2.0 methods getInteractiveURL, interactiveDone, interactiveRejected and getServerVersion."
)


def _w(tag: str) -> str:
    return f"{{{WSDL_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{XSD_NS}}}{tag}"


def _soap(tag: str) -> str:
    return f"{{{WSDL_SOAP_NS}}}{tag}"


@lru_cache(maxsize=16)
def render_wsdl(endpoint_url: str) -> bytes:
    """The WSDL document (UTF-8 bytes) whose ``soap:address`` is ``endpoint_url``."""
    definitions = etree.Element(_w("definitions"), nsmap=_NSMAP, targetNamespace=INTUIT_NS)
    etree.SubElement(definitions, _w("documentation")).text = _DOCUMENTATION
    _add_types(definitions)
    for call_type in CALL_TYPES:
        _add_messages(definitions, call_type.METHOD)
    _add_port_type(definitions)
    _add_binding(definitions)
    service = etree.SubElement(definitions, _w("service"), name=SERVICE_NAME)
    port = etree.SubElement(service, _w("port"), name=PORT_NAME, binding=f"tns:{PORT_NAME}")
    etree.SubElement(port, _soap("address"), location=endpoint_url)
    document: bytes = etree.tostring(definitions, encoding="utf-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + document


def _add_types(definitions: Any) -> None:
    types = etree.SubElement(definitions, _w("types"))
    schema = etree.SubElement(types, _s("schema"), elementFormDefault="qualified", targetNamespace=INTUIT_NS)
    for call_type in CALL_TYPES:
        request = etree.SubElement(schema, _s("element"), name=call_type.METHOD)
        request_type = etree.SubElement(request, _s("complexType"))
        if call_type.PARAMS:
            sequence = etree.SubElement(request_type, _s("sequence"))
            for param in call_type.PARAMS:
                _add_item(sequence, param.element, param.xsd_type)
        response = etree.SubElement(schema, _s("element"), name=f"{call_type.METHOD}Response")
        sequence = etree.SubElement(etree.SubElement(response, _s("complexType")), _s("sequence"))
        _add_item(sequence, f"{call_type.METHOD}Result", call_type.RESULT)
        if call_type.RESULT == "ArrayOfString":
            _add_array_of_string(schema)


def _add_item(sequence: Any, name: str, xsd_type: str) -> None:
    type_ref = "tns:ArrayOfString" if xsd_type == "ArrayOfString" else f"s:{xsd_type}"
    min_occurs = "1" if xsd_type == "int" else "0"
    etree.SubElement(sequence, _s("element"), minOccurs=min_occurs, maxOccurs="1", name=name, type=type_ref)


def _add_array_of_string(schema: Any) -> None:
    array = etree.SubElement(schema, _s("complexType"), name="ArrayOfString")
    sequence = etree.SubElement(array, _s("sequence"))
    etree.SubElement(
        sequence, _s("element"), minOccurs="0", maxOccurs="unbounded", name="string", nillable="true",
        type="s:string",
    )


def _add_messages(definitions: Any, method: str) -> None:
    for suffix, element in (("SoapIn", method), ("SoapOut", f"{method}Response")):
        message = etree.SubElement(definitions, _w("message"), name=f"{method}{suffix}")
        etree.SubElement(message, _w("part"), name="parameters", element=f"tns:{element}")


def _add_port_type(definitions: Any) -> None:
    port_type = etree.SubElement(definitions, _w("portType"), name=PORT_NAME)
    for call_type in CALL_TYPES:
        operation = etree.SubElement(port_type, _w("operation"), name=call_type.METHOD)
        etree.SubElement(operation, _w("input"), message=f"tns:{call_type.METHOD}SoapIn")
        etree.SubElement(operation, _w("output"), message=f"tns:{call_type.METHOD}SoapOut")


def _add_binding(definitions: Any) -> None:
    binding = etree.SubElement(definitions, _w("binding"), name=PORT_NAME, type=f"tns:{PORT_NAME}")
    etree.SubElement(binding, _soap("binding"), transport=SOAP_HTTP_TRANSPORT, style="document")
    for call_type in CALL_TYPES:
        _add_binding_operation(binding, call_type)


def _add_binding_operation(binding: Any, call_type: CallType) -> None:
    operation = etree.SubElement(binding, _w("operation"), name=call_type.METHOD)
    action = f"{INTUIT_NS}{call_type.METHOD}"
    etree.SubElement(operation, _soap("operation"), soapAction=action, style="document")
    for direction in ("input", "output"):
        etree.SubElement(etree.SubElement(operation, _w(direction)), _soap("body"), use="literal")
