"""Paged query jobs in the queue simulation (:mod:`tests.unit.jobs.test_simulation`): QuickBooks'
customer list with its iterators, and the observer that checks what the SaaS received page by page.

:class:`CustomerList` is the company file's customers as :class:`~tests.unit.jobs.test_simulation.SimQuickBooks`
keeps them: a few seeded ones, whose names are unique but of mixed case, chosen so that QuickBooks'
order (``FullName`` without regard to case: ``str.casefold``, then code points, as
:mod:`simulator.customers` sorts) differs from the order of the bytes, and so that they fall between
the names the simulation's ``CustomerAdd`` writes create (``Sim Customer 0007``); plus those writes.
It answers ``CustomerQueryRq`` as QuickBooks does (the rules of :mod:`simulator.paging`):

* no ``iterator``: the first ``MaxReturned`` matching records;
* ``iterator="Start"``: the first ``MaxReturned``, and the *keys* (ListIDs) of the rest are kept under
  a new ``iteratorID``; ``iterator="Continue"`` with that id: the next ``MaxReturned`` of those keys
  (a customer added after ``Start`` is not among them); the answer carries ``iteratorRemainingCount``
  and ``iteratorID``; nothing matched: statusCode 1;
* an iterator lives in the QuickBooks session (one Web Connector connection) that started it: it dies
  when that session ends (:meth:`CustomerList.end_session`: the connection closes or vanishes), when
  QuickBooks expires its iterators (:meth:`CustomerList.expire_iterators`, a fault of the simulation),
  and once exhausted; a ``Continue`` of a dead iterator, or of one of another session, is statusCode
  3391;
* ``NameRangeFilter`` ``FromName``/``ToName`` (inclusive, without regard to case) and
  ``IncludeRetElement`` (only the named elements of each ``CustomerRet``) are applied.

It also remembers, for every answer it gave an iterator, which chunk of that iterator it was (0: the
``Start``) and whether a ``Start`` of a job's query came while the same session still held a live
iterator of that job (a *needless* restart): that is what invariant 7 compares the ``resumed`` flags
with.

:class:`PagedSyncs` reads the result messages the SaaS received (the simulation's SQS) and the paged
jobs the store holds, and reports what breaks invariants 5 to 7 of the simulation (their statements
are in the docstrings of the ``@invariant`` methods there), and at the end whether each sync succeeded
with its last page or failed as documented. It works incrementally: each message is read once.
:func:`between_pages` is invariant 8 at one hand-out: what may go between two pages of a sync.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from chalicelib.jobs.models import PRIORITY_HEALTH_CHECK, Job
from chalicelib.jobs.queue import HEALTH_CHECK_SOURCE
from chalicelib.jobs.states import JobStatus

ITERATOR_EXPIRED = 3391
# Unique names of mixed case; casefolded they interleave with each other and with the writes' names.
SEEDED_CUSTOMERS = (
    "abbott Plumbing", "Acme Rentals", "baker & Sons", "Cedar Works", "sim customer 0003 b",
    "SIM CUSTOMER 0009 B", "Sim Customer 0016 b", "zephyr Tools",
)
# The SaaS's paged queries: the whole list, and one naming what to return (ListID and FullName).
PAGED_QUERIES = (
    "<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>",
    "<CustomerQueryRq><IncludeRetElement>ListID</IncludeRetElement>"
    "<IncludeRetElement>FullName</IncludeRetElement></CustomerQueryRq>",
)
# Paged queries whose IncludeRetElement leaves out the ListID or the name: the repository's own
# pass-through example (Name only) and ListID alone. The search found that a restart re-delivered records
# of these (counter-example 5 of test_simulation.py, fixed); they are searched with the others.
KNOWN_BUG_QUERIES = (
    "<CustomerQueryRq><IncludeRetElement>Name</IncludeRetElement></CustomerQueryRq>",
    "<CustomerQueryRq><IncludeRetElement>ListID</IncludeRetElement></CustomerQueryRq>",
)
PAGE_SIZES = (2, 3)
# How a paged job may fail and still be "a documented failure" (docs/paging.md): with QuickBooks' own
# error (it refused a page with a statusCode, or threw: an HRESULT; the error's integration_code), or
# expired before its first page, handed out too often without an answer, or with an answer too large.
DOCUMENTED_FAILURE_CODES = frozenset({"job_deadline_passed", "job_abandoned_repeatedly", "result_too_large"})


@dataclass
class Iterator:
    """One open iterator: the job whose query started it, its session, the keys kept at ``Start``."""

    iterator_id: str
    job_id: str
    session: int
    keys: tuple[str, ...]
    needless_restart: bool = False  # started while the same session held a live iterator of the job
    position: int = 0
    answers: int = 0

    @property
    def remaining(self) -> int:
        return len(self.keys) - self.position


@dataclass(frozen=True)
class Chunk:
    """One answer QuickBooks gave an iterator: which one (0 = the ``Start``), for which job, and
    whether that ``Start`` came while the same session still held a live iterator of that job."""

    job_id: str
    index: int
    needless_restart: bool


class CustomerList:
    """The company file's customers and the open iterators over them (see the module docstring)."""

    def __init__(self, names: Iterable[str] = SEEDED_CUSTOMERS) -> None:
        self.names: dict[str, str] = {}  # ListID -> FullName
        self.by_name: dict[str, str] = {}  # casefolded FullName -> ListID
        self.iterators: dict[str, Iterator] = {}
        self.chunks: dict[tuple[str, int], Chunk] = {}  # (iteratorID, iteratorRemainingCount) -> chunk
        self.sessions = 0
        self.started = 0
        self.expiries = 0
        for name in names:
            self.add(name)

    # The data -----------------------------------------------------------------------------------------
    def add(self, name: str) -> str:
        """A customer named ``name`` (QuickBooks' names are unique without regard to case): its ListID."""
        known = self.by_name.get(name.casefold())
        if known is not None:
            return known
        list_id = f"{0x80000001 + len(self.names):08X}-1709544600"
        self.names[list_id] = name
        self.by_name[name.casefold()] = list_id
        return list_id

    def ordered(self) -> list[str]:
        """Every ListID in QuickBooks' order: ``FullName`` without regard to case."""
        return sorted(self.names, key=lambda list_id: self.names[list_id].casefold())

    def snapshot(self) -> frozenset[str]:
        return frozenset(self.names)

    def identify(self, ret: etree._Element) -> str | None:
        """The ListID of a ``CustomerRet`` as a page carries it: by ``ListID``, else by its name."""
        list_id = ret.findtext("ListID")
        if list_id:
            return list_id
        name = ret.findtext("FullName") or ret.findtext("Name")
        return self.by_name.get(name.casefold()) if name else None

    # QuickBooks sessions ------------------------------------------------------------------------------
    def open_session(self) -> int:
        """A Web Connector connection opens a QuickBooks session: its number."""
        self.sessions += 1
        return self.sessions

    def end_session(self, session: int) -> None:
        """The connection closed or vanished: its iterators die with it."""
        for iterator_id in [i for i, it in self.iterators.items() if it.session == session]:
            del self.iterators[iterator_id]

    def expire_iterators(self) -> int:
        """QuickBooks forgets every open iterator (the next ``Continue`` is answered 3391)."""
        count = len(self.iterators)
        self.iterators.clear()
        self.expiries += 1
        return count

    # CustomerQueryRq -----------------------------------------------------------------------------------
    def query(self, request: etree._Element, session: int) -> str:
        """The ``CustomerQueryRs`` answering ``request`` in QuickBooks session ``session``."""
        request_id = request.get("requestID") or ""
        job_id = request_id.split(".", 1)[0]
        iterator = request.get("iterator")
        size_text = request.findtext("MaxReturned")
        size = int(size_text) if size_text and size_text.isdigit() else None
        include = [str(e.text) for e in request.findall("IncludeRetElement") if e.text]
        if iterator == "Continue":
            iterator_id = request.get("iteratorID") or ""
            found = self.iterators.get(iterator_id)
            if found is None or found.session != session:
                return (f'<CustomerQueryRs requestID="{request_id}" statusCode="{ITERATOR_EXPIRED}" '
                        f'statusSeverity="Error" statusMessage="The iterator &quot;{escape(iterator_id)}&quot; is '
                        f'not valid. Iterators end with the QuickBooks session that started them."/>\n')
            return self._take(found, size, include, request_id)
        if iterator == "Start":
            needless = any(it.job_id == job_id and it.session == session for it in self.iterators.values())
            self.started += 1
            found = Iterator(f"{{{self.started:08X}-5113-4C00-9000-000000000000}}", job_id, session,
                             tuple(self._matching(request)), needless)
            return self._take(found, size, include, request_id)
        keys = self._matching(request)
        chosen = keys[:size] if size is not None else keys
        return self._rs(request_id, chosen, include, "")

    def _take(self, it: Iterator, size: int | None, include: list[str], request_id: str) -> str:
        take = it.remaining if size is None else min(size, it.remaining)
        chosen = list(it.keys[it.position:it.position + take])
        it.position += take
        self.chunks[(it.iterator_id, it.remaining)] = Chunk(it.job_id, it.answers, it.needless_restart)
        it.answers += 1
        if it.remaining:
            self.iterators[it.iterator_id] = it
        else:
            self.iterators.pop(it.iterator_id, None)
        attributes = f' iteratorRemainingCount="{it.remaining}" iteratorID="{it.iterator_id}"'
        return self._rs(request_id, chosen, include, attributes)

    def _matching(self, request: etree._Element) -> list[str]:
        keys = self.ordered()
        low = request.findtext("NameRangeFilter/FromName")
        high = request.findtext("NameRangeFilter/ToName")
        if low is not None:
            keys = [k for k in keys if self.names[k].casefold() >= low.casefold()]
        if high is not None:
            keys = [k for k in keys if self.names[k].casefold() <= high.casefold()]
        return keys

    def _rs(self, request_id: str, keys: list[str], include: list[str], attributes: str) -> str:
        status = ('statusCode="0" statusSeverity="Info" statusMessage="Status OK"' if keys else
                  'statusCode="1" statusSeverity="Info" statusMessage="A query request did not find a matching '
                  'object in QuickBooks"')
        rets = "".join(self._ret(k, include) for k in keys)
        return f'<CustomerQueryRs requestID="{request_id}" {status}{attributes}>\n{rets}</CustomerQueryRs>\n'

    def _ret(self, list_id: str, include: list[str]) -> str:
        name = escape(self.names[list_id])
        fields = (("ListID", list_id), ("EditSequence", "1709544600"), ("Name", name), ("FullName", name),
                  ("IsActive", "true"))
        body = "".join(f"<{tag}>{value}</{tag}>" for tag, value in fields if not include or tag in include)
        return f"<CustomerRet>{body}</CustomerRet>\n"


