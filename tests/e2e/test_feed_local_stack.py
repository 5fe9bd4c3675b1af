"""The change feed in the local stack (``make run ARGS=--webhooks``), over real HTTP: a person edits the
company file between catch-ups, the simulated Web Connector runs the catch-ups' jobs through ``/qbwc``, and
every change reaches the results queue once, as a change event (read with the SDK's consumer), and a webhook
receiver of kind ``change`` on 127.0.0.1, signed, after its first failures were retried.

The second test pins a bug this test found: a ``now`` subscription published, as ``modified``, a record last
modified in the overlap (10 minutes) before the subscription was created and never since, once the type's
watermark was set (the creation floor of ``chalicelib/feed/window.py`` holds only until the first record, and
what it dropped was not remembered, so the next window, watermark minus the overlap, found it again).

Making a catch-up due: the local stack's clock is real time and the shortest interval is 300 s, so the test
does what time would do: it writes the subscription's ``next_run_at`` (and the due index's key that goes
with it, ``outbox_sk``, built with the table layout's own :func:`~chalicelib.store.dynamo_feed.due_attrs`) to
one second ago, straight into the emulated DynamoDB table over its endpoint. Everything after that is the
product's own path: the stack's scheduler runs the sweeper (``expire_overdue_jobs``, every
``--schedule-seconds``), which finds the subscription through the due index and starts the catch-up; nothing
of the gateway is called in process. The test only does so once the catch-up before is done (every mark's
``done_run``): earlier, the sweeper would rightly push the subscription a minute back.

The stack runs with two settings an operator may set (in the subprocess's environment, as ``--env`` would):
``QBDGW_FEED_PAGE_SIZE=2``, so that a catch-up has pages, and ``QBDGW_LEASE_TTL_SECONDS=3``, so that the
lease of a session that vanished mid-way runs out in seconds (as ``test_paged_sync.py`` does).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from qbd_gateway_sdk import ChangeEvent, ResultMessage, ResultsConsumer
from qbd_gateway_sdk.webhooks import verify

from chalicelib.store.dynamo_feed import due_attrs, subscription_sk
from chalicelib.store.items import end_user_pk
from simulator import SessionOutcome, WebConnector
from tests.e2e.support import connector, parse_qbxml
from tests.functional.support import Receiver
from tests.functional.test_feed_api import Person
from tests.functional.test_webhook_delivery_local_stack import deliveries, eventually
from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e

LEASE_SECONDS = 3
PAGE_SIZE = 2
FOLLOWED = ["customers", "invoices"]
MARKS = [*FOLLOWED, "deleted:list", "deleted:txn"]  # one job each per catch-up
EASTERN = timezone(timedelta(hours=-5))
FIRST_BACKOFF_FLOOR = timedelta(seconds=29)  # the first backoff (30 s, jitter only adds), less a second: the
# delivery log shows its times in whole seconds

FAILURES = 2  # the receiver's first POSTs it answers 500 on purpose
Change = tuple[str, str, str, str | None]  # (object type, id, change, revision)


class CompanyClock:
    """The clock that stamps the company file's edits: real time in US Eastern, ``ahead`` of the gateway's (the
    QuickBooks host's clock is not AWS's), and ``skew`` off that while a workstation whose clock is behind edits."""

    def __init__(self, ahead: timedelta = timedelta(0)) -> None:
        self.ahead = ahead
        self.skew = timedelta(0)

    def __call__(self) -> datetime:
        return (datetime.now(UTC) + self.ahead + self.skew).astimezone(EASTERN)


class Feed:
    """One subscription of the stack, looked at over REST and (its marks, its due time) in the emulated table."""

    def __init__(self, process: GatewayProcess, api: Gateway, end_user_id: str, subscription_id: str) -> None:
        self.process, self.api = process, api
        self.end_user_id, self.id = end_user_id, subscription_id
        self.dynamodb = process.client("dynamodb")
        self.key = {"pk": {"S": end_user_pk(end_user_id)}, "sk": {"S": subscription_sk(subscription_id)}}

    def view(self) -> dict[str, Any]:
        response = self.api.request("GET", f"/v1/end-users/{self.end_user_id}/feed-subscriptions/{self.id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def item(self) -> dict[str, Any]:
        raw = self.dynamodb.get_item(TableName=self.process.env["QBDGW_TABLE"], Key=self.key, ConsistentRead=True)
        deserialize = TypeDeserializer().deserialize
        return {name: deserialize(value) for name, value in raw["Item"].items()}

    def done(self, run: int) -> bool:
        """Whether every type of catch-up ``run`` has seen its end (its last page, or its failure)."""
        marks = self.item()["marks"]
        return all(int((marks.get(name) or {}).get("done_run") or 0) >= run for name in MARKS)

    def make_due(self) -> None:
        """What the passing of the interval would do: ``next_run_at`` a second ago (see the module's story)."""
        at = datetime.now(UTC) - timedelta(seconds=1)
        self.dynamodb.update_item(
            TableName=self.process.env["QBDGW_TABLE"], Key=self.key, ConditionExpression="attribute_exists(pk)",
            UpdateExpression="SET next_run_at = :at, outbox_sk = :due",
            ExpressionAttributeValues={":at": {"S": at.isoformat()},
                                       ":due": {"S": due_attrs(self.end_user_id, self.id, at)["outbox_sk"]}})

    def started(self, run: int) -> None:
        """The stack's sweeper started catch-up ``run`` (its jobs are queued)."""
        assert eventually(lambda: self.view()["catch_ups"] >= run, timeout=10), f"catch-up {run} did not start"
        assert self.view()["catch_ups"] == run


class Inbox:
    """The SaaS's consumer of the results queue: the SDK's, told that nothing was seen before, so that a
    repeated event would reach ``on_change`` again instead of being skipped. Keeps one end-user's messages."""

    def __init__(self, process: GatewayProcess, end_user_id: str) -> None:
        self.end_user_id = end_user_id
        self.events: list[ChangeEvent] = []
        self.results: list[ResultMessage] = []
        self.consumer = ResultsConsumer(process.client("sqs"), process.env["QBDGW_RESULTS_QUEUE_URL"],
                                        self._result, seen=lambda _key: False, wait_seconds=1,
                                        on_change=self._change)

    def _result(self, result: ResultMessage) -> None:
        if result.end_user_id == self.end_user_id:
            self.results.append(result)

    def _change(self, event: ChangeEvent) -> None:
        if event.end_user_id == self.end_user_id:
            self.events.append(event)

    def until(self, count: int, timeout: float = 15) -> list[ChangeEvent]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            self.consumer.poll_once()
        return self.events

    def changes(self) -> list[Change]:
        return [(e.object_type, e.id, e.change, e.revision_number) for e in self.events]


def text_of(answer: str, tag: str) -> str:
    found = parse_qbxml(answer).findtext(f".//{tag}")
    assert found, f"no {tag} in {answer[:300]}"
    return str(found)


class Bookkeeper(Person):
    """The person at the QuickBooks machine (tests/functional/test_feed_api.py), who also tells the test the
    revisions QuickBooks gave, and adds and deletes invoices."""

    def revision(self, list_id: str) -> str:
        return text_of(self.does(f"<CustomerQueryRq><ListID>{list_id}</ListID></CustomerQueryRq>"), "EditSequence")

    def add_customer(self, name: str) -> tuple[str, str]:
        list_id = self.add(name)
        return list_id, self.revision(list_id)

    def edit_customer(self, list_id: str, phone: str) -> str:
        self.edit(list_id, phone)
        return self.revision(list_id)

    def add_invoice(self, customer: str) -> tuple[str, str]:
        answer = self.does(f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
                           "<InvoiceLineAdd><ItemRef><FullName>Consulting</FullName></ItemRef>"
                           "<Quantity>2</Quantity></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")
        return text_of(answer, "TxnID"), text_of(answer, "EditSequence")

    def delete_invoice(self, txn_id: str) -> None:
        self.does(f"<TxnDelRq><TxnDelType>Invoice</TxnDelType><TxnID>{txn_id}</TxnID></TxnDelRq>")


@pytest.fixture(scope="module")
def process() -> Iterator[GatewayProcess]:
    """GIVEN the local stack with webhooks on, pages of two records and a 3 s lease (its own emulator)."""
    stack = GatewayProcess.start(session_idle=0, extra_args=["--webhooks"],
                                 extra_env={"QBDGW_FEED_PAGE_SIZE": str(PAGE_SIZE),
                                            "QBDGW_LEASE_TTL_SECONDS": str(LEASE_SECONDS)})
    yield stack
    stack.stop()


@pytest.fixture
def api(process: GatewayProcess) -> Gateway:
    return Gateway(process.base_url, process.api_key)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=FAILURES)
    yield server
    server.shutdown()
    server.server_close()


