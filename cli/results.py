"""``qbdgw results tail``: read job results off the results SQS queue, as a SaaS consumer would.

Without ``--delete`` it only peeks: a printed message comes back after the queue's visibility
timeout (``--visibility-timeout``), and in the FIFO queue that end-user's later results wait until
then. With ``--delete`` each printed result is deleted, i.e. consumed. Results that do not match
``--end-user``/``--job`` are handed straight back to the queue.
"""

from __future__ import annotations

import json
import time
from typing import Any

import click

from cli.aws import Aws, aws_failure, aws_options
from cli.output import fail, json_option


def _line(result: dict[str, Any]) -> str:
    parts = [str(result.get("completed_at") or "-"), str(result.get("job_id")), str(result.get("end_user_id")),
             str(result.get("status"))]
    error = result.get("error")
    if isinstance(error, dict):
        parts.append(f"{error.get('code')}: {error.get('user_facing_message') or error.get('message')}")
    return "  ".join(parts)


@click.group("results")
def results() -> None:
    """Job results on the results queue."""


@results.command("tail")
@click.option("--queue-url", envvar="QBDGW_RESULTS_QUEUE_URL", show_envvar=True, default=None,
              help="The results queue's URL.")
@click.option("--delete", is_flag=True, help="Delete each printed result (consume it).")
@click.option("-f", "--follow", is_flag=True, help="Keep waiting for new results (until Ctrl-C / --timeout).")
@click.option("--count", type=click.IntRange(min=1), default=None, help="Stop after this many results.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None, help="Stop after this many seconds.")
@click.option("--end-user", "end_user_id", default=None, help="Only this end-user's results.")
@click.option("--job", "job_id", default=None, help="Only this job's result.")
@click.option("--xml", "show_xml", is_flag=True, help="Also print each result's response_qbxml.")
@click.option("--visibility-timeout", type=click.IntRange(0, 43200), default=None,
              help="Seconds a printed, undeleted result stays hidden (default: the queue's).")
@aws_options
@json_option
def tail(queue_url: str | None, delete: bool, follow: bool, count: int | None, timeout: float | None,
         end_user_id: str | None, job_id: str | None, show_xml: bool, visibility_timeout: int | None, aws: Aws,
         as_json: bool) -> None:
    """Print results (one JSON object per line with --json) until the queue is drained, or follow it."""
    if not queue_url:
        raise fail("missing_queue_url", "no results queue: pass --queue-url or set QBDGW_RESULTS_QUEUE_URL")
    try:
        sqs = aws.client("sqs")
    except Exception as exc:
        raise aws_failure(exc) from None
    deadline = None if timeout is None else time.monotonic() + timeout
    printed = 0
    handed_back: set[str] = set()
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            break
        wait = 1 if remaining is None else max(0, min(5, int(remaining)))
        kwargs: dict[str, Any] = {"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": wait}
        if visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = visibility_timeout
        try:
            messages = sqs.receive_message(**kwargs).get("Messages", [])
        except Exception as exc:
            raise aws_failure(exc) from None
        fresh = [m for m in messages if m["MessageId"] not in handed_back]
        if not fresh and not follow and deadline is None:
            break  # drained (or only results for others are left); --follow / --timeout keep waiting
        for message in messages:
            try:
                result = json.loads(message["Body"])
            except ValueError:
                result = {"job_id": None, "status": "unreadable", "body": message["Body"]}
            wanted = (end_user_id is None or result.get("end_user_id") == end_user_id) and (
                job_id is None or result.get("job_id") == job_id)
            if not wanted or (count is not None and printed >= count):
                handed_back.add(message["MessageId"])
                sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
                continue
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False))
            else:
                click.echo(_line(result))
                if show_xml and result.get("response_qbxml"):
                    click.echo(result["response_qbxml"])
            if delete:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            printed += 1
        if count is not None and printed >= count:
            break
        if messages and not fresh:
            time.sleep(0.5)  # only results for others: do not spin on them
