"""Property-based checks of the REST API against its own OpenAPI document (schemathesis).

The document is loaded from the running local stack (``GET /v1/openapi.json``, with the API key) and
schemathesis generates requests for creating and reading end-users and for enqueuing and reading jobs,
sent with the API key. Every answer must have a documented status, match the documented schema (our
4xx error envelope included) and never be a fault of the gateway: a 500, or a 5xx without the
envelope (a 503 that reports the customer's machine, e.g. with ``fail_if_offline``, is part of the
contract). Bounded: ``MAX_EXAMPLES`` per run, no deadline per example.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e
MAX_EXAMPLES = 20


def no_server_fault(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx of the gateway's own making.

    A 503/504 that *reports the customer's machine* (e.g. ``end_user_never_connected`` for
    ``fail_if_offline``) is part of the contract: it comes as the envelope with its own code. A 500
    (``internal_error``) or a 5xx without the envelope is a server fault.
    """
    if response.status_code < 500:
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    if response.status_code == 500 or code in (None, "internal_error"):
        return not_a_server_error(ctx, response, case)
    return None


CHECKS = [no_server_fault, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def stack() -> Iterator[GatewayProcess]:
    started = GatewayProcess.start()
    yield started
    started.stop()


# (method, path, generation mode, which real resource the path parameter is pinned to, if any)
RUNS = [
    ("POST", "/v1/end-users", GenerationMode.POSITIVE, None),
    ("POST", "/v1/end-users", GenerationMode.NEGATIVE, None),
    ("GET", "/v1/end-users/{end_user_id}", GenerationMode.POSITIVE, None),
    ("GET", "/v1/end-users/{end_user_id}", GenerationMode.POSITIVE, "end_user_id"),
    ("POST", "/v1/end-users/{end_user_id}/jobs", GenerationMode.POSITIVE, None),
    ("POST", "/v1/end-users/{end_user_id}/jobs", GenerationMode.POSITIVE, "end_user_id"),
    ("POST", "/v1/end-users/{end_user_id}/jobs", GenerationMode.NEGATIVE, "end_user_id"),
    ("GET", "/v1/jobs/{job_id}", GenerationMode.POSITIVE, None),
    ("GET", "/v1/jobs/{job_id}", GenerationMode.POSITIVE, "job_id"),
]


@pytest.fixture(scope="module")
def api_schema(stack: GatewayProcess) -> Any:
    return schemathesis.openapi.from_url(f"{stack.base_url}/v1/openapi.json", timeout=30,
                                         headers={"Authorization": f"Bearer {stack.api_key}"})


@pytest.fixture(scope="module")
def real_ids(stack: GatewayProcess) -> dict[str, str]:
    """An end-user and a job that exist, so generated requests also reach past the 404s."""
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    user = requests.post(f"{stack.base_url}/v1/end-users", json={"company_name": "Schemathesis Co"},
                         headers=headers, timeout=30).json()
    job = requests.post(f"{stack.base_url}/v1/end-users/{user['id']}/jobs", headers=headers, timeout=30,
                        json={"qbxml": "<CustomerQueryRq><MaxReturned>1</MaxReturned></CustomerQueryRq>"}).json()
    return {"end_user_id": user["id"], "job_id": job["id"]}


@pytest.mark.parametrize(("method", "path", "mode", "pinned"), RUNS)
def test_the_api_conforms_to_its_document(api_schema: Any, stack: GatewayProcess, real_ids: dict[str, str],
                                          method: str, path: str, mode: GenerationMode, pinned: str | None) -> None:
    # GIVEN generated requests (valid, or invalid in NEGATIVE mode) for one documented operation, with the key
    operation = api_schema[path][method]
    strategy = operation.as_strategy(generation_mode=mode,
                                     path_parameters={pinned: real_ids[pinned]} if pinned else None)
    headers = {"Authorization": f"Bearer {stack.api_key}"}

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def conforms(case: Any) -> None:
        # WHEN each is sent to the running gateway
        # THEN the status is documented, the body matches its schema (errors: the envelope), and no 5xx
        case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS, timeout=30)

    conforms()


def test_the_document_is_served_only_with_a_key(stack: GatewayProcess) -> None:
    # WHEN the document is fetched without, then with the API key  THEN only the second gets it, OpenAPI 3.1
    assert requests.get(f"{stack.base_url}/v1/openapi.json", timeout=10).status_code == 401
    response = requests.get(f"{stack.base_url}/v1/openapi.json", timeout=10,
                            headers={"Authorization": f"Bearer {stack.api_key}"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert "/v1/end-users/{end_user_id}/jobs" in response.json()["paths"]


TYPED_EXAMPLES = 2
_PLAIN = ("/v1/end-users/{end_user_id}", "/v1/end-users/{end_user_id}/jobs", "/v1/end-users/{end_user_id}/qwc",
          "/v1/end-users/{end_user_id}/health-check")


def typed_operations(schema: Any) -> list[Any]:
    """Every operation of the typed resources (and of POST …/requests) in the served document."""
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        path = operation.path
        if path.startswith("/v1/end-users/{end_user_id}/") and path not in _PLAIN:
            found.append(operation)
    return found


def test_every_typed_operation_conforms_to_the_document(api_schema: Any, stack: GatewayProcess,
                                                        real_ids: dict[str, str]) -> None:
    # GIVEN every operation of the typed resources in the document the running gateway serves, for a real
    # end-user, asked not to wait (its Web Connector never connects: a valid call is a 202 with its job;
    # the generated Prefer and wait are pinned, or each call would wait out a random wait)
    operations = typed_operations(api_schema)
    assert len(operations) > 250
    headers = {"Authorization": f"Bearer {stack.api_key}", "Prefer": "respond-async"}
    statuses: dict[int, int] = {}
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                         path_parameters={"end_user_id": real_ids["end_user_id"]},
                                         headers={"Prefer": "respond-async"}, query={"wait": 0})

        @given(case=strategy)
        @settings(max_examples=TYPED_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            # WHEN a generated request is sent  THEN its status is documented, its body matches, no server fault
            response = case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS, timeout=30)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            conforms()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}") from exc
    # AND calls reached the queue (202), not only refusals
    assert statuses.get(202, 0) > 20, statuses
