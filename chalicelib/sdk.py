"""The Python client a SaaS backend calls with its own AWS credentials to enqueue jobs directly.

It runs the same acceptance checks as the REST API (well-formed, only ``*Rq`` elements, Latin-1,
Intuit's schema from the folder ``schema_dir`` names, or else ``QBDGW_SCHEMA_DIR`` as the gateway reads
it; with neither, no schema check) and writes the job into the gateway's table with the
same conditional writes, so a job enqueued here is indistinguishable from one sent over REST::

    from chalicelib.sdk import enqueue_job
    job = enqueue_job("eu_01…", "<CustomerQueryRq><MaxReturned>10</MaxReturned></CustomerQueryRq>",
                      table_name="qbd-gateway-prod")
    job["id"], job["status"]   # → "job_01…", "queued"

Results arrive on the results queue like every other job's. The caller's IAM identity needs
``dynamodb:GetItem``, ``PutItem``, ``UpdateItem`` and ``Query`` on the table.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib.config import Settings
from chalicelib.jobs.ports import utc_now
from chalicelib.jobs.queue import JobQueue
from chalicelib.jobs.results import iso
from chalicelib.qbxml import SchemaCatalog
from chalicelib.store.dynamodb import DynamoStore


class _NoPublisher:
    def publish(self, message: Any) -> None:  # enqueueing never publishes
        raise RuntimeError("the SDK does not publish results")


def enqueue_job(
    end_user_id: str,
    qbxml: str,
    *,
    table_name: str,
    dynamodb_client: Any | None = None,
    region_name: str | None = None,
    schema_dir: str | Path | None = None,
    deadline_seconds: int | None = None,
    idempotency_key: str | None = None,
    paging: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Enqueue one job; returns ``{"id", "end_user_id", "status", "enqueued_at", "created"}``.

    Raises :class:`chalicelib.errors.GatewayError` (with ``code`` and ``user_facing_message``) when the
    job is refused; nothing is stored then.
    """
    schema = schema_dir if schema_dir is not None else os.environ.get("QBDGW_SCHEMA_DIR", "").strip()
    if dynamodb_client is None:
        import boto3

        dynamodb_client = boto3.client("dynamodb", region_name=region_name)
    queue = JobQueue(
        DynamoStore(dynamodb_client, table_name),
        _NoPublisher(),
        SchemaCatalog(Path(schema) if schema else None),
        utc_now,
        lease_ttl=timedelta(seconds=Settings.lease_ttl_seconds),
        max_job_bytes=Settings.max_job_bytes,
        default_deadline=timedelta(seconds=Settings.default_deadline_seconds),  # as over REST: gauges see it
        unpaged_max_returned=Settings.unpaged_max_returned,
    )
    job, created = queue.enqueue(end_user_id, qbxml, source="sdk", deadline_seconds=deadline_seconds,
                                 idempotency_key=idempotency_key, paging=paging)
    return {"id": job.id, "end_user_id": job.end_user_id, "status": job.status.value,
            "enqueued_at": iso(job.enqueued_at), "created": created}
