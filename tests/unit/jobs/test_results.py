"""The job as the SaaS sees it: GET /v1/jobs/{id} and the SQS result message (schema v1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.jobs.models import Job
from chalicelib.jobs.results import iso, job_view, result_message
from chalicelib.jobs.states import JobStatus
from tests.unit.jobs.fakes import START

JOB = Job(id="job_01", end_user_id="eu_1", seq=3, status=JobStatus.QUEUED, qbxml="<CustomerQueryRq/>",
          request_names=("CustomerQueryRq",), is_write=False, enqueued_at=START, source="rest")


def test_iso_is_utc_milliseconds_with_z() -> None:
    # THEN times are written one way everywhere: UTC, milliseconds, "Z"
    assert iso(datetime(2024, 3, 4, 9, 30, 1, 234567, tzinfo=UTC)) == "2024-03-04T09:30:01.234Z"
    assert iso(None) is None
    # AND a non-UTC offset is kept rather than mislabelled as Z
    assert iso(datetime(2024, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=1)))).endswith("+01:00")


def test_queued_job_view() -> None:
    # GIVEN a queued job / THEN the view has every contract field, nothing completed yet
    view = job_view(JOB)
    assert view["id"] == "job_01" and view["status"] == "queued"
    assert {"id", "end_user_id", "status", "response_qbxml", "error", "enqueued_at",
            "completed_at"} <= set(view)
    assert view["completed_at"] is None and view["response_qbxml"] is None
    assert view["request_names"] == ["CustomerQueryRq"]


def test_message_and_view_agree_on_a_failed_job() -> None:
    # GIVEN a failed job
    err = {"type": "quickbooks_request_error", "code": "quickbooks_status_error", "message": "m",
           "user_facing_message": "u", "http_status": 422, "integration_code": "3140"}
    failed = replace(JOB, status=JobStatus.FAILED, error=err, completed_at=START + timedelta(seconds=9))
    # WHEN rendered both ways / THEN the shared fields are identical, and the message is version 1
    message, view = result_message(failed), job_view(failed)
    assert message["schema_version"] == 1
    assert message["job_id"] == view["id"]
    for field in ("end_user_id", "status", "response_qbxml", "error", "enqueued_at", "completed_at"):
        assert message[field] == view[field]
    assert message["completed_at"] == "2024-03-04T09:30:09.000Z"


ANSWER = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerAddRs requestID="job_01" statusCode="0" '
          'statusSeverity="Info" statusMessage="OK"><CustomerRet><ListID>80000001-1</ListID>'
          "<TimeCreated>2024-05-01T10:00:00</TimeCreated><TimeModified>2024-05-01T10:00:00</TimeModified>"
          "<EditSequence>17</EditSequence><Name>Acme</Name><FullName>Acme</FullName><IsActive>true</IsActive>"
          "<Sublevel>0</Sublevel><Balance>0.00</Balance><TotalBalance>0.00</TotalBalance><JobStatus>None</JobStatus>"
          "</CustomerRet></CustomerAddRs></QBXMLMsgsRs></QBXML>")
DONE = replace(JOB, status=JobStatus.SUCCEEDED, qbxml="<CustomerAddRq/>", request_names=("CustomerAddRq",),
               response_qbxml=ANSWER, completed_at=START + timedelta(seconds=2))


def test_only_a_job_that_asks_for_json_carries_it_on_its_result_message() -> None:
    # GIVEN the same answered job, raw and typed
    raw, typed = result_message(DONE), result_message(replace(DONE, call="customers.create", render_json=True))
    # THEN the raw job's message is as before; the typed one carries the JSON and the call's answer
    assert "response_json" not in raw and "result" not in raw
    assert typed["response_json"][0]["type"] == "CustomerAddRs"
    assert typed["result"]["id"] == "80000001-1" and typed["result"]["revision_number"] == "17"
    assert typed["response_qbxml"] == ANSWER


def test_a_rendering_that_fails_never_stops_the_result_from_going_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the JSON rendering breaks on an answer
    from chalicelib.resources import answer

    def broken(text: str) -> list[dict[str, object]]:
        raise RuntimeError("a bug in the rendering")

    monkeypatch.setattr(answer, "render_messages", broken)
    # WHEN the typed job's result message is made  THEN it is made, with the raw answer and the reason
    message = result_message(replace(DONE, call="customers.create", render_json=True))
    assert message["response_qbxml"] == ANSWER and message["status"] == "succeeded"
    assert message["response_json_error"]["code"] == "internal_error" and "result" not in message
