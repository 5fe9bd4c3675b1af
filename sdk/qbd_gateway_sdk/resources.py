"""The typed resources' machinery: what ``client.customers.list(...)`` and the other generated methods run.

:mod:`qbd_gateway_sdk.resources_generated` has one class per REST resource (``Customers``,
``SalesReceipts``… and their ``Async…`` twins), generated from the gateway's resource catalog, with only
the operations the resource has. Each method is a thin typed front of the bases here:

* :class:`SyncResource` / :class:`AsyncResource` build each operation as a plan
  (:mod:`qbd_gateway_sdk.calls`: the call, its long polls, retries) and hand it to their client to run;
* the answer's JSON is read into the typed model of the record (``CustomerRet``…, from
  :mod:`qbd_gateway_sdk.qbxml`, imported on first use by :func:`~qbd_gateway_sdk.qbxml.model_for`), so
  amounts are ``Decimal`` and ``id`` is the ``ListID``/``TxnID``; a resource whose query answers several
  kinds (``items``) reads each record by its ``element``;
* a list is a :class:`ListPager` (:class:`AsyncListPager`): iterating it yields the records of every
  page, calling the list again with ``next_cursor`` until there is none (each page one call, with its own
  total timeout); ``pages()`` yields the :class:`Page`\\ s themselves. A list the gateway answers in one
  page that its limit cut (``has_more`` without a cursor) ends the records' iteration with
  ``list_truncated``, never passing for the whole list;
* :class:`SyncClientBase` / :class:`AsyncClientBase` are what the clients have beside the resources:
  ``request(end_user_id, "InvoiceAdd", invoice_add={...})`` (any request message, answered with its typed
  ``*Rs`` in a :class:`RequestResult`) and ``wait_for_result(job_id)`` (a job's result, e.g. after a
  :class:`~qbd_gateway_sdk.errors.JobTimeoutError`).

A body's values may be plain JSON values, ``Decimal``\\ s, dates or the typed models themselves (an
``InvoiceLineAdd``…); the gateway validates the body against the ``…Add``/``…Mod`` aggregate and refuses
what does not fit with an :class:`~qbd_gateway_sdk.errors.InvalidRequestError` naming the field.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from qbd_gateway_sdk.calls import (
    NOT_FOUND_CODES,
    Answer,
    CallPolicy,
    Plan,
    json_value,
    poll_job,
    query_params,
    segment,
    typed_call,
)
from qbd_gateway_sdk.errors import QbdGatewayError
from qbd_gateway_sdk.qbxml import QbxmlModel, QbxmlRequest, QbxmlResponse, model_for

T = TypeVar("T")
M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)

# The values of the list filters (a list's other parameters, ``**filters``, take any of FilterValue).
Ids: TypeAlias = str | Sequence[str]
"""One id (name, reference number) or several: sent comma-separated."""
DateLike: TypeAlias = date | str
DateTimeLike: TypeAlias = datetime | date | str
Status: TypeAlias = Literal["active", "inactive", "all"]
FilterValue: TypeAlias = str | int | bool | Decimal | date | datetime | Sequence[str]


class SyncRunner(Protocol):
    """What a resource needs of its client: the policy of its calls, and running a plan (``Client``)."""

    def _call_policy(self) -> CallPolicy: ...

    def _run_plan(self, plan: Plan[T]) -> T: ...


class AsyncRunner(Protocol):
    """The same for :class:`~qbd_gateway_sdk.AsyncClient`: a plan runs as a coroutine."""

    def _call_policy(self) -> CallPolicy: ...

    async def _run_plan(self, plan: Plan[T]) -> T: ...


# What the calls answer ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page(Generic[M_co]):
    """One page of a list: its records, whether more follow, the cursor of the next page, QuickBooks' count
    of the records still to come (when it says), and the job that read it."""

    data: tuple[M_co, ...]
    has_more: bool
    next_cursor: str | None
    remaining_count: int | None
    job_id: str | None


class _Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class Deleted(_Outcome):
    """What a delete did: ``id`` and ``deleted`` (true), with QuickBooks' ``list_del_type``/``txn_del_type``,
    ``time_deleted`` and ``full_name`` or ``ref_number`` as extra fields."""

    id: str | None
    deleted: bool


class Voided(_Outcome):
    """What a void did: ``id`` and ``voided`` (true), with ``txn_void_type``, ``time_modified``… as extra fields."""

    id: str | None
    voided: bool


@dataclass(frozen=True)
class RequestResult:
    """The answer of ``client.request(...)``: its job ``id``, the request ``type`` (``"InvoiceAdd"``) and
    QuickBooks' ``response``, typed (``InvoiceAddRs``: ``status_code``, ``status_message``, ``invoice_ret``…)."""

    id: str
    type: str
    response: QbxmlResponse


