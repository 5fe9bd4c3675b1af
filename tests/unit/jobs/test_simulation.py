"""A seeded search for counter-examples to the queue core's invariants (hypothesis stateful testing).

:class:`QueueWorld` drives the REAL :class:`JobQueue`, :class:`Dispatcher` and :class:`QbwcService`, wired
with the production defaults of :class:`~chalicelib.config.Settings` as :mod:`chalicelib.wiring` wires
them, over a :class:`MemoryStore` seen through :class:`FaultyStore`, a proxy that fails one chosen store
call. Around them, the test models the world:

* the SaaS, which enqueues reads (``CustomerQueryRq``), writes (``CustomerAddRq`` with a name of their
  own), health checks (priority), with or without a deadline, sometimes with an ``Idempotency-Key``
  and retries of it, and withdraws health checks that ran out of time; and syncs: paged
  ``CustomerQueryRq`` jobs (``paging={"page_size": 2 or 3}``, so that one takes several round trips),
  with or without a key, at most :data:`MAX_OPEN_SYNCS` open at once;
* three Web Connectors on ONE company file (one end-user), each following QBWC's protocol (PROTOCOL.md
  §2): ``authenticate`` → (a ticket with work) ``sendRequestXML`` → QuickBooks runs the message set →
  ``receiveResponseXML`` (0..99 → ``sendRequestXML``; 100 → ``closeConnection``; negative →
  ``getLastError`` → ``closeConnection``); ``""`` → ``getLastError`` → ``NoOp`` (5 s) →
  ``sendRequestXML``, or a text → ``closeConnection``; none/busy → ``closeConnection``, and the next
  try a minute later. A connector may vanish in any state. ``wc2`` is *slow*: it may post its answer
  after any clock jump, past its lease; the others post theirs before time moves on by more than a
  QBWC pause (:data:`PAUSE`). No QuickBooks runs a request after the lease it was handed out under has
  expired: the gateway's stated assumption is that the lease outlasts QuickBooks' slowest request
  (:mod:`chalicelib.jobs.dispatch`);
* :class:`SimQuickBooks`, which applies every request, counts each write by its unique name, keeps the
  answer of the LAST message set that had a ``newMessageSetID`` only, answers error recovery with it
  (``messageSetStatusCode="0"``) or with 600, and can refuse a set or throw before or after applying it.
  Its customer list (:mod:`tests.unit.jobs.sim_paging`: seeded customers of mixed-case names, and
  those the writes add) answers ``CustomerQueryRq`` as QuickBooks does, with ``MaxReturned``,
  ``NameRangeFilter`` (without regard to case), ``IncludeRetElement`` and iterators, which live in the
  QuickBooks session of one Web Connector connection: they die when it ends (closed, or vanished), or
  when QuickBooks expires them (a fault: statusCode 3391 on the next ``Continue``);
* app.py's two scheduled Lambdas (sweep + expire overdue jobs + gauges; the outbox re-publisher),
  clock jumps past the session stale time, the lease TTL, every deadline and the in-doubt grace, and
  an SQS publisher that sometimes fails.

The invariants are in the docstrings of the ``@invariant`` methods; they are checked after every step
and, for 1, 2 and 8, at every hand-out inside a step. 1 to 4 are the queue core's (one message set in
QuickBooks at a time, FIFO, a write applied at most once, "not applied" means not applied); 5 to 8 are
the paged syncs' (pages 1..n without a gap, the last one last; no record skipped or delivered twice, in
QuickBooks' order; ``resumed`` marks exactly the first page after a restart, and a restart needs an
iterator that died; between two pages of a sync only a probe or a health check goes out). The final
check (``teardown``) runs a quiet period and asserts that every accepted job ends terminal and that its
result was published, and that every sync succeeded with its last page, or failed as documented.

Two fault models: :class:`QueueSimulation` (a store call raises before it is applied, or is applied
and its answer is lost) and :class:`QueueSimulationWithResends`, which adds what botocore does with a
lost answer (it resends the request; the caller gets the resend's answer). The counter-examples found
are the plain regression tests at the end of this module.

Reading a counter-example: hypothesis prints the rules it ran (``connector_acts(i=…)`` picks the i-th
connector that has something to do); the assertion message ends with the trace of SOAP calls, QuickBooks
runs, faults and clock jumps, with the time since the start.

Everything is deterministic: ``derandomize=True``, no example database, and the gateway's ids and
tickets come from a seeded generator, so ``make test`` runs the same examples every time.
``QBDGW_SIM_EXAMPLES`` sets the number of examples (default 2,000; ``make soak``: 50,000).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import logging
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from lxml import etree

from chalicelib.config import Settings
from chalicelib.errors import GatewayError, error
from chalicelib.jobs import security
from chalicelib.jobs.dispatch import Dispatcher
from chalicelib.jobs.models import NEXT, PRIORITY_HEALTH_CHECK, PROBE, SENT, Job
from chalicelib.jobs.ports import StoreConflict
from chalicelib.jobs.queue import HEALTH_CHECK_SOURCE, JobQueue
from chalicelib.jobs.security import ticket_hash
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.answers import CLOSING_REQUEST_ID, PROTOCOL_ERROR_PERCENT
from chalicelib.qbwc.longpoll import LongPoll
from chalicelib.qbwc.service import QbwcService
from chalicelib.qbxml import company_query_request
from chalicelib.store.memory import MemoryStore
from tests.unit.jobs.fakes import PASSWORD, START, FakeClock, make_end_user, qbwc_file, qbxml_job
from tests.unit.jobs.harness import COMPANY_FILE, catalog
from tests.unit.jobs.sim_paging import (
    KNOWN_BUG_QUERIES,
    PAGE_SIZES,
    CustomerList,
    PagedSyncs,
    between_pages,
    customers_delivered,
)
from tests.unit.jobs.sim_paging import PAGED_QUERIES as SEARCHED_QUERIES

EXAMPLES = int(os.environ.get("QBDGW_SIM_EXAMPLES", "2000"))
# Counter-examples 5 and 6 (fixed) live here: the paged queries of 5, and the final rule's check of
# job_abandoned_repeatedly (6).
PAGED_QUERIES = SEARCHED_QUERIES + KNOWN_BUG_QUERIES
STEPS = 30

CONFIG = Settings()  # the production defaults, wired as chalicelib.wiring wires them
LEASE_TTL = timedelta(seconds=CONFIG.lease_ttl_seconds)
STALE_AFTER = timedelta(seconds=CONFIG.session_stale_seconds)
SESSION_IDLE = timedelta(seconds=CONFIG.session_idle_seconds)
HEALTH_CHECK_DEADLINE = CONFIG.health_check_budget_seconds + 5  # as HealthCheck._run enqueues it
PAUSE = 30  # seconds: a jump longer than this is "time moves on", not QBWC's 5 s pause between calls
NOOP_PAUSE = timedelta(seconds=5)
RETRY_INTERVAL = timedelta(minutes=1)  # QBWC's shortest scheduled-update interval
# Clock jumps: QBWC pauses (twice as likely), past stale_after, past the lease, past every deadline and
# DOUBT_GRACE. Deadlines (seconds; None: the default deadline, 600 s).
JUMPS = (5, 25, 5, 25, 91, 601, 1201, 3601)
DEADLINES = (None, 20, 60, 300, 900)
QUIET_ROUNDS = 8
MAX_OPEN_SYNCS = 2  # paged jobs not yet terminal: enqueue_paged waits below this

HCP = qbwc_file("hcp_qb2014.xml")
READ_BODY = qbwc_file("customer_query_rq.xml")
WRITE_TEMPLATE = qbxml_job("customer_add.xml")
HEALTH_BODY = "".join(company_query_request().elements)

# Store faults: raise before applying the call, or apply it and lose the answer. RETRIED (the variant
# machine only): apply it, lose the answer, and resend it, as botocore does on a timeout or a reset
# connection, so that the caller gets the resend's answer (a conditional write: its condition failed).
BEFORE, AFTER, RETRIED = "raise_before", "answer_lost", "applied_then_resent"
# QuickBooks faults: refuse the set (0x80040400, nothing ran), throw before / after applying it.
REFUSE, CRASH_BEFORE, CRASH_AFTER = "refuses_0x80040400", "throws_before_applying", "throws_after_applying"
UNPARSED = ("0x80040400", "QuickBooks found an error when parsing the provided XML text stream.")
CRASHED = ("0x80040402", "Unexpected error.")

# Terminal reports that say "QuickBooks did not apply this write". Failed with in_doubt_unresolved
# says "we do not know"; every other failure of a write (invalid for the file's version, refused by
# QuickBooks' parser, an error status) means it was not applied.
NOT_APPLIED = frozenset({JobStatus.EXPIRED, JobStatus.CANCELLED})
OUTCOME_UNKNOWN_CODES = frozenset({"in_doubt_unresolved"})

# Connector states (what the Web Connector does next).
IDLE, SEND, LAST_ERROR, IN_QB, ANSWER, ERROR_TEXT, CLOSE = (
    "idle", "send", "last_error", "in_quickbooks", "answer", "error_text", "close")


# Deterministic ids and tickets ------------------------------------------------------------------------
class SeededSecrets:
    """Stands in for :mod:`secrets` in :mod:`chalicelib.jobs.security`: same calls, seeded."""

    def __init__(self) -> None:
        self.rng = random.Random(0)

    def reseed(self, seed: int = 0) -> None:
        self.rng.seed(seed)

    def randbits(self, k: int) -> int:
        return self.rng.getrandbits(k)

    def token_bytes(self, n: int = 32) -> bytes:
        return self.rng.randbytes(n)

    def token_urlsafe(self, n: int = 32) -> str:
        return base64.urlsafe_b64encode(self.token_bytes(n)).rstrip(b"=").decode()

    def token_hex(self, n: int = 32) -> str:
        return self.token_bytes(n).hex()

    def choice(self, seq: Any) -> Any:
        return self.rng.choice(seq)


SECRETS = SeededSecrets()


def cheap_hash(secret: str) -> str:
    """A scrypt hash in the format :func:`verify_secret` reads, with tiny parameters (n=2): the real
    cost (n=2**14, on purpose) would make every ``authenticate`` of the simulation take 40 ms."""
    salt = b"qbd-gateway-sim!"
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2, r=1, p=1, dklen=32)
    return "$".join(["scrypt", "2", "1", "1", base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


PASSWORD_HASH = cheap_hash(PASSWORD)


@pytest.fixture(autouse=True)
def deterministic_and_quiet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Seeded ids and tickets; no log records (a fault makes the gateway log tracebacks by design)."""
    monkeypatch.setattr(security, "secrets", SECRETS)
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


