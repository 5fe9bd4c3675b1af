"""Our WSDL against Intuit's two: same operations, elements, parameters, types and actions; zeep agrees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree

from chalicelib.qbwc.calls import CALL_TYPES, SendRequestXML
from chalicelib.qbwc.codec import parse_call, render_result
from chalicelib.qbwc.wsdl import render_wsdl
from chalicelib.safexml import parse_xml
from tests.unit.qbwc._files import INTUIT_WSDLS

W = "{http://schemas.xmlsoap.org/wsdl/}"
S = "{http://www.w3.org/2001/XMLSchema}"
SOAP = "{http://schemas.xmlsoap.org/wsdl/soap/}"
ENDPOINT = "https://qbd.example.com/api/qbwc"
INTUIT_NS = "http://developer.intuit.com/"


def _resolve(context: Any, value: str) -> str:
    """A QName attribute value (``s:int``, ``tns:x``) as ``{namespace}local``, whatever the prefix."""
    prefix, _, local = value.rpartition(":")
    return f"{{{context.nsmap[prefix or None]}}}{local}"


def _items(container: Any) -> tuple[tuple[str, ...], ...]:
    sequence = container.find(f"{S}complexType/{S}sequence")
    if container.tag == f"{S}complexType":
        sequence = container.find(f"{S}sequence")
    if sequence is None:
        return ()
    return tuple(
        (
            item.get("name"),
            _resolve(item, item.get("type")),
            item.get("minOccurs", "1"),
            item.get("maxOccurs", "1"),
            item.get("nillable", "false"),
        )
        for item in sequence.findall(f"{S}element")
    )


@dataclass(frozen=True)
class Contract:
    """What a SOAP toolkit reads from a WSDL, with prefixes resolved."""

    target_namespace: str
    element_form_default: str
    elements: dict[str, tuple[tuple[str, ...], ...]]
    complex_types: dict[str, tuple[tuple[str, ...], ...]]
    operations: dict[str, tuple[tuple[str, str, str], tuple[str, str, str]]]
    bindings: dict[str, tuple[str, str, str, str]]


def _read(document: bytes) -> Contract:
    root = parse_xml(document)
    schema = root.find(f"{W}types/{S}schema")
    messages = {m.get("name"): m.find(f"{W}part") for m in root.findall(f"{W}message")}

    def message(ref: Any) -> tuple[str, str, str]:
        part = messages[_resolve(ref, ref.get("message")).split("}")[1]]
        return (_resolve(ref, ref.get("message")), part.get("name"), _resolve(part, part.get("element")))

    port_type = root.find(f"{W}portType")
    operations = {
        op.get("name"): (message(op.find(f"{W}input")), message(op.find(f"{W}output")))
        for op in port_type.findall(f"{W}operation")
    }
    soap11 = [b for b in root.findall(f"{W}binding") if b.find(f"{SOAP}binding") is not None]
    assert len(soap11) == 1
    binding = soap11[0]
    default_style = binding.find(f"{SOAP}binding").get("style", "document")
    bindings = {}
    for op in binding.findall(f"{W}operation"):
        soap_op = op.find(f"{SOAP}operation")
        bindings[op.get("name")] = (
            soap_op.get("soapAction"),
            soap_op.get("style", default_style),
            op.find(f"{W}input/{SOAP}body").get("use"),
            op.find(f"{W}output/{SOAP}body").get("use"),
        )
    return Contract(
        target_namespace=root.get("targetNamespace"),
        element_form_default=schema.get("elementFormDefault"),
        elements={e.get("name"): _items(e) for e in schema.findall(f"{S}element")},
        complex_types={t.get("name"): _items(t) for t in schema.findall(f"{S}complexType")},
        operations=operations,
        bindings=bindings,
    )


OURS = _read(render_wsdl(ENDPOINT))


@pytest.fixture(params=sorted(INTUIT_WSDLS), name="intuit")
def _intuit(request: pytest.FixtureRequest) -> Contract:
    return _read(INTUIT_WSDLS[request.param].read_bytes())


def test_target_namespace_and_element_form_match_intuit(intuit: Contract) -> None:
    # GIVEN an Intuit WSDL and ours  WHEN their schemas are compared  THEN namespace and form agree
    assert OURS.target_namespace == intuit.target_namespace == INTUIT_NS
    assert OURS.element_form_default == intuit.element_form_default == "qualified"


def test_every_intuit_operation_has_the_same_contract_in_ours(intuit: Contract) -> None:
    # GIVEN each operation Intuit declares
    assert len(intuit.operations) >= 6
    for name, (request, response) in intuit.operations.items():
        # WHEN our WSDL is asked for the same operation
        assert name in OURS.operations, name
        # THEN the messages, parts and request/response elements are the same
        assert OURS.operations[name] == (request, response), name
        for _, _, element in (request, response):
            local = element.split("}")[1]
            # ... the parameters have the same names, order, types, minOccurs, maxOccurs and nillable
            assert OURS.elements[local] == intuit.elements[local], local
        # ... and the binding has the same soapAction, style and literal use
        assert OURS.bindings[name] == intuit.bindings[name], name


def test_array_of_string_matches_intuit(intuit: Contract) -> None:
    # GIVEN authenticate's result type  WHEN compared  THEN it is Intuit's nillable unbounded <string> list
    assert OURS.complex_types["ArrayOfString"] == intuit.complex_types["ArrayOfString"]
    assert OURS.elements["authenticateResponse"][0][1] == f"{{{INTUIT_NS}}}ArrayOfString"


def test_ours_declares_all_twelve_operations_in_port_type_and_binding() -> None:
    # GIVEN our WSDL  WHEN its operations are listed  THEN all twelve are in both the port type and binding
    names = {cls.METHOD for cls in CALL_TYPES}
    assert len(names) == 12
    assert set(OURS.operations) == names == set(OURS.bindings)
    for name in names:
        assert OURS.bindings[name] == (f"{INTUIT_NS}{name}", "document", "literal", "literal")


def test_interactive_and_server_version_operations_use_the_guide_parameter_names() -> None:
    # GIVEN the operations that are only in Intuit's guide  WHEN their request elements are read
    params = {name: [item[0] for item in OURS.elements[name]] for name in
              ("getInteractiveURL", "interactiveDone", "interactiveRejected", "getServerVersion")}
    # THEN they carry QBWC's parameter names, and every result is an optional string
    assert params == {
        "getInteractiveURL": ["wcTicket", "sessionID"],
        "interactiveDone": ["wcTicket"],
        "interactiveRejected": ["wcTicket", "reason"],
        "getServerVersion": ["ticket"],
    }
    for name in params:
        assert OURS.elements[f"{name}Response"] == (
            (f"{name}Result", "{http://www.w3.org/2001/XMLSchema}string", "0", "1", "false"),
        )


def test_service_and_port_follow_intuit_and_point_at_the_endpoint() -> None:
    # GIVEN an endpoint URL with characters that need escaping  WHEN the WSDL is rendered
    url = "https://qbd.example.com/qbwc?tenant=a&b=c"
    root = parse_xml(render_wsdl(url))
    # THEN the single SOAP 1.1 port of service QBWebConnectorSvc points at it, unchanged
    service = root.find(f"{W}service")
    port = service.find(f"{W}port")
    assert (service.get("name"), port.get("name")) == ("QBWebConnectorSvc", "QBWebConnectorSvcSoap")
    assert _resolve(port, port.get("binding")) == f"{{{INTUIT_NS}}}QBWebConnectorSvcSoap"
    assert port.find(f"{SOAP}address").get("location") == url
    assert root.find(f"{W}portType").get("name") == "QBWebConnectorSvcSoap"


def test_render_wsdl_is_cached_per_endpoint() -> None:
    # GIVEN two calls with the same URL and one with another  THEN the same bytes object is reused per URL
    assert render_wsdl(ENDPOINT) is render_wsdl(ENDPOINT)
    assert render_wsdl(ENDPOINT) != render_wsdl("https://other.example.com/qbwc")


@pytest.fixture(name="zeep_client")
def _zeep_client(tmp_path: Path) -> zeep.Client:
    path = tmp_path / "qbwc.wsdl"
    path.write_bytes(render_wsdl(ENDPOINT))
    return zeep.Client(wsdl=str(path))  # type: ignore[no-untyped-call]


def test_zeep_loads_our_wsdl_and_lists_all_twelve_operations(zeep_client: zeep.Client) -> None:
    # GIVEN zeep, a SOAP toolkit nobody here wrote  WHEN it loads our WSDL
    binding = zeep_client.service._binding
    # THEN it sees the twelve operations at our endpoint
    assert set(binding._operations) == {cls.METHOD for cls in CALL_TYPES}
    assert zeep_client.service._binding_options["address"] == ENDPOINT


@pytest.mark.parametrize("wsdl_name", ["ours", *sorted(INTUIT_WSDLS)])
def test_requests_built_by_zeep_from_any_wsdl_parse_with_our_codec(wsdl_name: str, tmp_path: Path) -> None:
    # GIVEN a zeep client built from Intuit's WSDL or ours
    path = tmp_path / "qbwc.wsdl"
    path.write_bytes(render_wsdl(ENDPOINT) if wsdl_name == "ours" else INTUIT_WSDLS[wsdl_name].read_bytes())
    client = zeep.Client(wsdl=str(path))  # type: ignore[no-untyped-call]
    # WHEN it writes a sendRequestXML request with qbXML text and int versions
    envelope = client.create_message(  # type: ignore[no-untyped-call]
        client.service, "sendRequestXML", ticket="t-1", strHCPResponse="<QBXML a=\"1\">&</QBXML>",
        strCompanyFileName="C:\\a.qbw", qbXMLCountry="US", qbXMLMajorVers=16, qbXMLMinorVers=0,
    )
    call = parse_call(etree.tostring(envelope))
    # THEN our codec reads every value back
    assert call == SendRequestXML("t-1", "<QBXML a=\"1\">&</QBXML>", "C:\\a.qbw", "US", 16, 0)


def test_zeep_reads_our_rendered_results(zeep_client: zeep.Client) -> None:
    # GIVEN our rendered answers  WHEN zeep deserializes them with our WSDL
    binding = zeep_client.service._binding

    def reply(method: str, value: Any) -> Any:
        return binding.get(method).process_reply(etree.fromstring(render_result(method, value)))

    # THEN the array keeps its four entries, the percent is an int and the qbXML text is exact
    auth = reply("authenticate", ["ticket", "", "", "600"])
    assert len(auth) == 4
    assert (auth[0], auth[3]) == ("ticket", "600")
    assert reply("receiveResponseXML", 42) == 42
    assert reply("sendRequestXML", "<QBXML>&'\"</QBXML>") == "<QBXML>&'\"</QBXML>"
