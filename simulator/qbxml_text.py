"""Reading qbXML requests and writing qbXML responses the way QuickBooks writes them.

QuickBooks' responses (see the captured ``receiveResponseXML`` envelopes) have a recognisable
shape, and a gateway that only ever sees pretty-printed test data may break on the real thing:

- the declaration is ``<?xml version="1.0" ?>`` (a space before ``?>``), with no ``<?qbxml?>`` PI;
- every element starts on its own line, leaves on one line, no indentation;
- an ``*Rs`` without a body is self-closing with a space: ``<CustomerQueryRs … />``;
- attributes come in the order requestID, statusCode, statusSeverity, statusMessage, then
  retCount / iteratorRemainingCount / iteratorID;
- ``&``, ``<``, ``>``, ``"`` and ``'`` are written as entities in text and in attributes.

Values are formatted as QuickBooks formats them: amounts with two decimals, prices with at least
two, quantities without trailing zeros, booleans as ``true``/``false``, times with their offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from simulator.records import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, HResultError, Node, child_nodes

XML_DECLARATION = '<?xml version="1.0" ?>'
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def escape(value: str) -> str:
    """Entity-escape text or an attribute value (all five XML entities, as QuickBooks does)."""
    for char, entity in _ENTITIES.items():  # "&" first, so entities are not escaped twice
        if char in value:
            value = value.replace(char, entity)
    return value


def render_node(node: Node, out: list[str]) -> None:
    """Append ``node`` to ``out`` in QuickBooks' one-element-per-line style."""
    tag, body = node
    if isinstance(body, str):
        out.append(f"<{tag}>{escape(body)}</{tag}>\n")
        return
    out.append(f"<{tag}>\n")
    for child in body:
        render_node(child, out)
    out.append(f"</{tag}>\n")


def render_rs(name: str, attributes: Sequence[tuple[str, str]], body: Iterable[Node]) -> str:
    """One ``*Rs`` element with its attributes in the given order and its ``*Ret`` body."""
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in attributes)
    parts: list[str] = []
    for node in body:
        render_node(node, parts)
    if not parts:
        return f"<{name}{attrs} />\n"
    return f"<{name}{attrs}>\n{''.join(parts)}</{name}>\n"


def render_document(responses: Iterable[str], msgs_attributes: Sequence[tuple[str, str]] = ()) -> str:
    """A whole response document: declaration, ``QBXML``, ``QBXMLMsgsRs`` and the ``*Rs`` texts."""
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in msgs_attributes)
    return f"{XML_DECLARATION}\n<QBXML>\n<QBXMLMsgsRs{attrs}>\n{''.join(responses)}</QBXMLMsgsRs>\n</QBXML>\n"


def assemble(tag: str, order: Sequence[str], parts: Mapping[str, Sequence[Node]]) -> Node:
    """Build aggregate ``tag`` from ``parts`` in schema ``order``; tags not in ``order`` are dropped."""
    children: list[Node] = []
    for name in order:
        children.extend(parts.get(name, ()))
    return (tag, tuple(children))


def restrict(node: Node, include: Sequence[str]) -> Node:
    """Apply ``IncludeRetElement``: keep only the named top-level children of a ``*Ret``."""
    if not include:
        return node
    wanted = set(include)
    return (node[0], tuple(child for child in child_nodes(node) if child[0] in wanted))


# ---------------------------------------------------------------------------------------------
# Reading request elements


def local(element: etree._Element) -> str:
    """The element's tag (qbXML has no namespaces)."""
    return str(element.tag)


def elements(parent: etree._Element, tag: str | None = None) -> list[etree._Element]:
    """Child elements (comments and processing instructions skipped), optionally only ``tag``."""
    return [child for child in parent if isinstance(child.tag, str) and (tag is None or child.tag == tag)]


def first(parent: etree._Element, tag: str) -> etree._Element | None:
    found = elements(parent, tag)
    return found[0] if found else None


def text_of(parent: etree._Element, tag: str) -> str | None:
    """The stripped text of child ``tag``; ``None`` when absent or empty (QuickBooks ignores ``<Memo/>``)."""
    child = first(parent, tag)
    if child is None:
        return None
    value = (child.text or "").strip()
    return value or None


def texts_of(parent: etree._Element, tag: str) -> list[str]:
    return [(child.text or "").strip() for child in elements(parent, tag)]


def to_node(element: etree._Element) -> Node | None:
    """Convert a request element to a :data:`Node`; empty leaves and aggregates become ``None``."""
    kids = elements(element)
    if not kids:
        value = (element.text or "").strip()
        if not value:
            return None
        if local(element).startswith("Is"):
            value = format_bool_text(value)
        return (local(element), value)
    converted = tuple(node for node in (to_node(kid) for kid in kids) if node is not None)
    return (local(element), converted) if converted else None


def nodes_of(parent: etree._Element, skip: Iterable[str] = ()) -> tuple[Node, ...]:
    """All children of ``parent`` as nodes, except the tags in ``skip``."""
    skipped = set(skip)
    converted = (to_node(child) for child in elements(parent) if local(child) not in skipped)
    return tuple(node for node in converted if node is not None)


# ---------------------------------------------------------------------------------------------
# Values


def parse_decimal(value: str | None, what: str) -> Decimal | None:
    """A qbXML number; unparsable numbers make QuickBooks reject the whole stream."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail=f"{what} {value!r} is not a number")
    return number


def parse_bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return default


def to_latin1(value: str) -> str:
    """QuickBooks stores ISO-8859-1: anything outside it (curly quotes, emoji) becomes ``?``."""
    return value.encode("latin-1", "replace").decode("latin-1")


def format_bool(value: bool) -> str:
    return "true" if value else "false"


def format_bool_text(value: str) -> str:
    lowered = value.lower()
    if lowered in _TRUE:
        return "true"
    if lowered in _FALSE:
        return "false"
    return value


def format_amount(value: Decimal) -> str:
    """``AMTTYPE``: exactly two decimals (``206.00``)."""
    return f"{value.quantize(Decimal('0.01')):f}"


def format_price(value: Decimal) -> str:
    """``PRICETYPE``: at least two and at most five decimals (``103.00``, ``12.34567``)."""
    whole, _, fraction = f"{value.quantize(Decimal('0.00001')).normalize():f}".partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def format_quantity(value: Decimal) -> str:
    """``QUANTYPE``: as few decimals as needed (``2``, ``1.5``)."""
    return f"{value.quantize(Decimal('0.00001')).normalize():f}"


def format_time(moment: datetime) -> str:
    """``DATETIMETYPE`` as QuickBooks writes it: ``2024-01-05T10:22:31-08:00``."""
    return moment.isoformat(timespec="seconds")
