"""A tiny REST client for the gateway, as a SaaS backend would use it (real HTTP)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests


class Gateway:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.http = requests.Session()

    def request(self, method: str, path: str, *, json_body: Any = None, headers: dict[str, str] | None = None,
                auth: bool = True, data: bytes | str | None = None) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {self.api_key}"} if auth else {}
        all_headers.update(headers or {})
        return self.http.request(method, f"{self.base_url}{path}", json=json_body, data=data,
                                 headers=all_headers, timeout=30)

    def create_end_user(self, company_name: str = "Acme Builders", **extra: Any) -> dict[str, Any]:
        response = self.request("POST", "/v1/end-users", json_body={"company_name": company_name, **extra})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def enqueue(self, end_user_id: str, qbxml: str, **extra: Any) -> dict[str, Any]:
        headers = {}
        if "idempotency_key" in extra:
            headers["Idempotency-Key"] = extra.pop("idempotency_key")
        response = self.request("POST", f"/v1/end-users/{end_user_id}/jobs",
                                json_body={"qbxml": qbxml, **extra}, headers=headers)
        assert response.status_code in (200, 202), response.text
        return dict(response.json())

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def end_user(self, end_user_id: str) -> dict[str, Any]:
        response = self.request("GET", f"/v1/end-users/{end_user_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def wait_job(self, job_id: str, statuses: tuple[str, ...] = ("succeeded", "failed"),
                 timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in statuses or time.monotonic() > deadline:
                return job
            time.sleep(0.05)


def read_results(sqs: Any, queue_url: str, want: int, timeout: float = 30) -> list[dict[str, Any]]:
    """Receive (and delete) result messages until ``want`` arrived or ``timeout`` passed."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < want and time.monotonic() < deadline:
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                  AttributeNames=["All"])
        for message in out.get("Messages", []):
            body = json.loads(message["Body"])
            body["_group"] = message["Attributes"].get("MessageGroupId")
            body["_dedup"] = message["Attributes"].get("MessageDeduplicationId")
            found.append(body)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found
