"""How an ``XAdd`` becomes the ``XRet`` QuickBooks stores, and how an ``XMod`` changes it, on typed models.

QuickBooks answers an Add with the object as it stored it: the fields that were sent, in the ``*Ret``'s
order, plus what QuickBooks itself sets. The typed qbXML models (``chalicelib.qbxml.models``, generated
from Intuit's schema) know both shapes, so the carrying-over is generic:

- :func:`carry` walks the target's elements in schema order and takes each one from the source field
  of the same name, or of the name less ``_ret`` and with ``_add``/``_mod`` (``expense_line_ret`` ←
  ``expense_line_add``, ``sales_or_purchase`` ← ``sales_or_purchase_mod``); a nested aggregate of
  another class is converted the same way (``InvoiceLineAdd`` → ``InvoiceLineRet``,
  ``JournalLineMod`` → ``JournalDebitLine`` or ``JournalCreditLine`` by its ``JournalLineType``);
- a reference (an aggregate of ``ListID`` and ``FullName``) is handed to the :class:`Context`'s
  resolver and comes back with both when the simulator knows the record, else as it was sent;
- what QuickBooks sets inside the aggregates is filled in: a new ``TxnLineID`` on every line, the
  ``ListID``/``TimeCreated``/``EditSequence`` of a contact, a ``NoteID`` and date on a note; an
  aggregate that still lacks a required element (nothing sensible to put there) is left out;
- :func:`merge` applies a Mod to a stored ``*Ret``: a field that is sent replaces the stored one
  (sent empty, it clears it), a nested aggregate is merged field by field, a reference replaced;
  lines follow QuickBooks' rule: once a Mod sends lines of a kind, the object has exactly those —
  ``TxnLineID`` ``-1`` adds one, a known ``TxnLineID`` changes that line (a new quantity, rate or
  cost without an amount makes the amount be computed again), an unknown one is
  :class:`LineNotFound`; ``ClearItemLines``/``ClearExpenseLines`` drop them all.

:func:`model_node` and :func:`node_model` convert between models and the simulator's :data:`Node`
trees, which :mod:`simulator.documents` renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree
from pydantic import ValidationError

from chalicelib.qbxml.models import QbxmlModel, from_qbxml, to_element
from chalicelib.qbxml.models._base import Codec
from simulator.qbxml_text import to_node
from simulator.records import Node

M = TypeVar("M", bound=QbxmlModel)

Resolver = Callable[[str, str | None, str | None], tuple[str, str] | None]
"""(reference tag, ``ListID``, ``FullName``) → the record's (``ListID``, ``FullName``) when it is known."""

_NEVER_CARRIED = frozenset({"data_ext_ret"})
"""Custom fields have requests of their own (``DataExtAdd``); an Add's ``DataExt`` is not stored."""
_ALIASES: dict[str, tuple[str, ...]] = {"lines": ("journal_line_mod",)}
_CLEARS = {"clear_item_lines": "lines", "clear_expense_lines": "expense_line_ret"}
_PRICES = ("quantity", "rate", "cost")


class LineNotFound(Exception):
    """A Mod names a ``TxnLineID`` the transaction does not have."""

    def __init__(self, txn_line_id: str) -> None:
        super().__init__(txn_line_id)
        self.txn_line_id = txn_line_id


@dataclass
class Context:
    """What QuickBooks sets while it stores one object: the moment, the identifiers, known references."""

    moment: datetime
    edit_sequence: str
    new_txn_id: Callable[[], str]
    new_list_id: Callable[[], str]
    resolve: Resolver
    notes: int = 0


def is_ref(model: type[QbxmlModel]) -> bool:
    """A reference to a list element: ``ListID`` and ``FullName``, nothing else."""
    return set(model.model_fields) == {"list_id", "full_name"}


def codec_of(model: type[QbxmlModel], name: str) -> Codec | None:
    """The codec (scalar kind, class, or union of classes) of field ``name``."""
    return next((codec for field, _, codec in model.__qbxml__.elements if field == name), None)


