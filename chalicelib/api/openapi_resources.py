"""The typed resources in the OpenAPI document: one path per resource and operation, from the models.

The app serves every resource through three generic routes (``/v1/end-users/{end_user_id}/{resource}``,
``…/{object_id}``, ``…/{object_id}/void``: API Gateway allows 300 resources per API, and 75 resources
with up to three paths each would take most of them). The document lists instead what a developer calls:
``/v1/end-users/{end_user_id}/customers``, ``…/customers/{id}``, ``…/invoices/{id}/void`` … with the
operations each resource has (:mod:`chalicelib.resources.catalog`), its list filters, and bodies and
answers whose schemas are the typed models' own (``CustomerAdd`` in, ``CustomerRet`` out;
``model_json_schema``, so the document and the models cannot drift). ``POST …/requests`` takes any of
the 268 request messages by ``type``; their schemas are in ``components.schemas`` under their names.

Building it imports every object group and costs a few seconds: :func:`resource_document` is computed
once per process, on the first ``GET /v1/openapi.json``.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from typing import Any

from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema

from chalicelib.qbxml.models import REQUESTS, QbxmlModel, model_for
from chalicelib.resources.catalog import REPORTS, Resource, names, resource

GENERIC_ROUTES = frozenset({
    "/v1/end-users/{end_user_id}/{resource}",
    "/v1/end-users/{end_user_id}/{resource}/{object_id}",
    "/v1/end-users/{end_user_id}/{resource}/{object_id}/void",
})
REF = "#/components/schemas/{model}"
_ERRORS = (400, 404, 405, 409, 422, 503)
_ENVELOPE = {"$ref": REF.format(model="ErrorEnvelope")}
_ACCEPTED = {
    "type": "object", "required": ["id", "end_user_id", "status", "location"],
    "properties": {"id": {"type": "string"}, "end_user_id": {"type": "string"}, "status": {"type": "string"},
                   "enqueued_at": {"type": ["string", "null"]}, "location": {"type": "string"}},
}
LIST_FILTERS: dict[str, tuple[tuple[str, ...], str]] = {
    # filter → (query fields, any of which makes it available), description
    "ids": (("list_id", "txn_id"), "ListID or TxnID, comma-separated"),
    "full_names": (("full_name",), "FullName, comma-separated"),
    "ref_numbers": (("ref_number",), "RefNumber, comma-separated"),
    "name_contains": (("name_filter",), "NameFilter Contains"),
    "name_starts_with": (("name_filter",), "NameFilter StartsWith"),
    "name_ends_with": (("name_filter",), "NameFilter EndsWith"),
    "name_from": (("name_range_filter",), "NameRangeFilter FromName"),
    "name_to": (("name_range_filter",), "NameRangeFilter ToName"),
    "ref_number_contains": (("ref_number_filter",), "RefNumberFilter Contains"),
    "status": (("active_status",), "active (default), inactive or all"),
    "updated_after": (("from_modified_date", "modified_date_range_filter"), "modified at or after (date-time)"),
    "updated_before": (("to_modified_date", "modified_date_range_filter"), "modified at or before (date-time)"),
    "transaction_date_from": (("txn_date_range_filter",), "transaction date from (YYYY-MM-DD)"),
    "transaction_date_to": (("txn_date_range_filter",), "transaction date to (YYYY-MM-DD)"),
    "entity_ids": (("entity_filter",), "EntityFilter ListIDs (customers, vendors…), comma-separated"),
    "account_ids": (("account_filter",), "AccountFilter ListIDs, comma-separated"),
}


def _param(name: str, where: str, description: str, *, required: bool = False,
           schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


_WAIT = _param("wait", "query", "seconds to wait for QuickBooks, 0 to 25 (default 25)",
               schema={"type": "number", "minimum": 0, "maximum": 25})
_PREFER = _param("Prefer", "header", "respond-async: answer 202 at once")
_KEY = _param("Idempotency-Key", "header", "makes retries safe (24 h window)",
              schema={"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]([ -~]*[!-~])?$"})


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(op_id: str, summary: str, tag: str, ok: dict[str, dict[str, Any]], params: list[dict[str, Any]],
               body: dict[str, Any] | None = None) -> dict[str, Any]:
    responses = {**ok, "202": _json(_ACCEPTED, "Not answered within the wait: the job, and its Location")}
    for status in (*_ERRORS, 401, 500):
        responses[str(status)] = _json(_ENVELOPE, "Error")
    out: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag],
                           "parameters": [_param("end_user_id", "path", "the end-user", required=True,
                                                 schema={"type": "string", "minLength": 1}), *params, _WAIT, _PREFER],
                           "responses": responses, "security": [{"bearerAuth": []}]}
    if body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return out


def _object_id(res: Resource) -> dict[str, Any]:
    return _param("object_id", "path", f"the id of one of {res.name} (its ListID or TxnID)", required=True,
                  schema={"type": "string", "minLength": 1, "maxLength": 36})


def _required_filters(query: Mapping[str, FieldInfo]) -> list[dict[str, Any]]:
    """The filters a list cannot go without (a query's required elements: ``BillToPayQueryRq``'s
    ``PayeeEntityRef``, ``ListDeletedQueryRq``'s ``ListDelType``), as required parameters: a reference by
    its name without ``_ref``, given its record's id."""
    found = []
    for field, info in query.items():
        if not info.is_required():
            continue
        if field.endswith("_ref"):
            found.append(_param(field.removesuffix("_ref"), "query", "the id (ListID) of the record it names",
                                required=True))
        else:
            values = [v for arg in typing.get_args(info.annotation) for v in typing.get_args(arg)]
            found.append(_param(field, "query", f"one or more of {', '.join(map(str, values))}, comma-separated"
                                if values else "required by the query", required=True))
    return found


def _ret_schema(res: Resource) -> dict[str, Any]:
    try:
        model_for(res.ret)
    except KeyError:  # a query answering several kinds (items): any object
        return {"type": "object"}
    return _ref(res.ret)


def _paths_of(res: Resource) -> dict[str, dict[str, Any]]:
    base = f"/v1/end-users/{{end_user_id}}/{res.name}"
    tag, stem = res.name, res.name.replace("-", "_")
    ops = res.operations()
    paths: dict[str, dict[str, Any]] = {}
    if ops == ("report",):
        for kind, request in sorted(REPORTS.items()):
            ret = _ref("ReportRet")
            params = [_param("type", "query", "the report type"), _param("from_date", "query", "YYYY-MM-DD"),
                      _param("to_date", "query", "YYYY-MM-DD"), _param("date_macro", "query", "ReportDateMacro")]
            paths[f"{base}/{kind}"] = {"get": _operation(f"get_report_{kind.replace('-', '_')}",
                                                         f"Run the {kind} report ({request})", tag,
                                                         {"200": _json(ret, "The report")}, params)}
        return paths
    ret = _ret_schema(res)
    query = model_for(res.query).model_fields if res.query else {}
    if "list" in ops:
        filters = [_param(f, "query", text) for f, (fields, text) in LIST_FILTERS.items()
                   if any(x in query for x in fields)] + _required_filters(query)
        if res.singleton:
            answer = _json(ret, f"The {res.object}")
        else:
            filters = [_param("limit", "query", "objects per page, 1 to 1000 (default 100)",
                              schema={"type": "integer", "minimum": 1, "maximum": 1000}),
                       _param("cursor", "query", "next_cursor of the page before"), *filters]
            answer = _json({"type": "object", "required": ["object", "data", "has_more"], "properties": {
                "object": {"const": "list"}, "data": {"type": "array", "items": ret},
                "has_more": {"type": "boolean"}, "next_cursor": {"type": ["string", "null"]},
                "remaining_count": {"type": ["integer", "null"]}}}, "A page of objects")
        paths.setdefault(base, {})["get"] = _operation(f"list_{stem}", f"List {res.name} ({res.query})", tag,
                                                       {"200": answer}, filters)
    if "create" in ops:
        paths.setdefault(base, {})["post"] = _operation(
            f"create_{stem}", f"Create one of {res.name} ({res.add})", tag,
            {"201": _json(ret, "The object created"), "200": _json(ret, "An idempotent replay")}, [_KEY],
            _ref(f"{res.object}Add"))
    member = f"{base}/{{object_id}}"
    if "retrieve" in ops:
        paths.setdefault(member, {})["get"] = _operation(f"retrieve_{stem}", f"Get one of {res.name} by id", tag,
                                                         {"200": _json(ret, "The object")}, [_object_id(res)])
    if "update" in ops:
        paths.setdefault(member, {})["post"] = _operation(
            f"update_{stem}", f"Change one of {res.name} ({res.mod}); needs revision_number", tag,
            {"200": _json(ret, "The object changed")}, [_object_id(res), _KEY], _ref(f"{res.object}Mod"))
    if "delete" in ops:
        paths.setdefault(member, {})["delete"] = _operation(
            f"delete_{stem}", f"Delete one of {res.name} ({res.delete})", tag,
            {"200": _json({"type": "object", "required": ["id", "deleted"]}, "What was deleted")},
            [_object_id(res), _KEY])
    if "void" in ops:
        paths[f"{member}/void"] = {"post": _operation(
            f"void_{stem}", f"Void one of {res.name} (TxnVoidRq)", tag,
            {"200": _json({"type": "object", "required": ["id", "voided"]}, "What was voided")},
            [_object_id(res), _KEY])}
    return paths


def _requests_path() -> dict[str, Any]:
    body = {"type": "object", "required": ["type"], "additionalProperties": True,
            "description": "The request's fields by name, beside its type; each request's schema is in "
                           "components.schemas under its name (InvoiceAddRq …).",
            "properties": {"type": {"enum": sorted(r.removesuffix("Rq") for r in REQUESTS)}}}
    answer = {"type": "object", "required": ["id", "type", "response"],
              "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "response": {"type": "object"}}}
    op = _operation("post_request", "Send any qbXML 16.0 request, typed", "requests",
                    {"200": _json(answer, "QuickBooks' answer as JSON"), "201": _json(answer, "Created")}, [_KEY], body)
    return {"/v1/end-users/{end_user_id}/requests": {"post": op}}


def _models() -> list[type[QbxmlModel]]:
    wanted = set(REQUESTS)
    for name in names():
        res = resource(name)
        if res is None or not res.object:
            continue
        wanted.update(n for n in (res.add and f"{res.object}Add", res.mod and f"{res.object}Mod", res.ret) if n)
    wanted.add("ReportRet")
    found = []
    for name in sorted(wanted):
        try:
            found.append(model_for(name))
        except KeyError:
            continue
    return found


@functools.cache
def resource_document() -> tuple[dict[str, Any], dict[str, Any]]:
    """``(paths, schemas)`` of every resource and of ``POST …/requests``."""
    paths: dict[str, Any] = {}
    for name in names():
        res = resource(name)
        if res is not None:
            paths.update(_paths_of(res))
    paths.update(_requests_path())
    modes = [(m, "serialization" if m.__name__.endswith("Ret") else "validation") for m in _models()]
    _, schema = models_json_schema(modes, ref_template=REF)  # type: ignore[arg-type]
    return paths, dict(schema.get("$defs", {}))

