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

from chalicelib.jobs.models import EndUser, FileView, HandOut, InFlight, Job, Lease
from chalicelib.jobs.ports import SWEEPER_PREFIX, IdempotencyRecord, StoreConflict
from chalicelib.jobs.states import JobStatus
from chalicelib.store.dynamo_accounts import AccountItems
from chalicelib.store.dynamo_base import (
    DEADLINE_BUCKETS,
    DEADLINE_INDEX,
    EXISTS,
    INFLIGHT_INDEX,
    IS_NEW,
    JOB_ID_INDEX,
    KEY_IS_FREE_OR_EXPIRED,
    LEASE_IS_OURS,
    LEASE_IS_TAKEABLE,
    LEASE_KEY,
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
from chalicelib.store.items import dump, dump_value, end_user_pk, job_sk, load


class DynamoStore(AccountItems, GaugeQueries):
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

    # Lease -----------------------------------------------------------------------------------------
    def _lease(self, end_user_id: str, item: Mapping[str, Any] | None) -> Lease:
        item = dict(item or {})
        pointer = None
        if item.get("p_seq") is not None:
            pointer = InFlight(
                seq=int(item["p_seq"]), job_id=str(item["p_job_id"]), is_write=bool(item.get("p_write")),
                attempt=int(item.get("p_attempt", 1)), message_set_id=item.get("p_msid"),
                epoch=int(item.get("p_epoch", 0)), phase=str(item.get("p_phase")),
                sent_at=datetime.fromisoformat(str(item["p_sent_at"])), queued_key=str(item.get("p_qkey", "")),
                previous_seq=int(item["p_prev"]) if item.get("p_prev") is not None else None,
                page=int(item["p_page"]) if item.get("p_page") is not None else None)
        fields = {k: v for k, v in item.items() if k in _LEASE_FIELDS}
        return dataclasses.replace(load(Lease, {**fields, "end_user_id": end_user_id}), pointer=pointer)

    def _lease_values(self, end_user_id: str, changes: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        set_, remove = self._split(changes)
        bucket = bucket_of(end_user_id)
        if "expires_at" in set_:
            ms = epoch_ms(set_["expires_at"])
            set_.update(expires_ms=ms, session_expires_ms=ms, session_bucket=f"SS#{bucket}")
        if "seen_at" in set_:
            set_["seen_ms"] = epoch_ms(set_["seen_at"])
        return set_, remove

    @staticmethod
    def _pointer_values(pointer: InFlight | None) -> tuple[dict[str, Any], tuple[str, ...]]:
        if pointer is None:
            return {}, _POINTER_ATTRS
        return {"p_seq": pointer.seq, "p_job_id": pointer.job_id, "p_write": pointer.is_write,
                "p_attempt": pointer.attempt, "p_epoch": pointer.epoch, "p_phase": pointer.phase,
                "p_sent_at": pointer.sent_at, "p_qkey": pointer.queued_key,
                **({"p_msid": pointer.message_set_id} if pointer.message_set_id else {}),
                **({"p_prev": pointer.previous_seq} if pointer.previous_seq is not None else {}),
                **({"p_page": pointer.page} if pointer.page is not None else {}),
                }, (*(() if pointer.message_set_id else ("p_msid",)),
                    *(() if pointer.previous_seq is not None else ("p_prev",)),
                    *(() if pointer.page is not None else ("p_page",)))

    def _lease_conflict(self, exc: ClientError, end_user_id: str, message: str) -> StoreConflict:
        old = exc.response.get("Item")
        current = self._lease(end_user_id, from_item(old)) if old else self.get_lease(end_user_id)
        return StoreConflict(message, current)

    def take_lease(
        self, end_user_id: str, holder: str, *, now: datetime, expires_at: datetime, stale_before: datetime,
        session: Mapping[str, Any],
    ) -> Lease:
        # A session starts afresh; the sweeper leaves the last session's state (its error text) alone.
        fresh = {} if holder.startswith(SWEEPER_PREFIX) else {
            "state": "ready", "company_file": None, "qbxml_version": None, "jobs_sent": 0, "last_job_at": None,
            "last_error_text": None, "connection_errors": 0, "created_at": now, **session}
        fresh.update(holder=holder, expires_at=expires_at, seen_at=now, queued_key=LEASE_KEY)
        set_, remove = self._lease_values(end_user_id, fresh)
        # In the sweeper's index until the holder's first write says whether a pointer is left.
        set_.update(lease_expires_ms=epoch_ms(expires_at), inflight_bucket=f"IF#{bucket_of(end_user_id)}")
        try:
            new = self._update(end_user_pk(end_user_id), "LEASE", set_=set_, remove=remove, add={"epoch": 1},
                               condition=LEASE_IS_TAKEABLE,
                               values={":now_ms": epoch_ms(now), ":stale_ms": epoch_ms(stale_before),
                                       ":sweeper": SWEEPER_PREFIX},
                               return_values="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            raise self._lease_conflict(exc, end_user_id, "company file is busy") from exc
        return self._lease(end_user_id, new)

    def update_lease(
        self, lease: Lease, changes: Mapping[str, Any], *, pointer: InFlight | object | None = ...,
        expect_seq: int | object | None = ...,
    ) -> Lease:
        args = self._lease_args(lease, changes, pointer=pointer, expect_seq=expect_seq)
        try:
            new = self.client.update_item(**args, ReturnValues="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            raise self._lease_conflict(exc, lease.end_user_id, "lease is not ours") from exc
        return self._lease(lease.end_user_id, from_item(new.get("Attributes", {})))

    def _lease_args(
        self, lease: Lease, changes: Mapping[str, Any], *, pointer: InFlight | object | None,
        expect_seq: int | object | None,
    ) -> dict[str, Any]:
        set_, remove = self._lease_values(lease.end_user_id, changes)
        if pointer is not ...:
            p_set, p_remove = self._pointer_values(pointer if isinstance(pointer, InFlight) else None)
            set_.update(p_set)
            remove = (*remove, *p_remove)
        # The sweeper's ``inflight`` index holds a lease while it points at a job, by its expiry.
        points = (pointer if pointer is not ... else lease.pointer) is not None
        expires = changes.get("expires_at", lease.expires_at)
        if points and isinstance(expires, datetime):
            set_.update(lease_expires_ms=epoch_ms(expires), inflight_bucket=f"IF#{bucket_of(lease.end_user_id)}")
        elif not points:
            remove = (*remove, "lease_expires_ms")
        condition = LEASE_IS_OURS
        values: dict[str, Any] = {":holder": lease.holder, ":epoch": lease.epoch}
        if expect_seq is None:
            condition += " AND attribute_not_exists(p_seq)"
        elif expect_seq is not ...:
            condition += " AND p_seq = :pseq"
            values[":pseq"] = expect_seq
        return self._update_args(end_user_pk(lease.end_user_id), "LEASE", set_=set_ or {"holder": lease.holder},
                                 remove=remove, condition=condition, values=values)

    def release_lease(self, lease: Lease, *, pointer: InFlight | object | None = ..., due: datetime) -> bool:
        keeps = lease.pointer if pointer is ... else pointer
        set_: dict[str, Any] = {"state": "closed"}
        if lease.holder and not lease.holder.startswith(SWEEPER_PREFIX):
            set_["last_holder"] = lease.holder  # its error text stays readable by its ticket
        remove: tuple[str, ...] = ("holder", "expires_at", "expires_ms", "session_bucket", "session_expires_ms")
        if keeps is not None:
            set_.update(lease_expires_ms=epoch_ms(due), inflight_bucket=f"IF#{bucket_of(lease.end_user_id)}")
        else:
            remove = (*remove, "lease_expires_ms")
        if pointer is not ...:
            p_set, p_remove = self._pointer_values(pointer if isinstance(pointer, InFlight) else None)
            set_.update(p_set)
            remove = (*remove, *p_remove)
        try:
            self._update(end_user_pk(lease.end_user_id), "LEASE", set_=set_, remove=remove, condition=LEASE_IS_OURS,
                         values={":holder": lease.holder, ":epoch": lease.epoch})
        except ClientError as exc:
            if failed_condition(exc):
                return False
            raise
        return True

    def get_lease(self, end_user_id: str) -> Lease | None:
        item = self._get(end_user_pk(end_user_id), "LEASE")
        return self._lease(end_user_id, item) if item else None

    def leases_due(self, now: datetime, limit: int = 100) -> list[Lease]:
        items = self._below(INFLIGHT_INDEX, "inflight_bucket", "IF#", "lease_expires_ms", epoch_ms(now), limit)
        return [self._lease(str(item["pk"]).removeprefix("EU#"), item) for item in items][:limit]

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


_POINTER_ATTRS = ("p_seq", "p_job_id", "p_write", "p_attempt", "p_msid", "p_epoch", "p_phase", "p_sent_at", "p_qkey",
                  "p_prev", "p_page")
_LEASE_FIELDS = frozenset({"epoch", "holder", "expires_at", "seen_at", "created_at", "state", "company_file",
                           "qbxml_version", "jobs_sent", "last_job_at", "last_error_text", "connection_errors",
                           "last_holder"})
