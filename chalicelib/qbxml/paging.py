"""Paged queries: one query job run as many message sets with qbXML iterators, and resumed after a
lost session without re-delivering or skipping a record. List queries are resumed by name (here);
transaction queries are walked in windows of TimeModified (:mod:`chalicelib.qbxml.windows`).

A paged job holds one list query (``CustomerQueryRq``, ``VendorQueryRq``, ``ItemQueryRq`` …) and a
page size. Its pages, and where the sync stands, are a :class:`Cursor` stored on the job:

* page 1 is the query with ``iterator="Start"`` and ``MaxReturned`` = the page size;
* while the same QuickBooks session lasts, the next page is ``iterator="Continue"`` with the
  ``iteratorID`` QuickBooks gave (QuickBooks keeps the rest of the result set);
* iterators live only inside one QuickBooks session. When a session ends mid-way (closed, lost,
  QuickBooks restarted, or statusCode 3391 "iterator expired"), the next page *restarts* the query
  from the last record delivered. QuickBooks returns list records in name order, so the restart
  is the same query with ``NameRangeFilter/FromName`` = the last name delivered (inclusive: that
  record comes again, and is dropped by its ``ListID``), and its first page is marked ``resumed``.
  A query that filters with ``NameFilter`` (a ``choice`` with ``NameRangeFilter``) restarts
  unchanged and drops every record that sorts at or before the last one delivered; one that has a
  ``NameRangeFilter`` of its own keeps its ``ToName`` and starts at the later ``FromName``.

Limits, said once: the restart relies on QuickBooks' name order, compared here case-insensitively
(``str.casefold``), for the ``NameFilter`` case only; a record renamed or added behind the last
name delivered during the sync is not seen by this sync (a change feed sees it). Transaction
queries have no order a restart could key on: they are walked in windows instead.

:func:`pageable` decides at acceptance whether a query can be paged (it validates the Start, the
Continue and the restart forms against Intuit's schema), :func:`page_request` writes the request
of the next page, :func:`read_page` reads a page's answer and drops what was delivered already.
Pure: no I/O, no store.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from chalicelib.errors import GatewayError, error
from chalicelib.qbxml import windows
from chalicelib.qbxml.cursor import Cursor, Page
from chalicelib.qbxml.requests import JobRequests, validate_job
from chalicelib.qbxml.schema import SchemaCatalog
from chalicelib.qbxml.text import serialise, strip_declaration
from chalicelib.qbxml.versions import QbxmlVersion
from chalicelib.safexml import local_name, parse_xml

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 500
ITERATOR_EXPIRED = 3391
_BEFORE_NAME_RANGE = ("MaxReturned", "ActiveStatus", "FromModifiedDate", "ToModifiedDate")
_SAMPLE_NAME = "qbdgw"
__all__ = ["ITERATOR_EXPIRED", "Cursor", "Page", "expired", "page_request", "page_size_of", "pageable",
           "paging_options", "read_page", "resumed_from", "with_ceiling"]


def page_size_of(paging: object) -> int:
    """The page size a caller asked for (``{"page_size": 500}``), checked."""
    return paging_options(paging)[0]


def paging_options(paging: object) -> tuple[int, int | None]:
    """The page size and the page budget (``max_pages``, None: every page) a caller asked for, checked."""
    if not isinstance(paging, dict) or set(paging) - {"page_size", "max_pages"}:
        raise error("invalid_request", 'paging must be an object like {"page_size": 500} (and "max_pages")')
    size = paging.get("page_size", DEFAULT_PAGE_SIZE)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE_SIZE:
        raise error("invalid_request", f"paging.page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
    budget = paging.get("max_pages")
    if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
        raise error("invalid_request", "paging.max_pages must be a positive integer (or absent: every page)")
    return size, budget


def resumed_from(saved: dict[str, object], fresh: Cursor, page_size: int, budget: int | None) -> Cursor:
    """The cursor of a job that goes on where another job of the same query stopped (its page budget
    spent): ``saved`` is that job's cursor, ``fresh`` what :func:`pageable` made of this job's query."""
    cursor = Cursor.from_dict(saved)
    if cursor.finished or not cursor.pages or cursor.family != fresh.family or cursor.window_by != fresh.window_by:
        raise error("invalid_request", "the query to resume has no more pages, or is another query")
    return dataclasses.replace(cursor, page_size=page_size, resumed=False,
                               page_budget=cursor.pages + budget if budget is not None else None)


def pageable(requests: JobRequests, page_size: int, version: QbxmlVersion, catalog: SchemaCatalog) -> Cursor:
    """The cursor of a new paged job, or a refusal with a reason: it must be one query, without its own
    ``MaxReturned`` or iterator, whose Start, Continue and restart forms are valid qbXML — a list query
    restarted by name, else a transaction query walked in date windows."""
    if len(requests.elements) != 1 or not requests.names[0].endswith("QueryRq"):
        raise error("invalid_request", "paging needs exactly one query request (such as <CustomerQueryRq>)")
    query = parse_xml(requests.elements[0])
    if query.get("iterator") is not None or query.get("iteratorID") is not None:
        raise error("invalid_request", "a paged query must not set iterator attributes: the gateway sets them")
    children = [local_name(c) for c in query if isinstance(c.tag, str)]
    if "MaxReturned" in children:
        raise error("invalid_request", "a paged query must not carry MaxReturned: give paging.page_size instead")
    if "ListID" in children or "FullName" in children:
        raise error("invalid_request", "a query by ListID or FullName returns known records: it needs no paging")
    if "TxnID" in children or "RefNumber" in children or "RefNumberCaseSensitive" in children:
        raise error("invalid_request", "a query by TxnID or RefNumber returns known records: it needs no paging")
    start = Cursor(page_size=1)
    forms = (page_request(requests.elements[0], start, session=1),
             page_request(requests.elements[0], dataclasses.replace(start, pages=1, iterator_id="{0}", session=1),
                          session=1),
             page_request(requests.elements[0], dataclasses.replace(start, pages=1, last_name=_SAMPLE_NAME),
                          session=2))
    try:
        for form in forms:
            validate_job(JobRequests((form,), requests.names), version, catalog)
    except GatewayError as by_name:
        try:
            cursor = windows.first_cursor(query, page_size)
            for form in windows.forms(requests.elements[0], cursor):
                validate_job(JobRequests((form,), requests.names), version, catalog)
        except GatewayError as by_window:
            raise error("invalid_request", f"{requests.names[0]} cannot be paged: not by name ({by_name.message}), "
                                           f"not by date ({by_window.message})") from by_window
        return cursor
    return Cursor(page_size=page_size)


def with_ceiling(requests: JobRequests, ceiling: int, version: QbxmlVersion,
                 catalog: SchemaCatalog) -> tuple[JobRequests, int | None]:
    """An unpaged job with ``MaxReturned`` = ``ceiling`` on each query that takes one and has none
    (the answer must fit one SOAP body); the ceiling applied, or None when no request took it."""
    elements, applied = list(requests.elements), False
    for index, (element, name) in enumerate(zip(requests.elements, requests.names, strict=True)):
        if not name.endswith("QueryRq"):
            continue
        query = parse_xml(element)
        tags = [local_name(c) for c in query if isinstance(c.tag, str)]
        if "MaxReturned" in tags or query.get("iterator") is not None:
            continue
        set_max_returned(query, ceiling)
        candidate = str(etree.tostring(query, encoding="unicode"))
        try:
            validate_job(JobRequests((candidate,), (name,)), version, catalog)
        except GatewayError:  # this query takes no MaxReturned there (by ID, a report, CompanyQuery …)
            continue
        elements[index], applied = candidate, True
    return JobRequests(tuple(elements), requests.names), ceiling if applied else None


def page_request(element: str, cursor: Cursor, *, session: int) -> str:
    """The request of the next page (without ``requestID``), for a session at lease epoch ``session``."""
    if cursor.family == "txn":
        return windows.window_request(element, cursor, session=session)
    query = parse_xml(element)
    if cursor.iterator_id and cursor.session == session:
        set_max_returned(query, cursor.page_size)
        query.set("iterator", "Continue")
        query.set("iteratorID", cursor.iterator_id)
    else:
        # A restart from the last name gets the records delivered under it again, and drops them: it asks
        # for that many more, so that the page still holds page_size records.
        set_max_returned(query, cursor.page_size + (len(cursor.last_ids) if cursor.last_name is not None else 0))
        query.set("iterator", "Start")
        if cursor.last_name is not None:
            _restart_from(query, cursor.last_name)
    windows.include_ret_elements(query, RESTART_KEYS)  # a restart keys on them, whatever the caller names
    return str(etree.tostring(query, encoding="unicode"))


RESTART_KEYS = ("ListID", "FullName", "Name")
"""What a list page must return for a restart to find its place (by name) and drop a record sent again (by
``ListID``), added to a caller's own ``IncludeRetElement`` names."""


