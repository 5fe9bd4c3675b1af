"""The gateway's own errors: what it refuses at its edges and what it notices about a connection.

Two families live here. The first is what the gateway refuses or fails at on its REST, SQS and SDK
edges — a body that is not JSON, a missing API key, a job whose qbXML the schema rejects, a result
too large to deliver — plus the generic fallbacks the rest of the code raises by code.

The second is what the gateway *notices* about a connection without QuickBooks saying anything: the
Web Connector never connected, has stopped polling, sends the wrong password, opened a different
company file than the one the connection is bound to, is too old, or a job's deadline passed before
QuickBooks picked it up. These are the everyday failures of a Windows machine in a small office
(DESIGN.md §1), so each message names the computer, the program and the button.
"""

from __future__ import annotations

from chalicelib.errors import ErrorSpec, GatewayError

_SUPPORT = "contact the application's support team"

REQUEST_SPECS: tuple[ErrorSpec, ...] = (
    ErrorSpec(
        "invalid_json", "invalid_request_error", 400,
        "The application's request to the QuickBooks gateway could not be read, so nothing was sent to "
        f"QuickBooks. This is a problem in the integration, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem", description="The request body is empty, not JSON, or not a JSON object.",
    ),
    ErrorSpec(
        "invalid_request", "invalid_request_error", 400,
        "The application sent the QuickBooks gateway a request it could not accept, so nothing was sent "
        f"to QuickBooks. This is a problem in the integration, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="The request's body, a query parameter (such as `limit`, `cursor` or `wait`) or the SOAP "
                    "envelope breaks the contract; refused before anything reached QuickBooks.",
    ),
    ErrorSpec(
        "invalid_qbxml", "invalid_request_error", 400,
        "The data the application gave for QuickBooks was not in a form QuickBooks accepts, so nothing "
        "was sent to QuickBooks and nothing was changed. Contact the application's support team and "
        "mention the error code.",
        guide="integration-problem",
        description="The job's qbXML is not well-formed, holds non-*Rq elements or is invalid against "
                    "Intuit's schema; refused at enqueue, nothing stored.",
    ),
    ErrorSpec(
        "unsupported_characters", "invalid_request_error", 400,
        "Some text contains characters QuickBooks Desktop cannot store (for example emoji or "
        "characters from non-Latin alphabets). Edit the record to use plain Latin letters and try again.",
        guide="unsupported-characters",
        description="The job's text has characters outside ISO-8859-1 (or XML-illegal ones).",
    ),
    ErrorSpec(
        "missing_api_key", "authentication_error", 401,
        f"The integration is not signed in to the QuickBooks gateway. {_SUPPORT.capitalize()}.",
        guide="integration-problem", description="No 'Authorization: Bearer <api key>' header.",
    ),
    ErrorSpec(
        "invalid_api_key", "authentication_error", 401,
        f"The integration is not signed in to the QuickBooks gateway. {_SUPPORT.capitalize()}.",
        guide="integration-problem", description="The bearer API key is unknown or revoked.",
    ),
    ErrorSpec(
        "end_user_not_found", "invalid_request_error", 404,
        "This QuickBooks connection no longer exists. Set up the connection again from the application.",
        guide="set-up-connection", description="No end-user with this id.",
    ),
    ErrorSpec(
        "job_not_found", "invalid_request_error", 404,
        "The requested QuickBooks task could not be found. Try the action again.",
        guide="integration-problem", description="No job with this id.",
    ),
    ErrorSpec(
        "object_not_found", "invalid_request_error", 404,
        "The record was not found in QuickBooks: it may have been deleted or merged. Sync again so the "
        "application has the current list of records.",
        guide="records-not-found",
        description="A typed call by id (retrieve, delete, void) named an object QuickBooks does not have.",
    ),
    ErrorSpec(
        "route_not_found", "invalid_request_error", 404,
        "The integration called an address the QuickBooks gateway does not have. "
        f"{_SUPPORT.capitalize()}.",
        guide="integration-problem", description="No REST route matches the method and path.",
    ),
    ErrorSpec(
        "method_not_allowed", "invalid_request_error", 405,
        "The integration called the QuickBooks gateway in a way it does not support. "
        f"{_SUPPORT.capitalize()}.",
        guide="integration-problem", description="The route exists but not with this HTTP method (see `Allow`).",
    ),
    ErrorSpec(
        "unsupported_media_type", "invalid_request_error", 415,
        "The integration sent data in a form the QuickBooks gateway does not read. "
        f"{_SUPPORT.capitalize()}.",
        guide="integration-problem",
        description="The body's Content-Type is not one the route reads (JSON routes read a body sent as "
                    "application/json, text/plain, application/x-www-form-urlencoded or without a type; the "
                    "SOAP route reads any of these, XML (text/xml, application/xml, application/soap+xml) "
                    "and application/octet-stream). The message names the route's types.",
    ),
    ErrorSpec(
        "rate_limited", "internal_error", 429,
        "The QuickBooks gateway is receiving too many requests right now. Nothing was lost; try again in "
        "a minute.",
        retryable=True, guide="gateway-problem",
        description="API Gateway throttled the request or a usage plan's quota is used up.",
    ),
    ErrorSpec(
        "gateway_timeout", "internal_error", 504,
        "The QuickBooks gateway took too long to answer. If you were saving something, check whether it "
        "was saved before trying again.",
        retryable=True, guide="gateway-problem",
        description="API Gateway's integration timeout (29 s) passed before the function answered.",
    ),
    ErrorSpec(
        "auth_link_not_found", "invalid_request_error", 404,
        "This connection link is not valid. Check that the whole link was copied, or ask the application "
        "for a new one.",
        guide="set-up-connection", description="No auth-flow session has this link token.",
    ),
    ErrorSpec(
        "auth_link_expired", "invalid_request_error", 410,
        "This connection link has expired or was replaced by a newer one. Ask the application for a new link.",
        guide="set-up-connection",
        description="The auth-flow session's link passed its expiry, or a newer link for the end-user "
                    "replaced its Web Connector password.",
    ),
    ErrorSpec(
        "webhook_url_not_allowed", "invalid_request_error", 400,
        "The address given for notifications cannot be used. This is a problem in the integration's "
        f"settings, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="A webhook endpoint must be an https URL (no user info, no fragment, at most 2,048 "
                    "characters) whose host resolves to public addresses only; checked again at every "
                    "delivery.",
    ),
    ErrorSpec(
        "webhooks_off", "invalid_request_error", 409,
        "Notifications to the application's own address are not turned on for this gateway. This is a "
        f"setting of the integration, not of QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="A webhook route was called on a deployment whose QBDGW_WEBHOOKS is off.",
    ),
    ErrorSpec(
        "subscription_not_found", "invalid_request_error", 404,
        "This change notification setting no longer exists. This is a problem in the integration's "
        f"settings, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="No change-feed subscription with this id for this end-user.",
    ),
    ErrorSpec(
        "webhook_endpoint_not_found", "invalid_request_error", 404,
        "This address for notifications is not set up in the QuickBooks gateway: it may have been removed. "
        f"This is a problem in the integration's settings, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="No webhook endpoint with this id (never created, or deleted).",
    ),
    ErrorSpec(
        "webhook_delivery_not_found", "invalid_request_error", 404,
        "This notification could not be found in the QuickBooks gateway: it may be older than the gateway "
        f"keeps notifications. This is a problem in the integration, not in QuickBooks; {_SUPPORT}.",
        guide="integration-problem",
        description="No webhook delivery with this id (never made, or past the result retention).",
    ),
    ErrorSpec(
        "idempotency_key_reused", "invalid_request_error", 409,
        "This action was already submitted with different data. Refresh the page and try again.",
        guide="integration-problem", description="The Idempotency-Key was used before with another body.",
    ),
    ErrorSpec(
        "payload_too_large", "invalid_request_error", 413,
        "The data the application gave for QuickBooks is too large for one request, so nothing was sent "
        "to QuickBooks. Split it into smaller batches.",
        guide="split-large-requests", description="The job's qbXML exceeds the size or request-count limit.",
    ),
    ErrorSpec(
        "qwc_unavailable", "internal_error", 500,
        "The connection file for the Web Connector cannot be created because the gateway's public "
        f"address is not set up for it. {_SUPPORT.capitalize()}.",
        guide="gateway-problem", description="No usable public https base URL to build the .qwc from.",
    ),
    ErrorSpec(
        "internal_error", "internal_error", 500,
        "Something went wrong in the QuickBooks gateway. Nothing was lost; try again in a few minutes. "
        f"If it keeps happening, {_SUPPORT}.",
        retryable=True, guide="gateway-problem", description="Unexpected failure inside the gateway.",
    ),
    ErrorSpec(
        "result_too_large", "quickbooks_request_error", 422,
        "QuickBooks answered with more data than the gateway can deliver at once. Ask for fewer "
        "records at a time (the integration can page through them) and sync again.",
        guide="split-large-requests",
        description="QuickBooks' response exceeds the deliverable size; use MaxReturned and iterators.",
    ),
    ErrorSpec(
        "max_returned_ceiling", "quickbooks_request_error", 200,
        "Only part of the records were read in this sync; the rest will be read when the integration "
        "pages through them.",
        guide="split-large-requests",
        description="A warning: an unpaged query returned exactly the MaxReturned the gateway set on it "
                    "(QBDGW_UNPAGED_MAX_RETURNED); there may be more records. Page the query.",
    ),
    ErrorSpec(
        "lease_expired_outcome_unknown", "quickbooks_request_error", 409,
        "The connection to QuickBooks was lost while this change was being saved, so it is not known "
        "whether QuickBooks saved it. Check the record in QuickBooks before trying again.",
        guide="outcome-unknown",
        description="The session holding a write job vanished before QuickBooks' answer arrived (in_doubt).",
    ),
    ErrorSpec(
        "in_doubt_unresolved", "quickbooks_request_error", 409,
        "It could not be confirmed in time whether QuickBooks saved this change. Check the record in "
        "QuickBooks before entering it again; if it is missing, send it again.",
        guide="outcome-unknown",
        description="An in_doubt write reached its deadline before any session could ask QuickBooks (qbXML "
                    "error recovery) what became of it; it may or may not have been applied.",
    ),
    ErrorSpec(
        "job_abandoned_repeatedly", "quickbooks_request_error", 502,
        "QuickBooks or the Web Connector stopped several times while working on this request, so the "
        "gateway gave up on it. Check that QuickBooks is not showing a message and the computer stays "
        "on; for a large query, ask for fewer records at a time; then try again.",
        retryable=True, guide="split-large-requests",
        description="A read was handed to the Web Connector the configured number of times (max attempts) "
                    "and no answer ever came back.",
    ),
    ErrorSpec(
        "write_outcome_unknown", "quickbooks_request_error", 409,
        "QuickBooks stopped while this change was being saved, so it is not yet known whether it was "
        "saved. Do not enter it again: the application checks with QuickBooks on the next sync and "
        "reports the result.",
        guide="outcome-unknown",
        description="QuickBooks threw (hresult) while running a write; the job is in_doubt until qbXML error "
                    "recovery (oldMessageSetID) settles it in the next session.",
    ),
    # Generic fallbacks, used when nothing more specific is known.
    ErrorSpec(
        "quickbooks_hresult_error", "quickbooks_request_error", 422,
        "QuickBooks could not process the request. Make sure QuickBooks is open and not showing a "
        "dialog on the computer that runs the Web Connector, then sync again.",
        retryable=True, guide="quickbooks-not-ready",
        description="QuickBooks' request processor threw instead of answering (receiveResponseXML hresult).",
    ),
    ErrorSpec(
        "quickbooks_response_unreadable", "quickbooks_request_error", 502,
        "QuickBooks sent an answer the gateway could not read. Sync again; if it keeps happening, "
        f"{_SUPPORT}.",
        retryable=True, guide="gateway-problem",
        description="The response is not a QBXMLMsgsRs document or does not answer the job.",
    ),
    ErrorSpec(
        "qbxml_version_unsupported", "quickbooks_request_error", 422,
        "This request needs a newer version of QuickBooks Desktop than the one that holds the "
        "company file. Update QuickBooks Desktop (Help > Update QuickBooks Desktop) and sync again.",
        guide="update-quickbooks",
        description="The job is invalid for the newest qbXML version the company file supports.",
    ),
    ErrorSpec(
        "qbxml_not_in_edition", "quickbooks_request_error", 422,
        "This request uses a field that the QuickBooks Desktop edition of this company file's country "
        "does not have (for example another country's sales tax field). Nothing was changed in QuickBooks. "
        "Contact the application's support team and mention the error code.",
        guide="integration-problem",
        description="The job uses an element the company file's country edition (US, CA, UK, AU) lacks, "
                    "per Intuit's annotated qbXML 14.0 sample; refused at enqueue, nothing stored.",
    ),
    ErrorSpec(
        "connection_error", "connection_error", 503,
        "The Web Connector could not reach QuickBooks. On the computer that hosts the company "
        "file, open QuickBooks with the company file, close any open dialogs, then click "
        "Update Selected in the Web Connector.",
        retryable=True, guide="quickbooks-not-ready",
        description="The Web Connector reported connectionError; generic fallback.",
    ),
)

CONNECTION_SPECS: tuple[ErrorSpec, ...] = (
    ErrorSpec(
        "end_user_never_connected", "connection_error", 503,
        "The Web Connector has never connected for this QuickBooks connection, so nothing can be synced "
        "yet. On the always-on computer that hosts the company file (not a laptop), open QuickBooks with "
        "the company file and sign in as the Admin user. Then open the connection file (it ends in .qwc) "
        "that you downloaded from the application: the Web Connector opens and QuickBooks asks whether to "
        "allow access. Choose \"Yes, always; allow access even if QuickBooks is not running\" and click "
        "Continue. In the Web Connector, type the connection password into the Password column, tick the "
        "box next to the application and click Update Selected.",
        retryable=True, guide="set-up-connection",
        description="The end-user exists but the Web Connector has never authenticated for it.",
    ),
    ErrorSpec(
        "web_connector_not_polling", "connection_error", 503,
        "QuickBooks has not been in touch with the application for a while: the computer that runs the "
        "Web Connector seems to be turned off or asleep, or the Web Connector is closed. Turn that "
        "computer on and make sure the QuickBooks Web Connector is open (look for its icon next to the "
        "clock, or start it from the Windows Start menu) and that the Auto-Run box next to the "
        "application is ticked. If the connection was set up on a personal workstation or laptop that "
        "is often switched off, set it up again on the always-on computer that hosts the company file.",
        retryable=True, guide="web-connector-not-polling",
        description="No authenticate from the Web Connector within the expected polling interval "
                    "(also the answer to an offline health check).",
    ),
    ErrorSpec(
        "bad_web_connector_password", "authentication_error", 503,
        "The Web Connector is using the wrong password for this connection, so it cannot sync. On the "
        "computer that runs the Web Connector, open the Web Connector, click the Password column next "
        "to the application, type the connection password you received when the connection was set up, "
        "press Enter and choose Yes to save it, then click Update Selected. If you no longer have the "
        "password, set up the connection again from the application to get a new one.",
        retryable=True, guide="web-connector-password",
        description="authenticate was answered 'nvu': the Web Connector's password does not match. "
                    "HTTP 503 because the SaaS's own API key is fine; 401 is kept for that.",
    ),
    ErrorSpec(
        "web_connector_locked_out", "authentication_error", 503,
        "The Web Connector was refused too many times in a row because of a wrong password, so this "
        "connection is locked for 15 minutes. On the computer that runs the Web Connector, click the "
        "Password column next to the application, type the connection password, press Enter and choose "
        "Yes to save it. After 15 minutes, or once the application's support team unlocks the "
        "connection, click Update Selected.",
        retryable=True, guide="web-connector-password",
        description="Too many Web Connector logins in a row had a wrong password (QBDGW_LOGIN_LOCKOUT_AFTER): "
                    "every login of this user name is refused until locked_until, or `qbdgw end-users unlock`.",
    ),
    ErrorSpec(
        "wrong_company_file", "connection_error", 409,
        "The Web Connector opened a different company file from the one this connection was set up "
        "with, so nothing was synced, to keep the data of the two files apart. On the computer that hosts "
        "the company file, go to File > Close Company in QuickBooks, then use File > Open or Restore "
        "Company to open the company file this connection uses, and click Update Selected in the Web "
        "Connector. If the company file was moved or renamed on purpose, set up the connection again "
        "from the application.",
        retryable=True, guide="wrong-company-file",
        description="The company file the Web Connector reported (path or FileID) differs from the one "
                    "this end-user is bound to.",
    ),
    ErrorSpec(
        "web_connector_too_old", "connection_error", 503,
        "The QuickBooks Web Connector on the computer that hosts the company file is too old for this "
        "connection. On that computer, download and install the latest QuickBooks Web Connector from "
        "Intuit's website, and update QuickBooks too (Help > Update QuickBooks Desktop, then Update Now "
        "and Get Updates). Then close and reopen the Web Connector and click Update Selected.",
        guide="update-web-connector",
        description="clientVersion reported a Web Connector older than the gateway supports.",
    ),
    ErrorSpec(
        "job_deadline_passed", "connection_error", 504,
        "QuickBooks did not pick up this request in time, so it was cancelled and nothing was changed "
        "in QuickBooks. Make sure the computer that hosts the company file is on, QuickBooks is open "
        "with the company file and not showing any message, and the Web Connector is running; then "
        "try again.",
        retryable=True, guide="web-connector-not-polling",
        description="The job's deadline_seconds passed while it was still queued (status expired).",
    ),
    ErrorSpec(
        "health_check_timeout", "connection_error", 504,
        "QuickBooks did not answer the connection test in time. The Web Connector may be waiting for "
        "its next scheduled run, or QuickBooks may be busy or showing a message. On the computer that "
        "hosts the company file, make sure QuickBooks is open with no message showing, click Update "
        "Selected in the Web Connector, then test the connection again.",
        retryable=True, guide="quickbooks-not-ready",
        description="The health check's end-to-end request got no answer within its budget.",
    ),
)

SPECS: tuple[ErrorSpec, ...] = REQUEST_SPECS + CONNECTION_SPECS

_BY_CODE = {spec.code: spec for spec in SPECS}


def wrong_company_file_error(expected: str, actual: str) -> GatewayError:
    """``wrong_company_file``: the Web Connector opened ``actual`` but the connection is bound to ``expected``.

    The technical message names both; the user-facing message adds which file to open, so the
    bookkeeper does not have to guess.
    """
    spec = _BY_CODE["wrong_company_file"]
    user = spec.user_facing_message
    if expected:
        user = f"{user} This connection uses the company file {expected}"
        user += f"; QuickBooks had {actual} open." if actual else "."
    return GatewayError(
        spec, f'company file mismatch: the connection is bound to "{expected}", the Web Connector opened '
              f'"{actual}"',
        user_facing_message=user,
    )
