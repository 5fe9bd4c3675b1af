"""Verifying the gateway's webhooks before trusting them.

The gateway signs every webhook POST (result messages and change events) with the endpoint's secret
(``whsec_…``, shown once when the endpoint is created or its secret rotated)::

    QBDGW-Webhook-Id: wh_dlv_…               the same on every retry: de-duplicate by it
    QBDGW-Webhook-Timestamp: 1764633600      this attempt's Unix time
    QBDGW-Signature: t=1764633600,v1=5257a8…[,v1=…]

Each ``v1`` is the lowercase hex HMAC-SHA256 of ``"<t>." + body`` under one valid secret; while a
secret is rotated the old and the new one are both valid, so there may be two. :func:`verify` checks
the header, that ``t`` is within ``tolerance`` seconds of now (a replay is refused) and that one
signature matches, in constant time, then returns the parsed JSON body. Give it the **raw** body bytes
as received: parsing and re-serialising JSON changes them.

Flask::

    from qbd_gateway_sdk.webhooks import WebhookSignatureError, verify

    @app.post("/qbd-webhooks")
    def hook():
        try:
            event = verify(request.get_data(), request.headers, secret=os.environ["QBDGW_WEBHOOK_SECRET"])
        except WebhookSignatureError:
            return "", 400
        handle(event)          # then answer 2xx quickly; a non-2xx or a timeout is retried
        return "", 204

This module needs only the standard library, and does not call the gateway.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from qbd_gateway_sdk.errors import QbdGatewayError

SIGNATURE_HEADER = "QBDGW-Signature"
ID_HEADER = "QBDGW-Webhook-Id"
DEFAULT_TOLERANCE = 300


class WebhookSignatureError(QbdGatewayError):
    """The delivery did not verify: no or a malformed signature header, too old, or another secret."""

    def __init__(self, message: str) -> None:
        super().__init__("webhook_signature_invalid", message)


def verify(payload: bytes | str, headers: Mapping[str, str] | str, secret: str | Sequence[str], *,
           tolerance: int = DEFAULT_TOLERANCE, now: float | None = None) -> Any:
    """The delivery's JSON body once its signature checks out; else :class:`WebhookSignatureError`.

    ``headers``: the request's headers (any mapping, names in any case) or the ``QBDGW-Signature``
    value itself. ``secret``: the endpoint's secret, or several (e.g. while you roll yours).
    """
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    header = headers if isinstance(headers, str) else _header(headers, SIGNATURE_HEADER)
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookSignatureError(f"the timestamp is {int(current - timestamp)} s away from now "
                                    f"(tolerance {tolerance} s): a replay, or a clock that is off")
    candidates = [secret] if isinstance(secret, str) else list(secret)
    signed = f"{timestamp}.".encode("ascii") + body
    for candidate in candidates:
        expected = hmac.new(candidate.encode("utf-8"), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, given) for given in signatures):
            try:
                return json.loads(body)
            except ValueError as exc:
                raise WebhookSignatureError("the signed body is not JSON") from exc
    raise WebhookSignatureError("no signature matches this secret: the body was changed, or it was signed "
                                "with another secret")


def delivery_id(headers: Mapping[str, str]) -> str | None:
    """The ``QBDGW-Webhook-Id`` of a delivery: the key to de-duplicate retries by."""
    return _header(headers, ID_HEADER)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if str(k).lower() == wanted), None)


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise WebhookSignatureError(f"malformed {SIGNATURE_HEADER} header")
        if key == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise WebhookSignatureError(f"malformed timestamp in the {SIGNATURE_HEADER} header")
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise WebhookSignatureError(f"the {SIGNATURE_HEADER} header lacks t= or v1=")
    return timestamp, signatures
