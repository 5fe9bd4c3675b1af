"""How QuickBooks hands out query results: ``MaxReturned``, iterators and the ``metaData`` count.

A query handler works out *which* records match, in QuickBooks' order; :func:`paginate` decides
how many of them this answer carries and which attributes go on the ``*Rs``:

- no ``iterator`` attribute: the first ``MaxReturned`` records (all of them without it);
- ``iterator="Start"``: the first ``MaxReturned`` records, and the rest is kept under a new
  ``{GUID}`` iterator ID; the answer carries ``iteratorRemainingCount`` and ``iteratorID`` even when
  nothing matched (statusCode 1, ``iteratorRemainingCount="0"``, as QuickBooks answers);
- ``iterator="Continue"`` with that ``iteratorID``: the next ``MaxReturned`` records of what was
  kept (the ``MaxReturned`` of the Continue counts); once nothing is left the iterator is gone;
- ``iterator="Stop"``: the iterator is forgotten; statusCode 0, ``iteratorRemainingCount="0"``;
- an ``iteratorID`` that is not open — never issued, exhausted, stopped, started by another
  request type, or lost with its QuickBooks session (:meth:`CompanyFile.close_session`,
  :meth:`~CompanyFile.restart`, :meth:`~CompanyFile.expire_iterators`) — is statusCode 3391.

An iterator keeps the *keys* (ListIDs, TxnIDs) that matched at ``Start``, not the records: a page
shows each record as it is when the page is built, a record added after ``Start`` is not in it,
and the query's filters are not read again on ``Continue``.

``metaData`` (default ``NoMetaData``: no count) adds ``retCount``, the number of ``*Ret`` elements
the answer carries (``MetaDataAndResponseData``) or would carry (``MetaDataOnly``, which answers
the count alone and neither opens, advances nor stops an iterator). With nothing to count the
answer is statusCode 1 and ``retCount="0"``. QuickBooks says its count may be approximate; here it
is exact. The attributes come in the schema's order: ``retCount``, ``iteratorRemainingCount``,
``iteratorID``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from simulator.qbxml_text import local, text_of
from simulator.records import Status


@dataclass
class Cursor:
    """One open iterator: the keys that matched at ``Start`` and how many were handed out."""

    request: str
    """The request type that started it (``CustomerQueryRq``); another type cannot continue it."""
    keys: Sequence[str]
    position: int = 0

    @property
    def remaining(self) -> int:
        return len(self.keys) - self.position


@dataclass(frozen=True)
class Page:
    """One answer's worth of keys, whether it counts as a match, and the ``*Rs`` attributes."""

    keys: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...] = ()
    found: bool | None = None
    """``None``: a match when ``keys`` is not empty (the usual rule)."""

    @property
    def matched(self) -> bool:
        return bool(self.keys) if self.found is None else self.found

    def status(self) -> Status:
        """statusCode 0 when something matched, else 1 ("did not find a matching object")."""
        return Status.ok() if self.matched else Status.no_match()


def max_returned(request: etree._Element) -> int | None:
    value = text_of(request, "MaxReturned")
    return int(value) if value is not None and value.isdigit() else None


def paginate(
    iterators: dict[str, Cursor], request: etree._Element, matching: Callable[[], Sequence[str]]
) -> Page | Status:
    """The page that answers ``request``; 3391 for a dead iterator.

    ``matching`` gives the matching keys in order; it is called for a query and for ``Start`` only
    (a ``Continue`` pages through what ``Start`` kept).
    """
    iterator = request.get("iterator")
    meta = request.get("metaData", "NoMetaData")
    size = max_returned(request)
    counted = meta in ("MetaDataOnly", "MetaDataAndResponseData")
    data = meta != "MetaDataOnly"
    if iterator not in ("Start", "Continue", "Stop"):
        keys = matching()
        chosen = tuple(keys[:size] if size is not None else keys)
        return Page(chosen if data else (), _count(counted, len(chosen)), bool(chosen))
    if iterator == "Start":
        cursor, iterator_id = Cursor(local(request), matching()), "{" + str(uuid.uuid4()) + "}"
    else:
        iterator_id = request.get("iteratorID", "")
        found = iterators.get(iterator_id)
        if found is None or found.request != local(request):
            return Status.bad_iterator(iterator_id)
        cursor = found
    take = cursor.remaining if size is None else min(size, cursor.remaining)
    if not data:
        take = 0 if iterator == "Stop" else take
        position = ("iteratorRemainingCount", str(cursor.remaining)), ("iteratorID", iterator_id)
        attributes = _count(True, take) + (position if iterator != "Start" else ())
        return Page((), attributes, take > 0 or iterator == "Stop")
    if iterator == "Stop":
        iterators.pop(iterator_id, None)
        return Page((), (*_count(counted, 0), ("iteratorRemainingCount", "0"), ("iteratorID", iterator_id)), True)
    chosen = tuple(cursor.keys[cursor.position : cursor.position + take])
    cursor.position += take
    if cursor.remaining:
        iterators[iterator_id] = cursor
    else:
        iterators.pop(iterator_id, None)
    attributes = (*_count(counted, len(chosen)), ("iteratorRemainingCount", str(cursor.remaining)))
    return Page(chosen, (*attributes, ("iteratorID", iterator_id)))


def _count(counted: bool, count: int) -> tuple[tuple[str, str], ...]:
    return (("retCount", str(count)),) if counted else ()
