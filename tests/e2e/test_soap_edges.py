"""The SOAP endpoint at its edges, with raw HTTP: real captured QBWC envelopes, Intuit-shaped samples,
hostile and malformed input, and calls that arrive when the gateway does not expect them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree

from chalicelib.qbxml import parse_response
from tests.e2e.support import job_qbxml
from tests.support.paths import FIXTURES_DIR, SAMPLES_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INTUIT_NS = "http://developer.intuit.com/"
CAPTURED = sorted((SAMPLES_DIR / "soap-captured").glob("*.xml"))
CONSTRUCTED = sorted((SAMPLES_DIR / "soap-constructed").glob("*_request*.xml"))
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
ENVELOPE = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>'
            "{}</soap:Body></soap:Envelope>")


def post(process: GatewayProcess, body: bytes | str, action: str | None = None) -> requests.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action:
        headers["SOAPAction"] = f'"{INTUIT_NS}{action}"'
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(f"{process.base_url}/qbwc", data=data, headers=headers, timeout=30)


def call(process: GatewayProcess, method: str, **params: str) -> requests.Response:
    children = "".join(f"<{name}>{_escape(value)}</{name}>" for name, value in params.items())
    return post(process, ENVELOPE.format(f'<{method} xmlns="{INTUIT_NS}">{children}</{method}>'), method)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def result_of(response: requests.Response, method: str) -> Any:
    """The ``<method>Result`` of a 200 text/xml answer: text, or a list for ArrayOfString."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content, _PARSER)
    body = root.find(f"{{{SOAP_NS}}}Body")
    (answer,) = list(body)
    assert answer.tag == f"{{{INTUIT_NS}}}{method}Response"
    result = answer.find(f"{{{INTUIT_NS}}}{method}Result")
    assert result is not None
    strings = result.findall(f"{{{INTUIT_NS}}}string")
    return [s.text or "" for s in strings] if strings else (result.text or "")


def assert_soap_fault(response: requests.Response) -> str:
    """A SOAP 1.1 Fault in a text/xml envelope, with no trace of Python in it; returns the faultstring."""
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.status_code == 500  # SOAP 1.1 over HTTP: a Fault travels with 500
    text = response.text
    assert "Traceback" not in text and 'File "' not in text and "<html" not in text.lower()
    root = etree.fromstring(response.content, _PARSER)
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault is not None, text
    assert fault.findtext("faultcode", "").startswith("soap:")
    reason = fault.findtext("faultstring", "")
    assert reason
    return reason


def live_session(process: GatewayProcess, gateway: Gateway) -> tuple[str, str, dict[str, Any]]:
    """An end-user with one queued query, authenticated over raw SOAP: (ticket, job id, user)."""
    user = gateway.create_end_user()
    job_id = gateway.enqueue(user["id"], job_qbxml("customer_list_query"))["id"]
    ticket, status = result_of(call(process, "authenticate", strUserName=user["qbwc_username"],
                                    strPassword=user["qbwc_password"]), "authenticate")[:2]
    assert ticket and status not in ("nvu", "none", "busy")
    return ticket, job_id, user


def captured_statuses(sample: Path) -> list[tuple[str, int, str]]:
    """``(name, statusCode, statusSeverity)`` of each response in a captured envelope, read with lxml alone."""
    root = etree.fromstring(sample.read_bytes(), _PARSER)
    qbxml = etree.fromstring(root.findtext(f".//{{{INTUIT_NS}}}response").encode("utf-8"), _PARSER)
    return [(rs.tag, int(rs.get("statusCode")), rs.get("statusSeverity")) for rs in qbxml.find("QBXMLMsgsRs")]


def with_ticket_and_request_id(envelope: bytes, ticket: str, request_id: str) -> bytes:
    """A captured receiveResponseXML with our ticket, and our job id as every response's requestID."""
    root = etree.fromstring(envelope, _PARSER)
    operation = root.find(f"{{{SOAP_NS}}}Body/{{{INTUIT_NS}}}receiveResponseXML")
    operation.find(f"{{{INTUIT_NS}}}ticket").text = ticket
    response = operation.find(f"{{{INTUIT_NS}}}response")
    qbxml = etree.fromstring(response.text.encode("utf-8"), _PARSER)
    for rs in qbxml.find("QBXMLMsgsRs"):
        rs.set("requestID", request_id)
    response.text = '<?xml version="1.0" ?>\n' + etree.tostring(qbxml, encoding="unicode")
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


