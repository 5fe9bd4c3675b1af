"""Secrets: end-user passwords, API keys, tickets and ids.

* Passwords and API key secrets are stored only as salted scrypt hashes
  (``scrypt$n$r$p$salt$hash``); checks use :func:`hmac.compare_digest`.
* Tickets carry 192 random bits from :mod:`secrets` after the end-user id; only the ticket's SHA-256
  is stored (on the company file's lease), so a leaked table does not leak live tickets.
* Ids are sortable (48-bit millisecond time + 80 random bits, Crockford base32).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PASSWORD_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet; no 0/O, 1/I: typed by hand)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return "$".join([
        "scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P),
        base64.b64encode(salt).decode(), base64.b64encode(digest).decode(),
    ])


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time check of ``secret`` against a :func:`hash_secret` value."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            secret.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def dummy_hash() -> str:
    """Verified against when a user name is unknown, so timing does not tell which user names exist.

    Made on first use, not at import: scrypt is slow on purpose, and imports count in a cold start.
    """
    return hash_secret(secrets.token_urlsafe(16))


def new_password() -> str:
    """A Web Connector password: 16 characters from an unambiguous alphabet (80 bits), in groups of 4."""
    chars = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def new_ticket() -> str:
    return secrets.token_urlsafe(24)


def session_ticket(end_user_id: str) -> str:
    """A session's ticket: the end-user it belongs to, a dot, 192 random bits. Only its hash is stored
    (on the company file's lease); the end-user part only says which lease to compare it with."""
    return f"{end_user_id}.{secrets.token_urlsafe(24)}"


def ticket_end_user(ticket: str) -> str | None:
    """The end-user id a session ticket names, or None for anything else (refused answers' tickets)."""
    end_user_id, dot, secret = ticket.strip().rpartition(".")
    return end_user_id if dot and end_user_id and len(secret) >= 32 else None


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def new_id(prefix: str, now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars)).lower()}"


JOB_ID_MAX_CHARS = 50  # a job id is the requestID QuickBooks echoes (MAX_REQUEST_ID_CHARS)


def job_id(end_user_id: str, seq: int, now_ms: int | None = None) -> str:
    """A job's id: ``job_<end-user id>_<sequence number>``, its own table key, so that the job is read by
    its id with one strongly consistent GetItem (an index is only eventually consistent: right after the
    job is accepted it may not list it yet). Unique because an end-user's sequence numbers are. A key
    too long for a requestID falls back to a random id (then read through the index)."""
    made = f"job_{end_user_id}_{seq}"
    return made if len(made) <= JOB_ID_MAX_CHARS else new_id("job", now_ms)


def job_key(job_id_: str) -> tuple[str, int] | None:
    """The (end-user id, sequence number) a job id carries, or None for an id that carries none."""
    body, _, seq = job_id_.removeprefix("job_").rpartition("_")
    if not job_id_.startswith("job_") or not body or not seq.isdigit() or len(seq) > 12:
        return None
    return body, int(seq)


def new_api_key() -> tuple[str, str, str]:
    """A new API key: (key_id, secret, the full key handed to the SaaS ``qbdgw_<key_id>_<secret>``)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(30)
    return key_id, secret, f"qbdgw_{key_id}_{secret}"


def api_key_lookup(full_key: str) -> str:
    """A short, non-secret bucket id for finding candidate key records (32 bits of SHA-256)."""
    return hashlib.sha256(full_key.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class LoginPolicy:
    """How refused Web Connector logins are met (:mod:`chalicelib.qbwc.login`), counted per user name.

    A user name is in the ``.qwc``, so anyone who has seen the file can try passwords. One wrong
    password changes nothing the SaaS sees; ``report_after`` in a row is the real Web Connector failing
    (``bad_web_connector_password`` on the end-user); from ``slow_after`` on, a login sooner than
    :meth:`delay` after the last refusal is refused without looking at the password; ``lockout_after``
    in a row locks the user name out for ``lockout`` (``web_connector_locked_out``; an operator may
    unlock it earlier). A login with the right password resets the count.
    """

    report_after: int = 3
    slow_after: int = 5
    lockout_after: int = 20
    lockout: timedelta = timedelta(minutes=15)
    max_delay: timedelta = timedelta(seconds=60)

    def delay(self, failures: int) -> timedelta:
        """How long after the last refusal the next attempt is heard: 0, then 1 s doubling up to the cap."""
        if failures < self.slow_after:
            return timedelta(0)
        return min(self.max_delay, timedelta(seconds=2 ** min(30, failures - self.slow_after)))
