"""The HCP response of a session's first sendRequestXML: read what is there, never raise."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.qbxml import QbxmlVersion, choose_version, parse_hcp_response

Read = Callable[[str], str]


def test_full_hcp_response_is_read(fixture_text: Read) -> None:
    # GIVEN a HostQuery + CompanyQuery + PreferencesQuery answer from QuickBooks 2023
    # WHEN it is parsed
    info = parse_hcp_response(fixture_text("hcp_response.xml"))
    # THEN host and company facts are there, text unescaped
    assert info is not None
    assert info.product_name == "QuickBooks Enterprise Solutions: Manufacturing and Wholesale 23.0"
    assert (info.major_version, info.minor_version, info.country) == ("33", "0", "US")
    assert info.supported_versions[0] == "1.0" and info.supported_versions[-1] == "16.0"
    assert len(info.supported_versions) == 19
    assert info.company_name == "Harbor Light Bakery & Café"
    assert info.file_mode == "MultiUser"
    assert info.is_automatic_login is False
    ours = [QbxmlVersion(13, 0), QbxmlVersion(16, 0)]
    assert choose_version(info.supported_versions, None, None, ours) == QbxmlVersion(16, 0)


def test_host_only_response_leaves_company_unknown(fixture_text: Read) -> None:
    # GIVEN an answer with only HostRet
    # WHEN it is parsed
    info = parse_hcp_response(fixture_text("hcp_host_only.xml"))
    # THEN host facts are read and the company name is None
    assert info is not None
    assert info.supported_versions == ("12.0", "13.0")
    assert info.company_name is None
    assert info.is_automatic_login is True and info.file_mode == "SingleUser"


@pytest.mark.parametrize(
    "fixture",
    ["hcp_pos_not_supported.txt", "jobs/malformed.xml", "jobs/doctype_entity.xml", "jobs/customer_add.xml",
     "responses/html_error_page.html"],
)
def test_garbage_gives_none(fixture_text: Read, fixture: str) -> None:
    # GIVEN text that is not an HCP response (QuickBooks POS text, broken XML, a DOCTYPE, other XML)
    # WHEN it is parsed  THEN the answer is None, without raising
    assert parse_hcp_response(fixture_text(fixture)) is None


def test_empty_gives_none() -> None:
    # GIVEN the empty strHCPResponse of every later sendRequestXML
    # WHEN it is parsed  THEN the answer is None
    assert parse_hcp_response("") is None
    assert parse_hcp_response("  \n") is None


def test_a_usual_hcp_answer_is_remembered_and_a_huge_one_is_not(fixture_text: Read) -> None:
    from chalicelib.qbxml import hcp

    usual = fixture_text("hcp_response.xml")
    # a document padded past the cache's size limit with whitespace QuickBooks might send between elements
    huge = usual.replace("<HostRet>", " " * (hcp._CACHED_CHARS + 1) + "<HostRet>", 1)
    hcp._cached.cache_clear()
    # WHEN both are read twice  THEN both give the same answer as the first time …
    assert parse_hcp_response(usual) == parse_hcp_response(usual) is not None
    assert parse_hcp_response(huge) == parse_hcp_response(huge) == parse_hcp_response(usual)
    # … but only the usual one is kept: the cache holds at most 64 documents of the usual size, not of 8 MB
    info = hcp._cached.cache_info()
    assert (info.hits, info.misses, info.currsize) == (2, 1, 1)  # the usual one: read once, then twice from memory
