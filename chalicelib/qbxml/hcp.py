"""The HCP response: what QuickBooks and the company file told the Web Connector about themselves.

At the start of every session the Web Connector runs HostQuery, CompanyQuery and
PreferencesQuery itself and passes the combined answer as ``strHCPResponse`` in the first
``sendRequestXML`` (later calls send ``""``; QuickBooks POS sends a plain "not supported" text).
From it we learn the product and version of QuickBooks, the qbXML versions the file supports
(``HostRet/SupportedQBXMLVersion``, used by :func:`~chalicelib.qbxml.versions.choose_version`),
the country, the company name and whether the file is open in single- or multi-user mode.

The HCP response is advisory: :func:`parse_hcp_response` never raises. It returns None when there
is nothing to read and leaves unknown fields as None.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from lxml import etree

from chalicelib.qbxml.text import strip_declaration
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml

_MAX_HCP_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class HostCompanyInfo:
    """Facts from ``HostRet`` and ``CompanyRet``."""

    product_name: str | None
    major_version: str | None
    minor_version: str | None
    country: str | None
    supported_versions: tuple[str, ...]
    company_name: str | None
    file_mode: str | None
    is_automatic_login: bool | None


def _find(root: Any, name: str) -> Any:
    return next((el for el in root.iter() if isinstance(el.tag, str) and local_name(el) == name), None)


def _child_text(parent: Any, name: str) -> str | None:
    if parent is None:
        return None
    for child in parent:
        if isinstance(child.tag, str) and local_name(child) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def _children_texts(parent: Any, name: str) -> tuple[str, ...]:
    if parent is None:
        return ()
    texts = (
        (child.text or "").strip()
        for child in parent
        if isinstance(child.tag, str) and local_name(child) == name
    )
    return tuple(text for text in texts if text)


def _boolean(text: str | None) -> bool | None:
    if text is None:
        return None
    return {"true": True, "false": False, "1": True, "0": False}.get(text.lower())


def parse_hcp_response(text: str) -> HostCompanyInfo | None:
    """What ``strHCPResponse`` says; None for ``""``, unparseable text or a document without
    ``HostRet`` and ``CompanyRet``. Never raises.

    A company file sends the same document at the start of every session: the last few read are
    remembered (the answer is immutable), so a warm process reads each file's once. Only documents of
    the usual size are (some 6-10 KB; at most 64 of :data:`_CACHED_CHARS`): a larger one is read each time."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _cached(text) if len(text) <= _CACHED_CHARS else _parse(text)


def _parse(text: str) -> HostCompanyInfo | None:
    try:
        root = parse_xml(strip_declaration(text), max_bytes=_MAX_HCP_BYTES)
    except (UnsafeXmlError, ValueError, etree.LxmlError):
        return None  # advisory data: anything unreadable is simply "not known"
    host = _find(root, "HostRet")
    company = _find(root, "CompanyRet")
    if host is None and company is None:
        return None
    return HostCompanyInfo(
        product_name=_child_text(host, "ProductName"),
        major_version=_child_text(host, "MajorVersion"),
        minor_version=_child_text(host, "MinorVersion"),
        country=_child_text(host, "Country"),
        supported_versions=_children_texts(host, "SupportedQBXMLVersion"),
        company_name=_child_text(company, "CompanyName"),
        file_mode=_child_text(host, "QBFileMode"),
        is_automatic_login=_boolean(_child_text(host, "IsAutomaticLogin")),
    )


_CACHED_CHARS = 64 * 1024
_cached = functools.lru_cache(maxsize=64)(_parse)
