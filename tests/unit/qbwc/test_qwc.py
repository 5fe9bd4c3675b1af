"""The .qwc builder: every required element, braced GUIDs, no password, and QBWC's URL rules enforced."""

from __future__ import annotations

import dataclasses
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from chalicelib.qbwc.qwc import QwcSpec, build_qwc, qwc_filename
from chalicelib.safexml import parse_xml
from tests.unit.qbwc._files import QWC_SAMPLES, files

OWNER_ID = uuid.UUID("57f3b9b1-86f1-4fcc-b1ee-566de1813d20")
FILE_ID = uuid.UUID("90a44fb5-33d9-4815-ac85-bc87a7e7d1eb")
REQUIRED = (
    "AppName", "AppID", "AppURL", "AppDescription", "AppSupport", "UserName", "OwnerID", "FileID", "QBType",
)
BRACED_GUID = re.compile(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}")


def _spec(**changes: Any) -> QwcSpec:
    base = QwcSpec(
        app_name="qbd-gateway (Acme Builders)",
        app_id="qbd-gateway",
        app_url="https://qbd.example.com/qbwc",
        app_support_url="https://qbd.example.com/support",
        app_description="Syncs Acme Builders with the SaaS",
        user_name="qbwc-acme-7f3a",
        owner_id=OWNER_ID,
        file_id=FILE_ID,
        run_every_minutes=15,
    )
    return dataclasses.replace(base, **changes)


def _children(qwc: str) -> dict[str, Any]:
    root = parse_xml(qwc)
    assert root.tag == "QBWCXML"
    tags = [child.tag for child in root]
    assert len(tags) == len(set(tags)), f"duplicate elements: {tags}"
    return {child.tag: child for child in root}


def test_qwc_has_every_required_element_and_braced_upper_case_guids() -> None:
    # GIVEN a valid spec  WHEN the .qwc is built
    qwc = build_qwc(_spec())
    elements = _children(qwc)
    # THEN it starts with QBWC's declaration, has each required element once, and GUIDs are {UPPER}
    assert qwc.startswith('<?xml version="1.0"?>\n<QBWCXML>')
    assert set(REQUIRED) <= set(elements)
    assert elements["OwnerID"].text == "{57F3B9B1-86F1-4FCC-B1EE-566DE1813D20}"
    assert BRACED_GUID.fullmatch(elements["FileID"].text)
    assert elements["AppURL"].text == "https://qbd.example.com/qbwc"
    assert elements["QBType"].text == "QBFS"
    assert elements["Scheduler"].find("RunEveryNMinutes").text == "15"
    assert elements["IsReadOnly"].text == "false"
    assert elements["AuthFlags"].text == "0xF"


def test_qwc_never_contains_a_password_element() -> None:
    # GIVEN a built .qwc  WHEN every element name is inspected  THEN none is a password
    names = [element.tag for element in parse_xml(build_qwc(_spec())).iter()]
    assert not [name for name in names if "password" in name.lower()]
    assert not [f.name for f in dataclasses.fields(QwcSpec) if "password" in f.name]


def test_user_text_is_escaped() -> None:
    # GIVEN names with markup characters  WHEN built and parsed  THEN the text is exact
    spec = _spec(app_name="Smith & Sons <Test>", app_description='"Quoted" & \'single\'')
    elements = _children(build_qwc(spec))
    assert elements["AppName"].text == "Smith & Sons <Test>"
    assert elements["AppDescription"].text == '"Quoted" & \'single\''


def test_empty_app_id_is_still_written() -> None:
    # GIVEN an empty AppID (allowed)  WHEN built  THEN the element is present and empty (QBWC1039 otherwise)
    assert (_children(build_qwc(_spec(app_id="")))["AppID"].text or "") == ""


def test_optional_elements_follow_the_spec() -> None:
    # GIVEN a read-only seconds-scheduled app with display and unique names
    spec = _spec(run_every_minutes=None, run_every_seconds=30, is_read_only=True,
                 app_display_name="Acme sync", app_unique_name="qbd-gateway-acme")
    elements = _children(build_qwc(spec))
    # THEN they are written as QBWC spells them
    assert [c.tag for c in elements["Scheduler"]] == ["RunEveryNSeconds"]
    assert elements["Scheduler"][0].text == "30"
    assert elements["IsReadOnly"].text == "true"
    assert elements["AppDisplayName"].text == "Acme sync"
    assert elements["AppUniqueName"].text == "qbd-gateway-acme"
    assert elements["PersonalDataPref"].text == "pdpOptional"
    assert elements["UnattendedModePref"].text == "umpOptional"


