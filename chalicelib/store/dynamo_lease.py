"""The company file's lease in DynamoDB: taking it, pointing it at a job, renewing and releasing it.

One item per end-user (``sk = "LEASE"``) is the lock of the serial queue (chalicelib.jobs.dispatch):
who holds the file (``holder``, ``epoch``), until when (``expires_at``), and the job in flight (the
``p_*`` pointer attributes, :class:`~chalicelib.jobs.models.InFlight`). Every write is conditional:
``LEASE_IS_TAKEABLE`` to take it, ``LEASE_IS_OURS`` (holder and epoch) for everything after, with the
pointer's sequence number where the caller expects one. While the lease points at a job it is in the
sweeper's sparse ``inflight`` index by its expiry, so a file left with a job in flight is repaired.
A lost race comes back as :class:`~chalicelib.jobs.ports.StoreConflict` with the lease as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.jobs.models import InFlight, Lease
from chalicelib.jobs.ports import SWEEPER_PREFIX, StoreConflict
from chalicelib.store.dynamo_base import (
    INFLIGHT_INDEX,
    LEASE_IS_OURS,
    LEASE_IS_TAKEABLE,
    LEASE_KEY,
    DynamoBase,
    bucket_of,
    epoch_ms,
    failed_condition,
    from_item,
)
from chalicelib.store.items import end_user_pk, load


class LeaseItems(DynamoBase):
    """The lease half of :class:`~chalicelib.store.dynamodb.DynamoStore`."""

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
            "last_error_text": None, "connection_errors": 0, "created_at": now, "closing_sent_at": None, **session}
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


_POINTER_ATTRS = ("p_seq", "p_job_id", "p_write", "p_attempt", "p_msid", "p_epoch", "p_phase", "p_sent_at", "p_qkey",
                  "p_prev", "p_page")
_LEASE_FIELDS = frozenset({"epoch", "holder", "expires_at", "seen_at", "created_at", "state", "company_file",
                           "qbxml_version", "jobs_sent", "last_job_at", "last_error_text", "connection_errors",
                           "last_holder", "closing_sent_at"})
