"""Which request elements a company file can take: by the qbXML version it speaks and by its country edition.

QuickBooks refuses a whole message set, typically with ``0x80040400`` and no detail, when one element
is newer than the qbXML version the company file speaks or belongs to another country's edition (a
``SalesTaxCodeRef`` on an account, which only the Canadian, UK and Australian editions have, sent to a
US file). Intuit's XSD cannot tell: it validates one version at a time and is the union of every
edition. :func:`check_elements` tells instead, when a job is accepted, naming the first such element,
so the integration hears what to change before anything reaches a bookkeeper's machine.

**The data.** Intuit's SDK ships an annotated sample of every qbXML 14.0 message, ``qbxmlops140.xml``,
whose lines carry ``v12.0`` (the version that introduced the element; none means 1.0) and
``not in QBD|QBUK`` (the editions lacking it: QBD is the US edition, QBCA Canada, QBUK the United
Kingdom, QBAU Australia; QBOE, QuickBooks Online, plays no part here). ``tools/gen_qbxml_editions.py``
reads its request section into :mod:`chalicelib.qbxml.editions_data`, a committed module (the runtime
never reads the reference files): every request element path, rooted at the ``*Rq`` element
(``CustomerAddRq/CustomerAdd/ClassRef``), with where it exists. An element inherits its ancestors'
annotations and those of an annotated ``OR`` group around it (``v11.0, BEGIN OR: SerialNumber OR
LotNumber`` — the lines of SerialNumber and LotNumber carry no version of their own). A path that
occurs in several ``OR`` branches would take the LOWEST version and the INTERSECTION of the exclusions,
so that nothing some branch allows is refused (the 14.0 request section happens to have no such path).
The module is imported the first time a check needs it (about 8,200 paths, some 5 ms), never when this
one is.

**The limits.** The data stops at 14.0. An element it does not hold is taken as introduced after
14.0: refused for a file that speaks 14.0 or less, let through for a newer one (nothing is known about
its editions). That is sound because the job was validated against Intuit's XSD before this check
runs: an element unknown here is a real, newer one, not a typo — every path the 13.0 XSD allows in a
request is in the data, with a version of at most 13.0. Attributes are not checked, nor are values
(enumerations that grew over the versions). A country QuickBooks reports other than ``US``, ``CA``,
``UK`` or ``AU``, or none, skips the edition check; a file newer than 14.0 of no known country is
therefore not checked at all, and the data is not loaded for it. A US file is checked like the others:
the US edition lacks some 250 element subtrees the other editions have (tax codes and tax amounts
above all).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import error
from chalicelib.qbxml.versions import QbxmlVersion
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml

DATA_VERSION = QbxmlVersion(14, 0)
"""The newest version the data knows; an element it lacks is taken as introduced after this one."""

BASELINE = QbxmlVersion(1, 0)

# HostRet/Country → the country code the data uses, and how a message names the edition.
EDITIONS: Mapping[str, str] = {"US": "US", "CA": "Canadian", "UK": "UK", "AU": "Australian"}

_ADVICE = "update QuickBooks or leave the element out"


@dataclass(frozen=True)
class Availability:
    """Where one request element exists: the version that introduced it and the countries lacking it."""

    introduced: QbxmlVersion
    excluded: frozenset[str]

    @classmethod
    def decode(cls, text: str) -> Availability:
        """``""`` (1.0, everywhere), ``"12.0"``, ``"10.0|AU"`` or ``"|US,CA,UK,AU"``."""
        version, _, countries = text.partition("|")
        return cls(
            QbxmlVersion.parse(version) if version else BASELINE,
            frozenset(countries.split(",")) if countries else frozenset(),
        )


def parse_outline(outline: str) -> dict[str, Availability]:
    """The paths of an outline as :mod:`chalicelib.qbxml.editions_data` holds it (see its docstring)."""
    decoded: dict[str, Availability] = {}
    found: dict[str, Availability] = {}
    parents: list[tuple[str, Availability]] = []
    for line in outline.splitlines():
        name = line.lstrip(" ")
        if not name:
            continue
        depth = len(line) - len(name)
        if depth > len(parents):
            raise ValueError(f"outline line {line!r} is indented below no parent")
        del parents[depth:]
        name, noted, note = name.partition(" ")
        if noted or not parents:
            if note not in decoded:
                decoded[note] = Availability.decode(note)
            here = decoded[note]
        else:
            here = parents[-1][1]
        path = f"{parents[-1][0]}/{name}" if parents else name
        found[path] = here
        parents.append((path, here))
    return found


_index: dict[str, Availability] | None = None
_index_lock = threading.Lock()


def _paths() -> dict[str, Availability]:
    """Every request element path of qbXML 14.0, read from the generated module on first use."""
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                from chalicelib.qbxml import editions_data

                _index = parse_outline(editions_data.OUTLINE)
    return _index


def availability(path: str) -> Availability | None:
    """Where the request element ``path`` (``CustomerAddRq/CustomerAdd/ClassRef``) exists; None if not in 14.0."""
    return _paths().get(path)


def check_elements(elements: Sequence[str], version: QbxmlVersion, country: str | None) -> None:
    """Refuse the first element the company file cannot take; return None when every element is fine.

    ``elements`` are a job's request elements (``<CustomerAddRq>…</CustomerAddRq>``, as
    :class:`~chalicelib.qbxml.requests.JobRequests` keeps them), ``version`` the qbXML version the
    file speaks, ``country`` what QuickBooks reports in ``HostRet/Country`` (None when not known yet).
    Raises ``qbxml_version_unsupported`` for an element newer than ``version`` and
    ``qbxml_not_in_edition`` for one the file's edition lacks.
    """
    code = (country or "").strip().upper()
    edition = code if code in EDITIONS else None
    if edition is None and version > DATA_VERSION:
        return  # every element the data knows is older than the file, and nothing else is known
    paths = _paths()
    for text in elements:
        try:
            root = parse_xml(text)
        except UnsafeXmlError as exc:
            raise error("invalid_qbxml", f"a request element could not be read: {exc}") from exc
        for path in _walk(root, ""):
            found = paths.get(path)
            if found is None:
                if version <= DATA_VERSION:
                    raise error(
                        "qbxml_version_unsupported",
                        f"{path} is not in qbXML {DATA_VERSION}, so it came with a later version; this company "
                        f"file speaks qbXML {version}: {_ADVICE}",
                    )
                continue
            if found.introduced > version:
                raise error(
                    "qbxml_version_unsupported",
                    f"{path} was introduced in qbXML {found.introduced}; this company file speaks qbXML "
                    f"{version}: {_ADVICE}",
                )
            if edition is not None and edition in found.excluded:
                raise error(
                    "qbxml_not_in_edition",
                    f"{path} is not in the {EDITIONS[edition]} edition of QuickBooks Desktop (the company "
                    f"file's country is {edition}): leave the element out",
                )


def _walk(element: Any, parent: str) -> Iterator[str]:
    """The paths of ``element`` and of its descendants, in document order; comments are skipped."""
    path = f"{parent}/{local_name(element)}" if parent else local_name(element)
    yield path
    for child in element:
        if isinstance(child.tag, str):
            yield from _walk(child, path)
