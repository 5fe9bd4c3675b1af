"""The auth-flow page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

One gateway for the module, as ``make run`` serves it (moto inside), with a ``.qwc`` schedule of 2 s.
The SaaS creates an end-user and a link over REST; the bookkeeper's browser opens the page, downloads
the ``.qwc`` and reads the password off the page; the simulated Web Connector then connects with that
password while the page is open, and the page's own script reports the progress. Screenshots of each
step land in ``var/screenshots/auth-flow/`` for people to look at. The time from clicking "Download the
.qwc file" to the page showing "Connected" is printed (run with ``-s``), never asserted.

Chromium is required, not optional: without it these tests fail (CI installs it, ``.ci/run``). Set
``QBDGW_CHROMIUM`` to use another binary. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from chalicelib.catalog import spec_for_hresult
from simulator import CompanyFile, WebConnector
from simulator.sessions import SessionOutcome
from tests.e2e.support import unique
from tests.support.paths import REPO_DIR, SCHEMA_DIR
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("QBDGW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO_DIR / "var" / "screenshots" / "auth-flow"
APP_NAME = "Acme Books"
RUN_EVERY_SECONDS = 2
WAIT_MS = 60_000
DIALOG_OPEN = "0x80040414"
_shots = iter(range(1, 100))


@pytest.fixture(scope="module")
def process() -> Iterator[GatewayProcess]:
    gateway = GatewayProcess.start(session_idle=3, extra_env={
        "QBDGW_QWC_RUN_EVERY_SECONDS": str(RUN_EVERY_SECONDS), "QBDGW_OFFLINE_GRACE_SECONDS": "10",
        "QBDGW_APP_NAME": APP_NAME})
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium (see .ci/run)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    yield ctx
    ctx.close()


def shot(page: Page, name: str, selector: str | None = None) -> Path:
    """Write ``NN-name.png``: the whole page, or one element of it."""
    path = SCREENSHOTS / f"{next(_shots):02d}-{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def create_link(api: Gateway, end_user_id: str, **extra: Any) -> dict[str, Any]:
    response = api.request("POST", "/v1/auth-sessions", json_body={"end_user_id": end_user_id, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


class Connector:
    """The simulated Web Connector on its schedule in a thread, with the password read off the page."""

    def __init__(self, process: GatewayProcess, user: dict[str, Any], password: str, company: CompanyFile) -> None:
        self.web_connector = WebConnector(f"{process.base_url}/qbwc", user["qbwc_username"], password, company,
                                          noop_wait=0.2, max_noops=200)
        self.thread = threading.Thread(target=self.web_connector.run_forever, args=(1,), daemon=True)

    def __enter__(self) -> Connector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.web_connector.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


def test_the_bookkeeper_connects_while_the_page_is_open(process: GatewayProcess, api: Gateway,
                                                        context: BrowserContext, tmp_path: Path) -> None:
    # GIVEN an end-user and a link created over REST, with a way back to the SaaS
    user = api.create_end_user(unique("Lakeside Hardware"))
    back = "https://app.example.com/settings/quickbooks?connected=1"
    link = create_link(api, user["id"], redirect_url=back)
    page = context.new_page()
    # WHEN the bookkeeper opens it
    response = page.goto(link["auth_flow_url"])
    assert response is not None and response.status == 200
    # THEN the page walks through the five steps, waiting for the Web Connector
    shot(page, "page-opened")
    for step in range(1, 6):
        shot(page, f"step-{step}", f"#step-{step}")
    assert page.locator("#progress").get_attribute("data-state") == "waiting"
    assert "Waiting for the Web Connector" in page.inner_text("#state-text")
    assert user["company_name"] in page.inner_text("#step-1")
    assert "Yes, always; allow access even if QuickBooks is not running" in page.inner_text("#step-3")

    # WHEN the .qwc is downloaded
    with page.expect_download() as started:
        page.click("#download-qwc")
        clicked = time.monotonic()
    download = started.value
    qwc = tmp_path / download.suggested_filename
    download.save_as(str(qwc))
    # THEN it is a valid .qwc for this end-user, with no password in it
    root = etree.parse(str(qwc), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.tag == "QBWCXML"
    assert root.findtext("UserName") == user["qbwc_username"]
    assert root.findtext("AppURL") == f"{process.base_url.replace('127.0.0.1', 'localhost')}/qbwc"
    assert root.find("FileID") is not None and root.find("OwnerID") is not None
    password = page.input_value("#password")
    assert password and password not in qwc.read_text(encoding="utf-8")
    assert password != user["qbwc_password"]  # the link gave the end-user a new one

    # WHEN the password is copied with the page's button
    page.click("#copy-password")
    expect(page.locator("#copy-result")).to_have_text("Copied.", timeout=5_000)  # no eval: the page's CSP forbids it
    shot(page, "password-copied", "#step-4")
    assert page.evaluate("navigator.clipboard.readText()") == password

    # AND the bookkeeper clicks Update Selected ONCE in the Web Connector, with that password, while the
    # page is open (the link queued its health check: the first update finds work)
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    single = WebConnector(f"{process.base_url}/qbwc", user["qbwc_username"], password, company, noop_wait=0.2,
                          max_noops=3)
    session = single.run_session()
    page.wait_for_selector('#progress[data-state="connected"]', timeout=WAIT_MS)
    connected = time.monotonic()
    assert session.outcome not in (SessionOutcome.NO_WORK, SessionOutcome.INVALID_USER), session
    assert session.requests_processed >= 1  # the first update ran the check: no second click needed
    # THEN the page says so, names the company QuickBooks reported, and offers the way back
    shot(page, "connected")
    shot(page, "connected-progress", "#step-5")
    print(f"\n[auth-flow] download .qwc -> connected in the browser: {connected - clicked:.1f} s "
          f"(one Update Selected; the page polls every 2 s)")
    assert page.inner_text("#state-text") == "Connected"
    assert page.inner_text("#company") == company.name
    assert page.get_attribute("#redirect", "href") == back
    assert page.is_visible("#redirect") and not page.is_visible("#password-block")
    assert any(e.name == "CompanyQueryRq" for e in company.executions)  # a real round trip proved it
    # AND reloaded, the connected page no longer shows the password
    page.reload()
    assert page.locator("#progress").get_attribute("data-state") == "connected"
    assert password not in page.content()


def test_a_dialog_in_quickbooks_shows_its_message_and_the_step_to_repeat(process: GatewayProcess, api: Gateway,
                                                                        context: BrowserContext) -> None:
    # GIVEN a link open in the browser, and QuickBooks blocked by a dialog
    user = api.create_end_user(unique("Harbor Dental"))
    link = create_link(api, user["id"])
    page = context.new_page()
    page.goto(link["auth_flow_url"])
    password = page.input_value("#password")
    company = CompanyFile(user["company_name"], schema_dir=SCHEMA_DIR)
    company.set_condition("dialog_open")
    with Connector(process, user, password, company):
        # WHEN the Web Connector calls and cannot open the company file
        page.wait_for_selector('#progress[data-state="failed"]', timeout=WAIT_MS)
        # THEN the page shows the dialog's message for the bookkeeper, and which step to repeat
        shot(page, "failed-dialog-open")
        assert page.inner_text("#failure-message") == spec_for_hresult(DIALOG_OPEN).user_facing_message
        assert page.inner_text("#failure-step").startswith("Repeat step 2:")
        assert page.get_attribute("#step-2", "class") == "repeat"
        # WHEN the dialog is closed
        company.set_condition(None)
        page.wait_for_selector('#progress[data-state="connected"]', timeout=WAIT_MS)
    # THEN the page reaches "connected" and the failure is gone
    shot(page, "connected-after-dialog-closed", "#step-5")
    assert not page.is_visible("#failure")
    assert page.get_attribute("#step-2", "class") in ("", None)


def test_an_expired_link_and_an_unknown_link_show_their_pages(process: GatewayProcess, api: Gateway,
                                                             context: BrowserContext) -> None:
    # GIVEN a link whose expiry has passed (set in the table: no caller can ask for less than 15 minutes)
    user = api.create_end_user(unique("Granite Freight"))
    link = create_link(api, user["id"], link_expiry_minutes=15)
    token = link["auth_flow_url"].rsplit("/", 1)[1]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    process.client("dynamodb").update_item(
        TableName=process.env["QBDGW_TABLE"],
        Key={"pk": {"S": f"AUTH#{hashlib.sha256(token.encode()).hexdigest()}"}, "sk": {"S": "SESSION"}},
        UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"S": past}},
        ConditionExpression="attribute_exists(pk)")
    page = context.new_page()
    # WHEN the bookkeeper opens it
    response = page.goto(link["auth_flow_url"])
    # THEN a clear page says it expired and whom to ask; no password, no error dump
    shot(page, "expired-link")
    assert response is not None and response.status == 410
    assert page.inner_text("h1") == "This link has expired"
    assert APP_NAME in page.inner_text("body")
    assert page.locator("#password").count() == 0
    # WHEN a link nobody created is opened
    response = page.goto(f"{link['auth_flow_url'].rsplit('/', 1)[0]}/{'x' * 43}")
    # THEN a not-found page, not JSON
    shot(page, "unknown-link")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "This link is not valid"
    assert response.headers["content-type"].startswith("text/html")