def subscribe(process: GatewayProcess, api: Gateway, end_user: dict[str, Any]) -> tuple[Feed, datetime]:
    """A ``now`` subscription to customers and invoices every 300 s (the shortest), and its creation time."""
    created = api.request("POST", f"/v1/end-users/{end_user['id']}/feed-subscriptions",
                          json_body={"object_types": FOLLOWED, "interval_seconds": 300, "start": "now"})
    assert created.status_code == 201, created.text
    view = created.json()
    return Feed(process, api, end_user["id"], view["id"]), datetime.fromisoformat(view["created_at"])


def session(wc: WebConnector) -> None:
    """One Update Selected that runs every job of the file."""
    result = wc.run_session()
    assert result.outcome is SessionOutcome.COMPLETED, (result.outcome, result.error)


def after_a_tick(since: datetime) -> None:
    """Until QuickBooks' clock (whole seconds) has moved past ``since``: what is stamped later is after it."""
    while datetime.now(UTC).replace(microsecond=0) <= since:
        time.sleep(0.05)


def mark_of(event: ChangeEvent) -> str:
    if event.change != "deleted":
        return str(event.object_type)
    return "deleted:list" if event.object_type == "customers" else "deleted:txn"


def test_each_change_reaches_the_queue_and_a_flaky_webhook_once_across_catch_ups_and_a_lost_session(
        process: GatewayProcess, api: Gateway, receiver: Receiver) -> None:
    # The host's clock runs 5 minutes ahead of the gateway's, so that the workstation 3 minutes behind it (below)
    # still stamps after the subscription's creation: what a "now" subscription finds stamped before its
    # creation may rightly be dropped (docs/feed.md), which is not what this edit is about.
    clock = CompanyClock(ahead=timedelta(minutes=5))
    person = Bookkeeper(clock)  # type: ignore[arg-type]  # any callable answering an aware datetime
    end_user = api.create_end_user("Lakeside Hardware")
    made = api.request("POST", "/v1/webhook-endpoints", json_body={
        "url": receiver.url, "end_user_id": end_user["id"], "kinds": ["change"]})
    assert made.status_code == 201, made.text
    endpoint = made.json()
    feed, created_at = subscribe(process, api, end_user)
    inbox = Inbox(process, end_user["id"])
    wc = connector(process, end_user, person.company, noop_wait=0.05)
    expected: list[Change] = []

    def catch_up(run: int, wanted: list[Change]) -> list[Change]:
        """Catch-up ``run`` started by the stack's sweeper, its jobs run by one session; its events."""
        if run > 1:
            feed.make_due()
        feed.started(run)
        session(wc)
        assert eventually(lambda: feed.done(run), timeout=10), f"catch-up {run} did not finish"
        before = len(expected)
        expected.extend(wanted)
        inbox.until(len(expected))
        return inbox.changes()[before:]

    # WHEN, before the first catch-up (due at creation) runs, three customers and an invoice are added and one
    # customer is edited
    alder = person.add_customer("Alder Roofing")
    birch = person.add_customer("Birch Electric")
    cedar = person.add_customer("Cedar Cabinets")
    first_invoice = person.add_invoice("Alder Roofing")
    alder = alder[0], person.edit_customer(alder[0], "555-0101")
    # THEN each is one event, "added", at the revision QuickBooks holds (two pages of customers)
    first = catch_up(1, [("customers", alder[0], "added", alder[1]), ("customers", birch[0], "added", birch[1]),
                         ("customers", cedar[0], "added", cedar[1]),
                         ("invoices", first_invoice[0], "added", first_invoice[1])])
    assert sorted(first) == sorted(expected)

    # WHEN a customer is edited, another by a workstation whose clock is three minutes behind (its TimeModified
    # before the newest one the feed published: inside the 10-minute overlap), and an invoice added
    watermark = datetime.fromisoformat(feed.view()["watermarks"]["customers"])
    birch = birch[0], person.edit_customer(birch[0], "555-0202")
    clock.skew = -timedelta(minutes=3)
    cedar = cedar[0], person.edit_customer(cedar[0], "555-0303")
    clock.skew = timedelta(0)
    second_invoice = person.add_invoice("Cedar Cabinets")
    # THEN the edits are "modified" events (the late one too), the invoice "added"; nothing is repeated
    second = catch_up(2, [("customers", birch[0], "modified", birch[1]), ("customers", cedar[0], "modified", cedar[1]),
                          ("invoices", second_invoice[0], "added", second_invoice[1])])
    assert sorted(second) == sorted(expected[-3:])
    late = datetime.fromisoformat(next(e for e in inbox.events if (e.id, e.revision_number) == cedar).modified_at)
    # after the subscription began, inside the window the second catch-up asked for (the watermark, at most
    # when the first catch-up's query was handed out, minus the 10-minute overlap): found
    assert created_at < late and watermark - timedelta(minutes=10) <= late

    # WHEN a customer and an invoice are deleted
    person.delete(birch[0])
    person.delete_invoice(first_invoice[0])
    # THEN each deletion is one "deleted" event, without an object; what the overlap finds again is not published
    third = catch_up(3, [("customers", birch[0], "deleted", None), ("invoices", first_invoice[0], "deleted", None)])
    assert sorted(third) == sorted(expected[-2:])
    assert all(e.object is None and e.modified_at for e in inbox.events if e.change == "deleted")

    # WHEN five customers are added (three pages before Alder's, by name) and the machine goes to sleep once
    # the catch-up's first page is answered (QuickBooks forgets its iterator; the lease runs out)
    acacias = [person.add_customer(f"Acacia Builders {n}") for n in range(1, 6)]
    feed.make_due()
    feed.started(4)
    wc.vanish_next_session(1)
    assert wc.run_session().outcome is SessionOutcome.VANISHED
    interrupted = inbox.until(len(expected) + PAGE_SIZE, timeout=5)[len(expected):]
    assert [e.id for e in interrupted] == [a[0] for a in acacias[:PAGE_SIZE]]  # the first page, published
    assert not feed.done(4)
    # THEN the next session (once the lease ran out) resumes the catch-up: every customer once, none lost
    outcomes = []
    deadline = time.monotonic() + LEASE_SECONDS + 20
    while not feed.done(4) and time.monotonic() < deadline:
        outcomes.append(wc.run_session().outcome)
        if outcomes[-1] is not SessionOutcome.COMPLETED:  # busy: the vanished session's lease is still held
            time.sleep(0.5)
    assert feed.done(4), f"the interrupted catch-up did not finish: {outcomes}"
    expected.extend(("customers", list_id, "added", revision) for list_id, revision in acacias)
    inbox.until(len(expected))

    # THEN, all told: every change once on the results queue, in order per object; no raw page of a catch-up
    inbox.until(len(expected) + 1, timeout=2)  # a repeat would arrive now
    assert sorted(inbox.changes()) == sorted(expected)
    for object_id in {c[1] for c in expected}:
        assert [c for c in inbox.changes() if c[1] == object_id] == [c for c in expected if c[1] == object_id]
    assert len({e.event_id for e in inbox.events}) == len(expected)
    assert {e.subscription_id for e in inbox.events} == {feed.id} and inbox.results == []
    names = {e.id: (e.object or {}).get("name") for e in inbox.events if e.object_type == "customers"}
    assert names[alder[0]] == "Alder Roofing" and names[acacias[4][0]] == "Acacia Builders 5"

    # AND the subscription shows no error and each type's watermark: the newest time it published, or, if
    # sooner, when its last catch-up's query was handed out (within the overlap of that newest time)
    shown = feed.view()
    assert shown["last_error"] is None and shown["catch_ups"] == 4
    newest = {name: max((e.modified_at for e in inbox.events if mark_of(e) == name), key=datetime.fromisoformat)
              for name in MARKS}
    assert set(shown["watermarks"]) == set(newest)
    for name, at in newest.items():
        behind = datetime.fromisoformat(at) - datetime.fromisoformat(shown["watermarks"][name])
        assert timedelta(0) <= behind < timedelta(minutes=10), (name, shown["watermarks"][name], at)

    # AND the receiver got every event, signed with the endpoint's secret: the first two POSTs failed on purpose
    # and were retried after their backoff (the delivery poller holds them back ~30 s: the catch-ups above ran
    # meanwhile), every other was accepted at its first attempt
    def accepted() -> list[dict[str, Any]]:
        return [verify(body, headers, secret=endpoint["secret"]) for headers, body in receiver.got[FAILURES:]]

    assert eventually(lambda: len(accepted()) >= len(expected), timeout=45), (len(receiver.got), len(expected))
    failed = [verify(body, headers, secret=endpoint["secret"])["event_id"]
              for headers, body in receiver.got[:FAILURES]]
    assert sorted(m["event_id"] for m in accepted()) == sorted(e.event_id for e in inbox.events)
    assert len(set(failed)) == FAILURES and set(failed) <= {m["event_id"] for m in accepted()}
    log = {d["id"]: d for d in deliveries(api, endpoint["id"])}
    assert len(log) == len(expected) and {d["status"] for d in log.values()} == {"delivered"}
    retried = [d for d in log.values() if d["attempts"] == 2]
    assert len(retried) == FAILURES and all(d["attempts"] == 1 for d in log.values() if d not in retried)
    assert all(datetime.fromisoformat(d["delivered_at"]) - datetime.fromisoformat(d["created_at"])
               >= FIRST_BACKOFF_FLOOR for d in retried)


