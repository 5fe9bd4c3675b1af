"""The change feed over the real queue, session service and simulated QuickBooks, in memory: records are
added, edited and deleted in the company file between catch-ups (one edit stamped by a workstation whose
clock is behind, inside the overlap), and every change reaches the SaaS once, in order per object."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest

from chalicelib.feed.publisher import FeedPublisher
from chalicelib.feed.service import FeedService
from chalicelib.jobs.models import PRIORITY_BACKGROUND
from chalicelib.store.memory_feed import MemoryFeedStore
from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.harness import LEASE_TTL, Harness

OFFSET = timezone(timedelta(hours=-5))  # the company's machine: US Eastern, standard time


class World:
    """The gateway (harness), a company file whose clock is the gateway's (in the company's zone) plus
    ``skew``, the feed, and a Web Connector that runs whole sessions."""

    def __init__(self) -> None:
        self.gw = Harness.build()
        self.skew = timedelta(0)
        self.company = CompanyFile("Feed Co", schema_dir=SCHEMA_DIR,
                                   clock=lambda: (self.gw.clock() + self.skew).astimezone(OFFSET))
        self.feeds = MemoryFeedStore()
        self.feed = FeedService(self.feeds, self.gw.queue, self.gw.clock, page_size=2)
        self.gw.queue.publisher = FeedPublisher(self.gw.publisher, lambda: self.feed)

    def qb(self, body: str) -> str:
        """A person at the QuickBooks machine does ``body`` (one request)."""
        answer = self.company.process(f'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                                      f'<QBXMLMsgsRq onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>')
        assert 'statusCode="0"' in answer, answer
        return answer

    def add_customer(self, name: str) -> tuple[str, str]:
        answer = self.qb(f"<CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd></CustomerAddRq>")
        return _between(answer, "ListID"), _between(answer, "EditSequence")

    def edit_customer(self, list_id: str, revision: str, phone: str) -> str:
        answer = self.qb(f"<CustomerModRq><CustomerMod><ListID>{list_id}</ListID><EditSequence>{revision}"
                         f"</EditSequence><Phone>{phone}</Phone></CustomerMod></CustomerModRq>")
        return _between(answer, "EditSequence")

    def delete_customer(self, list_id: str) -> None:
        self.qb(f"<ListDelRq><ListDelType>Customer</ListDelType><ListID>{list_id}</ListID></ListDelRq>")

    def add_invoice(self, customer: str) -> tuple[str, str]:
        answer = self.qb(f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
                         "<InvoiceLineAdd><ItemRef><FullName>Consulting</FullName></ItemRef>"
                         "<Quantity>1</Quantity></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")
        return _between(answer, "TxnID"), _between(answer, "EditSequence")

    def delete_invoice(self, txn_id: str) -> None:
        self.qb(f"<TxnDelRq><TxnDelType>Invoice</TxnDelType><TxnID>{txn_id}</TxnID></TxnDelRq>")

    def session(self, *, lose_after: int | None = None) -> None:
        """One Web Connector session until the queue is empty (or, ``lose_after`` answers in, the machine
        goes to sleep: QuickBooks forgets its iterators, the lease runs out)."""
        gw = self.gw
        ticket, answer = gw.authenticate()[:2]
        if answer == "none":
            return  # nothing to do
        assert answer not in ("busy", "nvu"), answer
        document, answered = gw.send(ticket, first=True), 0
        while document:
            if lose_after is not None and answered == lose_after:
                self.company.close_session()
                gw.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
                return
            if gw.receive(ticket, self.company.process(document)) < 0:
                break
            answered += 1
            document = gw.send(ticket)
        gw.close(ticket)
        self.company.close_session()

    def catch_up(self, **session: Any) -> None:
        assert self.feed.run_due() == 1
        self.session(**session)

    def events(self) -> list[dict[str, Any]]:
        return [m for m in self.gw.publisher.delivered if m.get("type") == "change"]

    def later(self, minutes: float) -> None:
        self.gw.clock.advance(minutes=minutes)


def _between(text: str, tag: str) -> str:
    return text.split(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]


@pytest.fixture
def world() -> Iterator[World]:
    yield World()


def changes(events: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(e["id"], e["change"], e["revision_number"]) for e in events]


def test_a_full_start_publishes_every_customer_as_added_then_only_what_changed(world: World) -> None:
    world.add_customer("Alder Roofing")
    world.add_customer("Birch Electric")
    world.later(minutes=1)
    subscription = world.feed.create(world.gw.user.id, ["customers"], start="full", interval_seconds=300)
    world.catch_up()
    first = world.events()
    names = {e["object"]["name"] for e in first}
    assert {"Alder Roofing", "Birch Electric"} <= names
    assert {e["change"] for e in first} == {"added"}
    assert all(e["subscription_id"] == subscription.id and e["object_type"] == "customers" for e in first)
    # no raw page of a catch-up reaches the results queue
    assert not [m for m in world.gw.publisher.delivered if m.get("feed")]

    # WHEN nothing changes, the next catch-up publishes nothing (the overlap's records are not repeated)
    world.later(minutes=5)
    world.catch_up()
    assert world.events() == first


def test_each_change_between_catch_ups_is_published_once_in_order_per_object(world: World) -> None:
    alder = world.add_customer("Alder Roofing")
    birch = world.add_customer("Birch Electric")
    world.later(minutes=1)
    world.feed.create(world.gw.user.id, ["customers"], start="now", interval_seconds=300)
    world.catch_up()
    assert world.events() == []  # "now": what was there before is not news

    # WHEN, between catch-ups, a customer is added, one edited twice, and one edited by a workstation
    # whose clock is three minutes behind (its TimeModified is before the newest one the feed saw)
    world.later(minutes=1)
    cedar = world.add_customer("Cedar Cabinets")
    rev = world.edit_customer(alder[0], alder[1], "555-0101")
    world.later(minutes=1)
    rev = world.edit_customer(alder[0], rev, "555-0102")
    world.later(minutes=4)
    world.catch_up()
    world.later(minutes=1)
    world.skew = -timedelta(minutes=3)
    late = world.edit_customer(birch[0], birch[1], "555-0201")
    world.skew = timedelta(0)
    world.later(minutes=4)
    world.catch_up()
    world.later(minutes=5)
    world.catch_up()

    got = changes(world.events())  # in name order within a page; across objects no order is promised
    assert sorted(got) == sorted([(cedar[0], "added", cedar[1]), (alder[0], "modified", rev),
                                  (birch[0], "modified", late)])
    assert got.index((alder[0], "modified", rev)) < got.index((birch[0], "modified", late))  # catch-up order
    assert len({e["event_id"] for e in world.events()}) == 3


def test_a_catch_up_interrupted_mid_way_resumes_without_losing_or_repeating_an_event(world: World) -> None:
    world.feed.create(world.gw.user.id, ["customers"], start="now", interval_seconds=300)
    world.catch_up()
    world.later(minutes=1)
    added = [world.add_customer(f"Customer {i:02d}") for i in range(7)]  # pages of 2: four pages
    world.later(minutes=4)
    world.catch_up(lose_after=2)  # two pages answered, then the machine sleeps
    assert 0 < len(world.events()) < 7
    world.session()  # the next session resumes the catch-up
    assert sorted(changes(world.events())) == sorted((i, "added", r) for i, r in added)


def test_a_catch_up_waits_behind_user_jobs_and_the_next_waits_for_it(world: World) -> None:
    subscription = world.feed.create(world.gw.user.id, ["customers", "invoices"], start="now",
                                     interval_seconds=300)
    assert world.feed.run_due() == 1
    user_job = world.gw.enqueue()
    queued = sorted(world.gw.store._queued(world.gw.user.id), key=lambda j: j.queued_key)
    assert queued[0].id == user_job.id  # a person's job goes first
    assert {j.priority for j in queued[1:]} == {PRIORITY_BACKGROUND} and len(queued) == 5  # 2 types, 2 deleted queries
    # WHEN the next catch-up is due before this one ran, it does not start
    world.later(minutes=6)
    assert world.feed.run_due() == 0
    assert world.feeds.get_subscription(world.gw.user.id, subscription.id).run == 1
    world.session()
    world.later(minutes=1)
    assert world.feed.run_due() == 1


def test_an_expired_catch_up_leaves_its_mark_and_is_noted(world: World) -> None:
    subscription = world.feed.create(world.gw.user.id, ["customers"], start="now", interval_seconds=300)
    assert world.feed.run_due() == 1
    world.later(minutes=6)  # nobody polled: the catch-up's jobs pass their deadline
    world.gw.queue.store  # noqa: B018
    from chalicelib.jobs.dispatch import Dispatcher  # the scheduled task expires overdue jobs
    Dispatcher(world.gw.store, world.gw.queue, world.gw.clock, lease_ttl=LEASE_TTL).expire_overdue()
    stored = world.feeds.get_subscription(world.gw.user.id, subscription.id)
    assert stored is not None and stored.last_error is not None and stored.last_error["object_type"]
    assert stored.mark("customers").at is None and stored.mark("customers").done_run == 1
    assert world.feed.run_due() == 1  # and the next catch-up asks for the same window


def test_deletions_are_published_once_after_what_came_before_them(world: World) -> None:
    """GIVEN a feed of customers and invoices, a customer and an invoice (of another customer) added and
    published WHEN both are deleted between catch-ups THEN each deletion is one ``deleted`` event, without
    an object, after the object's ``added`` event; the catch-ups after add nothing."""
    world.feed.create(world.gw.user.id, ["customers", "invoices"], start="now", interval_seconds=300)
    world.catch_up()
    world.later(minutes=1)
    gone = world.add_customer("Gone Gutters")
    world.add_customer("Stays Stucco")
    invoice = world.add_invoice("Stays Stucco")
    world.later(minutes=4)
    world.catch_up()
    world.later(minutes=1)
    world.delete_customer(gone[0])
    world.delete_invoice(invoice[0])
    world.later(minutes=4)
    world.catch_up()
    world.later(minutes=5)
    world.catch_up()

    got = changes(world.events())
    assert got.count((gone[0], "deleted", None)) == 1 and got.count((invoice[0], "deleted", None)) == 1
    assert got.index((gone[0], "added", gone[1])) < got.index((gone[0], "deleted", None))
    assert got.index((invoice[0], "added", invoice[1])) < got.index((invoice[0], "deleted", None))
    deleted = [e for e in world.events() if e["change"] == "deleted"]
    assert {e["object_type"] for e in deleted} == {"customers", "invoices"}
    assert all("object" not in e and e["modified_at"] for e in deleted)
    stored = world.feeds.get_subscription(world.gw.user.id, world.feed.list_for(world.gw.user.id)[0].id)
    assert stored is not None and stored.last_error is None


