"""qbXML status codes: what QuickBooks' ``statusCode`` on a failed request means for the bookkeeper.

QuickBooks answers every request with a ``statusCode`` and a ``statusMessage`` (PROTOCOL.md §6.6).
Intuit groups the codes in classes: 0-499 information, 500-999 warnings (data came back, perhaps not
all of it), 1000-1999 general errors, 2000-2999 not supported, 3000-3099 format errors, 3100-9099
other errors, 9100-9199 macro errors. The common codes have entries of their own — a name already in
use (3100), a record locked or modified by another user (3170-3180, worth retrying later), an
out-of-date edit sequence (3200, re-read the record and retry), a QuickBooks user without the right
(3260), an application not allowed to see personal data (3261) — and every other code falls back to
its class, so :func:`status_error` always has an answer. ``integration_code`` is the code itself.

Only codes a QuickBooks source documents are listed (PROTOCOL.md §6.6, FIELD-LESSONS #8 for 3391);
9001, which no source confirms, gets no entry.
"""

from __future__ import annotations

import re

from chalicelib.errors import ErrorSpec, GatewayError

_SUPPORT = "contact the application's support team"
_PREFS = "Edit > Preferences > Integrated Applications > Company Preferences"
_PERSONAL_DATA = ('"Allow this application to access personal data such as Social Security Numbers and '
                  'customer credit card information"')


def _request(code: str, description: str, user: str, *, guide: str, retryable: bool = False,
             http_status: int = 422) -> ErrorSpec:
    return ErrorSpec(code, "quickbooks_request_error", http_status, user, retryable=retryable, guide=guide,
                     description=description)


_INTEGRATION = ("This is a problem in the integration, not in your company file; nothing was changed in "
                f"QuickBooks. Please {_SUPPORT} and mention this error.")

