"""Large answers end to end: a QuickBooks answer over the inline limit lands in the emulator's S3, and
both ``GET /v1/jobs/{id}`` and the SQS result message point at it instead of carrying it.

The gateway runs as ``make run`` serves it, with ``QBDGW_INLINE_RESULT_MAX_BYTES=300`` so that an
ordinary CustomerQuery answer is "large"; the payload bucket is the one the local stack created.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator import CompanyFile
from tests.e2e.support import ResultInbox, connector, job_qbxml, parse_qbxml, unique
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

INLINE_LIMIT = 300


@pytest.fixture(scope="module")
def small_inline_gateway() -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(extra_env={"QBDGW_INLINE_RESULT_MAX_BYTES": str(INLINE_LIMIT)})
    yield process
    process.stop()


def test_a_large_customer_query_answer_is_offloaded_to_s3(small_inline_gateway: GatewayProcess) -> None:
    # GIVEN an end-user with a CustomerAdd and a CustomerQuery for that customer queued over REST
    process = small_inline_gateway
    api = Gateway(process.base_url, process.api_key)
    user = api.create_end_user("Lakeside Hardware")
    customer = unique("Harbor Plumbing")
    api.enqueue(user["id"], job_qbxml("customer_add", name=customer))
    query_id = api.enqueue(user["id"], job_qbxml("customer_query", name=customer))["id"]
    # WHEN the simulated Web Connector runs one update against the company file
    company = CompanyFile("Lakeside Hardware", schema_dir=SCHEMA_DIR)
    connector(process, user, company, noop_wait=0.1).run_session()
    # THEN the job succeeded and points at S3 instead of carrying the answer
    job = api.wait_job(query_id)
    assert job["status"] == "succeeded", job
    assert job["response_qbxml"] is None
    bucket = process.env["QBDGW_PAYLOAD_BUCKET"]
    uri = f"s3://{bucket}/results/{user['id']}/{query_id}.xml"
    assert job["response_s3_uri"] == uri
    # AND the SQS result message carries the same pointer
    (message,) = ResultInbox(process).wait_for([query_id])
    assert (message["status"], message["response_qbxml"], message["response_s3_uri"]) == ("succeeded", None, uri)
    # AND the object in S3 is QuickBooks' answer: XML, over the inline limit, naming the customer
    obj = process.client("s3").get_object(Bucket=bucket, Key=f"results/{user['id']}/{query_id}.xml")
    assert obj["ContentType"] == "application/xml"
    answer = obj["Body"].read().decode("utf-8")
    assert len(answer) > INLINE_LIMIT
    root = parse_qbxml(answer)
    ret = root.find("QBXMLMsgsRs/CustomerQueryRs")
    assert ret is not None and ret.get("requestID") == query_id and ret.get("statusCode") == "0"
    assert root.findtext("QBXMLMsgsRs/CustomerQueryRs/CustomerRet/FullName") == customer
