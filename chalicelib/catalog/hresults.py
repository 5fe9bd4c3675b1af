"""HRESULTs: why the Web Connector could not talk to QuickBooks, and what the bookkeeper does about it.

When QuickBooks' request processor (QBXMLRP2) cannot open a session, the Web Connector calls
``connectionError(ticket, hresult, message)``; when it throws while running a request,
``receiveResponseXML`` carries ``hresult`` and ``message`` instead of a response (PROTOCOL.md §3.5,
§3.6). The HRESULT is a COM error code in QuickBooks' ``0x8004xxxx`` range, written as hex — but some
logs and clients write the signed decimal (``-2147220470``), so every lookup first goes through
:func:`normalise_hresult`, and the canonical form ``0x8004040A`` is what reaches ``integration_code``.

Every row of PROTOCOL.md §5 has its own entry below. The three codes for which no QuickBooks source
gives a meaning, and any other code, get :data:`UNKNOWN`, whose user-facing message shows the code so
support can look it up. Some conditions share one HRESULT but are told apart by QuickBooks' text
(several company files open, the same QuickBooks user signed in on another computer):
:func:`recognise_message` reads the text first.

:data:`RETRY_WITH_COMPANY_FILE` are the transient conditions for which answering ``connectionError``
with the bound company file's path (one more try) can help (FIELD-LESSONS #11: at most once).
"""

from __future__ import annotations

import re

from chalicelib.errors import ErrorSpec, GatewayError

_HOST = "the computer that hosts the company file"
_UPDATE = "click Update Selected in the Web Connector"
_PREFS = "Edit > Preferences > Integrated Applications > Company Preferences"
_ALLOW = '"Yes, always; allow access even if QuickBooks is not running"'
_AUTO_LOGIN = '"Allow this application to login automatically"'
_SUPPORT = "contact the application's support team"
_REPAIR = ("in Windows, open Control Panel > Programs and Features, select QuickBooks, click "
           "Uninstall/Change and choose Repair")


def _connection(code: str, description: str, user: str, *, guide: str, retryable: bool = True) -> ErrorSpec:
    return ErrorSpec(code, "connection_error", 503, user, retryable=retryable, guide=guide,
                     description=description)