BY_STATUS: dict[int, ErrorSpec] = {
    1: _request(
        "no_matching_records", "statusCode 1 (Info): the query matched nothing; not an error.",
        "QuickBooks found no records that match. Nothing is wrong; if you expected records, check that "
        "they exist in QuickBooks and are active.",
        guide="no-matching-records", http_status=404),
    500: _request(
        "records_partly_not_found", "statusCode 500 (Warn): one or more requested objects were not found.",
        "Some of the requested records were not found in QuickBooks; the others were returned. Check "
        "that the missing records still exist in QuickBooks (they may have been deleted or merged).",
        guide="records-not-found"),
    501: _request(
        "record_not_representable", "statusCode 501 (Warn): object cannot be represented in this qbXML "
        "version.",
        "Some records could not be sent to the application because this QuickBooks version describes them "
        "differently. Update QuickBooks (Help > Update QuickBooks Desktop) and sync again.",
        guide="update-quickbooks"),
    510: _request(
        "record_not_returned", "statusCode 510 (Warn): object cannot be returned.",
        "QuickBooks could not return some of the requested records. Sync again; if the same records are "
        f"still missing, {_SUPPORT}.",
        guide="records-not-found"),
    530: _request(
        "field_not_returned", "statusCode 530 (Warn): field not supported by this implementation (also "
        "seen when personal-data access is denied).",
        "QuickBooks left out some information, possibly because the application is not allowed to see "
        "personal data. If the application needs it, a QuickBooks administrator can allow it: go to "
        f"{_PREFS}, select the application, click Properties and tick {_PERSONAL_DATA}.",
        guide="integrated-app-permissions"),
    531: _request(
        "value_not_supported", "statusCode 531 (Warn): enum value not supported.",
        "QuickBooks did not recognise one of the values it was asked about and skipped it. Update "
        f"QuickBooks (Help > Update QuickBooks Desktop); if it happens again, {_SUPPORT}.",
        guide="update-quickbooks"),
    550: _request(
        "notes_not_saved", "statusCode 550 (Warn): object saved but its Notes were not.",
        "The record was saved in QuickBooks, but its notes were not. Add the notes to the record in "
        "QuickBooks by hand if you need them.",
        guide="records-not-found"),
    560: _request(
        "deprecated_field", "statusCode 560 (Warn): a deprecated field was used.",
        "QuickBooks accepted the request but warned that part of it is written in an outdated form. "
        "Nothing needs doing on your side; the application's support team may want to know about it.",
        guide="integration-problem"),
    570: _request(
        "closed_transaction_link", "statusCode 570: cannot link to a closed transaction.",
        "The record could not be linked to a transaction that is already closed in QuickBooks (for "
        "example a fully paid invoice or a closed purchase order). Check the linked transaction in "
        "QuickBooks and choose an open one in the application.",
        guide="quickbooks-refused-request"),
    600: _request(
        "no_recovery_state", "statusCode 600: no cleared state to return (error recovery).",
        "QuickBooks had no record of an earlier attempt to save this change. Check the record in "
        "QuickBooks before trying again.",
        guide="outcome-unknown"),
    1000: _request(
        "quickbooks_internal_request_error", "statusCode 1000: internal QuickBooks error.",
        "QuickBooks ran into an internal problem with this request. Sync again; if it keeps happening, "
        "run File > Utilities > Verify Data in QuickBooks on the computer that hosts the company file "
        f"and {_SUPPORT}.",
        guide="quickbooks-restart", retryable=True, http_status=502),
    1010: _request(
        "quickbooks_system_unavailable", "statusCode 1010: system not available.",
        "QuickBooks was not available to handle the request. Make sure QuickBooks is open with the "
        "company file on the computer that hosts it and not showing any message, then sync again.",
        guide="quickbooks-not-ready", retryable=True, http_status=503),
    1030: _request(
        "request_type_not_supported", "statusCode 1030: request type not supported.",
        "This QuickBooks Desktop version or edition cannot do what the application asked. Update "
        f"QuickBooks (Help > Update QuickBooks Desktop); if that does not help, {_SUPPORT}.",
        guide="update-quickbooks"),
    1060: _request(
        "request_id_invalid", "statusCode 1060: invalid requestID (longer than 50 characters).",
        _INTEGRATION, guide="integration-problem"),
    3000: _request(
        "invalid_object_id", "statusCode 3000: invalid object ID in a field.",
        "The record refers to another record that does not exist in QuickBooks (it may have been "
        "deleted or merged). Check that it still exists in QuickBooks, pick another one in the "
        "application if needed, and sync again.",
        guide="records-not-found"),
    3010: _request(
        "invalid_boolean_value", "statusCode 3010: invalid boolean value.", _INTEGRATION,
        guide="integration-problem"),
    3020: _request(
        "invalid_date_value", "statusCode 3020: invalid date value.",
        "A date on the record is not one QuickBooks accepts. Check the dates on the record in the "
        "application, correct them and sync again.",
        guide="fix-record-values"),
    3070: _request(
        "value_too_long", "statusCode 3070: a string is too long for its field.",
        "A piece of text on the record is longer than QuickBooks allows for that field (for example, "
        "customer names are limited to 41 characters). Shorten it in the application and sync again.",
        guide="fix-record-values"),
    3100: _request(
        "name_already_in_use", "statusCode 3100: the name is already in use; names are unique across "
        "Customers, Vendors, Employees and Other Names.",
        "QuickBooks already has this name. Names must be unique across customers, vendors, employees "
        "and other names together, so a vendor called Acme blocks a customer called Acme. Look the name "
        "up in QuickBooks (Customer Center, Vendor Center, Employee Center and Lists > Other Names "
        "List), then change one of the names slightly in the application (for example add a suffix) "
        "and sync again.",
        guide="name-already-in-use"),
    3120: _request(
        "referenced_record_not_found", "statusCode 3120: an object referenced in the request cannot be "
        "found.",
        "The record refers to something QuickBooks cannot find (it may have been deleted, merged or "
        "renamed in QuickBooks). Check that it exists in QuickBooks, update the record in the application "
        "and sync again.",
        guide="records-not-found"),
    3140: _request(
        "invalid_reference", "statusCode 3140: invalid reference to a QuickBooks object (e.g. an unknown "
        "Customer on a transaction).",
        "The record refers to a customer, item, account or other list entry that QuickBooks does not "
        "have, or that is inactive. Make sure everything used on the record exists and is active in "
        "QuickBooks (or sync it first), then sync again.",
        guide="records-not-found"),
    3150: _request(
        "required_field_missing", "statusCode 3150: a required element is missing.",
        "Some information QuickBooks requires is missing from the record. Fill in the required fields "
        "in the application and sync again.",
        guide="fix-record-values"),
    3170: _request(
        "record_modify_failed", "statusCode 3170: error when modifying an object (e.g. list modified by "
        "another user); transient.",
        "QuickBooks could not change the record because someone was changing it at the same time. Ask "
        "anyone who has it open in QuickBooks to save and close it, then sync again.",
        guide="record-in-use", retryable=True, http_status=409),
    3175: _request(
        "record_locked", "statusCode 3175: the record could not be locked (in use by another user); "
        "transient.",
        "Someone has this record open in QuickBooks, so it could not be changed. Ask them to save and "
        "close it, then sync again.",
        guide="record-in-use", retryable=True, http_status=409),
    3176: _request(
        "list_in_use", "statusCode 3176: the list could not be locked (in use by another user); transient.",
        "A QuickBooks list this change needs is being edited by someone else. Ask other users to close "
        "any list or record they are editing in QuickBooks, then sync again.",
        guide="record-in-use", retryable=True, http_status=409),
    3180: _request(
        "record_save_failed", "statusCode 3180: error when saving (often modified by another user); "
        "transient.",
        "QuickBooks could not save the record, usually because someone changed it at the same moment. "
        "Sync again in a few minutes; if it keeps failing, ask other users to close the record in "
        "QuickBooks.",
        guide="record-in-use", retryable=True, http_status=409),
    3200: _request(
        "stale_edit_sequence", "statusCode 3200: the EditSequence is out of date; re-query the object "
        "for its current EditSequence and re-apply the change.",
        "The record was changed in QuickBooks after the application last read it, so this change was not "
        "applied, to avoid overwriting someone else's work. Sync again so the application reads the "
        "latest version, then check that your changes are still there.",
        guide="record-changed-in-quickbooks", retryable=True, http_status=409),
    3210: _request(
        "business_rule_violation", "statusCode 3210: a field value was rejected by QuickBooks' business "
        "rules.",
        "QuickBooks rejected a value on the record because it breaks a QuickBooks rule (for example a "
        "payment larger than the amount due, or a date before the closing date). Correct the amounts or "
        "dates in the application and sync again.",
        guide="fix-record-values"),
    3250: _request(
        "feature_not_enabled", "statusCode 3250: feature not enabled or not available in this edition.",
        "The record needs a QuickBooks feature that is turned off or not part of this edition (for "
        "example sales orders, class tracking or inventory). A QuickBooks administrator can turn it on "
        "in Edit > Preferences: choose the area (Sales & Customers, Accounting, or Items & Inventory), "
        "open the Company Preferences tab and tick the feature. Then sync again.",
        guide="enable-quickbooks-feature"),
    3260: _request(
        "quickbooks_user_permission_denied", "statusCode 3260: insufficient permission level (QuickBooks "
        "user rights).",
        "The QuickBooks user the application signs in as is not allowed to do this. A QuickBooks "
        "administrator can change it in Company > Set Up Users and Passwords > Set Up Users (or Company > "
        "Users > Set Up Users and Roles in Enterprise): edit that user, allow the area this change needs "
        "and sync again.",
        guide="quickbooks-user-permissions"),
    3261: _request(
        "personal_data_access_denied", "statusCode 3261: the integrated application lacks permission to "
        "access personal data.",
        "The application is not allowed to see personal data in QuickBooks (such as Social Security "
        "numbers or customer credit card information). A QuickBooks administrator can allow it: sign in "
        f"as the Admin user, go to {_PREFS}, select the application, click Properties, tick "
        f"{_PERSONAL_DATA}, click OK twice and sync again.",
        guide="integrated-app-permissions"),
    3391: _request(
        "iterator_expired", "statusCode 3391: the iterator expired (iterators live only within one "
        "QuickBooks session); restart the query.",
        "QuickBooks ended a long download partway through, because the connection was restarted. Sync "
        "again and the download will start over.",
        guide="quickbooks-restart", retryable=True, http_status=409),
}

