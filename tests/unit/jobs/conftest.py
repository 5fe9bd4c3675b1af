"""Fixtures for the job-domain unit tests: an in-memory store, a fake clock and publisher, the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.jobs.models import EndUser
from chalicelib.jobs.queue import JobQueue
from chalicelib.qbxml import QbxmlVersion, SchemaCatalog
from chalicelib.store.memory import MemoryStore
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import FakeClock, RecordingPublisher, make_end_user

LEASE_TTL = timedelta(minutes=10)


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    """Intuit's schemas; a missing folder fails loudly instead of silently turning validation off."""
    schemas = SchemaCatalog(SCHEMA_DIR)
    assert QbxmlVersion(13, 0) in schemas.available(), schemas.describe()
    return schemas


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def publisher(store: MemoryStore) -> RecordingPublisher:
    return RecordingPublisher(store=store)


@pytest.fixture
def queue(store: MemoryStore, publisher: RecordingPublisher, catalog: SchemaCatalog,
          clock: FakeClock) -> JobQueue:
    return JobQueue(store, publisher, catalog, clock, lease_ttl=LEASE_TTL, max_job_bytes=256_000)


@pytest.fixture
def user(store: MemoryStore) -> EndUser:
    """GIVEN an end-user whose company file has not told us its qbXML version yet."""
    end_user = make_end_user()
    store.put_end_user(end_user)
    return end_user
