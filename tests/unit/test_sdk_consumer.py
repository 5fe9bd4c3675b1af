"""The SDK's results consumer de-duplicates by message, not by job: an in-doubt notice and the job's
final result are two messages; a redelivered result is one."""

from __future__ import annotations

import json
from typing import Any

from qbd_gateway_sdk import ResultMessage, ResultsConsumer

from tests.support.paths import FIXTURES_DIR


class FakeSqs:
    """One batch of messages of one end-user's group, and the receipts deleted."""

    def __init__(self, bodies: list[dict[str, Any]]) -> None:
        self.messages = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": json.dumps(body),
                          "Attributes": {"MessageGroupId": body["end_user_id"]}} for i, body in enumerate(bodies)]
        self.deleted: list[str] = []

    def receive_message(self, **_kwargs: Any) -> dict[str, Any]:
        return {"Messages": self.messages}

    def delete_message(self, *, QueueUrl: str, ReceiptHandle: str) -> None:
        self.deleted.append(ReceiptHandle)


def test_the_final_result_after_an_in_doubt_notice_reaches_the_handler() -> None:
    # GIVEN an in-doubt notice for a write, its final result, and that result delivered again
    bodies = json.loads((FIXTURES_DIR / "sdk" / "in_doubt_then_result.json").read_text())
    sqs = FakeSqs(bodies)
    handled: list[ResultMessage] = []
    # WHEN the consumer polls
    report = ResultsConsumer(sqs, "url", handled.append, wait_seconds=0).poll_once()
    # THEN the handler saw the notice and then the result, once each; the duplicate was deleted unhandled
    assert [m.status for m in handled] == ["in_doubt", "succeeded"]
    assert (report.handled, report.skipped) == (["job_1", "job_1"], ["job_1"])
    assert sqs.deleted == ["r0", "r1", "r2"]
