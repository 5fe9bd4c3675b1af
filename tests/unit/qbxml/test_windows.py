"""Paged transaction queries walked in TimeModified windows (chalicelib/qbxml/windows.py), against the
simulated QuickBooks: every invoice once, across windows, lost sessions and expired iterators, with only
one window's TxnIDs ever remembered."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta
from functools import cache

import pytest
from lxml import etree

from chalicelib.qbxml import QbxmlVersion, build_message_set, parse_job_qbxml
from chalicelib.qbxml.paging import Cursor, Page, expired, page_request, pageable, read_page
from chalicelib.qbxml.requests import JobRequests
from chalicelib.qbxml.schema import SchemaCatalog
from chalicelib.qbxml.windows import window_cap
from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR

V13 = QbxmlVersion(13, 0)
QUERY = "<InvoiceQueryRq><IncludeLineItems>false</IncludeLineItems></InvoiceQueryRq>"


@cache
def catalog() -> SchemaCatalog:
    return SchemaCatalog(SCHEMA_DIR)


@cache
def company() -> CompanyFile:
    """GIVEN a company file with 3,000 invoices modified over three years (many in the same second)."""
    made = CompanyFile("Windows Co", schema_dir=SCHEMA_DIR)
    made.populate(customers=300, invoices=3_000, seed=4)
    return made


def run(query: str, cursor: Cursor, session: int) -> Page:
    request = page_request(query, cursor, session=session)
    document = build_message_set(JobRequests((request,), ("InvoiceQueryRq",)), version=V13, request_id="w")
    return read_page(company().process(document), cursor, session=session, request_id="w")


def txn_ids(page: Page) -> list[str]:
    if not page.delivers:
        return []
    root = etree.fromstring(page.response_qbxml.split("?>", 2)[-1].encode())
    return [str(ret.findtext("TxnID")) for ret in root.iter("InvoiceRet")]


def walk(query: str, page_size: int, lose_at: frozenset[int] = frozenset(), expire_at: frozenset[int] = frozenset()
         ) -> tuple[list[str], Cursor, int]:
    cursor = pageable(parse_job_qbxml(query), page_size, V13, catalog())
    delivered: list[str] = []
    session, answers, most_remembered = 1, 0, 0
    while not cursor.done:
        page = run(query, cursor, session)
        answers += 1
        assert answers < 2_000, "the walk does not end"
        if page.status_code == 3391:
            cursor = expired(cursor)
            continue
        assert page.status_code in (0, 1), page.status_code
        delivered += txn_ids(page)
        cursor = page.cursor
        most_remembered = max(most_remembered, len(cursor.window_ids))
        if answers in lose_at:  # the session ends: QuickBooks forgets the iterator
            company().close_session()
            session += 1
        if answers in expire_at:  # QuickBooks forgets it under a session the gateway thinks is going
            company().close_session()
    return delivered, cursor, most_remembered


def all_ids(low: str | None = None, high: str | None = None) -> list[str]:
    chosen = [i for i in company().invoices()
              if (low is None or i.time_modified[:19] >= low) and (high is None or i.time_modified[:19] <= high)]
    return sorted(i.txn_id for i in chosen)


def dated_ids(low: str, high: str) -> list[str]:
    return sorted(i.txn_id for i in company().invoices() if low <= i.txn_date <= high)


def dated_query(low: str, high: str) -> str:
    return (f"<InvoiceQueryRq><TxnDateRangeFilter><FromTxnDate>{low}</FromTxnDate><ToTxnDate>{high}</ToTxnDate>"
            "</TxnDateRangeFilter><IncludeLineItems>false</IncludeLineItems></InvoiceQueryRq>")


def test_a_walk_delivers_every_invoice_once_remembering_one_window_at_most() -> None:
    delivered, cursor, remembered = walk(QUERY, 100)
    assert sorted(delivered) == all_ids() and len(delivered) == len(set(delivered)) == 3_000
    assert cursor.records == 3_000 and cursor.finished
    assert remembered <= window_cap(100) or remembered == max_in_one_second()


def test_lost_sessions_and_expired_iterators_restart_the_window_without_a_record_twice() -> None:
    delivered, cursor, _ = walk(QUERY, 100, lose_at=frozenset(range(7, 400, 7)), expire_at=frozenset(range(5, 400, 11)))
    assert sorted(delivered) == all_ids() and len(delivered) == len(set(delivered))
    assert cursor.restarts >= 3


def test_the_callers_modified_dates_bound_the_walk() -> None:
    low, high = "2024-01-01T00:00:00", "2024-06-30T23:59:59"
    query = (f"<InvoiceQueryRq><ModifiedDateRangeFilter><FromModifiedDate>{low}</FromModifiedDate>"
             f"<ToModifiedDate>{high}</ToModifiedDate></ModifiedDateRangeFilter></InvoiceQueryRq>")
    delivered, _, _ = walk(query, 50)
    assert delivered and sorted(delivered) == all_ids(low, high)


def test_a_walk_asks_for_txn_id_when_the_caller_names_what_to_return() -> None:
    query = "<InvoiceQueryRq><IncludeRetElement>RefNumber</IncludeRetElement></InvoiceQueryRq>"
    cursor = pageable(parse_job_qbxml(query), 10, V13, catalog())
    walking = dataclasses.replace(cursor, counting=False)
    request = page_request(query, walking, session=1)
    assert "<IncludeRetElement>RefNumber</IncludeRetElement><IncludeRetElement>TxnID</IncludeRetElement>" in request


def test_a_count_moves_the_cursor_and_publishes_nothing() -> None:
    cursor = pageable(parse_job_qbxml(QUERY), 100, V13, catalog())
    assert cursor.family == "txn" and cursor.counting
    page = run(QUERY, cursor, 1)
    assert not page.delivers and page.records == 0
    assert page.cursor.answers == 1


def max_in_one_second() -> int:
    seconds: dict[str, int] = {}
    for invoice in company().invoices():
        seconds[invoice.time_modified[:19]] = seconds.get(invoice.time_modified[:19], 0) + 1
    return max(seconds.values())


@pytest.mark.parametrize(("size", "cap"), [(1, 200), (100, 200), (150, 300), (500, 1000), (1000, 2000)])
def test_the_window_cap_is_two_pages_within_bounds(size: int, cap: int) -> None:
    assert window_cap(size) == cap


def test_a_txn_date_range_is_walked_in_whole_days_with_every_invoice_once() -> None:
    low, high = "2023-03-01", "2025-02-28"
    query = dated_query(low, high)
    cursor = pageable(parse_job_qbxml(query), 60, V13, catalog())
    assert (cursor.window_by, cursor.window_from, cursor.range_to) == ("txn_date", low, high)
    delivered, cursor, remembered = walk(query, 60, lose_at=frozenset(range(6, 400, 9)),
                                         expire_at=frozenset(range(4, 400, 13)))
    wanted = dated_ids(low, high)
    assert len(wanted) > 1_000
    assert sorted(delivered) == wanted and len(delivered) == len(set(delivered))
    assert cursor.finished and cursor.restarts >= 3
    assert remembered <= window_cap(60) or remembered == max_on_one_day()


MODIFIED_QUERY = ("<InvoiceQueryRq><ModifiedDateRangeFilter><FromModifiedDate>2023-01-01T00:00:00</FromModifiedDate>"
                  "<ToModifiedDate>2025-12-31T23:59:59</ToModifiedDate></ModifiedDateRangeFilter></InvoiceQueryRq>")


@pytest.mark.parametrize(("query", "axis", "step"), [
    (dated_query("2023-01-01", "2025-12-31"), "TxnDateRangeFilter/%sTxnDate", timedelta(days=1)),
    (MODIFIED_QUERY, "ModifiedDateRangeFilter/%sModifiedDate", timedelta(seconds=1)),
])
def test_windows_tile_the_range_each_starting_one_step_after_the_last(query: str, axis: str, step: timedelta) -> None:
    cursor = pageable(parse_job_qbxml(query), 20, V13, catalog())
    given = etree.fromstring(query)
    walked: list[tuple[str, str]] = []
    while not cursor.done:
        request = etree.fromstring(page_request(query, cursor, session=1))
        window = (request.findtext(axis % "From") or "", request.findtext(axis % "To") or "")
        assert all(len(bound) == (10 if step.days else 19) for bound in window)
        if request.get("iterator") == "Start":
            walked.append(window)
        cursor = run(query, cursor, 1).cursor
    assert len(walked) >= 3
    assert (walked[0][0], walked[-1][1]) == (given.findtext(axis % "From"), given.findtext(axis % "To"))
    for (_, before), (after, _) in itertools.pairwise(walked):
        assert datetime.fromisoformat(after) == datetime.fromisoformat(before) + step


def max_on_one_day() -> int:
    days: dict[str, int] = {}
    for invoice in company().invoices():
        days[invoice.txn_date] = days.get(invoice.txn_date, 0) + 1
    return max(days.values())
