"""The OpenAPI document: generated from the route table and the pydantic bodies, so neither can drift.

Also keeps the Python SDK's models (``sdk/qbd_gateway_sdk/models.py``) in step with the server's:
same models, same field names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

import app
from chalicelib.api import bodies
from chalicelib.api.openapi import OPERATIONS, documented_routes, openapi_document
from chalicelib.api.openapi_resources import GENERIC_ROUTES, resource_document

DOC = openapi_document(app.app.routes)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_every_v1_route_is_documented_and_nothing_else() -> None:
    # GIVEN the app's route table  WHEN the document is built
    routes = {(m, p) for m, p in documented_routes(app.app.routes)}
    documented = {(m.upper(), p) for p, ops in DOC["paths"].items() for m in ops}
    typed = {(m.upper(), p) for p, ops in resource_document()[0].items() for m in ops}
    # THEN every /v1 route (and /health) is in it — the generic routes of the typed resources as one path per
    # resource and operation — and it names no route the app does not have
    plain_routes = {(m, p) for m, p in routes if p not in GENERIC_ROUTES}
    assert plain_routes <= documented and documented - typed == plain_routes - typed
    assert typed <= documented and any(p.startswith("/v1/") for _, p in routes)
    # AND every route has a written description, not the placeholder for an unknown route
    plain = {(m, p) for m, p in routes if p not in GENERIC_ROUTES and (m, p) not in typed}
    assert plain <= set(OPERATIONS), f"describe these in chalicelib/api/openapi.py: {plain - set(OPERATIONS)}"


def test_every_resource_operation_has_its_path_with_the_models_schemas() -> None:
    from chalicelib.resources.catalog import names, resource

    paths = DOC["paths"]
    schemas = DOC["components"]["schemas"]
    for name in names():
        res = resource(name)
        assert res is not None
        base = f"/v1/end-users/{{end_user_id}}/{name}"
        ops = res.operations()
        if ops == ("report",):
            assert f"{base}/general-summary" in paths
            continue
        assert ("get" in paths[base]) is ("list" in ops), name
        assert ("post" in paths.get(base, {})) is ("create" in ops), name
        member = paths.get(f"{base}/{{object_id}}", {})
        assert ("get" in member) is ("retrieve" in ops) and ("post" in member) is ("update" in ops), name
        assert ("delete" in member) is ("delete" in ops), name
        assert (f"{base}/{{object_id}}/void" in paths) is ("void" in ops), name
        if "create" in ops:
            body = paths[base]["post"]["requestBody"]["content"]["application/json"]["schema"]
            assert body == {"$ref": f"#/components/schemas/{res.object}Add"} and f"{res.object}Add" in schemas
    # the models' own schemas: a customer created takes the CustomerAdd fields, and comes back as CustomerRet
    from chalicelib.qbxml.models.customer import CustomerAdd, CustomerRet

    assert set(schemas["CustomerAdd"]["properties"]) == set(CustomerAdd.model_fields)
    assert {"id", "revision_number", "list_id"} <= set(schemas["CustomerRet"]["properties"])
    assert set(schemas["CustomerRet"]["properties"]) - {"id"} <= set(CustomerRet.model_fields) | {"element"}
    assert len(paths["/v1/end-users/{end_user_id}/requests"]["post"]["requestBody"]["content"]["application/json"]
               ["schema"]["properties"]["type"]["enum"]) == 268


def test_a_list_s_filters_it_cannot_go_without_are_required_parameters() -> None:
    from chalicelib.errors import GatewayError
    from chalicelib.resources import build
    from chalicelib.resources.catalog import names, resource

    required: dict[str, list[str]] = {}
    for name in names():
        res = resource(name)
        assert res is not None
        if "list" not in res.operations():
            continue
        listing = DOC["paths"][f"/v1/end-users/{{end_user_id}}/{name}"]["get"]
        required[name] = [p["name"] for p in listing["parameters"] if p["in"] == "query" and p["required"]]
        # THEN a list the API refuses without filters documents the ones it needs, and only such a list does
        try:
            build.list_call(res, {}, limit=20)
            refused = False
        except GatewayError as exc:
            refused = exc.code == "invalid_request"
        assert refused is bool(required[name]), name
        if required[name]:  # and those filters are enough (an id for a reference, a type for the others)
            build.list_call(res, {p: "80000001-1" if p.endswith("entity") else "Account" if "list" in p
                                  else "Bill" for p in required[name]}, limit=20)
    assert {n: r for n, r in required.items() if r} == {
        "bills-to-pay": ["payee_entity"], "deleted-list-objects": ["list_del_type"],
        "deleted-transactions": ["txn_del_type"]}


def test_document_shape_is_openapi_3_1_with_bearer_auth() -> None:
    # THEN it is OpenAPI 3.1, JSON-serialisable, with the bearer scheme, and every $ref resolves
    assert DOC["openapi"].startswith("3.1")
    json.dumps(DOC)
    assert DOC["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "Authorization: Bearer <api key>"}
    names = set(DOC["components"]["schemas"])
    assert {r.rsplit("/", 1)[1] for r in _refs(DOC)} <= names


def test_errors_use_the_envelope_and_public_routes_need_no_key() -> None:
    for path, ops in DOC["paths"].items():
        for method, op in ops.items():
            # THEN each error status is described by the envelope
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (method, path, status)
            # AND only /health is public: every /v1 route needs the key
            public = path == "/health"
            assert (op["security"] == []) is public, (method, path)
            if not public:
                assert "401" in op["responses"]


def test_idempotent_operations_document_the_header() -> None:
    for path in ("/v1/end-users", "/v1/end-users/{end_user_id}/jobs"):
        op = DOC["paths"][path]["post"]
        headers = [p for p in op["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"]
        assert {"200", "409"} <= set(op["responses"])


def test_schemas_come_from_the_models() -> None:
    schemas = DOC["components"]["schemas"]
    for model in (bodies.CreateEndUser, bodies.EnqueueJob, bodies.EndUserCreated, bodies.JobView,
                  bodies.ErrorEnvelope, bodies.AuthSessionCreated, bodies.CreateAuthSession):
        assert set(schemas[model.__name__]["properties"]) == set(model.model_fields)


def test_auth_session_request_matches_the_route_s_own_model() -> None:
    # GIVEN the model the auth-flow route parses with
    from chalicelib.api.authflow import CreateAuthSession

    # THEN the documented request has the same fields and bounds
    ours = bodies.CreateAuthSession.model_json_schema()["properties"]
    theirs = CreateAuthSession.model_json_schema()["properties"]
    assert ours == theirs


def test_the_route_serves_the_document_only_with_a_key() -> None:
    from chalice.test import Client

    from chalicelib import wiring
    from chalicelib.config import Settings
    from chalicelib.store.memory import MemoryStore

    # GIVEN the app wired to an in-memory store with one API key
    services = wiring.build(Settings(), store=MemoryStore(), publisher=_Null(), clients={"sqs": object()})
    _, key = services.auth.create("docs")
    wiring.reset(services)
    try:
        with Client(app.app) as client:
            # WHEN the document is fetched without and with the key
            anonymous = client.http.get("/v1/openapi.json")
            keyed = client.http.get("/v1/openapi.json", headers={"Authorization": f"Bearer {key}"})
    finally:
        wiring.reset()
    # THEN only the keyed request gets it
    assert anonymous.status_code == 401
    assert anonymous.json_body["error"]["code"] == "missing_api_key"
    assert keyed.status_code == 200
    assert keyed.json_body["paths"].keys() == DOC["paths"].keys()


class _Null:
    def publish(self, message: object) -> None:
        raise AssertionError("nothing is published")

def _fields(model: type[BaseModel]) -> dict[str, bool]:
    """Field name → required."""
    return {name: info.is_required() for name, info in model.model_fields.items()}


@pytest.mark.parametrize("name", [
    "CreateEndUser", "EnqueueJob", "CreateAuthSession", "ErrorObject", "ErrorEnvelope", "EndUserCreated",
    "EndUserView", "EndUserList", "JobAccepted", "JobView", "HealthCheckOk", "AuthSessionCreated", "ResultMessage",
    "CreateWebhookEndpoint", "WebhookEndpointView", "WebhookEndpointList", "WebhookDeliveryView", "WebhookDeliveryList",
    "CreateFeedSubscription", "UpdateFeedSubscription", "FeedSubscriptionView", "FeedSubscriptionList", "ChangeEvent",
    "FeedTypeView", "FeedTypeList",
])
def test_sdk_models_mirror_the_server_models(name: str) -> None:
    sdk_models = pytest.importorskip("qbd_gateway_sdk.models")
    server, client = getattr(bodies, name), getattr(sdk_models, name)
    # THEN same field names, same required fields
    assert _fields(client) == _fields(server)


def test_items_of_a_repeated_choice_say_which_they_are_so_one_schema_matches() -> None:
    """Found by schemathesis: JournalDebitLine and JournalCreditLine have the same fields, so a line matched
    both branches of the oneOf and no request could be generated (nor validated) for a journal entry."""
    schemas = DOC["components"]["schemas"]
    lines = schemas["JournalEntryAdd"]["properties"]["lines"]["items"]["oneOf"]
    branches = [schemas[ref["$ref"].rsplit("/", 1)[1]] for ref in lines]
    assert [b["properties"]["element"] for b in branches] == [
        {"const": "JournalDebitLine", "type": "string"}, {"const": "JournalCreditLine", "type": "string"}]
    assert all("element" in b["required"] for b in branches)  # read: required, so exactly one branch matches
