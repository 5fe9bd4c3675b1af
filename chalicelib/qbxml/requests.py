"""Jobs in, message sets out: the qbXML a SaaS sends, checked, and the document QuickBooks receives.

A job's ``qbxml`` is "one or more request elements" (``<CustomerAddRq>…</CustomerAddRq>``), or a
whole ``<QBXML><QBXMLMsgsRq>…`` document whose requests are taken (its ``<?qbxml?>`` version,
``onError`` and message-set ids are dropped: the gateway chooses those per company file).
:func:`parse_job_qbxml` reads it once, when the job is accepted, and refuses everything QuickBooks
would later choke on — with a message that names the problem, because QuickBooks itself only says
``0x80040400``:

* size first (``payload_too_large``), then XML characters, DOCTYPE/ENTITY, well-formedness;
* only request elements (names ending in ``Rq``), at most :data:`MAX_REQUESTS`, no stray text;
* text QuickBooks can store: typographic characters normalised, anything else outside
  ISO-8859-1 refused naming the code point and where it is (``unsupported_characters``).

What survives is kept as compact serialised elements (:class:`JobRequests`) without ``requestID``
attributes: :func:`build_message_set` adds ours, plus ``onError`` and, on writes,
``newMessageSetID`` for error recovery. :func:`validate_job` checks the built message set against
Intuit's schema for the version in use (see :mod:`chalicelib.qbxml.schema`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from chalicelib.errors import error
from chalicelib.qbxml.schema import SchemaCatalog, SchemaViolation
from chalicelib.qbxml.text import describe_char, find_xml_illegal, normalise_tree, strip_declaration
from chalicelib.qbxml.versions import QbxmlVersion
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml

MAX_REQUESTS = 100
MAX_REQUEST_ID_CHARS = 50  # QuickBooks answers status 1060 beyond this
ON_ERROR_VALUES = ("stopOnError", "continueOnError", "rollbackOnError")
_CONTAINERS = frozenset({"QBXMLMsgsRq", "SignonMsgsRq", "QBXMLSubscriptionMsgsRq"})
_WRAPPER = "qbdgw-job"
_PLACEHOLDER_ID = "validate"
_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MSGS_PREFIX = "/QBXML/QBXMLMsgsRq/"


@dataclass(frozen=True)
class JobRequests:
    """The requests of one job, each serialised compactly and without a ``requestID``."""

    elements: tuple[str, ...]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.elements) != len(self.names):
            raise ValueError("JobRequests needs one name per element")

    @property
    def is_write(self) -> bool:
        """True when any request may change the company file (anything but a ``…QueryRq``)."""
        return any(not name.endswith("QueryRq") for name in self.names)


def company_query_request() -> JobRequests:
    """A plain ``<CompanyQueryRq/>``: the cheapest real round trip, used by health checks."""
    return JobRequests(elements=("<CompanyQueryRq/>",), names=("CompanyQueryRq",))


# --------------------------------------------------------------------------------------------
# Reading a job


def parse_job_qbxml(text: str, *, max_bytes: int = 256_000) -> JobRequests:
    """Check a job's qbXML and return its requests; GatewayError naming the problem otherwise."""
    if not isinstance(text, str):
        raise error("invalid_qbxml", "qbxml must be a string of XML")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise error("payload_too_large", f"the qbXML is {size} bytes; the limit is {max_bytes}")
    body = strip_declaration(text)
    if not body.strip():
        raise error("invalid_qbxml", "the qbXML is empty; send one or more request elements")
    if _DTD_RE.search(body):
        raise error("invalid_qbxml", "DOCTYPE and ENTITY declarations are not allowed in qbXML")
    illegal = find_xml_illegal(body)
    if illegal is not None:
        char, line, column = illegal
        raise error(
            "unsupported_characters",
            f"the character {describe_char(char)} at line {line}, column {column} "
            "is not allowed in XML (a control character or an unpaired surrogate)",
        )
    try:
        wrapper = parse_xml(f"<{_WRAPPER}>{body}</{_WRAPPER}>", max_bytes=max_bytes + 64)
    except UnsafeXmlError as exc:
        reason = str(exc).removeprefix("not well-formed XML: ").replace(_WRAPPER, "the end of the qbXML")
        raise error("invalid_qbxml", f"the qbXML is not well-formed: {reason}") from exc

    requests = _requests_in(wrapper)
    if not requests:
        raise error("invalid_qbxml", "the qbXML contains no request elements")
    if len(requests) > MAX_REQUESTS:
        raise error(
            "payload_too_large",
            f"the qbXML holds {len(requests)} requests; the limit is {MAX_REQUESTS} per job",
        )
    names = tuple(_check_request(element, index, len(requests)) for index, element in enumerate(requests, 1))
    elements = tuple(_serialise(element, index, len(requests)) for index, element in enumerate(requests, 1))
    return JobRequests(elements=elements, names=names)


