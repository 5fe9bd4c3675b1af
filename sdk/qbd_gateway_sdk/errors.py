"""The one exception type of the SDK: every failure, from the gateway or from the network."""

from __future__ import annotations

from typing import Any


class QbdGatewayError(Exception):
    """A request failed. ``code`` is the gateway's stable error code (see the gateway's docs/errors.md),
    or ``network_error`` / ``unexpected_response`` / ``job_wait_timeout`` for failures on the way, and
    ``response_fetch_failed`` / ``s3_client_unavailable`` when an answer offloaded to S3 cannot be read.

    ``user_facing_message`` is written for the bookkeeper: show it as is.
    """

    def __init__(self, code: str, message: str, user_facing_message: str = "", *, http_status: int | None = None,
                 integration_code: str | None = None, retryable: bool = False, request_id: str | None = None,
                 type: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.user_facing_message = user_facing_message
        self.http_status = http_status
        self.integration_code = integration_code
        self.retryable = retryable
        self.request_id = request_id
        self.type = type

    @classmethod
    def from_envelope(cls, body: Any, http_status: int) -> QbdGatewayError:
        """From the gateway's ``{"error": {...}}`` envelope (or an unexpected body)."""
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict) or "code" not in err:
            return cls("unexpected_response", f"HTTP {http_status} without the error envelope: {str(body)[:300]}",
                       http_status=http_status, retryable=http_status >= 500 or http_status == 429)
        return cls(str(err["code"]), str(err.get("message", "")), str(err.get("user_facing_message") or ""),
                   http_status=http_status, integration_code=err.get("integration_code"),
                   retryable=bool(err.get("retryable", False)), request_id=err.get("request_id"),
                   type=err.get("type"))
