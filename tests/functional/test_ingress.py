"""The SQS ingress handler and the SDK: jobs that arrive without the REST API.

A message that can never succeed goes to the dead-letter queue at once, with the reason, and is
not reported as a batch failure; one that failed for a passing reason is reported so SQS retries it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.states import JobStatus
from chalicelib.sdk import enqueue_job
from chalicelib.wiring import Services
from tests.functional.support import Api, Aws, drain, jobs_stored
from tests.support.paths import FIXTURES_DIR, SCHEMA_DIR


def fixture(relative: str) -> str:
    return (FIXTURES_DIR / relative).read_text(encoding="utf-8")


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS event as Lambda delivers it, one distinct message id per record."""
    return {"Records": [{
        "messageId": f"msg-{index}", "receiptHandle": f"rh-{index}", "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1709544600000",
                       "SenderId": "saas", "ApproximateFirstReceiveTimestamp": "1709544600001"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:qbd-gateway-jobs-in-test",
        "awsRegion": "us-east-1",
    } for index, body in enumerate(bodies, 1)]}


def invoke(client: Client, event: dict[str, Any]) -> dict[str, Any]:
    response = client.lambda_.invoke("ingress", event)
    return dict(response.payload)


def message(end_user_id: str, qbxml: str, **extra: Any) -> str:
    return json.dumps({"end_user_id": end_user_id, "qbxml": qbxml, **extra})


