"""Fixtures for the simulator's tests: company files that validate requests against Intuit's schemas."""

from __future__ import annotations

import pytest

from simulator.quickbooks import CompanyFile
from tests.support.paths import SCHEMA_DIR


@pytest.fixture
def company() -> CompanyFile:
    """A QuickBooks Pro 2014 company file (qbXML up to 13.0) that validates every request."""
    return CompanyFile("Demo Co", schema_dir=SCHEMA_DIR)


@pytest.fixture
def modern_company() -> CompanyFile:
    """A QuickBooks Desktop 2023 company file (qbXML up to 16.0) that validates every request."""
    return CompanyFile.modern("Modern Co", schema_dir=SCHEMA_DIR)
