"""The SDK's errors: one root, :class:`QbdGatewayError`, and a subclass for each failure a caller handles.

Every failure is a :class:`QbdGatewayError` — from the gateway (its ``{"error": {...}}`` envelope, or a
finished job's ``error``) or on the way (``network_error``, ``unexpected_response``). Each keeps the
envelope's ``code``, ``message``, ``user_facing_message`` (written for the bookkeeper: show it as is),
``http_status``, ``integration_code``, ``retryable``, ``request_id`` and ``type``, and ``job_id`` when
the failure belongs to a job (every typed call is one).

The subclass follows from the error, first match wins (:func:`error_class`):

=============================  ==================================================================
class                          when
=============================  ==================================================================
:class:`StaleRevisionError`    ``stale_edit_sequence`` (409): the record changed since it was read
:class:`NotFoundError`         HTTP 404, or ``object_not_found``: no such record, job, end-user, route,
                               webhook endpoint or delivery, feed subscription
:class:`AuthenticationError`   HTTP 401: the API key is missing or wrong
:class:`ConnectionProblemError` a ``connection_error`` or HTTP 503: QuickBooks or the Web Connector cannot
                               be reached (``user_facing_message`` says what the bookkeeper must do)
:class:`InvalidRequestError`   HTTP 400, or any other ``invalid_request_error`` (405, 409
                               ``idempotency_key_reused``, 413, 415): the call must change
:class:`QuickBooksError`       any other ``quickbooks_request_error``: QuickBooks refused the request
:class:`JobTimeoutError`       made by the SDK: the call's total timeout passed before the job finished;
                               ``job_id`` names the job, which goes on — read its result later
=============================  ==================================================================

Anything else (429, 5xx of the gateway itself, ``network_error``…) is a plain :class:`QbdGatewayError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class QbdGatewayError(Exception):
    """A request failed. ``code`` is the gateway's stable error code (see the gateway's docs/errors.md),
    or ``network_error`` / ``unexpected_response`` / ``job_wait_timeout`` for failures on the way, and
    ``response_fetch_failed`` / ``s3_client_unavailable`` when an answer offloaded to S3 cannot be read.

    ``user_facing_message`` is written for the bookkeeper: show it as is. ``job_id`` is the job the
    failure belongs to, when there is one.
    """

    def __init__(self, code: str, message: str, user_facing_message: str = "", *, http_status: int | None = None,
                 integration_code: str | None = None, retryable: bool = False, request_id: str | None = None,
                 type: str | None = None, job_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.user_facing_message = user_facing_message
        self.http_status = http_status
        self.integration_code = integration_code
        self.retryable = retryable
        self.request_id = request_id
        self.type = type
        self.job_id = job_id

    @classmethod
    def from_envelope(cls, body: Any, http_status: int, *, job_id: str | None = None) -> QbdGatewayError:
        """From the gateway's ``{"error": {...}}`` envelope (or an unexpected body), as the subclass the
        error calls for (:func:`error_class`) when called on :class:`QbdGatewayError` itself."""
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict) or "code" not in err:
            return cls("unexpected_response", f"HTTP {http_status} without the error envelope: {str(body)[:300]}",
                       http_status=http_status, retryable=http_status >= 500 or http_status == 429, job_id=job_id)
        return cls.from_error_object(err, http_status, job_id=job_id)

    @classmethod
    def from_error_object(cls, err: Mapping[str, Any], http_status: int | None = None, *,
                          job_id: str | None = None) -> QbdGatewayError:
        """From one error object (the envelope's, or a finished job's ``error``); ``http_status`` defaults to
        the object's own."""
        status = http_status if http_status is not None else _int(err.get("http_status"))
        code, kind = str(err.get("code") or "internal_error"), err.get("type")
        klass = error_class(code, kind if isinstance(kind, str) else None, status) if cls is QbdGatewayError else cls
        return klass(code, str(err.get("message", "")), str(err.get("user_facing_message") or ""),
                     http_status=status, integration_code=err.get("integration_code"),
                     retryable=bool(err.get("retryable", False)), request_id=err.get("request_id"),
                     type=kind if isinstance(kind, str) else None, job_id=job_id)


class StaleRevisionError(QbdGatewayError):
    """``stale_edit_sequence``: the update's ``revision_number`` is not the record's current one (someone
    changed it in QuickBooks since it was read). Retrieve it again, re-apply the change, update again."""


class NotFoundError(QbdGatewayError):
    """HTTP 404: no such record in QuickBooks (``object_not_found``), job, end-user, route, webhook endpoint
    (``webhook_endpoint_not_found``) or delivery (``webhook_delivery_not_found``), or feed subscription."""


class AuthenticationError(QbdGatewayError):
    """HTTP 401: the API key is missing or wrong."""


class ConnectionProblemError(QbdGatewayError):
    """QuickBooks, its company file or the Web Connector could not be reached (``connection_error``, 503).
    ``user_facing_message`` tells the bookkeeper what to do; ``retryable`` says whether the same call can
    succeed later unchanged."""


class InvalidRequestError(QbdGatewayError):
    """The gateway refused the call as sent (400 ``invalid_request`` and other ``invalid_request_error``s):
    nothing was enqueued; ``message`` names the field."""


class QuickBooksError(QbdGatewayError):
    """QuickBooks answered and refused or could not run the request (``quickbooks_request_error``, mostly
    422); ``integration_code`` is QuickBooks' status code."""


class JobTimeoutError(QbdGatewayError):
    """The call's total timeout passed before its job finished (``job_wait_timeout``). The job goes on:
    ``job_id`` names it, and ``status`` is what it was last seen as (``queued``, ``in_flight``, ``in_doubt``).
    Read its result later with ``client.wait_for_result(job_id)`` (or ``get_job``)."""

    def __init__(self, job_id: str, status: str, waited: float) -> None:
        super().__init__("job_wait_timeout", f"job {job_id} is still {status} after {waited:g} s",
                         "QuickBooks has not answered yet; the request stays queued and runs when the Web "
                         "Connector next connects.", retryable=True, job_id=job_id)
        self.status = status
        self.waited = waited


def error_class(code: str, kind: str | None, http_status: int | None) -> type[QbdGatewayError]:
    """The subclass for an error (the table of the module docstring)."""
    if code == "stale_edit_sequence":
        return StaleRevisionError
    if http_status == 404 or code == "object_not_found":
        return NotFoundError
    if http_status == 401:
        return AuthenticationError
    if kind == "connection_error" or http_status == 503:
        return ConnectionProblemError
    if http_status == 400 or kind == "invalid_request_error":
        return InvalidRequestError
    if kind == "quickbooks_request_error":
        return QuickBooksError
    return QbdGatewayError


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
