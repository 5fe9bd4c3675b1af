"""Gauges for the scheduled sweeper, read from sparse indexes.

Part of :class:`~chalicelib.store.dynamodb.DynamoStore`; never a Scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.states import JobStatus
from chalicelib.store.dynamo_base import (
    DEADLINE_BUCKETS,
    DEADLINE_INDEX,
    INFLIGHT_INDEX,
    SESSIONS_INDEX,
    DynamoBase,
    epoch_ms,
    from_item,
    to_item,
)


class GaugeQueries(DynamoBase):
    # Gauges (the scheduled sweeper) ------------------------------------------------------------------
    def queue_stats(self, now: datetime, sample: int = 3) -> tuple[int, datetime | None]:
        """Queued jobs over all end-users, and the enqueue time of the oldest, without a Scan.

        Every queued job carries ``deadline_bucket`` / ``deadline_ms`` and so is in the sparse
        ``deadlines`` index: a COUNT query per bucket gives the depth (eventually consistent). The
        index projects keys only, so the oldest job is looked for among the ``sample`` jobs with the
        earliest deadlines of each bucket (exact while jobs share the default deadline).
        """
        depth = 0
        oldest: datetime | None = None
        for bucket in range(DEADLINE_BUCKETS):
            condition = {"KeyConditionExpression": "deadline_bucket = :b AND deadline_ms > :zero",
                         "ExpressionAttributeValues": to_item({":b": f"DL#{bucket}", ":zero": 0})}
            start: dict[str, Any] | None = None
            while True:
                page = self.client.query(TableName=self.table, IndexName=DEADLINE_INDEX, Select="COUNT",
                                         **condition, **({"ExclusiveStartKey": start} if start else {}))
                depth += int(page.get("Count", 0))
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
            first = self.client.query(TableName=self.table, IndexName=DEADLINE_INDEX, Limit=sample, **condition)
            for keys in first.get("Items", []):
                plain = from_item(keys)
                out = self.client.get_item(TableName=self.table, Key=to_item({"pk": plain["pk"], "sk": plain["sk"]}),
                                           ProjectionExpression="#st, enqueued_at",
                                           ExpressionAttributeNames={"#st": "status"})
                item = from_item(out.get("Item", {}))
                if item.get("status") != JobStatus.QUEUED.value or not item.get("enqueued_at"):
                    continue
                enqueued = datetime.fromisoformat(str(item["enqueued_at"]))
                oldest = enqueued if oldest is None or enqueued < oldest else oldest
        return depth, oldest

    def activity_stats(self, now: datetime) -> tuple[int, int, int]:
        """Company files with a job in flight, of those past their lease, and open sessions; no Scan.

        Held leases and open sessions are in sparse indexes (``inflight``, ``sessions``), spread over a
        few buckets; a COUNT query per bucket measures them (eventually consistent, which a gauge allows).
        """
        def count(index: str, prefix: str, condition: str, values: dict[str, Any]) -> int:
            total = 0
            for bucket in range(DEADLINE_BUCKETS):
                start: dict[str, Any] | None = None
                while True:
                    page = self.client.query(
                        TableName=self.table, IndexName=index, Select="COUNT", KeyConditionExpression=condition,
                        ExpressionAttributeValues=to_item({":b": f"{prefix}#{bucket}", **values}),
                        **({"ExclusiveStartKey": start} if start else {}))
                    total += int(page.get("Count", 0))
                    start = page.get("LastEvaluatedKey")
                    if not start:
                        break
            return total

        now_ms = epoch_ms(now)
        in_flight = count(INFLIGHT_INDEX, "IF", "inflight_bucket = :b AND lease_expires_ms > :z", {":z": 0})
        stuck = count(INFLIGHT_INDEX, "IF", "inflight_bucket = :b AND lease_expires_ms < :now", {":now": now_ms})
        sessions = count(SESSIONS_INDEX, "SS", "session_bucket = :b AND session_expires_ms > :now", {":now": now_ms})
        return in_flight, stuck, sessions

