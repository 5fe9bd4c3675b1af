"""The job as the SaaS sees it: GET /v1/jobs/{id} and the SQS result message (schema v1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

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