def restarting(cursor: Cursor, session: int) -> bool:
    """Will the next page restart the query (not the first page, and its iterator is gone)?"""
    return cursor.pages > 0 and not (cursor.iterator_id and cursor.session == session)


def expired(cursor: Cursor) -> Cursor:
    """QuickBooks said the iterator expired (3391): the next page restarts from the last record."""
    return dataclasses.replace(cursor, iterator_id=None, session=None, answers=cursor.answers + 1)


def read_page(response: str, cursor: Cursor, *, session: int, request_id: str) -> Page:
    """Read the answer to the page asked with ``request_id`` in lease epoch ``session``.

    Raises ``quickbooks_response_unreadable`` when the answer has no ``…Rs`` for it.
    """
    root, answer = answer_element(response, request_id)
    if cursor.family == "txn":
        return windows.read_window(root, answer, response, cursor, session=session)
    status = int(answer.get("statusCode", "0") or 0)
    resumed = restarting(cursor, session)
    if status not in (0, 1):
        return Page(status, 0, 0, cursor.remaining or 0, None, response, cursor, resumed)
    records = [e for e in answer if isinstance(e.tag, str) and local_name(e).endswith("Ret")]
    dropped = 0
    if resumed and cursor.last_name is not None:
        boundary = cursor.last_name.casefold()
        for record in records:
            name = _name_of(record)
            if _list_id(record) in cursor.last_ids or (name is not None and name.casefold() < boundary):
                answer.remove(record)
                dropped += 1
        records = [r for r in records if r.getparent() is not None]
    remaining = int(answer.get("iteratorRemainingCount", "0") or 0)
    last_name, last_ids = cursor.last_name, cursor.last_ids
    for record in records:
        name = _name_of(record)
        if name is None:
            continue
        ids = (_list_id(record),) if _list_id(record) else ()
        last_ids = (*last_ids, *ids) if name == last_name else ids
        last_name = name
    if dropped:
        answer.set("retCount", str(len(records)))
    new = dataclasses.replace(
        cursor, pages=cursor.pages + 1, records=cursor.records + len(records), page_records=len(records),
        iterator_id=answer.get("iteratorID") if remaining else None, session=session if remaining else None,
        remaining=remaining, last_name=last_name, last_ids=last_ids,
        restarts=cursor.restarts + (1 if resumed else 0), answers=cursor.answers + 1, resumed=resumed,
        finished=remaining == 0)
    text = response if not dropped else serialise(root, response)
    return Page(status, len(records), dropped, remaining, new.iterator_id, text, new, resumed)


