"""The Web Connector's endpoint as a Lambda Function URL (chalicelib/api/function_url.py): Function URL
events (payload 2.0) in, the SOAP service's answers out — a whole Web Connector session through it, the
WSDL and the AppSupport page on GET, base64 bodies, and faults, never a stack trace, for anything else."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from chalice.app import Response
from lxml import etree

from chalicelib.api import function_url
from chalicelib.api.soap import handle_soap
from chalicelib.qbwc.service import QbwcService
from simulator.soap import INTUIT_NS, request_envelope
from tests.unit.jobs.fakes import PASSWORD, qbwc_file
from tests.unit.jobs.harness import Harness

DOMAIN = "abc123.lambda-url.us-east-1.on.aws"


def event(method: str, body: bytes = b"", *, path: str = "/qbwc", base64_body: bool = False,
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A Function URL event as Lambda hands it over (payload format 2.0)."""
    return {"version": "2.0", "rawPath": path, "headers": headers or {"content-type": "text/xml; charset=utf-8"},
            "requestContext": {"domainName": DOMAIN, "http": {"method": method, "path": path}},
            "body": base64.b64encode(body).decode() if base64_body else body.decode("utf-8"),
            "isBase64Encoded": base64_body}


def pages(path: str, base: str) -> Response:
    return Response(body=f"page {path} at {base}", status_code=200, headers={"Content-Type": "text/plain"})


def through(service: QbwcService, raw: dict[str, Any]) -> dict[str, Any]:
    answer = function_url.handle(raw, lambda body, action: handle_soap(service, body, action), pages)
    assert set(answer) == {"statusCode", "headers", "body"} and isinstance(answer["body"], str)
    return answer


def result(answer: dict[str, Any], method: str) -> list[str]:
    root = etree.fromstring(answer["body"].encode())
    found = root.find(f".//{{{INTUIT_NS}}}{method}Result")
    assert found is not None, answer["body"]
    strings = found.findall(f"{{{INTUIT_NS}}}string")
    return [s.text or "" for s in strings] if strings else [found.text or ""]


@pytest.mark.parametrize("base64_body", [False, True], ids=["text", "base64"])
def test_a_web_connector_session_runs_a_job_through_the_function_url(base64_body: bool) -> None:
    # GIVEN a queued job for an end-user
    gw = Harness.build()
    job = gw.enqueue()

    def call(method: str, *params: tuple[str, str]) -> list[str]:
        answer = through(gw.service, event("POST", request_envelope(method, params), base64_body=base64_body,
                                           headers={"soapaction": f'"{INTUIT_NS}{method}"'}))
        assert answer["statusCode"] == 200 and answer["headers"]["Content-Type"].startswith("text/xml")
        return result(answer, method)

    # WHEN the Web Connector's calls arrive as Function URL events
    assert call("serverVersion") != [""]
    ticket, _ = call("authenticate", ("strUserName", gw.user.id), ("strPassword", PASSWORD))[:2]
    request = call("sendRequestXML", ("ticket", ticket), ("strHCPResponse", ""), ("strCompanyFileName", ""),
                   ("qbXMLCountry", "US"), ("qbXMLMajorVers", "13"), ("qbXMLMinorVers", "0"))[0]
    assert job.id in request
    answer = qbwc_file("customer_query_rs.xml", request_id=job.id)
    percent = call("receiveResponseXML", ("ticket", ticket), ("response", answer), ("hresult", ""), ("message", ""))
    call("closeConnection", ("ticket", ticket))
    # THEN the job ran and its result went out, as through the REST API's /qbwc
    assert int(percent[0]) >= 0
    assert gw.job(job.id).status.value == "succeeded"
    assert [m["job_id"] for m in gw.publisher.delivered if m["status"] == "succeeded"][-1] == job.id


def test_get_is_a_page_of_this_endpoint_and_other_methods_are_refused() -> None:
    gw = Harness.build()
    for path in ("/qbwc", "/support"):
        answer = through(gw.service, event("GET", path=path))
        assert (answer["statusCode"], answer["body"]) == (200, f"page {path} at https://{DOMAIN}")
    refused = through(gw.service, event("DELETE"))
    assert refused["statusCode"] == 405 and refused["headers"]["Allow"] == "GET, POST"


def test_a_body_that_is_not_base64_is_a_soap_fault() -> None:
    gw = Harness.build()
    raw = {**event("POST"), "body": "%%% not base64 %%%", "isBase64Encoded": True}
    answer = through(gw.service, raw)
    assert answer["statusCode"] == 500 and "not valid base64" in answer["body"] and "Fault" in answer["body"]


def test_an_error_on_the_way_is_a_fault_without_a_stack_trace(caplog: pytest.LogCaptureFixture) -> None:
    def broken(body: bytes, action: str | None) -> Response:
        raise RuntimeError("secret internals")

    answer = function_url.handle(event("POST", b"<x/>"), broken, pages)
    assert answer["statusCode"] == 500 and "Fault" in answer["body"]
    assert "secret internals" not in answer["body"] and "Traceback" not in answer["body"]
    assert "secret internals" in caplog.text  # the detail is in our log


def test_a_malformed_envelope_is_the_soap_service_s_own_fault() -> None:
    gw = Harness.build()
    answer = through(gw.service, event("POST", b"<not-soap/>"))
    assert answer["statusCode"] == 500 and "not a SOAP envelope" in answer["body"]
    assert json.dumps(answer)  # a plain JSON object, as the Function URL wants it


@pytest.mark.parametrize(("qbwc_url", "expected"), [
    (f"https://{DOMAIN}", f"https://{DOMAIN}"),  # deployed: the Function URL
    ("", "https://api.example.com/prod"),  # not configured: this API's own /qbwc
])
def test_the_qwc_names_the_web_connector_s_endpoint_and_its_support_page_on_the_same_host(
        qbwc_url: str, expected: str) -> None:
    from chalicelib.api.bodies import CreateEndUser
    from chalicelib.api.endusers import EndUserService
    from chalicelib.config import Settings
    from chalicelib.store.memory import MemoryStore
    from tests.unit.jobs.fakes import FakeClock

    service = EndUserService(MemoryStore(), Settings(qbwc_url=qbwc_url), FakeClock())
    user, _password = service.create(CreateEndUser(company_name="Acme"))
    text, _name = service.qwc(user, "https://api.example.com/prod")
    root = etree.fromstring(text.encode())
    assert root.findtext("AppURL") == f"{expected}/qbwc"
    assert root.findtext("AppSupport") == f"{expected}/support"  # QBWC1000: the same host as AppURL
