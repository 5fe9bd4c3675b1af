"""A consumer of the gateway's SQS results queue (FIFO, at-least-once delivery).

For each message: parse it as a :class:`~qbd_gateway_sdk.models.ResultMessage`; if its ``job_id`` was
handled already (a redelivery or a duplicate), delete it without calling the handler; otherwise call
the handler and delete the message **only after the handler returned**. A handler that raises leaves
the message on the queue (SQS delivers it again after its visibility timeout, and moves it to the
queue's dead-letter queue after ``maxReceiveCount`` attempts), and the later messages of the same
end-user in that batch are left too, so one end-user's results are always handled in order.

``seen`` remembers handled messages by :func:`message_key`: the job id for a job's result,
``<job id>.in_doubt`` for the notice that a write's outcome is not known yet (its final result, under
the job id, follows), and ``<job id>.p<n>`` for page ``n`` of a paged query (its last page is the
job's result, under the job id). A ``set`` (in memory, one process) or a callable ``seen(key) -> bool`` backed by
your own database — then record the key in the same transaction as the handler's work, and the
consumer only asks.

The change feed's events (``type`` ``change``, a :class:`~qbd_gateway_sdk.models.ChangeEvent`) come on the
same queue, in each end-user's order with its results; they go to ``on_change`` and are remembered in
``seen`` by their ``event_id`` (the same for a repeat of the same change).

A large answer is not in the message: ``response_qbxml`` is ``None`` and ``response_s3_uri`` names the
object in the gateway's payload bucket (see :mod:`qbd_gateway_sdk.responses`). Given an ``s3_client``
(boto3), the consumer reads that object before calling the handler — only for a message it has not
handled yet — and hands the handler a copy of the message whose ``response_qbxml`` is the object's text
(``response_s3_uri`` stays). A download that fails counts as a failed handler: the message stays on the
queue for redelivery and the end-user's later messages in the batch are held back, so nothing is lost
and the order holds. Without an ``s3_client`` the handler gets the message as it came.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, MutableSet
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from qbd_gateway_sdk.models import ChangeEvent, ResultMessage
from qbd_gateway_sdk.responses import fetch_response

log = logging.getLogger(__name__)
Handler = Callable[[ResultMessage], None]


@dataclass
class PollReport:
    """What one :meth:`ResultsConsumer.poll_once` did, by job id (by event id for a change event)."""

    handled: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)
    unreadable: int = 0


def message_key(result: ResultMessage) -> str:
    """What de-duplicates a message: one final result per job, at most one in-doubt notice before it,
    and one message per page of a paged query before its last (``<job id>.p<page>``)."""
    if result.status == "in_doubt":
        return f"{result.job_id}.in_doubt"
    if result.page is not None and not result.last:
        return f"{result.job_id}.p{result.page}"
    return result.job_id


class ResultsConsumer:
    """Hands each new result message of ``queue_url`` to ``handler`` once, in each end-user's order.

    ``s3_client`` (optional, a boto3 S3 client): read answers offloaded to S3 into ``response_qbxml``
    before the handler sees them. ``on_change`` (optional): the handler of the change feed's events
    (without it they are deleted unhandled).
    """

    def __init__(self, sqs_client: Any, queue_url: str, handler: Handler,
                 seen: MutableSet[str] | Callable[[str], bool] | None = None, *,
                 wait_seconds: int = 10, max_messages: int = 10, s3_client: Any = None,
                 on_change: Callable[[ChangeEvent], None] | None = None) -> None:
        self.on_change = on_change
        self.sqs = sqs_client
        self.s3 = s3_client
        self.queue_url = queue_url
        self.handler = handler
        self.seen: MutableSet[str] | Callable[[str], bool] = set() if seen is None else seen
        self.wait_seconds = wait_seconds
        self.max_messages = max_messages

    def _already(self, job_id: str) -> bool:
        return self.seen(job_id) if callable(self.seen) else job_id in self.seen

    def _remember(self, job_id: str) -> None:
        if not callable(self.seen):
            self.seen.add(job_id)

    def _delete(self, message: dict[str, Any]) -> None:
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _with_response(self, result: ResultMessage) -> ResultMessage:
        """The message with an offloaded answer read into ``response_qbxml`` (with an ``s3_client``)."""
        if self.s3 is None or result.response_qbxml is not None or not result.response_s3_uri:
            return result
        return result.model_copy(update={"response_qbxml": fetch_response(result, self.s3)})

    def _read(self, body: str) -> tuple[ResultMessage | ChangeEvent, str]:
        """A message as a result or a change event, and its de-duplication key."""
        data = json.loads(body)
        if isinstance(data, dict) and data.get("type") == "change":
            event = ChangeEvent.model_validate(data)
            return event, event.event_id
        result = ResultMessage.model_validate(data)
        return result, message_key(result)

    def poll_once(self) -> PollReport:
        """Receive one batch (long poll of ``wait_seconds``) and handle it."""
        out = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=self.max_messages,
                                       WaitTimeSeconds=self.wait_seconds, AttributeNames=["All"])
        report = PollReport()
        blocked_groups: set[str] = set()
        for message in out.get("Messages", []):
            group = (message.get("Attributes") or {}).get("MessageGroupId", "")
            try:
                item, key = self._read(message["Body"])
            except (ValueError, ValidationError):
                log.error("unreadable result message left for the dead-letter queue: %s", message.get("MessageId"))
                report.unreadable += 1
                blocked_groups.add(group)
                continue
            name = item.event_id if isinstance(item, ChangeEvent) else item.job_id
            if group in blocked_groups:
                report.held_back.append(name)
                continue
            if self._already(key) or (isinstance(item, ChangeEvent) and self.on_change is None):
                self._delete(message)
                report.skipped.append(name)
                continue
            try:
                if isinstance(item, ChangeEvent):
                    assert self.on_change is not None
                    self.on_change(item)
                else:
                    try:
                        item = self._with_response(item)
                    except Exception:  # a QbdGatewayError from fetch_response; anything else is treated alike
                        log.exception("cannot read the result's answer from S3; message left for redelivery "
                                      "(job %s)", item.job_id)
                        report.failed.append(name)
                        blocked_groups.add(group)
                        continue
                    self.handler(item)
            except Exception:
                log.exception("handler failed; message left for redelivery (%s)", name)
                report.failed.append(name)
                blocked_groups.add(group)
                continue
            self._remember(key)
            self._delete(message)
            report.handled.append(name)
        return report

    def run(self, stop: threading.Event | None = None, *, max_polls: int | None = None) -> None:
        """Poll until ``stop`` is set (or ``max_polls`` polls were made)."""
        polls = 0
        while (stop is None or not stop.is_set()) and (max_polls is None or polls < max_polls):
            self.poll_once()
            polls += 1
