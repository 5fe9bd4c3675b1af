"""The operator side: the stage's DynamoDB table and SQS queues, with the operator's AWS credentials.

Settings come from the environment exactly as the gateway reads them (:class:`chalicelib.config.Settings`):
``QBDGW_TABLE``, ``AWS_REGION``, ``QBDGW_AWS_ENDPOINT_URL`` (the local stack's emulator); the options
``--table``, ``--region`` and ``--endpoint-url`` override them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from chalicelib.config import Settings
    from chalicelib.store.dynamodb import DynamoStore

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True)
class Aws:
    table: str | None
    region: str | None
    endpoint_url: str | None

    def settings(self) -> Settings:
        from chalicelib.config import Settings

        settings = Settings.from_env()
        changes: dict[str, Any] = {}
        if self.table:
            changes["table_name"] = self.table
        if self.region:
            changes["region"] = self.region
        if self.endpoint_url:
            changes["aws_endpoint_url"] = changes["dynamodb_endpoint_url"] = self.endpoint_url
        return dataclasses.replace(settings, **changes)

    def client(self, name: str) -> Any:
        from chalicelib.wiring import aws_client

        return aws_client(name, self.settings())

    def store(self) -> DynamoStore:
        from chalicelib.store.dynamodb import DynamoStore

        settings = self.settings()
        return DynamoStore(self.client("dynamodb"), settings.table_name,
                           retention_seconds=settings.result_retention_days * 86400)


def aws_options(func: F) -> F:
    """``--table``, ``--region``, ``--endpoint-url``, handed on as ``aws``."""

    @functools.wraps(func)
    def wrapper(*args: Any, table: str | None, region: str | None, endpoint_url: str | None, **kwargs: Any) -> Any:
        return func(*args, aws=Aws(table, region, endpoint_url), **kwargs)

    wrapper = click.option("--endpoint-url", default=None,
                           help="AWS endpoint (default: QBDGW_AWS_ENDPOINT_URL, else AWS).")(wrapper)
    wrapper = click.option("--region", default=None, help="AWS region (default: AWS_REGION).")(wrapper)
    wrapper = click.option("--table", default=None, help="DynamoDB table (default: QBDGW_TABLE).")(wrapper)
    return wrapper  # type: ignore[return-value]


def aws_failure(exc: Exception) -> Any:
    """An AWS/botocore error as a CLI failure."""
    from cli.output import fail

    code = "aws_error"
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = f"aws_{response.get('Error', {}).get('Code', 'error')}"
    return fail(code, str(exc), "The AWS call failed: check credentials, region, table/queue and endpoint.")
