"""The DynamoDB adapter of :class:`chalicelib.jobs.ports.Store` (AWS, moto, dynalite alike).

Every decision is one single-item conditional write with a named condition below; a lost race
comes back as :class:`~chalicelib.jobs.ports.StoreConflict` carrying the item as it was
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or one consistent read where an emulator does not
return it). There is no Scan anywhere: every read is a key lookup or an index query.
See :mod:`chalicelib.store.items` for the table layout.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.jobs.models import Job, Lease, QbwcSession
from chalicelib.jobs.ports import IdempotencyRecord, StoreConflict
from chalicelib.jobs.states import JobStatus
from chalicelib.store.dynamo_accounts import AccountItems
from chalicelib.store.dynamo_base import (
    DEADLINE_BUCKETS,
    DEADLINE_INDEX,
    EXISTS,
    IS_NEW,
    JOB_ID_INDEX,
    KEY_IS_FREE_OR_EXPIRED,
    LEASE_IS_FREE_OR_OURS,
    LEASE_IS_OURS,
    OUTBOX,
    OUTBOX_INDEX,
    QUEUE_INDEX,
    bucket_of,
    deadline_attrs,
    epoch_ms,
    failed_condition,
    from_item,
    to_item,
)
from chalicelib.store.dynamo_gauges import GaugeQueries
from chalicelib.store.items import dump, dump_value, end_user_pk, job_sk, load


class DynamoStore(AccountItems, GaugeQueries):
    """Jobs, the idempotency records, the company-file lease and Web Connector sessions; end-users,
    API keys and auth-flow sessions come from :class:`AccountItems`, the sweeper's gauges from
    :class:`GaugeQueries`, the helpers from :class:`~chalicelib.store.dynamo_base.DynamoBase`.
    """

    # Jobs ----------------------------------------------------------------------------------------
    def next_sequence(self, end_user_id: str) -> int:
        try:
            out = self._update(end_user_pk(end_user_id), "PROFILE", add={"next_seq": 1},
                               condition=EXISTS, return_values="UPDATED_NEW")
        except ClientError as exc:
            if failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise
        return int(out["next_seq"])

    def _job_item(self, job: Job) -> dict[str, Any]:
        item = {"pk": end_user_pk(job.end_user_id), "sk": job_sk(job.seq), "job_id": job.id, **dump(job)}
        item.pop("id")
        if job.status is JobStatus.QUEUED:
            item["queued_key"] = job.queued_key
            item.update(deadline_attrs(job))
        return item

    def _load_job(self, item: Mapping[str, Any]) -> Job:
        return load(Job, {**item, "id": item["job_id"]})

    def put_job(self, job: Job) -> None:
        self._put(self._job_item(job), IS_NEW)

    def get_job(self, job_id: str) -> Job | None:
        out = self.client.query(
            TableName=self.table, IndexName=JOB_ID_INDEX, KeyConditionExpression="job_id = :id",
            ExpressionAttributeValues=to_item({":id": job_id}),
        )
        items = out.get("Items", [])
        if not items:
            return None
        keys = from_item(items[0])
        item = self._get(keys["pk"], keys["sk"])
        return self._load_job(item) if item else None

    def get_job_at(self, end_user_id: str, seq: int) -> Job | None:
        item = self._get(end_user_pk(end_user_id), job_sk(seq))
        return self._load_job(item) if item else None

    def head_of_queue(self, end_user_id: str) -> Job | None:
        out = self.client.query(
            TableName=self.table, IndexName=QUEUE_INDEX, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": end_user_pk(end_user_id)}),
            ConsistentRead=True, Limit=1, ScanIndexForward=True,
        )
        items = out.get("Items", [])
        return self._load_job(from_item(items[0])) if items else None

    def count_queued(self, end_user_id: str, limit: int = 1000) -> int:
        count, start = 0, None
        while count < limit:
            kwargs: dict[str, Any] = {
                "TableName": self.table, "IndexName": QUEUE_INDEX, "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": to_item({":pk": end_user_pk(end_user_id)}),
                "ConsistentRead": True, "Select": "COUNT",
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.client.query(**kwargs)
            count += int(out.get("Count", 0))
            start = out.get("LastEvaluatedKey")
            if not start:
                break
        return min(count, limit)

    def transition_job(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        holder: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> Job:
        set_, remove = self._split(dict(changes or {}))
        set_["status"] = to.value
        if to is JobStatus.QUEUED:  # back in the queue: the queue and deadline indexes see it again
            set_["queued_key"] = dataclasses.replace(job, status=to).queued_key
            set_.update(deadline_attrs(job))
        elif to is JobStatus.IN_DOUBT:  # heads the queue until error recovery settles it; no deadline
            set_["queued_key"] = dataclasses.replace(job, status=to).queued_key
            remove = (*remove, "deadline_bucket", "deadline_ms")
        else:
            remove = (*remove, "queued_key", "deadline_bucket", "deadline_ms")
        if to.is_terminal:
            set_["ttl"] = self._ttl(job.enqueued_at)
            set_["outbox_pk"] = OUTBOX  # sparse index of results not yet published
            set_["outbox_sk"] = f"{dump_value(set_.get('completed_at') or job.enqueued_at)}#{job.id}"
        values: dict[str, Any] = {f":e{i}": s.value for i, s in enumerate(sorted(expected))}
        condition = f"#st IN ({', '.join(values)})"  # named condition: job is in an expected state
        if holder is not None:
            values[":holder"] = holder
            condition += " AND holder = :holder"
        key = (end_user_pk(job.end_user_id), job_sk(job.seq))
        try:
            new = self._update(*key, set_=set_, remove=remove, condition=condition, values=values,
                               names={"#st": "status"}, return_values="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            old = exc.response.get("Item")
            current = self._load_job(from_item(old)) if old else self.get_job_at(job.end_user_id, job.seq)
            raise StoreConflict(f"job {job.id} is not in {sorted(expected)}", current) from exc
        return self._load_job(new)

    def mark_published(self, job: Job, at: datetime) -> None:
        self._update(end_user_pk(job.end_user_id), job_sk(job.seq), set_={"published_at": at},
                     remove=("outbox_pk", "outbox_sk"))

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        out = self.client.query(
            TableName=self.table, IndexName=OUTBOX_INDEX,
            KeyConditionExpression="outbox_pk = :o AND outbox_sk < :before",
            ExpressionAttributeValues=to_item({":o": OUTBOX, ":before": completed_before.isoformat()}),
            Limit=limit,
        )
        jobs = []
        for keys in out.get("Items", []):
            item = self._get(*(from_item(keys)[k] for k in ("pk", "sk")))
            if item and "outbox_pk" in item:
                jobs.append(self._load_job(item))
        return jobs

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        jobs: list[Job] = []
        for bucket in range(DEADLINE_BUCKETS):
            out = self.client.query(
                TableName=self.table, IndexName=DEADLINE_INDEX,
                KeyConditionExpression="deadline_bucket = :b AND deadline_ms < :now",
                ExpressionAttributeValues=to_item({":b": f"DL#{bucket}", ":now": epoch_ms(now)}),
                Limit=limit - len(jobs),
            )
            for keys in out.get("Items", []):
                plain = from_item(keys)
                item = self._get(plain["pk"], plain["sk"])
                if item and item.get("status") == JobStatus.QUEUED.value:
                    jobs.append(self._load_job(item))
            if len(jobs) >= limit:
                break
        return jobs

    def claim_idempotency_key(
        self, end_user_id: str, key: str, job_id: str, body_hash: str, expires_at: datetime
    ) -> tuple[str, str] | None:
        pk, sk = end_user_pk(end_user_id), f"IDEM#{key}"
        try:
            self._put({"pk": pk, "sk": sk, "target_job_id": job_id, "body_hash": body_hash,
                       "ttl": int(expires_at.timestamp())}, IS_NEW)
        except StoreConflict:
            item = self._get(pk, sk) or {}
            return str(item.get("target_job_id", job_id)), str(item.get("body_hash", ""))
        return None

    def claim_idempotency_record(
        self, scope: str, key: str, target_id: str, body_hash: str, expires_at: datetime,
        response: Mapping[str, Any] | None = None, *, now: datetime | None = None,
    ) -> IdempotencyRecord | None:
        # One item per (scope, key) in its own partition; the answer is kept as JSON text (any shape).
        keys = {"pk": f"IDEM#{scope}#{key}", "sk": "IDEM"}
        item: dict[str, Any] = {**keys, "target_id": target_id, "body_hash": body_hash,
                                "ttl": int(expires_at.timestamp())}
        if response is not None:
            item["response_json"] = json.dumps(response, ensure_ascii=False, sort_keys=True)
        now_s = int((now or datetime.now(UTC)).timestamp())
        try:
            self.client.put_item(
                TableName=self.table, Item=to_item(item), ConditionExpression=KEY_IS_FREE_OR_EXPIRED,
                ExpressionAttributeNames={"#ttl": "ttl"}, ExpressionAttributeValues=to_item({":now": now_s}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            old = exc.response.get("Item")
            current = from_item(old) if old else self._get(keys["pk"], keys["sk"])
            if current is None:  # expired and deleted between the write and the read: claim again
                return self.claim_idempotency_record(scope, key, target_id, body_hash, expires_at, response,
                                                     now=now)
            text = current.get("response_json")
            return IdempotencyRecord(
                target_id=str(current["target_id"]), body_hash=str(current["body_hash"]),
                response=json.loads(str(text)) if text else None,
                expires_at=datetime.fromtimestamp(int(current["ttl"]), UTC) if "ttl" in current else None,
            )
        return None

    # Lease -----------------------------------------------------------------------------------------
    def _lease(self, end_user_id: str, item: Mapping[str, Any] | None) -> Lease:
        item = item or {}
        expires = item.get("expires_at")
        return Lease(
            end_user_id=end_user_id,
            holder=item.get("holder"),
            job_id=item.get("job_id"),
            job_seq=int(item["job_seq"]) if item.get("job_seq") is not None else None,
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )

    def acquire_lease(self, end_user_id: str, holder: str, now: datetime, expires_at: datetime) -> Lease:
        try:
            old = self._update(
                end_user_pk(end_user_id), "LEASE",
                set_={"holder": holder, "expires_at": expires_at, "expires_epoch_ms": epoch_ms(expires_at),
                      "inflight_bucket": f"IF#{bucket_of(end_user_id)}", "lease_expires_ms": epoch_ms(expires_at)},
                remove=("job_id", "job_seq"),
                condition=LEASE_IS_FREE_OR_OURS,
                values={":holder": holder, ":now_ms": epoch_ms(now)},
                return_values="ALL_OLD",
            )
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            raise StoreConflict("company file is busy", self.get_lease(end_user_id)) from exc
        return self._lease(end_user_id, old)

    def set_lease_job(self, end_user_id: str, holder: str, job: Job | None) -> None:
        changes: dict[str, Any] = {"set_": {"job_id": job.id, "job_seq": job.seq}} if job else {
            "remove": ("job_id", "job_seq")}
        try:
            self._update(end_user_pk(end_user_id), "LEASE", condition=LEASE_IS_OURS, values={":holder": holder},
                         **changes)
        except ClientError as exc:
            if failed_condition(exc):
                raise StoreConflict("lease is not ours", self.get_lease(end_user_id)) from exc
            raise

    def release_lease(self, end_user_id: str, holder: str) -> bool:
        try:
            self.client.delete_item(
                TableName=self.table, Key=to_item({"pk": end_user_pk(end_user_id), "sk": "LEASE"}),
                ConditionExpression=LEASE_IS_OURS,
                ExpressionAttributeValues=to_item({":holder": holder}),
            )
        except ClientError as exc:
            if failed_condition(exc):
                return False
            raise
        return True

    def get_lease(self, end_user_id: str) -> Lease | None:
        item = self._get(end_user_pk(end_user_id), "LEASE")
        return self._lease(end_user_id, item) if item else None

    # Sessions ---------------------------------------------------------------------------------------
    def put_session(self, session: QbwcSession) -> None:
        self._put({"pk": f"TICKET#{session.ticket_hash}", "sk": "SESSION",
                   "ttl": int(session.expires_at.timestamp()), **dump(session),
                   "session_bucket": f"SS#{bucket_of(session.ticket_hash)}",
                   "session_expires_ms": epoch_ms(session.expires_at)}, IS_NEW)

    def get_session(self, ticket_hash: str) -> QbwcSession | None:
        item = self._get(f"TICKET#{ticket_hash}", "SESSION")
        return load(QbwcSession, item) if item else None

    def update_session(self, ticket_hash: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        if changes.get("state") == "closed":  # no longer an open session: out of the sessions index
            remove = (*remove, "session_bucket", "session_expires_ms")
        self._update(f"TICKET#{ticket_hash}", "SESSION", set_=set_, remove=remove, condition=EXISTS)

