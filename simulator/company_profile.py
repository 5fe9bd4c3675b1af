"""Who the simulated QuickBooks is: product, versions, company name, file path, address.

These facts reach the gateway in two ways, both as QuickBooks reports them: in the ``HostQuery``,
``CompanyQuery`` and ``PreferencesQuery`` answers the Web Connector sends as ``strHCPResponse``
in the first ``sendRequestXML`` of a session, and as the ``strCompanyFileName``, ``qbXMLCountry``,
``qbXMLMajorVers`` / ``qbXMLMinorVers`` parameters of that call.

Two presets cover the installations a gateway meets in the field: QuickBooks Pro 2014 (product
major version 24, qbXML 1.0 to 13.0, the most common "highest 13.0" case) and a current QuickBooks
Desktop 2023 (major version 33, qbXML up to 16.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QB2014_VERSIONS: tuple[str, ...] = (
    "1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0",
    "7.0", "8.0", "9.0", "10.0", "11.0", "12.0", "13.0",
)  # fmt: skip
"""What QuickBooks Pro 2014 (product major version 24) reports in ``SupportedQBXMLVersion``."""

QB2023_VERSIONS: tuple[str, ...] = (*QB2014_VERSIONS, "14.0", "15.0", "16.0")
"""What a QuickBooks Desktop 2023 (product major version 33) reports."""

DEFAULT_COMPANY_DIR = "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files"


def default_path(name: str) -> str:
    """Where QuickBooks keeps a company file of that name by default."""
    return f"{DEFAULT_COMPANY_DIR}\\{name}.qbw"


def version_key(version: str) -> tuple[int, int]:
    """``"13.0"`` → ``(13, 0)``; country-prefixed versions (``CA3.0``) compare by their number."""
    match = re.search(r"(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@dataclass(frozen=True)
class CompanyProfile:
    """The static facts of one QuickBooks installation and its open company file."""

    name: str = "Demo Co"
    path: str = default_path("Demo Co")
    product_name: str = "QuickBooks Pro 2014"
    major_version: int = 24
    minor_version: int = 0
    country: str = "US"
    supported_versions: tuple[str, ...] = QB2014_VERSIONS
    file_mode: str = "SingleUser"
    is_automatic_login: bool = False
    legal_name: str = ""
    street: str = "100 Main Street"
    city: str = "Mountain View"
    state: str = "CA"
    postal_code: str = "94043"
    phone: str = "650-555-0100"
    email: str = "books@example.com"
    ein: str = "12-3456789"
    machine_name: str = "QBSERVER"

    @property
    def highest_version(self) -> str:
        return max(self.supported_versions, key=version_key)

    @property
    def highest_major_minor(self) -> tuple[int, int]:
        """``qbXMLMajorVers`` / ``qbXMLMinorVers`` as the Web Connector sends them."""
        return version_key(self.highest_version)
