"""A REST call → the typed request model → the job's qbXML.

Each operation of a resource (:mod:`chalicelib.resources.catalog`) builds one request model and
serialises it (schema order, every qbXML rule the models enforce); a body or a filter the model refuses
is ``invalid_request`` (400) naming the field, and nothing is enqueued.

**List filters** (query parameters), each applied where the query has the matching element:

=============================================  ====================================================
``ids``, ``full_names``, ``ref_numbers``       ``ListID`` / ``TxnID``, ``FullName``, ``RefNumber`` (comma-separated)
``name_contains|starts_with|ends_with``        ``NameFilter`` (``ref_number_…`` the same on ``RefNumberFilter``)
``name_from``, ``name_to``                     ``NameRangeFilter``
``status`` = ``active|inactive|all``           ``ActiveStatus`` (QuickBooks' default: active only)
``updated_after``, ``updated_before``          ``FromModifiedDate``/``ToModifiedDate`` or ``ModifiedDateRangeFilter``
``transaction_date_from``, ``…_to``            ``TxnDateRangeFilter``
``entity_ids`` (``customer_ids``,              ``EntityFilter/ListID``; ``AccountFilter/ListID``
``vendor_ids``), ``account_ids``
a reference element, by its name (``_ref``     its ``ListID`` (``payee_entity=80000001-1`` is
optional)                                      ``PayeeEntityRef/ListID``)
any other top-level element, by its name       as given (``include_line_items=true``, ``paid_status=NotPaidOnly``)
=============================================  ====================================================

Reports take ``type`` (the report's ``…ReportType``), ``from_date``/``to_date`` (``ReportPeriod``),
``date_macro`` and, the same way, any other top-level element.

**Bodies** are the aggregate's fields in snake_case (``docs/models.md``), with two conveniences: a field
``x`` the aggregate lacks is read as ``x_ref`` when it has that (``"customer": {"full_name": "Acme"}``),
and an item of ``lines`` without ``element`` is the first kind of line (``InvoiceLineAdd``). An update's
body needs the object's ``revision_number`` (its ``EditSequence``), as read from a retrieve.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from chalicelib.errors import error
from chalicelib.qbxml.models import QbxmlModel, QbxmlRequest, Tagged, model_for, to_qbxml
from chalicelib.qbxml.models._names import PYTHON_NAMES
from chalicelib.qbxml.text import describe_char, find_xml_illegal
from chalicelib.resources.catalog import REPORTS, Resource

RESERVED_PARAMS = frozenset({"limit", "cursor", "wait"})
_MATCH = {"contains": "Contains", "starts_with": "StartsWith", "ends_with": "EndsWith"}
_STATUS = {"active": "ActiveOnly", "inactive": "InactiveOnly", "all": "All"}
# What a paged list restarts on when its iterator is lost (chalicelib.qbxml.paging): a name, else a date window.
RESTART_FIELDS = ("name_range_filter", "modified_date_range_filter", "txn_date_range_filter")


@dataclass(frozen=True)
class Call:
    """A request built for a REST call: its message name and qbXML, and whether it is listed in pages."""

    request: str
    qbxml: str
    pages: bool = False


def _model(name: str) -> type[QbxmlRequest]:
    cls = model_for(name)
    assert issubclass(cls, QbxmlRequest)
    return cls


def _validated(cls: type[QbxmlRequest], values: Mapping[str, Any], what: str) -> QbxmlRequest:
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        raise error("invalid_request", f"{what}: {_describe(exc)}") from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for item in exc.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where or 'body'}: {item['msg']}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _serialised(model: QbxmlRequest) -> str:
    """The request's qbXML; a value XML cannot carry (a control character) is ``invalid_request``, named."""
    try:
        return to_qbxml(model)
    except ValueError as exc:  # lxml: "All strings must be XML compatible"
        found = find_xml_illegal(json.dumps(model.model_dump(mode="json"), ensure_ascii=False))
        what = describe_char(found[0]) if found else "a control character"
        raise error("invalid_request", f"a value holds {what}, a character XML cannot carry: remove it") from exc


