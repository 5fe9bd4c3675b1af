"""The catalog: every error the gateway can report, in one place.

A SaaS shows our ``user_facing_message`` to a bookkeeper at a small business whose QuickBooks runs on
a Windows machine that is often off, blocked by a dialog or open on the wrong file (DESIGN.md §1).
So every entry says what happened and then the exact steps — which computer, which menu, which
button — while ``description`` and the per-occurrence ``message`` keep the codes for developers.

The data is split by where a failure comes from:

* :mod:`.hresults` — HRESULTs from ``connectionError`` / ``receiveResponseXML`` (PROTOCOL.md §5),
  plus the conditions told apart by QuickBooks' text; :func:`hresult_error` builds the error;
* :mod:`.status_codes` — qbXML ``statusCode`` values, each common one and every class
  (PROTOCOL.md §6.6); :func:`status_error` builds the error;
* :mod:`.gateway` — what the gateway refuses at its edges and notices about a connection (never
  connected, not polling, wrong password, wrong company file, Web Connector too old, deadline passed).

:data:`CATALOG` maps every ``code`` to its :class:`~chalicelib.errors.ErrorSpec`; codes are unique
(checked here, at import) and stable: the SaaS keys its own handling on them. This package is pure
data and lookups — no boto3, no chalice, no I/O.
"""

from __future__ import annotations

from chalicelib.catalog import gateway, hresults, status_codes
from chalicelib.catalog.gateway import wrong_company_file_error
from chalicelib.catalog.hresults import (
    BY_HRESULT,
    RETRY_WITH_COMPANY_FILE,
    hresult_error,
    normalise_hresult,
    recognise_message,
    spec_for_hresult,
)
from chalicelib.catalog.status_codes import BY_STATUS, spec_for_status, status_error
from chalicelib.errors import ErrorSpec


def _assemble(*groups: tuple[ErrorSpec, ...]) -> dict[str, ErrorSpec]:
    catalog: dict[str, ErrorSpec] = {}
    for spec in (spec for group in groups for spec in group):
        if spec.code in catalog:
            raise ValueError(f"error code {spec.code!r} is defined twice in the catalog")
        catalog[spec.code] = spec
    return catalog


CATALOG: dict[str, ErrorSpec] = _assemble(gateway.SPECS, hresults.SPECS, status_codes.SPECS)
"""Every error the gateway can report, by ``code``."""

__all__ = [
    "BY_HRESULT",
    "BY_STATUS",
    "CATALOG",
    "RETRY_WITH_COMPANY_FILE",
    "hresult_error",
    "normalise_hresult",
    "recognise_message",
    "spec_for_hresult",
    "spec_for_status",
    "status_error",
    "wrong_company_file_error",
]
