"""Webhook endpoints and their deliveries in the table: the DynamoDB adapter of
:class:`~chalicelib.delivery.webhook_models.WebhookStore` (AWS, moto, dynalite alike).

A class of its own on :class:`~chalicelib.store.dynamo_base.DynamoBase` (not part of
:class:`~chalicelib.store.dynamodb.DynamoStore`), in the same table, with no index of its own and no Scan:

* the endpoints share one partition (``WEBHOOKS``, ``WHE#<id>``), so listing them is one paginated Query;
* a delivery is one item under its own key (``DLV#<id>``, ``DELIVERY``), read and updated by key;
* an endpoint's delivery log is a partition of small pointer items (``WHE#<endpoint id>``,
  ``LOG#<created ISO>#<delivery id>``), queried newest first; the page's records are then read with
  ``BatchGetItem``. The part of a log entry's sort key after ``LOG#`` is the page cursor.

Putting a delivery writes its record only if it is new (the id is derived from the endpoint and the
message, so a re-published message finds the delivery it already made), then its log entry, always, for
the record as stored: a crash between the two writes is repaired by the next put of the same delivery.
Both items carry the same ``ttl`` (``created_at`` plus the retention), so the log empties as the
records expire; a log entry whose record is already gone is skipped. An attempt is recorded by whoever
moves a delivery's ``attempts`` and ``status`` from the values it read (one conditional ``UpdateItem``);
a lost race comes back as :class:`~chalicelib.jobs.ports.StoreConflict` with the delivery as it is
(``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or one consistent read where an emulator does not
return it). See :mod:`chalicelib.store.items` for the table layout.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.delivery.webhook_models import Delivery, WebhookEndpoint
from chalicelib.jobs.ports import StoreConflict
from chalicelib.store.dynamo_base import EXISTS, IS_NEW, DynamoBase, failed_condition, from_item, to_item
from chalicelib.store.items import dump, dump_value, load

WEBHOOKS = "WEBHOOKS"  # the endpoints' partition
DELIVERY = "DELIVERY"  # a delivery record's sort key
LOG = "LOG#"  # the prefix of a log entry's sort key
DELIVERY_UNCHANGED = "#attempts = :attempts AND #status = :status"  # as the caller read it
BATCH_GET_KEYS = 100  # BatchGetItem's limit of keys a request
BATCH_GET_RETRIES = 12  # rounds of UnprocessedKeys (throttling), backing off up to 1 s between them


def endpoint_sk(endpoint_id: str) -> str:
    return f"WHE#{endpoint_id}"


def delivery_pk(delivery_id: str) -> str:
    return f"DLV#{delivery_id}"


def log_pk(endpoint_id: str) -> str:
    return f"WHE#{endpoint_id}"


def log_key(delivery: Delivery) -> str:
    """Where a delivery sorts in its endpoint's log (and the cursor that pages past it)."""
    return f"{delivery.created_at.isoformat()}#{delivery.id}"


def load_delivery(item: Mapping[str, Any]) -> Delivery:
    # items.load gives an integral number back as an int; last_duration_ms is a float field.
    if item.get("last_duration_ms") is not None:
        item = {**item, "last_duration_ms": float(item["last_duration_ms"])}
    return load(Delivery, dict(item))


