"""The DynamoDB adapter's foundation: named conditions, index names, item (de)serialisation, and the
low-level conditional-write helpers that :class:`chalicelib.store.dynamodb.DynamoStore` is built on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from botocore.exceptions import ClientError

from chalicelib.jobs.models import Job
from chalicelib.jobs.ports import StoreConflict
from chalicelib.store.dynamo_types import deserialize, serialize
from chalicelib.store.items import dump_value

if TYPE_CHECKING:  # Unpack is in typing from Python 3.12
    from typing_extensions import Unpack

IS_NEW = "attribute_not_exists(pk)"
EXISTS = "attribute_exists(pk)"
# The takeover rule of chalicelib.jobs.ports.lease_is_takeable, as one condition.
LEASE_IS_TAKEABLE = ("attribute_not_exists(holder) OR expires_ms <= :now_ms OR begins_with(holder, :sweeper) "
                     "OR (attribute_not_exists(p_seq) AND attribute_not_exists(closing_sent_at) "
                     "AND seen_ms < :stale_ms)")
LEASE_IS_OURS = "holder = :holder AND epoch = :epoch"  # the holder, at the epoch it took the file in
PROFILE_KEY, LEASE_KEY = "!0", "!1"  # their queue-index keys: before every job ("0#…" and up)
KEY_IS_FREE_OR_EXPIRED = "attribute_not_exists(pk) OR #ttl < :now"

QUEUE_INDEX = "queue"
JOB_ID_INDEX = "by_job_id"
API_KEYS = "APIKEYS"
END_USERS = "ENDUSERS"  # registry of end-user ids: list_end_users reads it without a Scan
OUTBOX_INDEX = "outbox"
OUTBOX = "OUTBOX"
DEADLINE_INDEX = "deadlines"
DEADLINE_BUCKETS = 8  # queued jobs with a deadline, spread over a few partitions of the index
INFLIGHT_INDEX = "inflight"  # leases held or with a pointer left behind, by when the sweeper must look
SESSIONS_INDEX = "sessions"  # held leases (open Web Connector sessions), by lease expiry


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: serialize(v) for k, v in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: deserialize(v) for k, v in item.items()}


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def bucket_of(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % DEADLINE_BUCKETS


def deadline_bucket(end_user_id: str) -> str:
    return f"DL#{bucket_of(end_user_id)}"


def deadline_attrs(job: Job) -> dict[str, Any]:
    if job.deadline_at is None:
        return {}
    return {"deadline_bucket": deadline_bucket(job.end_user_id), "deadline_ms": epoch_ms(job.deadline_at)}


def failed_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in (
        "ConditionalCheckFailedException", "TransactionCanceledException"
    )


class UpdateParts(TypedDict, total=False):
    """What one update sets, removes and adds, on which condition (``values``/``names`` for it)."""

    set_: Mapping[str, Any] | None
    remove: tuple[str, ...]
    add: Mapping[str, int] | None
    condition: str | None
    values: Mapping[str, Any] | None
    names: Mapping[str, str] | None


class DynamoBase:
    """The table, the serialisers and the conditional-write helpers every part of the adapter uses."""

    def __init__(self, client: Any, table_name: str, *, retention_seconds: int = 30 * 86400,
                 transactions: bool | None = None) -> None:
        self.client = client
        self.table = table_name
        self.retention_seconds = retention_seconds
        # Does the endpoint run TransactWriteItems? None: try, and remember (dynalite answers
        # UnknownOperationException); False: never try (QBDGW_DYNAMODB_TRANSACTIONS=false).
        self.transactions = transactions

    # Low-level helpers -------------------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        out = self.client.get_item(TableName=self.table, Key=to_item({"pk": pk, "sk": sk}),
                                   ConsistentRead=True)
        return from_item(out["Item"]) if "Item" in out else None

    def _put(self, values: Mapping[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": to_item(values)}
        if condition:
            kwargs["ConditionExpression"] = condition
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.client.put_item(**kwargs)
        except ClientError as exc:
            if condition and failed_condition(exc):
                old = exc.response.get("Item")
                raise StoreConflict(f"{values['pk']} {values['sk']} exists",
                                    from_item(old) if old else None) from exc
            raise

    def _update(self, pk: str, sk: str, *, return_values: str = "NONE", **parts: Unpack[UpdateParts]
                ) -> dict[str, Any]:
        out = self.client.update_item(**self._update_args(pk, sk, **parts), ReturnValues=return_values)
        return from_item(out.get("Attributes", {}))

    def _update_args(self, pk: str, sk: str, **parts: Unpack[UpdateParts]) -> dict[str, Any]:
        """The arguments of one ``UpdateItem`` (also one ``Update`` of a ``TransactWriteItems``)."""
        set_, remove, add = parts.get("set_"), parts.get("remove", ()), parts.get("add")
        condition = parts.get("condition")
        attr_names: dict[str, str] = dict(parts.get("names") or {})
        attr_values: dict[str, Any] = dict(parts.get("values") or {})
        clauses = []
        if set_:
            for i, (name, value) in enumerate(set_.items()):
                attr_names[f"#s{i}"] = name
                attr_values[f":s{i}"] = dump_value(value)
            clauses.append("SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(set_))))
        if remove:
            for i, name in enumerate(remove):
                attr_names[f"#r{i}"] = name
            clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove))))
        if add:
            for i, (name, amount) in enumerate(add.items()):
                attr_names[f"#a{i}"] = name
                attr_values[f":a{i}"] = amount
            clauses.append("ADD " + ", ".join(f"#a{i} :a{i}" for i in range(len(add))))
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item({"pk": pk, "sk": sk}),
            "UpdateExpression": " ".join(clauses),
        }
        if attr_names:
            kwargs["ExpressionAttributeNames"] = attr_names
        if attr_values:
            kwargs["ExpressionAttributeValues"] = to_item(attr_values)
        if condition:
            kwargs["ConditionExpression"] = condition
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return kwargs

    def _below(self, index: str, bucket_key: str, prefix: str, sort_key: str, below: Any, limit: int
               ) -> list[dict[str, Any]]:
        """The items a bucketed sparse index lists with ``sort_key`` below ``below``, read again from the
        table (the indexes project keys only): at most ``limit`` a bucket, over every bucket."""
        found: list[dict[str, Any]] = []
        for bucket in range(DEADLINE_BUCKETS):
            out = self.client.query(
                TableName=self.table, IndexName=index,
                KeyConditionExpression=f"{bucket_key} = :b AND {sort_key} < :below",
                ExpressionAttributeValues=to_item({":b": f"{prefix}{bucket}", ":below": below}), Limit=limit)
            for keys in out.get("Items", []):
                plain = from_item(keys)
                item = self._get(plain["pk"], plain["sk"])
                if item is not None:
                    found.append(item)
        return found

    def _split(self, changes: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        set_ = {k: v for k, v in changes.items() if v is not None}
        remove = tuple(k for k, v in changes.items() if v is None)
        return set_, remove

    def _ttl(self, at: datetime) -> int:
        return int(at.timestamp()) + self.retention_seconds

