"""A simulated QuickBooks company file that answers qbXML like QuickBooks Desktop does.

:class:`CompanyFile` is the customer's side of the integration without Windows: the Web Connector
simulator hands it each qbXML request document and gets back what QuickBooks' request processor
would return — a response document, or an HRESULT thrown instead of one.

``process()`` goes through the steps QuickBooks goes through:

1. parse the document (:mod:`simulator.documents`); not well-formed → ``0x80040400`` (no response
   document at all);
2. read ``<?qbxml version="X"?>``; missing, or a version this file does not support → ``0x80040400``;
3. with a ``schema_dir``, validate against Intuit's schema for that version → ``0x80040400``;
4. run the message set: each ``*Rq`` in order, each answered by one ``*Rs`` carrying its
   ``requestID`` and status; with ``onError="stopOnError"`` (and ``rollbackOnError``, which
   QuickBooks Desktop does not honour) the first *error* ends the set and later requests are
   neither executed nor answered; ``continueOnError`` runs them all; text outside ISO-8859-1
   is stored with ``?`` in its place, as QuickBooks stores it;
5. error recovery: the answer to a set with ``newMessageSetID`` is remembered under that ID; a set
   with ``oldMessageSetID`` and no requests returns the remembered answer
   (``messageSetStatusCode="0"``, or ``"600"`` when nothing is remembered) and, when it carries no
   ``newMessageSetID``, forgets it. The simulator never deduplicates: a write that is sent again
   is executed again, so a gateway that resends instead of asking creates duplicates here.

Everything else a test needs is here too: the executions (name, requestID, status, monotonic
start and finish) for race and load tests, ``processing_delay`` to make overlapping message sets
visible, a queue of injected faults (:class:`~simulator.records.Fault`), snapshots of the customers,
invoices and deletions, and the ``strHCPResponse`` the Web Connector sends at the start of a session.

Field conditions (:mod:`simulator.faults`, e.g. ``dialog_open``) are switched on by name:
:meth:`CompanyFile.set_condition` holds one until it is cleared (a dialog stays open until someone
closes it), :meth:`CompanyFile.fail_next` queues it as a one-shot fault. Open-stage conditions make
:meth:`~CompanyFile.open_session` throw (so the Web Connector calls ``connectionError``); a session
that is already open is not affected. Request-stage conditions make :meth:`~CompanyFile.process`
throw before anything is executed. One-shot faults are consumed before the persistent condition
is consulted.
Lost sessions mid-sync: iterators live only as long as the QuickBooks session that started them.
:meth:`~CompanyFile.close_session` (the Web Connector ends its session) and
:meth:`~CompanyFile.restart` (QuickBooks closed and started again) drop them, and
:meth:`~CompanyFile.expire_iterators` drops them now or after a number of message sets, so that
the next ``iterator="Continue"`` is answered with statusCode 3391 while the company data stays.

Besides customers and invoices, the file keeps the object groups of :mod:`simulator.objects`
(vendors, employees, accounts, classes, items, bills, payments, estimates, sales orders, journal
entries; Add, Mod and Query) and deletes and voids through :mod:`simulator.deletions` (``ListDel``,
``TxnDel``, ``TxnVoid``), which also remembers what was deleted and answers ``ListDeletedQuery`` and
``TxnDeletedQuery`` from that log (:meth:`~CompanyFile.deletions` is its snapshot).

:meth:`~CompanyFile.populate` fills an empty file with a seeded history of customers, jobs and
invoices (:mod:`simulator.population`) for large syncs.
All state sits behind one lock; the delay is spent outside it so concurrent callers really overlap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from simulator import company_info, faults, population
from simulator.company_profile import QB2014_VERSIONS, QB2023_VERSIONS, CompanyProfile, default_path
from simulator.documents import parse_request, render_answer
from simulator.handlers import HANDLERS
from simulator.ledger import DEFAULT_ITEMS, Answer, Ledger
from simulator.qbxml_text import elements, local, render_document
from simulator.records import (
    WRONG_FILE_HRESULT,
    WRONG_FILE_MESSAGE,
    Customer,
    Deletion,
    Execution,
    Fault,
    FaultKind,
    HResultError,
    Invoice,
    Item,
    Status,
)
from simulator.schema import SchemaSet


class CompanyFile:
    """An in-memory QuickBooks company file; safe to share between threads."""

    def __init__(
        self,
        name: str = "Demo Co",
        path: str | None = None,
        supported_versions: Iterable[str] = QB2014_VERSIONS,
        schema_dir: Path | None = None,
        product_name: str = "QuickBooks Pro 2014",
        major_version: int = 24,
        country: str = "US",
        *,
        minor_version: int = 0,
        items: Iterable[tuple[str, str, str]] = DEFAULT_ITEMS,
        clock: Callable[[], datetime] | None = None,
        processing_delay: float = 0.0,
        **profile: Any,
    ) -> None:
        self.profile = CompanyProfile(
            name=name,
            path=path or default_path(name),
            product_name=product_name,
            major_version=major_version,
            minor_version=minor_version,
            country=country,
            supported_versions=tuple(supported_versions),
            **profile,
        )
        self.processing_delay = processing_delay
        """Seconds each ``process()`` call waits (outside the lock) before it executes."""
        self._schemas = SchemaSet.shared(schema_dir) if schema_dir is not None else None
        self._lock = threading.Lock()
        self._ledger = Ledger(self.profile, clock or (lambda: datetime.now().astimezone()), items)
        self._executions: list[Execution] = []
        self._faults: list[Fault] = []
        self._condition: faults.Condition | None = None
        self._open_attempts: list[str] = []
        self._recovery: dict[str, tuple[str, ...]] = {}
        self._in_flight = 0
        self._max_in_flight = 0
        self._sessions_opened = 0
        self._restarts = 0
        self._expire_in: int | None = None

    @classmethod
    def modern(cls, name: str = "Demo Co", **kwargs: Any) -> CompanyFile:
        """A QuickBooks Desktop 2023 file: product major version 33, qbXML up to 16.0."""
        kwargs.setdefault("supported_versions", QB2023_VERSIONS)
        kwargs.setdefault("product_name", "QuickBooks Pro 2023")
        kwargs.setdefault("major_version", 33)
        return cls(name, **kwargs)

    # -- facts ---------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def path(self) -> str:
        return self.profile.path

    @property
    def country(self) -> str:
        return self.profile.country

    @property
    def supported_versions(self) -> tuple[str, ...]:
        return self.profile.supported_versions

    @property
    def highest_version(self) -> str:
        return self.profile.highest_version

    @property
    def executions(self) -> list[Execution]:
        """Every request executed so far, in order (a copy)."""
        with self._lock:
            return list(self._executions)

    @property
    def max_concurrent_message_sets(self) -> int:
        """The most ``process()`` calls that were ever inside this file at the same time."""
        with self._lock:
            return self._max_in_flight

    @property
    def sessions_opened(self) -> int:
        with self._lock:
            return self._sessions_opened

    @property
    def restarts(self) -> int:
        """How often :meth:`restart` was called."""
        with self._lock:
            return self._restarts

    @property
    def open_iterators(self) -> int:
        """Iterators started and not yet exhausted, stopped or lost."""
        with self._lock:
            return len(self._ledger.iterators)

    @property
    def open_attempts(self) -> tuple[str, ...]:
        """The path asked for by every ``open_session()`` call so far, failed or not (``""``: the open file)."""
        with self._lock:
            return tuple(self._open_attempts)

    def customers(self) -> tuple[Customer, ...]:
        with self._lock:
            return tuple(self._ledger.customers.values())

    def invoices(self) -> tuple[Invoice, ...]:
        with self._lock:
            return tuple(self._ledger.invoices.values())

    def items(self) -> tuple[Item, ...]:
        with self._lock:
            return tuple(self._ledger.items.values())

    def deletions(self) -> tuple[Deletion, ...]:
        """Every list element and transaction deleted so far, in the order it was (what the
        ``*DeletedQuery`` requests answer from, before their 90-day limit and filters)."""
        with self._lock:
            return tuple(self._ledger.deletions)

    def full_name(self, customer: Customer) -> str:
        with self._lock:
            return self._ledger.full_name(customer)

    def populate(
        self,
        customers: int = 0,
        invoices: int = 0,
        *,
        seed: int = 0,
        until: datetime | None = None,
        years: float = 3.0,
    ) -> population.Population:
        """Fill this empty file with a seeded history: ``customers`` customers and jobs, ``invoices`` invoices.

        The same seed gives the same records (see :mod:`simulator.population`); ``until`` is where
        the history of ``years`` ends. Raises :class:`ValueError` on a file that has customers or
        invoices already, or for invoices without customers.
        """
        with self._lock:
            return population.populate(self._ledger, customers, invoices, seed=seed, until=until, years=years)

    # -- faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Queue a fault; the first queued fault matching a call is consumed by that call."""
        with self._lock:
            self._faults.append(fault)

    def fail_next_with_hresult(self, hresult: str, message: str) -> None:
        """The next ``process()`` throws instead of answering (nothing is executed)."""
        self.inject(Fault(FaultKind.PROCESS, hresult=hresult, message=message))

    def fail_next_open(self, hresult: str, message: str) -> None:
        """The next ``open_session()`` fails, e.g. ``0x80040408`` "Could not start QuickBooks."."""
        self.inject(Fault(FaultKind.OPEN, hresult=hresult, message=message))

    def lose_next_response(self, hresult: str = "0x80040402", message: str = "Unexpected error.") -> None:
        """The next message set is executed, then the processor throws: the writes happened."""
        self.inject(Fault(FaultKind.LOSE_RESPONSE, hresult=hresult, message=message))

    def fail_next_request_with_status(
        self, status_code: int, message: str, request_name: str | None = None, severity: str = "Error"
    ) -> None:
        """The next request (of that type) is answered with this status instead of being executed."""
        self.inject(
            Fault(FaultKind.STATUS, status_code=status_code, message=message, severity=severity,
                  request_name=request_name)
        )  # fmt: skip

    @property
    def condition(self) -> faults.Condition | None:
        """The persistent field condition now in force, if any."""
        with self._lock:
            return self._condition

    def set_condition(self, condition: str | faults.Condition | None) -> None:
        """Hold a named field condition (see :data:`simulator.faults.CONDITIONS`) until it is cleared.

        Every open (open stage) or every ``process()`` (request stage) fails with the condition's
        HRESULT while it holds; ``None`` clears it. An unknown name raises :class:`ValueError`.
        """
        found = None if condition is None else faults.lookup(condition)
        with self._lock:
            self._condition = found

    def fail_next(self, condition: str | faults.Condition) -> None:
        """The next open (open stage) or ``process()`` (request stage) fails with this condition, once."""
        self.inject(faults.lookup(condition).fault())

    def expire_iterators(self, after: int = 0) -> None:
        """Forget every open iterator: the next ``Continue`` gets statusCode 3391 (the data stays).

        ``after`` = 0 does it now; ``after`` = N lets the next N message sets run first and does it
        just before the one after them (one shot; a later call replaces a pending one). This is
        what a gateway sees when QuickBooks' session ends under a sync it thinks is still going.
        """
        with self._lock:
            if after > 0:
                self._expire_in = after
            else:
                self._expire_in = None
                self._ledger.iterators.clear()

    def _held(self, stage: faults.Stage) -> faults.Condition | None:
        condition = self._condition
        return condition if condition is not None and condition.stage == stage else None

    def _take(self, kind: FaultKind, request_name: str | None = None) -> Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.kind is kind and (request_name is None or fault.matches_request(request_name)):
                return self._faults.pop(index)
        return None

    # -- sessions (BeginSession / EndSession) --------------------------------------------------

    def open_session(self, path: str = "") -> None:
        """Open the file as the Web Connector does before a session; ``""`` means "the open file".

        One call stands for one connection attempt of the Web Connector (its internal second try
        included). Raises :class:`HResultError` for an injected open fault, for an open-stage
        condition in force, or ``0x8004040A`` when another file is asked for (Windows paths compare
        without regard to case).
        """
        with self._lock:
            self._open_attempts.append(path)
            fault = self._take(FaultKind.OPEN)
            if fault is not None:
                raise HResultError(fault.hresult, fault.message, fault.detail)
            held = self._held("open")
            if held is not None:
                raise held.error()
            if path and path.casefold() != self.profile.path.casefold():
                raise HResultError(WRONG_FILE_HRESULT, WRONG_FILE_MESSAGE, detail=f"asked for {path!r}")
            self._sessions_opened += 1

    def close_session(self) -> None:
        """End the QuickBooks session (the Web Connector does after every update, however it ended).

        Iterators started in it become invalid: a ``Continue`` in the next session gets 3391.
        """
        with self._lock:
            self._ledger.iterators.clear()

    def restart(self) -> None:
        """QuickBooks is closed and started again (an update, a crash, the bookkeeper).

        The company data, the stored answers of message sets (``newMessageSetID``) and data
        extensions are on disk and stay; every iterator is gone (3391 on ``Continue``).
        """
        with self._lock:
            self._restarts += 1
            self._ledger.iterators.clear()

    def set_data_ext(self, owner_id: str, name: str, value: str) -> None:
        """Store a private data extension on the company (the Web Connector's ``FileID`` stamp)."""
        with self._lock:
            self._ledger.data_ext[(owner_id, name)] = value

    def data_ext(self, owner_id: str, name: str) -> str | None:
        with self._lock:
            return self._ledger.data_ext.get((owner_id, name))

    def host_company_preferences_response(self, owner_id: str | None = None) -> str:
        """The ``strHCPResponse`` text: HostQueryRs, CompanyQueryRs (with ``owner_id``'s data
        extensions) and PreferencesQueryRs in one document."""
        with self._lock:
            return company_info.hcp_response(self._ledger, owner_id)

    # -- processing ----------------------------------------------------------------------------

    def process(self, request_xml: str) -> str:
        """Execute a qbXML request document and return the response document.

        Raises :class:`HResultError` where QuickBooks' request processor throws.
        """
        started = time.monotonic()
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            if self.processing_delay > 0:
                time.sleep(self.processing_delay)
            with self._lock:
                fault = self._take(FaultKind.PROCESS)
                if fault is not None:
                    raise HResultError(fault.hresult, fault.message, fault.detail)
                held = self._held("request")
                if held is not None:
                    raise held.error()
                self._count_down_expiry()
                message_set, version = parse_request(request_xml, self.profile, self._schemas)
                response = self._run(message_set, version, started)
                lost = self._take(FaultKind.LOSE_RESPONSE)
                if lost is not None:
                    raise HResultError(lost.hresult, lost.message, detail="the message set was executed")
                return response
        finally:
            with self._lock:
                self._in_flight -= 1

    def _count_down_expiry(self) -> None:
        if self._expire_in is not None:
            self._expire_in -= 1
            if self._expire_in < 0:
                self._expire_in = None
                self._ledger.iterators.clear()

    def _run(self, message_set: etree._Element, version: str, started: float) -> str:
        new_id = message_set.get("newMessageSetID")
        old_id = message_set.get("oldMessageSetID")
        requests = elements(message_set)
        if old_id is not None and not requests:
            stored = self._recovery.get(old_id)
            if new_id is None:
                self._recovery.pop(old_id, None)
            if stored is None:
                return render_document([], (("messageSetStatusCode", "600"),))
            return render_document(stored, (("newMessageSetID", old_id), ("messageSetStatusCode", "0")))
        keep_going = message_set.get("onError") == "continueOnError"
        include_data = message_set.get("responseData", "includeAll") != "includeNone"
        responses: list[str] = []
        for request in requests:
            name = local(request)
            fault = self._take(FaultKind.STATUS, name)
            if fault is not None:
                answer = Answer(fault.status)
            else:
                handler = HANDLERS.get(name)
                answer = handler(self._ledger, request) if handler else Answer(Status.unsupported(name))
            responses.append(render_answer(request, answer, include_data))
            self._executions.append(
                Execution(
                    request_id=request.get("requestID"),
                    name=name,
                    status_code=answer.status.code,
                    started_at=started,
                    finished_at=time.monotonic(),
                    message_set_id=new_id,
                    request_xml=etree.tostring(request, encoding="unicode", with_tail=False),
                )
            )
            if answer.status.is_error and not keep_going:
                break
        if new_id is not None:
            self._recovery[new_id] = tuple(responses)
        return render_document(responses, (("newMessageSetID", new_id),) if new_id is not None else ())

    def __repr__(self) -> str:
        profile = self.profile
        return f"CompanyFile({profile.name!r}, {profile.product_name!r}, qbXML up to {profile.highest_version})"
