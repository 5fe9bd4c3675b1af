"""An idle poll is most of the Web Connector's traffic (four calls every 20 s, whatever the work): its
``SOAP call`` lines are DEBUG, so that they cost nothing in CloudWatch, while a session's calls stay INFO."""

from __future__ import annotations

import logging

import pytest

from chalicelib.api.soap import handle_soap
from simulator.soap import INTUIT_NS, request_envelope
from tests.unit.jobs.fakes import PASSWORD, qbwc_file
from tests.unit.jobs.harness import COMPANY_FILE, Harness


def soap_levels(gw: Harness, caplog: pytest.LogCaptureFixture, method: str, *params: tuple[str, str]) -> str:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="chalicelib.api.soap"):
        response = handle_soap(gw.service, request_envelope(method, params), f'"{INTUIT_NS}{method}"')
    (line,) = [r for r in caplog.records if r.getMessage() == "SOAP call"]
    assert line.levelno in (logging.DEBUG, logging.INFO)
    return f"{logging.getLevelName(line.levelno)} {getattr(line, 'result', '')}|{response.body}"


class Counted:
    def __init__(self) -> None:
        self.names: list[str] = []

    def put(self, name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
        self.names.append(name + "".join(f" {k}={v}" for k, v in sorted(dimensions.items())))

    def flush(self) -> None:
        pass


def test_an_idle_poll_logs_at_debug_and_a_session_at_info(caplog: pytest.LogCaptureFixture) -> None:
    gw = Harness.build()
    metrics = gw.service.metrics = Counted()
    login = (("strUserName", gw.user.id), ("strPassword", PASSWORD))
    # GIVEN nothing queued: the poll's four calls are DEBUG
    idle = [soap_levels(gw, caplog, "serverVersion"), soap_levels(gw, caplog, "clientVersion", ("strVersion", "2.3")),
            soap_levels(gw, caplog, "authenticate", *login)]
    refused_ticket = idle[-1].split("<string>")[1].split("</string>")[0]
    idle.append(soap_levels(gw, caplog, "closeConnection", ("ticket", refused_ticket)))
    assert [entry.split(" ")[0] for entry in idle] == ["DEBUG"] * 4
    assert idle[2].split("|")[0] == "DEBUG none"
    assert metrics.names == ["IdlePolls"]  # the poll, counted once
    # WHEN a job is queued THEN the session's calls are INFO, its close included
    job = gw.enqueue()
    opened = soap_levels(gw, caplog, "authenticate", *login)
    ticket = opened.split("<string>")[1].split("</string>")[0]
    hcp = qbwc_file("hcp_qb2014.xml")
    send = soap_levels(gw, caplog, "sendRequestXML", ("ticket", ticket), ("strHCPResponse", hcp),
                       ("strCompanyFileName", COMPANY_FILE), ("qbXMLCountry", "US"), ("qbXMLMajorVers", "13"),
                       ("qbXMLMinorVers", "0"))
    assert job.id in send
    close = soap_levels(gw, caplog, "closeConnection", ("ticket", ticket))
    assert [entry.split(" ")[0] for entry in (opened, send, close)] == ["INFO"] * 3
    assert [n for n in metrics.names if n.startswith("SoapCalls")] == [
        "SoapCalls method=authenticate", "SoapCalls method=sendRequestXML", "SoapCalls method=closeConnection"]
    # a refused password is no idle poll either
    wrong = soap_levels(gw, caplog, "authenticate", ("strUserName", gw.user.id), ("strPassword", "nope"))
    assert wrong.split("|")[0] == "INFO nvu"
