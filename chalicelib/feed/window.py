"""What one catch-up asks QuickBooks for one followed type, and how its answer becomes change events.

**The window.** A type's query asks for what was modified from its mark's ``at`` minus the overlap
(:data:`DEFAULT_OVERLAP`, ``QBDGW_FEED_OVERLAP_SECONDS``): ``FromModifiedDate`` for a list, the
``ModifiedDateRangeFilter`` of a transaction query (walked in windows by the pager), with
``ActiveStatus`` ``All`` where the query has one, so that a record made inactive is a change too. The
overlap is there because ``TimeModified`` is written by the clock of the machine that made the edit: in
a multi-user file a workstation's clock may be minutes behind the host's, and an edit saved while a
catch-up reads may carry a time before the newest one it saw. Dates are sent as QuickBooks reads
them, in the company's wall-clock time without an offset: ``at`` keeps the offset QuickBooks wrote, so
the bound is ``at`` minus the overlap in that offset. Before the first record was seen, a ``full`` start
asks for everything; a ``now`` start asks from the subscription's creation minus the overlap *and*
fourteen hours (the company's offset is not known yet; no zone is further ahead of UTC) and drops
what was modified before its creation, comparing instants (``TimeModified`` carries its offset): a
machine whose clock is k minutes behind hides the edits of the subscription's first k minutes. What it
drops is remembered like what it publishes, so that the overlap of a later window, which may reach back
before the creation, does not take it for news.

**Events.** Each record of a page is an event, unless its ``(id, revision_number)`` is in the mark's
``recent`` (the overlap saw it already) or in what this catch-up published before: ``added`` when the
feed has not published the record and it was created after the newest change the feed had published
(by QuickBooks' times; a ``full`` start's first catch-up: every record), else ``modified``. A record
stamped by a clock that is behind may so come as ``modified`` although it is new: consumers upsert
on both. Deletions
come from ``ListDeletedQueryRq`` / ``TxnDeletedQueryRq`` from the deleted mark's ``at`` minus the
overlap, their revision being ``deleted``. An event's id is derived from the end-user, the type, the
record's id and revision, so one published twice (a page published again) is the same event.

**The mark.** :func:`advance` folds a finished catch-up into the mark: ``at`` becomes the newest time
published, but no later than when the catch-up's query was first handed out, and ``recent`` keeps what
lies in the overlap below it. The cap is there because a walk can take long — a session lost half-way, a
restart in the next one from the last name delivered — and a record edited meanwhile behind the walk's
position is not in this catch-up's answer; the next window must reach back to it, however long the walk
took. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.errors import error
from chalicelib.feed.models import DELETED_LIST, DELETED_TXN, Mark, Seen, Subscription
from chalicelib.feed.types import LIST, TXN, FeedType, type_of_deleted
from chalicelib.qbxml.models import model_for, to_qbxml
from chalicelib.resources import build
from chalicelib.resources.catalog import resource

EVENT_SCHEMA_VERSION = 1
DEFAULT_OVERLAP = timedelta(minutes=10)
AHEAD_OF_UTC = timedelta(hours=14)  # UTC+14: no company's clock is further ahead
DELETED = "deleted"
_WALL = "%Y-%m-%dT%H:%M:%S"


def instant(text: str) -> datetime:
    """A QuickBooks time (``2014-11-27T18:03:44-02:00``) as an aware instant; one without an offset is
    read as UTC (QuickBooks always writes the offset; the simulator too)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def since(mark: Mark, subscription: Subscription, overlap: timedelta) -> str | None:
    """The window's lower bound as QuickBooks reads it (wall-clock text), or None: everything."""
    if mark.at is not None:
        return (instant(mark.at) - overlap).strftime(_WALL)
    if subscription.start == "full":
        return None
    floor = _floor(mark, subscription)
    assert floor is not None
    return (floor - overlap - AHEAD_OF_UTC).strftime(_WALL)


def modified_query(feed_type: FeedType, bound: str | None) -> build.Call:
    """The type's query for the window from ``bound`` (``pages``: it can be paged). It asks for what the
    typed API's retrieve asks for (:func:`~chalicelib.resources.build.retrieve_call`), the line items of a
    transaction too, so that an event's object is the record as ``GET /{resource}/{id}`` answers it."""
    res = resource(feed_type.name)
    assert res is not None
    params = {"updated_after": bound} if bound is not None else {}
    fields = model_for(feed_type.query).model_fields
    if "active_status" in fields:
        params["status"] = "all"
    if "include_line_items" in fields:
        params["include_line_items"] = "true"
    return build.list_call(res, params)


def deleted_query(family: str, del_types: Iterable[str], bound: str | None) -> str:
    """``ListDeletedQueryRq`` (``family`` list) or ``TxnDeletedQueryRq`` for ``del_types`` from ``bound``."""
    kind = "List" if family == LIST else "Txn"
    values: dict[str, Any] = {f"{kind.lower()}_del_type": sorted(set(del_types))}
    if bound is not None:
        values["deleted_date_range_filter"] = {"from_deleted_date": bound}
    try:
        model = model_for(f"{kind}DeletedQueryRq")(**values)
    except ValueError as exc:
        raise error("invalid_request", f"the deleted query could not be built: {exc}") from exc
    return to_qbxml(model)


def deleted_mark_name(family: str) -> str:
    return DELETED_LIST if family == LIST else DELETED_TXN


def deleted_family(mark_name: str) -> str:
    """The family (list or transaction) a deleted query's mark stands for."""
    return LIST if mark_name == DELETED_LIST else TXN


