"""A large sync end to end (issue "Large syncs"): 10,000 customers paged over real SOAP, with the
customer's machine going to sleep in the middle of three sessions, an iterator that expires under
the sync, and an unpaged answer too large for the deployed path.

The gateway runs as ``make run`` serves it, with a 3 s lease (so that a vanished session's file is
free again soon); the simulator plays the Web Connector and QuickBooks; pages are read from the
emulator's results FIFO queue, as the SaaS reads them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from simulator import CompanyFile, WebConnector
from tests.e2e.support import ResultInbox, connector, parse_qbxml
from tests.support.paths import SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e
LEASE_SECONDS = 3
QUERY = "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"


@pytest.fixture(scope="module")
def gateway() -> Iterator[GatewayProcess]:
    process = GatewayProcess.start(extra_env={"QBDGW_LEASE_TTL_SECONDS": str(LEASE_SECONDS),
                                              "QBDGW_SESSION_IDLE_SECONDS": "0"})
    yield process
    process.stop()


def full_names(company: CompanyFile) -> list[str]:
    """The company file's customers (active or not), in QuickBooks' list order."""
    return sorted((company.full_name(c) for c in company.customers()), key=str.casefold)


def page_text(gateway: GatewayProcess, message: dict[str, Any]) -> str:
    """The page's qbXML: inline, or from the payload bucket (a page above half the inline room)."""
    if message["response_qbxml"] is not None:
        return str(message["response_qbxml"])
    bucket, key = str(message["response_s3_uri"]).removeprefix("s3://").split("/", 1)
    return str(gateway.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))


def names(gateway: GatewayProcess, message: dict[str, Any]) -> list[str]:
    root = parse_qbxml(page_text(gateway, message))
    return [str(ret.findtext("FullName")) for ret in root.iter("CustomerRet")]


def last_page(inbox: ResultInbox, job_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every page of the job, one per cursor (SQS may deliver one twice), once the last has arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pages = [m for m in inbox.messages if m["job_id"] == job_id]
        if any(m.get("last") for m in pages):
            kept: dict[str, dict[str, Any]] = {}
            for message in pages:
                kept.setdefault(message["cursor"], message)
            return sorted(kept.values(), key=lambda m: m["page"])
        inbox.poll()
    raise AssertionError(f"the last page of {job_id} did not arrive in {timeout} s")


def paged_sync(gateway: GatewayProcess, name: str, customers: int, seed: int, page_size: int
               ) -> tuple[Gateway, CompanyFile, list[str], dict[str, Any], WebConnector]:
    """GIVEN an end-user whose company file holds ``customers``, a paged CustomerQuery accepted for it
    and the end-user's simulated Web Connector (not yet run)."""
    api = Gateway(gateway.base_url, gateway.api_key)
    user = api.create_end_user(name)
    company = CompanyFile(name, schema_dir=SCHEMA_DIR)
    company.populate(customers=customers, seed=seed)
    job = api.enqueue(user["id"], QUERY, paging={"page_size": page_size})
    return api, company, full_names(company), job, connector(gateway, user, company, noop_wait=0.05)


def test_ten_thousand_customers_arrive_once_in_order_across_three_lost_sessions(gateway: GatewayProcess) -> None:
    api, _, expected, job, wc = paged_sync(gateway, "Harbor Supply", 10_000, 11, 400)
    rng = random.Random(5)
    for _ in range(3):  # three sessions that end with the machine asleep, a few pages in
        wc.vanish_next_session(rng.randint(1, 5))
        wc.run_session()
        time.sleep(LEASE_SECONDS + 0.5)
    for _ in range(10):
        if api.job(job["id"])["status"] == "succeeded":
            break
        wc.run_session()
    pages = last_page(ResultInbox(gateway), job["id"])
    delivered = [n for page in pages for n in names(gateway, page)]
    assert delivered == expected  # every record once, in QuickBooks' order
    assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
    assert sum(1 for p in pages if p["resumed"]) == 3
    view = api.job(job["id"])
    assert view["status"] == "succeeded" and view["paging"]["records"] == 10_000
    assert view["paging"]["restarts"] == 3


def test_an_iterator_that_expires_mid_sync_is_restarted_from_the_last_record(gateway: GatewayProcess) -> None:
    api, company, expected, job, wc = paged_sync(gateway, "Lakeside Hardware", 1_200, 3, 300)
    company.expire_iterators(after=2)  # QuickBooks forgets the iterator after two pages
    for _ in range(5):
        wc.run_session()
        if api.job(job["id"])["status"] == "succeeded":
            break
    pages = last_page(ResultInbox(gateway), job["id"])
    assert [n for page in pages for n in names(gateway, page)] == expected
    assert [p["resumed"] for p in pages].count(True) == 1


@pytest.fixture(scope="module")
def roomy_gateway() -> Iterator[GatewayProcess]:
    """A gateway whose lease outlasts building and posting a 7 MB answer on a loaded machine (the 3 s lease
    of ``gateway`` may expire first, and a late answer only puts the job back in the queue)."""
    process = GatewayProcess.start(extra_env={"QBDGW_LEASE_TTL_SECONDS": "120", "QBDGW_SESSION_IDLE_SECONDS": "0"})
    yield process
    process.stop()


def test_an_unpaged_answer_too_large_for_the_deployed_path_fails_its_job_at_once(roomy_gateway: GatewayProcess
                                                                                  ) -> None:
    gateway = roomy_gateway
    api = Gateway(gateway.base_url, gateway.api_key)
    user = api.create_end_user("Big Books Ltd")
    company = CompanyFile("Big Books Ltd", schema_dir=SCHEMA_DIR)
    company.populate(customers=40_000, seed=9)
    # the caller's own MaxReturned overrides the ceiling: the whole list in one answer, ~7 MB as SOAP
    job = api.enqueue(user["id"], "<CustomerQueryRq><MaxReturned>40000</MaxReturned></CustomerQueryRq>")
    connector(gateway, user, company, noop_wait=0.05).run_session()  # it shows the fault; the update ends
    view = api.wait_job(job["id"], timeout=30)
    assert view["status"] == "failed" and view["error"]["code"] == "result_too_large"
    assert "fewer records" in view["error"]["user_facing_message"]


def test_two_thousand_invoices_arrive_once_across_lost_sessions(gateway: GatewayProcess) -> None:
    api = Gateway(gateway.base_url, gateway.api_key)
    user = api.create_end_user("Invoice Heavy Co")
    company = CompanyFile("Invoice Heavy Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=300, invoices=2_000, seed=21)
    job = api.enqueue(user["id"], "<InvoiceQueryRq><IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>",
                      paging={"page_size": 200})
    wc = connector(gateway, user, company, noop_wait=0.05)
    for after in (4, 9):  # two sessions end with the machine asleep: windows are walked again from their start
        wc.vanish_next_session(after)
        wc.run_session()
        time.sleep(LEASE_SECONDS + 0.5)
    for _ in range(10):
        if api.job(job["id"])["status"] == "succeeded":
            break
        wc.run_session()
    pages = last_page(ResultInbox(gateway), job["id"])
    delivered = [str(ret.findtext("TxnID")) for page in pages
                 for ret in parse_qbxml(page_text(gateway, page)).iter("InvoiceRet")]
    assert sorted(delivered) == sorted(invoice.txn_id for invoice in company.invoices())
    assert len(delivered) == len(set(delivered)) == 2_000
    assert api.job(job["id"])["paging"]["records"] == 2_000
