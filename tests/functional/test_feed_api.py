"""The change feed through the REST API, the scheduled sweeper and the SOAP path, in process on moto (the
subscriptions in the table through DynamoFeedStore), with the simulated company file as QuickBooks: a
person adds, edits and deletes customers between catch-ups; each change reaches the results queue once,
as a change event, and a webhook endpoint of kind ``change`` receives it signed; the CLI subscribes and
lists; bad input is refused with the error envelope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest
from chalice.test import Client
from click.testing import CliRunner
from qbd_gateway_sdk.webhooks import verify as sdk_verify

import app
from chalicelib import wiring
from chalicelib.wiring import Services
from simulator.quickbooks import CompanyFile
from tests.functional.support import Api, Aws, Receiver, drain, gateway_with_webhooks, soap_request, soap_result
from tests.functional.test_webhooks_api import Clock, consume
from tests.support.paths import FIXTURES_DIR, SCHEMA_DIR

EASTERN = timezone(timedelta(hours=-5))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(aws: Aws, clock: Clock) -> Iterator[Services]:
    """GIVEN the gateway of the local stage (webhooks on) on moto, its clock the test's, pages of two."""
    yield gateway_with_webhooks(aws, clock, "qbd-gateway-webhooks-feed", feed_page_size=2)
    wiring.reset(None)


@pytest.fixture
def api(gateway: Services) -> Iterator[Api]:
    with Client(app.app) as client:
        _record, key = gateway.auth.create("feed tests")
        yield Api(client, key)


class Person:
    """Someone at the QuickBooks machine, editing the company file (its clock: the gateway's, Eastern)."""

    def __init__(self, clock: Clock) -> None:
        self.company = CompanyFile("Lakeside Hardware", schema_dir=SCHEMA_DIR,
                                   clock=lambda: clock().astimezone(EASTERN))

    def does(self, body: str) -> str:
        answer = self.company.process(f'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
                                      f'onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>')
        assert 'statusCode="0"' in answer, answer
        return answer

    def add(self, name: str) -> str:
        answer = self.does(f"<CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd></CustomerAddRq>")
        return answer.split("<ListID>", 1)[1].split("</ListID>", 1)[0]

    def edit(self, list_id: str, phone: str) -> None:
        current = self.does(f"<CustomerQueryRq><ListID>{list_id}</ListID></CustomerQueryRq>")
        revision = current.split("<EditSequence>", 1)[1].split("</EditSequence>", 1)[0]
        self.does(f"<CustomerModRq><CustomerMod><ListID>{list_id}</ListID><EditSequence>{revision}</EditSequence>"
                  f"<Phone>{phone}</Phone></CustomerMod></CustomerModRq>")

    def delete(self, list_id: str) -> None:
        self.does(f"<ListDelRq><ListDelType>Customer</ListDelType><ListID>{list_id}</ListID></ListDelRq>")


def web_connector_update(api: Api, end_user: dict[str, Any], company: CompanyFile) -> int:
    """One Update Selected: the session runs every job of the file; how many message sets it ran."""
    def soap(method: str, **params: Any) -> Any:
        response = api.client.http.post("/qbwc", headers={"Content-Type": "text/xml; charset=utf-8"},
                                        body=soap_request(method, **params))
        return soap_result(response.body, method)

    ticket = soap("authenticate", strUserName=end_user["qbwc_username"], strPassword=end_user["qbwc_password"])[0]
    request = soap("sendRequestXML", ticket=ticket, strHCPResponse=(FIXTURES_DIR / "qbwc" / "hcp_qb2014.xml")
                   .read_text(), strCompanyFileName=company.profile.path, qbXMLCountry="US", qbXMLMajorVers=13,
                   qbXMLMinorVers=0)
    ran = 0
    while request:
        percent = int(soap("receiveResponseXML", ticket=ticket, response=company.process(request), hresult="",
                           message=""))
        ran += 1
        if percent < 0 or percent >= 100:
            break
        request = soap("sendRequestXML", ticket=ticket, strHCPResponse="", strCompanyFileName=company.profile.path,
                       qbXMLCountry="US", qbXMLMajorVers=13, qbXMLMinorVers=0)
    soap("closeConnection", ticket=ticket)
    company.close_session()
    return ran


def sweep(api: Api) -> dict[str, int]:
    from infra.localstack import _scheduled_event

    result: dict[str, int] = app.expire_overdue_jobs(_scheduled_event(), None)  # the scheduled sweeper's Lambda
    return result


def change_events(aws: Aws, gateway: Services) -> list[dict[str, Any]]:
    messages = drain(aws.sqs, gateway.settings.results_queue_url)
    return [json.loads(m["Body"]) for m in messages if m["MessageAttributes"]["type"]["StringValue"] == "change"]