BY_HRESULT: dict[str, ErrorSpec] = {
    "0x80040308": _connection(
        "quickbooks_not_installed",
        "0x80040308: the qbXML request processor is not installed (no QuickBooks 2002 or later).",
        "The Web Connector could not find QuickBooks Desktop on the computer it runs on. The Web Connector "
        f"must run on {_HOST}, where QuickBooks Desktop is installed. If QuickBooks is installed there, "
        f"repair it: {_REPAIR}. If another QuickBooks Desktop version is installed on the same computer, "
        f"open the company file with the version you use every day and {_UPDATE}.",
        guide="quickbooks-installation", retryable=False),
    "0x80040400": ErrorSpec(
        "qbxml_request_invalid", "quickbooks_request_error", 422,
        "QuickBooks could not read the request the application sent, so nothing was changed in "
        f"QuickBooks. This is a problem in the integration, not in your company file; {_SUPPORT} "
        "and mention this error.",
        guide="integration-problem",
        description="0x80040400: QuickBooks found an error parsing the qbXML (malformed, or elements "
                    "out of schema order); the whole message set was refused."),
    "0x80040401": _connection(
        "quickbooks_unreachable",
        "0x80040401: could not access QuickBooks (the connection attempt failed).",
        f"The Web Connector could not reach QuickBooks. On {_HOST}, open QuickBooks with the company "
        f"file, close any message or window that is open in QuickBooks, then {_UPDATE}.",
        guide="quickbooks-not-ready"),
    "0x80040402": _connection(
        "quickbooks_unexpected_error",
        "0x80040402: unexpected error in the request processor; see qbsdklog.txt.",
        f"QuickBooks reported an unexpected problem while connecting. On {_HOST}, close QuickBooks and "
        f"the Web Connector, open QuickBooks again with the company file, open the Web Connector and "
        f"{_UPDATE}. If it happens again, {_SUPPORT}; they may ask for the QuickBooks log file "
        "qbsdklog.txt, found in C:\\ProgramData\\Intuit\\QuickBooks.",
        guide="quickbooks-restart"),
    "0x80040403": _connection(
        "company_file_cannot_open",
        "0x80040403: could not open the specified company data file.",
        f"QuickBooks could not open the company file this connection uses. On {_HOST}, open QuickBooks "
        "and use File > Open or Restore Company to open the company file; if QuickBooks shows a message, "
        f"follow it, then {_UPDATE}. If the company file was moved or renamed, set up the connection "
        "again from the application.",
        guide="wrong-company-file"),
    "0x80040406": _connection(
        "company_file_not_found",
        "0x80040406: company file not found, or not a valid company file (one integrator's reading).",
        "QuickBooks could not find the company file this connection uses. If the company file was moved "
        f"or renamed, open it in QuickBooks on {_HOST} (File > Open or Restore Company), then set up the "
        f"connection again from the application so the Web Connector uses the new location, and "
        f"{_UPDATE}.",
        guide="wrong-company-file"),
    "0x80040407": _connection(
        "quickbooks_installation_incomplete",
        "0x80040407: the QuickBooks installation appears incomplete; reinstall.",
        "QuickBooks Desktop on the computer running the Web Connector appears to be incompletely "
        "installed. This often happens when another QuickBooks Desktop version is installed on the same "
        f"computer. Repair QuickBooks: {_REPAIR}. If you no longer use the other QuickBooks Desktop "
        f"version, uninstall it the same way. Then restart the computer, open QuickBooks with the company "
        f"file and {_UPDATE}.",
        guide="quickbooks-installation", retryable=False),
    "0x80040408": _connection(
        "quickbooks_could_not_start",
        "0x80040408: could not start QuickBooks.",
        f"The Web Connector could not start QuickBooks. On {_HOST}, open QuickBooks Desktop yourself, "
        "open the company file and finish anything QuickBooks asks for on the way (an update, a sign-in "
        f"or a registration message), leave QuickBooks open, then {_UPDATE}.",
        guide="quickbooks-not-ready"),
    "0x8004040A": _connection(
        "wrong_company_file_open",
        "0x8004040A: a company file is already open and it is not the one requested.",
        "QuickBooks has a different company file open than the one this connection uses, so nothing "
        f"was synced. On {_HOST}, go to File > Close Company in QuickBooks, then use File > Open or "
        f"Restore Company to open the company file this connection was set up with, and {_UPDATE}.",
        guide="wrong-company-file"),
    "0x8004040D": _connection(
        "quickbooks_session_lost",
        "0x8004040D: the ticket parameter is invalid (the QuickBooks session was lost).",
        "The link between the Web Connector and QuickBooks was interrupted during the sync. Nothing needs "
        f"fixing: {_UPDATE} to sync again. If it keeps happening, close and reopen QuickBooks on {_HOST}.",
        guide="quickbooks-restart"),
    "0x80040410": _connection(
        "company_file_mode_conflict",
        "0x80040410: the company file is open in a mode (single-user or multi-user) other than the one "
        "requested; usually the same QuickBooks user is signed in on another computer.",
        "QuickBooks could not open the company file for the sync because it is open in a different way on "
        "another computer, usually because the same QuickBooks user is signed in there too. Ask whoever "
        "uses that QuickBooks user to close the company file on their computer, then "
        f"{_UPDATE}. To stop this from happening, use a dedicated QuickBooks user for this connection: "
        "create one in Company > Set Up Users and Passwords > Set Up Users, then in "
        f"{_PREFS} select the application, click Properties, tick {_AUTO_LOGIN} and choose that user "
        "under Login as.",
        guide="dedicated-quickbooks-user"),
    "0x80040414": _connection(
        "quickbooks_dialog_open",
        "0x80040414: a modal dialog is open in QuickBooks; access is blocked until it is closed.",
        "A message or window is open in QuickBooks (for example a reminder, an update notice or an "
        "unfinished form), and QuickBooks does not accept a sync until it is closed. On "
        f"{_HOST}, switch to QuickBooks, close every open message or window (click OK, Close or Cancel), "
        f"then {_UPDATE}.",
        guide="qbwc-dialog-open"),
    "0x80040416": _connection(
        "quickbooks_not_running",
        "0x80040416: QuickBooks is not running and BeginSession got no company file name.",
        f"QuickBooks is not open on {_HOST}, and the Web Connector could not open it by itself. Open "
        f"QuickBooks with the company file this connection uses and leave it open, then {_UPDATE}. To "
        f"let syncs run while QuickBooks is closed, go to {_PREFS} in QuickBooks, select the application, "
        f"click Properties and tick {_AUTO_LOGIN}.",
        guide="quickbooks-not-ready"),
    "0x80040417": _connection(
        "no_company_file_open",
        "0x80040417: QuickBooks is running but no company file is open, and no file name was given.",
        f"QuickBooks is open but no company file is open in it. On {_HOST}, use File > Open or Restore "
        f"Company in QuickBooks to open the company file this connection uses, then {_UPDATE}.",
        guide="quickbooks-not-ready"),
    "0x80040418": _connection(
        "integrated_app_not_authorized",
        "0x80040418: this application has never accessed this company file; only the QuickBooks "
        "administrator can grant first access.",
        "The application has not yet been allowed to use this company file, and only the QuickBooks "
        f"administrator can allow it. On {_HOST}, open the company file in QuickBooks signed in as the "
        f"Admin user, then {_UPDATE}. When QuickBooks asks whether to allow the application, choose "
        f"{_ALLOW} and click Continue.",
        guide="authorize-application"),
    "0x8004041A": _connection(
        "integrated_app_permission_denied",
        "0x8004041A: this application lacks permission for this company file (often reset by a "
        "QuickBooks update or a move of the company file).",
        "QuickBooks no longer allows the application to use this company file. This often happens after "
        f"a QuickBooks update or after the company file was moved to another computer. On {_HOST}, sign "
        f"in to QuickBooks as the Admin user, go to {_PREFS}, tick Allow Access next to the application, "
        f"click Properties and tick {_AUTO_LOGIN}, click OK twice, then {_UPDATE}.",
        guide="integrated-app-permissions"),
    "0x8004041B": _connection(
        "company_file_locked",
        "0x8004041B: could not lock the information needed for access; try later.",
        "QuickBooks was busy with the company file (someone may be saving, running a large report or "
        "making a backup), so the sync could not start. Wait until that work is finished, then "
        f"{_UPDATE}.",
        guide="quickbooks-busy"),
    "0x8004041C": _connection(
        "quickbooks_internal_error",
        "0x8004041C: internal QuickBooks error while accessing the company file.",
        f"QuickBooks ran into an internal problem while opening the company file. On {_HOST}, close "
        f"QuickBooks, open it again with the company file, then {_UPDATE}. If it happens again, run "
        f"File > Utilities > Verify Data in QuickBooks and {_SUPPORT}.",
        guide="quickbooks-restart"),
    "0x8004041D": _connection(
        "unattended_login_not_allowed",
        "0x8004041D: the application is not allowed to log in automatically (unattended) to this file.",
        "QuickBooks does not let the application sign in by itself while QuickBooks is closed. Either "
        f"keep QuickBooks open with the company file on {_HOST}, or allow automatic sign-in: sign in to "
        f"QuickBooks as the Admin user, go to {_PREFS}, select the application, click Properties, tick "
        f"{_AUTO_LOGIN}, choose a user under Login as and click OK. Then {_UPDATE}.",
        guide="integrated-app-permissions"),
    "0x8004041E": _connection(
        "integrated_app_certificate_expired",
        "0x8004041E: the application's certificate for automatic login has expired.",
        "QuickBooks' approval for the application to sign in by itself has expired. On "
        f"{_HOST}, sign in to QuickBooks as the Admin user, go to {_PREFS}, select the application, "
        f"click Remove and OK. Then {_UPDATE} and, when QuickBooks asks, choose {_ALLOW} and click "
        "Continue.",
        guide="authorize-application"),
    "0x8004041F": _connection(
        "quickbooks_edition_unsupported",
        "0x8004041F: QuickBooks Basic cannot accept XML requests.",
        "This edition of QuickBooks cannot exchange data with other applications. To use this connection, "
        f"upgrade to QuickBooks Desktop Pro, Premier or Enterprise on {_HOST}, then {_UPDATE}.",
        guide="quickbooks-installation", retryable=False),
    "0x80040420": _connection(
        "quickbooks_access_denied",
        "0x80040420: the QuickBooks user denied the application access.",
        "Someone answered No when QuickBooks asked whether to allow the application to use the company "
        f"file. On {_HOST}, open the company file in QuickBooks signed in as the Admin user, go to "
        f"{_PREFS} and tick Allow Access next to the application (if it is listed), click OK, then "
        f"{_UPDATE}. If QuickBooks asks, choose {_ALLOW} and click Continue.",
        guide="authorize-application"),
    "0x80040422": _connection(
        "single_user_mode_conflict",
        "0x80040422: the application requires single-user mode but another application already shares "
        "the company file.",
        "The sync needs the company file to itself for a moment, but another user or program is using it. "
        "Ask other users to close the company file and close other programs that connect to QuickBooks, "
        f"then {_UPDATE}.",
        guide="quickbooks-busy"),
    "0x80040423": _connection(
        "quickbooks_version_mismatch",
        "0x80040423: the requested qbXML version is not supported or unknown to this QuickBooks.",
        "The QuickBooks Desktop version the Web Connector talks to cannot handle this connection's "
        "requests. This can happen when another, older QuickBooks Desktop version is installed on the "
        "same computer. Update QuickBooks (Help > Update QuickBooks Desktop, then Update Now and Get "
        "Updates), and uninstall any QuickBooks Desktop version you no longer use (Control Panel > "
        f"Programs and Features). Then {_UPDATE}.",
        guide="update-quickbooks", retryable=False),
    "0x80040424": _connection(
        "quickbooks_starting",
        "0x80040424: QuickBooks has not finished initialising; try later.",
        f"QuickBooks was still starting when the Web Connector tried to connect. Wait until QuickBooks "
        f"has fully opened the company file on {_HOST} and no message is showing, then {_UPDATE}.",
        guide="quickbooks-not-ready"),
    "0x80040427": _connection(
        "quickbooks_not_registered",
        "0x80040427: QuickBooks is not registered.",
        "QuickBooks Desktop on this computer is not registered, so it does not accept connections from "
        "other applications. Open QuickBooks, go to Help > Register QuickBooks and complete the "
        "registration. If another QuickBooks Desktop version is installed on the same computer, make "
        f"sure the one that opens this company file is registered. Then {_UPDATE}.",
        guide="quickbooks-installation", retryable=False),
    "0x8004042A": _connection(
        "remote_access_not_allowed",
        "0x8004042A: remote access is not allowed.",
        "QuickBooks does not accept this connection from another computer. Set up the Web Connector on "
        f"{_HOST}, the always-on computer where QuickBooks and the company file are installed, then "
        f"{_UPDATE}.",
        guide="set-up-connection", retryable=False),
    "0x8004042C": _connection(
        "integrated_app_certificate_revoked",
        "0x8004042C: the application's certificate has been revoked.",
        f"QuickBooks no longer trusts the application's approval. On {_HOST}, sign in to QuickBooks as the "
        f"Admin user, go to {_PREFS}, select the application, click Remove and OK, then {_UPDATE} and "
        f"allow access again. If the message comes back, {_SUPPORT}.",
        guide="authorize-application", retryable=False),
}

