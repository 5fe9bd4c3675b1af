"""The DynamoDB adapter of :class:`chalicelib.jobs.ports.Store` (AWS, moto, dynalite alike).

Every decision is one single-item conditional write with a named condition below; a lost race
comes back as :class:`~chalicelib.jobs.ports.StoreConflict` carrying the item as it was
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or one consistent read where an emulator does not
return it). There is no Scan anywhere: every read is a key lookup or an index query.
See :mod:`chalicelib.store.items` for the table layout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser, Job, Lease, QbwcSession
from chalicelib.jobs.ports import IdempotencyRecord, StoreConflict
from chalicelib.jobs.states import JobStatus
from chalicelib.store.items import dump, dump_value, end_user_pk, job_sk, load

# Named conditions ------------------------------------------------------------------------------
IS_NEW = "attribute_not_exists(pk)"
EXISTS = "attribute_exists(pk)"
LEASE_IS_FREE_OR_OURS = "attribute_not_exists(holder) OR holder = :holder OR expires_epoch_ms < :now_ms"
LEASE_IS_OURS = "holder = :holder"
KEY_IS_FREE_OR_EXPIRED = "attribute_not_exists(pk) OR #ttl < :now"

QUEUE_INDEX = "queue"
JOB_ID_INDEX = "by_job_id"
API_KEYS = "APIKEYS"
END_USERS = "ENDUSERS"  # registry of end-user ids: list_end_users reads it without a Scan
OUTBOX_INDEX = "outbox"
OUTBOX = "OUTBOX"
DEADLINE_INDEX = "deadlines"
DEADLINE_BUCKETS = 8  # queued jobs with a deadline, spread over a few partitions of the index
INFLIGHT_INDEX = "inflight"  # held leases (company files with a job in flight), by lease expiry
SESSIONS_INDEX = "sessions"  # open Web Connector sessions, by ticket expiry

_ser = TypeSerializer()
_deser = TypeDeserializer()


def _to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in values.items()}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in item.items()}


def _epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _bucket_of(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % DEADLINE_BUCKETS


def deadline_bucket(end_user_id: str) -> str:
    return f"DL#{_bucket_of(end_user_id)}"


def _deadline_attrs(job: Job) -> dict[str, Any]:
    if job.deadline_at is None:
        return {}
    return {"deadline_bucket": deadline_bucket(job.end_user_id), "deadline_ms": _epoch_ms(job.deadline_at)}


def _failed_condition(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in (
        "ConditionalCheckFailedException", "TransactionCanceledException"
    )


class DynamoStore:
    def __init__(self, client: Any, table_name: str, *, retention_seconds: int = 30 * 86400) -> None:
        self.client = client
        self.table = table_name
        self.retention_seconds = retention_seconds

    # Low-level helpers -------------------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        out = self.client.get_item(TableName=self.table, Key=_to_item({"pk": pk, "sk": sk}),
                                   ConsistentRead=True)
        return _from_item(out["Item"]) if "Item" in out else None

    def _put(self, values: Mapping[str, Any], condition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": _to_item(values)}
        if condition:
            kwargs["ConditionExpression"] = condition
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            self.client.put_item(**kwargs)
        except ClientError as exc:
            if condition and _failed_condition(exc):
                old = exc.response.get("Item")
                raise StoreConflict(f"{values['pk']} {values['sk']} exists",
                                    _from_item(old) if old else None) from exc
            raise

    def _update(
        self,
        pk: str,
        sk: str,
        *,
        set_: Mapping[str, Any] | None = None,
        remove: tuple[str, ...] = (),
        add: Mapping[str, int] | None = None,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
        names: Mapping[str, str] | None = None,
        return_values: str = "NONE",
    ) -> dict[str, Any]:
        attr_names: dict[str, str] = dict(names or {})
        attr_values: dict[str, Any] = dict(values or {})
        clauses = []
        if set_:
            parts = []
            for i, (name, value) in enumerate(set_.items()):
                attr_names[f"#s{i}"] = name
                attr_values[f":s{i}"] = dump_value(value)
                parts.append(f"#s{i} = :s{i}")
            clauses.append("SET " + ", ".join(parts))
        if remove:
            for i, name in enumerate(remove):
                attr_names[f"#r{i}"] = name
            clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove))))
        if add:
            parts = []
            for i, (name, amount) in enumerate(add.items()):
                attr_names[f"#a{i}"] = name
                attr_values[f":a{i}"] = amount
                parts.append(f"#a{i} :a{i}")
            clauses.append("ADD " + ", ".join(parts))
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Key": _to_item({"pk": pk, "sk": sk}),
            "UpdateExpression": " ".join(clauses),
            "ReturnValues": return_values,
        }
        if attr_names:
            kwargs["ExpressionAttributeNames"] = attr_names
        if attr_values:
            kwargs["ExpressionAttributeValues"] = _to_item(attr_values)
        if condition:
            kwargs["ConditionExpression"] = condition
            kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        out = self.client.update_item(**kwargs)
        return _from_item(out.get("Attributes", {}))

    def _split(self, changes: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        set_ = {k: v for k, v in changes.items() if v is not None}
        remove = tuple(k for k, v in changes.items() if v is None)
        return set_, remove

    def _ttl(self, at: datetime) -> int:
        return int(at.timestamp()) + self.retention_seconds

    # End-users and API keys ----------------------------------------------------------------------
    def put_end_user(self, user: EndUser) -> None:
        self._put({"pk": end_user_pk(user.id), "sk": "PROFILE", "next_seq": 0, **dump(user)}, IS_NEW)
        self._put({"pk": END_USERS, "sk": f"EU#{user.id}", "end_user_id": user.id})  # listable registry

    def get_end_user(self, end_user_id: str) -> EndUser | None:
        item = self._get(end_user_pk(end_user_id), "PROFILE")
        return load(EndUser, item) if item else None

    def update_end_user(self, end_user_id: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        try:
            self._update(end_user_pk(end_user_id), "PROFILE", set_=set_, remove=remove, condition=EXISTS)
        except ClientError as exc:
            if _failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise

    # API keys: the record lives in the ``APIKEYS`` partition (listable); a small pointer item in the
    # key's lookup bucket finds it from a presented key without a Scan.
    def put_api_key(self, key: ApiKey) -> None:
        self._put({"pk": API_KEYS, "sk": f"KEY#{key.key_id}", **dump(key)}, IS_NEW)
        self._put({"pk": f"APIKEY#{key.lookup}", "sk": f"KEY#{key.key_id}", "key_id": key.key_id})

    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        out = self.client.query(
            TableName=self.table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_to_item({":pk": f"APIKEY#{lookup}"}), ConsistentRead=True,
        )
        keys = (self.get_api_key(str(_from_item(i)["key_id"])) for i in out.get("Items", []))
        return [k for k in keys if k is not None]

    def get_api_key(self, key_id: str) -> ApiKey | None:
        item = self._get(API_KEYS, f"KEY#{key_id}")
        return load(ApiKey, item) if item else None

    def list_api_keys(self) -> list[ApiKey]:
        keys: list[ApiKey] = []
        start = None
        while True:
            kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                      "ExpressionAttributeValues": _to_item({":pk": API_KEYS}),
                                      "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.client.query(**kwargs)
            keys += [load(ApiKey, _from_item(i)) for i in out.get("Items", [])]
            start = out.get("LastEvaluatedKey")
            if not start:
                return keys

    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        key = self.get_api_key(key_id)
        if key is None:
            return None
        if key.revoked_at is not None:
            return key
        new = self._update(API_KEYS, f"KEY#{key_id}", set_={"revoked_at": at}, condition=EXISTS,
                           return_values="ALL_NEW")
        return load(ApiKey, new)

    # Auth-flow sessions -------------------------------------------------------------------------------
    def put_auth_session(self, session: AuthSession) -> None:
        self._put({"pk": f"AUTH#{session.token_hash}", "sk": "SESSION",
                   "ttl": int(session.expires_at.timestamp()), **dump(session)}, IS_NEW)

    def get_auth_session(self, token_hash: str) -> AuthSession | None:
        item = self._get(f"AUTH#{token_hash}", "SESSION")
        return load(AuthSession, item) if item else None

    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        self._update(f"AUTH#{token_hash}", "SESSION", set_=set_, remove=remove, condition=EXISTS)

    # Jobs ----------------------------------------------------------------------------------------
    def next_sequence(self, end_user_id: str) -> int:
        try:
            out = self._update(end_user_pk(end_user_id), "PROFILE", add={"next_seq": 1},
                               condition=EXISTS, return_values="UPDATED_NEW")
        except ClientError as exc:
            if _failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise
        return int(out["next_seq"])

    def _job_item(self, job: Job) -> dict[str, Any]:
        item = {"pk": end_user_pk(job.end_user_id), "sk": job_sk(job.seq), "job_id": job.id, **dump(job)}
        item.pop("id")
        if job.status is JobStatus.QUEUED:
            item["queued_key"] = job.queued_key
            item.update(_deadline_attrs(job))
        return item

    def _load_job(self, item: Mapping[str, Any]) -> Job:
        return load(Job, {**item, "id": item["job_id"]})

    def put_job(self, job: Job) -> None:
        self._put(self._job_item(job), IS_NEW)

    def get_job(self, job_id: str) -> Job | None:
        out = self.client.query(
            TableName=self.table, IndexName=JOB_ID_INDEX, KeyConditionExpression="job_id = :id",
            ExpressionAttributeValues=_to_item({":id": job_id}),
        )
        items = out.get("Items", [])
        if not items:
            return None
        keys = _from_item(items[0])
        item = self._get(keys["pk"], keys["sk"])
        return self._load_job(item) if item else None

    def get_job_at(self, end_user_id: str, seq: int) -> Job | None:
        item = self._get(end_user_pk(end_user_id), job_sk(seq))
        return self._load_job(item) if item else None

    def head_of_queue(self, end_user_id: str) -> Job | None:
        out = self.client.query(
            TableName=self.table, IndexName=QUEUE_INDEX, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_to_item({":pk": end_user_pk(end_user_id)}),
            ConsistentRead=True, Limit=1, ScanIndexForward=True,
        )
        items = out.get("Items", [])
        return self._load_job(_from_item(items[0])) if items else None

    def count_queued(self, end_user_id: str, limit: int = 1000) -> int:
        count, start = 0, None
        while count < limit:
            kwargs: dict[str, Any] = {
                "TableName": self.table, "IndexName": QUEUE_INDEX, "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": _to_item({":pk": end_user_pk(end_user_id)}),
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
            set_.update(_deadline_attrs(job))
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
            if not _failed_condition(exc):
                raise
            old = exc.response.get("Item")
            current = self._load_job(_from_item(old)) if old else self.get_job_at(job.end_user_id, job.seq)
            raise StoreConflict(f"job {job.id} is not in {sorted(expected)}", current) from exc
        return self._load_job(new)

    def mark_published(self, job: Job, at: datetime) -> None:
        self._update(end_user_pk(job.end_user_id), job_sk(job.seq), set_={"published_at": at},
                     remove=("outbox_pk", "outbox_sk"))

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        out = self.client.query(
            TableName=self.table, IndexName=OUTBOX_INDEX,
            KeyConditionExpression="outbox_pk = :o AND outbox_sk < :before",
            ExpressionAttributeValues=_to_item({":o": OUTBOX, ":before": completed_before.isoformat()}),
            Limit=limit,
        )
        jobs = []
        for keys in out.get("Items", []):
            item = self._get(*(_from_item(keys)[k] for k in ("pk", "sk")))
            if item and "outbox_pk" in item:
                jobs.append(self._load_job(item))
        return jobs

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        jobs: list[Job] = []
        for bucket in range(DEADLINE_BUCKETS):
            out = self.client.query(
                TableName=self.table, IndexName=DEADLINE_INDEX,
                KeyConditionExpression="deadline_bucket = :b AND deadline_ms < :now",
                ExpressionAttributeValues=_to_item({":b": f"DL#{bucket}", ":now": _epoch_ms(now)}),
                Limit=limit - len(jobs),
            )
            for keys in out.get("Items", []):
                plain = _from_item(keys)
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
                TableName=self.table, Item=_to_item(item), ConditionExpression=KEY_IS_FREE_OR_EXPIRED,
                ExpressionAttributeNames={"#ttl": "ttl"}, ExpressionAttributeValues=_to_item({":now": now_s}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not _failed_condition(exc):
                raise
            old = exc.response.get("Item")
            current = _from_item(old) if old else self._get(keys["pk"], keys["sk"])
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
                set_={"holder": holder, "expires_at": expires_at, "expires_epoch_ms": _epoch_ms(expires_at),
                      "inflight_bucket": f"IF#{_bucket_of(end_user_id)}", "lease_expires_ms": _epoch_ms(expires_at)},
                remove=("job_id", "job_seq"),
                condition=LEASE_IS_FREE_OR_OURS,
                values={":holder": holder, ":now_ms": _epoch_ms(now)},
                return_values="ALL_OLD",
            )
        except ClientError as exc:
            if not _failed_condition(exc):
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
            if _failed_condition(exc):
                raise StoreConflict("lease is not ours", self.get_lease(end_user_id)) from exc
            raise

    def release_lease(self, end_user_id: str, holder: str) -> bool:
        try:
            self.client.delete_item(
                TableName=self.table, Key=_to_item({"pk": end_user_pk(end_user_id), "sk": "LEASE"}),
                ConditionExpression=LEASE_IS_OURS,
                ExpressionAttributeValues=_to_item({":holder": holder}),
            )
        except ClientError as exc:
            if _failed_condition(exc):
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
                   "session_bucket": f"SS#{_bucket_of(session.ticket_hash)}",
                   "session_expires_ms": _epoch_ms(session.expires_at)}, IS_NEW)

    def get_session(self, ticket_hash: str) -> QbwcSession | None:
        item = self._get(f"TICKET#{ticket_hash}", "SESSION")
        return load(QbwcSession, item) if item else None

    def update_session(self, ticket_hash: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        if changes.get("state") == "closed":  # no longer an open session: out of the sessions index
            remove = (*remove, "session_bucket", "session_expires_ms")
        self._update(f"TICKET#{ticket_hash}", "SESSION", set_=set_, remove=remove, condition=EXISTS)

    # Listing end-users (operator CLI) ---------------------------------------------------------------
    def list_end_users(self, limit: int = 50, start: str | None = None) -> tuple[list[EndUser], str | None]:
        """A page of end-users in id (creation) order after ``start``, and the cursor of the next page.

        Reads the ``ENDUSERS`` registry partition (one pointer item per end-user, written by
        :meth:`put_end_user`), then each profile: never a Scan.
        """
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                  "ExpressionAttributeValues": _to_item({":pk": END_USERS}),
                                  "ConsistentRead": True, "Limit": max(1, limit)}
        if start:
            kwargs["ExclusiveStartKey"] = _to_item({"pk": END_USERS, "sk": f"EU#{start}"})
        out = self.client.query(**kwargs)
        ids = [str(_from_item(i)["end_user_id"]) for i in out.get("Items", [])]
        users = [u for u in (self.get_end_user(i) for i in ids) if u is not None]
        return users, (ids[-1] if out.get("LastEvaluatedKey") and ids else None)

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
                         "ExpressionAttributeValues": _to_item({":b": f"DL#{bucket}", ":zero": 0})}
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
                plain = _from_item(keys)
                out = self.client.get_item(TableName=self.table, Key=_to_item({"pk": plain["pk"], "sk": plain["sk"]}),
                                           ProjectionExpression="#st, enqueued_at",
                                           ExpressionAttributeNames={"#st": "status"})
                item = _from_item(out.get("Item", {}))
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
                        ExpressionAttributeValues=_to_item({":b": f"{prefix}#{bucket}", **values}),
                        **({"ExclusiveStartKey": start} if start else {}))
                    total += int(page.get("Count", 0))
                    start = page.get("LastEvaluatedKey")
                    if not start:
                        break
            return total

        now_ms = _epoch_ms(now)
        in_flight = count(INFLIGHT_INDEX, "IF", "inflight_bucket = :b AND lease_expires_ms > :z", {":z": 0})
        stuck = count(INFLIGHT_INDEX, "IF", "inflight_bucket = :b AND lease_expires_ms < :now", {":now": now_ms})
        sessions = count(SESSIONS_INDEX, "SS", "session_bucket = :b AND session_expires_ms > :now", {":now": now_ms})
        return in_flight, stuck, sessions
