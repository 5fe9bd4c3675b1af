"""Hardened XML parsing shared by every layer that reads untrusted XML.

SOAP envelopes from the Web Connector, qbXML jobs from the SaaS and qbXML responses from
QuickBooks all come from outside. They are parsed here, once, with the same rules:

* no entity expansion, no DTD loading, no network access, no huge-tree mode;
* a document that carries a DOCTYPE at all is refused (it is never needed by this protocol);
* a size cap, checked before the parser sees a byte.

Errors are raised as :class:`UnsafeXmlError` (a ``ValueError``) with a short reason that is safe to
show to a caller; callers translate it into their own protocol's error.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_local = threading.local()  # one parser per thread: an lxml parser may be reused, not shared across threads


class UnsafeXmlError(ValueError):
    """The document is malformed, too large, or uses a forbidden XML feature."""


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _new_parser()
    return parser


def _new_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
    )


def parse_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse ``data`` into an element tree root, refusing anything unsafe or malformed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXmlError(f"document is {len(raw)} bytes; the limit is {max_bytes}")
    if not raw or raw.isspace():
        raise UnsafeXmlError("document is empty")
    if b"<!" in raw and (b"<!DOCTYPE" in raw[:4096].upper() or _ENTITY.search(raw)):
        raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError(f"not well-formed XML: {exc.msg}") from exc
    if root is None:
        raise UnsafeXmlError("document has no root element")
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed")
    return root


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else str(etree.QName(element).localname)