def _element_children(parent: Any, where: str) -> list[Any]:
    """Element children of ``parent``; comments and PIs skipped, stray text refused."""
    found = []
    texts = [parent.text] + [child.tail for child in parent]
    for text in texts:
        if text and text.strip():
            snippet = " ".join(text.split())[:40]
            raise error(
                "invalid_qbxml",
                f"unexpected text {snippet!r} {where}; only request elements may appear there",
            )
    for child in parent:
        if isinstance(child.tag, str):
            found.append(child)
    return found


def _requests_in(wrapper: Any) -> list[Any]:
    top = _element_children(wrapper, "between elements")
    names = [local_name(element) for element in top]
    if "QBXML" in names or "QBXMLMsgsRq" in names:
        if len(top) != 1:
            raise error(
                "invalid_qbxml",
                "a <QBXML> or <QBXMLMsgsRq> document must be the only top-level element",
            )
        container = top[0]
        if local_name(container) == "QBXML":
            inner = _element_children(container, "inside <QBXML>")
            inner_names = [local_name(element) for element in inner]
            if inner_names != ["QBXMLMsgsRq"]:
                raise error(
                    "invalid_qbxml",
                    "a <QBXML> document must hold exactly one <QBXMLMsgsRq>; found "
                    + (", ".join(f"<{name}>" for name in inner_names) or "nothing"),
                )
            container = inner[0]
        return _element_children(container, "inside <QBXMLMsgsRq>")
    return top


def _check_request(element: Any, index: int, count: int) -> str:
    where = f"element {index} of {count}" if count > 1 else "the top-level element"
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            raise error(
                "invalid_qbxml",
                f"<{local_name(node)}> in {where} has an XML namespace; qbXML elements have none",
            )
    name = local_name(element)
    if not name.endswith("Rq") or name in _CONTAINERS:
        raise error(
            "invalid_qbxml",
            f"<{name}> ({where}) is not a qbXML request: send request elements whose names end "
            "in 'Rq', such as <CustomerAddRq><CustomerAdd>...</CustomerAdd></CustomerAddRq>",
        )
    return name


def _serialise(element: Any, index: int, count: int) -> str:
    element.attrib.pop("requestID", None)
    element.tail = None
    for node in list(element.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove_keeping_tail(node)
    for node in element.iter():
        if len(node):
            node.text = _without_formatting(node.text)
            for child in node:
                child.tail = _without_formatting(child.tail)
        elif node.text is not None and not node.text.strip() and "\n" in node.text:
            node.text = None  # an indented empty element such as <ShipAddress>\n  </ShipAddress>
    prefix = f"request {index} of {count}: " if count > 1 else ""
    normalise_tree(element, local_name(element), prefix)
    etree.cleanup_namespaces(element)
    return str(etree.tostring(element, encoding="unicode", with_tail=False))


def _without_formatting(text: str | None) -> str | None:
    return None if text is not None and not text.strip() else text


def _remove_keeping_tail(node: Any) -> None:
    parent = node.getparent()
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


# --------------------------------------------------------------------------------------------
# Building and validating a message set


def request_ids(request_id: str, count: int) -> tuple[str, ...]:
    """``(request_id,)`` for one request, ``(f"{request_id}.1", …)`` for several."""
    if not request_id:
        raise ValueError("request_id must not be empty")
    ids = (request_id,) if count == 1 else tuple(f"{request_id}.{index}" for index in range(1, count + 1))
    longest = max(ids, key=len, default=request_id)
    if len(longest) > MAX_REQUEST_ID_CHARS:
        raise ValueError(
            f"requestID {longest!r} is {len(longest)} characters; QuickBooks allows {MAX_REQUEST_ID_CHARS}"
        )
    return ids


def build_message_set(
    requests: JobRequests,
    *,
    version: QbxmlVersion,
    request_id: str,
    on_error: str = "stopOnError",
    new_message_set_id: str | None = None,
    old_message_set_id: str | None = None,
) -> str:
    """The complete qbXML document for one message set, compact, with our ``requestID``s.

    Built as text: each element is the gateway's own compact serialisation (:func:`_serialise`, or a
    page's request), so its ``requestID`` goes in right after the tag name, first among its attributes,
    without parsing it again (an element that carries one already is rebuilt through lxml)."""
    if on_error not in ON_ERROR_VALUES:
        raise ValueError(f"onError must be one of {', '.join(ON_ERROR_VALUES)}; got {on_error!r}")
    if not requests.elements and old_message_set_id is None:
        raise ValueError("a message set needs at least one request (or an oldMessageSetID)")
    ids = request_ids(request_id, len(requests.elements)) if requests.elements else ()
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'
             f'<QBXML><QBXMLMsgsRq onError="{on_error}"']
    if new_message_set_id is not None:
        parts.append(f' newMessageSetID="{_attribute(new_message_set_id)}"')
    if old_message_set_id is not None:
        parts.append(f' oldMessageSetID="{_attribute(old_message_set_id)}"')
    parts.append(">" if requests.elements else "/></QBXML>")
    for text, rid in zip(requests.elements, ids, strict=True):
        parts.append(_with_request_id(text, rid))
    if requests.elements:
        parts.append("</QBXMLMsgsRq></QBXML>")
    return "".join(parts)


