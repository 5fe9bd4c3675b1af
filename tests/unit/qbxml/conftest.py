"""Shared fixtures for the qbXML unit tests: Intuit's schemas and our own fixture files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chalicelib.qbxml import QbxmlVersion, SchemaCatalog
from tests.support.paths import FIXTURES_DIR, SCHEMA_DIR

QBXML_FIXTURES = FIXTURES_DIR / "qbxml"
V13 = QbxmlVersion(13, 0)
V16 = QbxmlVersion(16, 0)


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


def fixture_path(relative: str) -> Path:
    return QBXML_FIXTURES / relative