UNKNOWN = _connection(
    "quickbooks_connection_failed",
    "An HRESULT with no known QuickBooks meaning (0x80040428, 0x80040430, 0x8004043C or any other); "
    "logged verbatim and treated as a connection failure.",
    f"The Web Connector could not connect to QuickBooks. On {_HOST}, open QuickBooks with the company "
    f"file, close any message or window that is open in QuickBooks, then {_UPDATE}. If it keeps "
    f"happening, {_SUPPORT}.",
    guide="quickbooks-not-ready")

MULTIPLE_COMPANY_FILES = _connection(
    "multiple_company_files_open",
    "QuickBooks' message says several company files are open (two QuickBooks windows, or Enterprise "
    "with a second file); the request processor cannot tell which one to use.",
    "More than one company file is open in QuickBooks (or QuickBooks is open twice), so the Web "
    f"Connector cannot tell which one to use. On {_HOST}, close every QuickBooks window except the one "
    "with the company file this connection uses (in the other window, choose File > Close Company, "
    f"then close it), then {_UPDATE}.",
    guide="multiple-company-files")

USER_SIGNED_IN_ELSEWHERE = _connection(
    "quickbooks_user_signed_in_elsewhere",
    "QuickBooks' message says the QuickBooks user is already logged in / the file is in use by another "
    "user: the connection's QuickBooks user is signed in on another computer.",
    "The QuickBooks user this connection signs in as is already signed in to the company file on "
    "another computer, and QuickBooks allows each user only one sign-in at a time. Ask whoever uses that "
    f"QuickBooks user to close the company file, then {_UPDATE}. To stop this from happening, use a "
    "dedicated QuickBooks user for this connection: create one in Company > Set Up Users and Passwords "
    f"> Set Up Users, then in {_PREFS} select the application, click Properties, tick {_AUTO_LOGIN} and "
    "choose that user under Login as.",
    guide="dedicated-quickbooks-user")