def id_field(cls: type[QbxmlModel]) -> str:
    """``txn_id`` for a transaction's query, mod or void; ``list_id`` otherwise."""
    return "txn_id" if "txn_id" in cls.model_fields else "list_id"


def _is_tuple(cls: type[QbxmlModel], name: str) -> bool:
    return typing.get_origin(cls.model_fields[name].annotation) is tuple


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


# Listing ---------------------------------------------------------------------------------------------------
def list_call(res: Resource, params: Mapping[str, str], *, report: str | None = None, limit: int | None = None
              ) -> Call:
    """``GET /{resource}`` (or ``/reports/{kind}``) with its filters. ``pages``: the query takes iterators,
    has what a restart after a lost session keys on (:data:`RESTART_FIELDS`) and names no records
    (``ids``, ``full_names``), so the caller pages it by ``limit``; any other query (without iterators, or
    one the queue could not resume: ``TransactionQueryRq``, ``ItemSitesQueryRq``) gets ``limit`` as its
    ``MaxReturned``."""
    name = _report_request(report) if report is not None else res.query
    if name is None:
        raise error("method_not_allowed", f"/{res.name} cannot be listed")
    cls = _model(name)
    values = _report_values(cls, params) if report is not None else _filters(cls, params, res.name)
    built = _validated(cls, values, f"the filters of /{res.name}")
    named = any(values.get(k) for k in ("list_id", "txn_id", "full_name", "ref_number"))
    pages = (not res.singleton and report is None and "iterator" in cls.model_fields and not named
             and any(f in cls.model_fields for f in RESTART_FIELDS))
    if not pages and not named and limit is not None and "max_returned" in cls.model_fields:
        # one record more than the limit: the answer tells a list the limit cut from a whole one
        built = _validated(cls, {**values, "max_returned": limit + 1}, f"the filters of /{res.name}")
    return Call(name, _serialised(built), pages)


_MAX_RETURNED = re.compile(r"<MaxReturned>(\d+)</MaxReturned>")


def one_page_limit(qbxml: str) -> int | None:
    """The ``limit`` of a one-page list :func:`list_call` built (its ``MaxReturned`` less the record asked
    beyond it); ``None`` when the query had no ceiling (it names its records, or takes no ``MaxReturned``)."""
    found = _MAX_RETURNED.search(qbxml)
    return int(found.group(1)) - 1 if found else None


def _report_request(kind: str) -> str:
    name = REPORTS.get(kind)
    if name is None:
        raise error("route_not_found", f"no report {kind!r}; the reports are {', '.join(sorted(REPORTS))}")
    return name


