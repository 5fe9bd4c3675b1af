"""Seeded bulk population: a company file with the history a real one has after years of use.

:func:`populate` (exposed as :meth:`CompanyFile.populate <simulator.quickbooks.CompanyFile.populate>`
and ``python -m simulator --customers N --invoices M --seed S``) fills an *empty* company file
with customers and invoices. The same seed gives the same file, record for record: the history
ends at ``until`` (by default :data:`DEFAULT_UNTIL`, or the file's clock if that is earlier),
nothing depends on the wall clock, and times are written in the UTC offset of the file's clock.
What it holds, and why a gateway cares:

- **names** from :mod:`simulator.names`: people, trades, partnerships, numbers, capitals, Latin-1
  letters, unique without regard to case — the order a resuming iterator depends on;
- **jobs**: about 5 % of the customers are jobs (``Parent:Job``) of a customer created before them,
  a tenth of those jobs of a job (``Sublevel`` 2); a job shares its parent's bill address;
- **time**: ``TimeCreated`` spread over ``years`` (3) before ``until``, ``ListID``/``TxnID`` issued
  in creation order by the ledger's own counters (the file's accounts and items are dated back to
  the day before the first customer, so they belong to the same seeded history); about 45 % of
  the customers were modified later and 3 % are inactive; invoices are paid (``AppliedAmount``),
  partly paid or edited later, and paying one modifies it;
- **bulk imports**: about a tenth of the records were created in batches of up to a few hundred
  within one second, and a few bulk edits stamped hundreds of records with one ``TimeModified``
  second — so a ``FromModifiedDate`` boundary falls inside a crowd of records, as it does in files
  that were imported into (:attr:`Population.shared_customer_seconds` counts them);
- **invoices** for a customer that existed at the time (older customers have more), each with 1 to 5
  lines of the file's items, ``RefNumber`` from 1001 on, ``TxnDate`` on or a little before creation.

``EditSequence`` is the modification second, as in QuickBooks; the ledger's next write gets a
later one. Nodes that repeat (references, addresses of jobs, flags, quantities) are shared between
records, so 100,000 customers and 50,000 invoices fit in about 250 MB and take about 3.5 s; the
first full garbage collection over them (about 0.2 s) is spent at the end of :func:`populate`
rather than in the middle of some later query.
"""

from __future__ import annotations

import bisect
import gc
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal

from simulator.ledger import Ledger
from simulator.names import JOB_STATUSES, LAST, NameMaker, ascii_slug
from simulator.qbxml_text import format_time
from simulator.records import Customer, Invoice, InvoiceLine, Node, Ref, agg, leaf

DEFAULT_UNTIL = datetime(2025, 6, 30, 21, 0, 0, tzinfo=UTC)
"""Where a generated history ends unless told otherwise (or the file's clock is earlier)."""

JOB_SHARE = 0.05
DAY = 86_400
_CENT = Decimal("0.01")
_CITIES = (
    ("Storrs", "CT", "06268"), ("Montréal", "QC", "H2X 1Y4"), ("San José", "CA", "95113"),
    ("Española", "NM", "87532"), ("Coeur d'Alene", "ID", "83814"), ("Boise", "ID", "83702"),
    ("Austin", "TX", "78701"), ("Québec", "QC", "G1R 4P5"), ("Portland", "OR", "97205"),
    ("St. Paul", "MN", "55102"), ("Saint-Laurent", "QC", "H4N 1J5"), ("Miami", "FL", "33130"),
    ("Denver", "CO", "80202"), ("Burlington", "VT", "05401"), ("Cañon City", "CO", "81212"),
)  # fmt: skip
_STREETS = ("Main St.", "Harbour Road", "Rue de l'Église", "Calle Peña", "Elm Ave", "Oak Lane", "1st Ave N",
            "Industrial Pkwy, Suite 200", "Königstraße", "Broadway", "Route 9", "Rural Route 2")  # fmt: skip
_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "corp.example")
_QUANTITIES = tuple(Decimal(q) for q in ("1", "1", "1", "1", "2", "2", "3", "4", "5", "8", "10", "12", "0.5", "40"))
_RATES = tuple(Decimal(r) for r in ("12.50", "45.00", "120.00", "299.99", "1250.00", "8.75"))
_LINE_COUNTS = (1, 2, 3, 4, 5)
_LINE_WEIGHTS = (35, 25, 18, 13, 9)


@dataclass(frozen=True)
class Population:
    """What :func:`populate` generated."""

    seed: int
    customers: int
    """Customers and jobs together."""
    jobs: int
    inactive: int
    invoices: int
    lines: int
    since: str
    until: str
    shared_customer_seconds: int
    """Customers whose ``TimeModified`` second is shared with at least one other customer."""
    shared_invoice_seconds: int
    """The same for invoices."""


