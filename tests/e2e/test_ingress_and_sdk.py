"""The two other ways in: the SQS ingress queue (polled by the local stack as Lambda's event source
would) and the Python SDK writing straight into the gateway's table. Each job is then run by a real
simulated Web Connector session and its result read from the results queue."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from chalicelib.sdk import enqueue_job
from simulator import CompanyFile, SessionOutcome, SessionResult
from tests.e2e.support import (
    ResultInbox,
    connector,
    job_executions,
    job_qbxml,
    jobs_stored,
    sent_documents,
    unique,
)
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess, aws_client

pytestmark = pytest.mark.e2e


def send_ingress(process: GatewayProcess, body: str) -> str:
    """Send as a SaaS does to the FIFO ingress queue: group = end-user id, a fresh deduplication id per send."""
    try:
        group = str(json.loads(body)["end_user_id"])
    except (ValueError, KeyError, TypeError):
        group = "unreadable"
    out = process.client("sqs").send_message(QueueUrl=process.env["QBDGW_INGRESS_QUEUE_URL"], MessageBody=body,
                                             MessageGroupId=group, MessageDeduplicationId=uuid.uuid4().hex)
    return str(out["MessageId"])


def wait_ingress_drained(process: GatewayProcess, timeout: float = 20) -> None:
    """Until the poller has taken (and deleted) every message on the ingress queue."""
    sqs, url = process.client("sqs"), process.env["QBDGW_INGRESS_QUEUE_URL"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if all(int(attributes.get(name, "0")) == 0 for name in names):
            return
        time.sleep(0.1)
    raise AssertionError("the ingress queue was not drained")


def session_with_work(process: GatewayProcess, user: dict[str, Any], company: CompanyFile,
                      timeout: float = 20) -> SessionResult:
    """Run updates until one finds work (the ingress poller is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        result = connector(process, user, company).run_session()
        if result.outcome is not SessionOutcome.NO_WORK or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def dead_letters(process: GatewayProcess, markers: set[str], timeout: float = 20) -> dict[str, dict[str, Any]]:
    """DLQ messages whose body contains one of ``markers``, by marker, with their attributes."""
    sqs, url = process.client("sqs"), process.env["QBDGW_INGRESS_DLQ_URL"]
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while markers - set(found) and time.monotonic() < deadline:
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  MessageAttributeNames=["All"])
        for message in out.get("Messages", []):
            for marker in markers:
                if marker in message["Body"]:
                    found[marker] = message
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_ingress_message_becomes_a_job_that_a_session_runs(
        gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox) -> None:
    # GIVEN an end-user, and a job dropped on the SQS ingress queue
    user = gateway.create_end_user()
    customer = unique("Ingress Co")
    send_ingress(gateway_process, json.dumps({"end_user_id": user["id"],
                                              "qbxml": job_qbxml("customer_add", name=customer)}))
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    # WHEN the Web Connector updates
    result = session_with_work(gateway_process, user, company)
    # THEN QuickBooks created the customer, and the result reached the results queue for that end-user
    assert len(sent_documents(result)) == 1
    assert [c.name for c in company.customers()] == [customer]
    (message,) = inbox.for_end_user(user["id"], 1)
    assert message["status"] == "succeeded"
    assert message["_group"] == user["id"]
    assert message["job_id"] == company.executions[0].request_id
    assert gateway.job(message["job_id"])["status"] == "succeeded"
    # AND the ingress message was handled for good (deleted, not left to be retried)
    wait_ingress_drained(gateway_process)


def test_bad_ingress_messages_are_dead_lettered_with_reasons(
        gateway_process: GatewayProcess, gateway: Gateway) -> None:
    # GIVEN an end-user, and two messages that can never succeed: broken JSON, and invalid qbXML
    user = gateway.create_end_user()
    broken, invalid = unique("broken-json"), unique("invalid-qbxml")
    send_ingress(gateway_process, '{"end_user_id": "' + user["id"] + '", "qbxml": "<Cust' + broken)
    send_ingress(gateway_process, json.dumps({"end_user_id": user["id"], "qbxml": (
        f"<CustomerAddRq><CustomerAdd><Bogus>{invalid}</Bogus></CustomerAdd></CustomerAddRq>")}))
    # WHEN the poller has handled them
    found = dead_letters(gateway_process, {broken, invalid})
    wait_ingress_drained(gateway_process)
    # THEN both are on the DLQ with error_code and reason attributes
    assert set(found) == {broken, invalid}
    for message in found.values():
        attributes = message["MessageAttributes"]
        assert attributes["error_code"]["StringValue"]
        assert attributes["reason"]["StringValue"]
    assert found[broken]["MessageAttributes"]["error_code"]["StringValue"] != \
        found[invalid]["MessageAttributes"]["error_code"]["StringValue"]
    assert "Bogus" in found[invalid]["MessageAttributes"]["reason"]["StringValue"]
    # AND no job exists: the Web Connector is told there is no work
    assert jobs_stored(gateway_process, user["id"]) == 0
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    assert connector(gateway_process, user, company).run_session().outcome is SessionOutcome.NO_WORK


def test_same_message_delivered_twice_makes_one_job(
        gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox) -> None:
    # GIVEN one message delivered twice (two SQS messages, one idempotency key)
    user = gateway.create_end_user()
    body = json.dumps({"end_user_id": user["id"], "qbxml": job_qbxml("customer_add", name=unique("Twice Co")),
                       "idempotency_key": unique("order")})
    send_ingress(gateway_process, body)
    send_ingress(gateway_process, body)
    wait_ingress_drained(gateway_process)
    # THEN one job was stored …
    assert jobs_stored(gateway_process, user["id"]) == 1
    # … and QuickBooks runs it once
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    result = session_with_work(gateway_process, user, company)
    assert len(sent_documents(result)) == 1
    assert len(company.customers()) == 1
    assert len(inbox.for_end_user(user["id"], 1)) == 1
    assert connector(gateway_process, user, company).run_session().outcome is SessionOutcome.NO_WORK


def test_sdk_enqueue_job_is_queued_and_then_run(
        gateway_process: GatewayProcess, gateway: Gateway, inbox: ResultInbox) -> None:
    # GIVEN an end-user created over REST
    user = gateway.create_end_user()
    # WHEN the SaaS enqueues with the Python SDK, straight into the table
    job = enqueue_job(user["id"], job_qbxml("customer_list_query"), table_name=gateway_process.env["QBDGW_TABLE"],
                      dynamodb_client=aws_client("dynamodb", gateway_process.dynamodb_endpoint),
                      schema_dir=SCHEMA_DIR)
    # THEN REST shows it queued
    assert job["status"] == "queued" and job["created"] is True
    assert gateway.job(job["id"])["status"] == "queued"
    # AND a session runs it; its result is on SQS like any other job's
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    connector(gateway_process, user, company).run_session()
    assert [e.request_id for e in job_executions(company)] == [job["id"]]
    assert gateway.job(job["id"])["status"] == "succeeded"
    (message,) = inbox.wait_for([job["id"]])
    assert message["status"] == "succeeded" and message["end_user_id"] == user["id"]
