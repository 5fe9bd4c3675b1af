"""A seeded, generated company history: realistic enough to break a careless gateway, fast enough to use.

The checks read the generated records (``customers()``, ``invoices()``) and QuickBooks' answers;
the 100,000-customer measurement runs in a fresh interpreter so that its peak RSS is its own.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from simulator.quickbooks import CompanyFile
from tests.support.paths import REPO_DIR, SCHEMA_DIR
from tests.unit.simulator.queries import ask, attribute, customer_query, invoice_query, texts
from tests.unit.simulator.support import customer_add, fixture, message_set, responses, schema_errors

LIST_ID = re.compile(r"^8[0-9A-F]{7}-\d{10}$")
TXN_ID = re.compile(r"^[0-9A-F]+-\d{10}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def generated() -> CompanyFile:
    company = CompanyFile.modern("Generated Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=10_000, invoices=4_000, seed=7)
    return company


def test_the_same_seed_gives_the_same_file_and_another_seed_another(generated: CompanyFile) -> None:
    """GIVEN a file populated with seed 7
    WHEN two more files are populated with seed 7 (on a file whose clock says 400 days later) and seed 8
    THEN the seed-7 file has the very same items, customers and invoices, the seed-8 file other ones."""
    later = CompanyFile.modern("Again", clock=lambda: datetime.now().astimezone() + timedelta(days=400))
    again, other = later, CompanyFile.modern("Other")
    again.populate(customers=10_000, invoices=4_000, seed=7)
    other.populate(customers=10_000, invoices=4_000, seed=8)

    assert again.items() == generated.items()
    assert again.customers() == generated.customers()
    assert again.invoices() == generated.invoices()
    assert [c.name for c in other.customers()[:50]] != [c.name for c in generated.customers()[:50]]


def test_names_are_unique_varied_and_fit_quickbooks(generated: CompanyFile) -> None:
    """GIVEN 10,000 generated customers
    WHEN their names are examined
    THEN FullNames are unique without regard to case; each Name fits 41 Latin-1 characters without
    a colon or stray spaces; and the list mixes capitals, small letters, punctuation, digits and accents."""
    customers = generated.customers()
    full_names = [generated.full_name(customer) for customer in customers]
    names = [customer.name for customer in customers]

    assert len({name.casefold() for name in full_names}) == len(customers) == 10_000
    assert all(len(name) <= 41 and ":" not in name and name == " ".join(name.split()) for name in names)
    assert all(name.encode("latin-1") for name in full_names)
    assert sum(name.isupper() for name in names) > 200
    assert sum(name.islower() for name in names) > 100
    for mark in ("&", "'", ",", ".", "-", "#", "/", "(", " "):
        assert sum(mark in name for name in names) > 20, mark
    assert sum(any(char.isdigit() for char in name) for name in names) > 200
    for letter in ("é", "ü", "ñ", "ø", "ç"):
        assert sum(letter in name.casefold() for name in names) > 10, letter


def test_about_five_percent_are_jobs_of_earlier_customers(generated: CompanyFile) -> None:
    """GIVEN the generated customers
    WHEN the jobs among them are examined
    THEN about 5 % are jobs whose parent exists and was created before them, whose FullName is
    Parent:Job, and some are jobs of jobs."""
    customers = {customer.list_id: customer for customer in generated.customers()}
    jobs = [customer for customer in customers.values() if customer.parent_id is not None]
    order = list(customers)

    assert 0.035 < len(jobs) / len(customers) < 0.065
    for job in jobs:
        parent = customers[job.parent_id or ""]
        assert order.index(parent.list_id) < order.index(job.list_id)
        assert generated.full_name(job) == f"{generated.full_name(parent)}:{job.name}"
    assert any(customers[job.parent_id or ""].parent_id is not None for job in jobs)


def test_identifiers_and_times_look_like_years_of_quickbooks(generated: CompanyFile) -> None:
    """GIVEN the generated customers and invoices
    WHEN their identifiers and times are examined
    THEN ListIDs, TxnIDs and TxnLineIDs are distinct and QuickBooks-shaped, with the creation second
    inside; times span about three years, none modified before created; and hundreds of records share
    their TimeModified second with others."""
    customers, invoices = generated.customers(), generated.invoices()
    list_ids = [customer.list_id for customer in customers]
    txn_ids = [invoice.txn_id for invoice in invoices] + [line.txn_line_id for i in invoices for line in i.lines]
    stamps = [(c.time_created, c.time_modified) for c in customers] + [
        (i.time_created, i.time_modified) for i in invoices
    ]
    created = [datetime.fromisoformat(time_created) for time_created, _ in stamps]

    assert len(set(list_ids)) == len(list_ids) and all(LIST_ID.match(list_id) for list_id in list_ids)
    assert len(set(txn_ids)) == len(txn_ids) and all(TXN_ID.match(txn_id) for txn_id in txn_ids)
    assert all(TIMESTAMP.match(c.time_created) and TIMESTAMP.match(c.time_modified) for c in customers)
    assert all(
        int(c.list_id.split("-")[1]) == int(datetime.fromisoformat(c.time_created).timestamp()) for c in customers
    )
    assert all(datetime.fromisoformat(modified) >= datetime.fromisoformat(made) for made, modified in stamps)
    assert 2.9 * 365 < (max(created) - min(created)).days < 3.01 * 365
    shared = Counter(customer.time_modified for customer in customers)
    assert sum(count for count in shared.values() if count > 1) >= 300
    assert shared.most_common(1)[0][1] >= 100
    edited_together = Counter(c.time_modified for c in customers if c.time_modified != c.time_created)
    assert edited_together.most_common(1)[0][1] >= 100, "a bulk edit stamps many older records at once"
    assert sum(not customer.is_active for customer in customers) > 100


def test_invoices_reference_existing_customers_and_items(generated: CompanyFile) -> None:
    """GIVEN the generated invoices
    WHEN their references, lines and numbers are examined
    THEN each names a customer that existed when it was created, has 1 to 5 lines of the file's items,
    and RefNumbers and TxnNumbers are unique and in creation order; some are paid and some are open."""
    customers = {customer.list_id: customer for customer in generated.customers()}
    items = {item.list_id for item in generated.items()}
    invoices = generated.invoices()

    for invoice in invoices:
        assert customers[invoice.customer_id].time_created <= invoice.time_created
        assert 1 <= len(invoice.lines) <= 5
        assert all(line.item is not None and line.item.list_id in items for line in invoice.lines)
    assert Counter(len(invoice.lines) for invoice in invoices).keys() == {1, 2, 3, 4, 5}
    assert [invoice.txn_number for invoice in invoices] == list(range(1, len(invoices) + 1))
    assert [invoice.ref_number for invoice in invoices] == [str(1001 + index) for index in range(len(invoices))]
    paid = sum(invoice.balance_remaining == 0 for invoice in invoices)
    assert 0.3 < paid / len(invoices) < 0.95


def test_balances_follow_the_generated_invoices(generated: CompanyFile) -> None:
    """GIVEN the customer with the most invoices, and a customer with jobs
    WHEN they are queried by FullName
    THEN Balance is the sum of their open invoices and TotalBalance adds their jobs' balances."""
    invoices = generated.invoices()
    owner = Counter(invoice.customer_id for invoice in invoices).most_common(1)[0][0]
    customers = generated.customers()
    parent = next(c for c in customers if any(job.parent_id == c.list_id for job in customers))
    family = {parent.list_id} | {job.list_id for job in customers if job.parent_id == parent.list_id}
    family |= {job.list_id for job in customers if job.parent_id in family}

    def open_amount(ids: set[str]) -> Decimal:
        return sum((i.balance_remaining for i in invoices if i.customer_id in ids), Decimal("0.00"))

    for customer, members in ((next(c for c in customers if c.list_id == owner), {owner}), (parent, family)):
        [rs] = responses(
            generated.process(message_set(fixture("customer_query_by_name_rq.xml", request_id="1",
                                                  name=generated.full_name(customer)), version="16.0"))
        )  # fmt: skip
        assert rs.ret_text("Balance") == f"{open_amount({customer.list_id}):.2f}"
        assert rs.ret_text("TotalBalance") == f"{open_amount(members):.2f}"


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_generated_records_come_back_valid_for_the_schema(generated: CompanyFile, version: str) -> None:
    """GIVEN generated customers (jobs, addresses, accents) and invoices (lines, payments)
    WHEN a page of each is returned in qbXML 13.0 and 16.0
    THEN both response documents validate against Intuit's schema of that version."""
    jobs = ("Contains", ":")
    documents = [
        generated.process(
            message_set(customer_query(iterator="Start", max_returned=300, active="All"), version=version)
        ),
        generated.process(
            message_set(customer_query(active="All", name_filter=jobs, max_returned=300), version=version)
        ),
        generated.process(message_set(invoice_query(max_returned=300, lines=True), version=version)),
    ]

    assert all(len(responses(document)[0].rets) == 300 for document in documents)
    for document in documents:
        assert schema_errors(SCHEMA_DIR, version, document) == []
    generated.close_session()


