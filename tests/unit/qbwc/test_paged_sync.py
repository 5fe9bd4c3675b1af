"""A paged query through the session service (issue "Large syncs"): pages published one by one, the
sync resumed after lost sessions and expired iterators without a record twice or missed, health checks
between pages, other jobs after the sync."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from chalicelib.errors import GatewayError
from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, Job
from chalicelib.jobs.results import job_view
from chalicelib.jobs.states import JobStatus
from chalicelib.store.memory import MemoryStore
from simulator.quickbooks import CompanyFile
from tests.support.companies import company_with
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import qbwc_file
from tests.unit.jobs.harness import LEASE_TTL, Harness

QUERY = "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"


def names_in(response: str | None) -> list[str]:
    assert response is not None
    root = etree.fromstring(response.split("?>", 2)[-1].encode())
    return [str(e.text) for e in root.iter("Name")]


def paged(gw: Harness, size: int) -> Job:
    return gw.queue.enqueue(gw.user.id, QUERY, source="rest", paging={"page_size": size})[0]


def exchange(gw: Harness, company: CompanyFile, ticket: str, *, first: bool = False) -> tuple[str, int | None]:
    """One round trip: sendRequestXML, QuickBooks runs it, receiveResponseXML. Percent None when idle."""
    document = gw.send(ticket, first=first)
    if not document:
        return "", None
    return document, gw.receive(ticket, company.process(document))


def first_page_out(customers: int, size: int) -> tuple[Harness, CompanyFile, list[str], Job, str]:
    """GIVEN a paged query of ``customers`` in pages of ``size``, its first page answered in a session."""
    gw = Harness.build()
    company, names = company_with(customers)
    job = paged(gw, size)
    ticket = gw.open_session()
    exchange(gw, company, ticket, first=True)
    return gw, company, names, job, ticket


def pages_of(gw: Harness, job: Job) -> list[dict[str, Any]]:
    """The job's pages as a consumer keeps them: one per ``cursor`` (SQS and the SDK's consumer drop a
    re-publish, which must be the very same page)."""
    kept: dict[str, dict[str, Any]] = {}
    for message in (m for m in gw.publisher.delivered if m["job_id"] == job.id):
        first = kept.setdefault(message["cursor"], message)
        assert first == message, f"page {message['cursor']} published twice with different content"
    return list(kept.values())


def test_a_paged_query_publishes_each_page_and_settles_with_the_last() -> None:
    gw = Harness.build()
    company, names = company_with(350)
    job = paged(gw, 100)
    ticket = gw.open_session()
    percents = []
    first = True
    while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
        _, percent = exchange(gw, company, ticket, first=first)
        first = False
        percents.append(percent)
    messages = pages_of(gw, job)
    assert [(m["page"], m["records"], m["remaining"], m["last"], m["status"]) for m in messages] == [
        (1, 100, 250, False, "in_flight"), (2, 100, 150, False, "in_flight"), (3, 100, 50, False, "in_flight"),
        (4, 50, 0, True, "succeeded")]
    assert [n for m in messages for n in names_in(m["response_qbxml"])] == names
    assert [m["cursor"] for m in messages] == [f"{job.id}:{n}" for n in range(1, 5)]
    assert all(0 < p < 100 for p in percents[:-1]) and percents == sorted(percents)
    view = job_view(gw.store.get_job(job.id))  # type: ignore[arg-type]
    assert view["status"] == "succeeded"
    assert view["paging"] == {"page_size": 100, "pages": 4, "records": 350, "remaining": 0, "restarts": 0}


def test_a_sync_resumes_after_lost_sessions_without_a_record_twice_or_missed() -> None:
    gw = Harness.build()
    company, names = company_with(1_000)
    job = paged(gw, 90)
    ticket, first, lose_after = gw.open_session(), True, {2, 5, 9}
    round_trips = 0
    while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
        exchange(gw, company, ticket, first=first)
        first, round_trips = False, round_trips + 1
        if round_trips in lose_after:  # the machine sleeps: no closeConnection, QuickBooks forgets
            company.close_session()
            gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
            ticket, first = gw.open_session(), True
    messages = pages_of(gw, job)
    assert [n for m in messages for n in names_in(m["response_qbxml"])] == names
    assert [m["page"] for m in messages] == list(range(1, len(messages) + 1))
    assert [m["page"] for m in messages if m["resumed"]] == [3, 6, 10]
    assert messages[-1]["last"] and messages[-1]["status"] == "succeeded"


def test_an_expired_iterator_restarts_from_the_last_record_in_the_same_session() -> None:
    gw, company, names, job, ticket = first_page_out(300, 100)
    company.close_session()  # QuickBooks restarted under the Web Connector: the iterator is gone
    _, percent = exchange(gw, company, ticket)
    assert percent is not None and 0 < percent < 100  # 3391: noted, the next page restarts
    while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
        exchange(gw, company, ticket)
    messages = pages_of(gw, job)
    assert [n for m in messages for n in names_in(m["response_qbxml"])] == names
    # the restart asks for the boundary record too and drops it: its page is still a full page
    assert [(m["resumed"], m["records"]) for m in messages] == [(False, 100), (True, 100), (False, 100)]


def test_a_health_check_goes_between_pages_and_other_jobs_after_the_sync() -> None:
    gw, company, _, job, ticket = first_page_out(300, 100)
    other = gw.enqueue()
    check = gw.queue.enqueue(gw.user.id, qbwc_file("customer_query_rq.xml"), source="rest",
                             priority=PRIORITY_HEALTH_CHECK)[0]
    order = []
    while True:
        document, _ = exchange(gw, company, ticket)
        if not document:
            break
        order.append(next(e.get("requestID") for e in etree.fromstring(document.split("?>", 2)[-1].encode()).iter()
                          if e.get("requestID")))
    assert order == [check.id, job.id, job.id, other.id]


def test_a_query_that_cannot_be_paged_is_refused_at_once() -> None:
    gw = Harness.build()
    with pytest.raises(GatewayError) as raised:
        gw.queue.enqueue(gw.user.id, "<CompanyQueryRq/>", source="rest", paging={"page_size": 10})
    assert raised.value.code == "invalid_request" and raised.value.user_facing_message
    assert gw.store.jobs == {}


class FlakyStore(MemoryStore):
    """A memory store whose next page write (``settle_and_hand_out``) is applied and then either its
    answer is lost (``lost``) or the SDK resends it and the caller gets the resend's answer (``resent``)."""

    mode: str | None = None

    def settle_and_hand_out(self, *args: Any, **kwargs: Any) -> Any:
        mode, self.mode = self.mode, None
        out = super().settle_and_hand_out(*args, **kwargs)
        if mode == "lost":
            raise ConnectionError("injected: applied, its answer lost")
        if mode == "resent":
            return super().settle_and_hand_out(*args, **kwargs)
        return out


