"""``qbdgw end-users``: create / show / qwc over REST; list and unlock on the table (operator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.aws import Aws, aws_failure, aws_options
from cli.output import Failure, emit_json, json_option, record, table
from cli.rest import Gateway, rest_options

SHOW_KEYS = ("id", "company_name", "source_id", "status", "qbwc_username", "company_file", "qbxml_version",
             "quickbooks_country", "quickbooks_product", "last_heartbeat_at", "last_successful_sync_at", "last_error",
             "login_failures", "locked_until", "qwc_url", "created_at")


@click.group("end-users")
def end_users() -> None:
    """End-users: one company file of one of your customers each."""


@end_users.command("create")
@click.argument("company_name")
@click.option("--source-id", default=None, help="Your own id for this customer.")
@rest_options
@json_option
def create(company_name: str, source_id: str | None, gateway: Gateway, as_json: bool) -> None:
    """Create an end-user; its Web Connector password is shown this once."""
    body: dict[str, Any] = {"company_name": company_name}
    if source_id:
        body["source_id"] = source_id
    user = gateway.json("POST", "/v1/end-users", body)
    if as_json:
        emit_json(user)
        return
    click.echo(record(user, ("id", "company_name", "source_id", "qbwc_username", "qbwc_password", "qwc_url",
                             "created_at")))
    click.echo("\nKeep the qbwc_password now: it is not shown again.", err=True)


@end_users.command("show")
@click.argument("end_user_id")
@rest_options
@json_option
def show(end_user_id: str, gateway: Gateway, as_json: bool) -> None:
    """An end-user's connection: status, company file, last heartbeat and error."""
    user = gateway.json("GET", f"/v1/end-users/{end_user_id}")
    if as_json:
        emit_json(user)
        return
    click.echo(record(user, [k for k in SHOW_KEYS if k in user]))
    if user.get("last_error"):
        click.echo(f"\nlast error: {user['last_error'].get('user_facing_message') or user['last_error']}")


@end_users.command("qwc")
@click.argument("end_user_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the .qwc here instead of printing it.")
@rest_options
@json_option
def qwc(end_user_id: str, output: Path | None, gateway: Gateway, as_json: bool) -> None:
    """The end-user's .qwc file for the Web Connector (no password inside)."""
    text = gateway.call("GET", f"/v1/end-users/{end_user_id}/qwc").decode("utf-8")
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if as_json:
        emit_json({"end_user_id": end_user_id, "path": str(output) if output else None, "qwc": text})
    elif output is not None:
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@end_users.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--start", default=None, help="Cursor: list end-users after this id (printed as 'next').")
@aws_options
@json_option
def list_(limit: int, start: str | None, aws: Aws, as_json: bool) -> None:
    """List end-users (operator: reads the table with your AWS credentials)."""
    from chalicelib.api.endusers import EndUserService
    from chalicelib.jobs.ports import utc_now

    try:
        settings = aws.settings()
        store = aws.store()
        users, cursor = store.list_end_users(limit, start)
    except Exception as exc:
        raise aws_failure(exc) from None
    service = EndUserService(store, settings, utc_now)
    views = [service.view(user, settings.public_base_url) for user in users]
    if as_json:
        emit_json({"end_users": views, "next": cursor})
        return
    click.echo(table(views, [("id", "id"), ("company_name", "company"), ("status", "status"),
                             ("last_heartbeat_at", "last heartbeat"), ("created_at", "created")]))
    if cursor:
        click.echo(f"\nmore: --start {cursor}", err=True)


@end_users.command("unlock")
@click.argument("end_user_id")
@aws_options
@json_option
def unlock(end_user_id: str, aws: Aws, as_json: bool) -> None:
    """End a Web Connector lockout after wrong passwords (operator: writes the table with your AWS credentials)."""
    from chalicelib.api.endusers import EndUserService
    from chalicelib.errors import GatewayError
    from chalicelib.jobs.ports import utc_now

    try:
        settings = aws.settings()
        service = EndUserService(aws.store(), settings, utc_now)
        user = service.unlock(end_user_id)
    except GatewayError as exc:  # as the REST commands show the gateway's errors
        raise Failure(exc.to_dict()) from None
    except Exception as exc:
        raise aws_failure(exc) from None
    view = service.view(user, settings.public_base_url)
    if as_json:
        emit_json(view)
        return
    click.echo(f"unlocked {end_user_id}: its Web Connector can log in again (status {view['status']})")
