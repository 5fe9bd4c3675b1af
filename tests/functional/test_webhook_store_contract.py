"""One webhook-store contract, three stores: the in-memory twin, DynamoDB on moto and on dynalite.

The same tests run against :class:`MemoryWebhookStore` and :class:`DynamoWebhookStore`, so the twin the
unit tests and benchmarks rely on cannot drift from the adapter. Each DynamoDB test gets its own table,
provisioned from ``infra/template.json`` by the job store's contract fixtures (``_stores``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.delivery.retries import DeliveryStatus
from chalicelib.delivery.webhook_models import Delivery, WebhookEndpoint, WebhookStore, delivery_id
from chalicelib.jobs.ports import StoreConflict
from chalicelib.store.dynamo_webhooks import DynamoWebhookStore
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.items import dump
from chalicelib.store.memory_webhooks import MemoryWebhookStore
from tests.functional.test_store_contract import T0, _stores


@pytest.fixture(params=["memory", "moto", "dynalite"])
def hooks(request: pytest.FixtureRequest) -> Iterator[WebhookStore]:
    for store in _stores(request):  # the job store's table (and its teardown), for the webhook store
        yield DynamoWebhookStore(store.client, store.table) if isinstance(store, DynamoStore) else MemoryWebhookStore()


def endpoint(endpoint_id: str = "whe_1", **changes: Any) -> WebhookEndpoint:
    fields: dict[str, Any] = {"url": "https://saas.example/hooks", "created_at": T0,
                              "sealed_secrets": ("sealed-current",), **changes}
    return WebhookEndpoint(id=endpoint_id, **fields)


def delivery(n: int = 0, endpoint_id: str = "whe_1", **changes: Any) -> Delivery:
    fields: dict[str, Any] = {"kind": "result", "end_user_id": "eu_1", "body": f'{{"n": {n}}}',
                              "status": DeliveryStatus.PENDING, "created_at": T0 + timedelta(seconds=n),
                              "next_attempt_at": T0 + timedelta(seconds=n), **changes}
    return Delivery(id=delivery_id(endpoint_id, f"msg-{n}"), endpoint_id=endpoint_id, message_key=f"msg-{n}", **fields)


# Endpoints -------------------------------------------------------------------------------------------
def test_endpoint_put_get_list_update_delete(hooks: WebhookStore) -> None:
    # GIVEN two endpoints, put out of id order
    second, first = endpoint("whe_2", end_user_id="eu_1"), endpoint("whe_1", description="all end-users")
    hooks.put_endpoint(second)
    hooks.put_endpoint(first)
    # THEN each reads back as written, and the list is sorted by id
    assert [hooks.get_endpoint(i) for i in ("whe_1", "whe_2", "whe_x")] == [first, second, None]
    assert hooks.list_endpoints() == [first, second]
    # WHEN one is rotated and its end-user cleared (None removes the field)
    rotated = hooks.update_endpoint("whe_2", {"sealed_secrets": ("sealed-new", "sealed-current"), "end_user_id": None,
                                              "previous_secret_expires_at": T0 + timedelta(days=1)})
    # THEN the update answers the stored record, which a read agrees with
    expected = replace(second, sealed_secrets=("sealed-new", "sealed-current"), end_user_id=None,
                       previous_secret_expires_at=T0 + timedelta(days=1))
    assert rotated == expected == hooks.get_endpoint("whe_2")
    # AND a missing endpoint cannot be updated; deleting says whether there was one
    with pytest.raises(KeyError):
        hooks.update_endpoint("whe_x", {"description": "nobody"})
    assert (hooks.delete_endpoint("whe_1"), hooks.delete_endpoint("whe_1")) == (True, False)
    assert hooks.list_endpoints() == [expected]


def test_second_put_of_an_endpoint_is_refused_and_changes_nothing(hooks: WebhookStore) -> None:
    # GIVEN an endpoint / WHEN another record is put under its id
    hooks.put_endpoint(endpoint())
    with pytest.raises(StoreConflict) as caught:
        hooks.put_endpoint(endpoint(url="https://attacker.example/"))
    # THEN the conflict carries the stored endpoint, which is untouched
    assert caught.value.current == endpoint() == hooks.get_endpoint("whe_1")


@pytest.mark.parametrize("record", [
    endpoint(),
    endpoint(sealed_secrets=("s-new", "s-old"), end_user_id="eu_1", kinds=("change",), description="ops",
             previous_secret_expires_at=T0 + timedelta(hours=1), disabled_at=T0 + timedelta(minutes=5)),
], ids=["defaults", "every-field"])
def test_endpoint_round_trip(hooks: WebhookStore, record: WebhookEndpoint, request: pytest.FixtureRequest) -> None:
    # GIVEN a record with defaults, or with every field set (a new field must be added here)
    if request.node.callspec.id.endswith("every-field"):
        assert all(getattr(record, f.name) is not None for f in fields(WebhookEndpoint))
    hooks.put_endpoint(record)
    stored = hooks.get_endpoint(record.id)
    # THEN field for field (and type for type: tuples stay tuples)
    assert stored == record and stored is not None
    assert (type(stored.sealed_secrets), type(stored.kinds)) == (tuple, tuple)


# Deliveries ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("record", [
    delivery(),
    delivery(status=DeliveryStatus.DELIVERED, next_attempt_at=T0 + timedelta(seconds=30), attempts=3, failed_attempts=2,
             first_attempt_at=T0, last_attempt_at=T0 + timedelta(minutes=1), last_status_code=200,
             last_error="HTTP 503", last_duration_ms=12.0, delivered_at=T0 + timedelta(minutes=1, microseconds=7),
             body="", body_uri="s3://qbdgw-payloads/webhooks/wh_dlv_0"),
    delivery(last_duration_ms=0.1 + 0.2),
], ids=["minimal", "every-field", "inexact-float"])
def test_delivery_round_trip(hooks: WebhookStore, record: Delivery, request: pytest.FixtureRequest) -> None:
    if request.node.callspec.id.endswith("every-field"):  # every field set: a new field must be added here
        assert all(getattr(record, f.name) is not None for f in fields(Delivery))
    assert hooks.put_delivery(record) == record
    stored = hooks.get_delivery(record.id)
    assert stored == record and stored is not None
    # AND types are kept: the status enum, a float duration even when integral
    assert type(stored.status) is DeliveryStatus
    assert stored.last_duration_ms is None or type(stored.last_duration_ms) is float
    assert hooks.get_delivery("wh_dlv_nobody") is None


def test_put_delivery_twice_returns_the_first(hooks: WebhookStore) -> None:
    # GIVEN a delivery / WHEN the same one (same id) is put again with another body and time
    first = hooks.put_delivery(delivery())
    again = hooks.put_delivery(delivery(body='{"n": "other"}', created_at=T0 + timedelta(hours=1)))
    # THEN the stored one comes back, unchanged, and is logged once
    assert again == first == delivery() == hooks.get_delivery(first.id)
    assert hooks.list_deliveries("whe_1") == ([first], None)


def test_list_deliveries_newest_first_in_pages(hooks: WebhookStore) -> None:
    # GIVEN 7 deliveries for one endpoint (put out of order) and 2 for another
    mine = [delivery(n) for n in (3, 0, 6, 1, 5, 2, 4)]
    for record in [*mine, delivery(0, "whe_2"), delivery(9, "whe_2")]:
        hooks.put_delivery(record)
    # WHEN the endpoint's log is read 3 at a time, following the cursor
    pages, cursors, cursor = [], [], None
    for _ in range(4):
        page, cursor = hooks.list_deliveries("whe_1", limit=3, before=cursor)
        pages.append([d.message_key for d in page])
        cursors.append(cursor)
        if cursor is None:
            break
    # THEN pages of 3, 3, 1, newest first, the last one without a cursor; the other endpoint is never listed
    assert pages == [["msg-6", "msg-5", "msg-4"], ["msg-3", "msg-2", "msg-1"], ["msg-0"]]
    assert cursors[0] == f"{(T0 + timedelta(seconds=4)).isoformat()}#{delivery(4).id}" and cursors[2] is None
    # AND a page that ends exactly at the last entry has no cursor either
    assert hooks.list_deliveries("whe_1", limit=7)[1] is None
    assert hooks.list_deliveries("whe_1", limit=6)[1] is not None
    assert [d.message_key for d in hooks.list_deliveries("whe_2")[0]] == ["msg-9", "msg-0"]
    assert hooks.list_deliveries("whe_none") == ([], None)


def test_update_delivery_only_on_the_version_read(hooks: WebhookStore) -> None:
    # GIVEN a pending delivery, read by two workers
    read = hooks.put_delivery(delivery())
    # WHEN the first records a failed attempt (and clears the next attempt time)
    moved = hooks.update_delivery(read, {"attempts": 1, "failed_attempts": 1, "last_attempt_at": T0,
                                         "last_status_code": 503, "last_duration_ms": 250.5, "next_attempt_at": None})
    # THEN it gets the updated delivery, as stored
    assert moved == replace(read, attempts=1, failed_attempts=1, last_attempt_at=T0, last_status_code=503,
                            last_duration_ms=250.5, next_attempt_at=None) == hooks.get_delivery(read.id)
    # AND the second, still holding attempts 0, loses and is shown the stored delivery
    with pytest.raises(StoreConflict) as caught:
        hooks.update_delivery(read, {"attempts": 1, "status": DeliveryStatus.DELIVERED})
    assert caught.value.current == moved
    # AND a status moved behind the same attempts count is a conflict too
    dead = hooks.update_delivery(moved, {"status": DeliveryStatus.DEAD})
    with pytest.raises(StoreConflict) as caught:
        hooks.update_delivery(moved, {"last_error": "late"})
    assert caught.value.current == dead == hooks.get_delivery(read.id)
    assert dead.status is DeliveryStatus.DEAD
    # AND a delivery that was never stored is a conflict with nothing stored
    with pytest.raises(StoreConflict) as caught:
        hooks.update_delivery(delivery(8), {"attempts": 1})
    assert caught.value.current is None and hooks.get_delivery(delivery(8).id) is None


# DynamoDB only: the log is items of its own ------------------------------------------------------------
@pytest.mark.parametrize("hooks", ["moto", "dynalite"], indirect=True)
def test_a_lost_log_entry_is_restored_by_the_next_put(hooks: WebhookStore) -> None:
    assert isinstance(hooks, DynamoWebhookStore)
    # GIVEN two deliveries; one's log entry lost (a crash between its record put and its log put)
    kept, lost = hooks.put_delivery(delivery(1)), hooks.put_delivery(delivery(2))
    log_sk = f"LOG#{lost.created_at.isoformat()}#{lost.id}"
    hooks.client.delete_item(TableName=hooks.table, Key={"pk": {"S": "WHE#whe_1"}, "sk": {"S": log_sk}})
    assert hooks.list_deliveries("whe_1") == ([kept], None)
    # WHEN the same delivery is put again (the outbox re-publishes) with another body
    assert hooks.put_delivery(replace(lost, body="{}")) == lost
    # THEN it is listed again, in its place, and the record was not rewritten
    assert hooks.list_deliveries("whe_1") == ([lost, kept], None)
    item = hooks.client.get_item(TableName=hooks.table, Key={"pk": {"S": f"DLV#{lost.id}"}, "sk": {"S": "DELIVERY"}},
                                 ConsistentRead=True)["Item"]
    assert item["body"] == {"S": dump(lost)["body"]} and int(item["ttl"]["N"]) == hooks._ttl(lost.created_at)


@pytest.mark.parametrize("hooks", ["moto", "dynalite"], indirect=True)
def test_a_log_entry_whose_record_is_gone_is_skipped_but_still_pages(hooks: WebhookStore) -> None:
    assert isinstance(hooks, DynamoWebhookStore)
    # GIVEN three deliveries, the newest one's record expired before its log entry
    records = [hooks.put_delivery(delivery(n)) for n in range(3)]
    hooks.client.delete_item(TableName=hooks.table, Key={"pk": {"S": f"DLV#{records[2].id}"}, "sk": {"S": "DELIVERY"}})
    # WHEN pages of two are read / THEN the gone one is left out, and the cursor still leads to the rest
    page, cursor = hooks.list_deliveries("whe_1", limit=2)
    assert page == [records[1]] and cursor is not None
    assert hooks.list_deliveries("whe_1", limit=2, before=cursor) == ([records[0]], None)
