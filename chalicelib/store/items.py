"""Mapping between frozen domain records and DynamoDB items (plain Python values, before typing).

One table holds everything (single-table design), keyed ``pk`` / ``sk``:

==============================  =======================  ============================================
item                            pk                       sk
==============================  =======================  ============================================
end-user (+ job counter)        ``EU#<id>``              ``PROFILE``
job                             ``EU#<id>``              ``JOB#<seq, 12 digits>``
company-file lease + session    ``EU#<id>``              ``LEASE``
idempotency key                 ``EU#<id>``              ``IDEM#<key>``
API key                         ``APIKEY#<lookup>``      ``KEY#<key id>``
webhook endpoint                ``WEBHOOKS``             ``WHE#<endpoint id>``
webhook delivery                ``DLV#<delivery id>``    ``DELIVERY``
webhook delivery log entry      ``WHE#<endpoint id>``    ``LOG#<created_at ISO>#<delivery id>``
change-feed subscription        ``EU#<id>``              ``FSUB#<subscription id>``
==============================  =======================  ============================================

Indexes: the local secondary index ``queue`` sorts an end-user's *queued* jobs by ``queued_key``
(priority, then sequence; the attribute exists only while a job is queued, so the index is sparse and
a strongly consistent query gives the head of the queue). The global index ``by_job_id`` finds a job
by its id; ``outbox`` lists finished jobs whose result is not yet on SQS (``OUTBOX#n`` partitions) and,
in partitions of their own (``FEEDDUE#n``, sorted by ``<next_run_at UTC ISO>#<subscription id>``),
change-feed subscriptions by when their next catch-up is due (:mod:`chalicelib.store.dynamo_feed`);
``deadlines`` lists queued jobs by deadline (spread over a few ``DL#n`` partitions) for the expiry
sweeper. All three are sparse: their key attributes exist only while the item belongs in the index.
``ttl`` (epoch seconds) lets DynamoDB delete finished jobs, sessions and keys, and webhook deliveries
with their log entries (:mod:`chalicelib.store.dynamo_webhooks`); subscriptions have none.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


def end_user_pk(end_user_id: str) -> str:
    return f"EU#{end_user_id}"


def job_sk(seq: int) -> str:
    return f"JOB#{seq:012d}"


def dump_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [dump_value(v) for v in value]
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: dump_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dump_value(v) for v in value]
    return value


def dump(record: Any) -> dict[str, Any]:
    """A record's fields as item attributes; ``None`` fields are left out."""
    return {
        f.name: dump_value(getattr(record, f.name))
        for f in dataclasses.fields(record)
        if getattr(record, f.name) is not None
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _loader(hint: Any) -> Callable[[Any], Any]:
    """How an attribute of a field typed ``hint`` becomes the field's value (``None`` stays ``None``)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and args:
        hint = args[0]
    if hint is datetime:
        return datetime.fromisoformat
    if hint is uuid.UUID:
        return lambda value: uuid.UUID(str(value))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if typing.get_origin(hint) is tuple:
        return lambda value: tuple(_plain(v) for v in value)
    if hint is int:
        return int
    return _plain


_Plan = tuple[tuple[str, Callable[[Any], Any], bool], ...]
_PLANS: dict[type[Any], _Plan] = {}


def _plan(cls: type[Any]) -> _Plan:
    """Per field of ``cls``: its name, its loader, and whether a missing attribute means ``None`` (an
    optional field without a default). Resolving the type hints costs more than loading an item (over
    a quarter of an idle poll's CPU on the SDK), so it is done once per record class."""
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = _PLANS[cls] = tuple(
            (f.name, _loader(hints[f.name]), f.default is f.default_factory is dataclasses.MISSING
             and type(None) in typing.get_args(hints[f.name])) for f in dataclasses.fields(cls))
    return plan


def load(cls: type[T], item: dict[str, Any]) -> T:
    """Build ``cls`` from an item, ignoring attributes that are not fields (keys, ttl, indexes)."""
    kwargs = {}
    for name, loader, none_when_missing in _plan(cls):
        value = item.get(name)
        if value is not None:
            kwargs[name] = loader(value)
        elif none_when_missing or name in item:
            kwargs[name] = None
    return cls(**kwargs)
