"""``qbdgw jobs``: enqueue a qbXML job, show it, wait for it (with progress on stderr).

``enqueue --page-size N`` runs one list query page by page (``paging: {"page_size": N}``, see the
gateway's docs/paging.md); ``show`` and ``wait`` then print the sync's progress (pages, records,
remaining, restarts) and any warnings. A large answer is not in the job view: ``response_qbxml`` is
null and ``response_s3_uri`` names the object in the gateway's payload bucket. ``show --response``
prints the answer's qbXML alone (for a paged query, the last page delivered), reading that object
with the operator's AWS credentials (``--region``, ``--endpoint-url``) when it was offloaded; with
``--json`` it prints the job with ``response_qbxml`` filled in.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import click

from cli.aws import Aws, endpoint_options
from cli.output import emit_json, fail, json_option, record
from cli.rest import Gateway, rest_options

FINAL_OK = {"succeeded"}
FINAL_BAD = {"failed", "expired", "cancelled"}
TIMEOUT_EXIT = 124
JOB_KEYS = ("id", "end_user_id", "status", "request_names", "enqueued_at", "started_at", "completed_at",
            "deadline_at", "response_s3_uri", "error")
SPINNER = "|/-\\"


@click.group("jobs")
def jobs() -> None:
    """qbXML jobs for an end-user's company file."""


@jobs.command("enqueue")
@click.argument("end_user_id")
@click.argument("qbxml", required=False)
@click.option("-f", "--file", "qbxml_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read the qbXML from this file ('-' for stdin).")
@click.option("--deadline-seconds", type=click.IntRange(min=1), default=None)
@click.option("--fail-if-offline", is_flag=True, help="Refuse at once if the Web Connector is not calling.")
@click.option("--idempotency-key", default=None, help="Sent as the Idempotency-Key header.")
@click.option("--page-size", type=click.IntRange(min=1), default=None,
              help="Run one list query page by page, N records a page (the gateway takes 1-1000).")
@rest_options
@json_option
def enqueue(end_user_id: str, qbxml: str | None, qbxml_file: TextIO | None, deadline_seconds: int | None,
            fail_if_offline: bool, idempotency_key: str | None, page_size: int | None, gateway: Gateway,
            as_json: bool) -> None:
    """Queue QBXML (request elements, e.g. '<CustomerQueryRq/>') for END_USER_ID."""
    if (qbxml is None) == (qbxml_file is None):
        raise fail("invalid_arguments", "give the qbXML either as an argument or with --file")
    body: dict[str, Any] = {"qbxml": qbxml if qbxml is not None else qbxml_file.read()}  # type: ignore[union-attr]
    if deadline_seconds is not None:
        body["deadline_seconds"] = deadline_seconds
    if fail_if_offline:
        body["fail_if_offline"] = True
    if page_size is not None:
        body["paging"] = {"page_size": page_size}
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    job = gateway.json("POST", f"/v1/end-users/{end_user_id}/jobs", body, headers)
    if as_json:
        emit_json(job)
    else:
        click.echo(record(job))


def _paging_line(paging: dict[str, Any]) -> str:
    remaining = paging.get("remaining")
    return (f"paging: {paging.get('pages')} page(s) of {paging.get('page_size')}, {paging.get('records')} "
            f"record(s), {'unknown' if remaining is None else remaining} remaining, "
            f"{paging.get('restarts')} restart(s)")


