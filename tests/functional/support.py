"""Helpers for the functional tests: the REST API as a SaaS calls it, and direct looks at AWS."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from infra.provision import Outputs

REGION = "us-east-1"


@dataclass(frozen=True)
class Aws:
    dynamodb: Any
    sqs: Any
    outputs: Outputs


@dataclass
class Api:
    """The REST API as a SaaS backend calls it, through the Chalice test client."""

    client: Client
    key: str

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             auth: bool = True, raw: bytes | None = None) -> Any:
        all_headers = {"Content-Type": "application/json"}
        if auth:
            all_headers["Authorization"] = f"Bearer {self.key}"
        all_headers.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return self.client.http.request(method, path, headers=all_headers, body=data)

    def create_end_user(self, company_name: str = "Lakeside Hardware") -> dict[str, Any]:
        response = self.call("POST", "/v1/end-users", {"company_name": company_name, "source_id": "acct-17"})
        assert response.status_code == 201, response.body
        return dict(response.json_body)

    def enqueue(self, end_user_id: str, qbxml: str, key: str | None = None) -> Any:
        return self.call("POST", f"/v1/end-users/{end_user_id}/jobs", {"qbxml": qbxml},
                         headers={"Idempotency-Key": key} if key else None)


def jobs_stored(aws: Aws, end_user_id: str) -> int:
    """How many job items the table holds for an end-user (read straight from DynamoDB)."""
    out = aws.dynamodb.query(
        TableName=aws.outputs.table_name, KeyConditionExpression="pk = :pk AND begins_with(sk, :job)",
        ExpressionAttributeValues={":pk": {"S": f"EU#{end_user_id}"}, ":job": {"S": "JOB#"}}, Select="COUNT",
        ConsistentRead=True)
    return int(out["Count"])


def drain(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message now on a queue, with its attributes (received and deleted)."""
    found: list[dict[str, Any]] = []
    while True:
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                  AttributeNames=["All"])
        messages = out.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INTUIT_NS = "http://developer.intuit.com/"


def soap_request(method: str, **params: str | int) -> bytes:
    """A request envelope as QBWC writes it: document/literal, parameters in Intuit's namespace."""
    from lxml import etree

    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    call = etree.SubElement(body, f"{{{INTUIT_NS}}}{method}", nsmap={None: INTUIT_NS})
    for name, value in params.items():
        etree.SubElement(call, f"{{{INTUIT_NS}}}{name}").text = str(value)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))


def soap_result(body: bytes, method: str) -> Any:
    """``<method>Result`` of a response envelope: text, or a list for an ArrayOfString."""
    from lxml import etree

    root = etree.fromstring(body)
    result = root.find(f"{{{SOAP_NS}}}Body/{{{INTUIT_NS}}}{method}Response/{{{INTUIT_NS}}}{method}Result")
    assert result is not None, body
    strings = result.findall(f"{{{INTUIT_NS}}}string")
    return [s.text or "" for s in strings] if strings else (result.text or "")


class Receiver(http.server.ThreadingHTTPServer):
    """A SaaS's webhook receiver on 127.0.0.1: answers 500 to its first ``failures`` POSTs (on purpose),
    then ``status``; every POST is recorded in ``got`` as (headers, body)."""

    def __init__(self, failures: int = 0, status: int = 204) -> None:
        self.failures = failures
        self.status = status
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.got.append((dict(self.headers.items()), body))
                failing = outer.failures > 0
                outer.failures -= 1
                self.send_response(500 if failing else outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/qbd/hooks"


COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Lakeside Hardware.QBW"


def answer_one_job(soap: Callable[..., Any], end_user: dict[str, Any], job_id: str) -> None:
    """The Web Connector's update that runs one CustomerQuery job (``job_id``), through ``soap(method,
    **params)`` — the in-process test client's or real HTTP's — and closes the session."""
    from tests.support.paths import FIXTURES_DIR

    ticket = soap("authenticate", strUserName=end_user["qbwc_username"], strPassword=end_user["qbwc_password"])[0]
    soap("sendRequestXML", ticket=ticket, strHCPResponse=(FIXTURES_DIR / "qbwc" / "hcp_qb2014.xml").read_text(),
         strCompanyFileName=COMPANY_FILE, qbXMLCountry="US", qbXMLMajorVers=13, qbXMLMinorVers=0)
    answer = (FIXTURES_DIR / "qbwc" / "customer_query_rs.xml").read_text().replace("{request_id}", job_id)
    assert soap("receiveResponseXML", ticket=ticket, response=answer, hresult="", message="") == "100"
    soap("closeConnection", ticket=ticket)


def gateway_with_webhooks(aws: Aws, clock: Callable[[], Any], queue_name: str, **settings: Any) -> Any:
    """The gateway of the local stage on moto with webhooks on and a delivery queue of its own, its clock
    ``clock``, installed for the app (``wiring.reset``; the caller resets it to None afterwards)."""
    from chalicelib import wiring
    from chalicelib.config import Settings
    from tests.support.paths import SCHEMA_DIR
    from tests.unit.jobs.fakes import FakeSecretBox

    out = aws.outputs
    queue_url = aws.sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    built = wiring.build(
        Settings(stage="local", region=REGION, table_name=out.table_name, results_queue_url=out.results_queue_url,
                 ingress_queue_url=out.ingress_queue_url, ingress_dlq_url=out.ingress_dlq_url, schema_dir=SCHEMA_DIR,
                 session_idle_seconds=0, webhooks=True, webhook_queue_url=queue_url, **settings),
        clients={"dynamodb": aws.dynamodb, "sqs": aws.sqs}, secrets=FakeSecretBox(), clock=clock)
    wiring.reset(built)
    return built
