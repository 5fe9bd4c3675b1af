"""How a webhook delivery is signed: the scheme receivers check, as payment webhooks have taught them.

Every POST the gateway makes to a webhook endpoint carries three headers:

``QBDGW-Webhook-Id``
    the delivery's id, the same on every retry of it: a receiver de-duplicates by it;
``QBDGW-Webhook-Timestamp``
    the Unix time (seconds) of this attempt;
``QBDGW-Signature``
    ``t=<timestamp>,v1=<signature>[,v1=<signature>]``, where each signature is the lowercase hex
    HMAC-SHA256, under one of the endpoint's secrets, of ``"<timestamp>." + body`` (the exact bytes of
    the body). While a secret is being rotated both the new and the old one are valid, so the header
    carries one ``v1`` per valid secret and a receiver holding either verifies.

A receiver checks (:func:`verify`; the SDK's ``qbd_gateway_sdk.webhooks`` does the same without this
package): the header parses, the timestamp is within its tolerance of its own clock (five minutes by
default: a replayed delivery is refused), and one of the ``v1`` signatures equals the HMAC it computes,
compared in constant time. Only then does it parse the body.

Secrets are made here (:func:`new_secret`: ``whsec_`` and 256 random bits, base64url); the gateway
keeps them sealed at rest and shows a new one once, at creation or rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence

SIGNATURE_HEADER = "QBDGW-Signature"
TIMESTAMP_HEADER = "QBDGW-Webhook-Timestamp"
ID_HEADER = "QBDGW-Webhook-Id"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE_SECONDS = 300
MAX_SECRETS = 2  # the current one and, while rotating, the one before it

_SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")


class SignatureError(ValueError):
    """A delivery that does not verify: the header is malformed, too old, or signed with another secret."""


def new_secret() -> str:
    """A webhook signing secret: ``whsec_`` and 32 random bytes, base64url without padding (43 characters)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def is_secret(text: str) -> bool:
    return bool(_SECRET.fullmatch(text))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` signature of ``body`` at ``timestamp`` under ``secret`` (lowercase hex)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return mac.hexdigest()


def signature_header(body: bytes, signing_secrets: Sequence[str], timestamp: int) -> str:
    """``t=<timestamp>,v1=…`` with one signature per secret, the current one first."""
    if not 1 <= len(signing_secrets) <= MAX_SECRETS:
        raise ValueError(f"a delivery is signed with 1 to {MAX_SECRETS} secrets, not {len(signing_secrets)}")
    return ",".join([f"t={timestamp}", *(f"{SCHEME}={signature(s, timestamp, body)}" for s in signing_secrets)])


def signed_headers(delivery_id: str, body: bytes, signing_secrets: Sequence[str], timestamp: int) -> dict[str, str]:
    """Every header of one attempt of a delivery (besides ``Content-Type`` and ``User-Agent``)."""
    return {ID_HEADER: delivery_id, TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature_header(body, signing_secrets, timestamp)}


def parse_header(header: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])`` of a signature header; unknown schemes are ignored."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("the signature header is not a list of key=value pairs")
        if key == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise SignatureError("the signature header's timestamp is missing, repeated or not a number")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("the signature header has no timestamp")
    if not signatures:
        raise SignatureError(f"the signature header has no {SCHEME} signature")
    return timestamp, signatures


def verify(body: bytes, header: str, candidate_secrets: Sequence[str], *, now: float,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> int:
    """Check a delivery as a receiver would; its timestamp, or :class:`SignatureError`."""
    timestamp, signatures = parse_header(header)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"the delivery's timestamp is {int(now - timestamp)} s from now; "
                             f"the tolerance is {tolerance} s")
    for secret in candidate_secrets:
        expected = signature(secret, timestamp, body)
        if any(hmac.compare_digest(expected, given) for given in signatures):
            return timestamp
    raise SignatureError("no signature matches: the body changed, or it was signed with another secret")


def header_of(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, without regard to case (HTTP servers hand them over as they please)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)
