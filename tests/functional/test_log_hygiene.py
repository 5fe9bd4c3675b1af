"""Logs never hold secrets or customers' qbXML, yet carry the keys to correlate them (on moto).

A whole session runs through the deployed code paths — REST (create an end-user, enqueue a job,
a refused API key) and the SOAP endpoint (a wrong password, then authenticate → sendRequestXML →
receiveResponseXML → closeConnection) — while every log record is captured twice: by ``caplog`` at
DEBUG (the records and their fields) and by the JSON handler the Lambda functions use (the lines
CloudWatch receives). Neither may contain the Web Connector password, the ticket, the API key or
the qbXML's own text; the metric documents neither.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.observability import EmfMetrics, configure_logging
from chalicelib.wiring import Services
from tests.functional.support import REGION, Api, Aws, soap_request, soap_result
from tests.support.paths import FIXTURES_DIR, SCHEMA_DIR

COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Lakeside Hardware.QBW"
REQUEST_MARKER = "ActiveOnly"  # only in the job's qbXML (customer_query_rq.xml)
RESPONSE_MARKER = "Northwind Traders"  # only in QuickBooks' answer (customer_query_rs.xml)


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.metrics: list[str] = []

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def captured(aws: Aws, caplog: pytest.LogCaptureFixture) -> Iterator[Captured]:
    caplog.set_level(logging.DEBUG)
    out = Captured()
    handler = configure_logging(force=True, stream=out.stream, level="DEBUG")
    out_ = aws.outputs
    settings = Settings(stage="test", region=REGION, table_name=out_.table_name,
                        results_queue_url=out_.results_queue_url, ingress_queue_url=out_.ingress_queue_url,
                        ingress_dlq_url=out_.ingress_dlq_url, schema_dir=SCHEMA_DIR, session_idle_seconds=0)
    built = wiring.build(settings, clients={"dynamodb": aws.dynamodb, "sqs": aws.sqs},
                         metrics=EmfMetrics(sink=out.metrics.append))
    wiring.reset(built)
    try:
        yield out
    finally:
        wiring.reset(None)
        logging.getLogger().removeHandler(handler) if handler else None


@pytest.fixture
def svc(captured: Captured) -> Services:
    return wiring.services()


def post_soap(client: Client, method: str, **params: str | int) -> Any:
    response = client.http.post("/qbwc", headers={"Content-Type": "text/xml; charset=utf-8"},
                                body=soap_request(method, **params))
    assert response.status_code == 200, response.body
    return soap_result(response.body, method)


def everything_logged(caplog: pytest.LogCaptureFixture, captured: Captured) -> str:
    records = [f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records]
    return "\n".join([*records, captured.stream.getvalue(), *captured.metrics])


def test_a_whole_session_logs_no_secret_and_no_qbxml(caplog: pytest.LogCaptureFixture, captured: Captured,
                                                     svc: Services) -> None:
    with Client(app.app) as client:
        # GIVEN an API key and an end-user with a queued job, over REST
        _record, key = svc.auth.create("hygiene")
        api = Api(client, key)
        end_user = api.create_end_user()
        password = end_user["qbwc_password"]
        query = (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()
        assert REQUEST_MARKER in query
        job_id = api.enqueue(end_user["id"], query).json_body["id"]
        assert Api(client, key + "x").call("GET", f"/v1/jobs/{job_id}").status_code == 401
        # WHEN the Web Connector first types a wrong password, then runs a whole update
        assert post_soap(client, "authenticate", strUserName=end_user["qbwc_username"],
                         strPassword=password[::-1])[1] == "nvu"
        ticket, _file = post_soap(client, "authenticate", strUserName=end_user["qbwc_username"],
                                  strPassword=password)[:2]
        hcp = (FIXTURES_DIR / "qbwc" / "hcp_qb2014.xml").read_text()
        request = post_soap(client, "sendRequestXML", ticket=ticket, strHCPResponse=hcp,
                            strCompanyFileName=COMPANY_FILE, qbXMLCountry="US", qbXMLMajorVers=13,
                            qbXMLMinorVers=0)
        assert REQUEST_MARKER in request
        answer = (FIXTURES_DIR / "qbwc" / "customer_query_rs.xml").read_text().replace("{request_id}", job_id)
        assert RESPONSE_MARKER in answer
        assert post_soap(client, "receiveResponseXML", ticket=ticket, response=answer, hresult="",
                         message="") == "100"
        post_soap(client, "closeConnection", ticket=ticket)
        assert api.call("GET", f"/v1/jobs/{job_id}").json_body["status"] == "succeeded"

    logged = everything_logged(caplog, captured)
    # THEN something was logged, and none of the secrets nor the qbXML's text is in it
    assert len(caplog.records) > 10 and captured.metrics
    for secret in (password, ticket, key, REQUEST_MARKER, RESPONSE_MARKER):
        assert secret not in logged, f"{secret[:6]}… appears in the logs"
    # AND the JSON lines carry the correlation keys: the ticket only as its short hash
    lines = captured.json_lines()
    short = hashlib.sha256(ticket.encode()).hexdigest()[:16]
    soap = [line for line in lines if line["message"] == "SOAP call"]
    assert {line["method"] for line in soap} >= {"authenticate", "sendRequestXML", "receiveResponseXML",
                                                 "closeConnection"}
    receive = next(line for line in soap if line["method"] == "receiveResponseXML")
    assert (receive["ticket_hash"], receive["end_user_id"], receive["result"]) == (short, end_user["id"], "100")
    assert receive["request_id"] and isinstance(receive["duration_ms"], int | float)
    for message in ("job accepted", "job sent to QuickBooks", "job finished"):
        line = next(line for line in lines if line["message"] == message)
        assert (line["job_id"], line["end_user_id"]) == (job_id, end_user["id"]), message
    finished = next(line for line in lines if line["message"] == "job finished")
    assert finished["status"] == "succeeded"
    # AND every REST request logged one line with its route template, status and duration
    rest = [line for line in lines if line["message"] == "request"]
    assert {(line["route"], line["status"]) for line in rest} >= {
        ("/v1/end-users", 201), ("/v1/end-users/{end_user_id}/jobs", 202), ("/v1/jobs/{job_id}", 401),
        ("/v1/jobs/{job_id}", 200)}
    refused = next(line for line in lines if line["message"] == "API key refused")
    assert refused["code"] == "invalid_api_key"


def test_the_sweeper_gauges_the_queue_through_the_deadlines_index(captured: Captured, svc: Services) -> None:
    # GIVEN two queued jobs for two end-users, in DynamoDB (moto)
    query = (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()
    with Client(app.app) as client:
        _record, key = svc.auth.create("gauges")
        api = Api(client, key)
        for name in ("Lakeside Hardware", "Birch Lane Bakery"):
            assert api.enqueue(api.create_end_user(name)["id"], query).status_code == 202
        captured.metrics.clear()
        # WHEN the scheduled sweeper runs (as EventBridge invokes it)
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=["arn:aws:events:us-east-1:000000000000:rule/sweeper"])
        swept = client.lambda_.invoke("expire_overdue_jobs", event).payload
        assert swept == {"expired": 0, "repaired": 0, "catch_ups": 0}
    # THEN its invocation wrote QueueDepth = 2 and the oldest job's age as EMF
    docs = [json.loads(d) for d in captured.metrics]
    gauges = {name: doc[name] for doc in docs for name in ("QueueDepth", "OldestQueuedJobAgeSeconds") if name in doc}
    assert gauges["QueueDepth"] == [2.0]
    assert 0 <= gauges["OldestQueuedJobAgeSeconds"][0] < 60
