"""The typed calls' service (chalicelib.api.typed) over the real queue, session service and simulated
QuickBooks, in memory: while a call waits, each pause of its wait runs one Web Connector round trip, so
what the call answers is what QuickBooks answered — or 202 when nobody polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.api.typed import MAX_WAIT_SECONDS, Reply, TypedCalls, wait_seconds
from chalicelib.errors import GatewayError
from chalicelib.jobs.models import EndUser
from simulator.quickbooks import CompanyFile
from tests.support.companies import company_with
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import make_end_user
from tests.unit.jobs.harness import LEASE_TTL, Harness


@dataclass
class WebConnector:
    """Polls while a call waits: each ``sleep`` of the call is one round trip (or a login)."""

    gw: Harness
    company: CompanyFile
    connected: bool = True
    ticket: str = ""
    first: bool = True
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if not self.connected:
            return
        if not self.ticket:
            ticket, answer = self.gw.authenticate()[:2]
            if answer in ("none", "busy", "nvu"):
                return
            self.ticket, self.first = ticket, True
        document = self.gw.send(self.ticket, first=self.first)
        self.first = False
        if document:
            self.gw.receive(self.ticket, self.company.process(document))
        else:
            self.gw.close(self.ticket)
            self.ticket = ""

    def lose_session(self) -> None:
        """The machine sleeps: QuickBooks forgets its iterators, the gateway's lease runs out."""
        self.company.close_session()
        self.gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
        self.ticket = ""


def service(company: CompanyFile | None = None, **options: Any) -> tuple[TypedCalls, WebConnector, Harness]:
    gw = Harness.build()
    wc = WebConnector(gw, company or CompanyFile("Typed Co", schema_dir=SCHEMA_DIR), **options)
    calls = TypedCalls(gw.queue, gw.store, None, gw.clock, sleep=wc.sleep, monotonic=lambda: wc.now)
    return calls, wc, gw


def create(calls: TypedCalls, gw: Harness, name: str) -> Reply:
    return calls.collection(gw.user.id, "customers", "POST", {}, {"name": name}, None, MAX_WAIT_SECONDS)


def test_a_customer_is_created_read_and_changed_and_a_stale_revision_is_409() -> None:
    calls, _, gw = service()
    created = create(calls, gw, "Harbor Plumbing")
    assert created.status == 201 and created.body["name"] == "Harbor Plumbing"
    customer = created.body
    assert customer["id"] == customer["list_id"] and customer["revision_number"]
    read = calls.member(gw.user.id, "customers", customer["id"], "GET", {}, None, None, MAX_WAIT_SECONDS)
    assert read.status == 200 and read.body["name"] == "Harbor Plumbing"
    changed = calls.member(gw.user.id, "customers", customer["id"], "POST", {},
                           {"revision_number": customer["revision_number"], "phone": "555-0100"}, None, 25)
    assert changed.status == 200 and changed.body["phone"] == "555-0100"
    with pytest.raises(GatewayError) as stale:
        calls.member(gw.user.id, "customers", customer["id"], "POST", {},
                     {"revision_number": customer["revision_number"], "phone": "555-0111"}, None, 25)
    assert stale.value.code == "stale_edit_sequence" and stale.value.http_status == 409
    assert stale.value.job_id is not None and stale.value.to_dict()["job_id"] == stale.value.job_id
    with pytest.raises(GatewayError) as missing:
        calls.member(gw.user.id, "customers", "80000000-1", "GET", {}, None, None, 25)
    assert missing.value.code == "object_not_found" and missing.value.http_status == 404
    # AND it carries the statusCode simulated QuickBooks refused the retrieve with, as the job's error does
    job = gw.store.get_job(str(missing.value.job_id))
    assert job is not None and job.error is not None and job.error["integration_code"]
    assert missing.value.integration_code == job.error["integration_code"]


