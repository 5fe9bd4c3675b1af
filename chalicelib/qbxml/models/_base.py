"""The hand-written base of the generated qbXML models: what a class knows about its qbXML, and choices.

Every generated class derives from :class:`QbxmlModel` (frozen, unknown keyword arguments refused) and
carries a :class:`Shape` in ``__qbxml__``: its element name, its attributes and elements **in schema
order** as ``(python_name, qbxml_name, codec)`` — the codec is a scalar kind (:data:`STR`, :data:`AMOUNT`…),
a model class, or for a repeated choice a tuple of model classes — and its choices.

A choice (:class:`Choice`) lists its branches (:class:`Branch`): the fields of each, the ones it
requires, and the choices nested in it. After pydantic has validated the fields, :meth:`QbxmlModel.
_check_choices` enforces each choice: at most one branch has a field set; a required choice needs one
unless one of its branches may be empty; the chosen branch has its required fields and its own choices
right. Breaking that raises ``ValueError``, which pydantic reports as a ``ValidationError``.

The items of a repeated choice (``InvoiceAdd.lines``: ``InvoiceLineAdd | InvoiceLineGroupAdd``) derive
from :class:`Tagged`: in JSON each carries ``"element"``, the union's discriminator.

``*Ret`` aggregates with a ``ListID`` or a ``TxnID`` derive from :class:`ListObject` or :class:`TxnObject`:
the identifier is also ``id`` — a computed field, so JSON carries both ``list_id`` and ``id``; ``id`` is
output only and is dropped when such JSON is validated again.

:func:`model_for` finds a class by qbXML name (``"CustomerAddRq"``), importing only its group's module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    computed_field,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue

from chalicelib.qbxml.models._registry import MODULES

# Scalar codecs: how a value is written in and read from qbXML text (see _scalars).
STR = "str"
BOOL = "bool"
INT = "int"
DATE = "date"
DATETIME = "datetime"
INTERVAL = "interval"
AMOUNT = "amount"
DECIMAL = "decimal"

Codec = str | type["QbxmlModel"] | tuple[type["QbxmlModel"], ...]


@dataclass(frozen=True)
class Branch:
    """One branch of an ``xsd:choice``: its fields (nested ones included), the required ones, its choices."""

    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()

    @property
    def emptiable(self) -> bool:
        return not self.required and all(choice.optional or choice.emptiable for choice in self.choices)


@dataclass(frozen=True)
class Choice:
    """An ``xsd:choice``: ``optional`` when it may be left out entirely (``minOccurs="0"``)."""

    optional: bool
    branches: tuple[Branch, ...]

    @property
    def emptiable(self) -> bool:
        return any(branch.emptiable for branch in self.branches)


@dataclass(frozen=True)
class Shape:
    """A class's qbXML: element name, attributes and elements in schema order, choices, simple content."""

    name: str
    attributes: tuple[tuple[str, str, str], ...] = ()
    elements: tuple[tuple[str, str, Codec], ...] = ()
    choices: tuple[Choice, ...] = ()
    text: str | None = None  # the field holding the element's text (simpleContent)


def _is_set(model: BaseModel, name: str) -> bool:
    value = getattr(model, name)
    return value is not None and value != ()


def _label(branch: Branch) -> str:
    return branch.fields[0] if len(branch.fields) == 1 else "(" + ", ".join(branch.fields) + ")"


def _check_choice(model: BaseModel, choice: Choice) -> None:
    chosen = [branch for branch in choice.branches if any(_is_set(model, name) for name in branch.fields)]
    if len(chosen) > 1:
        used = [", ".join(name for name in branch.fields if _is_set(model, name)) for branch in chosen]
        raise ValueError(f"set only one of {' | '.join(_label(b) for b in choice.branches)}; got {' and '.join(used)}")
    if not chosen:
        if not choice.optional and not choice.emptiable:
            raise ValueError(f"one of {' | '.join(_label(b) for b in choice.branches)} is required")
        return
    branch = chosen[0]
    missing = [name for name in branch.required if not _is_set(model, name)]
    if missing:
        given = ", ".join(name for name in branch.fields if _is_set(model, name))
        raise ValueError(f"{', '.join(missing)} is required with {given}")
    for inner in branch.choices:
        _check_choice(model, inner)


