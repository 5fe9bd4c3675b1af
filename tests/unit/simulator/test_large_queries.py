"""Large syncs against a seeded file of 10,000 customers: what a gateway that pages and resumes relies on.

CustomerQuery answers in FullName order without regard to case, so a gateway that lost its
iterator restarts with ``NameRangeFilter/FromName`` = the last name it got; InvoiceQuery answers in
TxnNumber order. Every expectation is computed here from the file's records, independently of the
simulator's query code; requests are validated against the 16.0 schema on the way in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from simulator.quickbooks import CompanyFile
from simulator.records import Customer
from tests.support.paths import SCHEMA_DIR
from tests.unit.simulator.queries import ask, attribute, customer_query, invoice_query, texts
from tests.unit.simulator.support import Rs

CUSTOMERS, INVOICES, PAGE = 10_000, 3_000, 500


@pytest.fixture(scope="module")
def populated() -> CompanyFile:
    company = CompanyFile.modern("Big Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=CUSTOMERS, invoices=INVOICES, seed=11)
    return company


@pytest.fixture
def big(populated: CompanyFile) -> Iterator[CompanyFile]:
    """The shared populated file, in a fresh QuickBooks session (no iterator left by another test)."""
    populated.close_session()
    yield populated
    populated.close_session()


def in_name_order(company: CompanyFile, keep: Callable[[Customer], bool] = lambda customer: True) -> list[Customer]:
    chosen = [customer for customer in company.customers() if keep(customer)]
    return sorted(chosen, key=lambda customer: company.full_name(customer).casefold())


def walk(company: CompanyFile, first: Rs, **query: object) -> list[Rs]:
    """Continue the iterator ``first`` started until QuickBooks says nothing is left."""
    pages = [first]
    iterator_id = attribute(first, "iteratorID")
    while attribute(pages[-1], "iteratorRemainingCount") != "0":
        pages.append(ask(company, customer_query(iterator="Continue", iterator_id=iterator_id, **query)))  # type: ignore[arg-type]
    return pages


def shifted(moment: str, seconds: int) -> str:
    return (datetime.fromisoformat(moment) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


def test_an_iterator_walk_returns_every_customer_once_in_full_name_order(big: CompanyFile) -> None:
    """GIVEN a file of 10,000 customers and jobs
    WHEN an iterator walks them all (ActiveStatus All) with MaxReturned 500
    THEN 20 pages deliver every customer exactly once, in FullName order without regard to case,
    the remaining count falls by 500 a page to 0, and the spent iterator is gone (3391)."""
    pages = walk(big, ask(big, customer_query(iterator="Start", max_returned=PAGE, active="All")),
                 max_returned=PAGE, active="All")  # fmt: skip
    dead = ask(big, customer_query(iterator="Continue", iterator_id=attribute(pages[0], "iteratorID"), max_returned=1))

    delivered = [list_id for page in pages for list_id in texts(page, "ListID")]
    names = [name for page in pages for name in texts(page, "FullName")]
    assert len(pages) == CUSTOMERS // PAGE
    assert delivered == [customer.list_id for customer in in_name_order(big)]
    assert len(set(delivered)) == CUSTOMERS
    assert names == sorted(names, key=str.casefold)
    assert [int(attribute(page, "iteratorRemainingCount") or -1) for page in pages] == list(range(9_500, -1, -PAGE))
    assert {attribute(page, "iteratorID") for page in pages} == {attribute(pages[0], "iteratorID")}
    assert [page.status_code for page in pages] == [0] * len(pages)
    assert (dead.status_code, big.open_iterators) == (3391, 0)


@pytest.mark.parametrize("lose", ["close_session", "restart", "expire_iterators"])
def test_a_walk_restarted_from_the_last_name_delivered_skips_nothing(big: CompanyFile, lose: str) -> None:
    """GIVEN a walk of 500-customer pages that delivered 8 pages when the QuickBooks session was lost
    WHEN Continue is tried, then the query restarts with NameRangeFilter FromName = the last FullName delivered
    THEN Continue gets 3391, the restart begins with that boundary record again, and the rest follows
    in order: together every customer once, plus the one boundary record twice."""
    query = {"max_returned": PAGE, "active": "All"}
    pages = [ask(big, customer_query(iterator="Start", **query))]  # type: ignore[arg-type]
    iterator_id = attribute(pages[0], "iteratorID")
    while len(pages) < 8:
        pages.append(ask(big, customer_query(iterator="Continue", iterator_id=iterator_id, **query)))  # type: ignore[arg-type]
    getattr(big, lose)()
    lost = ask(big, customer_query(iterator="Continue", iterator_id=iterator_id, **query))  # type: ignore[arg-type]
    last_name = texts(pages[-1], "FullName")[-1]
    resumed = walk(big, ask(big, customer_query(iterator="Start", from_name=last_name, **query)), **query)  # type: ignore[arg-type]

    before = [list_id for page in pages for list_id in texts(page, "ListID")]
    after = [list_id for page in resumed for list_id in texts(page, "ListID")]
    assert (lost.status_code, lost.severity) == (3391, "Error")
    assert after[0] == before[-1]
    assert before + after[1:] == [customer.list_id for customer in in_name_order(big)]
    assert int(attribute(resumed[0], "iteratorRemainingCount") or -1) == CUSTOMERS - len(before) + 1 - PAGE


def test_active_only_is_the_default_and_leaves_out_inactive_customers(big: CompanyFile) -> None:
    """GIVEN a file where some customers are inactive
    WHEN it is walked without ActiveStatus, and counted with InactiveOnly
    THEN the walk holds exactly the active customers in order, and the count the inactive ones."""
    pages = walk(big, ask(big, customer_query(iterator="Start", max_returned=2_000)), max_returned=2_000)
    inactive = ask(big, customer_query(meta="MetaDataOnly", active="InactiveOnly"))

    active = in_name_order(big, lambda customer: customer.is_active)
    assert [list_id for page in pages for list_id in texts(page, "ListID")] == [c.list_id for c in active]
    assert int(attribute(inactive, "retCount") or -1) == CUSTOMERS - len(active) > 0


def test_name_range_filter_is_inclusive_at_both_ends_and_ignores_case(big: CompanyFile) -> None:
    """GIVEN two FullNames 66 places apart in name order
    WHEN NameRangeFilter asks From the first in capitals To the second in small letters
    THEN the answer runs from the first to the second, both included; FromName alone and ToName alone
    cut at the same records."""
    names = [big.full_name(customer) for customer in in_name_order(big)]
    low, high = names[1_234], names[1_300]

    both = ask(big, customer_query(active="All", from_name=low.upper(), to_name=high.lower()))
    upward = ask(big, customer_query(active="All", max_returned=3, from_name=low))
    downward = ask(big, customer_query(active="All", to_name=high, include=["FullName"]))

    assert texts(both, "FullName") == names[1_234:1_301]
    assert texts(upward, "FullName") == names[1_234:1_237]
    assert texts(downward, "FullName") == names[:1_301]


@pytest.mark.parametrize(
    ("criterion", "fragment", "test"),
    [
        ("StartsWith", "o'", str.startswith),
        ("Contains", "É", str.__contains__),
        ("EndsWith", " LLC", str.endswith),
    ],
)
def test_name_filter_matches_without_regard_to_case(
    big: CompanyFile, criterion: str, fragment: str, test: Callable[[str, str], bool]
) -> None:
    """GIVEN names with apostrophes, accents and legal suffixes
    WHEN NameFilter asks for a fragment in the other case
    THEN exactly the customers whose FullName matches it, case-insensitively, come back in order."""
    expected = [
        big.full_name(customer)
        for customer in in_name_order(big)
        if test(big.full_name(customer).casefold(), fragment.casefold())
    ]

    rs = ask(big, customer_query(active="All", name_filter=(criterion, fragment)))

    assert len(expected) > 5
    assert texts(rs, "FullName") == expected


def test_modified_date_bounds_are_inclusive_in_a_crowded_second(big: CompanyFile) -> None:
    """GIVEN the TimeModified second a bulk edit gave to over a hundred customers
    WHEN customers are asked From and To that very second, then from one second later and up to one before
    THEN exactly that crowd comes back at first, and none of it on either side."""
    crowded, count = Counter(customer.time_modified for customer in big.customers()).most_common(1)[0]
    crowd = [customer.list_id for customer in in_name_order(big, lambda customer: customer.time_modified == crowded)]

    exact = ask(big, customer_query(active="All", from_modified=crowded, to_modified=crowded))
    later = ask(big, customer_query(active="All", from_modified=shifted(crowded, 1), include=["ListID"]))
    earlier = ask(big, customer_query(active="All", to_modified=shifted(crowded, -1), include=["ListID"]))

    assert count >= 100
    assert texts(exact, "ListID") == crowd
    assert set(crowd).isdisjoint(texts(later, "ListID") + texts(earlier, "ListID"))
    assert len(later.rets) + len(earlier.rets) + count == CUSTOMERS


def test_invoice_modified_date_range_is_inclusive_and_in_txn_number_order(big: CompanyFile) -> None:
    """GIVEN the most crowded TimeModified second among the invoices
    WHEN ModifiedDateRangeFilter asks From = To = that second, and From it (inclusive) onwards
    THEN the first answer is exactly that crowd, the second everything modified then or later, in TxnNumber order."""
    invoices = big.invoices()
    crowded, count = Counter(invoice.time_modified for invoice in invoices).most_common(1)[0]
    moment = datetime.fromisoformat(crowded)

    exact = ask(big, invoice_query(from_modified=crowded, to_modified=crowded))
    onwards = ask(big, invoice_query(from_modified=crowded, include=["TxnID", "TxnNumber"]))

    assert count >= 20
    assert texts(exact, "TxnID") == [invoice.txn_id for invoice in invoices if invoice.time_modified == crowded]
    expected = [i.txn_id for i in invoices if datetime.fromisoformat(i.time_modified) >= moment]
    assert texts(onwards, "TxnID") == expected
    numbers = [int(number) for number in texts(onwards, "TxnNumber")]
    assert numbers == sorted(numbers)


def test_txn_date_range_filter_is_inclusive_of_whole_days(big: CompanyFile) -> None:
    """GIVEN invoices dated over three years
    WHEN TxnDateRangeFilter asks for one busy day, then for a month
    THEN exactly the invoices dated that day, then in that month (both ends included), come back."""
    invoices = big.invoices()
    busy, _ = Counter(invoice.txn_date for invoice in invoices).most_common(1)[0]

    day = ask(big, invoice_query(from_date=busy, to_date=busy))
    month = ask(big, invoice_query(from_date="2024-03-01", to_date="2024-03-31", include=["TxnID"]))

    assert texts(day, "TxnID") == [invoice.txn_id for invoice in invoices if invoice.txn_date == busy]
    march = [invoice.txn_id for invoice in invoices if "2024-03-01" <= invoice.txn_date <= "2024-03-31"]
    assert texts(month, "TxnID") == march
    assert len(march) > 10


def test_an_invoice_iterator_counts_its_pages_with_meta_data(big: CompanyFile) -> None:
    """GIVEN 3,000 invoices
    WHEN an iterator walks them with MaxReturned 700 and metaData MetaDataAndResponseData
    THEN each page's retCount is the number of InvoiceRet it carries, the remaining count falls to 0,
    and the TxnNumbers run 1 to 3,000 in order."""
    pages = [ask(big, invoice_query(iterator="Start", meta="MetaDataAndResponseData", max_returned=700))]
    while attribute(pages[-1], "iteratorRemainingCount") != "0":
        iterator_id = attribute(pages[0], "iteratorID")
        pages.append(ask(big, invoice_query(iterator="Continue", iterator_id=iterator_id, max_returned=700,
                                            meta="MetaDataAndResponseData")))  # fmt: skip

    assert [attribute(page, "retCount") for page in pages] == ["700", "700", "700", "700", "200"]
    assert [len(page.rets) for page in pages] == [700, 700, 700, 700, 200]
    assert [attribute(page, "iteratorRemainingCount") for page in pages] == ["2300", "1600", "900", "200", "0"]
    assert [int(n) for page in pages for n in texts(page, "TxnNumber")] == list(range(1, INVOICES + 1))


def test_include_ret_element_keeps_only_the_named_children_in_schema_order(big: CompanyFile) -> None:
    """GIVEN iterator pages of customers and invoices
    WHEN IncludeRetElement names a few elements, in another order than the schema's
    THEN every CustomerRet and InvoiceRet holds just those elements, in schema order, with their content."""
    customers = ask(big, customer_query(iterator="Start", max_returned=200, active="All",
                                        include=["TimeModified", "FullName", "ListID"]))  # fmt: skip
    invoices = ask(
        big, invoice_query(iterator="Start", max_returned=200, include=["RefNumber", "CustomerRef", "TxnID"])
    )

    assert {tuple(child.tag for child in ret) for ret in customers.rets} == {("ListID", "TimeModified", "FullName")}
    assert {tuple(child.tag for child in ret) for ret in invoices.rets} == {("TxnID", "CustomerRef", "RefNumber")}
    assert all(ret.findtext("CustomerRef/FullName") for ret in invoices.rets)
    assert (len(customers.rets), len(invoices.rets)) == (200, 200)


def test_max_returned_without_an_iterator_is_the_first_records_only(big: CompanyFile) -> None:
    """GIVEN the customers in name order
    WHEN a query asks MaxReturned 25 without an iterator
    THEN the first 25 come back and no iterator is opened or mentioned."""
    rs = ask(big, customer_query(max_returned=25, active="All"))

    assert texts(rs, "ListID") == [customer.list_id for customer in in_name_order(big)[:25]]
    assert (attribute(rs, "iteratorID"), attribute(rs, "retCount"), big.open_iterators) == (None, None, 0)


def test_no_match_is_status_1_with_a_zero_count(big: CompanyFile) -> None:
    """GIVEN a name nobody has and a month before the file's history
    WHEN they are asked with metaData, and as an iterator Start
    THEN each answer is statusCode 1 (Info) with retCount 0 and no Ret; the iterator Start reports
    iteratorRemainingCount 0 and an iteratorID that cannot be continued."""
    nobody = ("StartsWith", "zzzz nobody")
    counted = ask(big, customer_query(meta="MetaDataAndResponseData", name_filter=nobody))
    invoices = ask(big, invoice_query(meta="MetaDataOnly", from_date="2001-01-01", to_date="2001-01-31"))
    started = ask(big, customer_query(iterator="Start", max_returned=10, name_filter=nobody))
    continued = ask(big, customer_query(iterator="Continue", iterator_id=attribute(started, "iteratorID")))

    for rs in (counted, invoices):
        assert (rs.status_code, rs.severity, attribute(rs, "retCount"), rs.rets) == (1, "Info", "0", [])
    assert rs.message == "A query request did not find a matching object in QuickBooks"
    assert (started.status_code, attribute(started, "iteratorRemainingCount"), started.rets) == (1, "0", [])
    assert (attribute(started, "iteratorID") or "").startswith("{")
    assert continued.status_code == 3391


def test_meta_data_only_counts_without_data_or_iterator(big: CompanyFile) -> None:
    """GIVEN the file
    WHEN customers are counted with metaData MetaDataOnly, plainly and as an iterator Start
    THEN the plain count is every customer, the Start's is its first page, no Ret comes back and no
    iterator stays open."""
    everything = ask(big, customer_query(meta="MetaDataOnly", active="All"))
    start = ask(big, customer_query(meta="MetaDataOnly", iterator="Start", max_returned=PAGE, active="All"))

    assert (everything.status_code, attribute(everything, "retCount"), everything.rets) == (0, str(CUSTOMERS), [])
    assert (attribute(start, "retCount"), start.rets, big.open_iterators) == (str(PAGE), [], 0)


def test_stop_ends_an_iterator_and_other_query_types_cannot_continue_it(big: CompanyFile) -> None:
    """GIVEN two open customer iterators
    WHEN one is stopped, and an InvoiceQuery tries to continue the other
    THEN Stop answers status 0 with nothing remaining, and both later continuations are 3391."""
    one = attribute(ask(big, customer_query(iterator="Start", max_returned=10)), "iteratorID")
    two = attribute(ask(big, customer_query(iterator="Start", max_returned=10)), "iteratorID")

    stopped = ask(big, customer_query(iterator="Stop", iterator_id=one))
    after_stop = ask(big, customer_query(iterator="Continue", iterator_id=one, max_returned=10))
    wrong_type = ask(big, invoice_query(iterator="Continue", iterator_id=two, max_returned=10))
    right_type = ask(big, customer_query(iterator="Continue", iterator_id=two, max_returned=10))

    assert (stopped.status_code, attribute(stopped, "iteratorRemainingCount"), stopped.rets) == (0, "0", [])
    assert (after_stop.status_code, wrong_type.status_code, right_type.status_code) == (3391, 3391, 0)
