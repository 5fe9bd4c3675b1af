"""``qbdgw auth-sessions create``: a link that walks a bookkeeper through connecting a company file."""

from __future__ import annotations

from typing import Any

import click

from cli.output import emit_json, json_option, record
from cli.rest import Gateway, rest_options

#: The life of an auth link the API accepts (``chalicelib.api.bodies.CreateAuthSession``; a test holds them equal).
LINK_EXPIRY_MINUTES = click.IntRange(min=15, max=7 * 24 * 60)


@click.group("auth-sessions")
def auth_sessions() -> None:
    """Auth-flow links for bookkeepers."""


@auth_sessions.command("create")
@click.argument("end_user_id")
@click.option("--link-expiry-minutes", type=LINK_EXPIRY_MINUTES, default=None,
              help="How long the link works, in minutes (15 to 10080; the gateway's default: 30).")
@click.option("--redirect-url", default=None, help="Where the page sends the bookkeeper when done.")
@rest_options
@json_option
def create(end_user_id: str, link_expiry_minutes: int | None, redirect_url: str | None, gateway: Gateway,
           as_json: bool) -> None:
    """Create an auth session (POST /v1/auth-sessions) and print its link."""
    body: dict[str, Any] = {"end_user_id": end_user_id}
    if link_expiry_minutes is not None:
        body["link_expiry_minutes"] = link_expiry_minutes
    if redirect_url:
        body["redirect_url"] = redirect_url
    session = gateway.json("POST", "/v1/auth-sessions", body)
    if as_json:
        emit_json(session)
    else:
        click.echo(record(session))