def test_valid_message_stores_a_job(api: Api, aws: Aws, client: Client, services: Services) -> None:
    # GIVEN an end-user / WHEN a valid job arrives on the ingress queue
    end_user = api.create_end_user()
    result = invoke(client, sqs_event(message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    # THEN no failures are reported and the job is queued
    assert result == {"batchItemFailures": []}
    job = services.store.read_file(end_user["id"]).head
    assert job is not None and job.source == "sqs" and job.status is JobStatus.QUEUED
    # AND the SQS message id keys idempotency, so a redelivery enqueues nothing new
    invoke(client, sqs_event(message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    assert jobs_stored(aws, end_user["id"]) == 1


def test_permanent_failures_go_to_the_dead_letter_queue(api: Api, aws: Aws, client: Client) -> None:
    # GIVEN malformed JSON, invalid qbXML and a valid job in one batch
    end_user = api.create_end_user()
    bodies = ["{this is not json", message(end_user["id"], fixture("qbxml/jobs/malformed.xml")),
              message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))]
    # WHEN the batch is handled
    result = invoke(client, sqs_event(*bodies))
    # THEN nothing is reported for SQS to retry: the bad two were dead-lettered, the good one stored
    assert result == {"batchItemFailures": []}
    assert jobs_stored(aws, end_user["id"]) == 1
    dead = {m["MessageAttributes"]["original_message_id"]["StringValue"]: m
            for m in drain(aws.sqs, aws.outputs.ingress_dlq_url)}
    assert set(dead) == {"msg-1", "msg-2"}
    # AND each carries the original body, the error code and the reason
    assert dead["msg-1"]["Body"] == bodies[0]
    assert dead["msg-1"]["MessageAttributes"]["error_code"]["StringValue"] == "invalid_json"
    assert dead["msg-2"]["MessageAttributes"]["error_code"]["StringValue"] == "invalid_qbxml"
    assert "well-formed" in dead["msg-2"]["MessageAttributes"]["reason"]["StringValue"]


def test_unknown_end_user_is_dead_lettered(aws: Aws, client: Client) -> None:
    # WHEN a message names an end-user that does not exist / THEN it is dead-lettered, not retried
    result = invoke(client, sqs_event(message("eu_nobody", fixture("qbwc/customer_query_rq.xml"))))
    assert result == {"batchItemFailures": []}
    (dead,) = drain(aws.sqs, aws.outputs.ingress_dlq_url)
    assert dead["MessageAttributes"]["error_code"]["StringValue"] == "end_user_not_found"


def test_store_failure_is_retried_by_sqs(api: Api, aws: Aws, client: Client, services: Services,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the store fails with an unexpected error
    end_user = api.create_end_user()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise Exception("DynamoDB is unavailable")

    monkeypatch.setattr(services.queue, "enqueue", broken)
    # WHEN a valid message arrives
    result = invoke(client, sqs_event(message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    # THEN it is reported as a batch failure (SQS redelivers it), and not dead-lettered
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert drain(aws.sqs, aws.outputs.ingress_dlq_url) == []


def test_internal_gateway_error_is_retried(api: Api, client: Client, services: Services,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a passing failure reported as a retryable GatewayError
    end_user = api.create_end_user()

    def throttled(*_args: Any, **_kwargs: Any) -> Any:
        raise error("internal_error", "throttled")

    monkeypatch.setattr(services.queue, "enqueue", throttled)
    # WHEN a message arrives / THEN SQS is asked to retry it
    result = invoke(client, sqs_event(message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}



def test_a_retried_message_is_not_overtaken_on_the_fifo_queue(api: Api, aws: Aws, client: Client,
                                                              services: Services,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a store that fails once, then works
    end_user = api.create_end_user()
    real = services.queue.enqueue
    calls: list[str] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[0]))
        if len(calls) == 1:
            raise Exception("DynamoDB is unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(services.queue, "enqueue", flaky)
    # WHEN a batch of three arrives and the first fails for a passing reason
    body = message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))
    result = invoke(client, sqs_event(body, body, body))
    # THEN the first and every later message are handed back, in order, and none was enqueued
    assert result == {"batchItemFailures": [{"itemIdentifier": f"msg-{i}"} for i in (1, 2, 3)]}
    assert len(calls) == 1 and jobs_stored(aws, end_user["id"]) == 0


def test_dead_letters_keep_the_end_user_as_their_fifo_group(api: Api, aws: Aws, client: Client) -> None:
    # GIVEN invalid qbXML for an end-user, and a body that is not JSON / WHEN handled
    end_user = api.create_end_user()
    invoke(client, sqs_event(message(end_user["id"], fixture("qbxml/jobs/malformed.xml")), "{not json"))
    # THEN both are on the FIFO dead-letter queue: grouped by end-user (or "unreadable"), deduplicated by id
    assert aws.outputs.ingress_dlq_url.endswith(".fifo")
    dead = {m["MessageAttributes"]["original_message_id"]["StringValue"]: m["Attributes"]
            for m in drain(aws.sqs, aws.outputs.ingress_dlq_url)}
    assert dead["msg-1"]["MessageGroupId"] == end_user["id"]
    assert dead["msg-2"]["MessageGroupId"] == "unreadable"
    assert dead["msg-1"]["MessageDeduplicationId"] == "msg-1"

# The SDK --------------------------------------------------------------------------------------------------
def test_sdk_enqueues_a_job_the_api_shows(api: Api, aws: Aws) -> None:
    # GIVEN an end-user / WHEN the SaaS enqueues with the SDK and its own DynamoDB client
    end_user = api.create_end_user()
    job = enqueue_job(end_user["id"], fixture("qbxml/jobs/customer_add.xml"), table_name=aws.outputs.table_name,
                      dynamodb_client=aws.dynamodb, schema_dir=SCHEMA_DIR, idempotency_key="sdk-1")
    # THEN GET /v1/jobs/{id} shows it queued
    assert (job["status"], job["created"]) == ("queued", True)
    shown = api.call("GET", f"/v1/jobs/{job['id']}")
    assert shown.status_code == 200
    assert (shown.json_body["status"], shown.json_body["end_user_id"]) == ("queued", end_user["id"])
    # AND a retry with the same key returns the same job
    again = enqueue_job(end_user["id"], fixture("qbxml/jobs/customer_add.xml"), table_name=aws.outputs.table_name,
                        dynamodb_client=aws.dynamodb, schema_dir=SCHEMA_DIR, idempotency_key="sdk-1")
    assert (again["id"], again["created"]) == (job["id"], False)


def test_sdk_checks_against_the_schema_folder_the_gateway_is_configured_with(
        api: Api, aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the gateway's schema folder in QBDGW_SCHEMA_DIR, as the README's SDK line runs (no schema_dir)
    monkeypatch.setenv("QBDGW_SCHEMA_DIR", str(SCHEMA_DIR))
    end_user = api.create_end_user()
    invalid = "<CustomerQueryRq><MaxReturned>abc</MaxReturned></CustomerQueryRq>"  # REST refuses it (400)
    # WHEN the SDK is given a query Intuit's schema refuses / THEN it is refused as over REST, nothing stored
    with pytest.raises(GatewayError) as refused:
        enqueue_job(end_user["id"], invalid, table_name=aws.outputs.table_name, dynamodb_client=aws.dynamodb)
    assert refused.value.code == "invalid_qbxml"
    assert jobs_stored(aws, end_user["id"]) == 0
    over_rest = api.call("POST", f"/v1/end-users/{end_user['id']}/jobs", {"qbxml": invalid})
    assert (over_rest.status_code, over_rest.json_body["error"]["code"]) == (400, "invalid_qbxml")


def test_sdk_refuses_invalid_qbxml(api: Api, aws: Aws) -> None:
    # WHEN the SDK is given qbXML QuickBooks would refuse / THEN a GatewayError, nothing stored
    end_user = api.create_end_user()
    with pytest.raises(GatewayError) as refused:
        enqueue_job(end_user["id"], fixture("qbxml/jobs/emoji.xml"), table_name=aws.outputs.table_name,
                    dynamodb_client=aws.dynamodb, schema_dir=SCHEMA_DIR)
    assert refused.value.code == "unsupported_characters"
    assert jobs_stored(aws, end_user["id"]) == 0


def _connected_as(aws: Aws, end_user_id: str, *, country: str, qbxml_version: str) -> None:
    """The end-user's profile as a first connect leaves it: the file's country and qbXML version known."""
    aws.dynamodb.update_item(
        TableName=aws.outputs.table_name, Key={"pk": {"S": f"EU#{end_user_id}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET country = :c, qbxml_version = :v",
        ExpressionAttributeValues={":c": {"S": country}, ":v": {"S": qbxml_version}})


def test_a_job_the_company_file_can_never_take_is_dead_lettered_at_once(api: Api, aws: Aws, client: Client) -> None:
    # GIVEN a US company file, and a job with an element the US edition lacks, then a good job behind it
    end_user = api.create_end_user()
    _connected_as(aws, end_user["id"], country="US", qbxml_version="13.0")
    bad = ("<CustomerAddRq><CustomerAdd><Name>X</Name><TaxRegistrationNumber>1</TaxRegistrationNumber>"
           "</CustomerAdd></CustomerAddRq>")
    result = invoke(client, sqs_event(message(end_user["id"], bad),
                                      message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    # THEN the bad one is dead-lettered with its code (422, not retryable: no receive can change it),
    # not handed back to SQS to block the end-user's FIFO group, and the good one is stored
    assert result == {"batchItemFailures": []}
    (dead,) = drain(aws.sqs, aws.outputs.ingress_dlq_url)
    assert dead["MessageAttributes"]["error_code"]["StringValue"] == "qbxml_not_in_edition"
    assert "TaxRegistrationNumber" in dead["MessageAttributes"]["reason"]["StringValue"]
    assert jobs_stored(aws, end_user["id"]) == 1



def test_a_fail_if_offline_message_is_refused_at_once_to_the_dead_letter_queue(api: Api, aws: Aws,
                                                                                client: Client) -> None:
    # GIVEN an end-user whose Web Connector never connected / WHEN a fail_if_offline job arrives over SQS
    end_user = api.create_end_user()
    body = message(end_user["id"], fixture("qbwc/customer_query_rq.xml"), fail_if_offline=True)
    result = invoke(client, sqs_event(body, message(end_user["id"], fixture("qbwc/customer_query_rq.xml"))))
    # THEN it is refused at once, as over REST: dead-lettered with the reason, nothing stored for it,
    # and the message behind it in the end-user's group is not held back
    assert result == {"batchItemFailures": []}
    (dead,) = drain(aws.sqs, aws.outputs.ingress_dlq_url)
    assert dead["MessageAttributes"]["error_code"]["StringValue"] == "end_user_never_connected"
    assert jobs_stored(aws, end_user["id"]) == 1
