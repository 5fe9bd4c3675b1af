"""The REST edge in process (``chalice.test.Client`` over the memory store, webhooks on): what a SaaS meets
at the edge of the API — each unknown id answered with its own code, not another resource's; a 405 on a
typed resource naming in ``Allow`` exactly the methods that resource takes on that path; a 415 naming
exactly the body types its route reads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

import app
from chalicelib import wiring
from chalicelib.catalog import CATALOG
from chalicelib.config import Settings
from chalicelib.resources.catalog import REPORTS, names, resource
from chalicelib.store.memory import MemoryStore
from chalicelib.store.memory_webhooks import MemoryWebhookStore
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import FakeClock, FakeSecretBox, RecordingPublisher


class _Queue:
    """The webhook delivery queue: nothing is attempted here."""

    def schedule(self, delivery_id: str, delay_seconds: int) -> None:
        pass


@dataclass(frozen=True)
class Edge:
    client: Client
    key: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else b""
        return self.client.http.request(method, path, headers=headers, body=data)


@pytest.fixture
def edge() -> Iterator[Edge]:
    """GIVEN the gateway over the memory store, with webhooks on, and an API key."""
    store = MemoryStore()
    built = wiring.build(Settings(stage="test", schema_dir=SCHEMA_DIR, webhooks=True), store=store,
                         publisher=RecordingPublisher(store=store), clock=FakeClock(),
                         clients={"sqs": object(), "dynamodb": object()}, secrets=FakeSecretBox(),
                         webhook_store=MemoryWebhookStore(), delivery_queue=_Queue())
    wiring.reset(built)
    _record, key = built.auth.create("rest edge tests")
    with Client(app.app) as client:
        yield Edge(client, key)
    wiring.reset(None)


def refused(response: Any, code: str) -> dict[str, Any]:
    """The response is the envelope of catalog ``code``, with its status and its user-facing message."""
    spec = CATALOG[code]
    assert response.status_code == spec.http_status, response.body
    err = dict(response.json_body["error"])
    assert (err["code"], err["http_status"], err["retryable"]) == (code, spec.http_status, spec.retryable)
    assert err["user_facing_message"] == spec.user_facing_message and err["integration_code"] is None
    return err


# Unknown webhook ids ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "body", "code"), [
    ("GET", "/v1/webhook-endpoints/whe_nope", None, "webhook_endpoint_not_found"),
    ("DELETE", "/v1/webhook-endpoints/whe_nope", None, "webhook_endpoint_not_found"),
    ("GET", "/v1/webhook-endpoints/whe_nope/deliveries", None, "webhook_endpoint_not_found"),
    ("POST", "/v1/webhook-endpoints/whe_nope/rotate-secret", {}, "webhook_endpoint_not_found"),
    ("POST", "/v1/webhook-deliveries/whd_nope/replay", {}, "webhook_delivery_not_found"),
    ("POST", "/v1/webhook-endpoints", {"url": "https://hooks.example.com/qbd", "end_user_id": "eu_nope"},
     "end_user_not_found"),
])
def test_an_unknown_webhook_id_is_answered_with_its_own_not_found_code(edge: Edge, method: str, path: str,
                                                                       body: Any, code: str) -> None:
    # WHEN a webhook route names an endpoint, a delivery or an end-user that does not exist
    response = edge.call(method, path, body)
    # THEN it is 404 with the code of what is missing (as the feed, job and auth routes answer an unknown
    # end-user), never the QuickBooks record's object_not_found and its "sync again"
    err = refused(response, code)
    assert response.status_code == 404 and not CATALOG[code].retryable
    assert err["code"] != "object_not_found" and "Sync again" not in err["user_facing_message"]


def test_the_webhook_not_found_codes_speak_of_the_integration_not_of_quickbooks_records() -> None:
    # GIVEN the two webhook not-found entries  WHEN their messages are read
    for code in ("webhook_endpoint_not_found", "webhook_delivery_not_found"):
        spec = CATALOG[code]
        # THEN they are gateway-side refusals, like subscription_not_found: the integration's to fix
        assert (spec.type, spec.http_status, spec.retryable, spec.guide) == (
            "invalid_request_error", 404, False, "integration-problem")
        assert "not in QuickBooks" in spec.user_facing_message
        assert "support team" in spec.user_facing_message


# 405 on the typed routes -----------------------------------------------------------------------------------
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")


def documented_paths() -> dict[str, dict[str, Any]]:
    """The typed resources' paths as the OpenAPI document lists them (from the resource table)."""
    from chalicelib.api.openapi_resources import resource_document

    return resource_document()[0]