def test_changes_between_catch_ups_reach_the_queue_and_a_webhook_once_each(
        api: Api, aws: Aws, gateway: Services, clock: Clock) -> None:
    person = Person(clock)
    end_user = api.create_end_user()
    receiver = Receiver(failures=0)
    try:
        hook = api.call("POST", "/v1/webhook-endpoints", {"url": receiver.url, "kinds": ["change"]}).json_body
        made = api.call("POST", f"/v1/end-users/{end_user['id']}/feed-subscriptions",
                        {"object_types": ["customers"], "interval_seconds": 300})
        assert made.status_code == 201, made.json_body
        subscription = made.json_body
        assert subscription["start"] == "now" and subscription["watermarks"] == {"customers": None,
                                                                                "deleted:list": None}
        assert sweep(api)["catch_ups"] == 1
        started = api.call("GET", f"/v1/end-users/{end_user['id']}/feed-subscriptions/{subscription['id']}").json_body
        assert len(started["jobs"]) == 2  # the customers' query and the deleted query, as jobs of the queue
        assert all(api.call("GET", f"/v1/jobs/{job_id}").json_body["status"] == "queued" for job_id in started["jobs"])
        assert web_connector_update(api, end_user, person.company) == 2  # the customers, the deletions
        assert change_events(aws, gateway) == []

        clock.now += timedelta(minutes=1)
        kept, gone = person.add("Alder Roofing"), person.add("Birch Electric")
        clock.now += timedelta(minutes=1)
        person.edit(kept, "555-0101")
        clock.now += timedelta(minutes=4)
        assert sweep(api)["catch_ups"] == 1
        web_connector_update(api, end_user, person.company)
        first = change_events(aws, gateway)
        assert sorted((e["id"], e["change"]) for e in first) == sorted([(kept, "added"), (gone, "added")])

        clock.now += timedelta(minutes=1)
        person.delete(gone)
        clock.now += timedelta(minutes=4)
        assert sweep(api)["catch_ups"] == 1
        web_connector_update(api, end_user, person.company)
        second = change_events(aws, gateway)
        assert [(e["id"], e["change"], e["object_type"]) for e in second] == [(gone, "deleted", "customers")]

        # THEN the webhook got the same events, signed; the watermark is the newest TimeModified published
        assert consume(aws, gateway) == 3
        bodies = [json.loads(body) for _headers, body in receiver.got]
        assert sorted(b["event_id"] for b in bodies) == sorted(e["event_id"] for e in first + second)
        secret = hook["secret"]
        assert all(sdk_verify(body, headers["QBDGW-Signature"], [secret], now=clock().timestamp())
                   for headers, body in receiver.got)
        shown = api.call("GET", f"/v1/end-users/{end_user['id']}/feed-subscriptions/{subscription['id']}").json_body
        assert shown["catch_ups"] == 3 and shown["last_error"] is None
        assert shown["watermarks"]["customers"] == max(e["modified_at"] for e in first)
    finally:
        receiver.shutdown()
        receiver.server_close()


def test_subscriptions_are_listed_changed_deleted_and_bad_input_refused(api: Api) -> None:
    end_user = api.create_end_user()
    base = f"/v1/end-users/{end_user['id']}/feed-subscriptions"
    refused = api.call("POST", base, {"object_types": ["customers", "unicorns"]})
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "invalid_request"
    assert "unicorns" in refused.json_body["error"]["message"]
    too_often = api.call("POST", base, {"object_types": ["customers"], "interval_seconds": 60})
    assert too_often.status_code == 400
    missing = api.call("POST", "/v1/end-users/eu_nobody/feed-subscriptions", {"object_types": ["customers"]})
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "end_user_not_found"

    made = api.call("POST", base, {"object_types": ["customers", "invoices"], "start": "full"}).json_body
    assert api.call("GET", base).json_body["subscriptions"][0]["id"] == made["id"]
    changed = api.call("POST", f"{base}/{made['id']}", {"object_types": ["vendors"], "interval_seconds": 900})
    assert changed.status_code == 200
    assert (changed.json_body["object_types"], changed.json_body["interval_seconds"]) == (["vendors"], 900)
    assert set(changed.json_body["watermarks"]) == {"vendors", "deleted:list"}
    assert api.call("DELETE", f"{base}/{made['id']}").status_code == 204
    gone = api.call("GET", f"{base}/{made['id']}")
    assert gone.status_code == 404 and gone.json_body["error"]["code"] == "subscription_not_found"
    assert gone.json_body["error"]["user_facing_message"]
    types = api.call("GET", "/v1/feed-types").json_body["feed_types"]
    assert {"customers", "invoices", "items", "sales-receipts"} <= {t["name"] for t in types}


def test_the_cli_subscribes_and_lists(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import rest
    from cli.main import cli
    from cli.output import Failure

    end_user = api.create_end_user()

    def through_the_app(self: Any, method: str, path: str, body: Any = None, headers: Any = None) -> bytes:
        response = api.call(method, path, body)
        if response.status_code >= 300:
            raise Failure({"http_status": response.status_code, **json.loads(response.body)["error"]})
        return bytes(response.body)

    monkeypatch.setattr(rest.Gateway, "call", through_the_app)
    made = CliRunner().invoke(cli, ["feed", "subscribe", end_user["id"], "customers", "invoices", "--every", "600",
                                    "--json", "--api-key", "k"])
    assert made.exit_code == 0, made.output
    listed = CliRunner().invoke(cli, ["feed", "list", end_user["id"], "--json", "--api-key", "k"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert row["id"] == json.loads(made.output)["id"] and row["interval_seconds"] == 600

