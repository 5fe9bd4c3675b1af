"""Shared fixtures: real servers on 127.0.0.1 (moto, dynalite, the gateway) started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.rest import Gateway
from tests.support.stack import Dynalite, GatewayProcess, MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    server = Dynalite()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway_process() -> Iterator[GatewayProcess]:
    """The gateway as `make run` serves it (moto inside), with a 2 s session idle limit."""
    process = GatewayProcess.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def gateway_on_dynalite(dynalite: Dynalite) -> Iterator[GatewayProcess]:
    """The gateway with its table on dynalite (atomic conditional writes) and SQS on moto."""
    process = GatewayProcess.start(dynamodb_endpoint=dynalite.endpoint)
    yield process
    process.stop()


@pytest.fixture()
def gateway(gateway_process: GatewayProcess) -> Gateway:
    return Gateway(gateway_process.base_url, gateway_process.api_key)


@pytest.fixture(scope="module")
def api(process: GatewayProcess) -> Gateway:
    """A REST client for the module's own gateway (a module that starts one names it ``process``)."""
    return Gateway(process.base_url, process.api_key)