def test_a_list_without_iterators_is_asked_whole_whatever_the_unpaged_ceiling(world: World) -> None:
    """GIVEN a deployment that puts MaxReturned 500 on unpaged queries (QBDGW_UNPAGED_MAX_RETURNED) WHEN a
    catch-up asks for accounts (a list query without iterators) THEN its query has no MaxReturned: a
    ceiling would cut the window short and the watermark would pass what it left out."""
    world.gw.queue.unpaged_max_returned = 500
    world.feed.create(world.gw.user.id, ["accounts", "customers"], start="now", interval_seconds=300)
    assert world.feed.run_due() == 1
    jobs = {j.feed.rsplit("|", 1)[1]: j for j in world.gw.store.jobs.values() if j.feed}
    assert "<AccountQueryRq>" in jobs["accounts"].qbxml and "MaxReturned" not in jobs["accounts"].qbxml
    assert jobs["accounts"].max_returned_ceiling is None and jobs["accounts"].paging is None
    assert jobs["customers"].paging is not None  # pages of the feed's own size instead


def test_a_job_a_person_waits_for_goes_between_the_pages_of_a_catch_up(world: World) -> None:
    """GIVEN a catch-up of seven new customers (pages of 2) under way WHEN a REST job is enqueued after its
    first page THEN the next message set is that job, and the catch-up goes on after it and publishes all."""
    world.feed.create(world.gw.user.id, ["customers"], start="now", interval_seconds=300)
    world.catch_up()
    world.later(minutes=1)
    added = [world.add_customer(f"Customer {i:02d}") for i in range(7)]
    world.later(minutes=4)
    assert world.feed.run_due() == 1
    gw = world.gw
    ticket = gw.open_session()
    document = gw.send(ticket, first=True)
    assert "CustomerQueryRq" in document and 'iterator="Start"' in document
    assert 0 <= gw.receive(ticket, world.company.process(document)) < 100
    person = gw.enqueue()
    handed = gw.send(ticket)
    assert person.id in handed  # the person's job, between the catch-up's pages
    assert 0 <= gw.receive(ticket, world.company.process(handed)) < 100
    while (document := gw.send(ticket)):
        if gw.receive(ticket, world.company.process(document)) >= 100:
            break
    gw.close(ticket)
    assert gw.store.get_job(person.id).status.value == "succeeded"  # type: ignore[union-attr]
    assert sorted(changes(world.events())) == sorted((i, "added", r) for i, r in added)


