"""Models to qbXML and back (hand-written): :func:`to_qbxml`, :func:`to_element`, :func:`from_qbxml`.

Writing walks a class's :class:`~chalicelib.qbxml.models._base.Shape` — attributes, then elements in
schema order — and writes each field that is set; nothing else decides the order, so what comes out is
in the order QuickBooks requires (it rejects anything else with ``0x80040400``). A request comes out as
its element, ``<CustomerAddRq><CustomerAdd>…</CustomerAdd></CustomerAddRq>``, ready to be a job's qbXML.

Reading parses with :func:`chalicelib.safexml.parse_xml` (no DTD, no entity expansion, size cap), maps
each child element by its qbXML name, converts text by the field's codec and lets pydantic validate the
result, so a read model obeys exactly the rules a constructed one does. Elements are accepted in any
order (they are written back in schema order).

A **request** (``*Rq``) is read strictly: an unknown element or attribute, or a value that breaks the
schema, is an error (:class:`QbxmlParseError` or ``ValidationError``) — the gateway would send it on.

A **response** (anything else) is read leniently, because QuickBooks answers with what it has: elements
newer than 16.0, extension data, sometimes less than the schema asks for. What does not fit is *skipped
and reported*, never guessed: an unknown element or attribute; a value pydantic refuses (an enumeration
value newer than 16.0, a string over its maximum length): that one value; an aggregate that cannot be
built even so (a required child missing, a broken choice): that aggregate — and if its parent needs it,
the parent, and so on up to the message itself, which then fails. :func:`skipped_elements` lists what
was skipped, with paths, so a caller can log it. A model read this way still satisfies its own types.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar, overload

from lxml import etree
from pydantic import ValidationError

from chalicelib.qbxml.models import _scalars
from chalicelib.qbxml.models._base import (
    AMOUNT,
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    INT,
    INTERVAL,
    STR,
    Codec,
    QbxmlModel,
    model_for,
)
from chalicelib.safexml import local_name, parse_xml

M = TypeVar("M", bound=QbxmlModel)


class QbxmlParseError(ValueError):
    """The qbXML does not fit the model: an unknown element in a request, a repeated single element…"""


_WRITERS: dict[str, Callable[[Any], str]] = {
    STR: str,
    BOOL: lambda value: "true" if value else "false",
    INT: str,
    DATE: lambda value: value.isoformat(),
    DATETIME: _scalars.format_datetime,
    INTERVAL: _scalars.format_interval,
    AMOUNT: _scalars.format_amount,
    DECIMAL: _scalars.format_decimal,
}
_READERS: dict[str, Callable[[str], Any]] = {
    BOOL: _scalars.parse_bool,
    INT: int,
    DATE: _scalars.parse_date,
    DATETIME: _scalars.parse_datetime,
    INTERVAL: _scalars.parse_interval,
    AMOUNT: Decimal,
    DECIMAL: Decimal,
}


# -- writing -----------------------------------------------------------------------------------


def to_element(model: QbxmlModel, tag: str | None = None) -> etree._Element:
    """The model as an lxml element (named ``tag``, default the class's qbXML name)."""
    shape = type(model).__qbxml__
    element = etree.Element(tag or shape.name)
    for name, xml_name, scalar in shape.attributes:
        value = getattr(model, name)
        if value is not None:
            element.set(xml_name, _WRITERS[scalar](value))
    if shape.text is not None:
        element.text = getattr(model, shape.text)
    for name, xml_name, codec in shape.elements:
        value = getattr(model, name)
        if value is None or value == ():
            continue
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, QbxmlModel):
                element.append(to_element(item, xml_name or type(item).__qbxml__.name))
            else:
                etree.SubElement(element, xml_name).text = _WRITERS[str(codec)](item)
    return element


def to_qbxml(model: QbxmlModel) -> str:
    """The model's qbXML element as compact text, e.g. ``<CustomerQueryRq><FullName>A</FullName>…``."""
    return str(etree.tostring(to_element(model), encoding="unicode"))


# -- reading -----------------------------------------------------------------------------------

_Entry = tuple[str, Codec, bool]  # (field, codec or class, repeated)
_TABLES: dict[type[QbxmlModel], tuple[dict[str, _Entry], dict[str, _Entry]]] = {}


def _repeated(model: type[QbxmlModel], name: str) -> bool:
    return typing.get_origin(model.model_fields[name].annotation) is tuple


def _tables(model: type[QbxmlModel]) -> tuple[dict[str, _Entry], dict[str, _Entry]]:
    tables = _TABLES.get(model)
    if tables is None:
        shape = model.__qbxml__
        attributes: dict[str, _Entry] = {xml: (name, codec, False) for name, xml, codec in shape.attributes}
        elements: dict[str, _Entry] = {}
        for name, xml_name, codec in shape.elements:
            if isinstance(codec, tuple):
                for member in codec:
                    elements[member.__qbxml__.name] = (name, member, True)
            else:
                elements[xml_name] = (name, codec, _repeated(model, name))
        tables = _TABLES[model] = (attributes, elements)
    return tables


def _scalar(codec: str, text: str | None) -> Any:
    if codec == STR:
        return text or ""
    if text is None or not text.strip():
        return None  # the schema's unions with "" (BOOLTYPE, DATETYPE…): an empty element is absent
    try:
        return _READERS[codec](text)
    except (ValueError, ArithmeticError) as exc:
        raise QbxmlParseError(f"{text!r} is not a valid {codec}") from exc


