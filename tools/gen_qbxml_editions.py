"""Generate ``chalicelib/qbxml/editions_data.py``: which qbXML version introduced each request element,
and which country editions of QuickBooks Desktop lack it, read from Intuit's annotated qbXML 14.0 sample.

    python -m tools.gen_qbxml_editions                      # (re)write chalicelib/qbxml/editions_data.py
    python -m tools.gen_qbxml_editions --source PATH --out PATH

The source is Intuit's SDK file ``qbxmlops140.xml`` ("Sample data for dtd: qbxmlops140.dtd"), kept outside
the repository under ``$QBDGW_SHARED_DIR/reference/qbxml/annotated/`` (default ``../shared``). It is not
XML one can parse but a template, one element per line, each line ending in a comment with its annotations::

    <CustomerAddRq requestID = "UUIDTYPE">
      <CustomerAdd>
        <ClassRef>                                          <!-- opt, v12.0 -->
        <Suffix>STRTYPE</Suffix>                    <!-- opt, max length = 10 for QBOE, not in QBD|QBCA|QBUK|QBAU -->
    <AccountTaxLineInfoQueryRq requestID = "UUIDTYPE"/>     <!-- not in QBUK|QBOE, v7.0 -->
    <!-- v11.0, BEGIN OR: You may optionally have SerialNumber OR LotNumber -->

Only the request section counts (the children of ``<QBXMLMsgsRq ...>``). For every element there, keyed by
its path from the ``*Rq`` element (``CustomerAddRq/CustomerAdd/ClassRef``), this tool works out

* the version that introduced it — ``vN.M`` on its line, none meaning every version since 1.0 — and
* the editions that lack it — ``not in X|Y``, with QBD the US edition, QBCA Canada, QBUK the United Kingdom
  and QBAU Australia; QBOE (QuickBooks Online) is left out.

An element inherits what its ancestors carry, and what an annotated ``BEGIN OR`` comment carries for the
elements of that group (``v11.0, BEGIN OR: …``, whose member lines carry no version of their own): a
child of a v12.0 element is a v12.0 element. One path can occur in several ``OR`` branches with different
annotations; the entries then merge into the LOWEST version and the INTERSECTION of the exclusions, so the
data never refuses what some branch allows (the 14.0 request section has no such path, but the format
allows it).

The parser is strict: a line or an annotation it does not recognise stops it with the line number, so a
change in Intuit's format shows up here rather than as silently wrong data. The output is deterministic
(sorted), and ``tests/unit/qbxml/test_editions.py`` fails when the committed module is not what this
tool writes from the reference file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QBDGW_SHARED_DIR", REPO.parent / "shared"))
SOURCE_RELATIVE = "reference/qbxml/annotated/qbxmlops140.xml"
SOURCE_PATH = SHARED / SOURCE_RELATIVE
OUT_PATH = REPO / "chalicelib" / "qbxml" / "editions_data.py"
DATA_VERSION = "14.0"

# The editions of the annotations, by the country QuickBooks reports in HostRet/Country; QBOE is ignored.
EDITIONS = {"QBD": "US", "QBCA": "CA", "QBUK": "UK", "QBAU": "AU"}
IGNORED_EDITIONS = frozenset({"QBOE"})
COUNTRY_ORDER = ("US", "CA", "UK", "AU")

Version = tuple[int, int]


@dataclass(frozen=True)
class Availability:
    """Where one element exists: the version that introduced it (None: 1.0) and the countries lacking it."""

    version: Version | None = None
    excluded: frozenset[str] = frozenset()

    def within(self, outer: Availability) -> Availability:
        """This element as seen inside ``outer`` (its parent, or its ``OR`` group): the later and the wider."""
        if outer.version is None:
            version = self.version
        elif self.version is None:
            version = outer.version
        else:
            version = max(self.version, outer.version)
        return Availability(version, self.excluded | outer.excluded)

    def merged(self, other: Availability) -> Availability:
        """Two occurrences of one path (``OR`` branches): the earlier version, the common exclusions."""
        version = None if self.version is None or other.version is None else min(self.version, other.version)
        return Availability(version, self.excluded & other.excluded)

    def encode(self) -> str:
        """``""`` (baseline), ``"12.0"``, ``"|UK"`` or ``"7.0|CA,UK"``."""
        version = f"{self.version[0]}.{self.version[1]}" if self.version else ""
        if not self.excluded:
            return version
        return version + "|" + ",".join(c for c in COUNTRY_ORDER if c in self.excluded)


# Lines of the request section, one element or one comment each.
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_COMMENT = r"(?:<!--(?P<note>.*?)-->)?"
_SELF_CLOSING = re.compile(rf"^\s*<(?P<name>{_NAME})(?:\s[^<>]*)?/>\s*{_COMMENT}\s*$")
_LEAF = re.compile(rf"^\s*<(?P<name>{_NAME})(?:\s[^<>]*)?>[^<>]*</(?P<close>{_NAME})>\s*{_COMMENT}\s*$")
_OPEN = re.compile(rf"^\s*<(?P<name>{_NAME})(?:\s[^<>]*)?>\s*{_COMMENT}\s*$")
_CLOSE = re.compile(rf"^\s*</(?P<name>{_NAME})>\s*$")
_STANDALONE = re.compile(r"^\s*<!--(?P<note>.*?)-->\s*$")
_BEGIN_OR = re.compile(r"^\s*(?:(?P<before>.*?),\s*)?BEGIN OR\b")
_SECTION_OPEN = re.compile(r"^\s*<QBXMLMsgsRq[\s>]")
_SECTION_CLOSE = re.compile(r"^\s*</QBXMLMsgsRq>\s*$")

# Annotation tokens, comma-separated; the ones that say nothing about versions or editions are skipped.
_VERSION_TOKEN = re.compile(r"v(\d+)\.(\d+)")
_NOT_IN_TOKEN = re.compile(r"not in ([A-Z]+(?:\|[A-Z]+)*)")
_OTHER_TOKENS = re.compile(
    r"opt|may rep|rep \(1 or more\)|may be macro value"
    r"|max length = \d+(?: for [A-Z]+(?:\|[A-Z]+)*)?|(?:min|max) value = -?(?:\d+(?:\.\d*)?|\.\d+)"
)


class AnnotatedFormatError(ValueError):
    """The annotated file holds something this parser does not know; it names the line."""


def parse_note(note: str, line_number: int = 0) -> Availability:
    """The version and the excluded countries one annotation comment (without ``<!--``/``-->``) states."""
    version: Version | None = None
    excluded: set[str] = set()
    for token in (part.strip() for part in note.split(",")):
        if not token:
            continue
        if match := _VERSION_TOKEN.fullmatch(token):
            if version is not None:
                raise AnnotatedFormatError(f"line {line_number}: two versions in {note.strip()!r}")
            version = (int(match.group(1)), int(match.group(2)))
        elif match := _NOT_IN_TOKEN.fullmatch(token):
            for edition in match.group(1).split("|"):
                if edition in EDITIONS:
                    excluded.add(EDITIONS[edition])
                elif edition not in IGNORED_EDITIONS:
                    raise AnnotatedFormatError(f"line {line_number}: unknown edition {edition!r}")
        elif not _OTHER_TOKENS.fullmatch(token):
            raise AnnotatedFormatError(f"line {line_number}: unknown annotation {token!r}")
    return Availability(version, frozenset(excluded))


@dataclass
class _Frame:
    """An open element (``name`` set) or an open ``OR`` group (``name`` None) and what holds inside it."""

    name: str | None
    inside: Availability


def parse_annotated(text: str) -> dict[str, Availability]:
    """Every request element path of an annotated qbXML sample, with its merged :class:`Availability`."""
    found: dict[str, Availability] = {}
    stack: list[_Frame] = []
    in_section = done = False

    def record(name: str, note: str | None, line_number: int) -> Availability:
        outer = stack[-1].inside if stack else Availability()
        here = parse_note(note or "", line_number).within(outer)
        path = "/".join([*(frame.name for frame in stack if frame.name is not None), name])
        found[path] = found[path].merged(here) if path in found else here
        return here

    for line_number, line in enumerate(text.splitlines(), start=1):
        if not in_section:
            in_section = not done and bool(_SECTION_OPEN.match(line))
            continue
        if _SECTION_CLOSE.match(line):
            if stack:
                raise AnnotatedFormatError(f"line {line_number}: </QBXMLMsgsRq> while {_open(stack)} is open")
            in_section, done = False, True
            continue
        if not line.strip():
            continue
        if match := _STANDALONE.match(line):
            _comment(match.group("note"), stack, line_number)
        elif match := _SELF_CLOSING.match(line):
            record(match.group("name"), match.group("note"), line_number)
        elif match := _LEAF.match(line):
            if match.group("close") != match.group("name"):
                raise AnnotatedFormatError(f"line {line_number}: <{match.group('name')}> closed by "
                                           f"</{match.group('close')}>")
            record(match.group("name"), match.group("note"), line_number)
        elif match := _OPEN.match(line):
            inside = record(match.group("name"), match.group("note"), line_number)
            stack.append(_Frame(match.group("name"), inside))
        elif match := _CLOSE.match(line):
            if not stack or stack[-1].name != match.group("name"):
                raise AnnotatedFormatError(f"line {line_number}: </{match.group('name')}> while "
                                           f"{_open(stack)} is open")
            stack.pop()
        else:
            raise AnnotatedFormatError(f"line {line_number}: not a line of the annotated format: {line.strip()!r}")
    if in_section or not done:
        raise AnnotatedFormatError("no complete <QBXMLMsgsRq> ... </QBXMLMsgsRq> section")
    return found


def _open(stack: list[_Frame]) -> str:
    if not stack:
        return "nothing"
    return f"<{stack[-1].name}>" if stack[-1].name is not None else "an OR group"


def _comment(note: str, stack: list[_Frame], line_number: int) -> None:
    """A comment on a line of its own: opens, separates or closes an ``OR`` group, or is prose."""
    text = note.strip()
    if text == "OR":
        if not stack or stack[-1].name is not None:
            raise AnnotatedFormatError(f"line {line_number}: OR outside an OR group")
    elif text == "END OR":
        if not stack or stack[-1].name is not None:
            raise AnnotatedFormatError(f"line {line_number}: END OR outside an OR group")
        stack.pop()
    elif match := _BEGIN_OR.match(text):
        outer = stack[-1].inside if stack else Availability()
        stack.append(_Frame(None, parse_note(match.group("before") or "", line_number).within(outer)))
    elif _VERSION_TOKEN.match(text) or text.startswith("not in "):
        raise AnnotatedFormatError(f"line {line_number}: annotation on a comment of its own: {text!r}")
    # anything else is prose: attribute lists, enumerations ("X may have one of the following values")


def render(found: Mapping[str, Availability], source_name: str, source_blob: str) -> str:
    """The text of the generated module for ``found``: an outline, one element a line (see its docstring)."""
    encoded = {path: availability.encode() for path, availability in found.items()}
    lines: list[str] = []
    for path in sorted(found, key=lambda path: path.split("/")):
        parent, _, name = path.rpartition("/")
        if parent and parent not in found:
            raise ValueError(f"{path} has no entry for its parent")
        if parent and not _is_within(found[path], found[parent]):
            raise ValueError(f"{path} ({encoded[path]!r}) is available where its parent ({encoded[parent]!r}) is not")
        inherited = encoded[parent] if parent else ""
        note = f" {encoded[path]}" if encoded[path] != inherited else ""
        lines.append(" " * path.count("/") + name + note)
    body = "\n".join(lines)
    return f'''"""qbXML {DATA_VERSION} request elements, the version that introduced each and the editions lacking it.

