"""End-to-end fixtures: a results consumer per gateway process (session-wide, like a SaaS's)."""

from __future__ import annotations

import pytest

from tests.e2e.support import ResultInbox
from tests.support.stack import GatewayProcess


@pytest.fixture(scope="session")
def inbox(gateway_process: GatewayProcess) -> ResultInbox:
    return ResultInbox(gateway_process)


@pytest.fixture(scope="session")
def dynalite_inbox(gateway_on_dynalite: GatewayProcess) -> ResultInbox:
    return ResultInbox(gateway_on_dynalite)


@pytest.fixture(scope="module")
def results(process: GatewayProcess) -> ResultInbox:
    """The results consumer of the module's own gateway (``process``)."""
    return ResultInbox(process)
