"""Secrets: end-user passwords, API keys, tickets and ids.

* Secrets are stored only as hashes, and each at the cost it needs (:class:`SecretHasher`). The
  gateway *generates* the Web Connector passwords (28 characters, 140 bits) and the API keys (240
  bits): guessing one is hopeless however fast the hash, so they are stored as an HMAC-SHA-256 keyed
  with a server-side pepper (``hmac-sha256$<pepper id>$<digest>``), as token services store tokens —
  a few microseconds per check instead of scrypt's 36 ms (≈130 ms at 512 MB) on every ``authenticate``,
  and a leaked table alone tells nothing without the pepper. Anything else (a key an operator chose,
  an 80-bit password of an older release, any secret when no pepper is configured) is a salted scrypt
  hash (``scrypt$n$r$p$salt$hash``). A scrypt-stored secret that qualifies is re-stored as an HMAC on
  its next successful check (:meth:`SecretHasher.upgrade`); one stored under an older pepper is
  re-stored under the current one. Checks use :func:`hmac.compare_digest`.
* Tickets carry 192 random bits from :mod:`secrets` after the end-user id; only the ticket's SHA-256
  is stored (on the company file's lease), so a leaked table does not leak live tickets. A session's
  ticket also carries an HMAC of both under the pepper (:meth:`SecretHasher.session_ticket`), so that a
  call whose ticket no longer holds the file — a late answer — is still heard only from a ticket
  ``authenticate`` issued (:meth:`SecretHasher.issued`), never from one made up around a user name.
* Ids are sortable (48-bit millisecond time + 80 random bits, Crockford base32).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PASSWORD_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet; no 0/O, 1/I: typed by hand)
PASSWORD_GROUPS = 7  # of 4 characters: 28 characters of 5 bits = 140 bits
MIN_PEPPER_CHARS = 32
# What the gateway generates, recognised by shape: a Web Connector password of new_password(), an API key
# of new_api_key(). Only these are stored with the fast keyed hash (both carry well over 128 bits).
_GENERATED = (
    re.compile(rf"[{_PASSWORD_ALPHABET}]{{4}}(?:-[{_PASSWORD_ALPHABET}]{{4}}){{{PASSWORD_GROUPS - 1}}}"),
    re.compile(r"qbdgw_[0-9a-f]{12}_[A-Za-z0-9_-]{40}"),
)


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
    """A Web Connector password: 28 characters from an unambiguous alphabet (140 bits), in groups of 4."""
    count = 4 * PASSWORD_GROUPS
    chars = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(count))
    return "-".join(chars[i : i + 4] for i in range(0, count, 4))


def is_generated(secret: str) -> bool:
    """Is ``secret`` one the gateway generated (≥ 128 random bits), so that a fast keyed hash is enough?"""
    return any(pattern.fullmatch(secret) for pattern in _GENERATED)


def pepper_id(pepper: str) -> str:
    """A non-secret name for a pepper, stored with each hash so that the right one checks it."""
    return hashlib.sha256(b"qbdgw-pepper-id:" + pepper.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class SecretHasher:
    """Hashes and checks secrets: HMAC-SHA-256 with the pepper for generated ones, scrypt for the rest.

    ``peppers``: the current pepper first, then older ones still accepted (a rotation: hashes made with
    an older one are re-stored with the current one on their next successful check). Empty: scrypt only.
    Never in a repr (the services' graph may be logged).
    """

    peppers: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        short = [p for p in self.peppers if len(p) < MIN_PEPPER_CHARS]
        if short:
            raise ValueError(f"a secret pepper needs at least {MIN_PEPPER_CHARS} characters")

    @classmethod
    def from_text(cls, text: str) -> SecretHasher:
        """From ``QBDGW_SECRET_PEPPERS``: comma-separated, the current one first."""
        return cls(tuple(part.strip() for part in text.split(",") if part.strip()))

    def _keyed(self, secret: str, pepper: str) -> str:
        digest = hmac.new(pepper.encode("utf-8"), secret.encode("utf-8"), hashlib.sha256).digest()
        return f"hmac-sha256${pepper_id(pepper)}${base64.b64encode(digest).decode()}"

    def hash(self, secret: str) -> str:
        if self.peppers and is_generated(secret):
            return self._keyed(secret, self.peppers[0])
        return hash_secret(secret)

    def verify(self, secret: str, stored: str) -> bool:
        if not stored.startswith("hmac-sha256$"):
            return verify_secret(secret, stored)
        parts = stored.split("$")
        if len(parts) != 3:
            return False
        wanted_id = parts[1]
        for pepper in self.peppers:
            if pepper_id(pepper) == wanted_id:
                return hmac.compare_digest(self._keyed(secret, pepper).encode(), stored.encode())
        return False  # its pepper is no longer configured: the secret cannot be checked

    def upgrade(self, secret: str, stored: str) -> str | None:
        """After ``secret`` checked out against ``stored``: the hash to store instead, or None to keep it."""
        if not self.peppers or not is_generated(secret):
            return None
        if stored.startswith(f"hmac-sha256${pepper_id(self.peppers[0])}$"):
            return None
        return self._keyed(secret, self.peppers[0])

    def dummy(self) -> str:
        """A hash to check against when a user name is unknown: the cost of checking a current one."""
        return self._keyed(new_password(), self.peppers[0]) if self.peppers else dummy_hash()

    def session_ticket(self, end_user_id: str) -> str:
        """A session's ticket (:func:`session_ticket`'s shape) whose random part ends with its MAC."""
        nonce = secrets.token_urlsafe(24)
        return f"{end_user_id}.{nonce}{_ticket_mac(self._ticket_keys()[0], end_user_id, nonce)}"

    def issued(self, ticket: str) -> bool:
        """Was ``ticket`` made by :meth:`session_ticket` (with a pepper configured now, or in this process)?"""
        end_user_id, dot, secret = ticket.strip().rpartition(".")
        nonce, mac = secret[:_TICKET_NONCE_CHARS], secret[_TICKET_NONCE_CHARS:]
        if not (dot and end_user_id) or len(mac) != _TICKET_MAC_CHARS:
            return False
        return any(hmac.compare_digest(_ticket_mac(key, end_user_id, nonce).encode(), mac.encode())
                   for key in self._ticket_keys())

    def _ticket_keys(self) -> tuple[bytes, ...]:
        """The peppers, else a key of this process (without a pepper a ticket checks where it was issued)."""
        return tuple(p.encode("utf-8") for p in self.peppers) or (_process_key(),)


SCRYPT_ONLY = SecretHasher()
_TICKET_NONCE_CHARS = 32  # secrets.token_urlsafe(24)
_TICKET_MAC_CHARS = 22  # 132 bits of HMAC-SHA-256, base64url


@functools.cache
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def _ticket_mac(key: bytes, end_user_id: str, nonce: str) -> str:
    digest = hmac.new(key, f"qbdgw-ticket:{end_user_id}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_TICKET_MAC_CHARS]



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