def test_no_scheduler_when_no_interval_and_no_auth_flags_for_point_of_sale() -> None:
    # GIVEN a Point of Sale app with no interval  WHEN built  THEN neither Scheduler nor AuthFlags is written
    elements = _children(build_qwc(_spec(run_every_minutes=None, qb_type="QBPOS")))
    assert "Scheduler" not in elements
    assert "AuthFlags" not in elements


@pytest.mark.parametrize("path", files(QWC_SAMPLES, "*.qwc"), ids=lambda p: p.name)
def test_our_element_set_covers_each_reference_qwc(path: Path) -> None:
    # GIVEN a .qwc from Intuit or another QBWC server  WHEN its element names are compared with ours
    theirs = {element.tag for element in parse_xml(path.read_bytes()).iter()}
    ours = {element.tag for element in parse_xml(build_qwc(_spec())).iter()}
    # THEN they have the required elements, and we write every element they use
    assert set(REQUIRED) <= theirs
    assert theirs <= ours, theirs - ours


@pytest.mark.parametrize(
    "url", ["http://localhost:8000/qbwc", "http://127.0.0.1:8000/qbwc", "http://LOCALHOST/qbwc"]
)
def test_plain_http_is_allowed_for_local_development(url: str) -> None:
    # GIVEN a local http AppURL and a support page on the same host  WHEN built  THEN it is accepted
    support = url.replace("/qbwc", "/support")
    assert _children(build_qwc(_spec(app_url=url, app_support_url=support)))["AppURL"].text == url


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"app_url": "http://qbd.example.com/qbwc"}, "QBWC1010"),
        ({"app_url": "https://203.0.113.7/qbwc", "app_support_url": "https://203.0.113.7/s"}, "QBWC1001"),
        ({"app_support_url": "https://support.example.com/help"}, "QBWC1000"),
        ({"app_url": "ftp://qbd.example.com/qbwc"}, "absolute http(s) URL"),
        ({"app_support_url": "/support"}, "absolute http(s) URL"),
        ({"run_every_seconds": 60}, "not both"),
        ({"run_every_minutes": 0}, "1 to 1440"),
        ({"run_every_minutes": 1441}, "1 to 1440"),
        ({"run_every_minutes": None, "run_every_seconds": 86401}, "1 to 86400"),
        ({"run_every_minutes": True}, "1 to 1440"),
        ({"qb_type": "QBOL"}, "qb_type"),
        ({"personal_data_pref": "pdpMaybe"}, "personal_data_pref"),
        ({"unattended_mode_pref": "umpNever"}, "unattended_mode_pref"),
        ({"auth_flags": "15"}, "auth_flags"),
        ({"user_name": " "}, "user_name must not be empty"),
        ({"app_name": ""}, "app_name must not be empty"),
        ({"owner_id": "57f3b9b1-86f1-4fcc-b1ee-566de1813d20"}, "owner_id must be a uuid.UUID"),
    ],
)
def test_specs_the_web_connector_would_refuse_are_rejected(changes: dict[str, Any], message: str) -> None:
    # GIVEN a spec QBWC would refuse  WHEN it is built  THEN ValueError says why
    with pytest.raises(ValueError, match=re.escape(message)):
        _spec(**changes)


@pytest.mark.parametrize(("minutes", "seconds"), [(1, None), (1440, None), (None, 1), (None, 86400)])
def test_scheduler_bounds_are_inclusive(minutes: int | None, seconds: int | None) -> None:
    # GIVEN an interval at a bound  WHEN built  THEN it is accepted and written as given
    scheduler = _children(build_qwc(_spec(run_every_minutes=minutes, run_every_seconds=seconds)))["Scheduler"]
    assert scheduler[0].text == str(minutes or seconds)


@pytest.mark.parametrize(
    ("company", "expected"),
    [
        ("Acme Builders", "qbd-gateway-Acme-Builders.qwc"),
        ("Café Zoë & Co.", "qbd-gateway-Cafe-Zoe-Co.qwc"),
        ("../../etc/passwd", "qbd-gateway-etc-passwd.qwc"),
        ("", "qbd-gateway-company.qwc"),
        ("日本語", "qbd-gateway-company.qwc"),
    ],
)
def test_qwc_filename_is_safe_ascii(company: str, expected: str) -> None:
    # GIVEN a company name with accents, punctuation, path parts or no Latin letters
    # WHEN a download name is made  THEN it is plain ASCII with a fallback
    assert qwc_filename(company) == expected


def test_qwc_filename_is_bounded() -> None:
    # GIVEN a very long company name  WHEN a download name is made  THEN it stays short and safe
    name = qwc_filename("A" * 500)
    assert name.isascii()
    assert len(name) <= 80
    assert re.fullmatch(r"qbd-gateway-[A-Za-z0-9-]+\.qwc", name)
