"""The change feed's edge: the REST routes' work on an end-user's feed subscriptions, and the list of the
object types a feed can follow (:mod:`chalicelib.feed`). Every route needs the API key."""

from __future__ import annotations

from typing import Any

from chalicelib.api.bodies import CreateFeedSubscription, UpdateFeedSubscription
from chalicelib.feed.models import Subscription
from chalicelib.feed.service import FeedService
from chalicelib.feed.types import feed_types
from chalicelib.jobs.results import iso
from chalicelib.wiring import Services


def subscription_view(subscription: Subscription) -> dict[str, Any]:
    names = FeedService.mark_names(subscription)
    return {
        "id": subscription.id, "end_user_id": subscription.end_user_id,
        "object_types": list(subscription.object_types), "interval_seconds": subscription.interval_seconds,
        "start": subscription.start, "created_at": iso(subscription.created_at),
        "next_run_at": iso(subscription.next_run_at), "catch_ups": subscription.run,
        "jobs": list(subscription.running),
        "last_run_at": iso(subscription.last_run_at), "last_error": subscription.last_error,
        "watermarks": {name: subscription.mark(name).at for name in names},
    }


def create(services: Services, end_user_id: str, body: CreateFeedSubscription) -> dict[str, Any]:
    made = services.feed().create(end_user_id, body.object_types, interval_seconds=body.interval_seconds,
                                    start=body.start)
    return subscription_view(made)


def update(services: Services, end_user_id: str, subscription_id: str, body: UpdateFeedSubscription
           ) -> dict[str, Any]:
    changed = services.feed().update(end_user_id, subscription_id, object_types=body.object_types,
                                       interval_seconds=body.interval_seconds)
    return subscription_view(changed)


def listing(services: Services, end_user_id: str) -> dict[str, Any]:
    return {"subscriptions": [subscription_view(s) for s in services.feed().list_for(end_user_id)]}


def types_view() -> dict[str, Any]:
    return {"feed_types": [{"name": t.name, "object": t.object, "family": t.family, "query": t.query}
                           for t in feed_types().values()]}
