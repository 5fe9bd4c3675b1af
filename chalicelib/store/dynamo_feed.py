"""Change-feed subscriptions in the table: the DynamoDB adapter of
:class:`~chalicelib.feed.models.FeedStore` (AWS, moto, dynalite alike).

A class of its own on :class:`~chalicelib.store.dynamo_base.DynamoBase` (not part of
:class:`~chalicelib.store.dynamodb.DynamoStore`), in the same table, with no index of its own and no Scan:

* a subscription is one item in its end-user's partition (``EU#<end-user id>``, ``FSUB#<subscription id>``),
  beside the end-user's jobs; listing them is one paginated Query on ``begins_with(sk, "FSUB#")``. The item
  has no ``queued_key`` (so the ``queue`` index never lists it) and always a ``marks`` map, possibly empty,
  so that one type's mark is set in place (``SET marks.#name``) without touching the others;
* due subscriptions are found through the sparse ``outbox`` index, in partitions of their own:
  ``outbox_pk = FEEDDUE#<bucket>`` (the end-user's bucket, as the outbox spreads its keys) and
  ``outbox_sk = <next_run_at>#<subscription id>``. The outbox's re-publisher reads only the ``OUTBOX#<n>``
  partitions, so it never meets a subscription, nor :meth:`DynamoFeedStore.due_subscriptions` a job.
  Every write of ``next_run_at`` rewrites ``outbox_sk``. The time in it is ``next_run_at`` in UTC as
  :func:`~chalicelib.store.items.dump_value` writes it, so that the index's string order is the time order
  (``next_run_at`` itself keeps the offset it was given).

Every write is one conditional single-item write. Creating is a put only if the item is new; an update is
one ``UpdateItem`` on the item existing (and, with ``expect_run``, on its ``run`` being that), answering the
subscription as written (``ALL_NEW``); a lost race comes back as :class:`~chalicelib.jobs.ports.StoreConflict`
with the subscription as it is (``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or one consistent read where
an emulator does not return it), or ``None`` when it is gone. Setting a mark on a subscription that is gone
does nothing (the condition keeps the update from creating a fragment of one). See
:mod:`chalicelib.store.items` for the table layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.feed.models import Mark, Subscription
from chalicelib.jobs.ports import StoreConflict
from chalicelib.store.dynamo_base import (
    EXISTS,
    IS_NEW,
    OUTBOX_INDEX,
    DynamoBase,
    bucket_of,
    failed_condition,
    from_item,
    to_item,
)
from chalicelib.store.items import dump, dump_value, end_user_pk, load

FSUB = "FSUB#"  # the prefix of a subscription's sort key
FEED_DUE = "FEEDDUE#"  # the prefix of the due subscriptions' partitions of the outbox index
RUN_IS = "#run = :run"  # the catch-up the caller read (expect_run)
KEY_FIELDS = frozenset({"id", "end_user_id"})  # they make the item's key: never changed
NULLABLE = frozenset(f.name for f in dataclasses.fields(Subscription) if f.default is None)


def subscription_sk(subscription_id: str) -> str:
    return f"{FSUB}{subscription_id}"


def due_key(at: datetime) -> str:
    """A time as the due index sorts it: UTC, so that string order is time order."""
    if at.tzinfo is None:
        raise ValueError(f"a naive time cannot be placed among due subscriptions: {at!r}")
    return str(dump_value(at.astimezone(UTC)))


def due_attrs(end_user_id: str, subscription_id: str, next_run_at: datetime) -> dict[str, str]:
    """The sparse ``outbox`` index's keys of a subscription: its end-user's due bucket, then the time."""
    return {"outbox_pk": f"{FEED_DUE}{bucket_of(end_user_id)}",
            "outbox_sk": f"{due_key(next_run_at)}#{subscription_id}"}


def checked_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` if they are fields of :class:`Subscription` a store may write (the memory twin applies
    the same rule): not the key, and ``None`` (removal) only for a field that may be ``None``."""
    names = {f.name for f in dataclasses.fields(Subscription)}
    wrong = sorted(k for k, v in changes.items()
                   if k not in names or k in KEY_FIELDS or (v is None and k not in NULLABLE))
    if wrong:
        raise ValueError(f"a subscription update cannot write {wrong}")
    return dict(changes)