@pytest.mark.parametrize("name", names())
def test_every_405_of_a_typed_resource_allows_exactly_the_methods_its_path_takes(edge: Edge, name: str) -> None:
    # GIVEN a typed resource, and its three path shapes as the OpenAPI document writes them (a report's
    # kind in place of an object id)
    res = resource(name)
    assert res is not None
    report = res.operations() == ("report",)
    base = f"/v1/end-users/{{end_user_id}}/{name}"
    member = f"{base}/{next(iter(REPORTS))}" if report else f"{base}/{{object_id}}"
    paths = documented_paths()
    for documented in (base, member, f"{member}/void"):
        takes = [m for m in METHODS if m.lower() in paths.get(documented, {})]
        path = documented.replace("{end_user_id}", "eu_nope").replace("{object_id}", "80000001-1")
        for method in METHODS:
            # WHEN each method is called on the path (an unknown end-user: nothing is enqueued)
            response = edge.call(method, path, {} if method != "GET" else None)
            if method in takes:
                # THEN a method the document lists for the path is served (whatever else it then refuses)
                assert response.status_code != 405, (method, path, response.body)
                continue
            if report and documented == base:
                # (a report needs its kind: /reports itself is no path)
                assert response.json_body["error"]["code"] == "route_not_found", (method, path)
                continue
            # AND any other is 405 method_not_allowed, whose Allow lists exactly the methods the path takes
            assert response.status_code == 405, (method, path, response.body)
            assert response.json_body["error"]["code"] == "method_not_allowed"
            assert "Allow" in response.headers, (method, path)
            assert response.headers["Allow"] == ", ".join(takes), (method, path)


def test_a_method_on_a_resource_that_does_not_exist_is_route_not_found_without_repeating_the_path(edge: Edge) -> None:
    # WHEN a method the generic typed route lacks is called on a resource the API does not have
    response = edge.call("PUT", "/v1/end-users/eu_nope/spaceships-never-echoed/80000001-1", {})
    # THEN it is 404 route_not_found, as GET on it is, and the path's text is not repeated
    err = refused(response, "route_not_found")
    assert "Allow" not in response.headers and "spaceships-never-echoed" not in err["message"]
    assert edge.call("GET", "/v1/end-users/eu_nope/spaceships-never-echoed/80000001-1").status_code == 404


# 415 --------------------------------------------------------------------------------------------------------
MEDIA_TYPE = re.compile(r"\b[a-z]+/[a-z0-9.+-]+\b")


def post_as(edge: Edge, path: str, content_type: str | None, body: bytes) -> Any:
    headers = {"Authorization": f"Bearer {edge.key}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return edge.client.http.post(path, headers=headers, body=body)


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/end-users", json.dumps({"company_name": "Label Test Ltd"}).encode()),
    ("/qbwc", b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
              b"<soap:Body/></soap:Envelope>"),
])
def test_the_415_message_names_exactly_the_body_types_the_route_reads(edge: Edge, path: str, body: bytes) -> None:
    # WHEN a route gets a body labelled as a type it does not read
    refused_ = post_as(edge, path, "multipart/form-data; boundary=x", body)
    assert refused_.status_code == 415, refused_.body
    message = refused_.json_body["error"]["message"]
    assert refused_.json_body["error"]["code"] == "unsupported_media_type"
    named = set(MEDIA_TYPE.findall(message))
    # THEN the message names types and says a body without a Content-Type is read too
    assert named and "without a Content-Type" in message, message
    # AND every type it names is read (not 415), as is a body without a label, and the route reads no other
    # of the types a client commonly sends
    for content_type in [*sorted(named), None]:
        assert post_as(edge, path, content_type, body).status_code != 415, (path, content_type)
    for other in ("text/xml", "application/xml", "application/soap+xml", "application/octet-stream", "text/plain",
                  "application/json", "application/x-www-form-urlencoded", "text/html", "application/cbor"):
        if other not in named:
            assert post_as(edge, path, other, body).status_code == 415, (path, other)
