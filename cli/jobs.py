"""``qbdgw jobs``: enqueue a qbXML job, show it, wait for it (with progress on stderr)."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import click

from cli.output import emit_json, fail, json_option, record
from cli.rest import Gateway, rest_options

FINAL_OK = {"succeeded"}
FINAL_BAD = {"failed", "expired", "cancelled"}
TIMEOUT_EXIT = 124
JOB_KEYS = ("id", "end_user_id", "status", "request_names", "enqueued_at", "started_at", "completed_at",
            "deadline_at", "error")
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
@rest_options
@json_option
def enqueue(end_user_id: str, qbxml: str | None, qbxml_file: TextIO | None, deadline_seconds: int | None,
            fail_if_offline: bool, idempotency_key: str | None, gateway: Gateway, as_json: bool) -> None:
    """Queue QBXML (request elements, e.g. '<CustomerQueryRq/>') for END_USER_ID."""
    if (qbxml is None) == (qbxml_file is None):
        raise fail("invalid_arguments", "give the qbXML either as an argument or with --file")
    body: dict[str, Any] = {"qbxml": qbxml if qbxml is not None else qbxml_file.read()}  # type: ignore[union-attr]
    if deadline_seconds is not None:
        body["deadline_seconds"] = deadline_seconds
    if fail_if_offline:
        body["fail_if_offline"] = True
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    job = gateway.json("POST", f"/v1/end-users/{end_user_id}/jobs", body, headers)
    if as_json:
        emit_json(job)
    else:
        click.echo(record(job))


def _print_job(job: dict[str, Any]) -> None:
    click.echo(record(job, [k for k in JOB_KEYS if k in job]))
    error = job.get("error")
    if isinstance(error, dict):
        click.echo(f"\nerror: {error.get('code')}: {error.get('message')}")
        if error.get("user_facing_message"):
            click.echo(f"  user-facing message: {error['user_facing_message']}")
    if job.get("response_qbxml"):
        click.echo("\nresponse_qbxml:")
        click.echo(job["response_qbxml"])


@jobs.command("show")
@click.argument("job_id")
@rest_options
@json_option
def show(job_id: str, gateway: Gateway, as_json: bool) -> None:
    """A job: status, times, error and QuickBooks' response."""
    job = gateway.json("GET", f"/v1/jobs/{job_id}")
    if as_json:
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
