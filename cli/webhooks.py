"""``qbdgw webhooks``: webhook endpoints, their delivery logs, and replays of dead deliveries (REST).

``create`` prints the endpoint's signing secret, which is shown this once (and again only by
``rotate``, which prints the new one; the old one stays valid for 24 h). ``deliveries`` lists an
endpoint's log newest first (``--status dead`` for what was given up); ``replay`` sends deliveries
again — one by id, or with ``--dead ENDPOINT`` every dead delivery in the endpoint's recent log.
"""

from __future__ import annotations

from typing import Any

import click

from cli.output import emit_json, json_option, record, table
from cli.rest import Gateway, rest_options

ENDPOINT_COLUMNS = (("id", "id"), ("url", "url"), ("end_user_id", "end-user"), ("kinds", "kinds"),
                    ("created_at", "created"))
DELIVERY_COLUMNS = (("id", "id"), ("message_key", "message"), ("status", "status"), ("attempts", "attempts"),
                    ("last_status_code", "last status"), ("last_error", "last error"),
                    ("next_attempt_at", "next attempt"), ("created_at", "created"))


@click.group("webhooks")
def webhooks() -> None:
    """Webhook endpoints, delivery logs and replays."""


@webhooks.command("create")
@click.argument("endpoint_url", metavar="ENDPOINT_URL")
@click.option("--end-user", "end_user_id", default=None, help="Only this end-user's messages (default: all).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["result", "change"]),
              help="What to receive (repeat; default: both).")
@click.option("--description", default="", help="A note for people.")
@rest_options
@json_option
def create(endpoint_url: str, end_user_id: str | None, kinds: tuple[str, ...], description: str, gateway: Gateway,
           as_json: bool) -> None:
    """Create an endpoint (POST /v1/webhook-endpoints); prints its secret once."""
    body: dict[str, Any] = {"url": endpoint_url, "description": description}
    if end_user_id:
        body["end_user_id"] = end_user_id
    if kinds:
        body["kinds"] = list(kinds)
    made = gateway.json("POST", "/v1/webhook-endpoints", body)
    if as_json:
        emit_json(made)
        return
    click.echo(record(made, ("id", "url", "end_user_id", "kinds", "secret")))
    click.echo("The secret is shown this once: keep it where your receiver verifies signatures.", err=True)


@webhooks.command("list")
@rest_options
@json_option
def list_(gateway: Gateway, as_json: bool) -> None:
    """List the endpoints."""
    endpoints = gateway.json("GET", "/v1/webhook-endpoints")["endpoints"]
    if as_json:
        emit_json(endpoints)
    else:
        click.echo(table([{**e, "kinds": ",".join(e["kinds"])} for e in endpoints], ENDPOINT_COLUMNS))


@webhooks.command("delete")
@click.argument("endpoint_id")
@rest_options
def delete(endpoint_id: str, gateway: Gateway) -> None:
    """Delete an endpoint (its pending deliveries go nowhere)."""
    gateway.call("DELETE", f"/v1/webhook-endpoints/{endpoint_id}")
    click.echo(f"deleted {endpoint_id}")


@webhooks.command("rotate")
@click.argument("endpoint_id")
@rest_options
@json_option
def rotate(endpoint_id: str, gateway: Gateway, as_json: bool) -> None:
    """A new signing secret; the old one keeps working for 24 h."""
    rotated = gateway.json("POST", f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret")
    if as_json:
        emit_json(rotated)
    else:
        click.echo(record(rotated, ("id", "secret", "previous_secret_expires_at")))


def _log(gateway: Gateway, endpoint_id: str, limit: int, status: str | None) -> list[dict[str, Any]]:
    """Up to ``limit`` of the endpoint's newest deliveries (of ``status``), paging through the log."""
    found: list[dict[str, Any]] = []
    before: str | None = None
    while len(found) < limit:
        query = f"?limit=100&before={before}" if before else "?limit=100"
        page = gateway.json("GET", f"/v1/webhook-endpoints/{endpoint_id}/deliveries{query}")
        found += [d for d in page["deliveries"] if status is None or d["status"] == status]
        before = page.get("next_before")
        if not before:
            break
    return found[:limit]


@webhooks.command("deliveries")
@click.argument("endpoint_id")
@click.option("--status", type=click.Choice(["pending", "delivered", "dead"]), default=None)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@rest_options
@json_option
def deliveries(endpoint_id: str, status: str | None, limit: int, gateway: Gateway, as_json: bool) -> None:
    """An endpoint's delivery log, newest first."""
    found = _log(gateway, endpoint_id, limit, status)
    if as_json:
        emit_json(found)
    else:
        click.echo(table(found, DELIVERY_COLUMNS))


@webhooks.command("replay")
@click.argument("delivery_ids", nargs=-1)
@click.option("--dead", "dead_of", metavar="ENDPOINT_ID", default=None,
              help="Replay every dead delivery of this endpoint (its newest 1,000).")
@rest_options
@json_option
def replay(delivery_ids: tuple[str, ...], dead_of: str | None, gateway: Gateway, as_json: bool) -> None:
    """Send deliveries again, each with a new 24 h schedule."""
    ids = list(delivery_ids)
    if dead_of:
        ids += [d["id"] for d in _log(gateway, dead_of, 1000, "dead")]
    if not ids:
        raise click.UsageError("name deliveries, or --dead ENDPOINT_ID")
    replayed = [gateway.json("POST", f"/v1/webhook-deliveries/{delivery_id}/replay") for delivery_id in ids]
    if as_json:
        emit_json(replayed)
    else:
        click.echo(table(replayed, DELIVERY_COLUMNS[:4]))
