"""Secrets at the right cost (chalicelib.jobs.security.SecretHasher): what the gateway generates (≥ 128
random bits) is stored as an HMAC-SHA-256 keyed with the server's pepper; anything else as scrypt; stored
scrypt hashes of generated secrets, and hashes under an older pepper, are re-stored on their next use."""

from __future__ import annotations

import logging
import re

import pytest

from chalicelib.jobs.security import (
    SCRYPT_ONLY,
    SecretHasher,
    hash_secret,
    is_generated,
    new_api_key,
    new_password,
    pepper_id,
)
from chalicelib.qbwc import calls as c
from tests.unit.jobs.harness import Harness

PEPPER = "p" * 31 + "1"
OLDER = "o" * 31 + "2"


def test_generated_passwords_carry_at_least_128_bits_in_groups_of_four() -> None:
    # WHEN passwords are generated / THEN 7 groups of 4 from a 32-letter alphabet (140 bits), all different
    passwords = [new_password() for _ in range(200)]
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){6}", p) for p in passwords)
    assert 28 * 5 >= 128 and len(set(passwords)) == 200
    assert all(is_generated(p) for p in passwords) and is_generated(new_api_key()[2])


@pytest.mark.parametrize("chosen", ["K7QM-3XPD-9RTA-WZ2H", "correct horse battery staple", "qbdgw_abc_def", ""])
def test_secrets_the_gateway_did_not_generate_are_scrypt_hashes(chosen: str) -> None:
    # GIVEN a pepper WHEN an 80-bit password of an older release or a chosen secret is hashed THEN scrypt
    stored = SecretHasher((PEPPER,)).hash(chosen)
    assert stored.startswith("scrypt$") and SecretHasher((PEPPER,)).verify(chosen, stored)


def test_a_generated_secret_is_a_keyed_hash_that_names_its_pepper_and_never_holds_the_secret() -> None:
    password = new_password()
    stored = SecretHasher((PEPPER,)).hash(password)
    scheme, named, digest = stored.split("$")
    assert (scheme, named) == ("hmac-sha256", pepper_id(PEPPER))
    assert password not in stored and PEPPER not in stored and len(digest) == 44
    assert SecretHasher((PEPPER,)).verify(password, stored)
    assert not SecretHasher((PEPPER,)).verify(new_password(), stored)
    # the same secret under another pepper is another hash, and a pepper that is gone checks nothing
    assert SecretHasher((OLDER,)).hash(password) != stored
    assert not SecretHasher((OLDER,)).verify(password, stored)
    assert not SCRYPT_ONLY.verify(password, stored)


def test_without_a_pepper_everything_is_scrypt_and_nothing_is_upgraded() -> None:
    password = new_password()
    stored = SCRYPT_ONLY.hash(password)
    assert stored.startswith("scrypt$") and SCRYPT_ONLY.verify(password, stored)
    assert SCRYPT_ONLY.upgrade(password, stored) is None


def test_upgrades_go_to_the_current_pepper_only_for_generated_secrets() -> None:
    hasher = SecretHasher((PEPPER, OLDER))
    password = new_password()
    # a scrypt hash of a generated password, and an HMAC under the older pepper: both re-stored
    for stored in (hash_secret(password), SecretHasher((OLDER,)).hash(password)):
        assert hasher.verify(password, stored)
        upgraded = hasher.upgrade(password, stored)
        assert upgraded == SecretHasher((PEPPER,)).hash(password)
    # already current: kept; not generated: kept as scrypt
    assert hasher.upgrade(password, SecretHasher((PEPPER,)).hash(password)) is None
    assert hasher.upgrade("K7QM-3XPD-9RTA-WZ2H", hash_secret("K7QM-3XPD-9RTA-WZ2H")) is None


def test_a_short_pepper_is_refused_and_the_setting_reads_a_rotation() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        SecretHasher(("short",))
    assert SecretHasher.from_text(f" {PEPPER} , {OLDER} ").peppers == (PEPPER, OLDER)
    assert SecretHasher.from_text("").peppers == ()
    assert PEPPER not in repr(__import__("chalicelib.config", fromlist=["Settings"]).Settings(secret_peppers=PEPPER))
    assert PEPPER not in repr(SecretHasher((PEPPER,)))


@pytest.mark.parametrize("stored", ["hmac-sha256$", "hmac-sha256$abc", "hmac-sha256$a$b$c", "hmac-sha256$$"])
def test_a_malformed_keyed_hash_never_verifies(stored: str) -> None:
    assert SecretHasher((PEPPER,)).verify(new_password(), stored) is False


def test_a_web_connector_password_stored_as_scrypt_is_re_stored_keyed_at_its_next_login(
        caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an end-user whose generated password an older release stored as scrypt, and a gateway with a pepper
    gw = Harness.build()
    password = new_password()
    gw.store.update_end_user(gw.user.id, {"password_hash": hash_secret(password)})
    gw.service.hasher = SecretHasher((PEPPER,))
    # WHEN the Web Connector logs in
    with caplog.at_level(logging.INFO):
        assert gw.service.dispatch(c.Authenticate(gw.user.id, password))[1] != "nvu"
    # THEN its hash is the keyed one now (said in the log, without the secret), and the next login checks it
    stored = gw.end_user().password_hash
    assert stored == SecretHasher((PEPPER,)).hash(password)
    assert "re-stored with the keyed hash" in caplog.text and password not in caplog.text
    gw.service.dispatch(c.CloseConnection(gw.authenticate(password)[0]))
    assert gw.service.dispatch(c.Authenticate(gw.user.id, password))[1] != "nvu"
    assert gw.service.dispatch(c.Authenticate(gw.user.id, "WRONG-PASS-WORD-XXXX-XXXX-XXXX-XXXX"))[1] == "nvu"


def test_an_older_release_s_80_bit_password_keeps_its_scrypt_hash() -> None:
    # GIVEN the harness's 16-character password (80 bits) stored as scrypt, and a pepper
    gw = Harness.build()
    gw.service.hasher = SecretHasher((PEPPER,))
    before = gw.end_user().password_hash
    # WHEN it logs in THEN it is accepted and its hash stays as it was (too few bits for a fast hash)
    assert gw.authenticate()[1] != "nvu"
    assert gw.end_user().password_hash == before and before.startswith("scrypt$")
