"""Paged transaction queries: a date range walked in windows, each one iterated whole.

QuickBooks returns transactions in no order a restart could start from, so a transaction query
cannot be resumed "after the last record" the way a list query is (:mod:`chalicelib.qbxml.paging`).
Instead the gateway walks a date range of the query in consecutive windows ``[from, to]`` and
iterates each window with the usual iterator. A restart after a lost session or an expired iterator
(3391) runs the current window again and drops the ``TxnID``s it already delivered from it, so the
cursor only ever remembers one window's ids, never the whole sync's.

The range walked is the query's own date filter. qbXML makes ``ModifiedDateRangeFilter`` and
``TxnDateRangeFilter`` a ``choice``, so a query has at most one of them:

* ``ModifiedDateRangeFilter`` (or no date filter: everything up to now) — windows of TimeModified,
  whole seconds (``by="modified"``);
* ``TxnDateRangeFilter`` with ``FromTxnDate``/``ToTxnDate`` — windows of the transaction date, whole
  days (``by="txn_date"``). A ``DateMacro`` (``ThisFiscalYear`` …) is refused: QuickBooks resolves it
  by its own calendar, which a restart cannot reproduce; give the dates.

The walk:

1. *count*: ``metaData="MetaDataOnly"`` for ``[from, open end]``. If the rest of the range holds at
   most :func:`window_cap` records, that is the last window; otherwise count ``[from, from + span]``,
   narrowing ``span`` in proportion until the window holds at most the cap (a window never narrows
   below one step: two seconds, or one day). The rest is counted once; after each window what is left
   of it is estimated, and counted whole again only when it may fit one window;
2. *walk* the window with ``iterator="Start"``/``"Continue"`` and ``MaxReturned`` = the page size;
3. the next window starts one step (a second, a day) after this one ends (bounds are inclusive), its
   span grown from what this one held.

Windows are wall-clock times of the QuickBooks machine (no UTC offset is sent), as QuickBooks reads
a date filter. Limits: walked by TimeModified, a record modified while the sync runs moves to a later
window and comes again with its new revision (deduplicate by ``TxnID`` and ``EditSequence``), or,
modified into a window already walked, is left to the next sync; walked by transaction date, a record
moves only if its date is edited. A single step (a second, a day) holding more than the cap is walked
as one window all the same (its ids are remembered: a day of 10,000 invoices keeps 10,000 TxnIDs on the
job, about 250 KB, near the item's limit). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from chalicelib.errors import error
from chalicelib.qbxml.cursor import Cursor, Page
from chalicelib.qbxml.text import serialise
from chalicelib.safexml import local_name, parse_xml

EARLIEST = "1980-01-01T00:00:00"  # before any QuickBooks data: the start of an open range
FIRST_SPAN = 30 * 86400  # seconds: the first bounded window, when the open range holds too much
MAX_SPAN = 40 * 365 * 86400
_DAY = 86400


@dataclass(frozen=True)
class _Axis:
    """One date filter a walk can run on: its qbXML names, its text format and its step in seconds."""

    filter: str
    low: str
    high: str
    format: str
    width: int  # characters of a bound (a longer text is cut: fractions of a second, an offset)
    step: int
    min_span: int  # the narrowest window: [t, t + min_span]

    def parse(self, text: str) -> datetime:
        return datetime.strptime(text[: self.width], self.format)

    def text(self, moment: datetime) -> str:
        return moment.strftime(self.format)

    def floor(self, span: float) -> int:
        """A span in seconds, in whole steps and at least the narrowest window."""
        return max(self.min_span, int(span) // self.step * self.step)


AXES = {
    "modified": _Axis("ModifiedDateRangeFilter", "FromModifiedDate", "ToModifiedDate", "%Y-%m-%dT%H:%M:%S", 19, 1, 1),
    "txn_date": _Axis("TxnDateRangeFilter", "FromTxnDate", "ToTxnDate", "%Y-%m-%d", 10, _DAY, 0),
}


def window_cap(page_size: int) -> int:
    """The most records a window may hold: what a restart must remember (two pages, 200 to 2,000)."""
    return max(200, min(2000, 2 * page_size))


def first_cursor(query: etree._Element, page_size: int) -> Cursor:
    """The cursor of a new paged transaction query: its whole date range, to be counted."""
    children = {local_name(c): c for c in query if isinstance(c.tag, str)}
    by = "txn_date" if "TxnDateRangeFilter" in children else "modified"
    axis = AXES[by]
    low, high = _earliest(axis), None
    given = children.get(axis.filter)
    if given is not None:
        if any(local_name(c) == "DateMacro" for c in given if isinstance(c.tag, str)):
            raise error("invalid_request", "a paged query's TxnDateRangeFilter needs FromTxnDate/ToTxnDate, not a "
                                           "DateMacro (QuickBooks resolves a macro by its own calendar)")
        low = _bound_text(axis, given.findtext(axis.low)) or low
        high = _bound_text(axis, given.findtext(axis.high))
    return Cursor(page_size=page_size, family="txn", window_from=low, window_to=None, range_to=high,
                  span=FIRST_SPAN, counting=True, window_by=by)


def forms(element: str, cursor: Cursor) -> Iterator[str]:
    """The requests a walk sends (a count, a Start, a Continue), to check against the schema."""
    yield window_request(element, cursor, session=1)
    walking = dataclasses.replace(cursor, counting=False)
    yield window_request(element, walking, session=1)
    yield window_request(element, dataclasses.replace(walking, iterator_id="{0}", session=1), session=1)


def window_request(element: str, cursor: Cursor, *, session: int) -> str:
    """The next request of a walk: the count of a window, or a page of it."""
    axis = AXES[cursor.window_by]
    query = parse_xml(element)
    for child in [c for c in query if isinstance(c.tag, str) and local_name(c) in ("MaxReturned", axis.filter)]:
        query.remove(child)
    window = etree.Element(axis.filter)
    etree.SubElement(window, axis.low).text = cursor.window_from or _earliest(axis)
    upper = cursor.window_to if cursor.window_to is not None else cursor.range_to
    if upper is not None:
        etree.SubElement(window, axis.high).text = upper
    query.insert(0, window)
    if cursor.counting:
        query.set("metaData", "MetaDataOnly")
    else:
        size = etree.Element("MaxReturned")
        size.text = str(cursor.page_size)
        query.insert(0, size)
        if cursor.iterator_id and cursor.session == session:
            query.set("iterator", "Continue")
            query.set("iteratorID", cursor.iterator_id)
        else:
            query.set("iterator", "Start")
    include_ret_elements(query, ("TxnID",))
    return str(etree.tostring(query, encoding="unicode"))


def read_window(root: etree._Element, answer: etree._Element, response: str, cursor: Cursor, *,
                session: int) -> Page:
    """What one answer of a walk means: a count (the cursor moves, nothing to publish) or a page."""
    status = int(answer.get("statusCode", "0") or 0)
    if status not in (0, 1):
        return Page(status, 0, 0, cursor.remaining or 0, None, response, cursor, False)
    if cursor.counting:
        return _counted(response, cursor, int(answer.get("retCount", "0") or 0))
    resumed = not (cursor.iterator_id and cursor.session == session) and bool(cursor.window_ids)
    records = [e for e in answer if isinstance(e.tag, str) and local_name(e).endswith("Ret")]
    dropped = 0
    for record in records:
        if _txn_id(record) in cursor.window_ids:
            answer.remove(record)
            dropped += 1
    kept = [r for r in records if r.getparent() is not None]
    remaining = int(answer.get("iteratorRemainingCount", "0") or 0)
    ids = (*cursor.window_ids, *(t for t in map(_txn_id, kept) if t))
    new = dataclasses.replace(
        cursor, pages=cursor.pages + 1, records=cursor.records + len(kept), page_records=len(kept),
        iterator_id=answer.get("iteratorID") if remaining else None, session=session if remaining else None,
        remaining=remaining, window_ids=ids, restarts=cursor.restarts + (1 if resumed else 0),
        answers=cursor.answers + 1, resumed=resumed)
    if not remaining:
        new = _window_walked(new)
    text = response if not dropped else serialise(root, response)
    return Page(status, len(kept), dropped, remaining, new.iterator_id, text, new, resumed)


def _counted(response: str, cursor: Cursor, count: int) -> Page:
    cap = window_cap(cursor.page_size)
    if cursor.window_to is None:  # the rest of the range
        if count <= cap:  # the last window
            after = dataclasses.replace(cursor, counting=False, span=0, rest=count)
        else:
            after = dataclasses.replace(cursor, window_to=_bounded(cursor, cursor.span), rest=count)
    elif count > cap and cursor.span > AXES[cursor.window_by].min_span:  # too full: narrow it in proportion
        span = AXES[cursor.window_by].floor(cursor.span * cap / count * 0.8)
        after = dataclasses.replace(cursor, span=span, window_to=_bounded(cursor, span))
    elif count == 0:  # empty: the next window at once, wider
        after = _next_window(cursor, 0)
        after = dataclasses.replace(after, rest=cursor.rest)
    else:
        after = dataclasses.replace(cursor, counting=False)
    after = dataclasses.replace(after, answers=cursor.answers + 1)  # the last page's fields stay as they were
    return Page(0, 0, 0, count, None, response, after, False, delivers=False)


def _window_walked(cursor: Cursor) -> Cursor:
    """The window's last page: the walk ends with it, or goes on with the next window."""
    if cursor.window_to is None or cursor.window_to == cursor.range_to:
        return dataclasses.replace(cursor, finished=True, window_ids=())
    return dataclasses.replace(_next_window(cursor, len(cursor.window_ids)), remaining=None)