SPECS: tuple[ErrorSpec, ...] = (*BY_HRESULT.values(), UNKNOWN, MULTIPLE_COMPANY_FILES, USER_SIGNED_IN_ELSEWHERE)

RETRY_WITH_COMPANY_FILE: frozenset[str] = frozenset({
    "0x80040408",  # could not start QuickBooks
    "0x80040416",  # QuickBooks not running, no file name given
    "0x80040417",  # no company file open, no file name given
    "0x8004041B",  # lock contention
    "0x80040424",  # QuickBooks still starting
})
"""Normalised HRESULTs for which one more try, with the bound company file's path, can help."""

_TEXT_RULES: tuple[tuple[re.Pattern[str], ErrorSpec], ...] = (
    (re.compile(r"multiple company files|more than one company file|"
                r"(?:multiple|more than one) instances? of quickbooks", re.IGNORECASE), MULTIPLE_COMPANY_FILES),
    (re.compile(r"already (?:logged|signed) (?:in|on)|in use by another user|"
                r"being used by another user", re.IGNORECASE), USER_SIGNED_IN_ELSEWHERE),
)
_HEX = re.compile(r"(?:0x)?([0-9a-f]{1,8})", re.IGNORECASE)
_DECIMAL = re.compile(r"[+-]?[0-9]+")
_MAX_RAW_CHARS = 64