def is_set(value: Any) -> bool:
    return value is not None and value != ()


def build(model: type[M], values: dict[str, Any]) -> M | None:
    """``model`` from ``values``, or ``None`` when they do not make a valid one."""
    try:
        return model.model_validate(values)
    except ValidationError:
        return None


def carry(
    source: QbxmlModel, target: type[QbxmlModel], ctx: Context, skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The field values of a ``target`` built from what ``source`` has (see the module docstring)."""
    fields = type(source).model_fields
    values: dict[str, Any] = {}
    for name, xml_name, codec in target.__qbxml__.elements:
        origin = None if name in skip or name in _NEVER_CARRIED else _origin(name, fields)
        raw = getattr(source, origin) if origin is not None else None
        if is_set(raw):
            value = convert(raw, codec, xml_name, ctx)
            if is_set(value):
                values[name] = value
    return values


def _origin(name: str, fields: dict[str, Any]) -> str | None:
    stem = name[:-4] if name.endswith("_ret") else name
    candidates = (name, stem, f"{stem}_add", f"{stem}_mod", *_ALIASES.get(name, ()))
    return next((candidate for candidate in candidates if candidate in fields), None)


def convert(value: Any, codec: Codec, tag: str, ctx: Context) -> Any:
    """One value of a source field as the target field (codec) wants it; ``None`` when it cannot be."""
    if isinstance(value, tuple):
        converted = (convert(item, codec, tag, ctx) for item in value)
        return tuple(item for item in converted if item is not None)
    if isinstance(codec, str):
        if isinstance(value, QbxmlModel):  # <TxnID useMacro="…">…</TxnID>: the ID itself
            text = type(value).__qbxml__.text
            return getattr(value, text) if text else None
        return None if value == "" else value
    if not isinstance(value, QbxmlModel):
        return None
    target = codec if isinstance(codec, type) else member_for(value, codec)
    if target is None:
        return None
    if is_ref(target):
        return resolve_ref(value, target, tag, ctx)
    values = carry(value, target, ctx)
    fill(values, target, ctx)
    return build(target, values)


def member_for(
    value: QbxmlModel, members: tuple[type[QbxmlModel], ...], default: str | None = None
) -> type[QbxmlModel] | None:
    """The class of a repeated choice that a source item becomes (``ItemLineAdd`` → ``ItemLineRet``)."""
    by_name = {member.__qbxml__.name: member for member in members}
    name = type(value).__qbxml__.name
    line_type = getattr(value, "journal_line_type", None)
    if line_type is not None or (default is None and name == "JournalLineMod"):
        return by_name.get(f"Journal{line_type or 'Debit'}Line")
    if default is not None:
        return by_name.get(default)
    if name.endswith(("Add", "Mod")) and f"{name[:-3]}Ret" in by_name:
        return by_name[f"{name[:-3]}Ret"]
    return by_name.get(name)


def resolve_ref(value: QbxmlModel, target: type[QbxmlModel], tag: str, ctx: Context) -> QbxmlModel | None:
    list_id, full_name = getattr(value, "list_id", None), getattr(value, "full_name", None)
    found = ctx.resolve(tag, list_id, full_name)
    if found is not None:
        return make_ref(target, *found)
    return value if type(value) is target else build(target, {"list_id": list_id, "full_name": full_name})


def make_ref(target: type[M], list_id: str, full_name: str) -> M:
    """A reference aggregate of class ``target`` (``ClassRef``, ``ARAccountRef``…)."""
    return target.model_validate({"list_id": list_id, "full_name": full_name})


def fill(values: dict[str, Any], target: type[QbxmlModel], ctx: Context) -> None:
    """Set what QuickBooks sets inside an aggregate it stores (line IDs, a contact's stamps, note IDs)."""
    fields = target.model_fields
    if "txn_line_id" in fields and "txn_line_id" not in values:
        values["txn_line_id"] = ctx.new_txn_id()
    if "time_created" in fields:  # an aggregate that is a record of its own (ContactsRet)
        values.setdefault("list_id", ctx.new_list_id())
        values.setdefault("time_created", ctx.moment)
        values.setdefault("time_modified", ctx.moment)
        values.setdefault("revision_number", ctx.edit_sequence)
    for name, info in fields.items():
        if name in values or not info.is_required():
            continue
        if name == "note_id":
            ctx.notes += 1
            values[name] = ctx.notes
        elif name == "date":
            values[name] = ctx.moment.date()
        elif name in ("amount", "total_amount"):
            values[name] = Decimal("0.00")


def merge(current: QbxmlModel, change: QbxmlModel, ctx: Context, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The field values of ``current`` with the Mod ``change`` applied (see the module docstring)."""
    target = type(current)
    values = {name: value for name in target.model_fields if is_set(value := getattr(current, name))}
    for flag, field in _CLEARS.items():
        if getattr(change, flag, None):
            values.pop(field, None)
    fields = type(change).model_fields
    for name, xml_name, codec in target.__qbxml__.elements:
        origin = None if name in skip or name in _NEVER_CARRIED else _origin(name, fields)
        raw = getattr(change, origin) if origin is not None else None
        if not is_set(raw):
            continue
        existing = values.get(name)
        if raw == "":
            values.pop(name, None)
        elif isinstance(raw, tuple) and _has_lines(codec):
            values[name] = _merge_lines(existing or (), raw, codec, ctx)
        elif isinstance(raw, QbxmlModel) and isinstance(existing, QbxmlModel) and not is_ref(type(existing)):
            merged = build(type(existing), merge(existing, raw, ctx))
            if merged is not None:
                values[name] = merged
        else:
            value = convert(raw, codec, xml_name, ctx)
            if is_set(value):
                values[name] = value
            else:
                values.pop(name, None)
    return values


def _has_lines(codec: Codec) -> bool:
    members = codec if isinstance(codec, tuple) else (codec,) if isinstance(codec, type) else ()
    return any("txn_line_id" in member.model_fields for member in members)


def _merge_lines(current: tuple[Any, ...], changes: tuple[Any, ...], codec: Codec, ctx: Context) -> tuple[Any, ...]:
    by_id = {getattr(line, "txn_line_id", None): line for line in current}
    lines: list[Any] = []
    for change in changes:
        line_id = getattr(change, "txn_line_id", None)
        if line_id in (None, "-1"):  # a new line: QuickBooks gives it its TxnLineID
            line = convert(change.model_copy(update={"txn_line_id": None}), codec, "", ctx)
        else:
            base = by_id.get(line_id)
            if base is None:
                raise LineNotFound(str(line_id))
            values = merge(base, change, ctx)
            if any(is_set(getattr(change, name, None)) for name in _PRICES) and not is_set(
                getattr(change, "amount", None)
            ):
                values.pop("amount", None)  # QuickBooks computes it again from quantity and rate
            members = codec if isinstance(codec, tuple) else (type(base),)
            target = member_for(change, members, default=type(base).__qbxml__.name) or type(base)
            line = build(target, values)
        if line is not None:
            lines.append(line)
    return tuple(lines)


# -- models and nodes -----------------------------------------------------------------------


def model_node(model: QbxmlModel) -> Node:
    """A model as the simulator's :data:`Node` tree (empty elements dropped)."""
    node = to_node(to_element(model))
    return node if node is not None else (type(model).__qbxml__.name, ())


def node_element(node: Node) -> etree._Element:
    tag, body = node
    element = etree.Element(tag)
    if isinstance(body, str):
        element.text = body
    else:
        element.extend(node_element(child) for child in body)
    return element


def node_model(node: Node, model: type[M]) -> M | None:
    """A stored :data:`Node` (a customer's ``BillAddress``) as a model, ``None`` when it does not fit."""
    try:
        return from_qbxml(node_element(node), model, strict=False)
    except ValueError:
        return None