class _Times:
    """Formats Unix seconds in the file's time zone, once per second."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._texts: dict[int, str] = {}

    def text(self, seconds: int) -> str:
        found = self._texts.get(seconds)
        if found is None:
            found = self._texts[seconds] = format_time(datetime.fromtimestamp(seconds, self._zone))
        return found

    def day(self, seconds: int) -> date:
        return datetime.fromtimestamp(seconds, self._zone).date()


def moments(rng: random.Random, count: int, start: int, end: int, batch_share: float = 0.1) -> list[int]:
    """``count`` sorted seconds in ``[start, end]``: mostly scattered, ``batch_share`` in bulk batches of one second."""
    seconds: list[int] = []
    budget = max(int(count * batch_share), min(count, 2))
    while len(seconds) < budget:
        size = min(rng.randint(40, 400), budget - len(seconds))
        seconds.extend([rng.randint(start, end)] * size)
    seconds.extend(rng.randint(start, end) for _ in range(count - len(seconds)))
    seconds.sort()
    return seconds


def bulk_edits(rng: random.Random, created: list[int], modified: list[int], end: int, share: float) -> None:
    """Stamp about ``share`` of the records with a few bulk edits, each one second (in place)."""
    budget = int(len(created) * share)
    while budget > 0 and created:
        second = rng.randint(created[0], end)
        limit = bisect.bisect_right(created, second)
        size = min(rng.randint(100, 500), budget, limit)
        for index in rng.sample(range(limit), size):
            modified[index] = second
        budget -= max(size, 1)


def _shared(seconds: list[int]) -> int:
    return sum(count for count in Counter(seconds).values() if count > 1)


def populate(
    ledger: Ledger, customers: int, invoices: int, seed: int = 0, until: datetime | None = None, years: float = 3.0
) -> Population:
    """Fill the empty ``ledger`` with ``customers`` customers and jobs and ``invoices`` invoices."""
    if customers < 0 or invoices < 0:
        raise ValueError("customers and invoices are counts")
    if invoices and not customers:
        raise ValueError("invoices need customers")
    if ledger.customers or ledger.invoices:
        raise ValueError("populate() fills an empty company file; this one has customers or invoices")
    rng = random.Random(seed)
    now = ledger.clock()
    times = _Times(now.astimezone().tzinfo or UTC)
    end = int((until or min(DEFAULT_UNTIL, now)).timestamp())
    start = end - int(years * 365.25 * DAY)
    ledger.found(str(start - DAY))  # the file was set up the day before its first customer
    people = _customers(ledger, rng, customers, start, end, times)
    bills, lines = _invoices(ledger, rng, invoices, people, end, times)
    ledger.load(people, bills, last_ref_number=1000 + len(bills))
    gc.collect()  # the first full collection over the new records happens here, not in a query's time
    return Population(
        seed=seed,
        customers=len(people),
        jobs=sum(1 for customer in people if customer.parent_id is not None),
        inactive=sum(1 for customer in people if not customer.is_active),
        invoices=len(bills),
        lines=lines,
        since=times.text(start),
        until=times.text(end),
        shared_customer_seconds=_shared([int(customer.edit_sequence) for customer in people]),
        shared_invoice_seconds=_shared([int(invoice.edit_sequence) for invoice in bills]),
    )


def _contact(rng: random.Random, slug: str) -> list[Node]:
    fields: list[Node] = []
    if rng.random() < 0.85:
        fields.append(leaf("Phone", f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"))
    if rng.random() < 0.7 and slug:
        fields.append(leaf("Email", f"{slug[:30]}@{rng.choice(_DOMAINS)}"))
    return fields


def _address(rng: random.Random, cities: list[tuple[Node, ...]]) -> Node:
    street = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)}"
    return agg("BillAddress", leaf("Addr1", street), *rng.choice(cities))


def _customers(ledger: Ledger, rng: random.Random, count: int, start: int, end: int, times: _Times) -> list[Customer]:
    names = NameMaker(rng)
    cities: list[tuple[Node, ...]] = [
        (leaf("City", city), leaf("State", state), leaf("PostalCode", code)) for city, state, code in _CITIES
    ]
    created = moments(rng, count, start, end)
    modified = [rng.randint(second, end) if rng.random() < 0.45 else second for second in created]
    list_ids = [ledger.new_list_id(str(second)) for second in created]
    full_names: list[str] = []
    rows: list[tuple[str, int | None, bool, tuple[Node, ...]]] = []
    tops: list[int] = []
    jobs: list[int] = []
    for index in range(count):
        parent: int | None = None
        if tops and rng.random() < JOB_SHARE:
            parent = rng.choice(jobs) if jobs and rng.random() < 0.1 else rng.choice(tops)
        if parent is not None:
            name = names.job(full_names[parent])
            full_names.append(f"{full_names[parent]}:{name}")
            address = [node for node in rows[parent][3] if node[0] == "BillAddress"]
            fields: tuple[Node, ...] = (*address, leaf("JobStatus", rng.choice(JOB_STATUSES)))
            if rows[parent][1] is None:
                jobs.append(index)  # a job of a top-level customer may get jobs of its own
        else:
            if rng.random() < 0.42:
                name, first_name, last_name = names.person()
                contact: list[Node] = [leaf("FirstName", first_name[:25]), leaf("LastName", last_name[:25])]
                slug = ascii_slug(f"{first_name}.{last_name}")
            else:
                name = names.company()
                contact = [leaf("CompanyName", name)]
                slug = ascii_slug(name.split(" ")[0] or rng.choice(LAST))
            full_names.append(name)
            address = [_address(rng, cities)] if rng.random() < 0.8 else []
            fields = (*contact, *address, *_contact(rng, slug))
            tops.append(index)
        active = rng.random() >= 0.03
        if not active and modified[index] == created[index]:
            modified[index] = rng.randint(created[index], end)
        rows.append((name, parent, active, fields))
    bulk_edits(rng, created, modified, end, share=0.04)
    return [
        Customer(
            list_id=list_ids[index],
            name=name,
            parent_id=None if parent is None else list_ids[parent],
            is_active=active,
            time_created=times.text(created[index]),
            time_modified=times.text(modified[index]),
            edit_sequence=str(modified[index]),
            fields=fields,
        )
        for index, (name, parent, active, fields) in enumerate(rows)
    ]


def _invoices(
    ledger: Ledger, rng: random.Random, count: int, people: list[Customer], end: int, times: _Times
) -> tuple[list[Invoice], int]:
    if not count:
        return [], 0
    customer_created = [int(customer.list_id.split("-")[1]) for customer in people]
    created = moments(rng, count, customer_created[0], end, batch_share=0.08)
    modified = list(created)
    items = [(Ref(item.list_id, item.name), item) for item in ledger.items.values()]
    line_fields: tuple[Node, ...] = (ledger.non_taxable.node("SalesTaxCodeRef"),)
    header: tuple[Node, ...] = (
        ledger.ar_account.node("ARAccountRef"),
        ledger.invoice_template.node("TemplateRef"),
        leaf("IsPending", "false"),
        leaf("IsFinanceCharge", "false"),
        leaf("IsToBePrinted", "true"),
        leaf("IsToBeEmailed", "false"),
    )
    due_dates: dict[str, Node] = {}
    amounts: dict[tuple[Decimal, Decimal], Decimal] = {}
    rows: list[tuple[str, str, str, tuple[InvoiceLine, ...], tuple[Node, ...], Decimal]] = []
    paid_before = end - 45 * DAY
    for index, second in enumerate(created):
        limit = bisect.bisect_right(customer_created, second)
        owner = people[min(int(limit * rng.random() ** 1.5), limit - 1)]
        sequence = str(second)
        txn_id = ledger.new_txn_id(sequence)
        lines: list[InvoiceLine] = []
        for _ in range(rng.choices(_LINE_COUNTS, _LINE_WEIGHTS)[0]):
            ref, item = rng.choice(items)
            quantity = rng.choice(_QUANTITIES)
            rate = item.price if item.price > 0 else rng.choice(_RATES)
            amount = amounts.get((quantity, rate))
            if amount is None:
                amount = amounts[(quantity, rate)] = (quantity * rate).quantize(_CENT)
            lines.append(
                InvoiceLine(ledger.new_txn_id(sequence), ref, item.description, quantity, rate, amount, line_fields)
            )
        day = times.day(second) - timedelta(days=rng.choice((0, 0, 0, 0, 0, 0, 1, 2, 3, 7, 14)))
        due = (day + timedelta(days=30)).isoformat()
        due_node = due_dates.get(due) or due_dates.setdefault(due, leaf("DueDate", due))
        address = tuple(node for node in owner.fields if node[0] == "BillAddress")
        extra = (leaf("PONumber", f"PO-{rng.randint(1000, 99999)}"),) if rng.random() < 0.1 else ()
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        paid, partly = (0.85, 0.93) if second < paid_before else (0.25, 0.30)
        roll = rng.random()
        applied = -subtotal if roll < paid else -(subtotal / 2).quantize(_CENT) if roll < partly else Decimal("0.00")
        if applied or rng.random() < 0.15:
            modified[index] = min(end, second + rng.randint(60, 60 * DAY))
        fields = (*header, *address, due_node, *extra)
        rows.append((txn_id, day.isoformat(), owner.list_id, tuple(lines), fields, applied))
    bulk_edits(rng, created, modified, end, share=0.04)
    invoices = [
        Invoice(
            txn_id=txn_id,
            txn_number=ledger.next_txn_number(),
            customer_id=customer_id,
            time_created=times.text(created[index]),
            time_modified=times.text(modified[index]),
            edit_sequence=str(modified[index]),
            txn_date=txn_date,
            ref_number=str(1001 + index),
            lines=lines,
            fields=fields,
            applied_amount=applied,
        )
        for index, (txn_id, txn_date, customer_id, lines, fields, applied) in enumerate(rows)
    ]
    return invoices, sum(len(invoice.lines) for invoice in invoices)