def test_a_now_subscription_never_publishes_a_record_untouched_since_before_it(
        process: GatewayProcess, api: Gateway) -> None:
    """GIVEN a customer last modified a few seconds before a ``now`` subscription is made (inside the overlap)
    WHEN another customer is added (the first catch-up publishes it: the watermark is set) and a catch-up
    runs with nothing changed THEN that catch-up publishes nothing: the second catch-up's window (watermark minus
    the overlap) reaches before the subscription's creation, where the creation floor no longer applies, and the
    untouched customer must not come as "modified"."""
    person = Bookkeeper(CompanyClock())  # type: ignore[arg-type]
    end_user = api.create_end_user("Harbor Supply")
    oak = person.add_customer("Oak Supply")  # there before the subscription, and never touched after
    feed, created_at = subscribe(process, api, end_user)
    inbox = Inbox(process, end_user["id"])
    wc = connector(process, end_user, person.company, noop_wait=0.05)
    after_a_tick(created_at)
    alder = person.add_customer("Alder Roofing")
    feed.started(1)
    session(wc)
    assert eventually(lambda: feed.done(1), timeout=10)
    assert inbox.until(1) and inbox.changes() == [("customers", alder[0], "added", alder[1])]
    feed.make_due()
    feed.started(2)
    session(wc)
    assert eventually(lambda: feed.done(2), timeout=10)
    inbox.until(2, timeout=3)
    leaked = [c for c in inbox.changes() if c[1] == oak[0]]
    assert not leaked, f"Oak Supply, untouched since before the subscription, was published: {leaked}"
    assert inbox.changes() == [("customers", alder[0], "added", alder[1])]