@pytest.mark.parametrize("sample", CAPTURED, ids=lambda p: p.stem)
def test_captured_envelope_with_unknown_ticket_gets_a_negative_int(gateway_process: GatewayProcess,
                                                                   sample: Path) -> None:
    # GIVEN a receiveResponseXML captured from a real Web Connector, for a ticket we never issued
    # WHEN it is replayed / THEN HTTP 200 and a negative receiveResponseXMLResult
    assert int(result_of(post(gateway_process, sample.read_bytes()), "receiveResponseXML")) < 0


@pytest.mark.parametrize("sample", CAPTURED, ids=lambda p: p.stem)
def test_captured_response_answers_an_in_flight_job(gateway_process: GatewayProcess, gateway: Gateway,
                                                    sample: Path) -> None:
    # GIVEN a live session with a job in flight
    ticket, job_id, _user = live_session(gateway_process, gateway)
    sent = result_of(call(gateway_process, "sendRequestXML", ticket=ticket, strHCPResponse="",
                          strCompanyFileName="", qbXMLCountry="US", qbXMLMajorVers="13", qbXMLMinorVers="0"),
                     "sendRequestXML")
    assert f'requestID="{job_id}"' in sent
    # WHEN a real QuickBooks response (its requestIDs set to that job) comes back
    envelope = with_ticket_and_request_id(sample.read_bytes(), ticket, job_id)
    percent = int(result_of(post(gateway_process, envelope, "receiveResponseXML"), "receiveResponseXML"))
    # THEN it is read as the job's answer, with QuickBooks' text stored: succeeded, or failed with the
    # first error's statusCode when the captured response carries one
    assert 0 <= percent <= 100
    job = gateway.job(job_id)
    errors = [code for _name, code, severity in captured_statuses(sample) if severity == "Error"]
    if errors:
        assert job["status"] == "failed"
        assert job["error"]["integration_code"] == str(errors[0])
        assert job["error"]["user_facing_message"]
    else:
        assert job["status"] == "succeeded", job["error"]
    assert etree.fromstring(job["response_qbxml"].encode("utf-8"), _PARSER).find("QBXMLMsgsRs") is not None
    assert call(gateway_process, "closeConnection", ticket=ticket).status_code == 200


@pytest.mark.parametrize("sample", CAPTURED, ids=lambda p: p.stem)
def test_captured_responses_are_read_by_the_response_parser(sample: Path) -> None:
    # GIVEN the qbXML text a real Web Connector carried / WHEN parsed / THEN every status is read
    root = etree.fromstring(sample.read_bytes(), _PARSER)
    parsed = parse_response(root.findtext(f".//{{{INTUIT_NS}}}response"))
    expected = captured_statuses(sample)
    assert [(r.name, r.status_code, r.severity) for r in parsed.results] == expected
    first_error = next((code for _name, code, severity in expected if severity == "Error"), None)
    assert (parsed.first_error().status_code if parsed.first_error() else None) == first_error


@pytest.mark.parametrize("sample", CONSTRUCTED, ids=lambda p: p.stem)
def test_intuit_shaped_request_gets_its_matching_response(gateway_process: GatewayProcess, sample: Path) -> None:
    # GIVEN an envelope shaped from Intuit's WSDL (placeholder ticket and user)
    body = etree.fromstring(sample.read_bytes(), _PARSER).find(f"{{{SOAP_NS}}}Body")
    method = etree.QName(next(iter(body))).localname
    # WHEN posted / THEN HTTP 200 with a well-formed <method>Response carrying <method>Result
    result = result_of(post(gateway_process, sample.read_bytes(), method), method)
    if method == "authenticate":
        assert result[1] == "nvu"
    if method == "receiveResponseXML":
        assert int(result) < 0


@pytest.mark.parametrize("fixture", [
    "malformed.xml", "entity_bomb.xml", "doctype_external_entity.xml", "unknown_method.xml",
    "send_request_xml_bad_int.xml", "not_an_envelope.xml", "soap12_envelope.xml",
])
def test_bad_input_gets_a_soap_fault(gateway_process: GatewayProcess, fixture: str) -> None:
    # GIVEN malformed or hostile input (billion laughs, an external entity, an unknown method …)
    # WHEN it is posted / THEN a SOAP 1.1 Fault, never HTML or a stack trace, and no entity was expanded
    response = post(gateway_process, (FIXTURES_DIR / "soap" / fixture).read_bytes())
    assert_soap_fault(response)
    assert "lollol" not in response.text and "root:" not in response.text


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "application/json",
                                          "application/octet-stream"])
