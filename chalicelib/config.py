"""One frozen :class:`Settings`, read once from the environment.

Lambda gets these variables from ``.chalice/config.json`` (per stage) and from the CloudFormation
outputs of ``infra/``; the local stack (``python -m infra.localstack``) sets them for the emulator.
Nothing here talks to AWS: clients are built later, from these settings, by ``chalicelib.wiring``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Fixed for the product: QBWC stores private data (FileID, AppLock) under the application's OwnerID.
DEFAULT_OWNER_ID = uuid.UUID("6c1f3a0e-0b6e-4f4e-9d55-2f3c5b7a9e21")


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = "us-east-1"
    table_name: str = "qbd-gateway-local"
    results_queue_url: str = ""
    ingress_queue_url: str = ""
    ingress_dlq_url: str = ""
    results_queue_name: str = ""
    ingress_dlq_name: str = ""
    aws_endpoint_url: str | None = None
    dynamodb_endpoint_url: str | None = None
    schema_dir: Path | None = None
    public_base_url: str = ""
    app_name: str = "qbd-gateway"
    owner_id: uuid.UUID = DEFAULT_OWNER_ID
    server_version: str = "qbd-gateway 0.1.0"
    min_client_version: str = "2.1.0.0"
    lease_ttl_seconds: int = 600
    session_idle_seconds: int = 30
    qwc_poll_seconds: int = 20
    default_deadline_seconds: int = 600
    health_check_budget_seconds: int = 25
    offline_grace_seconds: int = 30
    max_job_bytes: int = 256_000
    result_retention_days: int = 30
    auth_cache_seconds: int = 60
    payload_bucket: str = ""
    secrets_key_id: str = ""  # the KMS key that seals auth links' Web Connector passwords (SecretsKey)
    # The keys of the fast hash of generated secrets (chalicelib.jobs.security.SecretHasher): comma-separated,
    # the current one first; empty: every secret is a scrypt hash. Never in a repr, a log or an error.
    secret_peppers: str = field(default="", repr=False)
    # The Web Connector's own endpoint (deployed: the WebConnector function's URL), named by the .qwc files
    # this gateway hands out; empty: the REST API's /qbwc.
    qbwc_url: str = ""
    # The job item holds the request and the answer: an answer is kept inline while both, in UTF-8 bytes,
    # stay this far under DynamoDB's 400 KB item; a larger one goes to the payload bucket.
    inline_result_max_bytes: int = 384_000
    # Webhooks (chalicelib.delivery.webhooks): off, no result is offered to an endpoint and the delivery queue
    # is not used; on, every result is fanned out to the endpoints that want it (docs/operations.md, Webhooks).
    webhooks: bool = False
    webhook_queue_url: str = ""
    webhook_queue_name: str = ""
    # The change feed (chalicelib.feed): how far before a type's watermark each catch-up asks again (clocks of
    # the machines that edit a multi-user file differ; docs/feed.md), and the page size of its queries.
    feed_overlap_seconds: int = 600
    feed_page_size: int = 200
    # The long-poll of an idle session's sendRequestXML (chalicelib.qbwc.longpoll): 0 (off) to 20 seconds.
    long_poll_seconds: int = 0
    session_stale_seconds: int = 90  # no call for this long and nothing in QuickBooks: another session may take over
    max_read_attempts: int = 3  # a read handed out this often without an answer fails for good
    # DynamoDB's TransactWriteItems (an answer settles its job and hands out the next in one call);
    # "false" for an emulator without it (dynalite), which gets the same two writes in order.
    dynamodb_transactions: bool = True
    # An unpaged query without MaxReturned gets this one, so that its answer fits one SOAP body (0: none).
    unpaged_max_returned: int = 500
    # Refused Web Connector logins in a row (chalicelib.jobs.security.LoginPolicy): reported to the SaaS
    # after this many, slowed down after this many, locked out for login_lockout_seconds after this many.
    login_report_after: int = 3
    login_slow_after: int = 5
    login_lockout_after: int = 20
    login_lockout_seconds: int = 900

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def text(name: str, default: str) -> str:
            return env.get(name, default).strip() or default

        def number(name: str, default: int) -> int:
            raw = env.get(name, "").strip()
            return int(raw) if raw else default

        schema = env.get("QBDGW_SCHEMA_DIR", "").strip()
        return cls(
            stage=text("QBDGW_STAGE", cls.stage),
            region=text("AWS_REGION", text("AWS_DEFAULT_REGION", cls.region)),
            table_name=text("QBDGW_TABLE", cls.table_name),
            results_queue_url=text("QBDGW_RESULTS_QUEUE_URL", ""),
            ingress_queue_url=text("QBDGW_INGRESS_QUEUE_URL", ""),
            ingress_dlq_url=text("QBDGW_INGRESS_DLQ_URL", ""),
            results_queue_name=text("QBDGW_RESULTS_QUEUE_NAME", ""),
            ingress_dlq_name=text("QBDGW_INGRESS_DLQ_NAME", ""),
            aws_endpoint_url=env.get("QBDGW_AWS_ENDPOINT_URL") or None,
            dynamodb_endpoint_url=env.get("QBDGW_DYNAMODB_ENDPOINT_URL") or env.get("QBDGW_AWS_ENDPOINT_URL")
            or None,
            schema_dir=Path(schema) if schema else None,
            public_base_url=text("QBDGW_PUBLIC_URL", "").rstrip("/"),
            app_name=text("QBDGW_APP_NAME", cls.app_name),
            owner_id=uuid.UUID(text("QBDGW_OWNER_ID", str(DEFAULT_OWNER_ID))),
            lease_ttl_seconds=number("QBDGW_LEASE_TTL_SECONDS", cls.lease_ttl_seconds),
            session_idle_seconds=number("QBDGW_SESSION_IDLE_SECONDS", cls.session_idle_seconds),
            qwc_poll_seconds=number("QBDGW_QWC_RUN_EVERY_SECONDS", cls.qwc_poll_seconds),
            default_deadline_seconds=number("QBDGW_DEFAULT_DEADLINE_SECONDS", cls.default_deadline_seconds),
            health_check_budget_seconds=number("QBDGW_HEALTH_CHECK_BUDGET_SECONDS",
                                               cls.health_check_budget_seconds),
            offline_grace_seconds=number("QBDGW_OFFLINE_GRACE_SECONDS", cls.offline_grace_seconds),
            max_job_bytes=number("QBDGW_MAX_JOB_BYTES", cls.max_job_bytes),
            result_retention_days=number("QBDGW_RESULT_RETENTION_DAYS", cls.result_retention_days),
            auth_cache_seconds=number("QBDGW_AUTH_CACHE_SECONDS", cls.auth_cache_seconds),
            payload_bucket=text("QBDGW_PAYLOAD_BUCKET", ""),
            secrets_key_id=text("QBDGW_SECRETS_KEY_ID", ""),
            secret_peppers=text("QBDGW_SECRET_PEPPERS", ""),
            qbwc_url=text("QBDGW_QBWC_URL", "").rstrip("/"),
            login_report_after=number("QBDGW_LOGIN_REPORT_AFTER", cls.login_report_after),
            login_slow_after=number("QBDGW_LOGIN_SLOW_AFTER", cls.login_slow_after),
            login_lockout_after=number("QBDGW_LOGIN_LOCKOUT_AFTER", cls.login_lockout_after),
            login_lockout_seconds=number("QBDGW_LOGIN_LOCKOUT_SECONDS", cls.login_lockout_seconds),
            inline_result_max_bytes=number("QBDGW_INLINE_RESULT_MAX_BYTES", cls.inline_result_max_bytes),
            session_stale_seconds=number("QBDGW_SESSION_STALE_SECONDS", cls.session_stale_seconds),
            long_poll_seconds=number("QBDGW_LONG_POLL_SECONDS", cls.long_poll_seconds),
            feed_overlap_seconds=number("QBDGW_FEED_OVERLAP_SECONDS", cls.feed_overlap_seconds),
            feed_page_size=number("QBDGW_FEED_PAGE_SIZE", cls.feed_page_size),
            webhooks=text("QBDGW_WEBHOOKS", "off").lower() in ("on", "true", "1", "yes"),
            webhook_queue_url=text("QBDGW_WEBHOOK_QUEUE_URL", ""),
            webhook_queue_name=text("QBDGW_WEBHOOK_QUEUE_NAME", ""),
            max_read_attempts=number("QBDGW_MAX_READ_ATTEMPTS", cls.max_read_attempts),
            unpaged_max_returned=number("QBDGW_UNPAGED_MAX_RETURNED", cls.unpaged_max_returned),
            dynamodb_transactions=text("QBDGW_DYNAMODB_TRANSACTIONS", "true").lower() not in ("false", "0", "no"),
        )
