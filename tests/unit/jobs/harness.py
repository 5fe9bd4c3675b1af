"""A Web Connector session driver over the real queue and session service, in memory.

Used by the QBWC session-service tests (``tests/unit/qbwc/test_service*.py``): it wires
:class:`~chalicelib.qbwc.service.QbwcService` to a :class:`MemoryStore`, Intuit's schemas, a fake
clock and a recording publisher, and speaks the calls QBWC makes, in QBWC's order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from chalicelib.jobs.models import EndUser, Job, Lease
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.security import ticket_hash
from chalicelib.jobs.states import JobStatus
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.service import QbwcService
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.memory import MemoryStore
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import PASSWORD, FakeClock, RecordingPublisher, make_end_user, qbwc_file, qbxml_job

COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Lakeside Hardware.QBW"
SERVER_VERSION = "qbd-gateway test"
MIN_CLIENT = "2.1.0.0"
TICKET_TTL = timedelta(hours=1)
LEASE_TTL = timedelta(minutes=10)


@cache
def catalog() -> SchemaCatalog:
    return SchemaCatalog(SCHEMA_DIR)


@dataclass
class Harness:
    store: MemoryStore
    clock: FakeClock
    publisher: RecordingPublisher
    queue: JobQueue
    service: QbwcService
    user: EndUser

    @classmethod
    def build(cls, *, session_idle: timedelta = timedelta(seconds=30),
              store: MemoryStore | None = None) -> Harness:
        store = store if store is not None else MemoryStore()
        clock = FakeClock()
        publisher = RecordingPublisher(store=store)
        queue = JobQueue(store, publisher, catalog(), clock, lease_ttl=LEASE_TTL, max_job_bytes=256_000)
        service = QbwcService(store, queue, clock, server_version=SERVER_VERSION,
                              min_client_version=MIN_CLIENT, session_idle=session_idle)
        user = make_end_user()
        store.put_end_user(user)
        return cls(store, clock, publisher, queue, service, user)

    # The SaaS side -----------------------------------------------------------------------------------
    def enqueue(self, fixture: str = "customer_query_rq.xml") -> Job:
        text = qbwc_file(fixture) if fixture.endswith("_rq.xml") else qbxml_job(fixture)
        return self.queue.enqueue(self.user.id, text, source="rest")[0]

    def job(self, job_id: str) -> Job:
        """The job as the SaaS sees it: ``in_flight`` while the company file's lease points at it."""
        job = self.store.get_job(job_id)
        assert job is not None
        lease = self.store.get_lease(job.end_user_id)
        pointed = lease is not None and lease.live(self.clock.now) and lease.pointer is not None
        if job.status is JobStatus.QUEUED and pointed and lease and lease.pointer and lease.pointer.seq == job.seq:
            return dataclasses.replace(job, status=JobStatus.IN_FLIGHT, attempts=lease.pointer.attempt)
        return job

    def session(self, ticket: str) -> Lease | None:
        """The session a ticket opened: the company file's lease while that ticket holds it."""
        lease = self.store.get_lease(self.user.id)
        return lease if lease is not None and lease.held_by(ticket_hash(ticket)) else None

    def end_user(self) -> EndUser:
        user = self.store.get_end_user(self.user.id)
        assert user is not None
        return user

    # The Web Connector side ----------------------------------------------------------------------------
    def authenticate(self, password: str = PASSWORD) -> list[str]:
        result = self.service.dispatch(c.Authenticate(self.user.id, password))
        assert isinstance(result, list)
        return result

    def open_session(self) -> str:
        ticket, answer = self.authenticate()[:2]
        assert answer not in ("nvu", "none", "busy"), answer
        return ticket

    def send(self, ticket: str, *, first: bool = False, hcp: str = "hcp_qb2014.xml") -> str:
        call = c.SendRequestXML(ticket, qbwc_file(hcp), COMPANY_FILE, "US", 13, 0) if first else \
            c.SendRequestXML(ticket, "", COMPANY_FILE, "US", 13, 0)
        result = self.service.dispatch(call)
        assert isinstance(result, str)
        return result

    def receive(self, ticket: str, response: str = "", hresult: str = "", message: str = "") -> int:
        result = self.service.dispatch(c.ReceiveResponseXML(ticket, response, hresult, message))
        assert isinstance(result, int)
        return result

    def answer(self, ticket: str, job: Job, fixture: str = "customer_query_rs.xml") -> int:
        """QuickBooks answers ``job`` with the response in ``tests/fixtures/qbwc/<fixture>``."""
        return self.receive(ticket, qbwc_file(fixture, request_id=job.id))

    def last_error(self, ticket: str) -> str:
        result = self.service.dispatch(c.GetLastError(ticket))
        assert isinstance(result, str)
        return result

    def close(self, ticket: str) -> str:
        result = self.service.dispatch(c.CloseConnection(ticket))
        assert isinstance(result, str)
        return result

    def connection_error(self, ticket: str, hresult: str, message: str = "") -> str:
        result = self.service.dispatch(c.QbwcConnectionError(ticket, hresult, message))
        assert isinstance(result, str)
        return result