def test_an_envelope_is_read_whatever_its_body_is_labelled(gateway_process: GatewayProcess,
                                                          content_type: str | None) -> None:
    # GIVEN a serverVersion envelope sent as a person testing the endpoint sends it (curl -d labels it a
    #       form, some tools JSON or bytes, none at all), as the deployed Function URL takes any label
    headers = {"Content-Type": content_type} if content_type else {}
    envelope = ENVELOPE.format(f'<serverVersion xmlns="{INTUIT_NS}"/>').encode()
    # WHEN posted to the SOAP route
    response = requests.post(f"{gateway_process.base_url}/qbwc", data=envelope, headers=headers, timeout=30)
    # THEN it is answered in SOAP, as text/xml — not refused with the JSON routes' 415
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    assert result_of(response, "serverVersion")
    # AND a body that is no envelope at all gets a SOAP fault that says so
    fault = requests.post(f"{gateway_process.base_url}/qbwc", data=b'{"a": 1}', headers=headers, timeout=30)
    assert "not well-formed XML" in assert_soap_fault(fault)


def test_body_over_the_size_cap_gets_a_soap_fault(gateway_process: GatewayProcess) -> None:
    # GIVEN an envelope just over 10 MB / WHEN posted / THEN a Fault that names the limit
    envelope = ENVELOPE.format(f'<getLastError xmlns="{INTUIT_NS}"><ticket>{"x" * 10_000_100}</ticket></getLastError>')
    reason = assert_soap_fault(post(gateway_process, envelope))
    assert "limit" in reason


def test_unknown_ticket_is_answered_in_protocol_terms(gateway_process: GatewayProcess) -> None:
    # GIVEN a ticket the gateway never issued (or one that expired)
    ticket = "00000000-dead-beef-0000-000000000000"
    # THEN sendRequestXML → "", getLastError → a text, closeConnection → a text, receiveResponseXML → negative
    assert result_of(call(gateway_process, "sendRequestXML", ticket=ticket, strHCPResponse="",
                          strCompanyFileName="", qbXMLCountry="US", qbXMLMajorVers="13", qbXMLMinorVers="0"),
                     "sendRequestXML") == ""
    text = result_of(call(gateway_process, "getLastError", ticket=ticket), "getLastError")
    assert text and text != "NoOp"
    assert result_of(call(gateway_process, "closeConnection", ticket=ticket), "closeConnection")
    assert int(result_of(call(gateway_process, "receiveResponseXML", ticket=ticket, response="", hresult="",
                              message=""), "receiveResponseXML")) < 0
    assert result_of(call(gateway_process, "connectionError", ticket=ticket, hresult="0x80040408",
                          message="Could not start QuickBooks."), "connectionError").lower() == "done"


def test_out_of_order_response_is_negative_and_harms_nothing(gateway_process: GatewayProcess,
                                                             gateway: Gateway) -> None:
    # GIVEN a live session that has not been sent any job yet
    ticket, job_id, _user = live_session(gateway_process, gateway)
    # WHEN a receiveResponseXML arrives anyway
    stray = (SAMPLES_DIR / "soap-captured" / "invoice_add_rs.xml").read_bytes()
    percent = int(result_of(post(gateway_process, with_ticket_and_request_id(stray, ticket, job_id)),
                            "receiveResponseXML"))
    # THEN it is refused with a negative percentage and a text for getLastError; the job is untouched
    assert percent < 0
    text = result_of(call(gateway_process, "getLastError", ticket=ticket), "getLastError")
    assert text and text != "NoOp"
    assert gateway.job(job_id)["status"] == "queued"
    assert result_of(call(gateway_process, "closeConnection", ticket=ticket), "closeConnection")
    # AND once closed, the ticket is dead: no job is handed out on it
    assert result_of(call(gateway_process, "sendRequestXML", ticket=ticket, strHCPResponse="",
                          strCompanyFileName="", qbXMLCountry="US", qbXMLMajorVers="13", qbXMLMinorVers="0"),
                     "sendRequestXML") == ""
    assert gateway.job(job_id)["status"] == "queued"


def test_wsdl_and_support_page_are_served(gateway_process: GatewayProcess) -> None:
    # WHEN the WSDL and the AppSupport page are fetched
    wsdl = requests.get(f"{gateway_process.base_url}/qbwc?wsdl", timeout=30)
    support = requests.get(f"{gateway_process.base_url}/support", timeout=30)
    # THEN a WSDL in Intuit's namespace, and a 200 page (QBWC needs 200 from AppSupport)
    assert wsdl.status_code == 200
    root = etree.fromstring(wsdl.content, _PARSER)
    assert root.tag == "{http://schemas.xmlsoap.org/wsdl/}definitions"
    assert root.get("targetNamespace") == INTUIT_NS
    assert support.status_code == 200
    assert support.text.strip()
