"""The SaaS REST API through ``chalice.test.Client`` on moto: contracts of DESIGN §5."""

from __future__ import annotations

import re
import uuid

import pytest
from lxml import etree

from chalicelib.wiring import Services
from tests.functional.support import Api, Aws, jobs_stored
from tests.support.paths import FIXTURES_DIR

GUID_IN_BRACES = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")
ENVELOPE_KEYS = {"type", "code", "message", "user_facing_message", "http_status", "request_id"}


def fixture(relative: str) -> str:
    return (FIXTURES_DIR / relative).read_text(encoding="utf-8")


def assert_error(response, status: int, code: str) -> dict:
    """The response is the error envelope with ``status`` and ``code``, and every contract field."""
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == "application/json"
    err = response.json_body["error"]
    assert set(err) >= ENVELOPE_KEYS
    assert (err["code"], err["http_status"]) == (code, status)
    assert err["message"] and err["user_facing_message"] and err["type"]
    assert err["request_id"]
    return err


# End-users ------------------------------------------------------------------------------------------
def test_create_end_user_shows_the_password_once(api: Api) -> None:
    # WHEN the SaaS creates an end-user
    created = api.create_end_user()
    # THEN 201 with the contract fields, the Web Connector password included
    assert {"id", "company_name", "source_id", "qbwc_username", "qbwc_password", "qwc_url",
            "created_at"} <= set(created)
    assert created["company_name"] == "Lakeside Hardware" and created["source_id"] == "acct-17"
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){6}", created["qbwc_password"])
    assert created["qwc_url"].endswith(f"/v1/end-users/{created['id']}/qwc")
    # AND reading it back shows its status, never the password
    response = api.call("GET", f"/v1/end-users/{created['id']}")
    assert response.status_code == 200
    shown = response.json_body
    assert shown["status"] == "awaiting_setup"
    assert shown["id"] == created["id"] and shown["qbwc_username"] == created["qbwc_username"]
    assert shown["source_id"] == "acct-17"
    assert "qbwc_password" not in shown
    assert created["qbwc_password"] not in response.body.decode()
    assert {"company_file", "qbxml_version", "last_heartbeat_at", "last_successful_sync_at",
            "last_error", "created_at"} <= set(shown)


def test_end_user_without_source_id_reads_back(api: Api) -> None:
    # GIVEN an end-user created with only a company name (source_id absent, stored as nothing)
    response = api.call("POST", "/v1/end-users", {"company_name": "Harbor Light"})
    assert response.status_code == 201
    # WHEN it is read back / THEN it loads, with source_id null
    shown = api.call("GET", f"/v1/end-users/{response.json_body['id']}")
    assert shown.status_code == 200
    assert shown.json_body["source_id"] is None


