"""Webhooks through the REST API and the SOAP path, in process on moto, to a real receiver on 127.0.0.1 that
fails on purpose for a while: a job's result is fanned out when it is published, attempted from the
delivery queue's messages, retried after its backoff (the gateway's clock is the test's), signed so that
the SDK verifies it, listed in the endpoint's delivery log, and replayed on demand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from qbd_gateway_sdk.webhooks import verify as sdk_verify

import app
from chalicelib import wiring
from chalicelib.api.webhook_routes import handle_deliveries
from chalicelib.wiring import Services
from tests.functional.support import (
    Api,
    Aws,
    Receiver,
    answer_one_job,
    drain,
    gateway_with_webhooks,
    soap_request,
    soap_result,
)
from tests.support.paths import FIXTURES_DIR


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hooked(aws: Aws, clock: Clock) -> Iterator[Services]:
    """GIVEN the gateway of the local stage with webhooks on and its delivery queue."""
    yield gateway_with_webhooks(aws, clock, "qbd-gateway-webhooks-test")
    wiring.reset(None)


@pytest.fixture
def hooked_api(hooked: Services) -> Iterator[Api]:
    with Client(app.app) as client:
        _record, key = hooked.auth.create("webhook tests")
        yield Api(client, key)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=2)
    yield server
    server.shutdown()
    server.server_close()


def run_one_job(api: Api) -> tuple[dict[str, Any], str]:
    """An end-user, a CustomerQuery enqueued over REST, and the Web Connector's update that runs it."""
    end_user = api.create_end_user()
    job_id = api.enqueue(end_user["id"], (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text()).json_body["id"]

    def soap(method: str, **params: Any) -> Any:
        response = api.client.http.post("/qbwc", headers={"Content-Type": "text/xml; charset=utf-8"},
                                        body=soap_request(method, **params))
        return soap_result(response.body, method)

    answer_one_job(soap, end_user, job_id)
    return end_user, job_id


def consume(aws: Aws, services: Services) -> int:
    """What the delivery queue's Lambda does with the messages on the queue now: how many it handled."""
    settings = services.settings
    messages = drain(aws.sqs, settings.webhook_queue_url)
    outcome = handle_deliveries(((m["MessageId"], m["Body"]) for m in messages), services.webhooks)
    assert outcome == {"batchItemFailures": []}
    return len(messages)


def test_a_result_reaches_a_failing_receiver_signed_after_its_retries(
        hooked_api: Api, hooked: Services, aws: Aws, clock: Clock, receiver: Receiver) -> None:
    # GIVEN an endpoint for every end-user, pointed at a receiver that fails its first two POSTs
    created = hooked_api.call("POST", "/v1/webhook-endpoints", {"url": receiver.url, "description": "tests"})
    assert created.status_code == 201, created.body
    endpoint = created.json_body
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in hooked_api.call("GET", f"/v1/webhook-endpoints/{endpoint['id']}").json_body
    # WHEN a job runs and its result is published
    end_user, job_id = run_one_job(hooked_api)
    assert consume(aws, hooked) == 1  # the fan-out scheduled one attempt: it gets a 500
    assert hooked.webhooks is not None
    (delivery,), _ = hooked.webhooks.deliveries(endpoint["id"])
    assert delivery.status.value == "pending" and delivery.last_status_code == 500
    for _ in range(2):  # the retries, each after its backoff (the queue hands them over when they are due)
        assert delivery.next_attempt_at is not None
        clock.now = delivery.next_attempt_at + timedelta(seconds=1)
        delivery = hooked.webhooks.attempt(delivery.id)  # type: ignore[assignment]
    # THEN the third attempt delivered the result, each attempt with the same delivery id and body
    assert delivery.status.value == "delivered" and delivery.attempts == 3
    assert len(receiver.got) == 3 and len({body for _, body in receiver.got}) == 1
    assert {headers["QBDGW-Webhook-Id"] for headers, _ in receiver.got} == {delivery.id}
    headers, body = receiver.got[-1]
    message = sdk_verify(body, headers, secret, now=clock.now.timestamp())
    assert (message["job_id"], message["end_user_id"], message["status"]) == (job_id, end_user["id"], "succeeded")
    assert message == json.loads(drain(aws.sqs, aws.outputs.results_queue_url)[0]["Body"])  # what SQS got
    # AND the delivery log says so
    log = hooked_api.call("GET", f"/v1/webhook-endpoints/{endpoint['id']}/deliveries").json_body
    assert [(d["message_key"], d["status"], d["attempts"], d["last_status_code"]) for d in log["deliveries"]] == [
        (job_id, "delivered", 3, 204)]
    # AND a replay sends it once more, under the same id
    replayed = hooked_api.call("POST", f"/v1/webhook-deliveries/{delivery.id}/replay")
    assert replayed.status_code == 200 and replayed.json_body["status"] == "pending"
    assert consume(aws, hooked) >= 1
    assert len(receiver.got) == 4 and receiver.got[-1][0]["QBDGW-Webhook-Id"] == delivery.id


def test_endpoint_management_and_its_refusals(hooked_api: Api, hooked: Services) -> None:
    refused = hooked_api.call("POST", "/v1/webhook-endpoints", {"url": "http://10.0.0.5/hook"})
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "webhook_url_not_allowed"
    missing = hooked_api.call("POST", "/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/x", "end_user_id": "eu_x"})
    assert missing.status_code == 404
    made = hooked_api.call("POST", "/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/x", "kinds": ["result"]})
    endpoint_id = made.json_body["id"]
    rotated = hooked_api.call("POST", f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json_body["secret"] != made.json_body["secret"]
    assert rotated.json_body["previous_secret_expires_at"] is not None
    listed = hooked_api.call("GET", "/v1/webhook-endpoints").json_body["endpoints"]
    assert [(e["id"], e["kinds"]) for e in listed] == [(endpoint_id, ["result"])]
    assert hooked_api.call("DELETE", f"/v1/webhook-endpoints/{endpoint_id}").status_code == 204
    assert hooked_api.call("GET", f"/v1/webhook-endpoints/{endpoint_id}").status_code == 404


def test_with_webhooks_off_the_routes_say_so(api: Api) -> None:
    response = api.call("GET", "/v1/webhook-endpoints")
    assert response.status_code == 409 and response.json_body["error"]["code"] == "webhooks_off"
    assert response.json_body["error"]["user_facing_message"]


def test_the_cli_lists_dead_deliveries_and_replays_them(
        hooked_api: Api, hooked: Services, aws: Aws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from cli import rest
    from cli.main import cli
    from cli.output import Failure

    def through_the_app(self: Any, method: str, path: str, body: Any = None, headers: Any = None) -> bytes:
        response = hooked_api.call(method, path, body if body is not None else None)
        if response.status_code >= 300:
            raise Failure({"http_status": response.status_code, **json.loads(response.body)["error"]})
        return bytes(response.body)

    monkeypatch.setattr(rest.Gateway, "call", through_the_app)
    down = Receiver(failures=10_000)  # GIVEN a receiver that is down for more than a day
    try:
        made = CliRunner().invoke(cli, ["webhooks", "create", down.url, "--kind", "result", "--api-key", "k"])
        assert made.exit_code == 0, made.output
        endpoint_id = next(line.split()[1] for line in made.output.splitlines() if line.startswith("id "))
        run_one_job(hooked_api)
        consume(aws, hooked)
        assert hooked.webhooks is not None
        (delivery,), _ = hooked.webhooks.deliveries(endpoint_id)
        while delivery.status.value == "pending":
            assert delivery.next_attempt_at is not None
            clock.now = delivery.next_attempt_at
            delivery = hooked.webhooks.attempt(delivery.id)  # type: ignore[assignment]
        assert delivery.status.value == "dead"
        # WHEN the operator looks at the dead deliveries and replays them once the receiver is back
        listed = CliRunner().invoke(cli, ["webhooks", "deliveries", endpoint_id, "--status", "dead", "--json",
                                          "--api-key", "k"])
        assert [d["id"] for d in json.loads(listed.output)] == [delivery.id]
        down.failures = 0
        tried = len(down.got)
        replayed = CliRunner().invoke(cli, ["webhooks", "replay", "--dead", endpoint_id, "--api-key", "k"])
        assert replayed.exit_code == 0, replayed.output
        assert delivery.id in replayed.output and "pending" in replayed.output
        consume(aws, hooked)
        # THEN it is delivered, one more POST under the same id
        assert len(down.got) == tried + 1 and down.got[-1][0]["QBDGW-Webhook-Id"] == delivery.id
        assert hooked.webhooks.store.get_delivery(delivery.id).status.value == "delivered"  # type: ignore[union-attr]
    finally:
        down.shutdown()
        down.server_close()