# The store behind a fault injector ----------------------------------------------------------------------
class FaultyStore:
    """Every :class:`Store` call goes to the MemoryStore, except the one armed: it raises
    ``ConnectionError`` either before applying the call (``raise_before``) or after it (``answer_lost``:
    the write happened, the caller does not know), or (``applied_then_resent``) it is applied and sent
    again, and the caller gets the second answer."""

    def __init__(self, inner: MemoryStore) -> None:
        self.inner = inner
        self.armed: tuple[int, str, str | None] | None = None
        self.fired: list[str] = []
        self._wrapped: dict[str, Callable[..., Any]] = {}

    def arm(self, after: int, mode: str, only: str | None = None) -> None:
        """Fail the call ``after`` calls from now (0: the next one), counting only calls of ``only``."""
        self.armed = (after, mode, only)

    def disarm(self) -> None:
        self.armed = None

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name.startswith("_") or not callable(target):
            return target
        wrapped = self._wrapped.get(name)
        if wrapped is None:
            wrapped = self._wrapped[name] = self._wrap(name, target)
        return wrapped

    def _wrap(self, name: str, target: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            armed = self.armed
            if armed is None or armed[2] not in (None, name):
                return target(*args, **kwargs)
            after, mode, only = armed
            if after > 0:
                self.armed = (after - 1, mode, only)
                return target(*args, **kwargs)
            self.armed = None
            self.fired.append(f"{name}:{mode}")
            if mode == BEFORE:
                raise ConnectionError(f"injected: {name} not applied, DynamoDB unreachable")
            if mode == RETRIED:  # the SDK resends a request whose answer it lost: the caller sees the resend's
                target(*args, **kwargs)  # a condition that failed the first time is not retried (raises here)
                return target(*args, **kwargs)
            with contextlib.suppress(StoreConflict):  # its condition failed: the answer is lost either way
                target(*args, **kwargs)
            raise ConnectionError(f"injected: {name} applied, its answer lost")

        return call


class SimPublisher:
    """The SQS results queue: records what was delivered; fails the next ``fail_next`` publishes."""

    def __init__(self) -> None:
        self.fail_next = 0
        self.delivered: list[dict[str, Any]] = []
        self.failed = 0

    def publish(self, message: Any) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            self.failed += 1
            raise ConnectionError("injected: SQS is unreachable")
        self.delivered.append(dict(message))


# The simulated QuickBooks --------------------------------------------------------------------------------
def _element(document: str, name: str) -> str:
    found = re.search(rf"<{name}\b.*?</{name}>", document, re.S)
    assert found is not None, name
    return found.group(0)


_ADD_RS = _element(qbwc_file("customer_add_rs.xml"), "CustomerAddRs")
_ADD_RS_NAME = "Backerei Muller &amp; Sohne"
_ADD_RS_LIST_ID = "80000002-1391789555"
_COMPANY_RS = re.sub(r'requestID="\d+"', 'requestID="{request_id}"', _element(HCP, "CompanyQueryRs"), count=1)


def _response(body: str, **attributes: str) -> str:
    attrs = "".join(f' {key}="{value}"' for key, value in attributes.items())
    return f'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs{attrs}>\n{body}</QBXMLMsgsRs>\n</QBXML>\n'


class SimQuickBooks:
    """The company file: applies each request of a message set, counts every write by its name, and
    keeps for error recovery the answer of the LAST message set that had a ``newMessageSetID`` only.

    A set with ``oldMessageSetID`` and no requests gets that stored answer (``messageSetStatusCode="0"``)
    when the id is the stored one, else ``messageSetStatusCode="600"``; without a ``newMessageSetID`` it
    also clears the stored answer. Answers carry the ``requestID`` of each request.

    Its customers are a :class:`~tests.unit.jobs.sim_paging.CustomerList`: the seeded ones and those the
    writes add (a write executed again is counted again, and adds no second customer). ``CustomerQueryRq``
    is answered from that list with QuickBooks' iterators, which live in the QuickBooks session (one Web
    Connector connection, ``session``) that started them."""

    def __init__(self) -> None:
        self.applied: Counter[str] = Counter()
        self.stored: tuple[str, str] | None = None
        self.fault: str | None = None
        self.runs = 0
        self.customers = CustomerList()

    def run(self, document: str, session: int = 0) -> tuple[str, str, str]:
        """``(response, hresult, message)`` as the Web Connector posts them; ``session``: the QuickBooks
        session of the connection that runs it (0: one that never ends, for the plain tests)."""
        self.runs += 1
        root = etree.fromstring(document.encode("utf-8"))
        message_set = root.find("QBXMLMsgsRq")
        assert message_set is not None, document
        new_id = message_set.get("newMessageSetID")
        old_id = message_set.get("oldMessageSetID")
        requests = [child for child in message_set if isinstance(child.tag, str)]
        fault, self.fault = self.fault, None
        if fault == REFUSE:
            return "", *UNPARSED
        if fault == CRASH_BEFORE:
            return "", *CRASHED
        if old_id is not None and not requests:
            stored = self.stored
            if new_id is None:
                self.stored = None
            if stored is not None and stored[0] == old_id:
                return _response(stored[1], newMessageSetID=old_id, messageSetStatusCode="0"), "", ""
            return _response("", messageSetStatusCode="600"), "", ""
        body = "".join(self._execute(request, session) for request in requests)
        if new_id is not None:
            self.stored = (new_id, body)
            response = _response(body, newMessageSetID=new_id, messageSetStatusCode="0")
        else:
            response = _response(body)
        if fault == CRASH_AFTER:
            return "", *CRASHED
        return response, "", ""

    def _execute(self, request: Any, session: int) -> str:
        request_id = request.get("requestID") or ""
        if request.tag == "CustomerAddRq":
            name = request.findtext("CustomerAdd/Name") or ""
            self.applied[name] += 1
            list_id = self.customers.add(name)
            return (_ADD_RS.replace("{request_id}", request_id).replace(_ADD_RS_NAME, escape(name))
                    .replace(_ADD_RS_LIST_ID, list_id) + "\n")
        if request.tag == "CustomerQueryRq":
            return self.customers.query(request, session)
        if request.tag == "CompanyQueryRq":
            return _COMPANY_RS.replace("{request_id}", request_id) + "\n"
        if request.tag == "HostQueryRq":  # the closing request of a healthy session: touches no data
            return (f'<HostQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
                    'statusMessage="Status OK"><HostRet><ProductName>QuickBooks Pro 2014</ProductName>'
                    '<MajorVersion>24</MajorVersion><MinorVersion>0</MinorVersion></HostRet></HostQueryRs>\n')
        rs = request.tag[:-2] + "Rs"
        return (f'<{rs} requestID="{request_id}" statusCode="1030" statusSeverity="Error" '
                f'statusMessage="not supported by the simulation"/>\n')


# The Web Connectors --------------------------------------------------------------------------------------
@dataclass
class Handout:
    """A message set sendRequestXML returned: "in QuickBooks" until posted or vanished, and at most
    until ``expires_at``, the expiry of the lease it was handed out under."""

    job_id: str
    probe: bool
    document: str
    sent_at: datetime
    expires_at: datetime


@dataclass
class Connector:
    name: str
    slow: bool
    state: str = IDLE
    ticket: str = ""
    first: bool = True
    handout: Handout | None = None
    answer: tuple[str, str, str] | None = None
    paused: bool = False
    retry_at: datetime | None = None  # refused (none, busy): QBWC's next scheduled update
    customers: CustomerList | None = field(default=None, repr=False)  # QuickBooks' list, with its iterators
    qb_session: int = 0  # the QuickBooks session this connection opened (0: none)

    def open_quickbooks(self) -> None:
        """The session got a company file: QBWC opens a QuickBooks session for it."""
        if self.customers is not None:
            self.qb_session = self.customers.open_session()

    def vanish(self) -> None:
        """The connection ends (closed, or gone): so does its QuickBooks session, and its iterators."""
        if self.customers is not None and self.qb_session:
            self.customers.end_session(self.qb_session)
        self.state, self.ticket, self.first, self.handout, self.answer = IDLE, "", True, None, None
        self.qb_session = 0


@dataclass
class Violations:
    """What the observers saw between two invariant checks, asserted by the invariants."""

    exclusive: list[str] = field(default_factory=list)
    fifo: list[str] = field(default_factory=list)
    between_pages: list[str] = field(default_factory=list)


def write_body(name: str) -> str:
    return WRITE_TEMPLATE.replace("Bäckerei Müller &amp; Söhne", escape(name))


def _no_twin_to_wait_for(seconds: float) -> None:
    """JobQueue's pause before it voids an Idempotency-Key's slot lets a concurrent twin request finish
    its write; the simulation runs one request at a time, so there is nothing to wait for (and its clock,
    a FakeClock, does not move while a real sleep would pass)."""


# The state machine ---------------------------------------------------------------------------------------
def guarded(method: Callable[..., None], name: str | None = None) -> Callable[..., None]:
    """Marks the machine broken when a rule or an invariant fails, so that ``teardown`` leaves the
    counter-example as it is instead of running the quiet period on top of it. ``name``: the rule's
    own name, for copies of one method (hypothesis' swarm testing switches rules on and off per
    example by name: each copy must be switched on its own)."""

    @functools.wraps(method)
    def run(self: QueueWorld, *args: Any, **kwargs: Any) -> None:
        try:
            method(self, *args, **kwargs)
        except BaseException:
            self.broken = True
            raise

    if name is not None:
        run.__name__ = run.__qualname__ = name
    return run


class QueueWorld(RuleBasedStateMachine):
    """The world around the queue core; the subclasses below add the store faults."""

    def __init__(self) -> None:
        super().__init__()
        SECRETS.reseed(0)
        self.inner = MemoryStore()
        self.store = FaultyStore(self.inner)
        self.clock = FakeClock()
        self.publisher = SimPublisher()
        store: Any = self.store  # the proxy stands for a Store
        self.queue = JobQueue(store, self.publisher, catalog(), self.clock, lease_ttl=LEASE_TTL,
                              max_job_bytes=CONFIG.max_job_bytes,
                              default_deadline=timedelta(seconds=CONFIG.default_deadline_seconds),
                              offline_grace=timedelta(seconds=CONFIG.offline_grace_seconds),
                              inline_result_bytes=CONFIG.inline_result_max_bytes,
                              max_read_attempts=CONFIG.max_read_attempts, sleep=_no_twin_to_wait_for)
        self.dispatcher = Dispatcher(store, self.queue, self.clock, lease_ttl=LEASE_TTL, stale_after=STALE_AFTER)
        self.service = QbwcService(store, self.queue, self.clock, server_version=CONFIG.server_version,
                                   min_client_version=CONFIG.min_client_version,
                                   session_idle=SESSION_IDLE, dispatcher=self.dispatcher)
        self.user = make_end_user(password_hash=PASSWORD_HASH)
        self.inner.put_end_user(self.user)
        self.qb = SimQuickBooks()
        self.connectors = [Connector(name, slow=name == "wc2", customers=self.qb.customers)
                           for name in ("wc0", "wc1", "wc2")]
        self.paged = PagedSyncs(self.qb.customers)
        self.names = 0
        self.keys: list[tuple[str, str, int | None, int | None, datetime]] = []  # key, body, deadline, page size,
        # first used
        self.health_checks: list[Job] = []
        self.seen: set[tuple[str, int]] = set()
        self.max_seq = 0
        self.first_sent: set[str] = set()
        self.violations = Violations()
        self.trace: list[str] = []
        self.broken = False

    # Bookkeeping -----------------------------------------------------------------------------------------
    started = START

    def _note(self, text: str) -> None:
        self.trace.append(f"t+{int((self.clock.now - self.started).total_seconds())}s {text}")

    def _recent(self, count: int = 40) -> str:
        return "\n  ".join(["trace (most recent last):", *self.trace[-count:]])

    def _fault_fired_during(self, call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
        before = len(self.store.fired) + self.publisher.failed
        try:
            return call(), None
        except (ConnectionError, GatewayError, StoreConflict) as exc:  # the API / the scheduler reports a failure
            fired = len(self.store.fired) + self.publisher.failed > before
            assert fired, f"{exc!r} escaped with no fault injected\n{self._recent()}"
            return None, exc

    # SOAP --------------------------------------------------------------------------------------------------
    def _soap(self, w: Connector, call: c.SoapCall, kind: type) -> Any:
        try:
            result = self.service.dispatch(call)
        except Exception as exc:  # the gateway must answer every call in protocol terms
            raise AssertionError(f"dispatch({call.METHOD}) raised {exc!r}\n{self._recent()}") from exc
        assert isinstance(result, kind), f"{call.METHOD} answered {result!r}"
        shown = "<document>" if isinstance(result, str) and result.startswith("<?xml") else repr(result)
        self._note(f"{w.name}: {call.METHOD} -> {shown if call.METHOD != 'authenticate' else result[1:2]}")
        return result

    def _advance(self, w: Connector) -> None:
        """One protocol action of connector ``w``: a SOAP call, or QuickBooks running its request."""
        if w.state == IDLE:
            answer = self._soap(w, c.Authenticate(self.user.qbwc_username, PASSWORD), list)
            assert len(answer) >= 2 and all(isinstance(part, str) for part in answer), answer
            w.ticket, w.first = answer[0], True
            if answer[1] in ("none", "nvu", "busy"):
                self._soap(w, c.CloseConnection(w.ticket), str)
                w.vanish()
                w.retry_at = self.clock.now + RETRY_INTERVAL
            else:
                w.state = SEND
                w.open_quickbooks()
        elif w.state == SEND:
            call = c.SendRequestXML(w.ticket, HCP if w.first else "", COMPANY_FILE, "US", 13, 0)
            w.first = False
            document = self._soap(w, call, str)
            if document:
                self._handed_out(w, document)
                w.state = IN_QB
            else:
                w.state = LAST_ERROR
        elif w.state == LAST_ERROR:
            text = self._soap(w, c.GetLastError(w.ticket), str)
            w.paused = text == "NoOp"
            w.state = SEND if w.paused else CLOSE
        elif w.state == IN_QB:
            assert w.handout is not None
            assert self.clock.now < w.handout.expires_at, "model: QuickBooks runs a request only within its lease"
            w.answer = self.qb.run(w.handout.document, session=w.qb_session)
            self._note(f"{w.name}: QuickBooks ran {'the probe of ' if w.handout.probe else ''}{w.handout.job_id}"
                       f"{' and threw ' + w.answer[1] if w.answer[1] else ''}")
            w.state = ANSWER
        elif w.state == ANSWER:
            assert w.answer is not None
            response, hresult, message = w.answer
            lease, faults = self.inner.get_lease(self.user.id), len(self.store.fired)
            in_time = lease is not None and lease.held_by(ticket_hash(w.ticket)) and lease.live(self.clock.now)
            percent = self._soap(w, c.ReceiveResponseXML(w.ticket, response, hresult, message), int)
            if w.handout is not None and not w.handout.probe and in_time and not hresult and \
                    percent == PROTOCOL_ERROR_PERCENT and len(self.store.fired) == faults:
                self._page_refused(w, w.handout.job_id)
            w.handout, w.answer = None, None
            w.state = CLOSE if percent >= 100 else ERROR_TEXT if percent < 0 else SEND
        elif w.state == ERROR_TEXT:
            self._soap(w, c.GetLastError(w.ticket), str)
            w.state = CLOSE
        elif w.state == CLOSE:
            self._soap(w, c.CloseConnection(w.ticket), str)
            w.vanish()

    def _handed_out(self, w: Connector, document: str) -> None:
        """sendRequestXML returned a message set: record its window and check invariants 1 and 2 now."""
        now = self.clock.now
        lease = self.inner.get_lease(self.user.id)
        pointer = lease.pointer if lease is not None else None
        root = etree.fromstring(document.encode("utf-8"))
        requests = [child for child in root.iter() if isinstance(child.tag, str) and child.get("requestID")]
        probe = not requests
        ids = {str(r.get("requestID")).split(".", 1)[0] for r in requests}
        problems = []
        if lease is None or not lease.held_by(ticket_hash(w.ticket)) or not lease.live(now):
            problems.append("handed out by a session that does not hold a live lease")
        if ids == {CLOSING_REQUEST_ID}:  # a healthy session's last, cheap HostQuery: no job, nothing pointed at
            if [r.tag for r in requests] != ["HostQueryRq"] or pointer is not None:
                problems.append(f"a closing request {[r.tag for r in requests]} while the lease points at {pointer}")
            w.handout = Handout(CLOSING_REQUEST_ID, False, document, now, lease.expires_at if lease is not None and
                                lease.expires_at is not None else now)
            self._note(f"{w.name}: got the closing request")
            if problems:
                self.violations.exclusive.append(f"{w.name} got the closing request: " + "; ".join(problems))
            return
        # A probe is PROBE; a job is SENT, or NEXT (handed out by the answer before it, given without a write).
        allowed = {PROBE} if probe else {SENT, NEXT}
        if pointer is None or (lease is not None and pointer.epoch != lease.epoch) or \
                pointer.phase not in allowed or (ids and ids != {pointer.job_id}):
            problems.append(f"not what the lease points at (pointer {pointer}, requests of {sorted(ids)})")
        job_id = pointer.job_id if pointer is not None else (sorted(ids) or ["?"])[0]
        expires = lease.expires_at if lease is not None and lease.expires_at is not None else now
        w.handout = Handout(job_id, probe, document, now, expires)
        self._note(f"{w.name}: got {'the probe of ' if probe else ''}{job_id}, lease until "
                   f"t+{int((expires - self.started).total_seconds())}s")
        if problems:
            self.violations.exclusive.append(f"{w.name} got a message set of {job_id}: " + "; ".join(problems))
        inside = [other for other in self._connectors() if self._in_quickbooks(other)]
        if len(inside) > 1:
            self.violations.exclusive.append(
                f"{w.name} got {job_id} while " + ", ".join(
                    f"{o.name} had {o.handout.job_id} in QuickBooks (lease until "
                    f"t+{int((o.handout.expires_at - self.started).total_seconds())}s)"
                    for o in inside if o is not w and o.handout is not None))
        if not probe:
            self._check_order(w, job_id)
            handed = self.inner.get_job(job_id)
            if handed is not None and handed.paging is not None:
                self.paged.handed[(job_id, int(handed.paging.get("pages") or 0))] += 1
        self._check_between_pages(w, job_id, probe)

    def _check_order(self, w: Connector, job_id: str) -> None:
        job = self.inner.get_job(job_id)
        assert job is not None
        doubted = [j.id for j in self.inner.jobs.values() if j.status is JobStatus.IN_DOUBT]
        if doubted:
            self.violations.fifo.append(f"{w.name} got {job_id} while {doubted} in doubt")
        if job_id in self.first_sent:
            return
        self.first_sent.add(job_id)
        key = (job.priority, job.seq)
        overtaken = [j.id for j in self.inner.jobs.values()
                     if j.id not in self.first_sent and (j.priority, j.seq) < key and not j.status.is_terminal]
        if overtaken:
            self.violations.fifo.append(f"{job_id} (priority {job.priority}, seq {job.seq}) went to QuickBooks "
                                        f"before {overtaken}, accepted earlier (or of higher priority)")

    def _page_refused(self, w: Connector, job_id: str) -> None:
        """QuickBooks' answer came in time, no store call failed, and the gateway did not take it."""
        job = self.inner.get_job(job_id)
        if job is not None and job.paging is not None:
            pages = int(job.paging.get("pages") or 0)
            self.paged.refused[(job_id, pages)] += 1
            self._note(f"{w.name}: the answer to page {pages + 1} of {job_id} was not taken")

    def _check_between_pages(self, w: Connector, job_id: str, probe: bool) -> None:
        """Invariant 8 at a hand-out: which message sets go between two pages of a paged job."""
        for problem in between_pages(self.inner.jobs.values(), self.inner.get_job(job_id), probe):
            self.violations.between_pages.append(f"{w.name} got {problem}")

    def _connectors(self) -> list[Connector]:
        return self.connectors

    def _in_quickbooks(self, w: Connector) -> bool:
        return w.handout is not None and self.clock.now < w.handout.expires_at

    # Rules: the SaaS --------------------------------------------------------------------------------------
    @initialize(jobs=st.lists(st.tuples(st.sampled_from(["read", "write"]), st.sampled_from(DEADLINES)),
                              min_size=1, max_size=4),
                sync=st.sampled_from([None, None, *PAGE_SIZES]), query=st.integers(0, len(PAGED_QUERIES) - 1))
    @guarded
    def backlog(self, jobs: list[tuple[str, int | None]], sync: int | None, query: int) -> None:
        """Work is waiting when the Web Connectors start (no Idempotency-Key); half the time a sync
        (a paged query, pages of ``sync``) is waiting behind it."""
        for job, deadline in jobs:
            self._enqueue(job=job, deadline=deadline, key="none", which=0)
        if sync is not None:
            self._enqueue(job="paged", deadline=None, key="none", which=0, page_size=sync, query=query)

    def _enqueue(self, job: str, deadline: int | None, key: str, which: int, page_size: int = 2,
                 query: int = 0) -> None:
        """The SaaS posts a job. ``key``: no Idempotency-Key, a new one, or a ``retry`` that re-sends an
        earlier key's request exactly (same body, same deadline, same paging). A health check is
        HealthCheck._run's CompanyQueryRq, at the head of the queue (priority), without the wait. A
        ``paged`` job is one of :data:`PAGED_QUERIES` with ``paging={"page_size": page_size}``."""
        if job == "health_check":
            result, failed = self._fault_fired_during(lambda: self.queue.enqueue(
                self.user.id, HEALTH_BODY, source=HEALTH_CHECK_SOURCE, priority=PRIORITY_HEALTH_CHECK,
                deadline_seconds=HEALTH_CHECK_DEADLINE))
            if result is not None:
                self.health_checks.append(result[0])
            self._note(f"saas: health check -> {repr(failed) if failed else result[0].id}")
            return
        now = self.clock.now
        live = [entry for entry in self.keys if now - entry[4] < timedelta(hours=23)
                and (job != "paged" or entry[3] is not None)]
        size: int | None
        if key == "retry" and live:
            idempotency_key, body, deadline, size, _ = live[which % len(live)]
        else:
            self.names += 1
            size = page_size if job == "paged" else None
            body = write_body(f"Sim Customer {self.names:04d}") if job == "write" else \
                PAGED_QUERIES[query] if job == "paged" else READ_BODY
            idempotency_key = f"key-{self.names}" if key != "none" else None
            if idempotency_key:
                self.keys.append((idempotency_key, body, deadline, size, now))
        paging = {"page_size": size} if size is not None else None
        result, failed = self._fault_fired_during(lambda: self.queue.enqueue(
            self.user.id, body, source="rest", deadline_seconds=deadline, idempotency_key=idempotency_key,
            paging=paging))
        kind = "write" if "CustomerAdd" in body else f"paged read (pages of {size})" if size else "read"
        self._note(f"saas: enqueue {kind} key={idempotency_key} "
                   f"deadline={deadline} -> {repr(failed) if failed else (result[0].id, result[1])}")

    def _waiting_health_checks(self) -> list[Job]:
        waiting = []
        for job in self.health_checks:
            current = self.inner.get_job(job.id)
            if current is not None and current.status is JobStatus.QUEUED:
                waiting.append(job)
        return waiting

    _ENQUEUE_ARGS: ClassVar[dict[str, Any]] = dict(
        job=st.sampled_from(["read", "write", "health_check"]), deadline=st.sampled_from(DEADLINES),
        key=st.sampled_from(["none", "new", "retry"]), which=st.integers(0, 7))
    enqueue = rule(**_ENQUEUE_ARGS)(guarded(_enqueue, "enqueue"))  # twice: the SaaS keeps the queue busy
    enqueue_2 = rule(**_ENQUEUE_ARGS)(guarded(_enqueue, "enqueue_2"))

    def _open_syncs(self) -> int:
        return sum(1 for job in self.inner.jobs.values() if job.paging is not None and not job.status.is_terminal)

    @precondition(lambda self: self._open_syncs() < MAX_OPEN_SYNCS)
    @rule(page_size=st.sampled_from(PAGE_SIZES), query=st.integers(0, len(PAGED_QUERIES) - 1),
          deadline=st.sampled_from(DEADLINES), key=st.sampled_from(["none", "new", "retry"]), which=st.integers(0, 7))
    @guarded
    def enqueue_paged(self, page_size: int, query: int, deadline: int | None, key: str, which: int) -> None:
        """The SaaS starts a sync: a paged CustomerQuery with small pages, so that it takes several
        round trips (the eight seeded customers and those the writes add: three pages or more); a
        ``retry`` re-sends an earlier paged request with its Idempotency-Key. At most
        :data:`MAX_OPEN_SYNCS` syncs are open at once (they run one after the other anyway)."""
        self._enqueue(job="paged", deadline=deadline, key=key, which=which, page_size=page_size, query=query)

    @precondition(lambda self: self._waiting_health_checks())
    @rule(which=st.integers(0, 7))
    @guarded
    def health_check_gives_up(self, which: int) -> None:
        """A health check ran out of time: it withdraws its job (HealthCheck._run: cancel_if_queued)."""
        waiting = self._waiting_health_checks()
        job = waiting[which % len(waiting)]
        err = error("health_check_timeout", "QuickBooks did not answer the health check within 25 s")
        result, failed = self._fault_fired_during(lambda: self.queue.cancel_if_queued(job, err))
        self._note(f"saas: health check {job.id} gives up -> {repr(failed) if failed else result}")

    # Rules: the Web Connectors (six copies of one rule: about half the steps are Web Connector moves) ---
    _WHO, _CALLS = st.integers(0, 2), st.integers(1, 8)

    def _ready(self) -> list[Connector]:
        now = self.clock.now
        return [w for w in self.connectors if w.state != IDLE or w.retry_at is None or w.retry_at <= now]

    def _acts(self, i: int, calls: int) -> None:
        """The ``i``-th Web Connector that has something to do makes its next ``calls`` protocol moves
        (QuickBooks running a request is one). The burst ends when a message set goes to QuickBooks (it
        takes QuickBooks a while: the world goes on meanwhile), on ``NoOp`` (QBWC waits 5 s), and on a
        refused ``authenticate`` (none, busy): that connector tries again at its next scheduled update, a
        minute later at the soonest."""
        ready = self._ready()
        w = ready[i % len(ready)]
        for _ in range(calls):
            self._advance(w)
            if w.paused:
                w.paused = False
                self._time_passes(NOOP_PAUSE.seconds)
                break
            if w.state in (IDLE, IN_QB):
                break

    connector_acts = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts")))
    connector_acts_2 = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts_2")))
    connector_acts_3 = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts_3")))
    connector_acts_4 = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts_4")))
    connector_acts_5 = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts_5")))
    connector_acts_6 = precondition(_ready)(rule(i=_WHO, calls=_CALLS)(guarded(_acts, "connector_acts_6")))

    @precondition(lambda self: any(w.state != IDLE for w in self.connectors))
    @rule(i=st.integers(0, 2))
    @guarded
    def connector_vanishes(self, i: int) -> None:
        """A Web Connector in a session stops calling (closed, crashed, network gone), wherever it was:
        the ``i``-th of those in a session."""
        active = [w for w in self.connectors if w.state != IDLE]
        w = active[i % len(active)]
        self._note(f"{w.name}: vanishes in state {w.state}")
        w.vanish()

    # Rules: time and the sweeper ---------------------------------------------------------------------------
    @rule(seconds=st.sampled_from(JUMPS))
    @guarded
    def clock_jumps(self, seconds: int) -> None:
        """Time passes. QuickBooks finishes every request whose lease the jump would pass (the lease
        outlasts QuickBooks' slowest request); a healthy connector also posts its answer before a jump
        longer than a QBWC pause; the slow one keeps it."""
        self._time_passes(seconds)

    def _time_passes(self, seconds: int) -> None:
        target = self.clock.now + timedelta(seconds=seconds)
        for w in self.connectors:
            if w.state == IN_QB and w.handout is not None and (
                    w.handout.expires_at <= target or (seconds > PAUSE and not w.slow)):
                self._advance(w)
            if w.state == ANSWER and seconds > PAUSE and not w.slow:
                self._advance(w)
        self.clock.now = target
        self._note(f"clock: +{seconds}s")

    def _expire_overdue_jobs(self) -> tuple[int, int]:
        """app.py's scheduled ``expire_overdue_jobs``: sweep, expire overdue jobs, report the gauges."""
        repaired = self.dispatcher.sweep()
        expired = self.dispatcher.expire_overdue()
        self.queue.report_gauges()
        return repaired, expired

    @rule(task=st.sampled_from(["expire_overdue_jobs", "republish_results"]))
    @guarded
    def scheduled_task_runs(self, task: str) -> None:
        """One of app.py's two scheduled Lambdas (every minute in production; here when the rule fires)."""
        run = self._expire_overdue_jobs if task == "expire_overdue_jobs" else self.queue.republish_outbox
        result, failed = self._fault_fired_during(run)
        self._note(f"scheduled: {task} -> {repr(failed) if failed else result}")

    # Rules: faults -------------------------------------------------------------------------------------------
    @precondition(lambda self: self.qb.customers.iterators)
    @rule()
    @guarded
    def quickbooks_expires_iterators(self) -> None:
        """QuickBooks forgets its open iterators (the next ``Continue`` is answered statusCode 3391); the
        company data stays. (Connectors vanishing end their QuickBooks sessions, and iterators, too.)"""
        count = self.qb.customers.expire_iterators()
        self._note(f"fault: QuickBooks expires its iterators ({count} open)")

    def _store_fault(self, after: int, mode: str) -> None:
        """The store call ``after`` calls from now raises before applying, or applies and loses its answer."""
        self.store.arm(after, mode)
        self._note(f"fault: store call +{after} will {mode}")

    @rule(fault=st.sampled_from(["publish_fails", "publish_fails_twice", REFUSE, CRASH_BEFORE, CRASH_AFTER]))
    @guarded
    def other_fault(self, fault: str) -> None:
        """SQS refuses the next publish(es), or QuickBooks throws on its next message set."""
        if fault.startswith("publish_fails"):
            self.publisher.fail_next = 2 if fault.endswith("twice") else 1
        else:
            self.qb.fault = fault
        self._note(f"fault: {fault}")

    # Invariants ------------------------------------------------------------------------------------------
    def _observe_new_jobs(self) -> None:
        """Acceptance order: jobs in the order they appear in the store; each new one must take a
        sequence number above every job accepted before it (queue.py: FIFO is acceptance order)."""
        new = sorted((key for key in self.inner.jobs if key not in self.seen), key=lambda key: key[1])
        for key in new:
            assert key[1] > self.max_seq, f"job at seq {key[1]} accepted after seq {self.max_seq}\n{self._recent()}"
            self.seen.add(key)
            self.max_seq = key[1]
            self.paged.job_accepted(self.inner.jobs[key])  # the step that enqueued it ran no QuickBooks

    @invariant()
    @guarded
    def one_message_set_in_quickbooks(self) -> None:
        """1. Never two message sets of the file in QuickBooks at once.

        A message set is *in QuickBooks* from the moment ``sendRequestXML`` returns it to a connector
        until that connector posts its answer (``receiveResponseXML``) or vanishes, and never after
        the ``expires_at`` of the lease it was handed out under, as the store held it right after
        ``sendRequestXML`` (a slow connector whose lease the clock jumped past no longer counts: the
        gateway promises exclusivity only while the lease holds, and its QuickBooks ran the set before
        then). Asserted: (a) at every hand-out, the connector's session holds the live lease, the
        lease's pointer is at that job in this epoch (phase ``sent``, or ``probe`` for an
        error-recovery set), and no other connector has a message set in QuickBooks; (b) after every
        step, at most one connector has a message set in QuickBooks.
        """
        found = self.violations.exclusive
        assert not found, "invariant 1 broken: " + "\n".join(found) + "\n" + self._recent()
        inside = [w.name for w in self._connectors() if self._in_quickbooks(w)]
        assert len(inside) <= 1, f"invariant 1 broken: {inside} all in QuickBooks\n{self._recent()}"

    @invariant()
    @guarded
    def fifo_per_end_user(self) -> None:
        """2. FIFO per end-user.

        Acceptance order is the order in which jobs appear in the store; each new job must take a
        sequence number above all earlier ones. When a job is first sent to QuickBooks (the first
        non-probe message set of it a connector receives), no job that is ahead of it in the queue's
        order — (priority, seq): a health check (priority 1) before normal jobs (5), then acceptance
        order — may still be waiting unsent (queued or in doubt without ever having reached a
        connector). And no message set other than the probe reaches QuickBooks while a write is
        in doubt (the probe of an in-doubt write is the one exception to FIFO: it heads the queue).
        """
        self._observe_new_jobs()
        found = self.violations.fifo
        assert not found, "invariant 2 broken: " + "\n".join(found) + "\n" + self._recent()

    def _write_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for job in self.inner.jobs.values():
            if job.is_write:
                match = re.search(r"<Name>(.*?)</Name>", job.qbxml)
                assert match is not None, job.qbxml
                names[job.id] = match.group(1).replace("&amp;", "&")
        return names

    @invariant()
    @guarded
    def each_write_applied_at_most_once(self) -> None:
        """3. A write is applied by the simulated QuickBooks at most once (counted by its unique
        CustomerAdd name; an idempotent retry carries the same name). Also asserted, as its
        precondition: the store holds at most one job per Idempotency-Key (retries come within 23 h,
        inside the 24 h window)."""
        twice = {name: count for name, count in self.qb.applied.items() if count > 1}
        assert not twice, f"invariant 3 broken: applied more than once: {twice}\n{self._recent()}"
        per_key = Counter(job.idempotency_key for job in self.inner.jobs.values() if job.idempotency_key)
        duplicated = sorted(key for key, count in per_key.items() if count > 1)
        assert not duplicated, f"invariant 3 broken: two jobs for Idempotency-Key {duplicated}\n{self._recent()}"

    @invariant()
    @guarded
    def not_applied_means_not_applied(self) -> None:
        """4. No write reported as not applied was applied.

        Reported = the job's stored status (``GET /v1/jobs/{id}``) or any result message delivered to
        SQS. Not applied = ``expired``, ``cancelled``, or ``failed`` with any error but
        ``in_doubt_unresolved`` (which says "unknown"). Also asserted: a write reported ``succeeded``
        was applied, and a job's delivered terminal status is its stored status (terminal is final).
        """
        names = self._write_names()
        jobs = {job.id: job for job in self.inner.jobs.values()}
        reports = [(job.id, job.status.value, (job.error or {}).get("code"), "stored") for job in jobs.values()]
        reports += [(str(m["job_id"]), str(m["status"]), (m.get("error") or {}).get("code"), "published")
                    for m in self.publisher.delivered]
        for job_id, status, code, where in reports:
            name = names.get(job_id)
            if JobStatus(status).is_terminal and where == "published":
                assert jobs[job_id].status.value == status, (
                    f"{job_id} published {status} but is {jobs[job_id].status}\n{self._recent()}")
            if name is None:
                continue
            applied = self.qb.applied[name]
            if JobStatus(status) in NOT_APPLIED or (status == "failed" and code not in OUTCOME_UNKNOWN_CODES):
                assert applied == 0, (f"invariant 4 broken: write {job_id} ({name}) {where} as {status} "
                                      f"({code}) but QuickBooks applied it {applied}x\n{self._recent()}")
            if status == "succeeded":
                assert applied == 1, f"write {job_id} {where} succeeded but applied {applied}x\n{self._recent()}"

    def _read_pages(self) -> None:
        self._observe_new_jobs()
        self.paged.read_messages(self.publisher.delivered)

    @invariant()
    @guarded
    def pages_published_in_order(self) -> None:
        """5. The pages of a paged job reach the SaaS as 1..n, without a gap, the last one last.

        A page is a result message of a paged job with a ``page`` and the status ``in_flight`` (a page
        before the last) or ``succeeded`` (the last: ``last: true``); the failure of a paged job is its
        result, not a page. Asserted on the messages delivered to SQS: the page numbers published so far
        are 1..k (page k never before page k-1); a page published again is the very same message (a
        resend: the FIFO queue deduplicates by ``<job>.p<n>``, and by job id for the last), never a
        different content under the same number; ``succeeded`` comes only with ``last: true``; after the
        first ``last: true`` message of a job nothing of that job is published but that message again.
        The final rule adds: every paged job ends terminal; a succeeded one had pages 1..n published,
        n its stored page count, the n-th with ``last: true``; a failed or expired one failed as
        documented (QuickBooks refused or threw on a page, its deadline passed before its first page,
        handed out too often without an answer, an answer too large: ``DOCUMENTED_FAILURE_*``).
        """
        self._read_pages()
        found = self.paged.problems[5]
        assert not found, "invariant 5 broken: " + "\n".join(found) + "\n" + self._recent()

    @invariant()
    @guarded
    def every_record_once_in_order(self) -> None:
        """6. A paged sync skips no record and delivers none twice.

        The records of the distinct pages 1..k, in page order (each a customer by its ``ListID``, or by
        its name where the query's ``IncludeRetElement`` leaves the ``ListID`` out), are customers
        QuickBooks has, each at most once, in QuickBooks' order (``FullName`` without regard to case),
        and each page's ``records`` is what it carries. Once the last page is out, they include every
        customer that existed from the job's enqueue until its last page (here: every customer of the
        enqueue; nobody deletes one); a customer added during the sync may be among them, at most once.
        """
        self._read_pages()
        self.paged.check()
        found = self.paged.problems[6]
        assert not found, "invariant 6 broken: " + "\n".join(found) + "\n" + self._recent()

    @invariant()
    @guarded
    def resumed_marks_each_restart(self) -> None:
        """7. ``resumed: true`` marks exactly the first page after a restart, and a restart has a cause.

        Each page published is an answer QuickBooks gave an iterator of that job (told by its
        ``iteratorID`` and ``iteratorRemainingCount``). Page p is ``resumed`` if and only if p > 1 and it
        is the first answer of its iterator (the ``Start`` of a restart). And no restart without an
        iterator that died: the ``Start`` of a resumed page never came while the same QuickBooks session
        still held a live iterator of the job (the one before it ended with its session, expired: 3391,
        or belongs to another connection's QuickBooks session).
        """
        self._read_pages()
        found = self.paged.problems[7]
        assert not found, "invariant 7 broken: " + "\n".join(found) + "\n" + self._recent()

    @invariant()
    @guarded
    def nothing_else_between_pages(self) -> None:
        """8. Between two pages of a paged job, only a probe or a health check of the file goes out.

        While a paged job is between pages (queued, with at least one page delivered to the store), a
        message set of another job of the file is handed out only if it is the error-recovery probe of
        an in-doubt write or a health check (priority): docs/paging.md, "How it runs", and the
        dispatcher (``Dispatcher._head`` keeps a paged job's next page before every job behind it;
        ``follow_on`` hands out the head of the queue, which only a higher priority can take). Every
        other job of the file waits for the whole sync. Asserted at every hand-out.
        """
        found = self.violations.between_pages
        assert not found, "invariant 8 broken: " + "\n".join(found) + "\n" + self._recent()

    # The final rule -------------------------------------------------------------------------------------------
    def teardown(self) -> None:
        """After a quiet period (no faults, one healthy connector running full sessions, clock jumps
        past every lease and deadline, sweeper runs), every accepted job is terminal and its terminal
        status was published at least once (health checks excepted: they answer their caller, not SQS);
        invariants 1 to 8 hold throughout, and the end of invariant 5 holds: every sync succeeded with
        pages 1..n published, the last with ``last: true``, or failed as documented.
        """
        if self.broken:
            return  # a step failed already: that is the counter-example
        self.store.disarm()
        self.publisher.fail_next = 0
        self.qb.fault = None
        for w in self.connectors:
            w.vanish()
        healthy = Connector("healthy", slow=False, customers=self.qb.customers)
        self.connectors.append(healthy)
        for _ in range(QUIET_ROUNDS):
            if self._settled():
                break
            self._quiet_round(healthy)
        self._quiet_round(healthy)  # one more: whatever was settled last is republished
        self._check_all()
        open_jobs = [(j.id, j.status.value) for j in self.inner.jobs.values() if not j.status.is_terminal]
        assert not open_jobs, f"not terminal after the quiet period: {open_jobs}\n{self._recent(60)}"
        published = {(str(m["job_id"]), str(m["status"])) for m in self.publisher.delivered}
        unpublished = [(j.id, j.status.value) for j in self.inner.jobs.values()
                       if j.source != HEALTH_CHECK_SOURCE and (j.id, j.status.value) not in published]
        assert not unpublished, f"final result never published: {unpublished}\n{self._recent(60)}"
        paged = self.paged.final(self.inner.jobs.values(), strict=True, attempts=CONFIG.max_read_attempts)
        assert not paged, "invariant 5 broken at the end: " + "\n".join(paged) + "\n" + self._recent(60)

    def _settled(self) -> bool:
        lease = self.inner.get_lease(self.user.id)
        return all(j.status.is_terminal for j in self.inner.jobs.values()) and (lease is None or lease.pointer is None)

    def _quiet_round(self, healthy: Connector) -> None:
        """One full session of the healthy connector, then time moves past every lease, and the sweeper."""
        healthy.vanish()
        for _ in range(400):
            self._advance(healthy)
            self._check_all()
            if healthy.state == IDLE:
                break
            if healthy.paused:  # QBWC waits 5 s after NoOp
                healthy.paused = False
                self._time_passes(NOOP_PAUSE.seconds)
        else:
            raise AssertionError(f"the healthy session never ended\n{self._recent()}")
        self.clock.now += LEASE_TTL + timedelta(seconds=1)
        self._expire_overdue_jobs()
        self.queue.republish_outbox()
        self._check_all()

    def _check_all(self) -> None:
        self.one_message_set_in_quickbooks()
        self.fifo_per_end_user()
        self.each_write_applied_at_most_once()
        self.not_applied_means_not_applied()
        self.pages_published_in_order()
        self.every_record_once_in_order()
        self.resumed_marks_each_restart()
        self.nothing_else_between_pages()


class QueueSimulation(QueueWorld):
    """Store faults: a call raises before it is applied, or it is applied and its answer is lost (the
    caller gets ``ConnectionError`` either way)."""

    store_fault_armed = rule(after=st.integers(0, 12), mode=st.sampled_from([BEFORE, AFTER]))(
        guarded(QueueWorld._store_fault, "store_fault_armed"))


class QueueSimulationWithResends(QueueWorld):
    """The same, plus what botocore does with a lost answer: it resends the request, and the caller
    gets the resend's answer (for a conditional write that was applied: its condition failed)."""

    store_fault_armed = rule(after=st.integers(0, 12), mode=st.sampled_from([BEFORE, AFTER, RETRIED]))(
        guarded(QueueWorld._store_fault, "store_fault_armed"))


class QueueSimulationWithLongPoll(QueueWorld):
    """The store faults of :class:`QueueSimulation` with the long-poll on (:mod:`chalicelib.qbwc.longpoll`,
    10 s holds): a held ``sendRequestXML`` re-reads the file every 0.25 s on the clock it moves, and the
    SaaS may enqueue during a hold (``arrive_during_hold``: the next hold's first look sees the job, as a
    REST call made while the Web Connector's call is held). A fault armed to fire on a later store call
    fires, as often as not, on one of a hold's reads."""

    def __init__(self) -> None:
        super().__init__()
        self.service.long_poll = LongPoll(hold=timedelta(seconds=10))
        self.service.sleep = self._held
        self.arriving: dict[str, Any] | None = None

    def _held(self, seconds: float) -> None:
        self.clock.now += timedelta(seconds=seconds)
        if self.arriving is not None:
            arriving, self.arriving = self.arriving, None
            self._note(f"(held {seconds:g}s)")
            self._enqueue(**arriving)

    def _arrive_during_hold(self, **enqueue: Any) -> None:
        self.arriving = enqueue
        self._note("saas: the next enqueue comes during a hold")

    arrive_during_hold = rule(**QueueWorld._ENQUEUE_ARGS)(guarded(_arrive_during_hold, "arrive_during_hold"))
    store_fault_armed = rule(after=st.integers(0, 12), mode=st.sampled_from([BEFORE, AFTER]))(
        guarded(QueueWorld._store_fault, "store_fault_armed"))


SIM_SETTINGS = settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
                        database=None, suppress_health_check=list(HealthCheck), print_blob=False)
# pyproject's 300 s per test suits make test (2,000 examples: about 25 s a simulation); make soak runs 50,000.
SIM_TIMEOUT = pytest.mark.timeout(max(300, EXAMPLES // 10))


# The simulations -------------------------------------------------------------------------------------------
SOAK_BATCH = 5_000


def simulate(machine: type[QueueWorld]) -> None:
    """Up to :data:`SOAK_BATCH` examples: one derandomized run. More (``make soak``): runs of that many
    with the seeds 1, 2, … (hypothesis keeps every choice of a run in memory, some 70 KB an example)."""
    if EXAMPLES <= SOAK_BATCH:
        run_state_machine_as_test(machine, settings=SIM_SETTINGS)
        return
    for batch, start in enumerate(range(0, EXAMPLES, SOAK_BATCH), start=1):
        seeded = seed(batch)(type(machine.__name__, (machine,), {}))
        run_state_machine_as_test(seeded, settings=settings(
            SIM_SETTINGS, derandomize=False, max_examples=min(SOAK_BATCH, EXAMPLES - start)))


@SIM_TIMEOUT
def test_queue_core_invariants_hold_under_faults() -> None:
    simulate(QueueSimulation)


@SIM_TIMEOUT
def test_queue_core_invariants_hold_when_the_sdk_resends() -> None:
    simulate(QueueSimulationWithResends)


@SIM_TIMEOUT
def test_queue_core_invariants_hold_with_long_poll() -> None:
    simulate(QueueSimulationWithLongPoll)


# The counter-examples, as plain regression tests --------------------------------------------------------------
def _soap(world: QueueWorld, call: c.SoapCall) -> Any:
    return world.service.dispatch(call)


def _send(world: QueueWorld, ticket: str, first: bool = False) -> str:
    result = _soap(world, c.SendRequestXML(ticket, HCP if first else "", COMPANY_FILE, "US", 13, 0))
    assert isinstance(result, str)
    return result


def _run_and_answer(world: QueueWorld, ticket: str, document: str) -> int:
    """QuickBooks runs ``document``; the Web Connector posts the answer."""
    response, hresult, message = world.qb.run(document)
    percent = _soap(world, c.ReceiveResponseXML(ticket, response, hresult, message))
    assert isinstance(percent, int)
    return percent


def _idle_until_closed(world: QueueWorld, ticket: str) -> None:
    """The keep-alive: "" → getLastError → NoOp (5 s) … until the idle limit, then the closing HostQuery,
    answered 100, and closeConnection."""
    for _ in range(20):
        document = _send(world, ticket)
        if document:
            assert CLOSING_REQUEST_ID in document
            assert _soap(world, c.ReceiveResponseXML(ticket, world.qb.run(document)[0], "", "")) == 100
            break
        assert _soap(world, c.GetLastError(ticket)) == "NoOp"
        world.clock.advance(seconds=5)
    _soap(world, c.CloseConnection(ticket))


def _scheduled_tasks_later(world: QueueWorld) -> None:
    """Time passes beyond every lease; both scheduled Lambdas run."""
    world.clock.advance(seconds=LEASE_TTL.total_seconds() + 60)
    world._expire_overdue_jobs()
    world.queue.republish_outbox()


def _status(world: QueueWorld, job_id: str) -> JobStatus | None:
    job = world.inner.get_job(job_id)
    return job.status if job is not None else None


def _delivered(world: QueueWorld) -> set[tuple[str, str]]:
    return {(str(m["job_id"]), str(m["status"])) for m in world.publisher.delivered}


@pytest.mark.parametrize("then", ["idle", "next_job"])
def test_a_result_whose_publish_failed_on_the_hot_path_is_published_later(then: str) -> None:
    """Counter-example 1, found by the simulation's first examples before JobQueue.publish_or_keep existed.

    GIVEN a job, and SQS refusing one publish
    WHEN a session runs the job (its result's one publish fails) and goes on: idle (sendRequestXML
    clears the pointer), or with the next job (the claim replaces the pointer)
    THEN the scheduled re-publisher still delivers the result.
    Then, JobQueue.settle published a hot-path result once, with no outbox entry; the pointer that
    was to cover it was cleared or replaced by Dispatcher.next_job (``settled_here``) without a
    re-publish, so the result was lost for good (the final rule). Fixed meanwhile in the tree by
    JobQueue.publish_or_keep (a failed publish puts the job in the outbox, Store.to_outbox).
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    second = world.queue.enqueue(world.user.id, READ_BODY, source="rest")[0] if then == "next_job" else None
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    world.publisher.fail_next = 1
    assert 0 < _run_and_answer(world, ticket, _send(world, ticket, first=True)) <= 100
    assert _status(world, job.id) is JobStatus.SUCCEEDED
    assert world.publisher.delivered == []  # SQS refused it
    if second is not None:
        _run_and_answer(world, ticket, _send(world, ticket))
    _idle_until_closed(world, ticket)

    _scheduled_tasks_later(world)

    assert (job.id, "succeeded") in _delivered(world)


def test_a_result_settled_by_a_resent_write_is_published() -> None:
    """Counter-example 2, found by the simulation with SDK resends (minimised by hypothesis, then by hand).

    GIVEN a read handed out and answered by QuickBooks
    WHEN the store applies receiveResponseXML's settle (transition_job: queued → succeeded) but its
    answer is lost, and the SDK resends it: the resend's condition fails (StoreConflict, the job is
    succeeded already), and the session goes on (sendRequestXML: idle, the pointer is cleared)
    THEN the result must still reach SQS. It never does: JobQueue.settle returns None on StoreConflict
    without publishing, receiveResponseXML answers as if all were well, and nothing covers the job
    any more (no outbox entry, no pointer).
    """
    world = QueueSimulationWithResends()
    job, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    world.store.arm(0, RETRIED, only="transition_job")
    assert 0 < _run_and_answer(world, ticket, document) <= 100
    assert world.store.fired == ["transition_job:" + RETRIED]
    assert _status(world, job.id) is JobStatus.SUCCEEDED
    _idle_until_closed(world, ticket)

    _scheduled_tasks_later(world)

    assert (job.id, "succeeded") in _delivered(world)


@pytest.mark.parametrize("call", ["take_lease", "update_lease"])
def test_a_session_whose_own_take_or_claim_was_resent_goes_on(call: str) -> None:
    """Counter-example 3, found by the simulation with SDK resends.

    GIVEN a queued read
    WHEN authenticate's take of the file (``take_lease``) or sendRequestXML's claim (``update_lease``)
    is applied, its answer lost, and the SDK resends it: the resend's condition fails (the lease is
    held already, by this very session / the pointer is set already, to this very job)
    THEN the session holds the file and gets the job, as if the first answer had arrived. Before the
    fix, authenticate answered ``busy`` (StoreConflict read as another session) and sendRequestXML
    answered "" with the job pointed at and nobody to run it until the lease expired.
    """
    world = QueueSimulationWithResends()
    job, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    if call == "take_lease":
        world.store.arm(0, RETRIED, only="take_lease")
    answer = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))
    assert answer[1] not in ("busy", "none", "nvu"), answer
    ticket = answer[0]
    if call == "update_lease":
        world.store.arm(0, RETRIED, only="update_lease")
    document = _send(world, ticket, first=True)
    assert world.store.fired == [f"{call}:{RETRIED}"]
    assert job.id in document
    assert 0 < _run_and_answer(world, ticket, document) <= 100
    assert _status(world, job.id) is JobStatus.SUCCEEDED


def test_a_write_settled_by_the_late_answer_of_a_session_that_lost_the_file_is_published() -> None:
    """Counter-example 4, found by make soak (the model with SDK resends, 50,000 examples).

    GIVEN a write that QuickBooks applied, and the lease of the session that sent it expired
    WHEN a new session takes the file over and probes the write, and the old session's answer arrives
    meanwhile: it settles the write (the truth), but that store call's answer is lost, so nothing is
    published; then the probe's answer comes, and the new session goes on
    THEN the write's result still reaches SQS. It never did: the probe's answer found the write settled
    ("answered twice"), the next sendRequestXML counted the probe as answered and cleared the pointer,
    and nothing covered the result any more.
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, write_body("Harbor Plumbing"), source="rest")
    old = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, old, first=True)
    answer = world.qb.run(document)
    world.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    new = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    probe = _send(world, new, first=True)
    world.store.arm(0, AFTER, only="transition_job")
    assert _soap(world, c.ReceiveResponseXML(old, *answer)) < 0
    assert world.store.fired == ["transition_job:" + AFTER]
    assert _status(world, job.id) is JobStatus.SUCCEEDED
    assert (job.id, "succeeded") not in _delivered(world)
    _run_and_answer(world, new, probe)
    _idle_until_closed(world, new)

    assert (job.id, "succeeded") in _delivered(world)