class QbxmlModel(BaseModel):
    """A qbXML aggregate or message: frozen; fields in schema order; choices checked after validation."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    __qbxml__: ClassVar[Shape]
    _unknown: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _check_choices(self) -> Self:
        for choice in type(self).__qbxml__.choices:
            _check_choice(self, choice)
        return self


class QbxmlRequest(QbxmlModel):
    """A request message (``*Rq``): what :func:`~chalicelib.qbxml.models.to_qbxml` turns into a job's qbXML."""


class QbxmlResponse(QbxmlModel):
    """A response message (``*Rs``): ``status_code``, ``status_severity``, ``status_message`` and the ``*Ret``."""


def _drop_id(data: Any) -> Any:
    if isinstance(data, dict) and "id" in data:
        return {key: value for key, value in data.items() if key != "id"}
    return data


class ListObject(QbxmlModel):
    """A ``*Ret`` of a list object; ``id`` is its ``list_id``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str | None:
        """The object's ``ListID`` (also ``list_id``)."""
        value: str | None = getattr(self, "list_id", None)
        return value

    @model_validator(mode="before")
    @classmethod
    def _ignore_id(cls, data: Any) -> Any:
        return _drop_id(data)


class TxnObject(QbxmlModel):
    """A ``*Ret`` of a transaction; ``id`` is its ``txn_id``."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def id(self) -> str | None:
        """The transaction's ``TxnID`` (also ``txn_id``)."""
        value: str | None = getattr(self, "txn_id", None)
        return value

    @model_validator(mode="before")
    @classmethod
    def _ignore_id(cls, data: Any) -> Any:
        return _drop_id(data)


class Tagged(QbxmlModel):
    """A class that is one of the items of a repeated choice (``InvoiceLineAdd``, ``ItemServiceRet``…).

    Such a field holds items of several classes, some of the same shape (``JournalDebitLine`` and
    ``JournalCreditLine``), so in JSON each item says what it is: ``{"element": "JournalDebitLine", …}``
    (a computed field, output only); :func:`element_of` reads it back as the union's discriminator.
    """

    @computed_field  # type: ignore[prop-decorator]
    @property
    def element(self) -> str:
        """The qbXML element this item is."""
        return type(self).__qbxml__.name

    @model_validator(mode="before")
    @classmethod
    def _ignore_element(cls, data: Any) -> Any:
        if isinstance(data, dict) and "element" in data:
            return {key: value for key, value in data.items() if key != "element"}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """``element`` is in the JSON schema both ways, as this class's name, and required when read: the
        discriminator of the union (``JournalDebitLine`` and ``JournalCreditLine`` have the same fields, so
        a document without it would match both)."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        target.setdefault("properties", {})["element"] = {"const": cls.__qbxml__.name, "type": "string"}
        if handler.mode == "validation":
            target["required"] = sorted({*target.get("required", ()), "element"})
        return schema


def element_of(value: Any) -> str | None:
    """The discriminator of a repeated choice: the item's class, or the ``element`` of its JSON."""
    if isinstance(value, QbxmlModel):
        return type(value).__qbxml__.name
    if isinstance(value, dict):
        found = value.get("element")
        return found if isinstance(found, str) else None
    return None


class IdWithMacro(QbxmlModel):
    """``<TxnID useMacro="…">…</TxnID>``: an ID, optionally with a macro; a plain string is read as ``value``."""

    value: Annotated[str, Field(max_length=36)]
    use_macro: str | None = None

    __qbxml__: ClassVar[Shape] = Shape("", attributes=(("use_macro", "useMacro", STR),), text="value")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, str) else data


def model_for(name: str) -> type[QbxmlModel]:
    """The class of a qbXML element (``"CustomerAddRq"``, ``"CustomerRet"``…), importing only its module."""
    module = MODULES.get(name)
    if module is None:
        raise KeyError(f"{name!r} is not a qbXML 16.0 message or aggregate")
    found: type[QbxmlModel] = getattr(importlib.import_module(f"chalicelib.qbxml.models.{module}"), name)
    return found
