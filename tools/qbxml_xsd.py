"""Intuit's qbXML XSD read into the few shapes the model generator needs (``tools/gen_qbxml_models.py``).

qbXML's schema is large (about 7,700 ``xsd:element``, 1,200 ``xsd:complexType``, 680 ``xsd:group``) but
uses a small part of XML Schema, and this reader accepts exactly that part and stops, naming the
construct, on anything else — so a new Intuit schema that needs more shows up here, not as wrong models:

* simple types are restrictions of the 16 named types of ``qbxmltypes*.xsd`` (``STRTYPE``, ``AMTTYPE``,
  ``DATETIMETYPE``, …) with ``maxLength``, ``enumeration``, ``minInclusive``/``maxInclusive``;
* an aggregate is a global element with an anonymous ``complexType`` (``CustomerAdd``, ``CustomerRet``),
  a message is a local element of ``QBXMLMsgsRq``/``Rs`` (or the subscription sets) whose type is a named
  ``complexType`` (``CustomerAddRqType``); content is ``sequence``/``choice``/``group ref`` nesting;
* the only ``simpleContent`` is an ID with a ``useMacro`` attribute (``<TxnID useMacro="…">``).

Named groups are expanded where they are referenced: the generator flattens them into the aggregate,
which keeps schema order (a group is a run of consecutive elements of its parent's sequence).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

XSD = "{http://www.w3.org/2001/XMLSchema}"

# The named simple types of qbxmltypes*.xsd, by the Python kind each becomes.
BASE_KINDS = {
    "IDTYPE": "str",
    "STRTYPE": "str",
    "ENUMTYPE": "str",
    "UUIDTYPE": "str",
    "MACROTYPE": "str",
    "GUIDTYPE": "guid",
    "BOOLTYPE": "bool",
    "DATETYPE": "date",
    "DATETIMETYPE": "datetime",
    "TIMEINTERVALTYPE": "interval",
    "AMTTYPE": "amount",
    "PRICETYPE": "price",
    "QUANTYPE": "quantity",
    "PERCENTTYPE": "percent",
    "INTTYPE": "int",
    "FLOATTYPE": "float",
    "xsd:string": "str",
    "xsd:integer": "int",
    "xsd:boolean": "bool",
}
BASE_MAX_LENGTH = {"IDTYPE": 36}


class SchemaFormatError(ValueError):
    """The schema uses a construct this reader does not know; the message says which and where."""


@dataclass(frozen=True)
class Simple:
    """A simple type: its kind (see :data:`BASE_KINDS`) and its facets."""

    kind: str
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    ge: int | None = None
    le: int | None = None
    alias: str | None = None  # the global element that names this type (an enumeration's alias)


@dataclass(frozen=True)
class IdWithMacro:
    """``<TxnID useMacro="MACROTYPE">IDTYPE</TxnID>``: the one simpleContent shape of qbXML."""


@dataclass(frozen=True)
class Element:
    """One element particle: its name, type (a Simple, an aggregate's name, or IdWithMacro) and counts."""

    name: str
    type: Simple | str | IdWithMacro
    min: int = 1
    max: int | None = 1  # None: unbounded

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1


@dataclass(frozen=True)
class Sequence:
    items: tuple[Particle, ...]
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Choice:
    branches: tuple[Particle, ...]
    min: int = 1
    max: int | None = 1


Particle = Element | Sequence | Choice


@dataclass(frozen=True)
class Attribute:
    name: str
    type: Simple
    required: bool


@dataclass(frozen=True)
class Aggregate:
    """A complex element: attributes and content (a top-level sequence)."""

    name: str
    content: Sequence
    attributes: tuple[Attribute, ...] = ()


@dataclass
class Schema:
    """What the generator reads: aggregates by name and the messages, in schema order."""

    aggregates: dict[str, Aggregate] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    subscription_requests: list[str] = field(default_factory=list)
    version: str = ""


def _occurs(node: etree._Element) -> tuple[int, int | None]:
    low = int(node.get("minOccurs", "1"))
    high_text = node.get("maxOccurs", "1")
    return low, None if high_text == "unbounded" else int(high_text)


def _where(node: etree._Element) -> str:
    return f"{Path(str(node.base or '')).name}:{node.sourceline}"


class _Reader:
    def __init__(self, roots: list[etree._Element]) -> None:
        self.elements: dict[str, etree._Element] = {}
        self.groups: dict[str, etree._Element] = {}
        self.complex_types: dict[str, etree._Element] = {}
        self.simple_types: dict[str, etree._Element] = {}
        for root in roots:
            for node in root:
                if not isinstance(node.tag, str) or node.tag == XSD + "include":
                    continue
                table = {
                    XSD + "element": self.elements,
                    XSD + "group": self.groups,
                    XSD + "complexType": self.complex_types,
                    XSD + "simpleType": self.simple_types,
                }.get(node.tag)
                if table is None:
                    raise SchemaFormatError(f"{_where(node)}: unexpected top-level {node.tag}")
                table[node.get("name", "")] = node
        self.aggregates: dict[str, Aggregate] = {}
        self._simple_cache: dict[str, Simple] = {}

    # -- simple types ------------------------------------------------------------------------
    def named_simple(self, name: str) -> Simple:
        if name not in self._simple_cache:
            if name not in BASE_KINDS:
                raise SchemaFormatError(f"unknown simple type {name!r}")
            self._simple_cache[name] = Simple(BASE_KINDS[name], max_length=BASE_MAX_LENGTH.get(name))
        return self._simple_cache[name]

    def simple_type(self, node: etree._Element) -> Simple:
        restriction = node.find(XSD + "restriction")
        if restriction is None or len([c for c in node if isinstance(c.tag, str)]) != 1:
            raise SchemaFormatError(f"{_where(node)}: only restrictions of a named type are supported")
        base = self.named_simple(restriction.get("base", ""))
        enum: list[str] = []
        max_length, ge, le = base.max_length, base.ge, base.le
        for facet in restriction:
            if not isinstance(facet.tag, str):
                continue
            value = facet.get("value", "")
            if facet.tag == XSD + "enumeration":
                enum.append(value)
            elif facet.tag == XSD + "maxLength":
                max_length = int(value)
            elif facet.tag == XSD + "minInclusive":
                ge = int(value)
            elif facet.tag == XSD + "maxInclusive":
                le = int(value)
            else:
                raise SchemaFormatError(f"{_where(facet)}: unsupported facet {facet.tag}")
        return Simple(base.kind, max_length=max_length, enum=tuple(enum), ge=ge, le=le)

    # -- elements ----------------------------------------------------------------------------
    def element(self, node: etree._Element) -> Element:
        low, high = _occurs(node)
        ref = node.get("ref")
        if ref is not None:
            target = self.elements.get(ref)
            if target is None:
                raise SchemaFormatError(f"{_where(node)}: unknown element {ref!r}")
            kind = self.element_type(target)
            if isinstance(kind, Simple) and kind.enum:
                kind = replace(kind, alias=ref)
            return Element(ref, kind, low, high)
        return Element(node.get("name", ""), self.element_type(node), low, high)

    def element_type(self, node: etree._Element) -> Simple | str | IdWithMacro:
        name = str(node.get("name", ""))
        type_name = node.get("type")
        if type_name is not None:
            if type_name in self.complex_types:
                self.aggregate(name, self.complex_types[type_name])
                return name
            return self.named_simple(type_name)
        simple = node.find(XSD + "simpleType")
        if simple is not None:
            return self.simple_type(simple)
        complex_node = node.find(XSD + "complexType")
        if complex_node is None:
            raise SchemaFormatError(f"{_where(node)}: element {name!r} has no type")
        content = complex_node.find(XSD + "simpleContent")
        if content is not None:
            extension = content.find(XSD + "extension")
            attributes = [] if extension is None else extension.findall(XSD + "attribute")
            if (
                extension is None
                or extension.get("base") != "IDTYPE"
                or [a.get("name") for a in attributes] != ["useMacro"]
            ):
                raise SchemaFormatError(f"{_where(content)}: only IDTYPE with useMacro is supported")
            return IdWithMacro()
        if node.getparent() is None or node.getparent().tag != XSD + "schema":
            raise SchemaFormatError(f"{_where(node)}: local complex element {name!r} is not supported")
        self.aggregate(name, complex_node)
        return name

    def aggregate(self, name: str, node: etree._Element) -> None:
        if name in self.aggregates:
            return
        # Placeholder first: it stops recursion through self-referencing aggregates.
        self.aggregates[name] = Aggregate(name, Sequence(()))
        content: Sequence = Sequence(())
        attributes: list[Attribute] = []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == XSD + "sequence":
                content = self.sequence(child)
            elif child.tag == XSD + "choice":
                content = Sequence((self.choice(child),))
            elif child.tag == XSD + "attribute":
                attributes.append(self.attribute(child))
            else:
                raise SchemaFormatError(f"{_where(child)}: unsupported {child.tag} in {name}")
        self.aggregates[name] = Aggregate(name, content, tuple(attributes))

    def attribute(self, node: etree._Element) -> Attribute:
        simple = node.find(XSD + "simpleType")
        kind = self.simple_type(simple) if simple is not None else self.named_simple(node.get("type", ""))
        return Attribute(node.get("name", ""), kind, node.get("use") == "required")

    # -- content models ----------------------------------------------------------------------
    def particles(self, node: etree._Element) -> tuple[Particle, ...]:
        found: list[Particle] = []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == XSD + "element":
                found.append(self.element(child))
            elif child.tag == XSD + "sequence":
                found.append(self.sequence(child))
            elif child.tag == XSD + "choice":
                found.append(self.choice(child))
            elif child.tag == XSD + "group":
                found.append(self.group(child))
            else:
                raise SchemaFormatError(f"{_where(child)}: unsupported {child.tag}")
        return tuple(found)

    def sequence(self, node: etree._Element) -> Sequence:
        low, high = _occurs(node)
        return Sequence(self.particles(node), low, high)

    def choice(self, node: etree._Element) -> Choice:
        low, high = _occurs(node)
        return Choice(self.particles(node), low, high)

    def group(self, node: etree._Element) -> Sequence:
        low, high = _occurs(node)
        target = self.groups.get(node.get("ref", ""))
        if target is None:
            raise SchemaFormatError(f"{_where(node)}: unknown group {node.get('ref')!r}")
        inner = [child for child in target if isinstance(child.tag, str)]
        if len(inner) != 1 or inner[0].tag not in (XSD + "sequence", XSD + "choice"):
            raise SchemaFormatError(f"{_where(target)}: a group must hold one sequence or choice")
        body = self.sequence(inner[0]) if inner[0].tag == XSD + "sequence" else Sequence((self.choice(inner[0]),))
        return Sequence(body.items, low * body.min, None if high is None or body.max is None else high * body.max)

    def message_names(self, container: str) -> list[str]:
        node = self.elements[container]
        names = []
        for element in node.iter(XSD + "element"):
            name = element.get("name")
            if name and name != container:
                names.append(name)
                self.element_type(element)
        return names


def read_schema(schema_dir: Path, version: str = "16.0") -> Schema:
    """Read ``<schema_dir>/<version>/qbxmlops<NN>.xsd`` and the files it includes."""
    folder = schema_dir / version
    major, minor = version.split(".")
    ops = folder / f"qbxmlops{major}{minor}.xsd"
    if not ops.is_file():
        raise FileNotFoundError(f"{ops} not found: pass --schema-dir or set QBDGW_SCHEMA_DIR")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    root = etree.parse(str(ops), parser).getroot()
    roots = [root]
    for include in root.findall(XSD + "include"):
        roots.append(etree.parse(str(folder / include.get("schemaLocation", "")), parser).getroot())
    reader = _Reader(roots)
    schema = Schema(version=version)
    schema.requests = reader.message_names("QBXMLMsgsRq")
    schema.subscription_requests = reader.message_names("QBXMLSubscriptionMsgsRq")
    schema.responses = reader.message_names("QBXMLMsgsRs") + reader.message_names("QBXMLSubscriptionMsgsRs")
    schema.aggregates = reader.aggregates
    return schema