Written by ``python -m tools.gen_qbxml_editions`` from {source_name}
(Intuit's annotated qbXML {DATA_VERSION} sample, git blob {source_blob};
see shared/reference/SOURCES.md). GENERATED — do not edit: change the generator and run it again.
tests/unit/qbxml/test_editions.py fails when this file is not what the generator writes.

:data:`OUTLINE` holds every request element of qbXML {DATA_VERSION}, one a line, indented one space per
level below its ``*Rq`` element, siblings sorted by name. A line may end in where the element exists,
``<version>|<countries>``: the qbXML version that introduced it (empty: 1.0) and the countries whose
edition of QuickBooks Desktop lacks it (``US``, ``CA``, ``UK``, ``AU``), as in ``12.0``, ``10.0|AU`` or
``|US,CA,UK,AU``. A line without one inherits its parent's: an element exists at most where its parent does.
:mod:`chalicelib.qbxml.editions` reads it on first use.
"""

DATA_VERSION = "{DATA_VERSION}"

OUTLINE = """\\
{body}
"""
'''


def _is_within(child: Availability, parent: Availability) -> bool:
    """True when ``child`` exists nowhere ``parent`` does not (what the outline's inheritance needs)."""
    if parent.version is not None and (child.version is None or child.version < parent.version):
        return False
    return child.excluded >= parent.excluded


def git_blob_id(data: bytes) -> str:
    """What ``git hash-object`` says of ``data``: the id SOURCES.md lists the reference files by."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def generate(source: Path) -> str:
    """The module text from the annotated file at ``source``."""
    data = source.read_bytes()
    found = parse_annotated(data.decode("utf-8"))
    return render(found, f"``shared/{SOURCE_RELATIVE}``", git_blob_id(data))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gen_qbxml_editions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE_PATH,
                        help=f"Intuit's annotated sample ($QBDGW_SHARED_DIR/{SOURCE_RELATIVE})")
    parser.add_argument("--out", type=Path, default=OUT_PATH, help="where the module goes "
                        "(chalicelib/qbxml/editions_data.py)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"{args.source} not found: set QBDGW_SHARED_DIR or pass --source", file=sys.stderr)
        return 1
    text = generate(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