# Reading the JSON ---------------------------------------------------------------------------------------------
def parse_record(data: Any, records: tuple[str, ...]) -> Any:
    """One record's JSON as its model: ``records`` names the possible classes (one, or a union's by ``element``)."""
    if not isinstance(data, dict):
        raise QbdGatewayError("unexpected_response", f"a record is not a JSON object: {str(data)[:200]}")
    name = records[0] if len(records) == 1 else data.get("element")
    if not isinstance(name, str) or name not in records:
        raise QbdGatewayError("unexpected_response", f"a record of {data.get('element')!r}, not one of {records}")
    return _validated(model_for(name), data)


def _validated(cls: type[QbxmlModel], data: Mapping[str, Any]) -> Any:
    try:
        return cls.model_validate(known_fields(cls, data))
    except ValidationError as exc:
        raise QbdGatewayError("unexpected_response", f"the answer is not a {cls.__name__}: {exc}") from exc


def known_fields(cls: type[QbxmlModel], data: Mapping[str, Any]) -> dict[str, Any]:
    """A record's JSON without the fields this SDK's models do not have, at every depth: a gateway with
    newer models (a later qbXML version) may answer more than this SDK knows, and a record is still read.
    (The models themselves refuse unknown fields: what *you* send is checked strictly.)"""
    fields = cls.model_fields
    kept: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            if key in ("id", "element"):  # computed on output; the models read them back and drop them
                kept[key] = value
            continue
        kinds = _models_in(field.annotation)
        if kinds and isinstance(value, dict):
            kept[key] = known_fields(_kind(kinds, value), value)
        elif kinds and isinstance(value, list):
            kept[key] = [known_fields(_kind(kinds, item), item) if isinstance(item, dict) else item for item in value]
        else:
            kept[key] = value
    return kept


def _kind(kinds: list[type[QbxmlModel]], value: Mapping[str, Any]) -> type[QbxmlModel]:
    """The class of one item: the one its ``element`` names (an item of a repeated choice), else the first."""
    element = value.get("element")
    return next((k for k in kinds if k.__qbxml__.name == element), kinds[0])


def _models_in(annotation: Any) -> list[type[QbxmlModel]]:
    """The model classes a field's annotation holds (through tuples, unions, ``Annotated``)."""
    if isinstance(annotation, type) and issubclass(annotation, QbxmlModel):
        return [annotation]
    found: list[type[QbxmlModel]] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _models_in(arg) if m not in found]
    return found


def parse_page(answer: Answer, records: tuple[str, ...]) -> Page[Any]:
    """A list's answer (``{"object": "list", "data": [...], "has_more", "next_cursor", "remaining_count"}``)
    as a :class:`Page`. A list the gateway answers in one page, cut by its limit, has ``has_more`` true
    and no ``next_cursor``."""
    body = answer.body if isinstance(answer.body, dict) else {}
    if body.get("object") != "list" or not isinstance(body.get("data"), list):
        raise QbdGatewayError("unexpected_response", f"not a list: {str(answer.body)[:300]}", job_id=answer.job_id)
    cursor = body.get("next_cursor")
    more = bool(body.get("has_more"))
    remaining = body.get("remaining_count")
    return Page(tuple(parse_record(item, records) for item in body["data"]), more,
                cursor if more and isinstance(cursor, str) and cursor else None,
                remaining if isinstance(remaining, int) else None, answer.job_id)


def _whole(page: Page[Any]) -> None:
    """After a list's last page: ``list_truncated`` when its limit cut it and no cursor reads the rest."""
    if page.has_more and page.next_cursor is None:
        raise QbdGatewayError("list_truncated", f"this list is answered in one page, and its limit cut it after "
                                                f"{len(page.data)} records: ask a higher limit (up to 1000) or "
                                                "narrow the filters", job_id=page.job_id)


