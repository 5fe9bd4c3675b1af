"""``qbdgw jobs``: a paged enqueue, the paging progress and warnings in ``show``, and ``show --response``,
which prints the answer's qbXML whether it is inline or offloaded to the payload bucket.

The commands run through click's test runner against a fake gateway (``cli.rest.Gateway.call`` answers
from a dict of job views and records every request), as the ``api-keys`` tests run on a fake store;
S3 is moto's (``tests/unit/emulated_aws.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from chalicelib import wiring
from cli import aws as cli_aws
from cli import rest
from cli.main import cli
from cli.output import Failure
from tests.unit.emulated_aws import EmulatedAws, emulated_aws

ANSWER = '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs><CustomerRet><Name>Zoë Ünal Café</Name>' \
         '</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>'
PAGING = {"page_size": 500, "pages": 3, "records": 1500, "remaining": 8412, "restarts": 1}
WARNINGS = [
    {"type": "quickbooks_request_error", "code": "max_returned_ceiling", "http_status": 200,
     "message": "CustomerQueryRs returned 500 records, the ceiling the gateway sets on unpaged queries",
     "user_facing_message": "Only part of the records were read in this sync.", "integration_code": None},
    {"type": "quickbooks_request_error", "code": "quickbooks_warning", "http_status": 200,
     "message": "A field is not supported by this edition", "user_facing_message": "", "integration_code": "530"},
]


def job_view(job_id: str = "job_1", **fields: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"id": job_id, "end_user_id": "eu_1", "status": "succeeded",
                            "request_names": ["CustomerQueryRq"], "response_qbxml": None, "error": None,
                            "enqueued_at": "2026-12-01T10:00:00.000Z", "started_at": "2026-12-01T10:00:01.000Z",
                            "completed_at": "2026-12-01T10:00:07.000Z", "deadline_at": None, "attempts": 1}
    return {**view, **fields}


class FakeGateway:
    """The REST API as the CLI calls it: job views by id, a queued job for every enqueue."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any, dict[str, str] | None]] = []

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> bytes:
        self.requests.append((method, path, body, headers))
        if method == "POST" and path.endswith("/jobs"):
            return json.dumps({"id": "job_new", "end_user_id": path.split("/")[3], "status": "queued",
                               "enqueued_at": "2026-12-01T10:00:00.000Z"}).encode()
        job_id = path.removeprefix("/v1/jobs/")
        if method == "GET" and job_id in self.jobs:
            return json.dumps(self.jobs[job_id]).encode()
        raise Failure({"http_status": 404, "code": "job_not_found", "message": f"no job {job_id}",
                       "user_facing_message": "The job does not exist."})


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr(rest.Gateway, "call", lambda self, *args, **kwargs: fake.call(*args, **kwargs))
    return fake


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedAws]:
    with emulated_aws(monkeypatch) as account:
        yield account


