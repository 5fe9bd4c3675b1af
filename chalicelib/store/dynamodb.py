"""The DynamoDB adapter of :class:`chalicelib.jobs.ports.Store` (AWS, moto, dynalite alike).

Every decision is one single-item conditional write with a named condition below, except the
answer that also hands out the next job: one ``TransactWriteItems`` of two updates (or, where the
emulator has no transactions, the same two writes in order; see ``settle_and_hand_out``). A lost race
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

from botocore.exceptions import ClientError

from chalicelib.jobs.models import EndUser, FileView, HandOut, Job, Lease
from chalicelib.jobs.ports import IdempotencyRecord, StoreConflict
from chalicelib.jobs.security import job_key
from chalicelib.jobs.states import JobStatus
from chalicelib.store.dynamo_accounts import AccountItems
from chalicelib.store.dynamo_base import (
    DEADLINE_INDEX,
    EXISTS,
    IS_NEW,
    JOB_ID_INDEX,
    KEY_IS_FREE_OR_EXPIRED,
    OUTBOX,
    OUTBOX_INDEX,
    PROFILE_KEY,
    QUEUE_INDEX,
    bucket_of,
    deadline_attrs,
    epoch_ms,
    failed_condition,
    from_item,
    to_item,
)
from chalicelib.store.dynamo_gauges import GaugeQueries
from chalicelib.store.dynamo_lease import LeaseItems
from chalicelib.store.items import dump, dump_value, end_user_pk, job_sk, load


class DynamoStore(AccountItems, GaugeQueries, LeaseItems):
    """Jobs, the idempotency records, the company-file lease and Web Connector sessions; end-users,
    API keys and auth-flow sessions come from :class:`AccountItems`, the sweeper's gauges from
    :class:`GaugeQueries`, the helpers from :class:`~chalicelib.store.dynamo_base.DynamoBase`.
    """

    # Jobs ----------------------------------------------------------------------------------------
    def next_sequence(self, end_user_id: str) -> tuple[int, EndUser]:
        try:
            out = self._update(end_user_pk(end_user_id), "PROFILE", add={"next_seq": 1},
                               condition=EXISTS, return_values="ALL_NEW")
        except ClientError as exc:
            if failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise
        return int(out["next_seq"]), load(EndUser, out)

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

    def put_tombstone(self, end_user_id: str, seq: int) -> Job | None:
        try:
            self._put({"pk": end_user_pk(end_user_id), "sk": job_sk(seq), "tombstone": True}, IS_NEW)
        except StoreConflict as exc:
            old = exc.current if isinstance(exc.current, dict) else self._get(end_user_pk(end_user_id), job_sk(seq))
            return self._load_job(old) if old and not old.get("tombstone") else None
        return None

    def get_job(self, job_id: str) -> Job | None:
        key = job_key(job_id)
        if key is not None:  # the id carries its key: one strongly consistent read (read-your-writes)
            job = self.get_job_at(*key)
            return job if job is not None and job.id == job_id else None
        out = self.client.query(
            TableName=self.table, IndexName=JOB_ID_INDEX, KeyConditionExpression="job_id = :id",
            ExpressionAttributeValues=to_item({":id": job_id}),
        )
        items = out.get("Items", [])
        if not items:
            return None
        keys = from_item(items[0])
        item = self._get(keys["pk"], keys["sk"])
        return self._load_job(item) if item and not item.get("tombstone") else None

    def get_job_at(self, end_user_id: str, seq: int) -> Job | None:
        item = self._get(end_user_pk(end_user_id), job_sk(seq))
        return self._load_job(item) if item and not item.get("tombstone") else None

    def read_file(self, end_user_id: str, jobs: int = 1) -> FileView:
        """One strongly consistent query of the ``queue`` index: the profile (``!0``) and the lease
        (``!1``) sort before every job, so ``jobs + 2`` items give all three."""
        out = self.client.query(
            TableName=self.table, IndexName=QUEUE_INDEX, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": end_user_pk(end_user_id)}),
            ConsistentRead=True, Limit=jobs + 2, ScanIndexForward=True,
        )
        user: EndUser | None = None
        lease: Lease | None = None
        found: list[Job] = []
        next_seq = 0
        for raw in out.get("Items", []):
            item = from_item(raw)
            if item["sk"] == "PROFILE":
                user, next_seq = load(EndUser, item), int(item.get("next_seq", 0))
            elif item["sk"] == "LEASE":
                lease = self._lease(end_user_id, item)
            elif str(item["sk"]).startswith("JOB#"):
                found.append(self._load_job(item))
        if user is None:  # written before profiles joined the index: read it, and put it there
            profile = self._get(end_user_pk(end_user_id), "PROFILE")
            if profile is not None:
                user, next_seq = load(EndUser, profile), int(profile.get("next_seq", 0))
                self._update(end_user_pk(end_user_id), "PROFILE", set_={"queued_key": PROFILE_KEY}, condition=EXISTS)
        return FileView(user, lease, tuple(found[:jobs]), next_seq)

    def transition_job(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        attempts: int | None = None,
        changes: Mapping[str, Any] | None = None,
        outbox: bool = False,
        published: bool = False,
    ) -> Job:
        args = self._transition_args(job, to, expected=expected, attempts=attempts, changes=changes, outbox=outbox,
                                     published=published)
        try:
            new = self.client.update_item(**args, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            raise self._job_conflict(job, expected, exc.response.get("Item")) from exc
        return self._load_job(from_item(new.get("Attributes", {})))

    def _transition_args(
        self, job: Job, to: JobStatus, *, expected: frozenset[JobStatus], attempts: int | None,
        changes: Mapping[str, Any] | None, outbox: bool = False, published: bool = False,
    ) -> dict[str, Any]:
        set_, remove = self._split(dict(changes or {}))
        set_["status"] = to.value
        if to is JobStatus.QUEUED:  # (back) in the queue: the queue and deadline indexes see it
            set_["queued_key"] = dataclasses.replace(job, status=to).queued_key
            deadline = (changes or {}).get("deadline_at", job.deadline_at)
            if deadline is None:  # none (any more: a paged sync under way is no longer waiting)
                remove = (*remove, "deadline_bucket", "deadline_ms")
            else:
                set_.update(deadline_attrs(dataclasses.replace(job, deadline_at=deadline)))
        elif to is JobStatus.IN_DOUBT:  # heads the queue until error recovery settles it; no deadline
            set_["queued_key"] = dataclasses.replace(job, status=to).queued_key
            remove = (*remove, "deadline_bucket", "deadline_ms")
        else:
            remove = (*remove, "queued_key", "deadline_bucket", "deadline_ms")
        if to.is_terminal:
            set_["ttl"] = self._ttl(job.enqueued_at)
            if outbox:  # sparse index of results whose publish is not confirmed yet
                set_.update(self._outbox_keys(dataclasses.replace(job, completed_at=set_.get("completed_at"))))
        values: dict[str, Any] = {f":e{i}": s.value for i, s in enumerate(sorted(expected))}
        condition = f"#st IN ({', '.join(values)})"  # named condition: job is in an expected state
        if attempts is not None:
            values[":att"] = attempts
            condition += " AND attempts = :att"  # ...and the attempt it answers is still the current one
        if published:
            condition += " AND attribute_not_exists(outbox_pk)"  # ...and nothing of it awaits the re-publisher
        return self._update_args(end_user_pk(job.end_user_id), job_sk(job.seq), set_=set_, remove=remove,
                                 condition=condition, values=values, names={"#st": "status"})

    def _job_conflict(self, job: Job, expected: frozenset[JobStatus], old: Mapping[str, Any] | None) -> StoreConflict:
        current = self._load_job(from_item(old)) if old else self.get_job_at(job.end_user_id, job.seq)
        return StoreConflict(f"job {job.id} is not in {sorted(expected)}", current)

    def settle_and_hand_out(
        self,
        job: Job,
        to: JobStatus,
        *,
        expected: frozenset[JobStatus],
        attempts: int | None,
        changes: Mapping[str, Any],
        hand_out: HandOut,
        published: bool = False,
    ) -> tuple[Job, Lease | None]:
        """One ``TransactWriteItems`` (the job, then the lease); on a store without transactions
        (dynalite answers ``UnknownOperationException``, remembered) the same two writes in that order."""
        if self.transactions is not False:
            job_args = self._transition_args(job, to, expected=expected, attempts=attempts, changes=changes,
                                             published=published)
            lease_args = self._lease_args(hand_out.lease, hand_out.changes, pointer=hand_out.pointer,
                                          expect_seq=job.seq)
            token = hashlib.sha256(f"{job.id}|{attempts}|{hand_out.lease.epoch}".encode()).hexdigest()[:36]
            try:
                self.client.transact_write_items(
                    TransactItems=[{"Update": job_args}, {"Update": lease_args}], ClientRequestToken=token)
                self.transactions = True
                done = dataclasses.replace(job, status=to, **dict(changes))
                return done, dataclasses.replace(hand_out.lease, **dict(hand_out.changes), pointer=hand_out.pointer)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "UnknownOperationException":
                    self.transactions = False
                elif code != "TransactionCanceledException":
                    raise
                else:
                    reasons = exc.response.get("CancellationReasons") or [{}, {}]
                    if reasons[0].get("Code") == "ConditionalCheckFailed":
                        raise self._job_conflict(job, expected, reasons[0].get("Item")) from exc
                    # the lease moved on (or a concurrent transaction): the answer still settles its job
        done = self.transition_job(job, to, expected=expected, attempts=attempts, changes=changes, published=published)
        try:
            return done, self.update_lease(hand_out.lease, hand_out.changes, pointer=hand_out.pointer,
                                           expect_seq=job.seq)
        except StoreConflict:
            return done, None

    def mark_published(self, job: Job, at: datetime) -> None:
        self._update(end_user_pk(job.end_user_id), job_sk(job.seq), set_={"published_at": at},
                     remove=("outbox_pk", "outbox_sk"))

    def to_outbox(self, job: Job) -> None:
        self._update(end_user_pk(job.end_user_id), job_sk(job.seq), set_=self._outbox_keys(job), condition=EXISTS)

    def _outbox_keys(self, job: Job) -> dict[str, Any]:
        """The sparse ``outbox`` index's keys, spread over a few partitions (no constant key)."""
        return {"outbox_pk": f"{OUTBOX}#{bucket_of(job.end_user_id)}",
                "outbox_sk": f"{dump_value(job.completed_at or job.enqueued_at)}#{job.id}"}

    def unpublished(self, completed_before: datetime, limit: int = 100) -> list[Job]:
        items = self._below(OUTBOX_INDEX, "outbox_pk", f"{OUTBOX}#", "outbox_sk", completed_before.isoformat(), limit)
        jobs = [self._load_job(item) for item in items if "outbox_pk" in item]
        return sorted(jobs, key=lambda j: (j.completed_at or j.enqueued_at, j.id))[:limit]

    def overdue(self, now: datetime, limit: int = 100) -> list[Job]:
        items = self._below(DEADLINE_INDEX, "deadline_bucket", "DL#", "deadline_ms", epoch_ms(now), limit)
        return [self._load_job(item) for item in items if item.get("status") == JobStatus.QUEUED.value][:limit]

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

    def move_idempotency_record(self, scope: str, key: str, old_target: str, new_target: str) -> bool:
        try:
            self._update(f"IDEM#{scope}#{key}", "IDEM", set_={"target_id": new_target},
                         condition="target_id = :old", values={":old": old_target})
        except ClientError as exc:
            if failed_condition(exc):
                return False
            raise
        return True