def _customers_delivered(world: QueueWorld, job_id: str) -> list[str]:
    return customers_delivered(world.publisher.delivered, job_id, world.qb.customers)


@pytest.mark.parametrize("query", KNOWN_BUG_QUERIES, ids=["IncludeRetElement_Name", "IncludeRetElement_ListID"])
def test_a_paged_query_that_names_what_to_return_resumes_without_a_record_twice(query: str) -> None:
    """Counter-example 5, found by the simulation's paged syncs; fixed: a list page always asks for ``ListID``,
    ``FullName`` and ``Name`` too (chalicelib.qbxml.paging.RESTART_KEYS).

    GIVEN a paged CustomerQuery (pages of 2) whose ``IncludeRetElement`` leaves out the ``ListID`` (``Name``
    only: the pass-through example of tests/unit/qbxml/test_paging.py) or the name (``ListID`` only)
    WHEN its first page is delivered, QuickBooks expires the iterator (3391 on the ``Continue``), and the
    sync resumes in the same session
    THEN every customer comes exactly once, in QuickBooks' order. It does not: a restart asks from
    ``FromName`` = the last name delivered (inclusive) and drops the record that comes again by its
    ``ListID``. Without ListIDs it keeps it (``Name``: Acme Rentals twice); without names the cursor has no
    last name, and the restart starts from the beginning with nothing to drop (``ListID``: page 2 repeats
    page 1, all marked resumed). ``IncludeRetElement`` passes through untouched (docs/paging.md), and the
    list walk did not add what its restart needs, as the transaction walk adds ``TxnID``.
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, query, source="rest", paging={"page_size": 2})
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    assert 0 < _run_and_answer(world, ticket, _send(world, ticket, first=True)) < 100  # page 1
    assert world.qb.customers.expire_iterators() == 1
    for _ in range(20):
        document = _send(world, ticket)
        if not document:
            break
        _run_and_answer(world, ticket, document)
    assert _status(world, job.id) is JobStatus.SUCCEEDED

    names = world.qb.customers.names
    assert _customers_delivered(world, job.id) == [names[list_id] for list_id in world.qb.customers.ordered()]


def _session_until_it_ends(world: QueueWorld) -> None:
    """One Web Connector session: message sets until "" (then closeConnection) or a negative percent
    (getLastError, closeConnection); its QuickBooks session ends with it."""
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    while document and _run_and_answer(world, ticket, document) >= 0:
        document = _send(world, ticket)
    _soap(world, c.GetLastError(ticket))
    _soap(world, c.CloseConnection(ticket))
    world.qb.customers.end_session(0)


def _sync_completes(world: QueueWorld, job: Job) -> None:
    """Three more sessions finish the sync: it succeeds, and every customer came once, in QuickBooks' order."""
    for _ in range(3):
        _session_until_it_ends(world)
    assert _status(world, job.id) is JobStatus.SUCCEEDED
    names = world.qb.customers.names
    assert _customers_delivered(world, job.id) == [names[list_id] for list_id in world.qb.customers.ordered()]