STATUS_INFO = _request(
    "status_info", "statusCode 2-499 (Info) reported as a failure; information, not an error.",
    "QuickBooks returned a note about the request, not an error. Nothing needs fixing.",
    guide="no-matching-records")
QUICKBOOKS_WARNING = _request(
    "quickbooks_warning", "statusCode 500-999 (Warn) without an entry of its own: data came back, perhaps "
    "not all of it.",
    "QuickBooks completed the request with a warning: some information may be missing from the result. "
    "Check the record in QuickBooks.",
    guide="records-not-found")
GENERAL_ERROR = _request(
    "quickbooks_general_error", "statusCode 1000-2999 (general error or not supported) without an entry "
    "of its own.",
    "QuickBooks could not handle this request. Update QuickBooks (Help > Update QuickBooks Desktop) and "
    f"sync again; if it keeps happening, {_SUPPORT}.",
    guide="update-quickbooks")
FORMAT_ERROR = _request(
    "quickbooks_format_error", "statusCode 3000-3099 (format error) without an entry of its own: a value "
    "is not in the form QuickBooks expects.",
    "A value on the record is not in a form QuickBooks accepts (for example a date, number or range). "
    "Check the record's values in the application, correct them and sync again.",
    guide="fix-record-values")
OTHER_ERROR = _request(
    "quickbooks_status_error", "statusCode 3100-9099 or 9100-9199 (macro), or outside every class, without "
    "an entry of its own.",
    "QuickBooks refused the request. Check the record in QuickBooks and try again.",
    guide="quickbooks-refused-request")

