"""Hardened XML parsing shared by every layer that reads untrusted XML.

SOAP envelopes from the Web Connector, qbXML jobs from the SaaS and qbXML responses from
QuickBooks all come from outside. They are parsed here, once, with the same rules:

* no entity expansion, no DTD loading, no network access, no huge-tree mode;
* a document that carries a DOCTYPE at all is refused (it is never needed by this protocol);
* a size cap, checked before the parser sees a byte.

Two readers apply them. :func:`parse_xml` builds an lxml tree, for qbXML, which is walked and
rewritten. :func:`read_events` streams a document through expat (the standard library's ``pyexpat``)
into handlers, building nothing: the SOAP envelopes, whose whole content is a handful of elements and
one long escaped text, which expat reads in about half lxml's time (the ``receiveResponseXML`` envelope
carries QuickBooks' answer as thousands of ``&lt;`` references). Its parser is made per document and
refuses any DOCTYPE, entity declaration or external entity itself, beyond the byte check both share;
expat never reads from the network or a file.

Errors are raised as :class:`UnsafeXmlError` (a ``ValueError``) with a short reason that is safe to
show to a caller; callers translate it into their own protocol's error.
"""

from __future__ import annotations

import codecs
import pyexpat
import re
import threading
from collections.abc import Callable

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


def _checked(data: bytes | str, max_bytes: int) -> bytes:
    """The document's bytes, refused before any parser sees them when too large, empty or declaring."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXmlError(f"document is {len(raw)} bytes; the limit is {max_bytes}")
    if not raw or raw.isspace():
        raise UnsafeXmlError("document is empty")
    if b"<!" in raw and (b"<!DOCTYPE" in raw[:4096].upper() or _ENTITY.search(raw)):
        raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed")
    return raw


def parse_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse ``data`` into an element tree root, refusing anything unsafe or malformed."""
    raw = _checked(data, max_bytes)
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


StartHandler = Callable[[str, dict[str, str]], None]


def read_events(data: bytes | str, start: StartHandler, end: Callable[[str], None], text: Callable[[str], None],
                *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Stream ``data`` through expat: ``start(name, attributes)``, ``end(name)`` and ``text(chars)`` per
    element and run of character data (CDATA included; comments and processing instructions are not
    text), names in ``namespace}local`` form (just ``local`` outside any namespace). What a handler
    raises comes out as it is; a malformed or unsafe document raises :class:`UnsafeXmlError`."""
    raw = _checked(data, max_bytes)
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_external
    parser.buffer_text = True  # one text() per run of characters, however many references it holds
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(_for_expat(raw), True)
    except pyexpat.ExpatError as exc:
        raise UnsafeXmlError(f"not well-formed XML: {pyexpat.ErrorString(exc.code)}, line {exc.lineno}, "
                             f"column {exc.offset + 1}") from None
    except UnsafeXmlError:
        raise
    except ValueError as exc:  # pyexpat refusing an encoding it cannot take: never out as anything but this
        raise UnsafeXmlError(f"the document cannot be read: {exc}") from None


_DECLARED_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf-16", "iso-8859-1", "us-ascii"})  # what expat decodes itself


def _for_expat(raw: bytes) -> bytes | str:
    """The document as expat can read it. Expat decodes UTF-8, UTF-16 and Latin-1 itself; a document
    declaring another encoding (``UTF8``, ``windows-1252``, ``Shift_JIS``…) is decoded here with Python's
    codec of that name — given text, pyexpat reads it as UTF-8 whatever the declaration says — and one
    naming an encoding Python does not know is refused."""
    if raw[:2] in (b"\x00<", b"<\x00"):  # UTF-16 without a byte order mark, whatever its label says
        return _decoded(raw, "utf-16-be" if raw[0] == 0 else "utf-16-le")
    declared = _DECLARED_ENCODING.match(raw)
    if declared is None:
        return raw  # no declaration (UTF-8), or a byte order mark, which expat reads itself
    name = declared.group(1).decode("ascii").lower()
    if name in _EXPAT_ENCODINGS:
        return raw
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise UnsafeXmlError(f"the document's encoding {name!r} is not supported") from None
    return _decoded(raw, codec)


def _decoded(raw: bytes, codec: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        raise UnsafeXmlError(f"not well-formed XML: byte {exc.start} is not valid {codec}") from None


def _refuse_declaration(*_args: object) -> None:
    raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed")


def _refuse_external(_context: str, _base: str | None, _system_id: str | None, _public_id: str | None) -> int:
    raise UnsafeXmlError("DOCTYPE and ENTITY declarations are not allowed")


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else str(etree.QName(element).localname)
