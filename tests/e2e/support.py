"""Helpers for the end-to-end tests: job fixtures, the simulated customer side, results off SQS.

Everything here talks to real servers: the gateway subprocess over HTTP, the AWS emulator's SQS
and DynamoDB over HTTP. Nothing from ``chalicelib`` is used to check the gateway's own answers.
"""

from __future__ import annotations

import functools
import json
import re
import time
import uuid
from pathlib import Path
from string import Template
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from chalicelib.qbwc.answers import CLOSING_REQUEST_ID
from simulator import CompanyFile, SessionResult, WebConnector
from tests.support.paths import SCHEMA_DIR
from tests.support.stack import GatewayProcess

E2E_FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOOP_WAIT = 0.1
"""The simulated Web Connector's NoOp pause (QBWC waits 5 s; the tests need not)."""
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_QBXML_VERSION = re.compile(r"""<\?qbxml\s+version\s*=\s*["']([^"']+)["']\s*\?>""")


def unique(prefix: str) -> str:
    """A name no other test uses (QuickBooks list names are at most 41 characters)."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def job_qbxml(fixture: str, **values: str) -> str:
    """A job's qbXML from ``fixtures/<fixture>.xml`` with ``$name`` placeholders filled in (escaped)."""
    text = (E2E_FIXTURES / f"{fixture}.xml").read_text(encoding="utf-8")
    return Template(text).substitute({key: escape(value) for key, value in values.items()})


def connector(process: GatewayProcess, user: dict[str, Any], company: CompanyFile, *,
              password: str | None = None, **options: Any) -> WebConnector:
    """A simulated Web Connector for ``user``'s ``.qwc``, pointed at the gateway's SOAP endpoint."""
    options.setdefault("noop_wait", NOOP_WAIT)
    options.setdefault("max_noops", 200)  # a safety bound: the idle limit ends sessions long before
    return WebConnector(f"{process.base_url}/qbwc", user["qbwc_username"],
                        user["qbwc_password"] if password is None else password, company, **options)


def sent_documents(result: SessionResult) -> list[str]:
    """Every job's qbXML document the gateway handed the Web Connector in a session, in order (not the
    cheap HostQuery that ends a healthy session: :func:`closing_documents`)."""
    return [d for d in _handed_out(result) if CLOSING_REQUEST_ID not in d]


def closing_documents(result: SessionResult) -> list[str]:
    """The message sets that ended the session as a success (a HostQuery answered 100)."""
    return [d for d in _handed_out(result) if CLOSING_REQUEST_ID in d]


def _handed_out(result: SessionResult) -> list[str]:
    return [call.result for call in result.calls_to("sendRequestXML") if isinstance(call.result, str) and call.result]


def job_executions(company: CompanyFile) -> list[Any]:
    """What QuickBooks executed for jobs (the closing HostQuery of a healthy session left out)."""
    return [e for e in company.executions if (e.request_id or "").split(".", 1)[0] != CLOSING_REQUEST_ID]


def parse_qbxml(text: str) -> etree._Element:
    return etree.fromstring(text.encode("utf-8"), _SAFE_PARSER)


def qbxml_version(document: str) -> str:
    match = _QBXML_VERSION.search(document)
    assert match is not None, f"no <?qbxml version?> in {document[:200]!r}"
    return match.group(1)


@functools.cache
def intuit_schema(version: str) -> etree.XMLSchema:
    """Intuit's qbXML schema for ``version`` (``13.0`` → ``13.0/qbxmlops130.xsd``), read from shared/."""
    path = SCHEMA_DIR / version / f"qbxmlops{version.replace('.', '')}.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid_for_its_version(document: str) -> etree._Element:
    """The document validates against Intuit's schema for the version its ``<?qbxml?>`` names."""
    version = qbxml_version(document)
    root = parse_qbxml(document)
    schema = intuit_schema(version)
    assert schema.validate(root), f"not valid qbXML {version}: {schema.error_log}\n{document}"
    return root


def jobs_stored(process: GatewayProcess, end_user_id: str) -> int:
    """How many job items the gateway's table holds for an end-user (read straight from DynamoDB)."""
    out = process.client("dynamodb").query(
        TableName=process.env["QBDGW_TABLE"], KeyConditionExpression="pk = :pk AND begins_with(sk, :job)",
        ExpressionAttributeValues={":pk": {"S": f"EU#{end_user_id}"}, ":job": {"S": "JOB#"}},
        Select="COUNT", ConsistentRead=True)
    return int(out["Count"])


class ResultInbox:
    """The SaaS's consumer of the results FIFO queue: every message received is kept, in arrival order.

    One inbox per gateway process and test session, so a test never loses a message that an
    earlier test's read happened to receive.
    """

    def __init__(self, process: GatewayProcess) -> None:
        self.sqs = process.client("sqs")
        self.queue_url = process.env["QBDGW_RESULTS_QUEUE_URL"]
        self.messages: list[dict[str, Any]] = []

    def poll(self) -> None:
        """Receive one batch (1 s long poll), keep it, and delete it from the queue."""
        out = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       AttributeNames=["All"])
        for message in out.get("Messages", []):
            body = json.loads(message["Body"])
            body["_group"] = message["Attributes"].get("MessageGroupId")
            body["_dedup"] = message["Attributes"].get("MessageDeduplicationId")
            self.messages.append(body)
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def wait_for(self, job_ids: list[str], timeout: float = 30) -> list[dict[str, Any]]:
        """The messages (duplicates included) for ``job_ids``, in arrival order, once all have arrived."""
        wanted = set(job_ids)
        deadline = time.monotonic() + timeout
        while wanted - {m["job_id"] for m in self.messages} and time.monotonic() < deadline:
            self.poll()
        return [m for m in self.messages if m["job_id"] in wanted]

    def for_end_user(self, end_user_id: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """The messages of one end-user, once at least ``count`` have arrived (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while len(self._of(end_user_id)) < count and time.monotonic() < deadline:
            self.poll()
        return self._of(end_user_id)

    def _of(self, end_user_id: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["end_user_id"] == end_user_id]
