"""``qbdgw results tail``: read job results off the results SQS queue, as a SaaS consumer would.

With ``--delete`` each printed result is deleted, i.e. consumed. Without it, tail peeks — and SQS
cannot show a message without receiving it. On this FIFO queue a receive hides the message for its
visibility timeout *and* holds back the rest of its message group (that end-user's later results),
and it counts toward the dead-letter queue's ``maxReceiveCount``: at that many receives (10) the
next receive moves the message to the dead-letter queue.

So tail receives each message once, keeps the ones it does not delete hidden only while it runs
(renewing the hold), and hands them all back (``ChangeMessageVisibility`` 0) when it ends — drained,
``--count``, ``--timeout``, Ctrl-C or an error: a consumer receives them again at once. What it
cannot undo is the receive count; stderr says so once. ``--visibility-timeout`` (default 30 s) is
how long the hold lasts if tail is killed before it can hand anything back. Results that do not
match ``--end-user``/``--job``, or are past ``--count``, are held and handed back the same way, also
with ``--delete``; while tail follows (``--follow``, ``--timeout``), the end-users whose results it
holds get no later results, to it or to anyone, until it ends.
"""

from __future__ import annotations

import json
import time
from typing import Any

import click

from cli.aws import Aws, aws_failure, aws_options
from cli.output import fail, json_option

HOLD_SECONDS = 30


def _line(result: dict[str, Any]) -> str:
    if result.get("type") == "change":  # a change-feed event (qbdgw feed)
        return "  ".join(str(result.get(k) or "-") for k in ("modified_at", "event_id", "end_user_id", "change",
                                                             "object_type", "id", "revision_number"))
    parts = [str(result.get("completed_at") or "-"), str(result.get("job_id")), str(result.get("end_user_id")),
             str(result.get("status"))]
    error = result.get("error")
    if isinstance(error, dict):
        parts.append(f"{error.get('code')}: {error.get('user_facing_message') or error.get('message')}")
    return "  ".join(parts)


class _Held:
    """Messages received and not deleted: hidden while tail runs, handed back when it ends."""

    def __init__(self, sqs: Any, queue_url: str, seconds: int) -> None:
        self.sqs, self.queue_url, self.seconds = sqs, queue_url, seconds
        self.handles: dict[str, str] = {}
        self.renewed: dict[str, float] = {}
        self.warned = False

    def add(self, message: dict[str, Any], *, following: bool) -> None:
        if self.seconds == 0:
            return  # received with VisibilityTimeout 0: nothing is hidden
        if not self.warned:
            self.warned = True
            click.echo(f"qbdgw: results tail hands back the results it does not delete when it ends; each receive "
                       f"still counts toward the dead-letter queue's maxReceiveCount ({self._max_receives()})"
                       + ("; until it ends, their end-users' later results wait" if following else ""), err=True)
        self.handles[message["MessageId"]] = message["ReceiptHandle"]  # the newest handle is the valid one
        self.renewed[message["MessageId"]] = time.monotonic()

    def renew_due(self) -> None:
        due = [m for m, at in self.renewed.items() if time.monotonic() - at > self.seconds / 2]
        self._change(due, self.seconds)
        for message_id in due:
            self.renewed[message_id] = time.monotonic()

    def release(self) -> None:
        self._change(list(self.handles), 0)
        self.handles.clear()
        self.renewed.clear()

    def _change(self, message_ids: list[str], seconds: int) -> None:
        for start in range(0, len(message_ids), 10):
            entries = [{"Id": str(n), "ReceiptHandle": self.handles[m], "VisibilityTimeout": seconds}
                       for n, m in enumerate(message_ids[start:start + 10])]
            try:
                self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
            except Exception as exc:
                click.echo(f"qbdgw: could not hand {len(entries)} result(s) back: {exc}", err=True)

    def _max_receives(self) -> str:
        try:
            attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
            return str(json.loads(attributes["Attributes"]["RedrivePolicy"])["maxReceiveCount"])
        except Exception:
            return "see the queue's redrive policy"


@click.group("results")
def results() -> None:
    """Job results on the results queue."""


@results.command("tail")
@click.option("--queue-url", envvar="QBDGW_RESULTS_QUEUE_URL", show_envvar=True, default=None,
              help="The results queue's URL.")
@click.option("--delete", is_flag=True,
              help="Delete each printed result (consume it). Without it, tail peeks (see above).")
@click.option("-f", "--follow", is_flag=True, help="Keep waiting for new results (until Ctrl-C / --timeout).")
@click.option("--count", type=click.IntRange(min=1), default=None, help="Stop after this many results.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None, help="Stop after this many seconds.")
@click.option("--end-user", "end_user_id", default=None, help="Only this end-user's results.")
@click.option("--job", "job_id", default=None, help="Only this job's result.")
@click.option("--xml", "show_xml", is_flag=True, help="Also print each result's response_qbxml.")
@click.option("--visibility-timeout", type=click.IntRange(0, 43200), default=HOLD_SECONDS, show_default=True,
              help="Seconds a received, undeleted result stays hidden if tail is killed before handing it back "
                   "(renewed while tail runs; 0: never hidden, but then tail sees only the first results of "
                   "each end-user and receives them again on every poll).")
@aws_options
@json_option
def tail(queue_url: str | None, delete: bool, follow: bool, count: int | None, timeout: float | None,
         end_user_id: str | None, job_id: str | None, show_xml: bool, visibility_timeout: int, aws: Aws,
         as_json: bool) -> None:
    """Print results (one JSON object per line with --json) until the queue is drained, or follow it.

    Without --delete, tail peeks: it hands every result back when it ends (Ctrl-C included), so a
    consumer gets it at once. Peeking still counts a receive toward the dead-letter queue's
    maxReceiveCount (10: the 11th receive moves a result to the dead-letter queue), and while tail
    runs, the end-users whose results it holds get no later ones (a FIFO queue holds back a message
    group while one of its messages is received).
    """
    if not queue_url:
        raise fail("missing_queue_url", "no results queue: pass --queue-url or set QBDGW_RESULTS_QUEUE_URL")
    try:
        sqs = aws.client("sqs")
    except Exception as exc:
        raise aws_failure(exc) from None
    deadline = None if timeout is None else time.monotonic() + timeout
    printed = 0
    seen: set[str] = set()
    held = _Held(sqs, queue_url, visibility_timeout)
    try:
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                break
            held.renew_due()
            wait = 1 if remaining is None else max(0, min(5, int(remaining)))
            try:
                messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                               VisibilityTimeout=visibility_timeout).get("Messages", [])
            except Exception as exc:
                raise aws_failure(exc) from None
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh and not follow and deadline is None:
                break  # drained (or only results for others are left); --follow / --timeout keep waiting
            for message in messages:
                if message["MessageId"] in seen:
                    held.add(message, following=follow or deadline is not None)  # received again: a new handle
                    continue
                seen.add(message["MessageId"])
                try:
                    result = json.loads(message["Body"])
                except ValueError:
                    result = {"job_id": None, "status": "unreadable", "body": message["Body"]}
                wanted = (end_user_id is None or result.get("end_user_id") == end_user_id) and (
                    job_id is None or result.get("job_id") == job_id)
                if not wanted or (count is not None and printed >= count) or not delete:
                    held.add(message, following=follow or deadline is not None)
                if not wanted or (count is not None and printed >= count):
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
                time.sleep(0.5)  # only results already seen: do not spin on them
    finally:
        held.release()