def _filters(cls: type[QbxmlModel], params: Mapping[str, str], where: str) -> dict[str, Any]:
    fields = cls.model_fields
    values: dict[str, Any] = {}

    def put(field: str, value: Any, param: str) -> None:
        if field not in fields:
            raise error("invalid_request", f"/{where} has no filter {param!r}")
        values[field] = value

    for param, raw in params.items():
        if param in RESERVED_PARAMS:
            continue
        if param == "ids":
            put(id_field(cls), _split(raw), param)
        elif param in ("full_names", "ref_numbers"):
            put(param.removesuffix("s"), _split(raw), param)
        elif param.startswith("name_") and param[5:] in _MATCH:
            put("name_filter", {"match_criterion": _MATCH[param[5:]], "name": raw}, param)
        elif param.startswith("ref_number_") and param[11:] in _MATCH:
            put("ref_number_filter", {"match_criterion": _MATCH[param[11:]], "ref_number": raw}, param)
        elif param in ("name_from", "name_to"):
            values.setdefault("name_range_filter", {})[f"{param[5:]}_name"] = raw
            put("name_range_filter", values["name_range_filter"], param)
        elif param == "status":
            if raw not in _STATUS:
                raise error("invalid_request", "status is active, inactive or all")
            put("active_status", _STATUS[raw], param)
        elif param in ("updated_after", "updated_before"):
            bound = "from_modified_date" if param == "updated_after" else "to_modified_date"
            if bound in fields:
                put(bound, raw, param)
            else:
                values.setdefault("modified_date_range_filter", {})[bound] = raw
                put("modified_date_range_filter", values["modified_date_range_filter"], param)
        elif param in ("transaction_date_from", "transaction_date_to"):
            values.setdefault("txn_date_range_filter", {})[f"{param[17:]}_txn_date"] = raw
            put("txn_date_range_filter", values["txn_date_range_filter"], param)
        elif param in ("entity_ids", "customer_ids", "vendor_ids"):
            put("entity_filter", {"list_id": _split(raw)}, param)
        elif param == "account_ids":
            put("account_filter", {"list_id": _split(raw)}, param)
        elif (ref := _reference(cls, param)) is not None:
            values[ref] = {"list_id": raw}
        elif param in fields and param not in ("request_id", "iterator", "iterator_id", "meta_data"):
            values[param] = _split(raw) if _is_tuple(cls, param) else raw
        else:
            raise error("invalid_request", f"/{where} has no filter {param!r}")
    return values


def _reference(cls: type[QbxmlModel], param: str) -> str | None:
    """The reference element (``PayeeEntityRef``) a filter ``param`` names, with or without its ``_ref``:
    it takes the record's id, as ``ids`` and ``entity_ids`` do."""
    name = param if param.endswith("_ref") else f"{param}_ref"
    field = cls.model_fields.get(name)
    kinds = _models_in(field.annotation) if field is not None and not _is_tuple(cls, name) else []
    return name if len(kinds) == 1 and {"list_id", "full_name"} <= set(kinds[0].model_fields) else None


def _report_values(cls: type[QbxmlModel], params: Mapping[str, str]) -> dict[str, Any]:
    kind = next((f for f in cls.model_fields if f.endswith("_report_type")), None)
    values: dict[str, Any] = {}
    for param, raw in params.items():
        if param in RESERVED_PARAMS:
            continue
        if param == "type" and kind is not None:
            values[kind] = raw
        elif param in ("from_date", "to_date"):
            values.setdefault("report_period", {})[f"{param[:-5]}_report_date"] = raw
        elif param == "date_macro":
            values["report_date_macro"] = raw
        elif param in cls.model_fields and param != "request_id":
            values[param] = _split(raw) if _is_tuple(cls, param) else raw
        else:
            raise error("invalid_request", f"the report has no parameter {param!r}")
    return values


# One object ------------------------------------------------------------------------------------------------
def retrieve_call(res: Resource, object_id: str) -> Call:
    if res.query is None or not res.by_id:
        raise error("method_not_allowed", f"/{res.name} has no objects to read by id")
    cls = _model(res.query)
    field = id_field(cls)
    values: dict[str, Any] = {field: [object_id]}
    if "include_line_items" in cls.model_fields:
        values["include_line_items"] = True
    return Call(res.query, _serialised(_validated(cls, values, "the id")))


def create_call(res: Resource, body: Mapping[str, Any]) -> Call:
    if res.add is None:
        raise error("method_not_allowed", f"/{res.name} objects cannot be created through qbXML")
    return Call(res.add, _serialised(_wrapped(res.add, f"{res.object}Add", dict(body))))


