"""Constants shared by the qbXML unit tests."""

from __future__ import annotations

from chalicelib.qbxml import QbxmlVersion
from tests.support.paths import FIXTURES_DIR

QBXML_FIXTURES = FIXTURES_DIR / "qbxml"
V13 = QbxmlVersion(13, 0)
V16 = QbxmlVersion(16, 0)
