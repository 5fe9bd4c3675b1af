"""Text rules: typographic normalisation, Latin-1, XML-illegal characters, declarations."""

from __future__ import annotations

import pytest

from chalicelib.qbxml.text import (
    describe_char,
    find_xml_illegal,
    first_outside_latin1,
    normalise,
    strip_declaration,
)


@pytest.mark.parametrize(
    ("typographic", "plain"),
    [
        ("\u2018a\u2019", "'a'"),
        ("\u201cq\u201d", '"q"'),
        ("1\u20132", "1-2"),
        ("a\u2014b", "a-b"),
        ("wait\u2026", "wait..."),
        ("no\u00a0break", "no break"),
        ("thin\u2009space", "thin space"),
        ("zero\u200bwidth", "zerowidth"),
        ("\u0093cp1252\u0094", '"cp1252"'),
        ("caf\u00e9 \u00fcber", "caf\u00e9 \u00fcber"),  # Latin-1 letters stay
    ],
)
def test_normalise_maps_typography_to_latin1(typographic: str, plain: str) -> None:
    # GIVEN pasted typographic text  WHEN normalised  THEN its plain equivalent results
    assert normalise(typographic) == plain


def test_first_outside_latin1_and_its_description() -> None:
    # GIVEN text with Latin-1 accents and then an emoji
    char = first_outside_latin1("\u00e9t\u00e9 \U0001f600 \u20ac")
    # WHEN the offending character is described  THEN it is the emoji, by code point and name
    assert char == "\U0001f600"
    assert describe_char(char) == "U+1F600 (GRINNING FACE)"
    assert first_outside_latin1("pl\u00e2in") is None


def test_find_xml_illegal_finds_raw_and_referenced_characters() -> None:
    # GIVEN a raw control character on line 2, and a character reference to one
    # WHEN searched  THEN character, line and column are reported; legal text gives None
    assert find_xml_illegal("<a>\n  x\x01</a>") == ("\x01", 2, 4)
    assert find_xml_illegal("<a>&#x1F;</a>") == ("\x1f", 1, 4)
    assert find_xml_illegal("<a>tab\tand&#10;newline &#233;</a>") is None


def test_strip_declaration_only_removes_a_leading_declaration() -> None:
    # GIVEN documents with and without a declaration (and a BOM)
    # WHEN stripped  THEN only the declaration goes, lines are kept
    assert strip_declaration('\ufeff<?xml version="1.0" encoding="ISO-8859-1"?>\n<a/>') == "\n<a/>"
    assert strip_declaration('<?qbxml version="13.0"?><a/>') == '<?qbxml version="13.0"?><a/>'