def _next_window(cursor: Cursor, held: int) -> Cursor:
    """The window after this one: counted whole when what is left of the rest may fit one window,
    else sized from this one's density (``held`` records) and counted bounded."""
    cap, axis = window_cap(cursor.page_size), AXES[cursor.window_by]
    grown = max(cursor.span, axis.step) * (4 if held == 0 else max(0.25, min(4.0, cap / held * 0.8)))
    span = axis.floor(max(1, min(MAX_SPAN, grown)))
    start = axis.parse(cursor.window_to or _earliest(axis)) + timedelta(seconds=axis.step)
    if cursor.range_to is not None and start > axis.parse(cursor.range_to):
        return dataclasses.replace(cursor, finished=True, window_ids=(), counting=False)
    rest = None if cursor.rest is None else max(0, cursor.rest - held)
    moved = dataclasses.replace(cursor, window_from=axis.text(start), window_to=None, span=span, counting=True,
                                window_ids=(), iterator_id=None, session=None, rest=rest)
    if rest is not None and rest > cap:  # still more than a window's worth: count a bounded one
        return dataclasses.replace(moved, window_to=_bounded(moved, span))
    return moved


def _bounded(cursor: Cursor, span: int) -> str:
    axis = AXES[cursor.window_by]
    end = axis.parse(cursor.window_from or _earliest(axis)) + timedelta(seconds=span)
    if cursor.range_to is not None and end >= axis.parse(cursor.range_to):
        return cursor.range_to
    return axis.text(end)


