"""A finished job → the JSON a typed call answers, and the JSON rendering of any qbXML answer.

:func:`render_messages` turns every ``*Rs`` of an answer into its model's JSON (``docs/models.md``:
snake_case, amounts as strings, ``id`` beside ``list_id``/``txn_id``), unset fields left out:
``[{"type": "CustomerQueryRs", "request_id": …, "status_code": 0, …, "customer_ret": [{…}]}]``. It is
what ``GET /v1/jobs/{id}`` and, for jobs that ask for it, the SQS result carry next to the raw qbXML.

:func:`answer_of` is the body of a typed call: the object (retrieve, create, update), the objects of a
list page (``data``), or what a delete or void did. A failed job raises its error (a stale
``revision_number`` is 409 ``stale_edit_sequence``); a retrieve, delete or void of an id QuickBooks
does not have is 404 ``object_not_found``, whose ``integration_code`` is still the ``statusCode``
QuickBooks answered (3120, 500 …).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from chalicelib.errors import GatewayError, error, error_from_dict
from chalicelib.qbxml.cursor import Cursor
from chalicelib.qbxml.models import QbxmlModel, QbxmlParseError, from_qbxml
from chalicelib.qbxml.text import strip_declaration
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml

_ENVELOPE_FIELDS = frozenset({"request_id", "status_code", "status_severity", "status_message", "iterator_id",
                              "iterator_remaining_count", "ret_count"})
_NOT_FOUND = frozenset({"referenced_record_not_found", "records_partly_not_found", "invalid_object_id"})


def _clean(value: Any) -> Any:
    """JSON without empty lists and objects (an unset repeated element)."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v != [] and v != {}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_json(model: QbxmlModel) -> dict[str, Any]:
    """A model as the API's JSON."""
    dumped: dict[str, Any] = _clean(model.model_dump(mode="json", exclude_none=True))
    return dumped


def _responses(text: str) -> Iterator[Any]:
    try:
        root = parse_xml(strip_declaration(text), max_bytes=64_000_000)
    except UnsafeXmlError as exc:
        raise error("quickbooks_response_unreadable", f"the answer could not be read: {exc}") from exc
    for element in root.iter():
        if isinstance(element.tag, str) and local_name(element).endswith("Rs"):
            yield element


def render_messages(text: str) -> list[dict[str, Any]]:
    """Every ``*Rs`` of an answer as JSON, in order; an element no model knows is skipped."""
    rendered = []
    for element in _responses(text):
        try:
            model = from_qbxml(element)
        except (KeyError, QbxmlParseError, ValidationError):  # not a message of 16.0, or not one in its shape
            continue
        rendered.append({"type": local_name(element), **to_json(model)})
    return rendered


def _objects(rendered: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of one rendered ``*Rs`` (its ``…_ret`` values), in order."""
    found: list[dict[str, Any]] = []
    for key, value in rendered.items():
        if key in _ENVELOPE_FIELDS or key == "type":
            continue
        found += [v for v in value if isinstance(v, dict)] if isinstance(value, list) else (
            [value] if isinstance(value, dict) else [])
    return found


def records_of(text: str) -> list[dict[str, Any]]:
    """Every record of every ``*Rs`` of an answer as JSON, in order (a change-feed catch-up's page)."""
    return [record for message in render_messages(text) for record in _objects(message)]


def answer_of(operation: str, status: str, job_error: dict[str, Any] | None, text: str | None,
              request_id: str, rendered: list[dict[str, Any]] | None = None,
              paging: Mapping[str, Any] | None = None, limit: int | None = None) -> dict[str, Any]:
    """The JSON of a finished typed call (``operation``: list, one, retrieve, create, update, delete, void,
    report, request); raises the job's error when it failed. ``rendered``: :func:`render_messages` of ``text``, when
    the caller has it already (the answer is then not read twice); ``paging``: a list page's cursor, for
    its ``has_more`` and ``next_cursor``; ``limit``: a one-page list's limit (it asked QuickBooks for one
    record more): a list it cut has ``has_more`` true with neither cursor nor count."""
    if status != "succeeded":
        err = error_from_dict(job_error or {"code": "internal_error", "message": f"the job ended {status}"})
        raise _not_found(err) if operation in ("retrieve", "delete", "void") and err.code in _NOT_FOUND else err
    if text is None:
        raise error("internal_error", "the job succeeded without an answer to read")
    messages = render_messages(text) if rendered is None else rendered
    response = next((m for m in messages if m.get("request_id") == request_id), None)
    if response is None:
        raise error("quickbooks_response_unreadable", f"the answer has no readable response to request {request_id}")
    if operation == "request":  # POST …/requests: QuickBooks' answer as it is
        return {"id": request_id, "type": str(response["type"]).removesuffix("Rs"), "response": response}
    records = _objects(response)
    if operation == "list":
        if paging:
            return {"object": "list", "data": records, **list_extras(request_id, paging)}
        if limit is not None and len(records) > limit:  # one page, cut: no iterator to read the rest by
            return {"object": "list", "data": records[:limit], "has_more": True, "next_cursor": None,
                    "remaining_count": None}
        return {"object": "list", "data": records, "has_more": False, "next_cursor": None, "remaining_count": 0}
    if operation in ("report", "one"):  # a report, or a singleton (the company, its preferences)
        return records[0] if records else {}
    if operation in ("delete", "void"):
        fields = {k: v for k, v in response.items() if k not in _ENVELOPE_FIELDS and k != "type"}
        done = "deleted" if operation == "delete" else "voided"
        return {"id": fields.get("list_id") or fields.get("txn_id"), done: True, **fields}
    if not records:
        if operation == "retrieve":
            status_code = response.get("status_code")
            raise error("object_not_found", f"QuickBooks answered without the object (statusCode {status_code})",
                        integration_code=str(status_code) if status_code else None)
        raise error("quickbooks_response_unreadable", f"{response['type']} carries no object")
    return records[0]


def _not_found(err: GatewayError) -> GatewayError:
    """A call by id QuickBooks refused for want of the object: 404, with QuickBooks' own statusCode kept."""
    return error("object_not_found", f"QuickBooks has no such object ({err.code}: {err.message})",
                 integration_code=err.integration_code)


def cursor_token(job_id: str, pages: int) -> str:
    """A list page's ``next_cursor``: the one-page job that delivered it, and how many pages it had then."""
    return base64.urlsafe_b64encode(f"{job_id}:{pages}".encode()).decode().rstrip("=")


def cursor_key(token: str) -> tuple[str, int]:
    """The job id and page count a ``cursor`` names; ``invalid_request`` for one this API did not give."""
    try:
        job_id, _, pages = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().rpartition(":")
        return job_id, int(pages)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise error("invalid_request", "cursor is not one this API gave") from exc


def list_extras(job_id: str, paging: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a list page says of the rest: ``has_more``, ``next_cursor``, ``remaining_count``."""
    cursor = Cursor.from_dict(dict(paging or {}))
    more = not cursor.finished
    return {"has_more": more, "next_cursor": cursor_token(job_id, cursor.pages) if more else None,
            "remaining_count": cursor.remaining if more else 0}