def qbdgw(*args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--api-key", "k"])


# enqueue --page-size ------------------------------------------------------------------------------------
def test_enqueue_with_a_page_size_sends_paging(gateway: FakeGateway) -> None:
    # WHEN a query is enqueued with --page-size, then without
    paged = qbdgw("jobs", "enqueue", "eu_1", "<CustomerQueryRq/>", "--page-size", "250", "--json")
    plain = qbdgw("jobs", "enqueue", "eu_1", "<CustomerQueryRq/>")
    # THEN the first body asks for pages of 250, the second for no paging; both print the accepted job
    assert paged.exit_code == 0 and plain.exit_code == 0, paged.output + plain.output
    assert [(m, p, b) for m, p, b, _h in gateway.requests] == [
        ("POST", "/v1/end-users/eu_1/jobs", {"qbxml": "<CustomerQueryRq/>", "paging": {"page_size": 250}}),
        ("POST", "/v1/end-users/eu_1/jobs", {"qbxml": "<CustomerQueryRq/>"}),
    ]
    assert json.loads(paged.stdout)["id"] == "job_new"


def test_enqueue_refuses_a_page_size_below_one_before_calling_the_gateway(gateway: FakeGateway) -> None:
    result = qbdgw("jobs", "enqueue", "eu_1", "<CustomerQueryRq/>", "--page-size", "0")
    assert result.exit_code == 2 and "--page-size" in result.output
    assert gateway.requests == []


# show: paging progress and warnings ---------------------------------------------------------------------
def test_show_prints_the_paging_progress_and_the_warnings(gateway: FakeGateway) -> None:
    # GIVEN a paged sync under way, with warnings, and a plain job
    gateway.jobs["job_1"] = job_view(status="in_flight", completed_at=None, paging=PAGING, warnings=WARNINGS,
                                     response_qbxml="<QBXML>page 3</QBXML>")
    gateway.jobs["job_2"] = job_view("job_2", response_qbxml="<QBXML/>")
    # WHEN both are shown
    paged, plain = qbdgw("jobs", "show", "job_1"), qbdgw("jobs", "show", "job_2")
    # THEN the paged one shows pages, records, remaining and restarts, each warning, and the last page
    assert paged.exit_code == 0, paged.output
    assert "paging: 3 page(s) of 500, 1500 record(s), 8412 remaining, 1 restart(s)" in paged.stdout
    warnings = paged.stdout.split("\nwarnings:\n")[1]
    assert warnings.startswith(
        "  max_returned_ceiling: CustomerQueryRs returned 500 records, the ceiling the gateway sets on unpaged "
        "queries\n  quickbooks_warning (530): A field is not supported by this edition\n")
    assert "<QBXML>page 3</QBXML>" in paged.stdout
    # AND the plain one neither
    assert plain.exit_code == 0 and "paging:" not in plain.stdout and "warnings:" not in plain.stdout
    # AND --json prints the view as the gateway sent it
    assert json.loads(qbdgw("jobs", "show", "job_1", "--json").stdout)["paging"] == PAGING


def test_show_points_at_an_offloaded_answer_without_reading_it(gateway: FakeGateway, aws: EmulatedAws) -> None:
    # GIVEN a job whose answer is in S3 WHEN shown without --response
    uri = aws.put_answer("results/eu_1/job_1.xml", ANSWER)
    gateway.jobs["job_1"] = job_view(response_s3_uri=uri)
    result = qbdgw("jobs", "show", "job_1")
    # THEN it names the object and how to print it, and does not print the answer
    assert result.exit_code == 0, result.output
    assert f"the answer is in S3 ({uri}): `qbdgw jobs show job_1 --response`" in result.stdout
    assert "Zoë" not in result.stdout


# show --response ----------------------------------------------------------------------------------------
def test_show_response_reads_an_offloaded_answer_from_s3(gateway: FakeGateway, aws: EmulatedAws) -> None:
    # GIVEN a finished job whose answer the gateway offloaded to the payload bucket
    uri = aws.put_answer("results/eu_1/job_1.xml", ANSWER)
    gateway.jobs["job_1"] = job_view(response_s3_uri=uri)
    # WHEN it is shown with --response
    result = qbdgw("jobs", "show", "job_1", "--response", "--region", "us-east-1")
    # THEN exactly the answer's qbXML is printed (UTF-8 intact), for piping to a file
    assert result.exit_code == 0, result.output
    assert result.stdout == ANSWER + "\n"
    # AND with --json the job comes with response_qbxml filled in and its URI kept
    shown = json.loads(qbdgw("jobs", "show", "job_1", "--response", "--json").stdout)
    assert (shown["response_qbxml"], shown["response_s3_uri"], shown["status"]) == (ANSWER, uri, "succeeded")


def test_show_response_prints_an_inline_answer_without_touching_aws(gateway: FakeGateway,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an inline answer and an AWS side that must not be used
    def no_aws(self: cli_aws.Aws, name: str) -> Any:
        raise AssertionError(f"an AWS client was made: {name}")

    monkeypatch.setattr(cli_aws.Aws, "client", no_aws)
    gateway.jobs["job_1"] = job_view(response_qbxml="<QBXML>inline</QBXML>")
    # WHEN shown with --response THEN the answer is printed
    result = qbdgw("jobs", "show", "job_1", "--response")
    assert (result.exit_code, result.stdout) == (0, "<QBXML>inline</QBXML>\n")


def test_show_response_reads_s3_with_the_given_region_and_endpoint(gateway: FakeGateway, aws: EmulatedAws,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an offloaded answer, and the AWS client factory recording the settings it is asked with
    asked: list[tuple[str, str, str | None]] = []

    def client(name: str, settings: Any) -> Any:
        asked.append((name, settings.region, settings.aws_endpoint_url))
        return aws.s3

    monkeypatch.setattr(wiring, "aws_client", client)
    gateway.jobs["job_1"] = job_view(response_s3_uri=aws.put_answer("results/eu_1/job_1.xml", ANSWER))
    # WHEN shown with --response, --region and --endpoint-url
    result = qbdgw("jobs", "show", "job_1", "--response", "--region", "eu-west-1",
                   "--endpoint-url", "http://127.0.0.1:5000")
    # THEN one S3 client was made with them, and the answer printed
    assert result.exit_code == 0, result.output
    assert asked == [("s3", "eu-west-1", "http://127.0.0.1:5000")]
    assert result.stdout == ANSWER + "\n"


def test_show_response_of_an_expired_object_fails_with_s3s_code(gateway: FakeGateway, aws: EmulatedAws) -> None:
    # GIVEN a job whose offloaded answer has expired from the bucket
    gateway.jobs["job_1"] = job_view(response_s3_uri=f"s3://{aws.bucket}/results/eu_1/job_1.xml")
    # WHEN shown with --response THEN the failure names S3's code and what to check, exit 1, no stdout
    result = qbdgw("jobs", "show", "job_1", "--response")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("error: aws_NoSuchKey: ")
    assert "answers expire 35 days after the job" in result.stderr
    # AND with --json it is the error envelope
    as_json = qbdgw("jobs", "show", "job_1", "--response", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["error"]["code"] == "aws_NoSuchKey"


@pytest.mark.parametrize(("fields", "code"), [
    ({"status": "queued", "completed_at": None}, "no_response"),
    ({"response_s3_uri": "https://bucket/results/eu_1/job_1.xml"}, "invalid_s3_uri"),
])
def test_show_response_without_a_readable_answer_fails(gateway: FakeGateway, fields: dict[str, Any],
                                                       code: str) -> None:
    # GIVEN a job with no answer yet, or with a URI that is not s3://bucket/key
    gateway.jobs["job_1"] = job_view(**fields)
    # WHEN shown with --response THEN it fails with that code and exit 1
    result = qbdgw("jobs", "show", "job_1", "--response", "--json")
    assert result.exit_code == 1 and json.loads(result.stdout)["error"]["code"] == code


def test_show_of_an_unknown_job_reports_the_gateways_error(gateway: FakeGateway) -> None:
    result = qbdgw("jobs", "show", "job_x", "--response")
    assert result.exit_code == 1 and result.stderr.startswith("error: job_not_found: no job job_x")


# auth-sessions create: the link's life ------------------------------------------------------------------
@pytest.mark.parametrize("minutes", ["1", "14", "10081"])
def test_auth_sessions_create_refuses_a_link_life_the_api_refuses_before_calling_it(gateway: FakeGateway,
                                                                                     minutes: str) -> None:
    result = qbdgw("auth-sessions", "create", "eu_1", "--link-expiry-minutes", minutes)
    assert result.exit_code == 2 and "--link-expiry-minutes" in result.output and "15<=x<=10080" in result.output
    assert gateway.requests == []


def test_the_cli_s_link_life_range_is_the_api_s() -> None:
    from chalicelib.api.bodies import CreateAuthSession
    from cli.authsessions import LINK_EXPIRY_MINUTES

    bounds = {type(m).__name__: getattr(m, "ge", getattr(m, "le", None))
              for m in CreateAuthSession.model_fields["link_expiry_minutes"].metadata}
    assert (LINK_EXPIRY_MINUTES.min, LINK_EXPIRY_MINUTES.max) == (bounds["Ge"], bounds["Le"])