class DynamoFeedStore(DynamoBase):
    """Subscriptions to the change feed, in their end-users' partitions of the gateway's table."""

    def _item(self, subscription: Subscription) -> dict[str, Any]:
        item = {"pk": end_user_pk(subscription.end_user_id), "sk": subscription_sk(subscription.id),
                **dump(subscription), **due_attrs(subscription.end_user_id, subscription.id, subscription.next_run_at)}
        item["marks"] = dump_value(subscription.marks)  # always a map, even empty: set_mark writes into it
        return item

    def put_subscription(self, subscription: Subscription) -> None:
        try:
            self._put(self._item(subscription), IS_NEW)
        except StoreConflict as exc:
            current = load(Subscription, exc.current) if isinstance(exc.current, dict) else None
            raise StoreConflict(f"subscription {subscription.id} exists", current or self.get_subscription(
                subscription.end_user_id, subscription.id)) from exc

    def get_subscription(self, end_user_id: str, subscription_id: str) -> Subscription | None:
        item = self._get(end_user_pk(end_user_id), subscription_sk(subscription_id))
        return load(Subscription, item) if item else None

    def list_subscriptions(self, end_user_id: str) -> list[Subscription]:
        found: list[Subscription] = []
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
                                  "ExpressionAttributeValues": to_item({":pk": end_user_pk(end_user_id), ":p": FSUB}),
                                  "ConsistentRead": True}
        while True:
            out = self.client.query(**kwargs)
            found += [load(Subscription, from_item(i)) for i in out.get("Items", [])]
            if not out.get("LastEvaluatedKey"):
                return sorted(found, key=lambda s: s.id)
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def delete_subscription(self, end_user_id: str, subscription_id: str) -> bool:
        key = to_item({"pk": end_user_pk(end_user_id), "sk": subscription_sk(subscription_id)})
        out = self.client.delete_item(TableName=self.table, Key=key, ReturnValues="ALL_OLD")
        return bool(out.get("Attributes"))

    def update_subscription(self, subscription: Subscription, changes: Mapping[str, Any], *,
                            expect_run: int | None = None) -> Subscription:
        pk, sk = end_user_pk(subscription.end_user_id), subscription_sk(subscription.id)
        set_, remove = self._split(checked_changes(changes))
        if "next_run_at" in set_:
            set_["outbox_sk"] = due_attrs(subscription.end_user_id, subscription.id, set_["next_run_at"])["outbox_sk"]
        if not set_ and not remove:  # still one conditional write, which changes nothing
            set_ = {"id": subscription.id}
        condition: str = EXISTS
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if expect_run is not None:
            condition, names, values = f"{EXISTS} AND {RUN_IS}", {"#run": "run"}, {":run": expect_run}
        try:
            new = self._update(pk, sk, set_=set_, remove=remove, condition=condition, names=names, values=values,
                               return_values="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            old = exc.response.get("Item")
            item = from_item(old) if old else self._get(pk, sk)
            raise StoreConflict(f"subscription {subscription.id} moved on or is gone",
                                load(Subscription, item) if item else None) from exc
        return load(Subscription, new)

    def set_mark(self, subscription: Subscription, name: str, mark: Mark) -> None:
        key = to_item({"pk": end_user_pk(subscription.end_user_id), "sk": subscription_sk(subscription.id)})
        try:
            self.client.update_item(
                TableName=self.table, Key=key, UpdateExpression="SET #marks.#name = :mark", ConditionExpression=EXISTS,
                ExpressionAttributeNames={"#marks": "marks", "#name": name},
                ExpressionAttributeValues=to_item({":mark": dump_value(mark.to_dict())}))
        except ClientError as exc:
            if not failed_condition(exc):
                raise  # gone: nothing to mark

    def due_subscriptions(self, now: datetime, limit: int = 100) -> list[Subscription]:
        # "<now>$" sorts after every "<now>#<id>" ('$' follows '#'), and before any later time: the bound
        # of _below's "<" that lets a subscription due exactly now in.
        items = self._below(OUTBOX_INDEX, "outbox_pk", FEED_DUE, "outbox_sk", f"{due_key(now)}$", limit)
        due = [load(Subscription, item) for item in items if str(item.get("sk", "")).startswith(FSUB)]
        due = [s for s in due if s.next_run_at <= now]  # the index lags: the item as read decides
        return sorted(due, key=lambda s: (s.next_run_at, s.id))[:limit]
