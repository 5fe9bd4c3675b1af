"""The simulated Web Connector calls the gateway in QBWC's order, with QBWC's envelopes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from lxml import etree

from simulator.quickbooks import CompanyFile
from simulator.web_connector import SessionOutcome, WebConnector
from tests.unit.simulator.fake_gateway import Answer, FakeGateway, Raw, serve, soap_fault
from tests.unit.simulator.support import customer_add, fixture, message_set, responses

OPENING = ["serverVersion", "clientVersion", "authenticate"]


def script(**overrides: list[Answer]) -> dict[str, list[Answer]]:
    """A gateway with one CustomerAdd to hand out; ``overrides`` replace whole methods."""
    answers: dict[str, list[Answer]] = {
        "serverVersion": ["fake-gateway 1.0"],
        "clientVersion": [""],
        "authenticate": [["TICKET-1", ""]],
        "sendRequestXML": [message_set(customer_add("Acme"))],
        "receiveResponseXML": [100],
        "getLastError": ["NoOp"],
        "connectionError": ["done"],
        "closeConnection": ["OK"],
    }
    answers.update(overrides)
    return answers


def connector(gateway: FakeGateway, company: CompanyFile, **options: Any) -> WebConnector:
    options.setdefault("noop_wait", 0.01)
    options.setdefault("timeout", 5.0)
    return WebConnector(gateway.url, "qbuser", "s3cret", company, **options)


def test_a_session_follows_qbwc_order(company: CompanyFile) -> None:
    """GIVEN a gateway with two requests (percent 50, then 100)
    WHEN one update session runs
    THEN QBWC's call order is followed, both requests reach the company file, and the session completes."""
    requests: list[Answer] = [message_set(customer_add("Acme")), message_set(customer_add("Bolt"))]
    with serve(script(sendRequestXML=requests, receiveResponseXML=[50, 100])) as gateway:
        result = connector(gateway, company).run_session()

    expected = [
        *OPENING,
        "sendRequestXML",
        "receiveResponseXML",
        "sendRequestXML",
        "receiveResponseXML",
        "closeConnection",
    ]
    assert gateway.methods == expected
    assert list(result.methods) == expected
    assert result.outcome is SessionOutcome.COMPLETED
    assert (result.ticket, result.percents, result.requests_processed) == ("TICKET-1", (50, 100), 2)
    assert result.close_message == "OK"
    assert sorted(customer.name for customer in company.customers()) == ["Acme", "Bolt"]
    assert [responses(call.params["response"])[0].status_code for call in gateway.calls("receiveResponseXML")] == [0, 0]
    assert gateway.calls("clientVersion")[0].params == {"strVersion": "2.3.0.215"}
    assert gateway.calls("authenticate")[0].params == {"strUserName": "qbuser", "strPassword": "s3cret"}
    assert result.calls_to("authenticate")[0].params["strPassword"] == "********"


def test_envelopes_look_like_captured_qbwc_traffic(company: CompanyFile) -> None:
    """GIVEN a session that sends a response back
    WHEN the receiveResponseXML request is inspected on the wire
    THEN it is a compact SOAP 1.1 envelope with escaped qbXML, self-closing empty strings and QBWC's headers."""
    with serve(script()) as gateway:
        connector(gateway, company).run_session()

    [received] = gateway.calls("receiveResponseXML")
    body = received.body.decode("utf-8")
    assert body.startswith(
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        '<soap:Body><receiveResponseXML xmlns="http://developer.intuit.com/"><ticket>TICKET-1</ticket>'
        '<response>&lt;?xml version="1.0" ?&gt;\n&lt;QBXML&gt;'
    )
    assert body.endswith("</response><hresult /><message /></receiveResponseXML></soap:Body></soap:Envelope>")
    assert "CDATA" not in body
    assert received.headers["content-type"] == "text/xml; charset=utf-8"
    assert received.headers["soapaction"] == '"http://developer.intuit.com/receiveResponseXML"'
    assert (
        gateway.calls("serverVersion")[0]
        .body.decode()
        .endswith('<soap:Body><serverVersion xmlns="http://developer.intuit.com/" /></soap:Body></soap:Envelope>')
    )


def test_hcp_response_only_in_the_first_send_request(company: CompanyFile) -> None:
    """GIVEN a gateway that has nothing for two rounds (NoOp), then a request
    WHEN the session runs
    THEN only the first sendRequestXML carries strHCPResponse; every one names the file and qbXML 13.0."""
    sends: list[Answer] = ["", "", message_set(customer_add("Acme"))]
    with serve(script(sendRequestXML=sends, getLastError=["NoOp"])) as gateway:
        result = connector(gateway, company).run_session()

    calls = gateway.calls("sendRequestXML")
    assert len(calls) == 3
    first, *later = calls
    hcp = responses(first.params["strHCPResponse"])
    assert [rs.name for rs in hcp] == ["HostQueryRs", "CompanyQueryRs", "PreferencesQueryRs"]
    assert [call.params["strHCPResponse"] for call in later] == ["", ""]
    assert all(b"<strHCPResponse />" in call.body for call in later)
    for call in calls:
        assert call.params["strCompanyFileName"] == company.path
        assert (call.params["qbXMLCountry"], call.params["qbXMLMajorVers"], call.params["qbXMLMinorVers"]) == (
            "US",
            "13",
            "0",
        )
    assert (result.noops, result.outcome) == (2, SessionOutcome.COMPLETED)


