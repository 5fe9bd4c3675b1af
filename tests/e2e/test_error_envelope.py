"""One error envelope everywhere (issue "Edges a new user meets"): what the local server, Chalice and
the handlers refuse, over real HTTP as ``make run`` serves it — a path no route has, a method a route
lacks, a body type a route does not read — answers with the documented envelope, and never repeats
a header the caller sent. A JSON body is read without a ``Content-Type`` and as ``curl -d`` labels it.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.rest import Gateway
from tests.support.stack import GatewayProcess

pytestmark = pytest.mark.e2e
ENVELOPE = {"type", "code", "message", "user_facing_message", "http_status", "integration_code", "retryable",
            "guide", "request_id"}
SECRET = "Bearer qbdgw_sk_this-value-must-never-come-back-0123456789"


def refused(response: requests.Response, status: int, code: str) -> dict[str, object]:
    """The response is the envelope with ``status`` and ``code``, and repeats no header value sent."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    err = response.json()["error"]
    assert set(err) == ENVELOPE
    assert (err["code"], err["http_status"]) == (code, status)
    assert err["user_facing_message"] and err["request_id"]
    assert "this-value-must-never-come-back" not in response.text
    assert "this-value-must-never-come-back" not in json.dumps(dict(response.headers))
    return dict(err)


@pytest.mark.parametrize(("method", "path"), [("GET", "/v1/nope"), ("POST", "/v2/jobs"), ("GET", "/"),
                                              ("DELETE", "/nothing/here")])
def test_a_path_no_route_has_is_route_not_found(gateway_process: GatewayProcess, method: str, path: str) -> None:
    # WHEN a caller with an Authorization header asks for a path no route has
    response = requests.request(method, gateway_process.base_url + path, headers={"Authorization": SECRET},
                                timeout=10)
    # THEN 404 route_not_found in the envelope (not API Gateway's 403 repeating the header)
    refused(response, 404, "route_not_found")


def test_a_method_the_route_lacks_is_method_not_allowed_with_allow(gateway_process: GatewayProcess) -> None:
    # WHEN the jobs route is called with PUT
    response = requests.put(gateway_process.base_url + "/v1/end-users/eu_x/jobs", data="{}",
                            headers={"Authorization": SECRET, "Content-Type": "application/json"}, timeout=10)
    # THEN 405 method_not_allowed in the envelope, and Allow lists what it takes
    refused(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"


def test_a_body_type_a_json_route_does_not_read_is_unsupported_media_type(gateway_process: GatewayProcess) -> None:
    # WHEN a JSON route gets a body labelled XML (the label is the caller's header: never echoed)
    response = requests.post(gateway_process.base_url + "/v1/end-users", data="<x/>",
                             headers={"Authorization": SECRET, "Content-Type": "application/xml; x=never-come-back"},
                             timeout=10)
    # THEN 415 unsupported_media_type in the envelope
    err = refused(response, 415, "unsupported_media_type")
    assert "never-come-back" not in str(err["message"])


def test_a_wrong_api_key_is_refused_without_repeating_it(gateway_process: GatewayProcess) -> None:
    response = requests.get(gateway_process.base_url + "/v1/jobs/job_x", headers={"Authorization": SECRET},
                            timeout=10)
    refused(response, 401, "invalid_api_key")


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain",
                                          "application/json; charset=utf-8"])
def test_a_json_body_is_read_however_a_command_line_client_labels_it(gateway_process: GatewayProcess,
                                                                    content_type: str | None) -> None:
    # GIVEN a JSON body sent as curl -d sends it (form-urlencoded), as text, or with no Content-Type at all
    api = Gateway(gateway_process.base_url, gateway_process.api_key)
    headers = {"Authorization": f"Bearer {gateway_process.api_key}"}
    if content_type:
        headers["Content-Type"] = content_type
    body = json.dumps({"company_name": "Curl Builders"}).encode()
    request = requests.Request("POST", gateway_process.base_url + "/v1/end-users", data=body, headers=headers)
    prepared = request.prepare()
    if content_type is None:
        prepared.headers.pop("Content-Type", None)
    response = requests.Session().send(prepared, timeout=10)
    # THEN the end-user is created
    assert response.status_code == 201, response.text
    assert api.end_user(response.json()["id"])["company_name"] == "Curl Builders"
