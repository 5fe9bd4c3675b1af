"""The Python SDK (``sdk/qbd_gateway_sdk``) against the running local stack, as a SaaS backend uses it.

The SDK creates an end-user and enqueues a job, a simulated Web Connector session runs it against a
simulated company file, ``wait_for_job`` sees it succeed, and the results consumer hands the result to
a callback once: a failing callback leaves the message for redelivery, a duplicate is skipped.
The gateway here is a process of its own, so no other test's consumer takes its results.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from qbd_gateway_sdk import Client, QbdGatewayError, ResultMessage, ResultsConsumer

from simulator import CompanyFile
from tests.e2e.support import connector, job_qbxml, jobs_stored, sent_documents, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def process() -> Iterator[GatewayProcess]:
    started = GatewayProcess.start()
    yield started
    started.stop()


@pytest.fixture
def client(process: GatewayProcess) -> Client:
    return Client(process.base_url, process.api_key, timeout=20, retries=2, backoff=0.05)


def _results_queue(process: GatewayProcess) -> tuple[Any, str]:
    sqs = process.client("sqs")
    url = process.env["QBDGW_RESULTS_QUEUE_URL"]
    # a message a failing handler left must come back quickly in this test
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    return sqs, url


def _consume_until(consumer: ResultsConsumer, job_id: str, polls: int = 20) -> None:
    for _ in range(polls):
        report = consumer.poll_once()
        if job_id in report.handled:
            return
    raise AssertionError(f"no result for {job_id}")


def test_sdk_round_trip_with_the_results_consumer(process: GatewayProcess, client: Client) -> None:
    # GIVEN an end-user created through the SDK (idempotently) and a job enqueued through it
    user = client.create_end_user(unique("SDK Co"), source_id="acct-sdk", idempotency_key=unique("signup"))
    assert user.qbwc_password and client.get_end_user(user.id).status == "awaiting_setup"
    customer = unique("SDK Customer")
    accepted = client.enqueue_job(user.id, job_qbxml("customer_add", name=customer), idempotency_key=unique("k"))
    assert accepted.status == "queued"
    # WHEN the Web Connector runs a session
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    result = connector(process, user.model_dump(), company).run_session()
    assert len(sent_documents(result)) == 1
    # THEN wait_for_job returns the succeeded job with QuickBooks' answer
    job = client.wait_for_job(accepted.id, timeout=20)
    assert job.status == "succeeded" and job.response_qbxml and customer in job.response_qbxml
    assert [c.name for c in company.customers()] == [customer]

    # AND a consumer whose callback fails leaves the result on the queue
    sqs, url = _results_queue(process)
    calls: list[ResultMessage] = []

    def failing(result: ResultMessage) -> None:
        raise RuntimeError("the SaaS database is down")

    seen: set[str] = set()
    broken = ResultsConsumer(sqs, url, failing, seen, wait_seconds=1)
    failed: list[str] = []
    for _ in range(20):
        failed += broken.poll_once().failed
        if accepted.id in failed:
            break
    assert accepted.id in failed and not seen
    # WHEN a working consumer polls again  THEN the callback gets the result exactly once
    consumer = ResultsConsumer(sqs, url, calls.append, seen, wait_seconds=1)
    _consume_until(consumer, accepted.id)
    assert [(c.job_id, c.status) for c in calls] == [(accepted.id, "succeeded")]
    assert calls[0].end_user_id == user.id and calls[0].schema_version == 1
    # AND a duplicate delivery of that job id is deleted without calling the callback
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(calls[0].model_dump(mode="json")),
                     MessageGroupId=user.id, MessageDeduplicationId=f"dup-{accepted.id}")
    skipped: list[str] = []
    for _ in range(10):
        skipped += consumer.poll_once().skipped
        if accepted.id in skipped:
            break
    assert accepted.id in skipped
    assert len(calls) == 1


def test_sdk_idempotent_retries_and_errors(process: GatewayProcess, client: Client) -> None:
    # GIVEN an end-user created twice with one idempotency key
    key = unique("signup").replace(" ", "-")
    first = client.create_end_user("Lakeside Hardware", idempotency_key=key)
    again = client.create_end_user("Lakeside Hardware", idempotency_key=key)
    # THEN the second call returns the first answer, password included
    assert again == first
    # AND a job enqueued twice with one key is one job
    qbxml = job_qbxml("customer_query", name="Acme")
    a = client.enqueue_job(first.id, qbxml, idempotency_key="order-1042")
    b = client.enqueue_job(first.id, qbxml, idempotency_key="order-1042")
    assert a.id == b.id and jobs_stored(process, first.id) == 1
    # AND errors arrive as QbdGatewayError with the gateway's code and both messages
    with pytest.raises(QbdGatewayError) as reused:
        client.enqueue_job(first.id, qbxml + qbxml, idempotency_key="order-1042")
    assert (reused.value.code, reused.value.http_status) == ("idempotency_key_reused", 409)
    with pytest.raises(QbdGatewayError) as missing:
        client.get_job("job_does_not_exist")
    assert missing.value.code == "job_not_found" and missing.value.user_facing_message
    with pytest.raises(QbdGatewayError) as offline:
        client.enqueue_job(first.id, qbxml, fail_if_offline=True)
    assert offline.value.http_status == 503 and offline.value.user_facing_message
    # AND a health check of a company file that never connected fails with the bookkeeper's message
    with pytest.raises(QbdGatewayError) as never:
        client.health_check(first.id)
    assert never.value.user_facing_message
    # AND a wait that runs out raises job_wait_timeout
    with pytest.raises(QbdGatewayError) as waited:
        client.wait_for_job(a.id, timeout=0.2, poll_interval=0.05)
    assert waited.value.code == "job_wait_timeout"
    # AND a wrong API key is a 401 that is not retried
    with pytest.raises(QbdGatewayError) as denied:
        Client(process.base_url, "wrong-key").get_job(a.id)
    assert denied.value.http_status == 401


def test_the_sdk_lists_every_end_user_page_by_page(process: GatewayProcess, client: Client) -> None:
    # GIVEN end-users made through the SDK (other tests of this module made some before)
    made = [client.create_end_user(unique("Listed")).id for _ in range(3)]
    # WHEN the SaaS walks them, two at a time, over real HTTP
    every = [user.id for user in client.iter_end_users(page_size=2)]
    # THEN each comes once, oldest first, the new ones last; one page says where the next begins
    assert len(every) == len(set(every)) and every[-3:] == made
    first = client.list_end_users(limit=2)
    assert [u.id for u in first.end_users] == every[:2] and first.next_cursor == every[1]
    assert client.list_end_users(limit=100, cursor=made[0]).end_users[0].id == made[1]
    with pytest.raises(QbdGatewayError) as refused:
        client.list_end_users(limit=500)
    assert refused.value.code == "invalid_request"


def test_the_async_client_creates_an_end_user_enqueues_and_waits_over_real_http(process: GatewayProcess) -> None:
    import asyncio

    from qbd_gateway_sdk import AsyncClient

    customer = unique("Async Customer")
    signup = unique("async-signup")

    async def setup() -> tuple[Any, Any, Any, list[str]]:
        async with AsyncClient(process.base_url, process.api_key, timeout=20, backoff=0.05) as client:
            name = unique("Async Co")
            user = await client.create_end_user(name, idempotency_key=signup)
            replay = await client.create_end_user(name, idempotency_key=signup)  # a retry of the same call
            accepted = await client.enqueue_job(user.id, job_qbxml("customer_add", name=customer),
                                                idempotency_key=unique("async-job"))
            listed = [u.id async for u in client.iter_end_users(page_size=3)]
            return user, replay, accepted, listed

    user, replay, accepted, listed = asyncio.run(setup())
    # THEN a replayed create gets the first answer, password included, and the listing has the end-user last
    assert replay == user and user.qbwc_password and listed[-1] == user.id
    # WHEN the Web Connector runs a session  THEN wait_for_job, awaited, returns the succeeded job
    company = CompanyFile(schema_dir=SCHEMA_DIR)
    assert len(sent_documents(connector(process, user.model_dump(), company).run_session())) == 1

    async def wait() -> Any:
        async with AsyncClient(process.base_url, process.api_key, timeout=20) as client:
            return await client.wait_for_job(accepted.id, timeout=20), await client.get_end_user(user.id)

    job, shown = asyncio.run(wait())
    assert job.status == "succeeded" and customer in (job.response_qbxml or "")
    assert shown.status == "connected" and [c.name for c in company.customers()] == [customer]


def test_auth_session_through_the_sdk(process: GatewayProcess, client: Client) -> None:
    # GIVEN an end-user  WHEN an auth-flow link is created through the SDK
    user = client.create_end_user(unique("Link Co"))
    link = client.create_auth_session(user.id, link_expiry_minutes=60)
    # THEN it names the end-user and carries a link
    assert link.end_user_id == user.id and link.auth_flow_url.startswith("http")


def test_no_retry_of_a_job_without_a_key() -> None:
    # GIVEN a gateway that is not there  WHEN a job without an idempotency key is sent
    attempts: list[str] = []

    class CountingSession:
        def request(self, method: str, url: str, **kwargs: Any) -> Any:
            import requests

            attempts.append(method)
            raise requests.ConnectionError("refused")

    client = Client("http://127.0.0.1:9", "k", retries=3, backoff=0, session=CountingSession())  # type: ignore[arg-type]
    with pytest.raises(QbdGatewayError) as failed:
        client.enqueue_job("eu_1", "<CustomerQueryRq/>")
    # THEN it was sent once and the failure is a network_error
    assert attempts == ["POST"] and failed.value.code == "network_error"
    # AND with a key, it is retried
    with pytest.raises(QbdGatewayError):
        client.enqueue_job("eu_1", "<CustomerQueryRq/>", idempotency_key="k-1")
    assert len(attempts) == 1 + 4