@pytest.mark.parametrize("mode", ["lost", "resent"])
def test_a_page_whose_write_was_applied_but_not_acknowledged_is_published_once(mode: str) -> None:
    store = FlakyStore()
    gw = Harness.build(store=store)
    company, names = company_with(250)
    job = paged(gw, 100)
    ticket = gw.open_session()
    exchange(gw, company, ticket, first=True)
    store.mode = mode  # the second page's write
    _, percent = exchange(gw, company, ticket)
    if mode == "lost":  # the Web Connector is told something went wrong; the session ends
        assert percent is not None and percent < 0
        gw.close(ticket)
        company.close_session()
        gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
        ticket = gw.open_session()
        exchange(gw, company, ticket, first=True)
    while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
        exchange(gw, company, ticket)
    messages = pages_of(gw, job)
    assert [n for m in messages for n in names_in(m["response_qbxml"])] == names
    assert sorted({m["page"] for m in messages}) == [m["page"] for m in messages]


def test_a_paged_invoice_query_is_walked_in_windows_across_lost_sessions() -> None:
    gw = Harness.build()
    company = CompanyFile("Windows Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=200, invoices=1_500, seed=8)
    job = gw.queue.enqueue(gw.user.id, "<InvoiceQueryRq/>", source="rest", paging={"page_size": 100})[0]
    ticket, first, round_trips = gw.open_session(), True, 0
    while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
        exchange(gw, company, ticket, first=first)
        first, round_trips = False, round_trips + 1
        assert round_trips < 500
        if round_trips % 9 == 0 and gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
            # the machine sleeps now and then
            company.close_session()
            gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
            ticket, first = gw.open_session(), True
    messages = pages_of(gw, job)
    delivered = [str(ret.findtext("TxnID")) for m in messages
                 for ret in etree.fromstring(str(m["response_qbxml"]).split("?>", 2)[-1].encode()).iter("InvoiceRet")]
    assert sorted(delivered) == sorted(i.txn_id for i in company.invoices()) and len(set(delivered)) == 1_500
    assert [m["last"] for m in messages] == [False] * (len(messages) - 1) + [True]
    assert messages[-1]["status"] == "succeeded" and all(m["status"] == "in_flight" for m in messages[:-1])


def one_page_at_a_time(gw: Harness, company: CompanyFile, query: str, size: int, *, lose_every: int = 0
                       ) -> list[dict[str, Any]]:
    """A REST-style walk: each job delivers one page (``max_pages`` 1) and the next job resumes from its
    cursor; with ``lose_every`` the session is lost after that many jobs (the iterator dies with it)."""
    messages: list[dict[str, Any]] = []
    resume: dict[str, object] | None = None
    ticket, first = "", True
    for number in range(1, 200):
        job = gw.queue.enqueue(gw.user.id, query, source="rest", paging={"page_size": size, "max_pages": 1},
                               resume=resume)[0]
        ticket = ticket or gw.open_session()
        while gw.store.get_job(job.id).status is JobStatus.QUEUED:  # type: ignore[union-attr]
            exchange(gw, company, ticket, first=first)
            first = False
        done = gw.store.get_job(job.id)
        assert done is not None and done.status is JobStatus.SUCCEEDED and done.paging is not None
        mine = pages_of(gw, done)
        assert len(mine) == 1 and mine[0]["last"]  # one page, the job's last
        messages += mine
        if not mine[0]["has_more"]:
            return messages
        resume = done.paging
        if lose_every and number % lose_every == 0:
            company.close_session()
            gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
            ticket, first = "", True
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("lose_every", [0, 2])
def test_jobs_of_one_page_each_resume_from_the_last_cursor_without_a_record_twice_or_missed(lose_every: int) -> None:
    gw = Harness.build()
    company, names = company_with(230)
    messages = one_page_at_a_time(gw, company, QUERY, 50, lose_every=lose_every)
    assert [n for m in messages for n in names_in(m["response_qbxml"])] == names
    assert [m["page"] for m in messages] == [1, 2, 3, 4, 5]  # pages go on counting across the jobs
    assert [m["has_more"] for m in messages] == [True] * 4 + [False]
    assert all(m["status"] == "succeeded" for m in messages)


def test_transaction_jobs_of_one_page_each_walk_every_invoice_once() -> None:
    gw = Harness.build()
    company = CompanyFile("Windows Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=50, invoices=420, seed=3)
    messages = one_page_at_a_time(gw, company, "<InvoiceQueryRq/>", 100, lose_every=3)
    delivered = [str(ret.findtext("TxnID")) for m in messages
                 for ret in etree.fromstring(str(m["response_qbxml"]).split("?>", 2)[-1].encode()).iter("InvoiceRet")]
    assert sorted(delivered) == sorted(i.txn_id for i in company.invoices()) and len(set(delivered)) == 420


def test_a_finished_query_or_another_query_cannot_be_resumed() -> None:
    gw = Harness.build()
    company, _ = company_with(30)
    messages = one_page_at_a_time(gw, company, QUERY, 50)
    finished = gw.store.get_job(messages[-1]["job_id"])
    assert finished is not None and finished.paging is not None
    with pytest.raises(GatewayError) as refused:
        gw.queue.enqueue(gw.user.id, QUERY, source="rest", paging={"page_size": 10, "max_pages": 1},
                         resume=finished.paging)
    assert refused.value.code == "invalid_request"
    with pytest.raises(GatewayError):  # a list cursor does not resume a transaction walk
        gw.queue.enqueue(gw.user.id, "<InvoiceQueryRq/>", source="rest", paging={"page_size": 10},
                         resume={**finished.paging, "finished": False})
