"""Property-based checks of the REST API against its own OpenAPI document (schemathesis).

The document is loaded from the running local stack (``GET /v1/openapi.json``, no key needed) and
schemathesis generates requests for creating and reading end-users and for enqueuing and reading jobs,
sent with the API key. Every answer must have a documented status, match the documented schema (our
4xx error envelope included) and never be a 5xx. Bounded: ``MAX_EXAMPLES`` per operation, no deadline
per example (the gateway's scrypt-checked API key makes the first request slow).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e
MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def stack() -> Iterator[GatewayProcess]:
    started = GatewayProcess.start()
    yield started
    started.stop()


OPERATIONS = [
    ("POST", "/v1/end-users"),
    ("GET", "/v1/end-users/{end_user_id}"),
    ("POST", "/v1/end-users/{end_user_id}/jobs"),
    ("GET", "/v1/jobs/{job_id}"),
]


@pytest.fixture(scope="module")
def api_schema(stack: GatewayProcess) -> Any:
    return schemathesis.openapi.from_url(f"{stack.base_url}/v1/openapi.json", timeout=30)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_api_conforms_to_its_document(api_schema: Any, stack: GatewayProcess, method: str, path: str) -> None:
    # GIVEN generated requests for one documented operation, with the API key
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {stack.api_key}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def conforms(case: Any) -> None:
        # WHEN each is sent to the running gateway
        # THEN the status is documented, the body matches its schema (errors: the envelope), and no 5xx
        case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS, timeout=30)

    conforms()


def test_the_document_is_served_without_a_key(stack: GatewayProcess) -> None:
    import requests

    # WHEN the document is fetched without an Authorization header  THEN it is there, OpenAPI 3.1
    response = requests.get(f"{stack.base_url}/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert "/v1/end-users/{end_user_id}/jobs" in response.json()["paths"]