def test_a_page_whose_publish_failed_does_not_stop_the_sync() -> None:
    """Counter-example 6, found by the simulation's paged syncs; fixed: a repair that publishes a running
    paged job's last page again takes it out of the outbox (``publish_or_keep(page_in_outbox=True)``), and
    the MemoryStore's re-publisher lists paged jobs as the DynamoDB index does.

    GIVEN a paged CustomerQuery (pages of 2: four pages), and SQS refusing the publish of page 1 (the job
    goes to the outbox)
    WHEN QuickBooks answers page 2 (not taken, as documented: page 1 awaits the re-publisher), and the Web
    Connector comes back five times within a minute (several Web Connectors, or "Update Selected"): each
    new session publishes page 1 again (Dispatcher.repair) and asks for page 2 again
    THEN once page 1 is out the sync goes on, and completes. It did not: JobQueue.publish_or_keep
    published page 1 but left the job in the outbox (``publish(mark=None)`` does not take it out), so
    every answer to page 2 is refused again and counted as an attempt "without an answer": the job fails
    with ``job_abandoned_repeatedly`` after QBDGW_MAX_READ_ATTEMPTS sessions, although QuickBooks answered
    every time. (On the MemoryStore the scheduled re-publisher never freed a page either:
    ``MemoryStore.unpublished`` skipped jobs without ``completed_at``, where DynamoStore sorts them by
    ``enqueued_at``.)
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, SEARCHED_QUERIES[0], source="rest", paging={"page_size": 2})
    world.publisher.fail_next = 1
    for _ in range(5):
        _session_until_it_ends(world)
        world.clock.advance(seconds=10)

    assert _status(world, job.id) is JobStatus.SUCCEEDED, (world.inner.get_job(job.id) or job).error
    names = world.qb.customers.names
    assert _customers_delivered(world, job.id) == [names[list_id] for list_id in world.qb.customers.ordered()]


def test_answers_refused_while_the_page_before_awaits_the_re_publisher_are_not_lost_attempts() -> None:
    """Counter-example 7, found by the simulation's paged syncs after counter-example 6 was fixed (its final
    rule: ``job_abandoned_repeatedly`` must be true).

    GIVEN a paged CustomerQuery (pages of 2), and SQS refusing two publishes: page 1's on the hot path, and
    its re-publish by the next session (Dispatcher.repair), so page 1 stays in the outbox meanwhile
    WHEN QuickBooks answers page 2 in two sessions (both answers refused, as documented: page 1 awaits the
    re-publisher), and in a third session page 2 is handed out and the Web Connector vanishes (one
    hand-out truly without an answer; the lease expires, the sweeper repairs)
    THEN the sync is not given up: QuickBooks answered two of the three hand-outs. It was: each refused
    answer counted as an attempt, and the sweeper failed the job with ``job_abandoned_repeatedly`` ("handed
    to the Web Connector 3 times without an answer") after QBDGW_MAX_READ_ATTEMPTS hand-outs of which one
    went unanswered. Fixed: an answer whose page before is still in the outbox publishes that page again
    first and is then taken (``JobQueue.deliver_page``); a page is refused only while SQS still refuses.
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, PAGED_QUERIES[0], source="rest", paging={"page_size": 2})
    world.publisher.fail_next = 2
    _session_until_it_ends(world)  # page 1 taken, its publish fails; the answer to page 2 waits for it
    _session_until_it_ends(world)
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    if ticket and _send(world, ticket, first=True):  # a page handed out, and then …
        world.qb.customers.end_session(0)  # … the Web Connector vanishes
    _scheduled_tasks_later(world)
    assert _status(world, job.id) is not JobStatus.FAILED, (world.inner.get_job(job.id) or job).error

    _sync_completes(world, job)


