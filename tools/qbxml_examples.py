"""Deterministic valid instances of any generated model, read from its fields and its ``__qbxml__`` Shape.

Used by the model tests (every request round-trips) and by ``tools/gen_api_doc.py`` (the examples of
docs/api.md).

Two flavours, both built only from what the model itself declares (types, lengths, enumerations, choices):

* ``minimal`` — the required fields, and in every choice the FIRST branch (its required fields, or its first
  field when it requires none), recursively;
* ``full`` — every field that is not part of a choice, and in every choice the LAST branch with all of its
  fields; a repeated field gets one item, a repeated choice (``lines``) one item of each class.

Values follow the type: the field's qbXML name cut to its maximum length, the first (minimal) or last (full)
enumeration value, ``12.34`` for an amount, an aware date-time with a ``-07:00`` offset (full) or a naive
one (minimal)…
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Literal

from chalicelib.qbxml.models import IdWithMacro, QbxmlModel
from chalicelib.qbxml.models._base import AMOUNT, BOOL, DATE, DATETIME, DECIMAL, INT, INTERVAL, STR, Branch, Choice

GUID = "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}"
MAX_DEPTH = 12


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated``/``Optional``: the bare type and the constraint objects met on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _constraint(metadata: list[Any], name: str) -> Any:
    for item in metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
        inner = getattr(item, "metadata", None)
        if inner:
            found = _constraint(list(inner), name)
            if found is not None:
                return found
    return None


def _scalar(codec: str, annotation: Any, xml_name: str, full: bool, outer: list[Any]) -> Any:
    bare, metadata = _unwrap(annotation)
    metadata += outer
    if typing.get_origin(bare) is Literal:
        values = typing.get_args(bare)
        return values[-1] if full else values[0]
    if codec == STR:
        if _constraint(metadata, "pattern"):
            return GUID
        limit = _constraint(metadata, "max_length") or 60
        return (xml_name + " & <x>" if full else xml_name)[:limit]
    if codec == BOOL:
        return full
    if codec == INT:
        low = _constraint(metadata, "ge")
        high = _constraint(metadata, "le")
        value = 7 if low is None else low + (1 if full else 0)
        return value if high is None else min(value, high)
    if codec == AMOUNT:
        return Decimal("-1234.50") if full else Decimal("12.34")
    if codec == DECIMAL:
        return Decimal("2.125") if full else Decimal("3")
    if codec == DATE:
        return date(2024, 2, 29)
    if codec == DATETIME:
        zone = timezone(timedelta(hours=-7)) if full else None
        return datetime(2024, 5, 17, 9, 30, 15, tzinfo=zone)
    if codec == INTERVAL:
        return timedelta(hours=1, minutes=30, seconds=5 if full else 0)
    raise AssertionError(f"unknown codec {codec}")


def _choice_fields(choices: tuple[Choice, ...]) -> set[str]:
    return {name for choice in choices for branch in choice.branches for name in branch.fields}


def _value(model: type[QbxmlModel], name: str, xml_name: str, codec: Any, full: bool, depth: int) -> Any:
    info = model.model_fields[name]
    annotation = info.annotation
    if isinstance(codec, tuple):
        members = codec if full else codec[:1]
        return tuple(build(member, full=full, depth=depth + 1) for member in members)
    if typing.get_origin(annotation) is tuple:  # the field's own metadata limits the tuple, not the items
        item_annotation = typing.get_args(annotation)[0]
        return (_value_one(item_annotation, xml_name, codec, full, depth, []),)
    return _value_one(annotation, xml_name, codec, full, depth, list(info.metadata))


def _value_one(annotation: Any, xml_name: str, codec: Any, full: bool, depth: int, outer: list[Any]) -> Any:
    if codec is IdWithMacro:
        return IdWithMacro(value="80000001-1700000000", use_macro="TxnID:1" if full else None)
    if isinstance(codec, type):
        return build(codec, full=full, depth=depth + 1)
    return _scalar(codec, annotation, xml_name, full, outer)


def _fill_branch(branch: Branch, full: bool, wanted: set[str]) -> None:
    nested = _choice_fields(branch.choices)
    own = [name for name in branch.fields if name not in nested]
    if full:
        wanted.update(own)
    else:
        wanted.update(branch.required or ([] if branch.choices else own[:1]))
    for choice in branch.choices:
        _fill_branch(choice.branches[-1] if full else choice.branches[0], full, wanted)


def build(model: type[QbxmlModel], *, full: bool = False, depth: int = 0) -> QbxmlModel:
    """A valid instance of ``model`` (see the module docstring for ``full``)."""
    if depth > MAX_DEPTH:
        raise AssertionError(f"{model.__name__}: nesting deeper than {MAX_DEPTH}")
    shape = model.__qbxml__
    in_choices = _choice_fields(shape.choices)
    wanted: set[str] = set()
    for choice in shape.choices:
        _fill_branch(choice.branches[-1] if full else choice.branches[0], full, wanted)
    values: dict[str, Any] = {}
    for name, xml_name, codec in (*shape.attributes, *shape.elements):
        info = model.model_fields[name]
        if name in wanted or (name not in in_choices and (info.is_required() or full)):
            values[name] = _value(model, name, xml_name, codec, full, depth)
    if shape.text is not None:
        values[shape.text] = "80000001-1700000000"
    return model.model_validate(values)
