"""The Web Connector's endpoint through ``chalice.test.Client`` on moto: WSDL, SOAP, a whole update."""

from __future__ import annotations

import json

from chalice.test import Client
from lxml import etree

import app
from chalicelib.api.soap import wsdl_response
from chalicelib.wiring import Services
from tests.functional.support import SOAP_NS, Api, Aws, drain, soap_request, soap_result
from tests.support.paths import FIXTURES_DIR, SAMPLES_DIR

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Lakeside Hardware.QBW"


def post_soap(client: Client, body: bytes, action: str = "") -> object:
    headers = dict(SOAP_HEADERS)
    if action:
        headers["SOAPAction"] = f'"http://developer.intuit.com/{action}"'
    return client.http.post("/qbwc", headers=headers, body=body)


def test_wsdl_declares_the_twelve_operations(client: Client) -> None:
    # WHEN the WSDL is fetched
    response = client.http.get("/qbwc?wsdl")
    # THEN it is a WSDL in Intuit's namespace declaring every QBWC method, at this endpoint
    assert response.status_code == 200
    root = etree.fromstring(response.body)
    assert root.get("targetNamespace") == "http://developer.intuit.com/"
    operations = {op.get("name") for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    assert operations == {
        "serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
        "connectionError", "getLastError", "closeConnection", "getInteractiveURL", "interactiveDone",
        "interactiveRejected", "getServerVersion"}
    address = root.find(f".//{{{WSDL_NS}}}port/{{http://schemas.xmlsoap.org/wsdl/soap/}}address")
    assert address.get("location").endswith("/qbwc")


def test_server_version_round_trip(client: Client, services: Services) -> None:
    # GIVEN a serverVersion envelope shaped like Intuit's (read from the shared samples, not copied)
    body = (SAMPLES_DIR / "soap-constructed" / "01_serverVersion_request.xml").read_bytes()
    # WHEN it is posted
    response = post_soap(client, body, "serverVersion")
    # THEN 200, text/xml, and our version in serverVersionResult
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert soap_result(response.body, "serverVersion") == services.settings.server_version


def test_doctype_gets_a_soap_fault(client: Client) -> None:
    # WHEN an envelope carries a DOCTYPE with an external entity
    response = post_soap(client, (FIXTURES_DIR / "soap" / "doctype_external_entity.xml").read_bytes())
    # THEN a SOAP 1.1 Fault (never an HTML 500 or a stack trace), and the entity was not resolved
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.body)
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext("faultstring")
    assert b"root:" not in response.body and b"Traceback" not in response.body


def test_unknown_user_is_nvu_over_soap(client: Client) -> None:
    # WHEN an unknown user authenticates / THEN the protocol's "nvu" in an ArrayOfString
    response = post_soap(client, soap_request("authenticate", strUserName="eu_nobody", strPassword="x"))
    assert response.status_code == 200
    assert soap_result(response.body, "authenticate")[1] == "nvu"


def test_a_whole_update_over_soap(api: Api, aws: Aws, client: Client) -> None:
    # GIVEN an end-user with a queued query, enqueued over REST
    end_user = api.create_end_user()
    query = (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()
    job_id = api.enqueue(end_user["id"], query).json_body["id"]
    # WHEN the Web Connector runs an update: authenticate, sendRequestXML (with HCP), receiveResponseXML
    auth = soap_result(post_soap(client, soap_request(
        "authenticate", strUserName=end_user["qbwc_username"], strPassword=end_user["qbwc_password"])).body,
        "authenticate")
    ticket = auth[0]
    assert auth[1] == ""
    hcp = (FIXTURES_DIR / "qbwc" / "hcp_qb2014.xml").read_text()
    request = soap_result(post_soap(client, soap_request(
        "sendRequestXML", ticket=ticket, strHCPResponse=hcp, strCompanyFileName=COMPANY_FILE,
        qbXMLCountry="US", qbXMLMajorVers=13, qbXMLMinorVers=0)).body, "sendRequestXML")
    assert '<?qbxml version="13.0"?>' in request and f'requestID="{job_id}"' in request
    answer = (FIXTURES_DIR / "qbwc" / "customer_query_rs.xml").read_text().replace("{request_id}", job_id)
    percent = soap_result(post_soap(client, soap_request(
        "receiveResponseXML", ticket=ticket, response=answer, hresult="", message="")).body,
        "receiveResponseXML")
    closed = soap_result(post_soap(client, soap_request("closeConnection", ticket=ticket)).body,
                         "closeConnection")
    # THEN the update ended (no keep-alive here) and the job succeeded with QuickBooks' answer
    assert percent == "100"
    assert "1 request(s) sent to QuickBooks" in closed
    job = api.call("GET", f"/v1/jobs/{job_id}").json_body
    assert job["status"] == "succeeded" and "Northwind Traders" in job["response_qbxml"]
    # AND the result went to the results FIFO queue, grouped by end-user, deduplicated by job id
    (message,) = drain(aws.sqs, aws.outputs.results_queue_url)
    result = json.loads(message["Body"])
    assert (result["schema_version"], result["job_id"], result["status"]) == (1, job_id, "succeeded")
    assert message["Attributes"]["MessageGroupId"] == end_user["id"]
    assert message["Attributes"]["MessageDeduplicationId"] == job_id
    # AND the end-user now shows a connected company file speaking qbXML 13.0
    shown = api.call("GET", f"/v1/end-users/{end_user['id']}").json_body
    assert (shown["status"], shown["company_file"]) == ("connected", COMPANY_FILE)
    assert shown["qbxml_version"] == "13.0"


def test_soap_answers_survive_lambda_marshalling(client: Client) -> None:
    # GIVEN the SOAP edge's answers, rendered as the Lambda proxy response API Gateway receives
    fault = client.http.post("/qbwc", headers=SOAP_HEADERS, body=b"<not-xml")
    assert fault.status_code == 500
    # WHEN the Lambda runtime serialises the response dict to JSON / THEN it can (a bytes body cannot)
    proxy = wsdl_response("https://gw.example/qbwc").to_dict(app.app.api.binary_types)
    assert json.loads(json.dumps(proxy))["body"].startswith("<?xml")