def set_max_returned(query: etree._Element, size: int) -> None:
    for child in query:
        if isinstance(child.tag, str) and local_name(child) == "MaxReturned":
            query.remove(child)
    element = etree.Element("MaxReturned")
    element.text = str(size)
    query.insert(0, element)  # first of every list filter (ListFilter, ListWithClassFilter, …)


def _restart_from(query: etree._Element, name: str) -> None:
    children = [c for c in query if isinstance(c.tag, str)]
    tags = [local_name(c) for c in children]
    if "NameFilter" in tags:
        return  # a choice with NameRangeFilter: restart unchanged; read_page drops what sorts before
    existing = children[tags.index("NameRangeFilter")] if "NameRangeFilter" in tags else None
    if existing is not None:
        low = next((c for c in existing if isinstance(c.tag, str) and local_name(c) == "FromName"), None)
        if low is not None and (low.text or "").casefold() > name.casefold():
            return  # its own FromName is further on
        if low is None:
            low = etree.Element("FromName")
            existing.insert(0, low)
        low.text = name
        return
    range_filter = etree.Element("NameRangeFilter")
    etree.SubElement(range_filter, "FromName").text = name
    after = [i for i, tag in enumerate(tags) if tag in _BEFORE_NAME_RANGE]
    position = children[after[-1]].getparent().index(children[after[-1]]) + 1 if after else 0
    query.insert(position, range_filter)


def _name_of(record: etree._Element) -> str | None:
    for tag in ("FullName", "Name"):
        found = next((c for c in record if isinstance(c.tag, str) and local_name(c) == tag), None)
        if found is not None and found.text:
            return str(found.text)
    return None


def _list_id(record: etree._Element) -> str:
    found = next((c for c in record if isinstance(c.tag, str) and local_name(c) == "ListID"), None)
    return str(found.text) if found is not None and found.text else ""


def answer_element(response: str, request_id: str) -> tuple[etree._Element, etree._Element]:
    """The answer document and its ``…Rs`` for ``request_id``; ``quickbooks_response_unreadable`` without."""
    root = parse_xml(strip_declaration(response), max_bytes=64_000_000)
    answer = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("requestID") == request_id), None)
    if answer is None or not local_name(answer).endswith("Rs"):
        raise error("quickbooks_response_unreadable", f"the answer has no response to page request {request_id}")
    return root, answer
