"""``qbdgw api-keys``: create / list / revoke, straight on the table with the operator's AWS credentials.

Only a hash of a key is stored: this command, which holds no pepper, stores a salted scrypt hash, and the
gateway re-stores it as its keyed hash (HMAC-SHA-256 with the pepper) when the key is first used
(:mod:`chalicelib.api.auth`). ``create`` prints the full key once, ``list`` shows its prefix. ``revoke``
takes effect on the gateway's very next request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.aws import Aws, aws_failure, aws_options
from cli.output import emit_json, fail, json_option, record, table

if TYPE_CHECKING:
    from chalicelib.api.auth import ApiKeyAuthenticator

COLUMNS = [("key_id", "key id"), ("name", "name"), ("prefix", "prefix"), ("created_at", "created"),
           ("revoked_at", "revoked")]


def _authenticator(aws: Aws) -> ApiKeyAuthenticator:
    from chalicelib.api.auth import ApiKeyAuthenticator
    from chalicelib.jobs.ports import utc_now

    return ApiKeyAuthenticator(aws.store(), utc_now)


@click.group("api-keys")
def api_keys() -> None:
    """Secret API keys for the REST API (operator)."""


@api_keys.command("create")
@click.argument("name")
@aws_options
@json_option
def create(name: str, aws: Aws, as_json: bool) -> None:
    """Create a key named NAME; the full key is printed this once."""
    from chalicelib.api.auth import key_view

    try:
        key, clear = _authenticator(aws).create(name)
    except Exception as exc:
        raise aws_failure(exc) from None
    view = {**key_view(key), "api_key": clear}
    if as_json:
        emit_json(view)
        return
    click.echo(record(view, ("key_id", "name", "prefix", "created_at", "api_key")))
    click.echo("\nStore the api_key now: only its hash is kept, it cannot be shown again.", err=True)


@api_keys.command("list")
@aws_options
@json_option
def list_(aws: Aws, as_json: bool) -> None:
    """Every key: id, name, prefix, created, revoked (never the key or its hash)."""
    from chalicelib.api.auth import key_view

    try:
        views = [key_view(k) for k in _authenticator(aws).list_keys()]
    except Exception as exc:
        raise aws_failure(exc) from None
    if as_json:
        emit_json(views)
    else:
        click.echo(table(views, COLUMNS))


@api_keys.command("revoke")
@click.argument("key_id")
@aws_options
@json_option
def revoke(key_id: str, aws: Aws, as_json: bool) -> None:
    """Revoke KEY_ID now: the gateway refuses it from the next request on."""
    from chalicelib.api.auth import key_view

    try:
        key = _authenticator(aws).revoke(key_id)
    except Exception as exc:
        raise aws_failure(exc) from None
    if key is None:
        raise fail("api_key_not_found", f"there is no API key {key_id!r}",
                   "Check the key id with `qbdgw api-keys list`.")
    if as_json:
        emit_json(key_view(key))
    else:
        click.echo(record(key_view(key), [c for c, _ in COLUMNS]))