@pytest.mark.parametrize("start", ["now", "full"])
def test_a_type_added_later_joins_the_next_catch_up_from_the_change_or_whole(world: World, start: str) -> None:
    """GIVEN a subscription to customers that has run a catch-up, and an invoice made before the change WHEN
    invoices are added to it THEN the next catch-up runs (it did not wait for the new type's earlier
    catch-ups) and follows invoices: a ``now`` subscription from the change on (the earlier invoice is not
    news, a later one is), a ``full`` one with every invoice; the customers' own start is untouched."""
    world.add_customer("Alder Roofing")
    world.later(minutes=1)
    subscription = world.feed.create(world.gw.user.id, ["customers"], start=start, interval_seconds=300)
    world.catch_up()
    world.later(minutes=1)
    before = world.add_invoice("Alder Roofing")
    world.later(minutes=1)
    world.feed.update(world.gw.user.id, subscription.id, object_types=["customers", "invoices"])
    world.later(minutes=1)
    after = world.add_invoice("Alder Roofing")
    world.later(minutes=5)
    world.catch_up()
    invoices = {e["id"] for e in world.events() if e["object_type"] == "invoices"}
    assert invoices == ({after[0]} if start == "now" else {before[0], after[0]})
    stored = world.feeds.get_subscription(world.gw.user.id, subscription.id)
    assert stored is not None and stored.run == 2 and stored.last_error is None


def test_an_event_s_object_is_the_record_as_the_typed_api_reads_it_lines_and_all(world: World) -> None:
    """GIVEN a feed of invoices WHEN an invoice with a line is added and caught up THEN its event's object is
    what ``GET /invoices/{id}`` answers for it: the lines too (the retrieve asks for them)."""
    from chalicelib.resources.answer import records_of
    from chalicelib.resources.build import retrieve_call
    from chalicelib.resources.catalog import resource

    world.add_customer("Lined Lumber")
    world.feed.create(world.gw.user.id, ["invoices"], start="full", interval_seconds=300)
    txn_id, _revision = world.add_invoice("Lined Lumber")
    world.later(minutes=1)
    world.catch_up()
    (event,) = [e for e in world.events() if e["id"] == txn_id]
    invoices = resource("invoices")
    assert invoices is not None
    (retrieved,) = records_of(world.qb(retrieve_call(invoices, txn_id).qbxml))
    assert event["object"] == retrieved
    assert [line["item_ref"]["full_name"] for line in event["object"]["lines"]] == ["Consulting"]
