"""The error catalog: every HRESULT and status code has an entry, and every entry helps a bookkeeper.

The HRESULTs are read from PROTOCOL.md §5 itself (never copied here), so a row added to the reference
without a catalog entry fails this file. The codes the rest of the gateway raises are read from its
sources, so a new ``error("…")`` call without an entry fails too.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from chalicelib.catalog import (
    BY_HRESULT,
    BY_STATUS,
    CATALOG,
    RETRY_WITH_COMPANY_FILE,
    hresult_error,
    normalise_hresult,
    spec_for_hresult,
    status_error,
    wrong_company_file_error,
)
from chalicelib.errors import ERROR_TYPES, GatewayError, error
from chalicelib.qbxml import RETRYABLE_STATUS_CODES
from tests.support.paths import REFERENCE_DIR, REPO_DIR

UNKNOWN_CODE = "quickbooks_connection_failed"
HRESULT_RE = re.compile(r"`(0x8004[0-9A-Fa-f]{4})`")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
GUIDE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JARGON = ("hresult", "qbxml", "statuscode", "0x", "soap", "editsequence", "iterator", "{", "}")
PREFS = "Edit > Preferences > Integrated Applications > Company Preferences"


def protocol_hresults() -> tuple[set[str], set[str]]:
    """(HRESULTs PROTOCOL.md §5 gives a meaning, HRESULTs it says have no known meaning)."""
    text = (REFERENCE_DIR / "PROTOCOL.md").read_text(encoding="utf-8")
    section = text[text.index("## 5. HRESULT"):text.index("## 6.")]
    known: set[str] = set()
    unknown: set[str] = set()
    for row in (line for line in section.splitlines() if line.startswith("|")):
        codes = {code.upper().replace("0X", "0x") for code in HRESULT_RE.findall(row)}
        (unknown if "No QuickBooks-specific meaning" in row else known).update(codes)
    return known, unknown


def codes_raised_in_sources() -> dict[str, str]:
    """Every code passed to ``error("…")`` or ``CATALOG["…"]`` in chalicelib/ and app.py → one file using it."""
    pattern = re.compile(r"""\b(?:error\(\s*|CATALOG\[\s*)["']([a-z0-9_]+)["']""")
    sources = [p for p in (REPO_DIR / "chalicelib").rglob("*.py") if "catalog" not in p.parts]
    used: dict[str, str] = {}
    for path in [*sources, REPO_DIR / "app.py"]:
        for code in pattern.findall(path.read_text(encoding="utf-8")):
            used.setdefault(code, str(path.relative_to(REPO_DIR)))
    return used


# HRESULTs ------------------------------------------------------------------------------------------
def test_every_protocol_hresult_has_its_own_entry() -> None:
    # GIVEN the HRESULT table of PROTOCOL.md §5
    known, unknown = protocol_hresults()
    assert len(known) >= 25 and len(unknown) == 3, (known, unknown)
    for code in sorted(known):
        # WHEN QuickBooks reports the code
        err = hresult_error(code, "QuickBooks' own text")
        # THEN it maps to a specific entry, not the fallback, and the native code is kept
        assert err.code != UNKNOWN_CODE, code
        assert BY_HRESULT[code] is err.spec
        assert err.integration_code == code
        assert code in err.message and "QuickBooks' own text" in err.message
    # AND no two HRESULTs share an entry
    assert len({BY_HRESULT[code].code for code in known}) == len(known)


def test_hresults_without_known_meaning_get_the_fallback_showing_the_code() -> None:
    # GIVEN the codes PROTOCOL.md lists as having no QuickBooks meaning, and one nobody has seen
    _, unknown = protocol_hresults()
    for code in [*sorted(unknown), "0x8004ABCD"]:
        # WHEN one is reported
        err = hresult_error(code.lower(), "Unexpected")
        # THEN the generic entry answers, and the bookkeeper sees the code to quote to support
        assert err.code == UNKNOWN_CODE
        assert err.integration_code == code.upper().replace("0X", "0x")
        assert err.integration_code in err.user_facing_message
        assert err.user_facing_message.endswith(".")


@pytest.mark.parametrize(
    "written", ["0x8004040A", "0x8004040a", "0X8004040A", " 0x8004040A ", "8004040A", "-2147220470", "2147746826"]
)
def test_hresult_spellings_are_normalised(written: str) -> None:
    # GIVEN 0x8004040A written as hex in any case, without 0x, or as a signed/unsigned decimal
    # WHEN it is normalised and looked up
    err = hresult_error(written, "A company data file is already open and it is different from the one requested.")
    # THEN it is the wrong-file entry, reported as the canonical hex code
    assert normalise_hresult(written) == "0x8004040A"
    assert (err.code, err.integration_code) == ("wrong_company_file_open", "0x8004040A")


def test_text_that_is_not_a_code_is_kept_but_not_shown_to_the_bookkeeper() -> None:
    # GIVEN an hresult field that holds no number
    # WHEN it is reported
    err = hresult_error("not-a-code", "")
    # THEN the fallback answers, the raw text is the integration code, and no code is appended
    assert normalise_hresult("not-a-code") is None
    assert (err.code, err.integration_code) == (UNKNOWN_CODE, "not-a-code")
    assert "not-a-code" not in err.user_facing_message
    assert hresult_error("", "").integration_code is None


def test_parse_failure_in_a_response_is_a_request_error_and_the_rest_are_connection_errors() -> None:
    # GIVEN every HRESULT entry  WHEN its type is read
    types = {code: spec.type for code, spec in BY_HRESULT.items()}
    # THEN only 0x80040400 (QuickBooks could not parse the request) blames the request
    assert types.pop("0x80040400") == "quickbooks_request_error"
    assert set(types.values()) == {"connection_error"}


@pytest.mark.parametrize(
    ("hresult", "text", "expected"),
    [
        ("0x80040408", "There are multiple company files open.", "multiple_company_files_open"),
        ("0x8004040A", "More than one company file is open in QuickBooks", "multiple_company_files_open"),
        ("0x80040410", "The user is already logged in on another computer.", "quickbooks_user_signed_in_elsewhere"),
        ("0x80049999", "The company file is in use by another user", "quickbooks_user_signed_in_elsewhere"),
        ("0x80040410", "The file is open in a different mode", "company_file_mode_conflict"),
        ("0x80040400", "more than one company file", "qbxml_request_invalid"),
    ],
)
def test_quickbooks_text_identifies_conditions_an_hresult_cannot(hresult: str, text: str, expected: str) -> None:
    # GIVEN an HRESULT with QuickBooks' message  WHEN it is looked up
    err = hresult_error(hresult, text)
    # THEN the text decides when it is more precise (never for a request that failed to parse),
    # and the native code is still the HRESULT
    assert err.code == expected
    assert err.integration_code == normalise_hresult(hresult)
    assert spec_for_hresult(hresult, text).code == expected


def test_retry_with_company_file_covers_the_transient_connection_failures() -> None:
    # GIVEN the set of HRESULTs worth one retry with the bound company file
    # WHEN it is read  THEN it is the transient conditions, spelled as normalised, catalogued codes
    assert {BY_HRESULT[code].code for code in RETRY_WITH_COMPANY_FILE} == {
        "quickbooks_not_running", "no_company_file_open", "quickbooks_starting", "company_file_locked",
        "quickbooks_could_not_start",
    }
    assert all(normalise_hresult(code) == code for code in RETRY_WITH_COMPANY_FILE)


# Status codes --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (1, "no_matching_records"), (500, "records_partly_not_found"), (530, "field_not_returned"),
        (1000, "quickbooks_internal_request_error"), (1010, "quickbooks_system_unavailable"),
        (1030, "request_type_not_supported"), (1060, "request_id_invalid"), (3000, "invalid_object_id"),
        (3010, "invalid_boolean_value"), (3020, "invalid_date_value"), (3070, "value_too_long"),
        (3100, "name_already_in_use"), (3120, "referenced_record_not_found"), (3140, "invalid_reference"),
        (3150, "required_field_missing"), (3170, "record_modify_failed"), (3175, "record_locked"),
        (3176, "list_in_use"), (3180, "record_save_failed"), (3200, "stale_edit_sequence"),
        (3210, "business_rule_violation"), (3250, "feature_not_enabled"),
        (3260, "quickbooks_user_permission_denied"), (3261, "personal_data_access_denied"),
        (3391, "iterator_expired"),
        # class fallbacks
        (0, "status_info"), (2, "status_info"), (499, "status_info"), (502, "quickbooks_warning"),
        (999, "quickbooks_warning"), (1001, "quickbooks_general_error"), (2999, "quickbooks_general_error"),
        (3031, "quickbooks_format_error"), (3099, "quickbooks_format_error"), (3101, "quickbooks_status_error"),
        (9001, "quickbooks_status_error"), (9100, "quickbooks_status_error"), (-5, "quickbooks_status_error"),
    ],
)
def test_status_codes_map_to_their_entry_or_their_class(status: int, expected: str) -> None:
    # GIVEN a statusCode QuickBooks answered with
    # WHEN the error is built
    err = status_error(status, "QuickBooks says why", "CustomerAddRq")
    # THEN it is the code's own entry or its class's, carrying the code and QuickBooks' text
    assert err.code == expected
    assert err.integration_code == str(status)
    assert "CustomerAddRq" in err.message and "QuickBooks says why" in err.message
    assert str(status) in err.message


@pytest.mark.parametrize("text", [
    'There was an error when deleting Customer list element "Acme".  QuickBooks error message: This list '
    "element is in use and cannot be deleted.",
    "QuickBooks error message: This customer can't be deleted because it is used in transactions.",
])
def test_a_record_quickbooks_cannot_delete_because_it_is_used_is_not_a_retryable_conflict(text: str) -> None:
    # GIVEN QuickBooks' 3170 refusing a deletion of a record others use (a customer with invoices)
    # WHEN the error is built / THEN it says so, permanently: retrying cannot help, making it inactive can
    err = status_error(3170, text, "ListDelRs")
    assert err.code == "record_in_use_not_deleted" and not err.spec.retryable
    assert err.integration_code == "3170" and "inactive" in err.user_facing_message
    # AND a 3170 of another user's change stays the transient conflict
    assert status_error(3170, "This list has been modified by another user.", "CustomerModRs").code == (
        "record_modify_failed")


def test_only_transient_and_stale_status_codes_are_retryable() -> None:
    # GIVEN the status entries  WHEN their retry flags are read
    retryable = {code for code, spec in BY_STATUS.items() if spec.retryable}
    # THEN the lock/save conflicts qbxml.status calls transient are retryable, and so is a stale edit
    # sequence (re-read, then retry); a name in use or a missing reference is not
    assert set(RETRYABLE_STATUS_CODES) <= retryable
    assert 3200 in retryable
    assert not retryable & {3100, 3140, 3210, 3260, 3261}


# Every entry ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_entry_speaks_to_a_bookkeeper_and_names_a_guide(code: str) -> None:
    # GIVEN one catalog entry
    spec = CATALOG[code]
    # WHEN its fields are read
    text = spec.user_facing_message
    # THEN the code is stable snake_case and keyed under itself, the type is one of the five,
    # the user-facing text is a full sentence without jargon or placeholders, and a guide is named
    assert spec.code == code and SNAKE_CASE.match(code), code
    assert spec.type in ERROR_TYPES
    assert len(ERROR_TYPES) == 5
    assert 200 <= spec.http_status < 600
    assert len(text) > 40 and text.endswith("."), text
    assert not [word for word in JARGON if word in text.lower()], text
    assert GUIDE_ID.match(spec.guide), spec.guide
    assert spec.description


def test_every_code_the_gateway_raises_is_in_the_catalog() -> None:
    # GIVEN every code passed to error("…") or CATALOG["…"] in chalicelib/ and app.py
    used = codes_raised_in_sources()
    assert len(used) >= 15 and {"invalid_qbxml", "job_not_found", "end_user_not_found"} <= set(used)
    # WHEN each is looked up  THEN it exists
    missing = {code: path for code, path in used.items() if code not in CATALOG}
    assert not missing, missing


@pytest.mark.parametrize(
    ("code", "type_", "http_status"),
    [
        ("invalid_json", "invalid_request_error", 400), ("invalid_request", "invalid_request_error", 400),
        ("invalid_qbxml", "invalid_request_error", 400), ("unsupported_characters", "invalid_request_error", 400),
        ("missing_api_key", "authentication_error", 401), ("invalid_api_key", "authentication_error", 401),
        ("end_user_not_found", "invalid_request_error", 404), ("job_not_found", "invalid_request_error", 404),
        ("route_not_found", "invalid_request_error", 404), ("idempotency_key_reused", "invalid_request_error", 409),
        ("payload_too_large", "invalid_request_error", 413), ("qwc_unavailable", "internal_error", 500),
        ("internal_error", "internal_error", 500), ("quickbooks_status_error", "quickbooks_request_error", 422),
        ("quickbooks_hresult_error", "quickbooks_request_error", 422),
        ("quickbooks_response_unreadable", "quickbooks_request_error", 502),
        ("qbxml_version_unsupported", "quickbooks_request_error", 422),
        ("connection_error", "connection_error", 503), ("result_too_large", "quickbooks_request_error", 422),
        ("lease_expired_outcome_unknown", "quickbooks_request_error", 409),
    ],
)
def test_existing_codes_keep_their_type_and_http_status(code: str, type_: str, http_status: int) -> None:
    # GIVEN a code the gateway reported before the catalog moved  WHEN it is built through error()
    err = error(code, "technical")
    # THEN its type and HTTP status are unchanged
    assert (err.spec.type, err.http_status) == (type_, http_status)


# The seed's cases ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "phrases"),
    [
        ("web_connector_not_polling", ["turned off", "Web Connector is closed", "personal workstation or laptop",
                                       "always-on computer that hosts the company file", "Auto-Run"]),
        ("wrong_company_file", ["different company file", "File > Open or Restore Company"]),
        ("wrong_company_file_open", ["File > Close Company", "File > Open or Restore Company"]),
        ("multiple_company_files_open", ["More than one company file", "File > Close Company"]),
        ("quickbooks_dialog_open", ["message or window is open", "close every open message"]),
        ("quickbooks_user_signed_in_elsewhere", ["already signed in", "dedicated QuickBooks user", "Login as"]),
        ("company_file_mode_conflict", ["same QuickBooks user", "dedicated QuickBooks user"]),
        ("integrated_app_permission_denied", ["QuickBooks update", "moved", PREFS, "Allow Access"]),
        ("quickbooks_installation_incomplete", ["another QuickBooks Desktop version", "Repair"]),
        ("quickbooks_not_registered", ["another QuickBooks Desktop version", "Help > Register QuickBooks"]),
        ("quickbooks_version_mismatch", ["another, older QuickBooks Desktop version",
                                         "Help > Update QuickBooks Desktop"]),
        ("quickbooks_starting", ["still starting", "Update Selected"]),
        ("end_user_never_connected", [".qwc", "Yes, always; allow access even if QuickBooks is not running",
                                      "Password column", "Update Selected"]),
        ("bad_web_connector_password", ["Password column", "Update Selected", "set up the connection again"]),
        ("web_connector_too_old", ["latest QuickBooks Web Connector", "Update Selected"]),
        ("job_deadline_passed", ["in time", "nothing was changed", "computer that hosts the company file is on"]),
        ("name_already_in_use", ["customers, vendors, employees and other names"]),
        ("stale_edit_sequence", ["changed in QuickBooks after the application last read it", "Sync again"]),
        ("quickbooks_user_permission_denied", ["Set Up Users"]),
        ("personal_data_access_denied", [PREFS, "personal data"]),
        # refused at the gateway's edge (a REST parameter, a body, an envelope): QuickBooks never saw it
        ("invalid_request", ["could not accept", "nothing was sent to QuickBooks", "problem in the integration"]),
        ("invalid_json", ["could not be read", "nothing was sent to QuickBooks", "problem in the integration"]),
        ("invalid_qbxml", ["not in a form QuickBooks accepts", "nothing was sent to QuickBooks", "error code"]),
        ("payload_too_large", ["too large for one request", "nothing was sent to QuickBooks", "smaller batches"]),
    ],
)
def test_seed_cases_lead_the_bookkeeper_to_the_fix(code: str, phrases: list[str]) -> None:
    # GIVEN a case from the seed  WHEN its user-facing message is read
    text = CATALOG[code].user_facing_message
    # THEN it carries the guidance that fixes it
    missing = [phrase for phrase in phrases if phrase not in text]
    assert not missing, (code, missing)