_TAG_NAME = re.compile(r"<[A-Za-z_][\w.\-]*")


def _with_request_id(text: str, rid: str) -> str:
    name = _TAG_NAME.match(text)
    start_tag_end = text.find(">")
    if name is None or start_tag_end < 0 or "requestID" in text[:start_tag_end]:
        element = parse_xml(text)
        attributes = [(key, value) for key, value in element.attrib.items() if key != "requestID"]
        element.attrib.clear()
        element.set("requestID", rid)
        for key, value in attributes:
            element.set(key, value)
        return str(etree.tostring(element, encoding="unicode"))
    return f'{text[:name.end()]} requestID="{_attribute(rid)}"{text[name.end():]}'


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def stored_requests(qbxml: str, names: tuple[str, ...], *, max_bytes: int) -> JobRequests:
    """A stored job's requests: its ``qbxml`` is what :func:`parse_job_qbxml` made of the caller's, so a
    job of one request is that one element as it is; only several are split by reading them again."""
    if len(names) == 1 and qbxml.startswith(f"<{names[0]}"):
        return JobRequests((qbxml,), names)
    return parse_job_qbxml(qbxml, max_bytes=max_bytes)


def _describe(violation: SchemaViolation) -> str:
    path = violation.path.removeprefix(_MSGS_PREFIX)
    return f"at {path}: {violation.message}" if path else violation.message


def validate_job(requests: JobRequests, version: QbxmlVersion, catalog: SchemaCatalog) -> None:
    """Check the job's message set against the schema for ``version`` (no-op when validation is off).

    Raises ``qbxml_version_unsupported`` when the job is valid only under a newer schema we hold
    (it needs a newer QuickBooks), else ``invalid_qbxml`` listing up to five schema errors.
    """
    if not catalog.enabled:
        return
    document = build_message_set(requests, version=version, request_id=_PLACEHOLDER_ID)
    violations = catalog.violations(document, version)
    if not violations:
        return
    label = ", ".join(dict.fromkeys(requests.names))
    verb = "is" if len(requests.names) == 1 else "are"
    schema_version = catalog.schema_version_for(version)
    newer = [candidate for candidate in catalog.available() if schema_version and candidate > schema_version]
    for candidate in newer:
        if not catalog.violations(document, candidate):
            raise error(
                "qbxml_version_unsupported",
                f"{label} {verb} valid qbXML {candidate} but not qbXML {version}, the version this "
                f"company file is used with: {_describe(violations[0])}",
            )
    against = f" (checked with the {schema_version} schema)" if schema_version != version else ""
    details = "; ".join(_describe(violation) for violation in violations)
    raise error("invalid_qbxml", f"{label} {verb} not valid qbXML {version}{against}: {details}")
