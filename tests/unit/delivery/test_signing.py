"""Signed webhooks: the gateway's signer (chalicelib.delivery.signing) and the SDK's verifier
(qbd_gateway_sdk.webhooks), two implementations that must agree, and a known answer computed apart
from both (tests/fixtures/webhooks/known_signature.json, by openssl)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from qbd_gateway_sdk.webhooks import WebhookSignatureError, delivery_id
from qbd_gateway_sdk.webhooks import verify as sdk_verify

from chalicelib.delivery import signing
from tests.support.paths import FIXTURES_DIR

KNOWN = json.loads((FIXTURES_DIR / "webhooks" / "known_signature.json").read_text())
NOW = 1_764_633_600


def test_the_signature_is_the_one_openssl_computes() -> None:
    header = signing.signature_header(KNOWN["body"].encode(), [KNOWN["secret"]], KNOWN["timestamp"])
    assert header == f"t={KNOWN['timestamp']},v1={KNOWN['v1']}"
    assert sdk_verify(KNOWN["body"], header, KNOWN["secret"], now=KNOWN["timestamp"] + 10) == json.loads(KNOWN["body"])


@given(body=st.binary(max_size=300).map(lambda b: json.dumps({"b": b.hex()}).encode()),
       skew=st.integers(-300, 300))
def test_what_the_gateway_signs_the_sdk_verifies_within_the_tolerance(body: bytes, skew: int) -> None:
    secret = signing.new_secret()
    headers = signing.signed_headers("wh_dlv_1", body, [secret], NOW)
    assert sdk_verify(body, headers, secret, now=NOW + skew) == json.loads(body)
    assert signing.verify(body, headers[signing.SIGNATURE_HEADER], [secret], now=NOW + skew) == NOW
    assert delivery_id(headers) == "wh_dlv_1"


@given(body=st.binary(min_size=1, max_size=200), flip=st.integers(0, 10_000))
def test_a_changed_body_does_not_verify(body: bytes, flip: int) -> None:
    secret = signing.new_secret()
    header = signing.signature_header(body, [secret], NOW)
    index = flip % len(body)
    changed = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        sdk_verify(changed, header, secret, now=NOW)
    with pytest.raises(signing.SignatureError):
        signing.verify(changed, header, [secret], now=NOW)


def test_another_secret_an_old_delivery_and_a_missing_header_do_not_verify() -> None:
    body = b'{"ok":true}'
    secret = signing.new_secret()
    header = signing.signature_header(body, [secret], NOW)
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        sdk_verify(body, header, signing.new_secret(), now=NOW)
    with pytest.raises(WebhookSignatureError, match="tolerance 300 s"):  # a replay five minutes and a second later
        sdk_verify(body, header, secret, now=NOW + 301)
    with pytest.raises(WebhookSignatureError, match="no QBDGW-Signature header"):
        sdk_verify(body, {"Content-Type": "application/json"}, secret, now=NOW)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=12,t=13,v1=ab", "t=abc,v1=ab", "t=12", "garbage",
                                    "t=1764633600,v2=ab"])
def test_a_malformed_header_is_refused_by_both(header: str) -> None:
    with pytest.raises(WebhookSignatureError):
        sdk_verify(b"{}", header or {"x": "y"}, signing.new_secret(), now=NOW)
    with pytest.raises(signing.SignatureError):
        signing.verify(b"{}", header, [signing.new_secret()], now=NOW)


def test_while_a_secret_rotates_a_receiver_holding_either_verifies() -> None:
    # GIVEN an endpoint whose secret is being rotated: the new one and the old one are both valid
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"event_id":"evt_9"}'
    header = signing.signature_header(body, [new, old], NOW)
    assert header.count("v1=") == 2
    # THEN the receiver that still has the old secret, and the one that has the new, both verify
    assert sdk_verify(body, header, old, now=NOW) == {"event_id": "evt_9"}
    assert sdk_verify(body, header, [new], now=NOW) == {"event_id": "evt_9"}
    # AND a third secret is never signed with
    with pytest.raises(ValueError, match="1 to 2 secrets"):
        signing.signature_header(body, [new, old, signing.new_secret()], NOW)


def test_header_names_are_matched_without_regard_to_case() -> None:
    secret = signing.new_secret()
    body = b'{"a":1}'
    headers = {k.lower(): v for k, v in signing.signed_headers("wh_dlv_2", body, [secret], NOW).items()}
    assert sdk_verify(body, headers, secret, now=NOW) == {"a": 1}
    assert signing.header_of(headers, "QBDGW-WEBHOOK-ID") == "wh_dlv_2"


def test_secrets_carry_256_random_bits_and_look_like_secrets() -> None:
    made = {signing.new_secret() for _ in range(50)}
    assert len(made) == 50 and all(signing.is_secret(s) and len(s) == 49 for s in made)
    assert not signing.is_secret("whsec_short")
