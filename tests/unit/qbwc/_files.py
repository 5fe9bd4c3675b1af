"""Where the QBWC unit tests read their files: Intuit's reference samples and our own SOAP fixtures."""

from __future__ import annotations

from pathlib import Path

from tests.support.paths import FIXTURES_DIR, SAMPLES_DIR, WSDL_DIR

SOAP_FIXTURES = FIXTURES_DIR / "soap"
CONSTRUCTED = SAMPLES_DIR / "soap-constructed"
CAPTURED = SAMPLES_DIR / "soap-captured"
QWC_SAMPLES = SAMPLES_DIR / "qwc"
INTUIT_WSDLS = {
    "intuit-original": WSDL_DIR / "intuit-original" / "QBWebConnectorSvc.wsdl",
    "intuit-troubleshoot": WSDL_DIR / "intuit-troubleshoot" / "QBWebConnectorSvc.wsdl",
}


def soap_fixture(name: str) -> bytes:
    """The bytes of ``tests/fixtures/soap/<name>``."""
    return (SOAP_FIXTURES / name).read_bytes()


def constructed(name: str) -> bytes:
    return (CONSTRUCTED / name).read_bytes()


def files(directory: Path, pattern: str) -> list[Path]:
    found = sorted(directory.glob(pattern))
    assert found, f"no {pattern} in {directory}"
    return found