# 3170 is also how QuickBooks refuses to delete what other records use (a customer with invoices, an item on a
# transaction; PROTOCOL.md §6.6 lists 3170 among the transient conflicts): told apart by its text, as
# that refusal is permanent — retrying cannot help, making the record inactive can.
IN_USE_NOT_DELETED = _request(
    "record_in_use_not_deleted", "statusCode 3170 whose text says the record cannot be deleted (other records "
    "use it: a customer with transactions, an item on an invoice); permanent.",
    "QuickBooks cannot delete this record because other records use it (for example a customer with invoices, "
    "or an item on a transaction). Make it inactive instead, or first remove what uses it in QuickBooks.",
    guide="record-used-elsewhere", http_status=409)
_CANNOT_DELETE = re.compile(r"can(?:not|'t| not) be deleted", re.IGNORECASE)

SPECS: tuple[ErrorSpec, ...] = (
    *BY_STATUS.values(), STATUS_INFO, QUICKBOOKS_WARNING, GENERAL_ERROR, FORMAT_ERROR, OTHER_ERROR,
    IN_USE_NOT_DELETED,
)


def spec_for_status(status_code: int) -> ErrorSpec:
    """The entry for ``status_code``: its own, else its class's (``quickbooks_status_error`` from 3100)."""
    spec = BY_STATUS.get(status_code)
    if spec is not None:
        return spec
    if 0 <= status_code < 500:
        return STATUS_INFO
    if 500 <= status_code < 1000:
        return QUICKBOOKS_WARNING
    if 1000 <= status_code < 3000:
        return GENERAL_ERROR
    if 3000 <= status_code < 3100:
        return FORMAT_ERROR
    return OTHER_ERROR


def status_error(status_code: int, status_message: str, request_name: str) -> GatewayError:
    """The error for a request QuickBooks answered with ``status_code``; ``integration_code`` is the code."""
    in_use = status_code == 3170 and _CANNOT_DELETE.search(status_message)
    spec = IN_USE_NOT_DELETED if in_use else spec_for_status(status_code)
    technical = f"{request_name} failed with statusCode {status_code}: {status_message.strip() or '(no message)'}"
    return GatewayError(spec, technical, integration_code=str(status_code))