def test_wrong_company_file_names_both_files() -> None:
    # GIVEN the file the connection is bound to and the one the Web Connector opened
    expected, actual = r"C:\Books\Acme.QBW", r"C:\Books\Sample.QBW"
    # WHEN the error is built
    err = wrong_company_file_error(expected, actual)
    # THEN the technical message names both and the bookkeeper is told which file to open
    assert err.code == "wrong_company_file"
    assert expected in err.message and actual in err.message
    assert expected in err.user_facing_message and err.user_facing_message.endswith(".")
    assert err.user_facing_message.startswith(CATALOG["wrong_company_file"].user_facing_message)


# Mechanics -----------------------------------------------------------------------------------------
def test_error_object_carries_the_guide() -> None:
    # GIVEN a catalogued error  WHEN it is rendered for REST and SQS
    body = hresult_error("0x80040414", "A modal dialog box is showing").to_dict("req-1")
    # THEN the guide id travels with the code, the native code and the retry hint
    assert (body["code"], body["guide"], body["integration_code"], body["retryable"], body["request_id"]) == (
        "quickbooks_dialog_open", "qbwc-dialog-open", "0x80040414", True, "req-1")


def test_soap_fault_errors_still_come_from_the_catalog() -> None:
    # GIVEN the codec's SOAP fault error, a GatewayError subclass  WHEN one is raised for bad input
    from chalicelib.qbwc.codec import SoapFaultError

    fault = SoapFaultError("bad envelope")
    # THEN it carries the catalog's invalid_request entry (and internal_error for server faults)
    assert isinstance(fault, GatewayError) and fault.code == "invalid_request"
    assert SoapFaultError("boom", "soap:Server").code == "internal_error"


@pytest.mark.parametrize("first", ["chalicelib.catalog", "chalicelib.errors"])
def test_catalog_and_errors_import_in_either_order(first: str) -> None:
    # GIVEN a fresh interpreter  WHEN it imports one module first, then reads errors.CATALOG
    code = (f"import {first}; import chalicelib.errors as e, chalicelib.catalog as c, sys;"
            "assert e.CATALOG is c.CATALOG; assert e.error('connection_error', 'x').code == 'connection_error';"
            "print(sorted(m for m in ('boto3', 'botocore', 'chalice') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_DIR, capture_output=True, text=True, check=False)
    # THEN both succeed without an import cycle and nothing from AWS or Chalice was loaded
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_catalog_sources_import_no_aws_or_chalice() -> None:
    # GIVEN every module of the catalog package  WHEN its imports are read
    names: set[str] = set()
    for path in (REPO_DIR / "chalicelib" / "catalog").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
    # THEN it is pure data and lookups
    assert names and not names & {"boto3", "botocore", "chalice"}