def event_id(end_user_id: str, object_type: str, object_id: str, revision: str) -> str:
    digest = hashlib.sha256(f"{end_user_id}\n{object_type}\n{object_id}\n{revision}".encode()).hexdigest()[:32]
    return f"evt_{digest}"


def _event(subscription: Subscription, object_type: str, object_id: str, change: str, revision: str | None,
           at: str, obj: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"schema_version": EVENT_SCHEMA_VERSION, "type": "change",
            "event_id": event_id(subscription.end_user_id, object_type, object_id, revision or DELETED),
            "end_user_id": subscription.end_user_id, "subscription_id": subscription.id,
            "object_type": object_type, "id": object_id, "change": change, "revision_number": revision,
            "modified_at": at, **({"object": dict(obj)} if obj is not None else {})}


def _floor(mark: Mark, subscription: Subscription) -> datetime | None:
    """Before a ``now`` start's first record: what was modified before the subscription (or before the
    type was added to it) is not news."""
    if mark.at is not None or subscription.start == "full":
        return None
    return instant(mark.since) if mark.since else subscription.created_at


def _known(mark: Mark) -> tuple[set[tuple[str, str]], set[str]]:
    seen = (*mark.recent, *mark.pending)
    return {(s.id, s.revision) for s in seen}, {s.id for s in seen}


def events_of(records: Iterable[Mapping[str, Any]], object_type: str, mark: Mark, subscription: Subscription,
              overlap: timedelta) -> tuple[list[dict[str, Any]], list[Seen]]:
    """The events of one page of a type's query (typed JSON records), and what the mark is to remember of
    the page: what the events publish, and what a ``now`` start drops as older than the subscription."""
    pairs, ids = _known(mark)
    floor = _floor(mark, subscription)
    created_after = instant(mark.at) if mark.at is not None else floor
    events: list[dict[str, Any]] = []
    seen: list[Seen] = []
    for record in records:
        object_id, revision = str(record.get("id") or ""), str(record.get("revision_number") or "")
        modified = str(record.get("time_modified") or "")
        if not object_id or not modified or (object_id, revision) in pairs:
            continue
        if floor is not None and instant(modified) < floor:  # a "now" start: modified before the subscription;
            seen.append(Seen(object_id, revision, modified))  # not news, but known: the overlap finds it again
            continue
        created = record.get("time_created")
        fresh = object_id not in ids and (created_after is None or (
            created is not None and instant(str(created)) >= created_after))
        events.append(_event(subscription, object_type, object_id, "added" if fresh else "modified", revision,
                             modified, record))
        seen.append(Seen(object_id, revision, modified))
        pairs.add((object_id, revision))
    return events, seen


def deleted_events_of(records: Iterable[Mapping[str, Any]], family: str, mark: Mark, subscription: Subscription,
                      overlap: timedelta) -> tuple[list[dict[str, Any]], list[Seen]]:
    """The events of a deleted query's answer (``ListDeletedRet`` / ``TxnDeletedRet`` as typed JSON)."""
    pairs, _ = _known(mark)
    floor = _floor(mark, subscription)
    followed = frozenset(subscription.object_types)
    events: list[dict[str, Any]] = []
    seen: list[Seen] = []
    for record in records:
        object_id = str(record.get("list_id") or record.get("txn_id") or "")
        deleted_at = str(record.get("time_deleted") or "")
        del_type = str(record.get("list_del_type") or record.get("txn_del_type") or "")
        object_type = type_of_deleted(del_type, family, followed)
        if not object_id or not deleted_at or object_type is None or (object_id, DELETED) in pairs:
            continue
        if floor is not None and instant(deleted_at) < floor:
            seen.append(Seen(object_id, DELETED, deleted_at))
            continue
        events.append(_event(subscription, object_type, object_id, "deleted", None, deleted_at, None))
        seen.append(Seen(object_id, DELETED, deleted_at))
        pairs.add((object_id, DELETED))
    return events, seen


def with_pending(mark: Mark, run: int, seen: Iterable[Seen]) -> Mark:
    """The mark with a page's published records added to the catch-up ``run``'s pending ones."""
    pending = mark.pending if mark.pending_run == run else ()
    have = {(s.id, s.revision) for s in pending}
    added = tuple(s for s in seen if (s.id, s.revision) not in have)
    return dataclasses.replace(mark, pending_run=run, pending=pending + added)


def advance(mark: Mark, run: int, overlap: timedelta, began: datetime | None = None) -> Mark:
    """Fold catch-up ``run``'s pending records into ``at`` and ``recent`` (see the module's story);
    ``began``: when the catch-up's query was first handed out (its job's ``started_at``)."""
    pending = mark.pending if mark.pending_run == run else ()
    everything = (*mark.recent, *pending)
    if not everything:
        return Mark(mark.at, done_run=run, since=mark.since)
    newest = max(everything, key=lambda s: instant(s.at))
    at = newest.at if mark.at is None or instant(newest.at) > instant(mark.at) else mark.at
    if began is not None and instant(at) > began:  # but never back before where it stood
        at = mark.at if mark.at is not None and instant(mark.at) >= began else \
            began.astimezone(instant(at).tzinfo).isoformat(timespec="seconds")  # in QuickBooks' offset
    keep_from = instant(at) - overlap
    latest: dict[tuple[str, str], Seen] = {}
    for s in everything:
        if instant(s.at) >= keep_from:
            latest[(s.id, s.revision)] = s
    return Mark(at, tuple(sorted(latest.values(), key=lambda s: (instant(s.at), s.id))), done_run=run,
                since=mark.since)
