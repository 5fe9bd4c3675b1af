"""Functional fixtures: the whole gateway in-process on moto, driven through ``chalice.test.Client``.

Every test gets a fresh emulated account (``moto.mock_aws``) with the table and queues created from
``infra/template.json`` (the same definition production uses), a service graph built by
:func:`chalicelib.wiring.build` and installed with :func:`chalicelib.wiring.reset`, and an API key.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

import app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.wiring import Services
from infra.provision import provision
from tests.functional.support import REGION, Api, Aws
from tests.support.paths import SCHEMA_DIR
from tests.unit.jobs.fakes import FakeSecretBox


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        dynamodb, sqs = boto3.client("dynamodb", region_name=REGION), boto3.client("sqs", region_name=REGION)
        yield Aws(dynamodb, sqs, provision("test", dynamodb=dynamodb, sqs=sqs))


@pytest.fixture
def services(aws: Aws) -> Iterator[Services]:
    out = aws.outputs
    settings = Settings(stage="test", region=REGION, table_name=out.table_name,
                        results_queue_url=out.results_queue_url, ingress_queue_url=out.ingress_queue_url,
                        ingress_dlq_url=out.ingress_dlq_url, schema_dir=SCHEMA_DIR, session_idle_seconds=0)
    # the stack's KMS key seals the secrets the gateway must show again (auth links, a keyed end-user creation)
    built = wiring.build(settings, clients={"dynamodb": aws.dynamodb, "sqs": aws.sqs}, secrets=FakeSecretBox())
    wiring.reset(built)
    yield built
    wiring.reset(None)


@pytest.fixture
def client(services: Services) -> Iterator[Client]:
    with Client(app.app) as test_client:
        yield test_client


@pytest.fixture
def api(client: Client, services: Services) -> Api:
    _record, key = services.auth.create("functional tests")
    return Api(client, key)
