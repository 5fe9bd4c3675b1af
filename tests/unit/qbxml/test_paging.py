"""Paged list queries (chalicelib/qbxml/paging.py), run against the simulated QuickBooks: every record
once, in order, across iterator pages, restarts after lost sessions, and expired iterators."""

from __future__ import annotations

from functools import cache

import pytest
from lxml import etree

from chalicelib.errors import GatewayError
from chalicelib.qbxml import QbxmlVersion, build_message_set, parse_job_qbxml
from chalicelib.qbxml.paging import (
    ITERATOR_EXPIRED,
    Cursor,
    expired,
    page_request,
    page_size_of,
    pageable,
    read_page,
)
from chalicelib.qbxml.requests import JobRequests
from chalicelib.qbxml.schema import SchemaCatalog
from simulator.quickbooks import CompanyFile
from tests.support.companies import company_with
from tests.support.paths import SCHEMA_DIR

V13 = QbxmlVersion(13, 0)
QUERY = "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>"


@cache
def catalog() -> SchemaCatalog:
    return SchemaCatalog(SCHEMA_DIR)


def run_page(company: CompanyFile, query: str, cursor: Cursor, session: int, page_id: str):  # type: ignore[no-untyped-def]
    request = page_request(query, cursor, session=session)
    document = build_message_set(JobRequests((request,), ("CustomerQueryRq",)), version=V13, request_id=page_id)
    return read_page(company.process(document), cursor, session=session, request_id=page_id)


def names_in(response: str) -> list[str]:
    root = etree.fromstring(response.split("?>", 2)[-1].encode())
    return [str(e.text) for e in root.iter("Name")]


def test_a_paged_walk_delivers_every_record_once_in_order_across_lost_sessions() -> None:
    company, expected = company_with(1_000)
    cursor, session, delivered, pages, restarted = Cursor(page_size=70), 1, [], 0, []
    lose_at = {3, 7, 11}
    while not cursor.done:
        page = run_page(company, QUERY, cursor, session, f"job.{pages}")
        assert page.status_code == 0
        delivered += names_in(page.response_qbxml)
        assert page.records == len(names_in(page.response_qbxml))
        restarted.append(page.resumed)
        cursor, pages = page.cursor, pages + 1
        if pages in lose_at:  # the Web Connector session ends: QuickBooks forgets the iterator
            company.close_session()
            session += 1
    assert delivered == expected
    assert cursor.records == 1_000 and cursor.restarts == 3
    assert [i for i, r in enumerate(restarted) if r] == [3, 7, 11]


def test_an_expired_iterator_restarts_from_the_last_record() -> None:
    company, expected = company_with(300)
    first = run_page(company, QUERY, Cursor(page_size=100), 1, "p1")
    company.close_session()  # the iterator is gone, but the gateway does not know (same session number)
    gone = run_page(company, QUERY, first.cursor, 1, "p2")
    assert gone.status_code == ITERATOR_EXPIRED and gone.cursor == first.cursor
    rest = []
    cursor = expired(first.cursor)
    assert cursor.answers == 2 and cursor.iterator_id is None
    while not cursor.done:
        page = run_page(company, QUERY, cursor, 1, "p3")
        rest += names_in(page.response_qbxml)
        cursor = page.cursor
    assert names_in(first.response_qbxml) + rest == expected


def test_a_restart_keeps_the_callers_own_filters() -> None:
    company, expected = company_with(400)
    low = expected[100]
    query = f"<CustomerQueryRq><NameRangeFilter><FromName>{low}</FromName></NameRangeFilter></CustomerQueryRq>"
    first = run_page(company, query, Cursor(page_size=50), 1, "a")
    second = run_page(company, query, first.cursor, 2, "b")  # a new session: restart
    assert second.resumed and second.dropped == 1
    # the restart asks for one more than a page (the boundary record, dropped): a full page still
    assert names_in(first.response_qbxml) + names_in(second.response_qbxml) == expected[100:200]
    # a NameFilter query restarts unchanged: what sorts at or before the last name is dropped
    starts = ("<CustomerQueryRq><NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>acme</Name>"
              "</NameFilter></CustomerQueryRq>")
    wanted = [n for n in expected if n.casefold().startswith("acme")]
    first = run_page(company, starts, Cursor(page_size=20), 1, "c")
    delivered, cursor, session = names_in(first.response_qbxml), first.cursor, 2
    while not cursor.done:
        page = run_page(company, starts, cursor, session, "d")
        delivered += names_in(page.response_qbxml)
        cursor = page.cursor
    assert delivered == wanted
    assert cursor.restarts == 1


