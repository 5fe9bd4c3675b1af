"""qbXML versions: parsing the strings QuickBooks and the Web Connector use, and choosing one.

Every message set starts with ``<?qbxml version="N.M"?>``; QuickBooks interprets the requests by
that version and refuses elements newer than it. Which versions a company file understands is
told twice during a session:

* ``HostRet/SupportedQBXMLVersion`` in the HCP response of the first ``sendRequestXML`` (a list
  such as ``12.0``, ``13.0``; old Canadian and UK files prefix them, ``CA3.0``), and
* ``qbXMLMajorVers`` / ``qbXMLMinorVers``, the highest version, sent on every ``sendRequestXML``.

:func:`choose_version` picks the highest version the file supports that we can also vouch for —
one we hold a schema for (field lesson #15: never a fixed version). Before a company file has told
us anything, :data:`DEFAULT_VERSION` is used.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

_VERSION_RE = re.compile(r"(?:[A-Za-z]{2})?(\d{1,3})(?:\.(\d{1,3}))?")


@dataclass(frozen=True, order=True)
class QbxmlVersion:
    """A qbXML spec version, ordered numerically (``13.0 < 16.0``)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> QbxmlVersion:
        """``"13.0"``, ``"16"`` or ``"CA3.0"`` (the country prefix is ignored); ValueError otherwise."""
        match = _VERSION_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"not a qbXML version: {text!r}")
        return cls(int(match.group(1)), int(match.group(2) or 0))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


DEFAULT_VERSION = QbxmlVersion(13, 0)
"""Used before a company file has told us what it supports (QuickBooks 2014 and later speak it)."""

DEFAULT_VERSIONS: tuple[QbxmlVersion, ...] = (QbxmlVersion(13, 0), QbxmlVersion(16, 0))
"""The versions this gateway is built and tested for; the cap when no schema folder is configured."""


def _parse_all(texts: tuple[str, ...]) -> tuple[QbxmlVersion, ...]:
    """The versions of ``texts`` that can be read (remembered with the choice made from them, :func:`_choose`)."""
    versions = []
    for text in texts:
        try:
            versions.append(QbxmlVersion.parse(text))
        except ValueError:
            continue  # a version string we cannot read is one we cannot use
    return tuple(versions)


def choose_version(
    supported: Sequence[str],
    major: int | None,
    minor: int | None,
    ours: Sequence[QbxmlVersion],
) -> QbxmlVersion:
    """The version to speak to a company file.

    ``supported`` is ``HostRet/SupportedQBXMLVersion`` (may be empty); ``major``/``minor`` are what
    the Web Connector sent; ``ours`` are the versions we hold schemas for (``DEFAULT_VERSIONS``
    when empty). The answer is the highest supported version that is at most ``max(ours)``.
    Remembered per process: a company file lists the same versions at every session, and reading and
    comparing a score of them was about a sixth of the first ``sendRequestXML``'s own work.
    """
    return _choose(tuple(supported), major, minor, tuple(ours))


@functools.lru_cache(maxsize=64)
def _choose(supported: tuple[str, ...], major: int | None, minor: int | None,
            ours: tuple[QbxmlVersion, ...]) -> QbxmlVersion:
    cap = max(ours) if ours else max(DEFAULT_VERSIONS)
    listed = _parse_all(supported)
    if listed:
        usable = [version for version in listed if version <= cap]
        # Every QuickBooks that lists only versions above ours also speaks ours.
        return max(usable) if usable else cap
    if major is not None and major > 0:
        return min(QbxmlVersion(major, minor if minor is not None and minor >= 0 else 0), cap)
    return min(DEFAULT_VERSION, cap)
