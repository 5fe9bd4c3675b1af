"""One error root for the whole gateway, and the catalog of every error it can report.

Every failure the gateway reports — to the SaaS over REST and SQS, and to the bookkeeper through the
Web Connector's status column — is a :class:`GatewayError` built from an :class:`ErrorSpec` in
:data:`CATALOG`. A spec carries the stable ``code``, the error ``type``, the HTTP status used on the
REST edge, a ``user_facing_message`` written for a bookkeeper (what happened, then what to do), and
whether retrying can help. The technical ``message`` is per occurrence.

Edges translate errors in exactly one place each: ``chalicelib/api/http.py`` (REST),
``chalicelib/qbwc/service.py`` (SOAP) and ``chalicelib/api/ingress.py`` (SQS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    type: str
    http_status: int
    user_facing_message: str
    retryable: bool = False
    guide: str = ""


class GatewayError(Exception):
    """The root of every error the gateway raises on purpose."""

    def __init__(
        self,
        spec: ErrorSpec,
        message: str,
        *,
        integration_code: str | None = None,
        user_facing_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.spec = spec
        self.message = message
        self.integration_code = integration_code
        self.user_facing_message = user_facing_message or spec.user_facing_message

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def http_status(self) -> int:
        return self.spec.http_status

    def to_dict(self, request_id: str | None = None) -> dict[str, Any]:
        """The error object of the REST envelope and of the SQS result message."""
        return {
            "type": self.spec.type,
            "code": self.spec.code,
            "message": self.message,
            "user_facing_message": self.user_facing_message,
            "http_status": self.spec.http_status,
            "integration_code": self.integration_code,
            "retryable": self.spec.retryable,
            "request_id": request_id,
        }


_SPECS: list[ErrorSpec] = [
    ErrorSpec(
        "invalid_json", "invalid_request_error", 400,
        "The request could not be read. This is a problem in the integration, not in QuickBooks; "
        "contact the application's support team.",
    ),
    ErrorSpec(
        "invalid_request", "invalid_request_error", 400,
        "The request sent to QuickBooks was not valid. This is a problem in the integration, not in "
        "QuickBooks; contact the application's support team.",
    ),
    ErrorSpec(
        "invalid_qbxml", "invalid_request_error", 400,
        "The data sent to QuickBooks was not in a form QuickBooks accepts. Nothing was changed in "
        "QuickBooks. Contact the application's support team and mention the error code.",
    ),
    ErrorSpec(
        "unsupported_characters", "invalid_request_error", 400,
        "Some text contains characters QuickBooks Desktop cannot store (for example emoji or "
        "characters from non-Latin alphabets). Edit the record to use plain Latin letters and try again.",
    ),
    ErrorSpec(
        "missing_api_key", "authentication_error", 401,
        "The integration is not signed in to the QuickBooks gateway. Contact the application's support team.",
    ),
    ErrorSpec(
        "invalid_api_key", "authentication_error", 401,
        "The integration is not signed in to the QuickBooks gateway. Contact the application's support team.",
    ),
    ErrorSpec(
        "end_user_not_found", "invalid_request_error", 404,
        "This QuickBooks connection no longer exists. Set up the connection again from the application.",
    ),
    ErrorSpec(
        "job_not_found", "invalid_request_error", 404,
        "The requested QuickBooks task could not be found. Try the action again.",
    ),
    ErrorSpec(
        "route_not_found", "invalid_request_error", 404,
        "The integration called an address the QuickBooks gateway does not have. Contact the "
        "application's support team.",
    ),
    ErrorSpec(
        "idempotency_key_reused", "invalid_request_error", 409,
        "This action was already submitted with different data. Refresh the page and try again.",
    ),
    ErrorSpec(
        "payload_too_large", "invalid_request_error", 413,
        "The data sent to QuickBooks is too large for one request. Split it into smaller batches.",
    ),
    ErrorSpec(
        "qwc_unavailable", "internal_error", 500,
        "The connection file for the Web Connector cannot be created because the gateway's public "
        "address is not set up for it. Contact the application's support team.",
    ),
    ErrorSpec(
        "internal_error", "internal_error", 500,
        "Something went wrong in the QuickBooks gateway. Nothing was lost; try again in a few minutes. "
        "If it keeps happening, contact the application's support team.",
        retryable=True,
    ),
    ErrorSpec(
        "quickbooks_status_error", "quickbooks_request_error", 422,
        "QuickBooks refused the request. Check the record in QuickBooks and try again.",
    ),
    ErrorSpec(
        "quickbooks_hresult_error", "quickbooks_request_error", 422,
        "QuickBooks could not process the request. Make sure QuickBooks is open and not showing a "
        "dialog on the computer that runs the Web Connector, then sync again.",
        retryable=True,
    ),
    ErrorSpec(
        "quickbooks_response_unreadable", "quickbooks_request_error", 502,
        "QuickBooks sent an answer the gateway could not read. Sync again; if it keeps happening, "
        "contact the application's support team.",
        retryable=True,
    ),
    ErrorSpec(
        "qbxml_version_unsupported", "quickbooks_request_error", 422,
        "This request needs a newer version of QuickBooks Desktop than the one that holds the "
        "company file. Update QuickBooks Desktop (Help > Update QuickBooks Desktop) and sync again.",
    ),
    ErrorSpec(
        "connection_error", "connection_error", 503,
        "The Web Connector could not reach QuickBooks. On the computer that hosts the company "
        "file, open QuickBooks with the company file, close any open dialogs, then click "
        "Update Selected in the Web Connector.",
        retryable=True,
    ),
    ErrorSpec(
        "result_too_large", "quickbooks_request_error", 422,
        "QuickBooks answered with more data than the gateway can deliver at once. Ask for fewer "
        "records at a time (the integration can page through them) and sync again.",
    ),
    ErrorSpec(
        "lease_expired_outcome_unknown", "quickbooks_request_error", 409,
        "The connection to QuickBooks was lost while this change was being saved, so it is not known "
        "whether QuickBooks saved it. Check the record in QuickBooks before trying again.",
    ),
]

CATALOG: dict[str, ErrorSpec] = {spec.code: spec for spec in _SPECS}


def error(code: str, message: str, **kwargs: Any) -> GatewayError:
    """Build the catalog error ``code`` with a technical ``message``."""
    return GatewayError(CATALOG[code], message, **kwargs)