def _earliest(axis: _Axis) -> str:
    return EARLIEST[: axis.width]


def _bound_text(axis: _Axis, text: str | None) -> str | None:
    """A caller's bound on the walk's axis: a wall-clock second (a date alone is its first second), or a date."""
    if not text:
        return None
    text = text.strip()
    if len(text) == 10 and axis.width > 10:
        return f"{text}T00:00:00"
    return text[: axis.width]


def include_ret_elements(query: etree._Element, needed: tuple[str, ...]) -> None:
    """A query that names the elements to return must also return what a restart keys on (``TxnID`` for a
    window walk; ``ListID`` and the names for a list): the caller's names stay, these are added after them.
    A name a record type does not have is returned by nobody (a vendor has no ``FullName``)."""
    named = [c for c in query if isinstance(c.tag, str) and local_name(c) == "IncludeRetElement"]
    if not named:
        return  # everything is returned
    present = {(c.text or "").strip() for c in named}
    last = named[-1]
    for name in needed:
        if name not in present:
            extra = etree.Element("IncludeRetElement")
            extra.text = name
            last.addnext(extra)
            last = extra


def _txn_id(record: etree._Element) -> str:
    found = next((c for c in record if isinstance(c.tag, str) and local_name(c) == "TxnID"), None)
    return str(found.text) if found is not None and found.text else ""
