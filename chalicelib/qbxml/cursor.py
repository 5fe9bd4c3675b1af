"""Where a paged query stands (:class:`Cursor`, stored on the job) and what one answer gave (:class:`Page`).

Shared by the two ways of paging: list queries resumed by name (:mod:`chalicelib.qbxml.paging`) and
transaction queries walked in windows of a date (:mod:`chalicelib.qbxml.windows`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Cursor:
    """Where a paged job stands. ``session`` is the lease epoch its iterator belongs to."""

    page_size: int
    pages: int = 0  # pages delivered so far
    records: int = 0  # records delivered so far
    page_records: int = 0  # records on the last page delivered
    iterator_id: str | None = None
    session: int | None = None
    remaining: int | None = None  # QuickBooks' iteratorRemainingCount after the last page
    last_name: str | None = None  # the name (FullName, else Name) of the last record delivered
    last_ids: tuple[str, ...] = ()  # the ListIDs delivered under that name
    restarts: int = 0
    answers: int = 0  # message sets of this job QuickBooks answered (pages, and expired iterators)
    resumed: bool = False  # the last page delivered was the first after a restart
    finished: bool = False  # the last page was delivered
    # Transaction queries (chalicelib.qbxml.windows): the date window being walked.
    family: str = "list"  # "list" (resumed by name) or "txn" (resumed by window)
    window_from: str | None = None
    window_to: str | None = None  # None: open-ended
    range_to: str | None = None  # the caller's ToModifiedDate (None: up to now)
    span: int = 0  # seconds of the window being sized or walked
    counting: bool = False  # the next request counts the window (metaData="MetaDataOnly")
    window_ids: tuple[str, ...] = ()  # TxnIDs delivered from the window being walked
    rest: int | None = None  # records counted in the rest of the range, less those walked since
    window_by: str = "modified"  # the date walked: "modified" (TimeModified, seconds) or "txn_date" (days)
    # The job ends once this many pages are delivered, though the query has more (``paging.max_pages``; a
    # REST list call delivers one page, and the next call resumes from this cursor). None: no budget.
    page_budget: int | None = None

    @property
    def done(self) -> bool:
        """The job's last page is delivered: the query's last, or the last of its budget."""
        return self.finished or (self.page_budget is not None and self.pages >= self.page_budget)

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> Cursor:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in raw.items() if k in fields}
        values["last_ids"] = tuple(values.get("last_ids") or ())  # type: ignore[arg-type]
        values["window_ids"] = tuple(values.get("window_ids") or ())  # type: ignore[arg-type]
        for name in ("resumed", "finished", "counting"):
            values[name] = bool(values.get(name))
        if "finished" not in raw:  # stored before the flag existed
            values["finished"] = bool(values.get("pages")) and values.get("remaining") == 0
        for name in ("page_size", "pages", "records", "page_records", "restarts", "answers", "span"):
            values[name] = int(values.get(name) or 0)  # type: ignore[call-overload]
        for name in ("session", "remaining", "rest", "page_budget"):
            if values.get(name) is not None:
                values[name] = int(values[name])  # type: ignore[call-overload]
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Page:
    """One page as read from QuickBooks' answer, with the records already delivered taken out."""

    status_code: int
    records: int  # records kept on this page
    dropped: int  # records QuickBooks sent again that an earlier page delivered
    remaining: int
    iterator_id: str | None
    response_qbxml: str  # the answer, without the dropped records
    cursor: Cursor  # the cursor after this page
    resumed: bool  # the first page after a restart
    delivers: bool = True  # False: an answer that only moved the cursor (a count), nothing to publish
