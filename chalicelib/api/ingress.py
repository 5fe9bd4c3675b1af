"""The SQS ingress edge: jobs a SaaS drops into the ``jobs-in`` queue.

Each message is ``{"end_user_id", "qbxml", "deadline_seconds"?, "idempotency_key"?}``, or a typed request
instead of ``qbxml`` (``"request": {"type": "CustomerAdd", "customer_add": {…}}``, as ``POST …/requests``
takes it; its result then carries the answer as JSON). The handler
reports partial batch failures (``batchItemFailures``): a message that failed for a passing reason
(the store throttled, say) is retried by SQS, and after ``maxReceiveCount`` receives the queue's
redrive policy moves it to the dead-letter queue. A message that can never succeed (malformed JSON,
invalid qbXML, unknown end-user, an element the company file's version or edition lacks), and a
``fail_if_offline`` message refused because the Web Connector is not calling, is sent to
the dead-letter queue at once, with the reason as message attributes, and counted as handled. The SQS
message id is the default idempotency key, so SQS's at-least-once delivery never enqueues a job twice.

Each record is handled under its own correlation keys: ``request_id`` is the SQS message id, and
``end_user_id`` / ``job_id`` are bound as soon as they are known.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.api.bodies import IngressMessage
from chalicelib.api.http import parse_body
from chalicelib.errors import GatewayError
from chalicelib.jobs.queue import JobQueue
from chalicelib.observability import bind, scope

log = logging.getLogger(__name__)
PERMANENT_TYPES = frozenset({"invalid_request_error"})


# What ``fail_if_offline`` refuses a job with (chalicelib.jobs.connection.require_polling)
OFFLINE_REFUSALS = frozenset({"end_user_never_connected", "web_connector_not_polling",
                              "bad_web_connector_password", "web_connector_locked_out"})


def permanent(exc: GatewayError, fail_if_offline: bool = False) -> bool:
    """Whether the message is answered for good: a refusal of the request itself; the gateway's own check
    against the company file (``qbxml_version_unsupported``, ``qbxml_not_in_edition``:
    ``quickbooks_request_error``, not retryable), which SQS's retries cannot change either; or, for a
    ``fail_if_offline`` message, the refusal it asked for (refused at once, as over REST: retried, it
    would wait after all, and hold back the end-user's later messages)."""
    return exc.spec.type in PERMANENT_TYPES or (exc.spec.type == "quickbooks_request_error"
                                                and not exc.spec.retryable) or (
        fail_if_offline and exc.code in OFFLINE_REFUSALS)


@dataclass(frozen=True)
class IngressRecord:
    message_id: str
    body: str


class DeadLetters:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    def send(self, record: IngressRecord, err: GatewayError) -> None:
        fifo: dict[str, str] = {}
        if self.queue_url.endswith(".fifo"):
            fifo = {"MessageGroupId": dead_letter_group(record.body), "MessageDeduplicationId": record.message_id}
        self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=record.body,
            MessageAttributes={
                "error_code": {"DataType": "String", "StringValue": err.code},
                "reason": {"DataType": "String", "StringValue": err.message[:1000]},
                "original_message_id": {"DataType": "String", "StringValue": record.message_id},
            },
            **fifo,
        )


def dead_letter_group(body: str) -> str:
    """The FIFO message group of a dead letter: its end-user when the body names one, else ``unreadable``."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return "unreadable"
    end_user = parsed.get("end_user_id") if isinstance(parsed, dict) else None
    if isinstance(end_user, str) and 0 < len(end_user) <= 128:
        return end_user
    return "unreadable"


def handle_batch(records: Iterable[IngressRecord], queue: JobQueue, dead_letters: DeadLetters) -> dict[str, Any]:
    """Enqueue every message; return the Lambda partial-batch response."""
    failures: list[dict[str, str]] = []
    for record in records:
        if failures:  # FIFO: nothing may overtake a message that SQS will deliver again
            failures.append({"itemIdentifier": record.message_id})
            continue
        with scope(request_id=record.message_id):
            _handle(record, queue, dead_letters, failures)
    return {"batchItemFailures": failures}


def _handle(record: IngressRecord, queue: JobQueue, dead_letters: DeadLetters,
            failures: list[dict[str, str]]) -> None:
    """Enqueue one message, dead-letter it, or note it as a batch item failure."""
    message: IngressMessage | None = None
    try:
        message = parse_body(IngressMessage, record.body.encode("utf-8"))
        bind(end_user_id=message.end_user_id)
        qbxml = message.qbxml
        if message.request is not None:  # typed: the models load on the first such message only
            from chalicelib.resources.build import typed_request_call

            qbxml = typed_request_call(message.request).qbxml
        assert qbxml is not None
        job, created = queue.enqueue(
            message.end_user_id, qbxml, source="sqs",
            deadline_seconds=message.deadline_seconds, fail_if_offline=message.fail_if_offline,
            idempotency_key=message.idempotency_key or f"sqs:{record.message_id}",
            paging=message.paging.model_dump() if message.paging else None,
            render_json=message.render_json or message.request is not None,
        )
        bind(job_id=job.id)
        log.info("ingress message enqueued", extra={"message_id": record.message_id, "job_id": job.id,
                                                     "job_created": created})
    except GatewayError as exc:
        if not permanent(exc, message is not None and message.fail_if_offline):
            log.info("ingress message failed for now; SQS will retry it",
                     extra={"message_id": record.message_id, "code": exc.code})
            failures.append({"itemIdentifier": record.message_id})
            return
        try:
            dead_letters.send(record, exc)
            log.warning("ingress message dead-lettered",
                        extra={"message_id": record.message_id, "code": exc.code})
        except Exception:
            log.exception("could not dead-letter an ingress message")
            failures.append({"itemIdentifier": record.message_id})
    except Exception:
        log.exception("ingress message failed; SQS will retry it", extra={"message_id": record.message_id})
        failures.append({"itemIdentifier": record.message_id})
