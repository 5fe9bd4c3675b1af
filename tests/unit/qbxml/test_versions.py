"""qbXML versions: parsing version strings and choosing the version for a company file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.qbxml import (
    DEFAULT_VERSION,
    DEFAULT_VERSIONS,
    QbxmlVersion,
    choose_version,
    parse_hcp_response,
)
from tests.unit.qbxml.support import V13, V16

OURS = (V13, V16)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13.0", QbxmlVersion(13, 0)),
        ("16", QbxmlVersion(16, 0)),
        ("CA3.0", QbxmlVersion(3, 0)),
        ("UK2.0", QbxmlVersion(2, 0)),
        (" 12.0 ", QbxmlVersion(12, 0)),
        ("2.1", QbxmlVersion(2, 1)),
    ],
)
def test_parse_reads_plain_short_and_country_prefixed_versions(text: str, expected: QbxmlVersion) -> None:
    # GIVEN a version string as QuickBooks or the Web Connector write it
    # WHEN it is parsed
    version = QbxmlVersion.parse(text)
    # THEN major and minor are read and the country prefix is ignored
    assert version == expected


@pytest.mark.parametrize("garbage", ["", "abc", "13.0.1", "v13", "-1.0", "13.x", "13.0beta", "USA13.0"])
def test_parse_refuses_garbage(garbage: str) -> None:
    # GIVEN a string that is not a version
    # WHEN it is parsed  THEN ValueError names it
    with pytest.raises(ValueError, match="not a qbXML version"):
        QbxmlVersion.parse(garbage)


def test_versions_print_and_order_numerically() -> None:
    # GIVEN versions whose string order differs from their numeric order
    versions = [QbxmlVersion.parse(text) for text in ("16.0", "9.0", "13.0", "2.1", "10.0")]
    # WHEN they are sorted and printed
    printed = [str(version) for version in sorted(versions)]
    # THEN the order is numeric and the text is "major.minor"
    assert printed == ["2.1", "9.0", "10.0", "13.0", "16.0"]


def test_default_version_is_13() -> None:
    # GIVEN nothing  WHEN the defaults are read  THEN 13.0 is the pre-HCP default, 16.0 the top cap
    assert QbxmlVersion(13, 0) == DEFAULT_VERSION
    assert max(DEFAULT_VERSIONS) == QbxmlVersion(16, 0)


def test_file_supporting_up_to_13_gets_13(fixture_text: Callable[[str], str]) -> None:
    # GIVEN QuickBooks 2014, whose HCP response lists 12.0 and 13.0
    info = parse_hcp_response(fixture_text("hcp_host_only.xml"))
    assert info is not None
    # WHEN the version is chosen with our 13.0 and 16.0 schemas
    chosen = choose_version(info.supported_versions, 13, 0, OURS)
    # THEN it is 13.0
    assert chosen == V13


def test_file_supporting_16_gets_16_when_we_have_16(fixture_text: Callable[[str], str]) -> None:
    # GIVEN QuickBooks 2023, whose HCP response lists 1.0 … 16.0
    info = parse_hcp_response(fixture_text("hcp_response.xml"))
    assert info is not None
    # WHEN the version is chosen
    chosen = choose_version(info.supported_versions, 16, 0, OURS)
    # THEN it is 16.0
    assert chosen == V16


def test_file_supporting_17_is_capped_at_our_16() -> None:
    # GIVEN a future QuickBooks listing 15.0, 16.0 and 17.0
    # WHEN the version is chosen
    chosen = choose_version(["15.0", "16.0", "17.0"], 17, 0, OURS)
    # THEN it is our highest, 16.0
    assert chosen == V16


def test_only_versions_above_ours_fall_back_to_our_highest() -> None:
    # GIVEN a list that only names a version above ours
    # WHEN the version is chosen  THEN it is our highest
    assert choose_version(["17.0"], None, None, OURS) == V16


def test_file_supporting_16_with_only_a_13_schema_gets_13() -> None:
    # GIVEN we hold only the 13.0 schema
    # WHEN a 16.0 file connects  THEN we speak 13.0
    assert choose_version(["13.0", "14.0", "16.0"], 16, 0, [V13]) == V13


def test_without_a_list_the_web_connector_major_minor_is_used_and_capped() -> None:
    # GIVEN no HCP list, only qbXMLMajorVers/qbXMLMinorVers
    # WHEN the version is chosen  THEN the sent version is used, capped at ours
    assert choose_version([], 15, 0, OURS) == QbxmlVersion(15, 0)
    assert choose_version([], 17, 0, OURS) == V16
    assert choose_version([], 12, None, OURS) == QbxmlVersion(12, 0)


def test_unreadable_list_entries_are_ignored() -> None:
    # GIVEN a list with garbage in it
    # WHEN the version is chosen  THEN only the readable entries count
    assert choose_version(["bogus", "", "14.0", "QB"], None, None, OURS) == QbxmlVersion(14, 0)


def test_nothing_known_gives_the_default() -> None:
    # GIVEN neither a list nor a major version
    # WHEN the version is chosen  THEN it is DEFAULT_VERSION
    assert choose_version([], None, None, OURS) == DEFAULT_VERSION
    assert choose_version([], 0, 0, OURS) == DEFAULT_VERSION


def test_without_schemas_the_default_versions_are_the_cap() -> None:
    # GIVEN no schemas of ours (validation off)
    # WHEN a 17.0 file connects  THEN the cap is the highest of DEFAULT_VERSIONS
    assert choose_version(["17.0", "16.0"], None, None, []) == max(DEFAULT_VERSIONS)