def test_noop_wait_is_honoured(company: CompanyFile) -> None:
    """GIVEN a gateway answering NoOp twice, then a status text
    WHEN the session runs with noop_wait 0.1 s
    THEN each sendRequestXML after a NoOp comes at least 0.1 s later, and the status text closes the session."""
    with serve(script(sendRequestXML=[""], getLastError=["NoOp", "NoOp", "No jobs left"])) as gateway:
        result = connector(gateway, company, noop_wait=0.1).run_session()

    sends = gateway.calls("sendRequestXML")
    errors = gateway.calls("getLastError")
    assert len(sends) == 3
    assert sends[1].at - errors[0].at >= 0.1
    assert sends[2].at - errors[1].at >= 0.1
    assert gateway.methods[-2:] == ["getLastError", "closeConnection"]
    assert result.outcome is SessionOutcome.CLOSED_WITH_MESSAGE
    assert result.status_texts == ("No jobs left", "OK")


def test_negative_percent_asks_for_the_error_then_closes(company: CompanyFile) -> None:
    """GIVEN a gateway that answers receiveResponseXML with -101
    WHEN the session runs
    THEN getLastError is called, its text recorded, then closeConnection."""
    with serve(script(receiveResponseXML=[-101], getLastError=["Job 7 failed: 3140"])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert result.outcome is SessionOutcome.SERVER_ERROR
    assert result.failed
    assert result.status_texts == ("Job 7 failed: 3140", "OK")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("nvu", SessionOutcome.INVALID_USER), ("none", SessionOutcome.NO_WORK), ("busy", SessionOutcome.BUSY)],
)
def test_authenticate_verdicts_close_the_connection(company: CompanyFile, status: str, outcome: SessionOutcome) -> None:
    """GIVEN a gateway whose authenticate answers nvu, none or busy
    WHEN the session runs
    THEN the Web Connector calls closeConnection with the ticket and does nothing else."""
    with serve(script(authenticate=[["TICKET-9", status, "", "600"]])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods == [*OPENING, "closeConnection"]
    assert gateway.calls("closeConnection")[0].params == {"ticket": "TICKET-9"}
    assert result.outcome is outcome
    assert company.sessions_opened == 0


def test_qbxml_the_file_cannot_parse_goes_back_as_an_hresult(company: CompanyFile) -> None:
    """GIVEN a gateway that hands out a request with elements out of schema order
    WHEN the session runs
    THEN receiveResponseXML carries an empty response and QuickBooks' 0x80040400."""
    bad = message_set(fixture("customer_add_out_of_order_rq.xml", request_id="1", name="Acme"))
    with serve(script(sendRequestXML=[bad], receiveResponseXML=[-1], getLastError=["Job refused"])) as gateway:
        result = connector(gateway, company).run_session()

    [received] = gateway.calls("receiveResponseXML")
    assert received.params == {
        "ticket": "TICKET-1",
        "response": "",
        "hresult": "0x80040400",
        "message": "QuickBooks found an error when parsing the provided XML text stream.",
    }
    assert b"<response />" in received.body
    assert (result.hresult_errors, result.requests_processed) == (1, 0)


@pytest.mark.parametrize(
    ("failing", "answer", "code", "detail"),
    [
        ("authenticate", Raw(500, "<html>Internal Server Error</html>", "text/html"), "QBWC1012", "HTTP status 500"),
        ("authenticate", soap_fault("Server was unable to process request."), "QBWC1012", "unable to process"),
        ("sendRequestXML", Raw(200, "Warning: something printed", "text/xml"), "QBWC1041", "not well-formed"),
        ("receiveResponseXML", Raw(200, "{}", "application/json"), "QBWC1042", "content type"),
        ("receiveResponseXML", "forty", "QBWC1042", "not an integer"),
    ],
    ids=["http-500", "soap-fault", "not-xml", "wrong-content-type", "not-an-int"],
)
def test_wire_failures_end_the_session_without_raising(
    company: CompanyFile, failing: str, answer: Answer, code: str, detail: str
) -> None:
    """GIVEN a gateway that fails one call on the wire
    WHEN the session runs
    THEN run_session returns the QBWC error code and makes no further call."""
    with serve(script(**{failing: [answer]})) as gateway:
        result = connector(gateway, company).run_session()

    assert result.outcome is SessionOutcome.WIRE_ERROR
    assert result.error_code == code
    assert detail in (result.error or "")
    assert gateway.methods[-1] == failing
    assert result.calls[-1].error is not None


def test_wrong_company_file_leads_to_connection_error(company: CompanyFile) -> None:
    """GIVEN a gateway that asks for another company file, then answers connectionError with done
    WHEN the session runs
    THEN connectionError carries 0x8004040A and the update ends there."""
    with serve(script(authenticate=[["TICKET-1", r"C:\Other\Books.qbw"]])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods == [*OPENING, "connectionError"]
    assert gateway.calls("connectionError")[0].params["hresult"] == "0x8004040A"
    assert (result.outcome, result.error_code) == (SessionOutcome.CONNECTION_FAILED, "QBWC1013")


def test_connection_error_answer_can_retry_with_the_open_file(company: CompanyFile) -> None:
    """GIVEN QuickBooks fails to start once and the gateway answers connectionError with "" (the open file)
    WHEN the session runs
    THEN the Web Connector retries, opens the file and carries on with sendRequestXML."""
    company.fail_next_open("0x80040408", "Could not start QuickBooks.")
    with serve(script(connectionError=[""])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods[3:5] == ["connectionError", "sendRequestXML"]
    assert gateway.calls("connectionError")[0].params["message"] == "Could not start QuickBooks."
    assert result.outcome is SessionOutcome.COMPLETED


def test_client_version_error_stops_before_authenticate(company: CompanyFile) -> None:
    """GIVEN a gateway that answers clientVersion with "E:…"
    WHEN the session runs
    THEN the Web Connector stops without authenticating."""
    with serve(script(clientVersion=["E:Please upgrade the Web Connector."])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods == ["serverVersion", "clientVersion"]
    assert result.outcome is SessionOutcome.VERSION_REJECTED


def test_interactive_mode_is_declined(company: CompanyFile) -> None:
    """GIVEN a gateway that asks for interactive mode
    WHEN the session runs
    THEN the simulator closes the connection instead."""
    with serve(script(sendRequestXML=[""], getLastError=["Interactive mode"])) as gateway:
        result = connector(gateway, company).run_session()

    assert gateway.methods[-2:] == ["getLastError", "closeConnection"]
    assert result.outcome is SessionOutcome.INTERACTIVE_UNSUPPORTED


def test_max_noops_bounds_an_endless_keep_alive(company: CompanyFile) -> None:
    """GIVEN a gateway that answers NoOp forever
    WHEN the session runs with max_noops 2
    THEN it pauses twice, then closes the connection."""
    with serve(script(sendRequestXML=[""], getLastError=["NoOp"])) as gateway:
        result = connector(gateway, company, max_noops=2).run_session()

    assert (result.outcome, result.noops) == (SessionOutcome.NOOP_LIMIT, 2)
    assert len(gateway.calls("sendRequestXML")) == 3
    assert gateway.methods[-1] == "closeConnection"


def test_stop_ends_a_waiting_session_promptly(company: CompanyFile) -> None:
    """GIVEN a session pausing 30 s after each NoOp
    WHEN stop() is called from another thread
    THEN run_session returns within a second, reporting that it was stopped."""
    with serve(script(sendRequestXML=[""], getLastError=["NoOp"])) as gateway:
        web_connector = connector(gateway, company, noop_wait=30.0)
        timer = threading.Timer(0.2, web_connector.stop)
        timer.start()
        started = time.monotonic()
        result = web_connector.run_session()
        timer.cancel()

    assert time.monotonic() - started < 1.0
    assert result.outcome is SessionOutcome.STOPPED


def test_run_forever_runs_sessions_until_stopped(company: CompanyFile) -> None:
    """GIVEN a gateway with no work
    WHEN run_forever runs every 0.01 s and the third result stops it
    THEN exactly three sessions ran."""
    seen: list[SessionOutcome] = []
    with serve(script(authenticate=[["TICKET-1", "none"]])) as gateway:
        web_connector = connector(gateway, company)

        def on_result(result: Any) -> None:
            seen.append(result.outcome)
            if len(seen) == 3:
                web_connector.stop()

        sessions = web_connector.run_forever(0.01, on_result=on_result)

    assert sessions == 3
    assert seen == [SessionOutcome.NO_WORK] * 3
    assert gateway.methods.count("authenticate") == 3


def test_file_id_is_stamped_and_reported_in_the_hcp(company: CompanyFile) -> None:
    """GIVEN a Web Connector configured with the .qwc OwnerID and FileID
    WHEN its first session runs
    THEN the FileID is stamped into the company file and reported under that OwnerID in strHCPResponse."""
    owner, file_id = "{57F3B9B1-86F1-4FCC-B1EE-566DE1813D20}", "{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}"
    with serve(script()) as gateway:
        connector(gateway, company, owner_id=owner, file_id=file_id).run_session()

    hcp = etree.fromstring(gateway.calls("sendRequestXML")[0].params["strHCPResponse"].encode())
    assert hcp.findtext(".//CompanyRet/DataExtRet/OwnerID") == owner
    assert hcp.findtext(".//CompanyRet/DataExtRet/DataExtValue") == file_id
    assert company.data_ext(owner, "FileID") == file_id
