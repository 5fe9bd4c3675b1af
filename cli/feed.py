"""``qbdgw feed``: an end-user's change-feed subscriptions (REST), and the object types a feed can follow.

``subscribe`` starts following types (``--start full`` publishes every record first, as ``added``);
``list`` and ``show`` say where each type stands (its watermark: the newest ``TimeModified`` published)
and the last catch-up's error, if any; ``change`` sets the types or the interval; ``delete`` stops.
The events themselves arrive on the results queue (``qbdgw results``) and at webhooks of kind ``change``.
"""

from __future__ import annotations

from typing import Any

import click

from cli.output import emit_json, json_option, record, table
from cli.rest import Gateway, rest_options

SUBSCRIPTION_COLUMNS = (("id", "id"), ("object_types", "types"), ("interval_seconds", "every (s)"),
                        ("catch_ups", "catch-ups"), ("last_run_at", "last run"), ("next_run_at", "next run"),
                        ("last_error", "last error"))
FIELDS = ("id", "end_user_id", "object_types", "interval_seconds", "start", "created_at", "catch_ups", "jobs",
          "last_run_at", "next_run_at", "last_error", "watermarks")


def _row(subscription: dict[str, Any]) -> dict[str, Any]:
    err = subscription.get("last_error")
    return {**subscription, "object_types": ",".join(subscription["object_types"]),
            "jobs": " ".join(subscription.get("jobs") or []),
            "last_error": f"{err.get('code')} ({err.get('object_type')})" if err else ""}


@click.group("feed")
def feed() -> None:
    """Change-feed subscriptions: what changed in QuickBooks, as events."""


@feed.command("types")
@rest_options
@json_option
def types(gateway: Gateway, as_json: bool) -> None:
    """The object types a feed can follow."""
    found = gateway.json("GET", "/v1/feed-types")["feed_types"]
    if as_json:
        emit_json(found)
    else:
        click.echo(table(found, (("name", "type"), ("family", "family"), ("query", "query"))))


@feed.command("subscribe")
@click.argument("end_user_id")
@click.argument("object_types", nargs=-1, required=True)
@click.option("--every", "interval_seconds", type=click.IntRange(300, 7 * 86400), default=3600, show_default=True,
              help="Seconds between catch-ups.")
@click.option("--start", type=click.Choice(["now", "full"]), default="now", show_default=True,
              help="now: changes from now on; full: every record first, as added.")
@rest_options
@json_option
def subscribe(end_user_id: str, object_types: tuple[str, ...], interval_seconds: int, start: str,
              gateway: Gateway, as_json: bool) -> None:
    """Follow OBJECT_TYPES (customers invoices …) of an end-user's company file."""
    made = gateway.json("POST", f"/v1/end-users/{end_user_id}/feed-subscriptions",
                        {"object_types": list(object_types), "interval_seconds": interval_seconds, "start": start})
    if as_json:
        emit_json(made)
    else:
        click.echo(record(_row(made), FIELDS[:6]))


@feed.command("list")
@click.argument("end_user_id")
@rest_options
@json_option
def list_(end_user_id: str, gateway: Gateway, as_json: bool) -> None:
    """An end-user's subscriptions."""
    found = gateway.json("GET", f"/v1/end-users/{end_user_id}/feed-subscriptions")["subscriptions"]
    if as_json:
        emit_json(found)
    else:
        click.echo(table([_row(s) for s in found], SUBSCRIPTION_COLUMNS))


@feed.command("show")
@click.argument("end_user_id")
@click.argument("subscription_id")
@rest_options
@json_option
def show(end_user_id: str, subscription_id: str, gateway: Gateway, as_json: bool) -> None:
    """One subscription, with each type's watermark."""
    found = gateway.json("GET", f"/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}")
    if as_json:
        emit_json(found)
        return
    click.echo(record(_row(found), FIELDS[:-1]))
    click.echo(table([{"type": k, "watermark": v or "(none yet)"} for k, v in found["watermarks"].items()],
                     (("type", "type"), ("watermark", "watermark"))))


@feed.command("change")
@click.argument("end_user_id")
@click.argument("subscription_id")
@click.option("--types", "object_types", default=None, help="Comma-separated: the types to follow from now on.")
@click.option("--every", "interval_seconds", type=click.IntRange(300, 7 * 86400), default=None)
@rest_options
@json_option
def change(end_user_id: str, subscription_id: str, object_types: str | None, interval_seconds: int | None,
           gateway: Gateway, as_json: bool) -> None:
    """Change what a subscription follows, or how often."""
    body: dict[str, Any] = {}
    if object_types is not None:
        body["object_types"] = [t.strip() for t in object_types.split(",") if t.strip()]
    if interval_seconds is not None:
        body["interval_seconds"] = interval_seconds
    if not body:
        raise click.UsageError("give --types or --every")
    changed = gateway.json("POST", f"/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}", body)
    if as_json:
        emit_json(changed)
    else:
        click.echo(record(_row(changed), FIELDS[:6]))


@feed.command("delete")
@click.argument("end_user_id")
@click.argument("subscription_id")
@rest_options
def delete(end_user_id: str, subscription_id: str, gateway: Gateway) -> None:
    """Stop following (catch-ups under way end unheard)."""
    gateway.call("DELETE", f"/v1/end-users/{end_user_id}/feed-subscriptions/{subscription_id}")
    click.echo(f"deleted {subscription_id}")