def test_writes_after_population_get_new_identifiers_and_edit_sequences(generated: CompanyFile) -> None:
    """GIVEN a populated file
    WHEN a customer is added through qbXML and a generated customer is modified with its EditSequence
    THEN the add gets a ListID no record has, the mod succeeds, and both EditSequences are later than
    every generated one."""
    sequences = [c.edit_sequence for c in generated.customers()] + [i.edit_sequence for i in generated.invoices()]
    newest = max(int(sequence) for sequence in sequences)
    target = generated.customers()[17]

    [added] = responses(generated.process(message_set(customer_add("Brand New Customer"), version="16.0")))
    mod = fixture("customer_mod_rq.xml", request_id="2", list_id=target.list_id,
                  edit_sequence=target.edit_sequence, phone="555-0100")  # fmt: skip
    [modified] = responses(generated.process(message_set(mod, version="16.0")))

    assert (added.status_code, modified.status_code) == (0, 0)
    assert sum(c.list_id == added.ret_text("ListID") for c in generated.customers()) == 1
    assert int(added.ret_text("EditSequence") or 0) > newest
    assert int(modified.ret_text("EditSequence") or 0) > newest


def test_adds_and_renames_keep_the_name_order_right() -> None:
    """GIVEN a populated file whose name order was used once
    WHEN a customer is added, and a customer with a job is renamed
    THEN a new walk shows the new customer in its place, the renamed customer and its job under their
    new FullNames in their new places, and nothing under the old name."""
    company = CompanyFile.modern("Small Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=600, seed=3)
    ask(company, customer_query(max_returned=1))
    parent = next(c for c in company.customers() if any(job.parent_id == c.list_id for job in company.customers()))
    old_name = company.full_name(parent)

    ask(company, customer_add("Mmm In The Middle"))
    mod = fixture("customer_mod_rq.xml", request_id="1", list_id=parent.list_id,
                  edit_sequence=parent.edit_sequence, phone="1")  # fmt: skip
    renamed = ask(company, mod.replace("</EditSequence>", "</EditSequence><Name>AAA Renamed</Name>", 1))
    names = texts(ask(company, customer_query(active="All", include=["FullName"])), "FullName")

    assert renamed.status_code == 0, renamed.message
    assert names == sorted(names, key=str.casefold) and len(names) == 601
    assert "Mmm In The Middle" in names and "AAA Renamed" in names
    assert any(name.startswith("AAA Renamed:") for name in names)
    assert not any(name == old_name or name.startswith(old_name + ":") for name in names)


def test_an_iterator_keeps_what_matched_at_start() -> None:
    """GIVEN an iterator started over a populated file
    WHEN a customer that sorts last is added before the next page
    THEN the iterator's pages do not include it, and a new Start does."""
    company = CompanyFile.modern("Small Co", schema_dir=SCHEMA_DIR)
    company.populate(customers=300, seed=5)
    start = ask(company, customer_query(iterator="Start", max_returned=100, active="All"))
    ask(company, customer_add("ZZZZ Latecomer"))
    rest = ask(company, customer_query(iterator="Continue", iterator_id=attribute(start, "iteratorID"),
                                       max_returned=1000, active="All"))  # fmt: skip
    fresh = ask(company, customer_query(active="All", from_name="ZZZZ"))

    assert (len(start.rets) + len(rest.rets), attribute(rest, "iteratorRemainingCount")) == (300, "0")
    assert "ZZZZ Latecomer" not in texts(rest, "FullName")
    assert "ZZZZ Latecomer" in texts(fresh, "FullName")


def test_population_needs_an_empty_file_and_customers_for_invoices(company: CompanyFile) -> None:
    """GIVEN a file with one customer, and an empty file
    WHEN the first is populated, and the second is given invoices without customers
    THEN both are refused with ValueError and nothing is generated."""
    ask(company, customer_add("Acme"), version="13.0")
    empty = CompanyFile()

    with pytest.raises(ValueError, match="empty"):
        company.populate(customers=10)
    with pytest.raises(ValueError, match="need customers"):
        empty.populate(invoices=10)
    assert (len(company.customers()), len(empty.invoices())) == (1, 0)


_MEASURE = """
import json, resource, time
from simulator.quickbooks import CompanyFile
company = CompanyFile.modern("Big Co")
started = time.perf_counter()
made = company.populate(customers=100_000, invoices=50_000, seed=7)
populate = time.perf_counter() - started
query = ('<?xml version="1.0"?><?qbxml version="16.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
         '<CustomerQueryRq requestID="1" iterator="Start"><MaxReturned>500</MaxReturned>'
         '<ActiveStatus>All</ActiveStatus></CustomerQueryRq></QBXMLMsgsRq></QBXML>')
starts = []
for _ in range(3):
    started = time.perf_counter()
    answer = company.process(query)
    starts.append(time.perf_counter() - started)
    company.close_session()
print(json.dumps({"populate": populate, "start": min(starts), "customers": made.customers,
                  "invoices": made.invoices, "remaining": answer.count('iteratorRemainingCount="99500"'),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_one_hundred_thousand_customers_and_fifty_thousand_invoices_can_be_paged() -> None:
    """GIVEN a fresh interpreter
    WHEN it populates 100,000 customers and 50,000 invoices, then starts a 500-customer iterator over them
    THEN every record is there and the iterator holds the other 99,500. (How long that takes and how much
    memory it needs are measured by the benchmarks, not asserted here: timing belongs to ``make bench``.)"""
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE], cwd=REPO_DIR, capture_output=True, text=True, timeout=300, check=True
    )
    measured = json.loads(run.stdout)

    assert (measured["customers"], measured["invoices"], measured["remaining"]) == (100_000, 50_000, 1)