def _page_handed_out_and_lost(world: QueueWorld, job: Job, *, answer_first: bool = False) -> None:
    """A session gets the sync's next page (after answering one, with ``answer_first``) and its Web
    Connector vanishes with it in QuickBooks; time passes beyond the lease."""
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    if answer_first:
        assert 0 < _run_and_answer(world, ticket, document) < 100
        document = _send(world, ticket)
    assert job.id in document
    world.qb.customers.end_session(0)
    world.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)


def test_an_answer_refused_while_sqs_is_still_down_is_not_a_lost_attempt() -> None:
    """Counter-example 8, found by the simulation's paged syncs with 10,000 examples, after counter-example
    7 was fixed (its final rule: ``job_abandoned_repeatedly`` must be true).

    GIVEN a paged CustomerQuery (pages of 2) whose page 1 was taken but not published (SQS refused it:
    the job is in the outbox), and the hand-out of page 2 lost (the Web Connector vanished with it)
    WHEN the next session gets page 2 and QuickBooks answers it while SQS is still down (the re-publish of
    page 1 by the repair and by the answer both fail, so the answer is not taken, as documented), and the
    session after that gets page 2 and vanishes too
    THEN the sync is not given up: two of the three hand-outs went without an answer, fewer than
    QBDGW_MAX_READ_ATTEMPTS. It was: the refused answer counted as an attempt, and the sweeper failed the
    job with ``job_abandoned_repeatedly`` ("handed to the Web Connector 3 times without an answer"). Fixed:
    an answer that is not taken clears the lease's pointer without counting an attempt
    (``LargeAnswers._page_answer``): QuickBooks answered, so nothing is in QuickBooks.
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, PAGED_QUERIES[0], source="rest", paging={"page_size": 2})
    world.publisher.fail_next = 1
    _page_handed_out_and_lost(world, job, answer_first=True)  # page 1 taken, its publish fails; page 2 lost
    world.publisher.fail_next = 2
    _session_until_it_ends(world)  # page 2 answered; page 1 cannot go out (SQS down): the answer is refused
    _page_handed_out_and_lost(world, job)  # page 1 goes out now; page 2 handed out, and lost again
    _scheduled_tasks_later(world)
    assert _status(world, job.id) is JobStatus.QUEUED, (world.inner.get_job(job.id) or job).error

    _sync_completes(world, job)


@pytest.mark.parametrize(("why", "write"), [("its_deadline_passed", "settle_and_hand_out"),
                                          ("an_overdue_health_check_waits", "transition_job")])
def test_a_page_whose_answer_was_lost_after_time_passed_in_quickbooks_is_published_before_the_next(
        why: str, write: str) -> None:
    """Counter-example 9, found by make soak (the model with SDK resends, 50,000 examples).

    GIVEN a read, then a paged CustomerQuery (pages of 2) behind it: the read's answer hands page 1 out
    (a NEXT pointer naming the read as the job before it)
    WHEN QuickBooks runs page 1 while time passes — the sync's deadline of 20 s passes, or a health check
    enqueued meanwhile is overdue at the head — and the write that stores page 1 is applied but its answer
    lost (receiveResponseXML answers -102; the session ends)
    THEN the next session publishes page 1 again before page 2 is taken, and the pages reach SQS as 1..n.
    They did not: the answer's write handed nothing out (follow_on judged the sync by the deadline the
    same write clears, or the overdue health check at the head), so the lease kept the NEXT pointer that
    names the read; Dispatcher.repair re-published only that read (its ``previous_seq``), and a running
    page only for pointers without one, so page 1 — stored as published, never in the outbox — was never
    published, and pages 2..4 went out without it. Fixed twice over: the repair publishes the running
    page unless it just did, and a page past the sync's deadline hands the next page out in its write
    (``write``: the store call that stores page 1, whose answer is lost).
    """
    world = QueueSimulationWithResends()
    read, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    job, _ = world.queue.enqueue(world.user.id, PAGED_QUERIES[0], source="rest", paging={"page_size": 2},
                                 deadline_seconds=20 if why == "its_deadline_passed" else None)
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert read.id in document
    assert 0 < _run_and_answer(world, ticket, document) < 100
    document = _send(world, ticket)
    assert job.id in document
    if why == "an_overdue_health_check_waits":
        world.queue.enqueue(world.user.id, HEALTH_BODY, source=HEALTH_CHECK_SOURCE, priority=PRIORITY_HEALTH_CHECK,
                            deadline_seconds=HEALTH_CHECK_DEADLINE)
    world.clock.advance(seconds=HEALTH_CHECK_DEADLINE + 5)
    world.store.arm(0, AFTER, only=write)
    assert _run_and_answer(world, ticket, document) < 0
    assert world.store.fired == [f"{write}:answer_lost"]  # page 1 stored, its answer lost
    _soap(world, c.GetLastError(ticket))
    _soap(world, c.CloseConnection(ticket))
    world.qb.customers.end_session(0)
    for _ in range(4):
        _session_until_it_ends(world)
        world.clock.advance(seconds=10)

    world._read_pages()
    assert not world.paged.problems[5], world.paged.problems[5]
    assert _status(world, job.id) is JobStatus.SUCCEEDED
    names = world.qb.customers.names
    assert _customers_delivered(world, job.id) == [names[list_id] for list_id in world.qb.customers.ordered()]


def test_a_page_answer_refused_after_the_answer_before_it_was_lost_is_not_a_lost_attempt() -> None:
    """Counter-example 10, found by the simulation with SDK resends (4,000 examples).

    GIVEN a read, then a paged CustomerQuery (pages of 2) behind it, and the write that stores page 1
    applied with its answer lost (receiveResponseXML answers -102; the session ends)
    WHEN the next session gets page 2 and QuickBooks runs it, but its Web Connector never posts the
    answer (the lease runs out); then SQS refuses two publishes, so the answer to page 2 in the session
    after is not taken (as documented: page 1 cannot go out); and the session after that gets page 2
    and vanishes with it
    THEN the sync is not given up: two hand-outs of page 2 went without an answer, fewer than
    QBDGW_MAX_READ_ATTEMPTS, and QuickBooks answered the third. It was (``job_abandoned_repeatedly``,
    "handed to the Web Connector 3 times without an answer"): the lost write had also handed page 2 out
    (a NEXT pointer), which the Web Connector, answered -102, never asked for; the next session's repair
    counted it as an attempt without an answer. Fixed: an answer whose handling fails takes back the NEXT
    pointer its own write put on the lease, uncounted, once what that write stored is published
    (``Dispatcher.withdraw_unsent``).
    """
    world = QueueSimulationWithResends()
    read, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    job, _ = world.queue.enqueue(world.user.id, PAGED_QUERIES[0], source="rest", paging={"page_size": 2})
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert read.id in document
    assert 0 < _run_and_answer(world, ticket, document) < 100
    document = _send(world, ticket)
    assert job.id in document
    world.store.arm(0, AFTER, only="settle_and_hand_out")
    assert _run_and_answer(world, ticket, document) < 0  # page 1 stored, its answer lost
    assert world.store.fired == ["settle_and_hand_out:answer_lost"]
    _soap(world, c.GetLastError(ticket))
    _soap(world, c.CloseConnection(ticket))
    world.qb.customers.end_session(0)

    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert job.id in document
    world.qb.run(document)  # QuickBooks answers page 2; the Web Connector never posts it
    world.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    world.qb.customers.expire_iterators()
    world.publisher.fail_next = 2
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert job.id in document
    assert _run_and_answer(world, ticket, document) < 0  # not taken: page 1 cannot go out yet
    _soap(world, c.GetLastError(ticket))
    _soap(world, c.CloseConnection(ticket))
    world.qb.customers.end_session(0)
    _page_handed_out_and_lost(world, job)
    _scheduled_tasks_later(world)
    assert _status(world, job.id) is JobStatus.QUEUED, (world.inner.get_job(job.id) or job).error

    _sync_completes(world, job)


def test_a_write_handed_out_by_an_answer_whose_store_call_was_lost_is_sent_not_probed() -> None:
    """Counter-example 10 for a write behind a read: the read's answer settles it and hands the write out in
    one store call, whose answer is lost (receiveResponseXML answers -102, the session ends). The write never
    reached QuickBooks, so the next session sends it as a first attempt (no in-doubt probe), it is applied
    once, and the read's result, whose publish the lost call skipped, is delivered."""
    world = QueueSimulation()
    read, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    write, _ = world.queue.enqueue(world.user.id, write_body("Harbor Plumbing"), source="rest")
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert read.id in document
    world.store.arm(0, AFTER, only="settle_and_hand_out")
    assert _run_and_answer(world, ticket, document) < 0
    assert world.store.fired == ["settle_and_hand_out:answer_lost"]
    _soap(world, c.GetLastError(ticket))
    _soap(world, c.CloseConnection(ticket))

    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert write.id in document and "newMessageSetID" in document and "oldMessageSetID" not in document
    assert 0 < _run_and_answer(world, ticket, document) <= 100
    assert _status(world, write.id) is JobStatus.SUCCEEDED
    assert (world.inner.get_job(write.id) or write).attempts == 1
    assert world.qb.applied["Harbor Plumbing"] == 1
    assert {(read.id, "succeeded"), (write.id, "succeeded")} <= _delivered(world)