def test_end_users_are_listed_a_page_at_a_time_oldest_first(api: Api) -> None:
    # GIVEN five end-users, created one after the other
    made = [api.create_end_user(f"Listed Co {i}")["id"] for i in range(5)]
    # WHEN the SaaS lists them two at a time, following next_cursor
    seen: list[dict] = []
    cursor: str | None = None
    pages = 0
    while True:
        response = api.call("GET", "/v1/end-users?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.body
        page = response.json_body
        assert set(page) == {"end_users", "next_cursor"} and len(page["end_users"]) <= 2
        seen += page["end_users"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "the cursor never ends"
    # THEN every end-user comes once, in the order created, each as GET /v1/end-users/{id} shows it
    assert [user["id"] for user in seen] == made and pages >= 3
    one = api.call("GET", f"/v1/end-users/{made[2]}").json_body
    assert seen[2] == one and seen[2]["status"] == "awaiting_setup" and "qbwc_password" not in seen[2]
    # AND the default page holds all five
    assert [u["id"] for u in api.call("GET", "/v1/end-users").json_body["end_users"]] == made


@pytest.mark.parametrize(("query", "says"), [
    ("limit=0", "limit is a whole number from 1 to 100"),
    ("limit=101", "limit is a whole number from 1 to 100"),
    ("limit=two", "limit is a whole number from 1 to 100"),
    ("cursor=EU%23eu_x", "cursor is not one this API gave"),
    ("cursor=", "cursor is not one this API gave"),
    ("source_id=acct-17", "no parameter 'source_id'"),
])
def test_a_bad_end_user_list_parameter_is_400_saying_which(api: Api, query: str, says: str) -> None:
    api.create_end_user()
    err = assert_error(api.call("GET", f"/v1/end-users?{query}"), 400, "invalid_request")
    assert says in err["message"]
    assert "nothing was sent to QuickBooks" in err["user_facing_message"]


def test_qwc_download(api: Api) -> None:
    # GIVEN an end-user
    created = api.create_end_user()
    # WHEN its .qwc is downloaded
    response = api.call("GET", f"/v1/end-users/{created['id']}/qwc")
    # THEN it is a valid QBWCXML document with braced GUIDs, its user name, and no password
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert ".qwc" in response.headers["Content-Disposition"]
    root = etree.fromstring(response.body)
    assert root.tag == "QBWCXML"
    assert GUID_IN_BRACES.fullmatch(root.findtext("OwnerID"))
    assert GUID_IN_BRACES.fullmatch(root.findtext("FileID"))
    assert root.findtext("UserName") == created["qbwc_username"]
    assert root.findtext("AppURL").endswith("/qbwc")
    assert root.findtext("AppSupport").endswith("/support")
    assert created["qbwc_password"] not in response.body.decode()
    assert root.find("Password") is None


# Jobs ----------------------------------------------------------------------------------------------------
def test_enqueue_then_read_the_job(api: Api) -> None:
    # GIVEN an end-user / WHEN a job is enqueued
    end_user = api.create_end_user()
    response = api.enqueue(end_user["id"], fixture("qbxml/jobs/customer_add.xml"))
    # THEN 202 with the job's id and status
    assert response.status_code == 202, response.body
    accepted = response.json_body
    assert (accepted["end_user_id"], accepted["status"]) == (end_user["id"], "queued")
    assert accepted["id"].startswith("job_") and accepted["enqueued_at"].endswith("Z")
    # AND GET /v1/jobs/{id} shows it queued, with no result yet
    job = api.call("GET", f"/v1/jobs/{accepted['id']}")
    assert job.status_code == 200
    assert job.json_body["status"] == "queued"
    assert job.json_body["request_names"] == ["CustomerAddRq"]
    assert job.json_body["response_qbxml"] is None and job.json_body["error"] is None


def test_idempotent_replay(api: Api, aws: Aws) -> None:
    # GIVEN a job accepted under an Idempotency-Key
    end_user = api.create_end_user()
    first = api.enqueue(end_user["id"], fixture("qbxml/jobs/customer_add.xml"), key="order-991")
    # WHEN the same request is retried
    again = api.enqueue(end_user["id"], fixture("qbxml/jobs/customer_add.xml"), key="order-991")
    # THEN 200 with the same job, and one job stored
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json_body["id"] == first.json_body["id"]
    assert jobs_stored(aws, end_user["id"]) == 1


def test_idempotency_key_reused_with_another_body(api: Api, aws: Aws) -> None:
    # GIVEN a key already used / WHEN it comes with a different body / THEN 409, nothing more stored
    end_user = api.create_end_user()
    api.enqueue(end_user["id"], fixture("qbxml/jobs/customer_add.xml"), key="order-991")
    response = api.enqueue(end_user["id"], fixture("qbwc/customer_query_rq.xml"), key="order-991")
    assert_error(response, 409, "idempotency_key_reused")
    assert jobs_stored(aws, end_user["id"]) == 1


@pytest.mark.parametrize(("raw", "code"), [
    (b"{not json", "invalid_json"),
    (b"", "invalid_json"),
    (b"[1, 2]", "invalid_json"),
    (b'{"qbxml": "<CustomerQueryRq/>", "surprise": 1}', "invalid_request"),
    (b'{"qbxml": "<CustomerQueryRq/>", "deadline_seconds": 1}', "invalid_request"),
])
def test_bad_bodies_are_400(api: Api, aws: Aws, raw: bytes, code: str) -> None:
    # WHEN the body is not the contract's JSON / THEN 400 in the error envelope, nothing stored
    end_user = api.create_end_user()
    response = api.call("POST", f"/v1/end-users/{end_user['id']}/jobs", raw=raw)
    assert_error(response, 400, code)
    assert jobs_stored(aws, end_user["id"]) == 0


@pytest.mark.parametrize(("name", "code"), [
    ("malformed.xml", "invalid_qbxml"), ("not_a_request.xml", "invalid_qbxml"),
    ("customer_add_wrong_order.xml", "invalid_qbxml"), ("emoji.xml", "unsupported_characters"),
])
def test_invalid_qbxml_is_400_and_stores_nothing(api: Api, aws: Aws, name: str, code: str) -> None:
    # WHEN the qbXML would be refused by QuickBooks / THEN 400 naming the problem, nothing stored
    end_user = api.create_end_user()
    response = api.enqueue(end_user["id"], fixture(f"qbxml/jobs/{name}"), key="k-1")
    err = assert_error(response, 400, code)
    assert err["type"] == "invalid_request_error"
    assert jobs_stored(aws, end_user["id"]) == 0


# Auth and not found -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("headers", "code"), [
    ({}, "missing_api_key"),
    ({"Authorization": "Basic dXNlcjpwdw=="}, "missing_api_key"),
    ({"Authorization": "Bearer qbdgw_000000000000_not-a-real-key"}, "invalid_api_key"),
])
def test_api_key_required(api: Api, headers: dict[str, str], code: str) -> None:
    # WHEN a route is called without a valid key / THEN 401 in the error envelope, nothing created
    routes = (("POST", "/v1/end-users", {"company_name": "X"}), ("GET", "/v1/jobs/job_x", None),
              ("GET", "/v1/end-users", None))
    for method, path, body in routes:
        response = api.call(method, path, body, headers=headers, auth=False)
        assert_error(response, 401, code)


def test_not_found(api: Api) -> None:
    # WHEN an unknown end-user or job is asked for / THEN 404 with the matching code
    assert_error(api.call("GET", "/v1/end-users/eu_nobody"), 404, "end_user_not_found")
    assert_error(api.call("GET", "/v1/end-users/eu_nobody/qwc"), 404, "end_user_not_found")
    assert_error(api.enqueue("eu_nobody", fixture("qbwc/customer_query_rq.xml")), 404, "end_user_not_found")
    assert_error(api.call("GET", f"/v1/jobs/job_{uuid.uuid4().hex}"), 404, "job_not_found")


def test_health_and_support_need_no_key(api: Api, services: Services) -> None:
    # WHEN the unauthenticated pages are fetched / THEN 200
    health = api.call("GET", "/health", auth=False)
    assert health.status_code == 200
    assert health.json_body == {"status": "ok", "version": services.settings.server_version}
    support = api.call("GET", "/support", auth=False)
    assert support.status_code == 200
    assert support.headers["Content-Type"].startswith("text/html")
    assert b"Update Selected" in support.body
