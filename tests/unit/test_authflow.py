"""The auth flow (``POST /v1/auth-sessions``, ``/connect/{token}``…), in process: routes through
``chalice.test.Client`` on an in-memory store, a fake clock, and the real Web Connector session service
driven call by call as QBWC would (no network).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape

import pytest
from chalice.test import Client

import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.jobs.security import verify_secret
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.store.memory import MemoryStore
from chalicelib.wiring import Services
from tests.support.paths import FIXTURES_DIR, REPO_DIR, SCHEMA_DIR
from tests.unit.jobs.fakes import FakeClock, FakeSecretBox, RecordingPublisher

BASE = "https://gateway.example.com"
COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Lakeside Hardware.QBW"
PASSWORD_INPUT = re.compile(r'id="password"[^>]*value="([^"]+)"')


@dataclass
class World:
    services: Services
    store: MemoryStore
    clock: FakeClock
    http: Client
    api_key: str

    def post(self, path: str, body: Any, *, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return self.http.http.post(path, headers=headers, body=json.dumps(body))

    def get(self, path: str) -> Any:
        return self.http.http.get(path)

    def end_user(self, name: str = "Lakeside Hardware") -> dict[str, Any]:
        response = self.post("/v1/end-users", {"company_name": name})
        assert response.status_code == 201, response.body
        return dict(response.json_body)

    def link(self, end_user_id: str, **extra: Any) -> dict[str, Any]:
        response = self.post("/v1/auth-sessions", {"end_user_id": end_user_id, **extra})
        assert response.status_code == 201, response.body
        return dict(response.json_body)

    def page(self, link: dict[str, Any]) -> Any:
        return self.get(path_of(link))

    def status(self, link: dict[str, Any]) -> dict[str, Any]:
        response = self.get(f"{path_of(link)}/status")
        assert response.status_code == 200, response.body
        return dict(response.json_body)

    # The Web Connector's side (QBWC's calls, in its order) -------------------------------------------------
    def authenticate(self, user: dict[str, Any], password: str) -> list[str]:
        result = self.services.qbwc.dispatch(c.Authenticate(user["qbwc_username"], password))
        assert isinstance(result, list)
        return result

    def update(self, user: dict[str, Any], password: str, *, company: str = "Lakeside Hardware",
               hresult: str | None = None) -> None:
        """One "Update Selected": open the company file (or fail with ``hresult``) and answer every request."""
        ticket, answer = self.authenticate(user, password)[:2]
        if answer in ("nvu", "none", "busy"):
            return
        if hresult is not None:
            while self.services.qbwc.dispatch(c.QbwcConnectionError(ticket, hresult, "opening failed")) != "done":
                pass
            return
        hcp = (FIXTURES_DIR / "qbwc" / "hcp_qb2014.xml").read_text(encoding="utf-8")
        request = self.services.qbwc.dispatch(c.SendRequestXML(ticket, hcp, COMPANY_FILE, "US", 13, 0))
        while isinstance(request, str) and "CompanyQueryRq" in request:
            request_id = re.search(r'requestID="([^"]+)"', request)
            assert request_id is not None
            response = (FIXTURES_DIR / "authflow" / "company_query_rs.xml").read_text(encoding="utf-8")
            response = response.replace("{request_id}", request_id.group(1)).replace("{company_name}", escape(company))
            self.services.qbwc.dispatch(c.ReceiveResponseXML(ticket, response, "", ""))
            request = self.services.qbwc.dispatch(c.SendRequestXML(ticket, "", COMPANY_FILE, "US", 13, 0))
        self.services.qbwc.dispatch(c.CloseConnection(ticket))


def path_of(link: dict[str, Any]) -> str:
    assert link["auth_flow_url"].startswith(f"{BASE}/connect/")
    return str(link["auth_flow_url"])[len(BASE):]


def token_of(link: dict[str, Any]) -> str:
    return path_of(link).rsplit("/", 1)[1]


def password_on(page: Any) -> str:
    match = PASSWORD_INPUT.search(page.body.decode("utf-8"))
    assert match is not None, "no password on the page"
    return match.group(1)


@pytest.fixture
def world() -> Iterator[World]:
    store, clock = MemoryStore(), FakeClock()
    settings = Settings(stage="test", app_name="Acme Books", schema_dir=SCHEMA_DIR, public_base_url=BASE,
                        session_idle_seconds=0, qwc_poll_seconds=20, offline_grace_seconds=30)
    built = wiring.build(settings, store=store, publisher=RecordingPublisher(store=store), clock=clock,
                         clients={"sqs": object(), "dynamodb": object()}, secrets=FakeSecretBox())
    wiring.reset(built)
    _record, key = built.auth.create("unit tests")
    with Client(app.app) as http:
        yield World(built, store, clock, http, key)
    wiring.reset(None)


# Creating a link ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("minutes", "status"), [(14, 400), (15, 201), (10080, 201), (10081, 400)])
def test_link_expiry_is_bounded_to_15_minutes_through_7_days(world: World, minutes: int, status: int) -> None:
    # GIVEN an end-user
    user = world.end_user()
    # WHEN a link is asked for with this expiry
    response = world.post("/v1/auth-sessions", {"end_user_id": user["id"], "link_expiry_minutes": minutes})
    # THEN the bounds hold; an accepted link expires exactly that much later
    assert response.status_code == status, response.body
    if status == 201:
        assert response.json_body["expires_at"].startswith((world.clock() + timedelta(minutes=minutes))
                                                            .strftime("%Y-%m-%dT%H:%M"))
    else:
        assert response.json_body["error"]["code"] == "invalid_request"
        assert "link_expiry_minutes" in response.json_body["error"]["message"]


def test_a_link_expires_after_30_minutes_by_default_and_needs_the_api_key(world: World) -> None:
    # GIVEN an end-user
    user = world.end_user()
    # WHEN a link is asked for without an expiry, and once without the API key
    link = world.link(user["id"])
    refused = world.post("/v1/auth-sessions", {"end_user_id": user["id"]}, auth=False)
    # THEN it lasts 30 minutes; without the key nothing is created
    assert link["expires_at"].startswith((world.clock() + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    assert set(link) == {"id", "end_user_id", "auth_flow_url", "expires_at"}
    assert refused.status_code == 401
    assert len(world.store.auth_sessions) == 1


@pytest.mark.parametrize(("body", "code"), [
    ({"end_user_id": "eu_nobody"}, "end_user_not_found"),
    ({"end_user_id": "EU", "redirect_url": "javascript:alert(1)"}, "invalid_request"),
    ({"end_user_id": "EU", "redirect_url": "/relative"}, "invalid_request"),
    ({"end_user_id": "EU", "color": "blue"}, "invalid_request"),
])
def test_a_bad_request_is_refused_with_the_error_envelope(world: World, body: dict[str, Any], code: str) -> None:
    # GIVEN an end-user, and a body naming it (or nobody), with one thing wrong
    user = world.end_user()
    body = {k: (user["id"] if v == "EU" else v) for k, v in body.items()}
    # WHEN it is posted
    response = world.post("/v1/auth-sessions", body)
    # THEN it is refused with the catalog code, and no link exists
    assert response.json_body["error"]["code"] == code
    assert not world.store.auth_sessions


def test_the_link_token_is_stored_only_as_its_sha256(world: World) -> None:
    # GIVEN a new link
    link = world.link(world.end_user()["id"])
    token = token_of(link)
    # WHEN the store is read
    (stored,) = world.store.auth_sessions.values()
    # THEN it is keyed by the token's SHA-256; the token itself is nowhere in the record, nor in the id
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored) and token not in json.dumps(stored.__dict__, default=str)
    assert token not in link["id"] and link["id"].startswith("as_")
    assert len(token) >= 43  # 256 random bits


# The password -----------------------------------------------------------------------------------------------
def test_a_link_gives_the_end_user_a_new_password_shown_only_on_the_live_page(world: World) -> None:
    # GIVEN an end-user and its first password
    user = world.end_user()
    old_password = user["qbwc_password"]
    # WHEN a link is created and its page opened
    link = world.link(user["id"])
    page = world.page(link)
    # THEN the page shows a new password, pending on the end-user beside the old one, which still works;
    # the creation response never held it, and the session stores it only sealed
    password = password_on(page)
    stored = world.store.get_end_user(user["id"])
    assert stored is not None and stored.pending_password_hash is not None
    assert password != old_password
    assert verify_secret(password, stored.pending_password_hash)
    assert verify_secret(old_password, stored.password_hash)
    assert password not in json.dumps(link)
    (session,) = world.store.auth_sessions.values()
    assert password not in repr(dataclasses.asdict(session)) and session.sealed_password
    assert world.authenticate(user, old_password)[1] != "nvu"  # a link never breaks a connection that works
    # WHEN the Web Connector logs in with the new password THEN it replaces the old one
    world.authenticate(user, password)
    stored = world.store.get_end_user(user["id"])
    assert stored is not None and stored.pending_password_hash is None
    assert verify_secret(password, stored.password_hash)
    assert world.authenticate(user, old_password)[1] == "nvu"
    assert world.page(link).status_code == 200  # the link's password is the end-user's now


def test_a_sealed_password_opens_for_its_own_link_only(world: World) -> None:
    # GIVEN two links of two end-users
    first, second = world.link(world.end_user()["id"]), world.link(world.end_user("Harbor Dental")["id"])
    sessions = list(world.store.auth_sessions.values())
    one, two = (next(s for s in sessions if s.end_user_id == link["end_user_id"]) for link in (first, second))
    # WHEN the first one's sealed password is copied onto the second one
    world.store.update_auth_session(two.token_hash, {"sealed_password": one.sealed_password})
    # THEN the second page shows no password (it does not open there); the first still does
    assert world.page(second).status_code == 200 and not PASSWORD_INPUT.search(world.page(second).body.decode())
    assert password_on(world.page(first))


def test_an_expired_link_shows_its_page_without_the_password(world: World) -> None:
    # GIVEN a 15-minute link whose page showed the password
    link = world.link(world.end_user()["id"], link_expiry_minutes=15)
    password = password_on(world.page(link))
    # WHEN 15 minutes pass
    world.clock.advance(minutes=15)
    page, qwc, status = world.page(link), world.get(f"{path_of(link)}/qwc"), world.get(f"{path_of(link)}/status")
    # THEN the page says the link expired (410, HTML) and holds no password; nor do the other routes
    text = page.body.decode("utf-8")
    assert page.status_code == 410 and page.headers["Content-Type"].startswith("text/html")
    assert "This link has expired" in text and "Acme Books" in text
    assert password not in text and 'id="password"' not in text
    assert qwc.status_code == 410 and b"<QBWCXML>" not in qwc.body
    assert status.status_code == 410 and status.json_body["error"]["code"] == "auth_link_expired"


def test_a_newer_link_replaces_the_older_one(world: World) -> None:
    # GIVEN an end-user with a link
    user = world.end_user()
    first = world.link(user["id"])
    first_password = password_on(world.page(first))
    # WHEN a second link is created
    second = world.link(user["id"])
    # THEN the first link shows the expired page (its password is no longer the end-user's); the second works
    old_page = world.page(first)
    assert old_page.status_code == 410
    assert first_password not in old_page.body.decode("utf-8")
    assert password_on(world.page(second)) != first_password



def test_an_older_link_whose_password_the_web_connector_uses_lives_until_the_newer_one_is_used(
        world: World) -> None:
    # GIVEN a link whose password the Web Connector logged in with (QuickBooks had the wrong file open)
    user = world.end_user()
    first = world.link(user["id"])
    first_password = password_on(world.page(first))
    world.update(user, first_password, hresult="0x8004040A")
    # WHEN a newer link is created THEN the older one still shows its page: its password is the end-user's
    # current one, which keeps working until the Web Connector first logs in with the newer one
    second = world.link(user["id"])
    assert world.page(first).status_code == 200 and password_on(world.page(first)) == first_password
    # WHEN the Web Connector logs in with the newer link's password THEN the older link shows "expired"
    world.clock.advance(minutes=1)
    world.update(user, password_on(world.page(second)))
    assert world.page(first).status_code == 410
    # AND the README says exactly that, not that any newer link expires an older one at once
    readme = " ".join((REPO_DIR / "README.md").read_text(encoding="utf-8").split())
    assert 'a newer link makes an older one show its "expired" page)' not in readme
    assert ("a newer link makes an older one show its \"expired\" page once the Web Connector is not using "
            "the older one's password") in readme

@pytest.mark.parametrize("token", ["A" * 43, "short", "bad token with spaces", "%3Cscript%3E"])
def test_an_unknown_link_shows_a_not_found_page_not_an_error_dump(world: World, token: str) -> None:
    # GIVEN no link with this token / WHEN its page, .qwc and status are asked for
    page, qwc, status = (world.get(f"/connect/{token}"), world.get(f"/connect/{token}/qwc"),
                         world.get(f"/connect/{token}/status"))
    # THEN the pages are friendly HTML 404s; the status route answers the JSON envelope
    for response in (page, qwc):
        text = response.body.decode("utf-8")
        assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
        assert "This link is not valid" in text and "Traceback" not in text and '"error"' not in text
    assert status.status_code == 404 and status.json_body["error"]["code"] == "auth_link_not_found"


# What the page shows -----------------------------------------------------------------------------------------
def test_the_page_escapes_html_in_company_names(world: World) -> None:
    # GIVEN an end-user whose names (the SaaS's and QuickBooks') are markup
    evil = '<script>alert("x")</script> & Co'
    user = world.end_user(evil)
    link = world.link(user["id"], redirect_url='https://app.example.com/back?a=1&b="2"')
    password = password_on(world.page(link))
    world.update(user, password, company=evil)  # the first update runs the link's check: QuickBooks answers
    # WHEN the page is rendered, connected
    text = world.page(link).body.decode("utf-8")
    # THEN the names appear escaped only; no markup from them reaches the page
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in text
    assert 'href="https://app.example.com/back?a=1&amp;b=&quot;2&quot;"' in text
    assert world.status(link)["company_name"] == evil  # JSON for the script, which sets textContent


def test_the_page_shows_only_its_own_end_users_data(world: World) -> None:
    # GIVEN two end-users, each with a link, one of them connected
    mine, other = world.end_user("Lakeside Hardware"), world.end_user("Harbor Dental Group")
    my_link, other_link = world.link(mine["id"]), world.link(other["id"])
    other_password = password_on(world.page(other_link))
    world.update(other, other_password, company="Harbor Dental Group")
    world.status(other_link)
    world.update(other, other_password, company="Harbor Dental Group")
    assert world.status(other_link)["state"] == "connected"
    # WHEN my page, .qwc and status are read
    texts = [world.page(my_link).body.decode("utf-8"), world.get(f"{path_of(my_link)}/qwc").body.decode("utf-8"),
             json.dumps(world.status(my_link))]
    # THEN none holds anything of the other end-user; mine is there
    for text in texts:
        for secret in (other["id"], "Harbor Dental", other_password, token_of(other_link)):
            assert secret not in text
    assert "Lakeside Hardware" in texts[0] and mine["id"] in texts[1]


def test_the_qwc_download_is_the_end_users_without_a_password(world: World) -> None:
    # GIVEN a link
    user = world.end_user()
    link = world.link(user["id"])
    password = password_on(world.page(link))
    # WHEN its .qwc is downloaded
    response = world.get(f"{path_of(link)}/qwc")
    # THEN it is an attachment naming the end-user, pointing at the gateway, with no password inside
    text = response.body.decode("utf-8")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert f"<UserName>{user['qbwc_username']}</UserName>" in text
    assert f"<AppURL>{BASE}/qbwc</AppURL>" in text
    assert password not in text


def test_viewing_the_page_is_logged_without_the_token_or_password(world: World,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN a link
    user = world.end_user()
    link = world.link(user["id"])
    # WHEN its page is viewed
    with caplog.at_level(logging.INFO):
        password = password_on(world.page(link))
    # THEN the view is logged with the end-user's id; neither the token nor the password is in any record
    views = [r for r in caplog.records if r.getMessage() == "auth page viewed"]
    assert [getattr(r, "end_user_id", None) for r in views] == [user["id"]]
    everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert token_of(link) not in everything and password not in everything
    (stored,) = world.store.auth_sessions.values()
    assert stored.viewed_at == world.clock()


# Progress ---------------------------------------------------------------------------------------------------
def test_progress_goes_from_waiting_to_connected_through_a_real_health_check(world: World) -> None:
    # GIVEN a fresh link and its page
    user = world.end_user()
    link = world.link(user["id"], redirect_url="https://app.example.com/done")
    password = password_on(world.page(link))
    # THEN until the Web Connector calls, the page waits for it; the link's health check (a CompanyQuery
    # ahead of the queue) is already queued, so that the first update finds work
    assert world.status(link) == {"state": "waiting", "phase": "web_connector", "company_name": None,
                                        "user_facing_message": None, "code": None, "step": None,
                                        "step_title": None}
    (stored,) = world.store.auth_sessions.values()
    job = world.store.get_job_at(user["id"], stored.check_job_seq or -1)
    assert job is not None and job.status is JobStatus.QUEUED and job.source == "health_check"
    assert job.deadline_at == stored.expires_at
    # WHEN the bookkeeper's first Update Selected runs, with the page's password
    world.update(user, password, company="Lakeside Hardware LLC")
    # THEN the page is connected at once, names the company QuickBooks reported, offers the way back,
    # hides the password
    assert world.status(link)["state"] == "connected"
    assert world.status(link)["company_name"] == "Lakeside Hardware LLC"
    page = world.page(link).body.decode("utf-8")
    assert 'data-state="connected"' in page and 'href="https://app.example.com/done"' in page
    assert password not in page
    (stored,) = world.store.auth_sessions.values()
    assert stored.connected_at is not None
    done = world.store.get_job_at(user["id"], stored.check_job_seq or -1)
    assert done is not None and done.id == job.id and done.status is JobStatus.SUCCEEDED


def test_a_wrong_password_sends_the_bookkeeper_back_to_step_4_until_the_right_one_is_used(world: World) -> None:
    # GIVEN a link whose password the bookkeeper mistyped
    user = world.end_user()
    link = world.link(user["id"])
    password = password_on(world.page(link))
    world.clock.advance(seconds=1)
    world.authenticate(user, "WRONG-PASS-WORD-0000")
    # WHEN the page asks THEN it fails at step 4 with the catalog's message for the bookkeeper
    status = world.status(link)
    assert (status["state"], status["code"], status["step"]) == ("failed", "bad_web_connector_password", 4)
    assert status["user_facing_message"]
    page = world.page(link).body.decode("utf-8")
    assert '<li id="step-4" class="repeat">' in page and "Repeat step 4" in page
    # WHEN the right password is entered THEN that update runs the link's check: connected
    world.clock.advance(seconds=1)
    world.update(user, password)
    assert world.status(link)["state"] == "connected"


def test_a_dialog_in_quickbooks_shows_its_message_and_the_step_to_repeat(world: World) -> None:
    # GIVEN a link, its health check queued
    user = world.end_user()
    link = world.link(user["id"])
    password = password_on(world.page(link))
    # WHEN the first update cannot open QuickBooks: a dialog is open (HRESULT 0x80040414)
    world.clock.advance(seconds=20)
    world.update(user, password, hresult="0x80040414")
    # THEN the page shows the dialog's message and sends the bookkeeper back to step 2; the check is withdrawn
    status = world.status(link)
    assert (status["state"], status["code"], status["step"]) == ("failed", "quickbooks_dialog_open", 2)
    assert "dialog" in status["user_facing_message"].lower() or "window" in status["user_facing_message"].lower()
    (stored,) = world.store.auth_sessions.values()
    job = world.store.get_job_at(user["id"], stored.check_job_seq or -1)
    assert job is not None and job.status is JobStatus.CANCELLED
    # WHEN the Web Connector calls again, and then QuickBooks answers
    world.clock.advance(seconds=20)
    world.update(user, password)
    assert world.status(link)["state"] == "failed"  # still shown while the new check starts
    assert world.status(link)["state"] == "waiting"
    world.update(user, password)
    # THEN the page is connected
    assert world.status(link)["state"] == "connected"