def _request_fields(request: str | QbxmlRequest, fields: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``("InvoiceAdd", {...})`` or a request model → the message's name and the body's fields."""
    if isinstance(request, QbxmlRequest):
        return request.__qbxml__.name, {**json_value(request), **fields}
    return request, dict(fields)


def _request_result(answer: Answer) -> RequestResult:
    body = answer.body if isinstance(answer.body, dict) else {}
    response = body.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("type"), str):
        raise QbdGatewayError("unexpected_response", f"not a request's answer: {str(answer.body)[:300]}",
                              job_id=answer.job_id)
    try:
        cls = model_for(response["type"])
    except KeyError as exc:
        raise QbdGatewayError("unexpected_response", f"{response['type']!r} is not a qbXML 16.0 response",
                              job_id=answer.job_id) from exc
    typed = _validated(cls, {k: v for k, v in response.items() if k != "type"})
    return RequestResult(str(body.get("id") or answer.job_id or ""), str(body.get("type") or ""), typed)


# The plans of each operation --------------------------------------------------------------------------------
class _Resource:
    """A REST resource: its name in the path (``"sales-receipts"``), the classes of its records, and each
    operation as a plan (:mod:`qbd_gateway_sdk.calls`), shared by the sync and async resources."""

    path: ClassVar[str]
    records: ClassVar[tuple[str, ...]]

    def _policy(self) -> CallPolicy:
        raise NotImplementedError

    def _collection(self, end_user_id: str) -> str:
        return f"/v1/end-users/{segment(end_user_id)}/{self.path}"

    def _member(self, end_user_id: str, object_id: str) -> str:
        return f"{self._collection(end_user_id)}/{segment(object_id)}"

    def _page_plan(self, end_user_id: str, params: tuple[tuple[str, str], ...], timeout: float | None
                   ) -> Plan[Page[Any]]:
        answer = yield from typed_call(self._policy(), "GET", self._collection(end_user_id), params=params,
                                       safe=True, timeout=timeout)
        return parse_page(answer, self.records)

    def _read_plan(self, path: str, timeout: float | None, params: tuple[tuple[str, str], ...] = (), *,
                   not_found: bool = False) -> Plan[Any]:
        answer = yield from typed_call(self._policy(), "GET", path, params=params, safe=True, timeout=timeout,
                                       not_found_codes=NOT_FOUND_CODES if not_found else frozenset())
        return parse_record(answer.body, self.records)

    def _retrieve_plan(self, end_user_id: str, object_id: str, timeout: float | None) -> Plan[Any]:
        return self._read_plan(self._member(end_user_id, object_id), timeout, not_found=True)

    def _singleton_plan(self, end_user_id: str, timeout: float | None) -> Plan[Any]:
        return self._read_plan(self._collection(end_user_id), timeout)

    def _report_plan(self, end_user_id: str, kind: str, params: Mapping[str, Any], timeout: float | None
                     ) -> Plan[Any]:
        return self._read_plan(self._member(end_user_id, kind), timeout, query_params(params))

    def _write(self, method: str, path: str, body: Any, key: str | None, timeout: float | None, *,
               not_found: bool = False) -> Plan[Answer]:
        return typed_call(self._policy(), method, path, body=body, idempotency_key=key, safe=key is not None,
                          timeout=timeout, not_found_codes=NOT_FOUND_CODES if not_found else frozenset())

    def _create_plan(self, end_user_id: str, fields: Mapping[str, Any], key: str | None, timeout: float | None
                     ) -> Plan[Any]:
        answer = yield from self._write("POST", self._collection(end_user_id), json_value(fields), key, timeout)
        return parse_record(answer.body, self.records)

    def _update_plan(self, end_user_id: str, object_id: str, revision_number: str, fields: Mapping[str, Any],
                     key: str | None, timeout: float | None) -> Plan[Any]:
        body = json_value({**fields, "revision_number": revision_number})
        answer = yield from self._write("POST", self._member(end_user_id, object_id), body, key, timeout)
        return parse_record(answer.body, self.records)

    def _delete_plan(self, end_user_id: str, object_id: str, key: str | None, timeout: float | None
                     ) -> Plan[Deleted]:
        answer = yield from self._write("DELETE", self._member(end_user_id, object_id), None, key, timeout,
                                        not_found=True)
        return _outcome(Deleted, answer)

    def _void_plan(self, end_user_id: str, object_id: str, key: str | None, timeout: float | None) -> Plan[Voided]:
        answer = yield from self._write("POST", f"{self._member(end_user_id, object_id)}/void", {}, key, timeout,
                                        not_found=True)
        return _outcome(Voided, answer)


Out = TypeVar("Out", bound=_Outcome)


def _outcome(model: type[Out], answer: Answer) -> Out:
    try:
        return model.model_validate(answer.body)
    except ValidationError as exc:
        raise QbdGatewayError("unexpected_response", f"not a {model.__name__}: {exc}", job_id=answer.job_id) from exc


def request_plan(policy: CallPolicy, end_user_id: str, request: str | QbxmlRequest, fields: Mapping[str, Any],
                 idempotency_key: str | None, timeout: float | None) -> Plan[RequestResult]:
    """``POST …/requests``: any request message, typed; its answer as a :class:`RequestResult`."""
    name, values = _request_fields(request, fields)
    body = {"type": name, **json_value(values)}
    kind = name.removesuffix("Rq")

    def from_view(view: Mapping[str, Any], job_id: str) -> Any:
        """A request's job keeps no ``result``: its answer is the first of its ``response_json``."""
        rendered = view.get("response_json")
        if not isinstance(rendered, list) or not rendered:
            raise QbdGatewayError("unexpected_response", f"job {job_id} succeeded without its JSON answer "
                                  f"({view.get('response_json_error') or view.get('response_json_omitted')})",
                                  job_id=job_id)
        return {"id": job_id, "type": kind, "response": rendered[0]}

    answer = yield from typed_call(policy, "POST", f"/v1/end-users/{segment(end_user_id)}/requests", body=body,
                                   idempotency_key=idempotency_key, safe=idempotency_key is not None,
                                   timeout=timeout, read=from_view)
    return _request_result(answer)


def result_plan(policy: CallPolicy, job_id: str, timeout: float | None) -> Plan[Any]:
    """A typed call's job (after a :class:`~qbd_gateway_sdk.errors.JobTimeoutError`, say) to its ``result``."""
    total = policy.call_timeout if timeout is None else max(0.0, timeout)
    answer = yield from poll_job(policy, job_id, policy.clock() + total, total)
    return answer.body


class SyncClientBase:
    """What :class:`~qbd_gateway_sdk.Client` adds to its generated resources: any request, a job's result."""

    def _call_policy(self) -> CallPolicy:
        raise NotImplementedError

    def _run_plan(self, plan: Plan[T]) -> T:
        raise NotImplementedError

    def request(self, end_user_id: str, request: str | QbxmlRequest, *, idempotency_key: str | None = None,
                timeout: float | None = None, **fields: Any) -> RequestResult:
        """Any qbXML request, typed: ``client.request(eu, "InvoiceAdd", invoice_add={...})`` or a request model
        (``client.request(eu, CustomerQueryRq(max_returned=5))``); answered with QuickBooks' typed ``*Rs``.
        Retried only with an ``idempotency_key``."""
        return self._run_plan(request_plan(self._call_policy(), end_user_id, request, fields, idempotency_key,
                                           timeout))

    def wait_for_result(self, job_id: str, *, timeout: float | None = None) -> Any:
        """The ``result`` JSON of a typed call's job, long-polling up to ``timeout`` (the call timeout) seconds:
        for a job whose call raised :class:`~qbd_gateway_sdk.errors.JobTimeoutError`. Read it into its model
        with ``CustomerRet.model_validate(result)``; a failed job raises its error."""
        return self._run_plan(result_plan(self._call_policy(), job_id, timeout))


class AsyncClientBase:
    """:class:`SyncClientBase` for :class:`~qbd_gateway_sdk.AsyncClient`."""

    def _call_policy(self) -> CallPolicy:
        raise NotImplementedError

    async def _run_plan(self, plan: Plan[T]) -> T:
        raise NotImplementedError

    async def request(self, end_user_id: str, request: str | QbxmlRequest, *, idempotency_key: str | None = None,
                      timeout: float | None = None, **fields: Any) -> RequestResult:
        """See :meth:`SyncClientBase.request`."""
        return await self._run_plan(request_plan(self._call_policy(), end_user_id, request, fields,
                                                 idempotency_key, timeout))

    async def wait_for_result(self, job_id: str, *, timeout: float | None = None) -> Any:
        """See :meth:`SyncClientBase.wait_for_result`."""
        return await self._run_plan(result_plan(self._call_policy(), job_id, timeout))


def _list_params(limit: int | None, cursor: str | None, filters: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The first page's parameters: the filters and ``limit``; a page after it (``cursor``): ``limit`` and the
    cursor only — a cursor keeps its list's filters."""
    if cursor is not None:
        return query_params({"limit": limit, "cursor": cursor})
    return query_params({**filters, "limit": limit})


# Sync -------------------------------------------------------------------------------------------------------
class ListPager(Generic[M]):
    """The records of a list, page after page: iterate it for the records, ``pages()`` for the pages.

    Nothing is asked before it is iterated; each iteration starts again from the first page (or from the
    ``cursor`` it was given). Each page is one call, with the call's total timeout.
    """

    def __init__(self, resource: SyncResource, end_user_id: str, limit: int | None, cursor: str | None,
                 timeout: float | None, filters: Mapping[str, Any]) -> None:
        self._resource = resource
        self._end_user_id = end_user_id
        self._limit = limit
        self._cursor = cursor
        self._timeout = timeout
        self._filters = dict(filters)

    def pages(self) -> Iterator[Page[M]]:
        cursor = self._cursor
        while True:
            params = _list_params(self._limit, cursor, self._filters)
            page: Page[M] = self._resource._runner._run_plan(
                self._resource._page_plan(self._end_user_id, params, self._timeout))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def first_page(self) -> Page[M]:
        """Only the first page (its ``next_cursor`` resumes the list later, e.g. ``list(..., cursor=…)``)."""
        return next(iter(self.pages()))

    def __iter__(self) -> Iterator[M]:
        for page in self.pages():
            yield from page.data
        _whole(page)


class SyncResource(_Resource):
    """A resource of :class:`~qbd_gateway_sdk.Client`; the generated subclasses say which operations it has."""

    def __init__(self, runner: SyncRunner) -> None:
        self._runner = runner

    def _policy(self) -> CallPolicy:
        return self._runner._call_policy()

    def _list(self, end_user_id: str, limit: int | None, cursor: str | None, timeout: float | None,
              filters: Mapping[str, Any]) -> ListPager[Any]:
        return ListPager(self, end_user_id, limit, cursor, timeout, filters)


# Async ------------------------------------------------------------------------------------------------------
class AsyncListPager(Generic[M]):
    """:class:`ListPager` for :class:`~qbd_gateway_sdk.AsyncClient`: ``async for record in pager``,
    ``async for page in pager.pages()``."""

    def __init__(self, resource: AsyncResource, end_user_id: str, limit: int | None, cursor: str | None,
                 timeout: float | None, filters: Mapping[str, Any]) -> None:
        self._resource = resource
        self._end_user_id = end_user_id
        self._limit = limit
        self._cursor = cursor
        self._timeout = timeout
        self._filters = dict(filters)

    async def pages(self) -> AsyncIterator[Page[M]]:
        cursor = self._cursor
        while True:
            params = _list_params(self._limit, cursor, self._filters)
            page: Page[M] = await self._resource._runner._run_plan(
                self._resource._page_plan(self._end_user_id, params, self._timeout))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def first_page(self) -> Page[M]:
        async for page in self.pages():
            return page
        raise AssertionError("a list has a first page")  # pragma: no cover

    async def __aiter__(self) -> AsyncIterator[M]:
        async for page in self.pages():
            for record in page.data:
                yield record
        _whole(page)


class AsyncResource(_Resource):
    """A resource of :class:`~qbd_gateway_sdk.AsyncClient`."""

    def __init__(self, runner: AsyncRunner) -> None:
        self._runner = runner

    def _policy(self) -> CallPolicy:
        return self._runner._call_policy()

    def _list(self, end_user_id: str, limit: int | None, cursor: str | None, timeout: float | None,
              filters: Mapping[str, Any]) -> AsyncListPager[Any]:
        return AsyncListPager(self, end_user_id, limit, cursor, timeout, filters)
