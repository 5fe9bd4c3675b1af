"""The operator side: the stage's DynamoDB table and SQS queues, with the operator's AWS credentials.

Settings come from the environment exactly as the gateway reads them (:class:`chalicelib.config.Settings`):
``QBDGW_TABLE``, ``AWS_REGION``, ``QBDGW_AWS_ENDPOINT_URL`` (the local stack's emulator); the options
``--table``, ``--region`` and ``--endpoint-url`` override them. Commands that touch no table (reading an
answer the gateway offloaded to its S3 payload bucket, for ``jobs show --response``) take only
``--region`` and ``--endpoint-url`` (:func:`endpoint_options`).
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

    def read_s3_text(self, uri: str) -> str:
        """The UTF-8 text of the object at ``s3://bucket/key``, e.g. an answer the gateway offloaded to its
        payload bucket (``results/<end user>/<job>.xml``); any failure is a :class:`~cli.output.Failure`."""
        from cli.output import fail

        bucket, _, key = uri[len("s3://"):].partition("/") if uri.startswith("s3://") else ("", "", "")
        if not bucket or not key:
            raise fail("invalid_s3_uri", f"not an s3://bucket/key URI: {uri!r}")
        try:
            body = self.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            raise aws_failure(exc, f"Reading {uri} failed: check credentials (s3:GetObject on the payload "
                                   "bucket), region and endpoint; answers expire 35 days after the job.") from None
        try:
            return bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail("invalid_response", f"{uri} is not UTF-8 text: {exc}") from None

    def store(self) -> DynamoStore:
        from chalicelib.store.dynamodb import DynamoStore

        settings = self.settings()
        return DynamoStore(self.client("dynamodb"), settings.table_name,
                           retention_seconds=settings.result_retention_days * 86400)


def _region_and_endpoint(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    wrapper = click.option("--endpoint-url", default=None,
                           help="AWS endpoint (default: QBDGW_AWS_ENDPOINT_URL, else AWS).")(wrapper)
    return click.option("--region", default=None, help="AWS region (default: AWS_REGION).")(wrapper)


def aws_options(func: F) -> F:
    """``--table``, ``--region``, ``--endpoint-url``, handed on as ``aws``."""

    @functools.wraps(func)
    def wrapper(*args: Any, table: str | None, region: str | None, endpoint_url: str | None, **kwargs: Any) -> Any:
        return func(*args, aws=Aws(table, region, endpoint_url), **kwargs)

    options = _region_and_endpoint(wrapper)
    return click.option("--table", default=None, help="DynamoDB table (default: QBDGW_TABLE).")(options)  # type: ignore[return-value]


def endpoint_options(func: F) -> F:
    """``--region`` and ``--endpoint-url`` only (a command that reads no table), handed on as ``aws``."""

    @functools.wraps(func)
    def wrapper(*args: Any, region: str | None, endpoint_url: str | None, **kwargs: Any) -> Any:
        return func(*args, aws=Aws(None, region, endpoint_url), **kwargs)

    return _region_and_endpoint(wrapper)  # type: ignore[return-value]


def aws_failure(exc: Exception, user_facing_message: str | None = None) -> Any:
    """An AWS/botocore error as a CLI failure."""
    from cli.output import fail

    code = "aws_error"
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = f"aws_{response.get('Error', {}).get('Code', 'error')}"
    return fail(code, str(exc), user_facing_message
                or "The AWS call failed: check credentials, region, table/queue and endpoint.")