def test_an_empty_result_is_one_last_page() -> None:
    company, _ = company_with(5)
    query = "<CustomerQueryRq><NameRangeFilter><FromName>ÿÿ</FromName></NameRangeFilter></CustomerQueryRq>"
    page = run_page(company, query, Cursor(page_size=10), 1, "e")
    assert (page.records, page.remaining, page.cursor.done) == (0, 0, True)


@pytest.mark.parametrize(("body", "reason"), [
    ("<CustomerAddRq><CustomerAdd><Name>x</Name></CustomerAdd></CustomerAddRq>", "exactly one query"),
    ("<CustomerQueryRq/><VendorQueryRq/>", "exactly one query"),
    ("<CustomerQueryRq><MaxReturned>5</MaxReturned></CustomerQueryRq>", "MaxReturned"),
    ("<CustomerQueryRq><FullName>Acme</FullName></CustomerQueryRq>", "needs no paging"),
    ('<CustomerQueryRq iterator="Start"/>', "iterator attributes"),
    ("<InvoiceQueryRq><TxnDateRangeFilter><DateMacro>ThisYear</DateMacro></TxnDateRangeFilter>"
     "</InvoiceQueryRq>", "DateMacro"),
    ("<InvoiceQueryRq><TxnID>1-1</TxnID></InvoiceQueryRq>", "needs no paging"),
    ("<CompanyQueryRq/>", "cannot be paged"),
])
def test_what_cannot_be_paged_is_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(GatewayError) as raised:
        pageable(parse_job_qbxml(body), 10, V13, catalog())
    assert raised.value.code == "invalid_request" and reason in raised.value.message


@pytest.mark.parametrize("body", [
    QUERY, "<VendorQueryRq/>", "<ItemQueryRq><ActiveStatus>All</ActiveStatus></ItemQueryRq>",
    "<CustomerQueryRq><IncludeRetElement>Name</IncludeRetElement><OwnerID>0</OwnerID></CustomerQueryRq>"])
def test_list_queries_can_be_paged(body: str) -> None:
    pageable(parse_job_qbxml(body), 10, V13, catalog())


def test_include_ret_element_and_owner_id_pass_through_plus_what_a_restart_keys_on() -> None:
    body = "<CustomerQueryRq><IncludeRetElement>Name</IncludeRetElement><OwnerID>0</OwnerID></CustomerQueryRq>"
    request = page_request(body, Cursor(page_size=5, pages=2, last_name="Bolt"), session=2)
    # the caller's names and OwnerID stay as they are; ListID and FullName come after them (a restart finds its
    # place by the full name and drops a record sent again by its ListID)
    assert request == ('<CustomerQueryRq iterator="Start"><MaxReturned>5</MaxReturned><NameRangeFilter>'
                       "<FromName>Bolt</FromName></NameRangeFilter><IncludeRetElement>Name</IncludeRetElement>"
                       "<IncludeRetElement>ListID</IncludeRetElement><IncludeRetElement>FullName</IncludeRetElement>"
                       "<OwnerID>0</OwnerID></CustomerQueryRq>")
    # and a query that names nothing returns everything, as asked
    assert "IncludeRetElement" not in page_request("<CustomerQueryRq/>", Cursor(page_size=5), session=1)


@pytest.mark.parametrize("paging", [{"page_size": 0}, {"page_size": 1001}, {"page_size": "5"}, {"size": 5}, [5]])
def test_page_sizes_are_checked(paging: object) -> None:
    with pytest.raises(GatewayError):
        page_size_of(paging)


def test_the_cursor_survives_its_stored_form() -> None:
    cursor = Cursor(page_size=5, pages=2, records=10, iterator_id="{x}", session=3, remaining=7,
                    last_name="Bolt", last_ids=("80000001-1",), restarts=1, answers=4, resumed=True)
    assert Cursor.from_dict(cursor.to_dict()) == cursor
