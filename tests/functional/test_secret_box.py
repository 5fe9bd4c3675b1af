"""The KMS adapter of SecretBox (chalicelib/delivery/kms.py) on moto, with the key the template defines
and the local stack provisions: a sealed text opens with its own context only, and holds no clear text."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.delivery.kms import KmsSecretBox
from infra.provision import provision

CONTEXT = {"purpose": "auth-link-password", "end_user_id": "eu_1", "link": "as_1"}


@pytest.fixture
def box() -> Iterator[KmsSecretBox]:
    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        outputs = provision("sealtest", dynamodb=boto3.client("dynamodb", region_name="us-east-1"), sqs=None, kms=kms)
        assert outputs.secrets_key_id and outputs.env()["QBDGW_SECRETS_KEY_ID"] == outputs.secrets_key_id
        made: list[object] = []

        def client() -> object:
            made.append(kms)
            return kms

        sealer = KmsSecretBox(client, outputs.secrets_key_id)
        assert made == []  # no client until the first seal or open: a cold start does not pay for it
        yield sealer
        assert len(made) <= 1


def test_a_sealed_secret_opens_with_its_context_and_holds_no_clear_text(box: KmsSecretBox) -> None:
    sealed = box.seal("K7QM-3XPD-9RTA-WZ2H", CONTEXT)
    assert "K7QM" not in sealed and sealed.isascii()
    assert box.open(sealed, CONTEXT) == "K7QM-3XPD-9RTA-WZ2H"


@pytest.mark.parametrize("change", [{"end_user_id": "eu_2"}, {"link": "as_2"}, {"purpose": "other"}])
def test_a_sealed_secret_does_not_open_with_another_context(box: KmsSecretBox, change: dict[str, str]) -> None:
    sealed = box.seal("K7QM-3XPD-9RTA-WZ2H", CONTEXT)
    with pytest.raises(ValueError):
        box.open(sealed, {**CONTEXT, **change})


@pytest.mark.parametrize("garbage", ["", "not base64 !", "AAAA"])
def test_what_was_not_sealed_does_not_open(box: KmsSecretBox, garbage: str) -> None:
    with pytest.raises(ValueError):
        box.open(garbage, CONTEXT)


def test_provisioning_twice_keeps_one_key_behind_the_alias() -> None:
    with mock_aws():
        kms, dynamodb = boto3.client("kms", region_name="us-east-1"), boto3.client("dynamodb", region_name="us-east-1")
        first = provision("twice", dynamodb=dynamodb, sqs=None, kms=kms).secrets_key_id
        second = provision("twice", dynamodb=dynamodb, sqs=None, kms=kms).secrets_key_id
        assert first == second
        aliases = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/qbd-gateway-twice-secrets"]
        assert [a["TargetKeyId"] for a in aliases] == [first]