def test_a_call_nobody_answers_within_its_wait_is_202_and_the_job_answers_later() -> None:
    calls, wc, gw = service(connected=False)
    accepted = create(calls, gw, "Later Ltd")
    # THEN after waiting out its 25 s, the call is 202 with where to find the job
    assert accepted.status == 202 and 24.9 < wc.now <= MAX_WAIT_SECONDS + 0.01
    job_id = accepted.body["id"]
    assert accepted.headers["Location"] == accepted.body["location"] == f"/v1/jobs/{job_id}"
    assert accepted.headers["Job-Id"] == job_id
    # AND without a wait it is 202 at once
    before = len(wc.sleeps)
    assert calls.collection(gw.user.id, "customers", "POST", {}, {"name": "Now Inc"}, None, 0).status == 202
    assert len(wc.sleeps) == before
    # WHEN the Web Connector connects, the long poll of the job gets the call's answer
    wc.connected = True
    view = calls.job(job_id, 10)
    assert view["status"] == "succeeded" and view["result"]["name"] == "Later Ltd"
    assert view["response_json"][0]["type"] == "CustomerAddRs"
    assert view["response_json"][0]["customer_ret"]["name"] == "Later Ltd"


def test_a_list_walks_by_cursor_across_lost_sessions_and_a_cursor_gives_its_page_again() -> None:
    company, names = company_with(23, name="Cursor Co")
    calls, wc, gw = service(company)

    def page(params: dict[str, str]) -> Reply:
        return calls.collection(gw.user.id, "customers", "GET", {"limit": "10", **params}, None, None, 25)

    first = page({"status": "all"})
    seen, cursors, reply = [], [], first
    while True:
        assert reply.status == 200 and reply.body["object"] == "list"
        assert len(reply.body["data"]) == min(10, len(names) - len(seen))  # a restarted page is a full page too
        seen += [c["name"] for c in reply.body["data"]]
        if not reply.body["has_more"]:
            break
        cursors.append(reply.body["next_cursor"])
        wc.lose_session()  # the next page comes in another Web Connector session
        reply = page({"cursor": reply.body["next_cursor"]})
    assert seen == names and len(cursors) == 2 and reply.body["next_cursor"] is None
    again = page({"cursor": cursors[0]})
    assert [c["name"] for c in again.body["data"]] == names[10:20]
    assert again.headers["Job-Id"] == page({"cursor": cursors[0], "limit": "5"}).headers["Job-Id"]


def test_a_cursor_only_resumes_its_own_list() -> None:
    company, _ = company_with(15, name="Cursor Co")
    calls, _, gw = service(company)
    reply = calls.collection(gw.user.id, "customers", "GET", {"limit": "10"}, None, None, 25)
    cursor = reply.body["next_cursor"]
    other: EndUser = make_end_user(id="eu_other", qbwc_username="eu_other")
    gw.store.put_end_user(other)
    for end_user, name, params in ((other.id, "customers", {}), (gw.user.id, "vendors", {}),
                                   (gw.user.id, "customers", {"name_contains": "x"})):
        with pytest.raises(GatewayError) as refused:
            calls.collection(end_user, name, "GET", {"cursor": cursor, **params}, None, None, 25)
        assert refused.value.code == "invalid_request", (end_user, name, params)
    with pytest.raises(GatewayError):
        calls.collection(gw.user.id, "customers", "GET", {"cursor": "not-a-cursor"}, None, None, 25)


def test_any_request_goes_through_requests_and_a_singleton_answers_one_object() -> None:
    calls, _, gw = service()
    answered = calls.request(gw.user.id, {"type": "CompanyQuery"}, None, 25)
    assert answered.status == 200 and answered.body["type"] == "CompanyQuery"
    assert answered.body["response"]["company_ret"]["company_name"]
    company = calls.collection(gw.user.id, "company", "GET", {}, None, None, 25)
    assert company.status == 200 and company.body["company_name"] == answered.body["response"]["company_ret"][
        "company_name"]
    added = calls.request(gw.user.id, {"type": "CustomerAddRq", "customer_add": {"name": "Typed Add"}}, None, 25)
    assert added.status == 201 and added.body["response"]["customer_ret"]["name"] == "Typed Add"


@pytest.mark.parametrize(("param", "prefer", "expected"), [
    (None, None, 25.0), (None, "respond-async", 0.0), (None, "wait=5, respond-async", 0.0), ("3", None, 3.0),
    ("0", None, 0.0), ("2.5", "respond-async", 2.5)])
def test_the_wait_is_the_parameter_else_none_when_asked_async_else_25_s(param: str | None, prefer: str | None,
                                                                        expected: float) -> None:
    assert wait_seconds(param, prefer) == expected


@pytest.mark.parametrize("param", ["-1", "26", "soon", "nan"])
def test_a_wait_outside_0_to_25_is_refused(param: str) -> None:
    with pytest.raises(GatewayError) as refused:
        wait_seconds(param, None)
    assert refused.value.code == "invalid_request"