class DynamoWebhookStore(DynamoBase):
    """Endpoints, deliveries and each endpoint's delivery log, in the gateway's table."""

    # Endpoints -------------------------------------------------------------------------------------
    def put_endpoint(self, endpoint: WebhookEndpoint) -> None:
        try:
            self._put({"pk": WEBHOOKS, "sk": endpoint_sk(endpoint.id), **dump(endpoint)}, IS_NEW)
        except StoreConflict as exc:
            current = load(WebhookEndpoint, exc.current) if isinstance(exc.current, dict) else None
            raise StoreConflict("webhook endpoint exists", current or self.get_endpoint(endpoint.id)) from exc

    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        item = self._get(WEBHOOKS, endpoint_sk(endpoint_id))
        return load(WebhookEndpoint, item) if item else None

    def list_endpoints(self) -> list[WebhookEndpoint]:
        endpoints: list[WebhookEndpoint] = []
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                  "ExpressionAttributeValues": to_item({":pk": WEBHOOKS}), "ConsistentRead": True}
        while True:
            out = self.client.query(**kwargs)
            endpoints += [load(WebhookEndpoint, from_item(i)) for i in out.get("Items", [])]
            if not out.get("LastEvaluatedKey"):
                return sorted(endpoints, key=lambda e: e.id)
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def update_endpoint(self, endpoint_id: str, changes: Mapping[str, Any]) -> WebhookEndpoint:
        set_, remove = self._split(changes)
        if not set_ and not remove:  # nothing to write: an UpdateItem needs an expression
            found = self.get_endpoint(endpoint_id)
            if found is None:
                raise KeyError(endpoint_id)
            return found
        try:
            new = self._update(WEBHOOKS, endpoint_sk(endpoint_id), set_=set_, remove=remove, condition=EXISTS,
                               return_values="ALL_NEW")
        except ClientError as exc:
            if failed_condition(exc):
                raise KeyError(endpoint_id) from exc
            raise
        return load(WebhookEndpoint, new)

    def delete_endpoint(self, endpoint_id: str) -> bool:
        key = to_item({"pk": WEBHOOKS, "sk": endpoint_sk(endpoint_id)})
        out = self.client.delete_item(TableName=self.table, Key=key, ReturnValues="ALL_OLD")
        return bool(out.get("Attributes"))

    # Deliveries ------------------------------------------------------------------------------------
    def put_delivery(self, delivery: Delivery) -> Delivery:
        while True:
            try:
                self._put({"pk": delivery_pk(delivery.id), "sk": DELIVERY, "ttl": self._ttl(delivery.created_at),
                           **dump(delivery)}, IS_NEW)
                stored = delivery
                break
            except StoreConflict as exc:
                old = exc.current if isinstance(exc.current, dict) else self._get(delivery_pk(delivery.id), DELIVERY)
                if old is not None:  # None: it expired between the write and the read; put it again
                    stored = load_delivery(old)
                    break
        self._put({"pk": log_pk(stored.endpoint_id), "sk": LOG + log_key(stored), "delivery_id": stored.id,
                   "ttl": self._ttl(stored.created_at)})
        return stored

    def get_delivery(self, delivery_id: str) -> Delivery | None:
        item = self._get(delivery_pk(delivery_id), DELIVERY)
        return load_delivery(item) if item else None

    def list_deliveries(self, endpoint_id: str, limit: int = 50,
                        before: str | None = None) -> tuple[list[Delivery], str | None]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        # The endpoint's log partition holds log entries only, so "sk < LOG#<before>" stays inside the log.
        condition, values = "pk = :pk AND begins_with(sk, :log)", {":pk": log_pk(endpoint_id), ":log": LOG}
        if before is not None:
            condition, values = "pk = :pk AND sk < :before", {":pk": log_pk(endpoint_id), ":before": LOG + before}
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": to_item(values), "ScanIndexForward": False,
                                  "ConsistentRead": True}
        entries: list[dict[str, Any]] = []
        while len(entries) <= limit:  # one entry more than the page: is there a next page?
            out = self.client.query(**kwargs, Limit=limit + 1 - len(entries))
            entries += [from_item(i) for i in out.get("Items", [])]
            if not out.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]
        page = entries[:limit]
        records = self._records([str(e["delivery_id"]) for e in page])
        deliveries = [records[str(e["delivery_id"])] for e in page if str(e["delivery_id"]) in records]
        return deliveries, (str(page[-1]["sk"])[len(LOG):] if len(entries) > limit else None)

    def _records(self, delivery_ids: list[str]) -> dict[str, Delivery]:
        """The stored deliveries among ``delivery_ids``, by id (BatchGetItem, consistent)."""
        found: dict[str, Delivery] = {}
        unique = list(dict.fromkeys(delivery_ids))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            keys = [to_item({"pk": delivery_pk(i), "sk": DELIVERY}) for i in unique[start:start + BATCH_GET_KEYS]]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            for retry in range(BATCH_GET_RETRIES):
                out = self.client.batch_get_item(RequestItems=request)
                for item in out.get("Responses", {}).get(self.table, []):
                    delivery = load_delivery(from_item(item))
                    found[delivery.id] = delivery
                unprocessed = out.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys")
                if not unprocessed:
                    break
                request = {self.table: {"Keys": unprocessed, "ConsistentRead": True}}
                time.sleep(min(0.02 * 2 ** retry, 1.0))  # throttled: back off before asking for the rest
            else:
                raise RuntimeError(f"BatchGetItem left {len(request[self.table]['Keys'])} keys unprocessed")
        return found

    def update_delivery(self, delivery: Delivery, changes: Mapping[str, Any]) -> Delivery:
        set_, remove = self._split(changes)
        if not set_ and not remove:  # still one conditional write, which changes nothing
            set_ = {"attempts": delivery.attempts}
        try:
            new = self._update(delivery_pk(delivery.id), DELIVERY, set_=set_, remove=remove,
                               condition=DELIVERY_UNCHANGED, names={"#attempts": "attempts", "#status": "status"},
                               values={":attempts": delivery.attempts, ":status": dump_value(delivery.status)},
                               return_values="ALL_NEW")
        except ClientError as exc:
            if not failed_condition(exc):
                raise
            old = exc.response.get("Item")
            item = from_item(old) if old else self._get(delivery_pk(delivery.id), DELIVERY)
            raise StoreConflict(f"delivery {delivery.id} changed since it was read",
                                load_delivery(item) if item else None) from exc
        return load_delivery(new)