def test_a_page_handed_out_by_the_answer_before_it_to_a_web_connector_that_vanished_is_not_an_attempt() -> None:
    """Counter-example 11, found by the simulation with SDK resends (20,000 examples, seed 1).

    GIVEN a paged CustomerQuery (pages of 2) whose page 1 is answered and taken: the same write hands
    page 2 out (a NEXT pointer, which the ``sendRequestXML`` after the answer gives without a write)
    WHEN that Web Connector vanishes before it asks for page 2, and then two sessions each get page 2 and
    vanish with it too (the lease runs out each time)
    THEN the sync is not given up: a Web Connector got page 2 twice, fewer than QBDGW_MAX_READ_ATTEMPTS.
    It was (``job_abandoned_repeatedly``, "handed to the Web Connector 3 times without an answer"): the
    repair counted the NEXT pointer nobody asked for as an attempt. Fixed: only SENT hand-outs count
    (``Dispatcher.repair``); a read is handed out NEXT at most once, so a request that kills the Web
    Connector every time still fails, one hand-out later.
    """
    world = QueueSimulation()
    job, _ = world.queue.enqueue(world.user.id, PAGED_QUERIES[0], source="rest", paging={"page_size": 2})
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    document = _send(world, ticket, first=True)
    assert 0 < _run_and_answer(world, ticket, document) < 100  # page 1 taken; page 2 handed out with it
    world.qb.customers.end_session(0)  # … and the Web Connector vanishes before it asks for it
    world.clock.advance(seconds=LEASE_TTL.total_seconds() + 1)
    _page_handed_out_and_lost(world, job)
    _page_handed_out_and_lost(world, job)
    _scheduled_tasks_later(world)
    assert _status(world, job.id) is JobStatus.QUEUED, (world.inner.get_job(job.id) or job).error

    _sync_completes(world, job)


