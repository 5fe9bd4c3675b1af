"""Text rules for qbXML: what QuickBooks can store, and how we get text into that shape.

QuickBooks Desktop stores text as ISO-8859-1 (Latin-1); anything else becomes ``?`` or makes the
request fail (field lesson #9). Most of what users paste from word processors is typographic
punctuation with a plain equivalent, so it is normalised quietly: curly quotes become straight
quotes, dashes a hyphen, an ellipsis three dots, exotic spaces a space, zero-width characters
nothing. Windows-1252 punctuation that arrived mis-decoded as C1 controls (``\\x91``-``\\x97``) is
treated the same way. Any other character outside Latin-1 is refused, naming the code point, so
the bookkeeper can fix the record (:func:`normalise_tree` does both for a parsed request and
names the element path). Characters XML itself forbids are refused before parsing.

This module also strips a leading XML declaration from text that is already decoded: a ``str``
that claims ``encoding="ISO-8859-1"`` must not be re-read as UTF-8 bytes under that claim.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from lxml import etree

from chalicelib.errors import error
from chalicelib.safexml import local_name

_TYPOGRAPHIC: dict[int, str] = {
    # single quotes, primes, apostrophes
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u0091\u0092"), "'"),
    # double quotes, double primes
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u2036\u0093\u0094"), '"'),
    # hyphens, dashes, minus sign
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u0096\u0097"), "-"),
    # ellipsis
    ord("\u2026"): "...",
    ord("\u0085"): "...",
    # spaces: no-break, en/em and friends, narrow no-break, medium mathematical, ideographic
    **dict.fromkeys([0x00A0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000], " "),
    # zero-width characters and byte-order marks carry no text
    **dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF], ""),
    # bullet
    ord("\u2022"): "*",
}

_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CHAR_REF_RE = re.compile(r"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
_DECLARATION_RE = re.compile(r"\A\ufeff?\s*<\?xml\s[^>]*\?>")


def strip_declaration(text: str) -> str:
    """``text`` without a leading BOM and ``<?xml …?>`` declaration (decoded text needs neither)."""
    return _DECLARATION_RE.sub("", text, count=1).lstrip("\ufeff")


def serialise(root: Any, original: str) -> str:
    """An answer document ``root`` parsed from ``original`` and changed (records taken out), as text again,
    with whatever ``original`` had before ``<QBXML`` (its declaration and processing instruction)."""
    head = original[: original.find("<QBXML")] if "<QBXML" in original else ""
    return head + str(etree.tostring(root, encoding="unicode"))


def normalise(text: str) -> str:
    """``text`` with typographic characters replaced by their Latin-1 equivalents."""
    return text.translate(_TYPOGRAPHIC)


def first_outside_latin1(text: str) -> str | None:
    """The first character of ``text`` that ISO-8859-1 cannot hold, or None."""
    for char in text:
        if ord(char) > 0xFF:
            return char
    return None


def describe_char(char: str) -> str:
    """``U+1F600 (GRINNING FACE)``: how error messages name a character."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


def _is_xml_illegal(code_point: int) -> bool:
    if code_point > 0x10FFFF:
        return True
    return bool(_XML_ILLEGAL_RE.match(chr(code_point)))


def find_xml_illegal(text: str) -> tuple[str, int, int] | None:
    """The first character XML 1.0 forbids, raw or as ``&#…;``, with its line and column (1-based)."""
    candidates: list[tuple[int, str]] = []
    raw = _XML_ILLEGAL_RE.search(text)
    if raw:
        candidates.append((raw.start(), raw.group()))
    for ref in _CHAR_REF_RE.finditer(text):
        code_point = int(ref.group(1), 16) if ref.group(1) else int(ref.group(2))
        if _is_xml_illegal(code_point):
            candidates.append((ref.start(), chr(min(code_point, 0x10FFFF))))
            break
    if not candidates:
        return None
    offset, char = min(candidates)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return char, line, column


def normalise_tree(node: Any, path: str, prefix: str = "") -> None:
    """Normalise every text and attribute under ``node`` in place; ``unsupported_characters`` for
    what Latin-1 cannot hold, naming the element path (``prefix`` + ``path``) where it occurs."""
    for key, value in node.attrib.items():
        node.set(key, _latin1(value, f"{prefix}{path}/@{key}"))
    if node.text:
        node.text = _latin1(node.text, prefix + path)
    totals = Counter(local_name(child) for child in node)
    seen: Counter[str] = Counter()
    for child in node:
        name = local_name(child)
        seen[name] += 1
        step = f"{name}[{seen[name]}]" if totals[name] > 1 else name
        normalise_tree(child, f"{path}/{step}", prefix)
        if child.tail:
            child.tail = _latin1(child.tail, prefix + path)


def _latin1(value: str, where: str) -> str:
    value = normalise(value)
    bad = first_outside_latin1(value)
    if bad is not None:
        raise error(
            "unsupported_characters",
            f"{describe_char(bad)} in {where} is outside ISO-8859-1 (Latin-1), "
            "which QuickBooks Desktop cannot store",
        )
    return value
