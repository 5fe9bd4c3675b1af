"""Shared fixtures for the qbXML unit tests: Intuit's schemas and our own fixture files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.qbxml import SchemaCatalog
from tests.support.paths import SCHEMA_DIR
from tests.unit.qbxml.support import QBXML_FIXTURES, V13, V16


@pytest.fixture(scope="session")
def catalog() -> SchemaCatalog:
    """Intuit's 13.0 and 16.0 schemas; fails loudly when they are missing (no silent skipping)."""
    schemas = SchemaCatalog(SCHEMA_DIR)
    assert schemas.available() == (V13, V16), schemas.describe()
    return schemas


@pytest.fixture
def fixture_text() -> Callable[[str], str]:
    """Read a fixture file under tests/fixtures/qbxml/ as UTF-8 text."""

    def read(relative: str) -> str:
        return (QBXML_FIXTURES / relative).read_text(encoding="utf-8")

    return read