# What the SaaS received ---------------------------------------------------------------------------------
@dataclass
class Sync:
    """One paged job as the SaaS sees it: the customers when it was enqueued, its distinct pages."""

    job_id: str
    existing: frozenset[str]  # ListIDs of the customers that existed when the job was enqueued
    pages: dict[int, dict[str, Any]] = field(default_factory=dict)  # page number -> its message
    records: dict[int, list[str]] = field(default_factory=dict)  # page number -> ListIDs on it
    last: dict[str, Any] | None = None  # the first message with last: true


def _page_message(message: Mapping[str, Any]) -> bool:
    """A page delivery (in_flight, or the last page: succeeded), not the failure of the job."""
    return "page" in message and str(message["status"]) in ("in_flight", "succeeded")


class PagedSyncs:
    """The observer of paged jobs: what breaks invariants 5, 6 and 7 goes to ``problems[5|6|7]`` as it
    is seen (reading a message; :meth:`check`), what breaks the end of invariant 5 :meth:`final` returns."""

    def __init__(self, customers: CustomerList) -> None:
        self.customers = customers
        self.syncs: dict[str, Sync] = {}
        self.read = 0  # messages read so far
        self.changed: set[str] = set()  # jobs with a new page since the last check
        # (job, pages it had) → hand-outs of its next page seen by a Web Connector, and answers to it that
        # came in time and were not taken
        self.handed: Counter[tuple[str, int]] = Counter()
        self.refused: Counter[tuple[str, int]] = Counter()
        self.problems: dict[int, list[str]] = {5: [], 6: [], 7: []}

    def job_accepted(self, job: Job) -> None:
        """A paged job appeared in the store (the step that enqueued it ran no QuickBooks)."""
        if job.paging is not None and job.id not in self.syncs:
            self.syncs[job.id] = Sync(job.id, self.customers.snapshot())

    def read_messages(self, delivered: list[dict[str, Any]]) -> None:
        for message in delivered[self.read:]:
            self._read(message)
        self.read = len(delivered)

    def _read(self, message: dict[str, Any]) -> None:
        sync = self.syncs.get(str(message["job_id"]))
        if sync is None:
            return
        where = f"{sync.job_id} page {message.get('page')} ({message['status']})"
        if sync.last is not None and message != sync.last:
            self.problems[5].append(f"{where} published after its last page {sync.last.get('page')}")
        if not _page_message(message):
            return
        page = int(message["page"])
        if message["status"] == "succeeded" and not message.get("last"):
            self.problems[5].append(f"{where}: succeeded without last: true")
        if message.get("last") and sync.last is None:
            sync.last = message
        known = sync.pages.get(page)
        if known is not None:
            if known != message:
                self.problems[5].append(f"{where} published twice with different content:\n    {known}\n    {message}")
            return
        sync.pages[page] = message
        self.changed.add(sync.job_id)
        self._new_page(sync, page, message)

    def _new_page(self, sync: Sync, page: int, message: dict[str, Any]) -> None:
        where = f"{sync.job_id} page {page}"
        missing = [n for n in range(1, page) if n not in sync.pages]
        if missing:
            self.problems[5].append(f"{where} published before page(s) {missing}")
        text = str(message.get("response_qbxml") or "")
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            self.problems[6].append(f"{where}: its qbXML does not parse ({exc})")
            return
        rs = next((e for e in root.iter("CustomerQueryRs")), None)
        if rs is None:
            self.problems[6].append(f"{where}: no CustomerQueryRs")
            return
        ids: list[str] = []
        for ret in rs.iter("CustomerRet"):
            list_id = self.customers.identify(ret)
            if list_id is None:
                self.problems[6].append(f"{where} carries a customer QuickBooks does not have: "
                                        f"{etree.tostring(ret, encoding='unicode')}")
                continue
            ids.append(list_id)
        sync.records[page] = ids
        if len(ids) != int(message.get("records") or 0):
            self.problems[6].append(f"{where} says records={message.get('records')} but carries {len(ids)}")
        # Invariant 7: resumed marks exactly the first page after a restart, and a restart needs a dead iterator.
        chunk = self.customers.chunks.get((str(rs.get("iteratorID")), int(rs.get("iteratorRemainingCount") or -1)))
        if chunk is None or chunk.job_id != sync.job_id:
            self.problems[7].append(f"{where} is no answer QuickBooks gave an iterator of {sync.job_id}: "
                                    f"iteratorID {rs.get('iteratorID')}, remaining {rs.get('iteratorRemainingCount')}")
            return
        restart = page > 1 and chunk.index == 0
        if bool(message.get("resumed")) != restart:
            self.problems[7].append(
                f"{where} resumed={message.get('resumed')}, but it is chunk {chunk.index} of its iterator "
                f"({'the first page after a restart' if restart else 'no restart'})")
        if restart and chunk.needless_restart:
            self.problems[7].append(f"{where} restarted the query while the session still held a live iterator")

    def check_order(self, sync: Sync) -> None:
        """Invariant 6 on the pages so far (1..k): the records in QuickBooks' order, none twice."""
        delivered = [list_id for n in sorted(sync.records) for list_id in sync.records[n]]
        names = [self.customers.names[list_id].casefold() for list_id in delivered]
        twice = sorted({self.customers.names[i] for i in delivered if delivered.count(i) > 1})
        if twice:
            self.problems[6].append(f"{sync.job_id} delivered {twice} more than once, pages "
                                    f"{ {n: [self.customers.names[i] for i in r] for n, r in sync.records.items()} }")
        elif names != sorted(names):
            self.problems[6].append(f"{sync.job_id} delivered its records out of QuickBooks' order: "
                                    f"{[self.customers.names[i] for i in delivered]}")

    def check_complete(self, sync: Sync) -> None:
        """Invariant 6 once the last page is out: every customer of the job's enqueue, exactly once."""
        assert sync.last is not None
        delivered = {list_id for ids in sync.records.values() for list_id in ids}
        skipped = sorted(self.customers.names[i] for i in sync.existing - delivered)
        if skipped:
            self.problems[6].append(f"{sync.job_id} succeeded without {skipped}; pages "
                                    f"{ {n: [self.customers.names[i] for i in r] for n, r in sync.records.items()} }")

    def check(self) -> None:
        """Invariant 6 on every job with a new page since the last check."""
        for job_id in sorted(self.changed):
            sync = self.syncs[job_id]
            self.check_order(sync)
            if sync.last is not None:
                self.check_complete(sync)
        self.changed.clear()

    def final(self, jobs: Iterable[Job], *, strict: bool = False, attempts: int = 3) -> list[str]:
        """Teardown: each paged job terminal, succeeded with its last page, or failed as documented.

        ``strict``: ``job_abandoned_repeatedly`` ("handed to the Web Connector N times without an
        answer") is documented only when it is true: of the hand-outs of the page it died on that a Web
        Connector got, at least ``attempts`` went without an answer the gateway could take — not answered
        in time, or answered late (counter-examples 6, 7, 8 and 10 of the simulation)."""
        found = []
        for job in jobs:
            sync = self.syncs.get(job.id)
            if sync is None:
                continue
            if job.status is JobStatus.SUCCEEDED:
                pages = int((job.paging or {}).get("pages") or 0)
                if sync.last is None or int(sync.last["page"]) != pages or sorted(sync.pages) != list(
                        range(1, pages + 1)):
                    found.append(f"{job.id} succeeded with {pages} pages, but the SaaS got pages {sorted(sync.pages)}"
                                 f"{'' if sync.last else ' and no last page'}")
            elif job.status in (JobStatus.FAILED, JobStatus.EXPIRED, JobStatus.CANCELLED):
                err = job.error or {}
                pages = int((job.paging or {}).get("pages") or 0)
                if not err.get("integration_code") and err.get("code") not in DOCUMENTED_FAILURE_CODES:
                    found.append(f"{job.id} ended {job.status.value} with an undocumented error {err}")
                elif strict and err.get("code") == "job_abandoned_repeatedly" and \
                        self.handed[(job.id, pages)] - self.refused[(job.id, pages)] < attempts:
                    found.append(f"{job.id} failed with job_abandoned_repeatedly ({err.get('message')}), but a Web "
                                 f"Connector got its page {pages + 1} {self.handed[(job.id, pages)]} times, and "
                                 f"QuickBooks answered {self.refused[(job.id, pages)]} of them in time, not taken")
            else:
                found.append(f"{job.id} is {job.status.value} after the quiet period")
        return found


