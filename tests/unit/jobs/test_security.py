"""Secrets: slow salted hashes, unguessable tickets, sortable ids (DESIGN §4.4)."""

from __future__ import annotations

import re

import pytest

from chalicelib.jobs.security import (
    JOB_ID_MAX_CHARS,
    api_key_lookup,
    dummy_hash,
    hash_secret,
    job_id,
    job_key,
    new_api_key,
    new_id,
    new_ticket,
    ticket_hash,
    verify_secret,
)
from tests.unit.jobs.fakes import PASSWORD, PASSWORD_HASH

TICKET_RE = re.compile(r"[A-Za-z0-9_-]+")
ID_RE = re.compile(r"job_[0-9a-hjkmnp-tv-z]{26}")


def test_hash_verifies_the_right_secret() -> None:
    # GIVEN a stored hash / WHEN the right secret is checked / THEN it verifies
    assert verify_secret(PASSWORD, PASSWORD_HASH) is True


@pytest.mark.parametrize("attempt", ["", "k7qm-3xpd-9rta-wz2h", PASSWORD + " ", PASSWORD[:-1]])
def test_hash_refuses_a_wrong_secret(attempt: str) -> None:
    # WHEN anything but the exact secret is checked / THEN it does not verify
    assert verify_secret(attempt, PASSWORD_HASH) is False


def test_hash_is_salted_scrypt_and_never_the_secret() -> None:
    # WHEN the same secret is hashed twice
    first, second = hash_secret(PASSWORD), hash_secret(PASSWORD)
    # THEN the hashes differ (random salt), name scrypt, and do not contain the secret
    assert first != second
    assert first.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in first
    assert verify_secret(PASSWORD, second)


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$2$3$c2FsdA==$ZGlnZXN0", "scrypt$x$8$1$c2FsdA==$ZA=="])
def test_malformed_stored_hash_never_verifies(stored: str) -> None:
    # GIVEN a corrupt or foreign stored value / THEN verification is False, not an exception
    assert verify_secret(PASSWORD, stored) is False


def test_dummy_hash_matches_nothing_useful() -> None:
    # THEN the hash used for unknown user names rejects ordinary guesses
    assert verify_secret("", dummy_hash()) is False
    assert verify_secret(PASSWORD, dummy_hash()) is False


def test_tickets_carry_at_least_128_random_bits_and_are_unique() -> None:
    # WHEN many tickets are drawn
    tickets = [new_ticket() for _ in range(2000)]
    # THEN each is URL-safe text of at least 128 bits (6 bits per character) and none repeats
    assert all(TICKET_RE.fullmatch(t) and len(t) * 6 >= 128 for t in tickets)
    assert len(set(tickets)) == len(tickets)


def test_ticket_hash_is_sha256_and_stable() -> None:
    # GIVEN a ticket / THEN the stored key is its SHA-256 (64 hex), never the ticket itself
    ticket = new_ticket()
    assert ticket_hash(ticket) == ticket_hash(ticket)
    assert re.fullmatch(r"[0-9a-f]{64}", ticket_hash(ticket))
    assert ticket not in ticket_hash(ticket)


def test_ids_sort_by_time() -> None:
    # GIVEN ids minted at increasing milliseconds (including far apart)
    times = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_999, 1_800_000_000_000]
    ids = [new_id("job", t) for t in times]
    # THEN sorting them as text sorts them by time, and they look like job_<26 Crockford chars>
    assert sorted(ids) == ids
    assert all(ID_RE.fullmatch(i) for i in ids)


def test_ids_minted_in_the_same_millisecond_are_unique() -> None:
    # WHEN many ids share a millisecond / THEN none repeats (80 random bits each)
    ids = {new_id("eu", 1_700_000_000_000) for _ in range(5000)}
    assert len(ids) == 5000
    assert all(i.startswith("eu_") for i in ids)


def test_api_keys() -> None:
    # WHEN an API key is generated
    key_id, secret, full = new_api_key()
    # THEN the full key embeds id and secret, and its lookup bucket does not reveal the secret
    assert full == f"qbdgw_{key_id}_{secret}"
    assert len(secret) * 6 >= 128
    lookup = api_key_lookup(full)
    assert re.fullmatch(r"[0-9a-f]{8}", lookup)
    assert lookup == api_key_lookup(full) and secret not in lookup


def test_a_job_id_carries_its_key_and_fits_a_request_id() -> None:
    end_user = new_id("eu")
    made = job_id(end_user, 123_456_789)
    assert made == f"job_{end_user}_123456789" and len(made) <= JOB_ID_MAX_CHARS
    assert job_key(made) == (end_user, 123_456_789)
    # an id made before ids carried their key, or anything else, carries none
    for other in (new_id("job"), "job_", "job__1", "eu_x_1", f"job_{end_user}_x", "job_a_" + "9" * 13):
        assert job_key(other) is None, other
    # a key too long for QuickBooks' requestID falls back to a random id
    assert ID_RE.fullmatch(job_id("eu_" + "x" * 60, 1))