def test_a_read_that_kills_the_web_connector_every_time_still_fails_after_the_attempts_allowed() -> None:
    """The bound that makes an uncounted NEXT hand-out safe: a read handed out NEXT (behind another job)
    whose Web Connector dies every time it gets it fails with ``job_abandoned_repeatedly`` after
    QBDGW_MAX_READ_ATTEMPTS SENT hand-outs, one more hand-out than before."""
    world = QueueSimulation()
    world.queue.enqueue(world.user.id, READ_BODY, source="rest")
    poison, _ = world.queue.enqueue(world.user.id, READ_BODY, source="rest", deadline_seconds=6 * 3600)
    ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
    assert 0 < _run_and_answer(world, ticket, _send(world, ticket, first=True)) < 100
    assert poison.id in _send(world, ticket)  # NEXT; the Web Connector dies with it in QuickBooks
    hand_outs = 1
    for _ in range(CONFIG.max_read_attempts + 2):
        _scheduled_tasks_later(world)  # the lease runs out; the sweeper repairs
        if _status(world, poison.id) is JobStatus.FAILED:
            break
        ticket = _soap(world, c.Authenticate(world.user.qbwc_username, PASSWORD))[0]
        assert poison.id in _send(world, ticket, first=True)
        hand_outs += 1
    assert _status(world, poison.id) is JobStatus.FAILED
    assert (world.inner.get_job(poison.id) or poison).error["code"] == "job_abandoned_repeatedly"
    assert hand_outs == CONFIG.max_read_attempts + 1
