"""Webhooks in the local stack (``make run ARGS=--webhooks``), over real HTTP: a job's result, published
when the Web Connector answers, is attempted by the stack's delivery queue poller (what the deployed
``WebhookDeliveries`` function's SQS trigger does) and POSTed, signed, to a receiver on 127.0.0.1; a
receiver's failure leaves a delayed message on the delivery queue that the poller does not hand over early.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from qbd_gateway_sdk.webhooks import verify

from tests.functional.support import Receiver, answer_one_job, soap_request, soap_result
from tests.support.paths import FIXTURES_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e



@pytest.fixture
def process() -> Iterator[GatewayProcess]:
    """GIVEN the local stack with webhooks on (its own emulator: the delivery queue holds this test's only)."""
    stack = GatewayProcess.start(session_idle=0, extra_args=["--webhooks"])
    yield stack
    stack.stop()


@pytest.fixture
def api(process: GatewayProcess) -> Gateway:
    """The REST API of this test's stack (not the in-process one of tests/functional/conftest.py)."""
    return Gateway(process.base_url, process.api_key)


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(status=getattr(request, "param", 204))
    yield server
    server.shutdown()
    server.server_close()


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """``check()``'s first truthy answer, asked every 0.1 s until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def hooked_end_user(api: Gateway, receiver: Receiver) -> tuple[dict[str, Any], dict[str, Any]]:
    """An end-user and an endpoint for its messages only, pointed at ``receiver``."""
    end_user = api.create_end_user()
    created = api.request("POST", "/v1/webhook-endpoints", json_body={"url": receiver.url,
                                                                      "end_user_id": end_user["id"]})
    assert created.status_code == 201, created.text
    return end_user, created.json()


def run_one_job(process: GatewayProcess, api: Gateway, end_user: dict[str, Any]) -> str:
    """A CustomerQuery enqueued over REST, and the Web Connector's update that answers it, over HTTP."""
    job_id = str(api.enqueue(end_user["id"], (FIXTURES_DIR / "qbwc" / "customer_query_rq.xml").read_text())["id"])

    def soap(method: str, **params: Any) -> Any:
        response = requests.post(f"{process.base_url}/qbwc", data=soap_request(method, **params), timeout=30,
                                 headers={"Content-Type": "text/xml; charset=utf-8"})
        return soap_result(response.content, method)

    answer_one_job(soap, end_user, job_id)
    return job_id


def deliveries(api: Gateway, endpoint_id: str) -> list[dict[str, Any]]:
    response = api.request("GET", f"/v1/webhook-endpoints/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.text
    return list(response.json()["deliveries"])


def delivery_queue(process: GatewayProcess) -> dict[str, int]:
    """The delivery queue's message counts: visible, in flight, delayed."""
    attributes = process.client("sqs").get_queue_attributes(
        QueueUrl=process.env["QBDGW_WEBHOOK_QUEUE_URL"], AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return {"visible": int(attributes["ApproximateNumberOfMessages"]),
            "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            "delayed": int(attributes["ApproximateNumberOfMessagesDelayed"])}


def test_the_local_stack_delivers_a_result_signed_from_its_delivery_queue(
        process: GatewayProcess, api: Gateway, receiver: Receiver) -> None:
    # GIVEN an endpoint for one end-user's messages, at a receiver on 127.0.0.1
    end_user, endpoint = hooked_end_user(api, receiver)
    # WHEN a job of that end-user is answered by its Web Connector
    job_id = run_one_job(process, api, end_user)
    # THEN the stack's delivery poller POSTs the result to the receiver, signed with the endpoint's secret
    assert eventually(lambda: receiver.got), "no webhook reached the receiver"
    headers, body = receiver.got[0]
    message = verify(body, headers, secret=endpoint["secret"])
    assert (message["job_id"], message["end_user_id"], message["status"]) == (job_id, end_user["id"], "succeeded")
    # AND the delivery log says delivered at the first attempt, under the id the receiver was given
    (delivered,) = eventually(lambda: [d for d in deliveries(api, endpoint["id"]) if d["status"] == "delivered"])
    assert delivered["attempts"] == 1 and delivered["last_status_code"] == 204
    assert headers["QBDGW-Webhook-Id"] == delivered["id"]
    # AND the poller deleted the message it handed over: nothing is left on the delivery queue
    assert eventually(lambda: delivery_queue(process) == {"visible": 0, "in_flight": 0, "delayed": 0})
    # WHEN the delivery is replayed / THEN the poller attempts it again: the same id, POSTed once more
    replayed = api.request("POST", f"/v1/webhook-deliveries/{delivered['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert eventually(lambda: len(receiver.got) == 2), "the replay was not attempted"
    assert receiver.got[1][0]["QBDGW-Webhook-Id"] == delivered["id"]
    assert len(receiver.got) == 2


@pytest.mark.parametrize("receiver", [500], indirect=True)
def test_a_failed_attempt_waits_on_the_delivery_queue_for_its_backoff(
        process: GatewayProcess, api: Gateway, receiver: Receiver) -> None:
    # GIVEN an endpoint whose receiver answers 500 to everything
    end_user, endpoint = hooked_end_user(api, receiver)
    # WHEN a result is published for its end-user
    run_one_job(process, api, end_user)
    # THEN the first attempt is made and recorded as failed, due again after its backoff (30 s, 20 % jitter)
    assert eventually(lambda: receiver.got), "no webhook reached the receiver"
    (pending,) = eventually(lambda: [d for d in deliveries(api, endpoint["id"]) if d["last_status_code"] == 500])
    assert (pending["status"], pending["attempts"]) == ("pending", 1)
    wait = datetime.fromisoformat(pending["next_attempt_at"]) - datetime.fromisoformat(pending["last_attempt_at"])
    assert wait >= timedelta(seconds=24)
    # AND the next attempt waits on the delivery queue as a delayed message (one per publish of the result: a
    # re-publish, e.g. by the sweeper, schedules the pending delivery again, and its attempt waits too)
    assert eventually(lambda: delivery_queue(process)["delayed"] >= 1), delivery_queue(process)
    # AND meanwhile nothing is handed over early: no second POST, nothing visible or in flight
    time.sleep(3)
    assert len(receiver.got) == 1
    queue = delivery_queue(process)
    assert (queue["visible"], queue["in_flight"]) == (0, 0) and queue["delayed"] >= 1