def _brief(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(exc)


def _collect(
    model: type[QbxmlModel], element: etree._Element, strict: bool, path: str, skipped: list[str]
) -> dict[str, Any]:
    """The field values of ``element``, converted by codec; in lenient mode what does not fit is skipped."""
    attributes, elements = _tables(model)
    values: dict[str, Any] = {}
    for key, text in element.attrib.items():
        entry = attributes.get(str(key))
        if entry is None:
            if strict:
                raise QbxmlParseError(f"{path}: unknown attribute {key!r}")
            skipped.append(f"@{key}")
            continue
        values[entry[0]] = _scalar(str(entry[1]), str(text))
    if model.__qbxml__.text is not None:
        values[model.__qbxml__.text] = element.text or ""
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        tag = local_name(child)
        child_entry = elements.get(tag)
        if child_entry is None:
            if strict:
                raise QbxmlParseError(f"{path}: <{tag}> is not part of qbXML 16.0 here")
            skipped.append(tag)
            continue
        name, codec, repeated = child_entry
        try:
            if isinstance(codec, str):
                value = _scalar(codec, child.text)
            else:
                value = _read(typing.cast(type[QbxmlModel], codec), child, strict, f"{path}/{tag}")
        except (ValidationError, QbxmlParseError) as exc:
            if strict:
                raise
            skipped.append(f"{tag} ({_brief(exc)})")
            continue
        if value is None:
            continue
        if repeated:
            values.setdefault(name, []).append(value)
        elif name in values:
            raise QbxmlParseError(f"{path}: <{tag}> may appear only once")
        else:
            values[name] = value
    return values


def _drop_invalid(model: type[QbxmlModel], values: dict[str, Any], exc: ValidationError, skipped: list[str]) -> bool:
    """Remove the values pydantic refused (lenient mode); False when the error is not in one value."""
    xml_names = {name: xml or name for name, xml, _ in (*model.__qbxml__.attributes, *model.__qbxml__.elements)}
    whole: set[str] = set()
    items: dict[str, set[int]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if not loc or error["type"] == "missing" or loc[0] not in values:
            return False
        field = str(loc[0])
        if len(loc) > 1 and isinstance(loc[1], int) and isinstance(values[field], list):
            items.setdefault(field, set()).add(loc[1])
        else:
            whole.add(field)
        skipped.append(f"{xml_names.get(field, field)} ({error['msg']})")
    for field, positions in items.items():
        values[field] = [item for position, item in enumerate(values[field]) if position not in positions]
    for field in whole:
        del values[field]
    return True


def _read(model: type[M], element: etree._Element, strict: bool, path: str) -> M:
    skipped: list[str] = []
    values = _collect(model, element, strict, path, skipped)
    try:
        result = model.model_validate(values)
    except ValidationError as exc:
        if strict or not _drop_invalid(model, values, exc, skipped):
            raise
        result = model.model_validate(values)  # a missing element or a broken choice still fails
    if skipped:
        result._unknown = tuple(skipped)
    return result


Source: TypeAlias = str | bytes | etree._Element


@overload
def from_qbxml(source: Source, model: type[M], *, strict: bool | None = None) -> M: ...
@overload
def from_qbxml(source: Source, model: None = None, *, strict: bool | None = None) -> QbxmlModel: ...
def from_qbxml(source: Source, model: type[QbxmlModel] | None = None, *, strict: bool | None = None) -> QbxmlModel:
    """Read one qbXML element (a ``*Rq``, a ``*Rs``, a ``*Ret`` or any aggregate) into its model.

    ``model`` defaults to the class named like the element (:func:`model_for`); ``strict`` (refuse unknown
    elements) defaults to True for requests and False otherwise. Raises :class:`QbxmlParseError`, or
    pydantic's ``ValidationError`` when a value breaks the schema's rules.
    """
    element = source if isinstance(source, etree._Element) else parse_xml(source)
    tag = local_name(element)
    target = model if model is not None else model_for(tag)
    if model is not None and target.__qbxml__.name not in (tag, ""):
        raise QbxmlParseError(f"<{tag}> is not a {target.__qbxml__.name}")
    return _read(target, element, tag.endswith("Rq") if strict is None else strict, tag)


def skipped_elements(model: QbxmlModel) -> tuple[str, ...]:
    """What reading skipped in ``model`` and in the models it holds, as paths from it.

    ``"CustomerRet/NewElement"`` for an element qbXML 16.0 does not have, ``"@attr"`` for an attribute,
    ``"ReceivePaymentRet/CreditCardTxnInfo (…reason…)"`` for one whose content broke the schema.
    """
    found = list(model._unknown)
    for name, xml_name, _ in type(model).__qbxml__.elements:
        value = getattr(model, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, QbxmlModel):
                tag = xml_name or type(item).__qbxml__.name
                found.extend(f"{tag}/{entry}" for entry in skipped_elements(item))
    return tuple(found)


_CONTAINERS = ("QBXMLMsgsRq", "QBXMLMsgsRs", "QBXMLSubscriptionMsgsRq", "QBXMLSubscriptionMsgsRs")


def messages_from_qbxml(source: str | bytes) -> list[QbxmlModel]:
    """Every message of a qbXML document (``<QBXML><QBXMLMsgsRq>…``), or the one message it is."""
    root = parse_xml(source)
    if local_name(root) not in ("QBXML", *_CONTAINERS):
        return [from_qbxml(root)]
    containers = [root] if local_name(root) in _CONTAINERS else [c for c in root if isinstance(c.tag, str)]
    return [
        from_qbxml(element)
        for container in containers
        if local_name(container) in _CONTAINERS
        for element in container
        if isinstance(element.tag, str)
    ]
