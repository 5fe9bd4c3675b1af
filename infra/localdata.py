"""``--data DIR``: the local stack's state kept across restarts (``infra.localstack`` uses it).

The embedded emulator keeps everything in memory. With ``--data DIR`` the table's items, the six
queues' messages (in flight ones included: they come back visible; a delayed webhook attempt comes
back at once, and the attempt waits again for what is left of its delay), the payload bucket's
objects and the secrets key (id and material, so that what it sealed still opens) are written to
``DIR/state.json`` — atomically, on a clean stop and every ``--save-seconds`` — and put back on the
next start with the same DIR. Message ids, receive counts and timestamps start anew. The snapshot
reads the emulator's queues and key in process (moto's own objects), which is why ``--data`` needs
the embedded emulator. :class:`DataDir` also holds the remembered API key and the demo's files, and
a lock: one stack per DIR.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from infra.provision import Outputs

if sys.platform != "win32":
    import fcntl

REGION = "us-east-1"
STATE_VERSION = 1


class DataDir:
    """``--data DIR``: ``state.json`` (the snapshot), ``api-key``, the demo's files, and a lock."""

    def __init__(self, path: Path, *, fresh: bool = False) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] = (path / ".lock").open("w")
        if sys.platform != "win32":  # native Windows Python (Git Bash) has no flock: one stack per DIR is up to you
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock.close()
                raise RuntimeError(f"{path} is in use by another local stack (one --data DIR per stack)") from None
        if fresh:
            for name in ("state.json", "api-key", "demo-end-user.json", "demo-company.json"):
                (path / name).unlink(missing_ok=True)

    def read_state(self) -> dict[str, Any] | None:
        state_path = self.path / "state.json"
        if not state_path.exists():
            return None
        try:
            state = json.loads(state_path.read_text(), object_hook=_from_json)
        except ValueError as exc:
            raise RuntimeError(f"cannot read {state_path}: {exc}; move it away or start with --fresh") from None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise RuntimeError(f"{state_path} is not a version {STATE_VERSION} snapshot; start with --fresh")
        return state

    def write(self, name: str, text: str) -> None:
        """Atomically (a reader, or a crash, sees the old file or the new one), readable by the owner only."""
        target = self.path / name
        partial = target.with_name(f".{name}.partial")
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)

    def read(self, name: str) -> str | None:
        target = self.path / name
        return (target.read_text().strip() or None) if target.exists() else None

    def close(self) -> None:
        self._lock.close()


def _to_json(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"cannot store {type(value).__name__}")


def _from_json(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["$bytes"]) if set(value) == {"$bytes"} else value


def save_state(data: DataDir, out: Outputs, client: Callable[[str], Any]) -> str:
    """Write the snapshot to ``DIR/state.json`` and say what it holds. The table is read first and the
    queues last, so a result published meanwhile is on the queue twice at worst, never lost."""
    dynamodb, s3 = client("dynamodb"), client("s3")
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=out.table_name)
             for item in page["Items"]]
    objects = [{"key": entry["Key"], "body": s3.get_object(Bucket=out.payload_bucket, Key=entry["Key"])[
        "Body"].read()} for page in s3.get_paginator("list_objects_v2").paginate(Bucket=out.payload_bucket)
        for entry in page.get("Contents", [])]
    key = _saved_key(client("kms"), out.secrets_key_id) if out.secrets_key_id else None
    queues = {url.rsplit("/", 1)[-1]: _queued_messages(url) for url in
              (out.ingress_queue_url, out.ingress_dlq_url, out.results_queue_url, out.results_dlq_url,
               out.webhook_queue_url, out.webhook_dlq_url) if url}
    state = {"version": STATE_VERSION, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "table": {"name": out.table_name, "items": items}, "queues": queues, "kms": key,
             "bucket": {"name": out.payload_bucket, "objects": objects}}
    data.write("state.json", json.dumps(state, default=_to_json))
    messages = sum(len(m) for m in queues.values())
    return f"{len(items)} table items, {messages} queued messages, {len(objects)} S3 objects"


def restore_state(state: dict[str, Any], out: Outputs | None, client: Callable[[str], Any]) -> None:
    """Put the snapshot's items, objects and messages back into a freshly provisioned stack."""
    assert out is not None
    dynamodb, s3, sqs = client("dynamodb"), client("s3"), client("sqs")
    items = [{"PutRequest": {"Item": item}} for item in state["table"]["items"]]
    for start in range(0, len(items), 25):
        pending = {out.table_name: items[start:start + 25]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    for obj in state["bucket"]["objects"]:
        s3.put_object(Bucket=out.payload_bucket, Key=obj["key"], Body=obj["body"])
    for name, messages in state["queues"].items():
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        for message in messages:
            sqs.send_message(QueueUrl=url, **message)


def _moto_backend(service: str, account: str) -> Any:
    """The embedded emulator's own model of a service (in this process)."""
    from moto.backends import get_backend

    return get_backend(service)[account][REGION]  # type: ignore[call-overload]


def _queued_messages(url: str) -> list[dict[str, Any]]:
    """Every message on the queue, in order, visible or not, as ``SendMessage`` arguments."""
    account, name = url.rstrip("/").rsplit("/", 2)[-2:]
    queue = _moto_backend("sqs", account).queues.get(name)
    messages = []
    for message in list(queue._messages) if queue is not None else []:
        sent: dict[str, Any] = {"MessageBody": message.body}
        if message.group_id:
            sent["MessageGroupId"] = message.group_id
        if message.deduplication_id:
            sent["MessageDeduplicationId"] = message.deduplication_id
        if message.message_attributes:
            sent["MessageAttributes"] = {k: {f: v[f] for f in ("DataType", "StringValue", "BinaryValue") if f in v}
                                         for k, v in message.message_attributes.items()}
        messages.append(sent)
    return messages


def _saved_key(kms: Any, key_id: str) -> dict[str, Any]:
    arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    key = _moto_backend("kms", arn.split(":")[4]).keys[key_id]
    aliases = [a["AliasName"] for a in kms.list_aliases(KeyId=key_id).get("Aliases", [])]
    return {"key_id": key_id, "arn": arn, "description": key.description, "material": key.key_material,
            "aliases": aliases}


def restore_key(kms: Any, saved: dict[str, Any]) -> None:
    """The secrets key again, with its id and material, so that what it sealed still opens."""
    made = kms.create_key(Description=saved["description"], KeySpec="SYMMETRIC_DEFAULT",
                          KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    backend = _moto_backend("kms", made["Arn"].split(":")[4])
    key = backend.keys.pop(made["KeyId"])
    key.id, key.arn, key.key_material = saved["key_id"], saved["arn"], saved["material"]
    backend.keys[key.id] = key
    for alias in saved["aliases"]:
        kms.create_alias(AliasName=alias, TargetKeyId=key.id)