def _print_job(job: dict[str, Any]) -> None:
    click.echo(record(job, [k for k in JOB_KEYS if k in job]))
    paging = job.get("paging")
    if isinstance(paging, dict):
        click.echo(f"\n{_paging_line(paging)}")
    error = job.get("error")
    if isinstance(error, dict):
        click.echo(f"\nerror: {error.get('code')}: {error.get('message')}")
        if error.get("user_facing_message"):
            click.echo(f"  user-facing message: {error['user_facing_message']}")
    warnings = [w for w in job.get("warnings") or [] if isinstance(w, dict)]
    if warnings:
        click.echo("\nwarnings:")
        for warning in warnings:
            code = warning.get("integration_code")
            click.echo(f"  {warning.get('code')}{f' ({code})' if code else ''}: {warning.get('message')}")
    if job.get("response_qbxml"):
        click.echo("\nresponse_qbxml:")
        click.echo(job["response_qbxml"])
    elif job.get("response_s3_uri"):
        click.echo(f"\nthe answer is in S3 ({job['response_s3_uri']}): `qbdgw jobs show {job.get('id')} --response`")


def _response(job: dict[str, Any], aws: Aws) -> str:
    """The answer's qbXML: inline, or read from the payload bucket; a job without one is a failure."""
    if job.get("response_qbxml") is not None:
        return str(job["response_qbxml"])
    if job.get("response_s3_uri"):
        return aws.read_s3_text(str(job["response_s3_uri"]))
    omitted = " (QuickBooks' answer was too large to keep: response_omitted)" if job.get("response_omitted") else ""
    raise fail("no_response", f"job {job.get('id')} ({job.get('status')}) has no answer{omitted}",
               "QuickBooks has not answered this job (yet); see its status and error.")


@jobs.command("show")
@click.argument("job_id")
@click.option("--response", "response_only", is_flag=True,
              help="Print only the answer's qbXML (a paged query: its last page), read from S3 when offloaded.")
@rest_options
@endpoint_options
@json_option
def show(job_id: str, response_only: bool, gateway: Gateway, aws: Aws, as_json: bool) -> None:
    """A job: status, times, paging progress, error, warnings and QuickBooks' response."""
    job = gateway.json("GET", f"/v1/jobs/{job_id}")
    if response_only:
        text = _response(job, aws)
        if as_json:
            emit_json({**job, "response_qbxml": text})
        else:
            click.echo(text, nl=not text.endswith("\n"))
    elif as_json:
        emit_json(job)
    else:
        _print_job(job)


class Progress:
    """An elapsed-time line on stderr: a spinner on a terminal, one line per status change otherwise."""

    def __init__(self, job_id: str, stream: TextIO | None = None) -> None:
        self.job_id = job_id
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.last_status: str | None = None
        self.ticks = 0

    def update(self, status: str) -> None:
        elapsed = time.monotonic() - self.started
        if self.tty:
            self.ticks += 1
            self.stream.write(f"\r{SPINNER[self.ticks % len(SPINNER)]} {self.job_id}  {status:<10} {elapsed:6.1f}s")
            self.stream.flush()
        elif status != self.last_status:
            self.stream.write(f"{self.job_id}: {status} after {elapsed:.1f}s\n")
            self.stream.flush()
        self.last_status = status

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@jobs.command("wait")
@click.argument("job_id")
@click.option("--timeout", type=click.FloatRange(min=0), default=300, show_default=True, help="Seconds.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help="Seconds between polls.")
@rest_options
@json_option
def wait(job_id: str, timeout: float, interval: float, gateway: Gateway, as_json: bool) -> None:
    """Wait until a job finishes; exit 1 if it failed/expired/was cancelled, 124 on timeout."""
    progress = Progress(job_id)
    deadline = time.monotonic() + timeout
    try:
        while True:
            job = gateway.json("GET", f"/v1/jobs/{job_id}")
            status = str(job.get("status"))
            progress.update(status)
            if status in FINAL_OK | FINAL_BAD or time.monotonic() >= deadline:
                break
            time.sleep(interval)
    finally:
        progress.done()
    if status not in FINAL_OK | FINAL_BAD:
        raise fail("wait_timeout", f"job {job_id} is still {status} after {timeout:g} s",
                   "The Web Connector has not run the job yet; check the end-user's status.",
                   exit_code=TIMEOUT_EXIT)
    if as_json:
        emit_json(job)
    else:
        _print_job(job)
    if status in FINAL_BAD:
        sys.exit(1)