def between_pages(jobs: Iterable[Job], handed: Job | None, probe: bool) -> list[str]:
    """Invariant 8 at a hand-out of ``handed`` (a probe, or a message set of it): what breaks it.

    What may go between two pages of a sync (docs/paging.md, "How it runs"; ``Dispatcher._head`` and
    ``follow_on``): the probe of an in-doubt write, which heads the queue, and a health check, whose
    priority puts it before the sync's next page. Nothing else of the file."""
    if handed is None:
        return []
    if probe and handed.is_write and handed.status is JobStatus.IN_DOUBT:
        return []
    if handed.source == HEALTH_CHECK_SOURCE and handed.priority == PRIORITY_HEALTH_CHECK:
        return []
    return [f"{'the probe of ' if probe else ''}{handed.id} while {job.id} is between pages "
            f"{job.paging.get('pages')} and {int(job.paging.get('pages') or 0) + 1}"
            for job in jobs if job.paging is not None and job.id != handed.id and job.status is JobStatus.QUEUED
            and int(job.paging.get("pages") or 0) > 0]


def customers_delivered(delivered: Iterable[Mapping[str, Any]], job_id: str, customers: CustomerList) -> list[str]:
    """The customers of a paged job's distinct pages, in page order, by name (a resend counted once)."""
    pages: dict[int, str] = {}
    for message in delivered:
        if message["job_id"] == job_id and _page_message(message):
            pages.setdefault(int(message["page"]), str(message["response_qbxml"]))
    return [customers.names.get(customers.identify(ret) or "", "?")
            for page in sorted(pages) for ret in etree.fromstring(pages[page].encode()).iter("CustomerRet")]