def update_call(res: Resource, object_id: str, body: Mapping[str, Any]) -> Call:
    if res.mod is None:
        raise error("method_not_allowed", f"/{res.name} objects cannot be changed through qbXML")
    values = dict(body)
    if not values.get("revision_number"):
        raise error("invalid_request", "an update needs the object's current revision_number (read it with GET "
                                       "first): QuickBooks applies a change only to the revision it was made on")
    aggregate = model_for(f"{res.object}Mod")
    field = id_field(aggregate)
    if values.get(field) not in (None, object_id) or values.get("id") not in (None, object_id):
        raise error("invalid_request", f"the body names another object than the path ({object_id})")
    values.pop("id", None)
    values[field] = object_id
    return Call(res.mod, _serialised(_wrapped(res.mod, f"{res.object}Mod", values)))


def delete_call(res: Resource, object_id: str) -> Call:
    if res.delete is None:
        raise error("method_not_allowed", f"/{res.name} objects cannot be deleted through qbXML")
    kind = "list" if res.delete == "ListDelRq" else "txn"
    values = {f"{kind}_del_type": res.object, f"{kind}_id": object_id}
    return Call(res.delete, _serialised(_validated(_model(res.delete), values, "the id")))


def void_call(res: Resource, object_id: str) -> Call:
    if not res.void:
        raise error("method_not_allowed", f"/{res.name} objects cannot be voided through qbXML")
    values = {"txn_void_type": res.object, "txn_id": object_id}
    return Call("TxnVoidRq", _serialised(_validated(_model("TxnVoidRq"), values, "the id")))


def typed_request_call(body: Mapping[str, Any]) -> Call:
    """``POST /requests``: ``{"type": "InvoiceAdd", "invoice_add": {…}}`` — the request's fields by name."""
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        raise error("invalid_request", 'a typed request names its message: {"type": "InvoiceAdd", ...}')
    name = kind if kind.endswith("Rq") else f"{kind}Rq"
    try:
        cls = _model(name)
    except (KeyError, AssertionError) as exc:
        raise error("invalid_request", f"{kind!r} is not a qbXML 16.0 request") from exc
    values = {k: v for k, v in body.items() if k != "type"}
    return Call(name, _serialised(_validated(cls, _prepared(cls, values), f"the {name[:-2]} request")))


def _wrapped(request: str, aggregate: str, body: dict[str, Any]) -> QbxmlRequest:
    cls = _model(request)
    inner = model_for(aggregate)
    field = PYTHON_NAMES.get(aggregate) or next(f for f, tag, _ in cls.__qbxml__.elements if tag == aggregate)
    return _validated(cls, {field: _prepared(inner, body)}, f"the {aggregate} body")


# Input conveniences ----------------------------------------------------------------------------------------
def _prepared(cls: type[QbxmlModel], body: Any) -> Any:
    """``body`` with the aliases of the module docstring resolved, recursively."""
    if not isinstance(body, dict):
        return body
    fields = cls.model_fields
    out: dict[str, Any] = {}
    for key, value in body.items():
        name = key if key in fields or f"{key}_ref" not in fields else f"{key}_ref"
        field = fields.get(name)
        if field is None:
            out[name] = value
            continue
        kinds = _models_in(field.annotation)
        if isinstance(value, list) and kinds:
            out[name] = [_item(kinds, v) for v in value]
        elif isinstance(value, dict) and kinds:
            out[name] = _item(kinds, value)
        else:
            out[name] = value
    return out


def _item(kinds: list[type[QbxmlModel]], value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    tagged = [k for k in kinds if issubclass(k, Tagged)]
    if tagged:
        element = value.get("element") or tagged[0].__qbxml__.name
        chosen = next((k for k in tagged if k.__qbxml__.name == element), tagged[0])
        return {**_prepared(chosen, value), "element": element}
    return _prepared(kinds[0], value)


def _models_in(annotation: Any) -> list[type[QbxmlModel]]:
    """The model classes a field's annotation holds (through tuples, unions, ``Annotated``)."""
    if isinstance(annotation, type) and issubclass(annotation, QbxmlModel):
        return [annotation]
    found: list[type[QbxmlModel]] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _models_in(arg) if m not in found]
    return found