def normalise_hresult(hresult: str) -> str | None:
    """``0x8004040A`` for ``0x8004040a``, ``8004040A``, ``-2147220470`` or ``2147746826``; None if not a code.

    Hex is accepted with or without ``0x``; a plain number is read as decimal when it has no hex
    letters and does not look like eight hex digits (``80040400`` is hex, as QuickBooks writes it).
    """
    text = hresult.strip()
    if _DECIMAL.fullmatch(text) and not (len(text) == 8 and text.startswith("8004")):
        value = int(text)
        if not -(2**31) <= value < 2**32:
            return None
        return f"0x{value & 0xFFFFFFFF:08X}"
    match = _HEX.fullmatch(text)
    if match is None:
        return None
    return f"0x{int(match.group(1), 16):08X}"


def recognise_message(message: str) -> ErrorSpec | None:
    """The entry QuickBooks' text identifies more precisely than its HRESULT, if any."""
    return next((spec for pattern, spec in _TEXT_RULES if pattern.search(message)), None)


def spec_for_hresult(hresult: str, message: str = "") -> ErrorSpec:
    """The catalog entry for an HRESULT and QuickBooks' text (the text wins when it is more precise)."""
    code = normalise_hresult(hresult)
    spec = BY_HRESULT.get(code or "", UNKNOWN)
    if spec.type == "connection_error":
        spec = recognise_message(message) or spec
    return spec


def hresult_error(hresult: str, message: str) -> GatewayError:
    """The error for an HRESULT the Web Connector reported, with QuickBooks' ``message`` in the technical text.

    ``integration_code`` is the normalised ``0x8004XXXX`` form (or the raw text, cut to 64 characters,
    when it is not a code). For an unknown code the user-facing message ends by showing it.
    """
    code = normalise_hresult(hresult)
    shown = code or hresult.strip()[:_MAX_RAW_CHARS] or None
    spec = spec_for_hresult(hresult, message)
    user = spec.user_facing_message
    if spec is UNKNOWN and code:
        user = f"{user} QuickBooks reported error code {code}; please mention it to support."
    technical = f"QuickBooks returned HRESULT {shown or '(none)'}: {message.strip() or '(no message)'}"
    return GatewayError(spec, technical, integration_code=shown, user_facing_message=user)
