"""API keys: ``Authorization: Bearer <key>`` checked against stored hashes.

A key record is found by a short, non-secret bucket id (32 bits of the key's SHA-256) and then
verified with :class:`~chalicelib.jobs.security.SecretHasher`: a key the gateway generated (240 bits)
is stored as an HMAC-SHA-256 with the server's pepper, one an operator chose as a salted scrypt hash
(and a generated key stored by an older release as scrypt is re-stored as an HMAC when it is next
used). A verified key is remembered in process memory for ``cache_seconds`` — by its SHA-256, never
in clear — and while remembered, each request still reads the key's record once, so a revoked key
stops working at once on every Lambda.

Keys are an operator's tool (``qbdgw api-keys create|list|revoke`` talk to the table directly):
:meth:`ApiKeyAuthenticator.create` returns the clear key once; :func:`key_view` is what a listing
shows — id, name, prefix and dates, never the hash.

A refused key is logged (``API key refused``, with the error code — never the key) and counted as
``AuthenticationFailures`` (``kind=api_key``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import GatewayError, error
from chalicelib.jobs.models import ApiKey
from chalicelib.jobs.ports import Clock, Store
from chalicelib.jobs.results import iso
from chalicelib.jobs.security import SCRYPT_ONLY, SecretHasher, api_key_lookup, new_api_key
from chalicelib.observability import NO_METRICS, Metrics

log = logging.getLogger(__name__)


class ApiKeyAuthenticator:
    def __init__(self, store: Store, clock: Clock, *, cache_seconds: int = 60,
                 metrics: Metrics = NO_METRICS, hasher: SecretHasher = SCRYPT_ONLY) -> None:
        self.store = store
        self.hasher = hasher
        self.metrics = metrics
        self.clock = clock
        self.cache_ttl = timedelta(seconds=cache_seconds)
        self._cache: dict[str, tuple[ApiKey, datetime]] = {}
        self._lock = threading.Lock()

    def authenticate(self, authorization: str | None) -> ApiKey:
        """The key behind an ``Authorization`` header, or a 401 :class:`GatewayError`."""
        try:
            return self._authenticate(authorization)
        except GatewayError as exc:
            log.info("API key refused", extra={"code": exc.code})
            self.metrics.put("AuthenticationFailures", kind="api_key")
            raise

    def _authenticate(self, authorization: str | None) -> ApiKey:
        if not authorization or not authorization.strip():
            raise error("missing_api_key", "the Authorization header is missing; send 'Bearer <api key>'")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise error("missing_api_key", "the Authorization header must be 'Bearer <api key>'")
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        now = self.clock()
        with self._lock:
            cached = self._cache.get(digest)
        if cached and cached[1] > now:
            current = self.store.get_api_key(cached[0].key_id)  # one read, so a revocation counts at once
            if current is not None and current.revoked_at is None:
                return current
            raise error("invalid_api_key", "the API key has been revoked")
        for key in self.store.find_api_keys(api_key_lookup(token)):
            if self.hasher.verify(token, key.secret_hash):
                if key.revoked_at is not None:
                    raise error("invalid_api_key", "the API key has been revoked")
                upgraded = self.hasher.upgrade(token, key.secret_hash)
                if upgraded is not None:
                    self.store.rehash_api_key(key.key_id, upgraded)
                    log.info("API key re-stored with the keyed hash", extra={"key_id": key.key_id})
                with self._lock:
                    self._cache[digest] = (key, now + self.cache_ttl)
                return key
        raise error("invalid_api_key", "the API key is not valid")

    def create(self, name: str, full_key: str | None = None) -> tuple[ApiKey, str]:
        """Store a new key (or the given one) and return it with the clear text, shown once."""
        key_id, _secret, generated = new_api_key()
        clear = full_key or generated
        record = ApiKey(key_id=key_id, lookup=api_key_lookup(clear), secret_hash=self.hasher.hash(clear),
                        name=name, created_at=self.clock(), prefix=clear[:12])
        self.store.put_api_key(record)
        return record, clear

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first (revoked ones included)."""
        return sorted(self.store.list_api_keys(), key=lambda k: (k.created_at, k.key_id))

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke a key now (idempotent); None when there is no such key.

        Takes effect on the very next request, on every process: cached keys are re-read per request.
        """
        return self.store.revoke_api_key(key_id, self.clock())


def key_view(key: ApiKey) -> dict[str, Any]:
    """What an operator sees of a key: never the clear key nor its hash."""
    return {"key_id": key.key_id, "name": key.name, "prefix": key.prefix,
            "created_at": iso(key.created_at), "revoked_at": iso(key.revoked_at)}
