"""A qbXML request document in, one ``*Rs`` element out: the two ends of QuickBooks' request processor.

:func:`parse_request` does what QuickBooks does before it executes anything — and throws
``0x80040400`` where QuickBooks throws it: a document that is not well-formed, one without
``<?qbxml version="X"?>`` or with a version the file does not support, one that breaks Intuit's
schema for that version (with a schema directory), or one without ``QBXMLMsgsRq onError``. Text
outside ISO-8859-1 is replaced by ``?`` on the way in, as QuickBooks stores it.

:func:`render_answer` writes one request's ``*Rs``: ``requestID``, the status triple, then the
handler's attributes (``retCount``, ``iteratorRemainingCount``, ``iteratorID``), and the ``*Ret``
bodies cut down to the request's ``IncludeRetElement`` names — none at all with
``responseData="includeNone"``.
"""

from __future__ import annotations

import re

from lxml import etree

from simulator.company_profile import CompanyProfile
from simulator.ledger import Answer
from simulator.qbxml_text import first, local, render_rs, restrict, texts_of, to_latin1
from simulator.records import PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, HResultError
from simulator.schema import SchemaSet

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_DECLARATION = re.compile(r"^\ufeff?<\?xml\s[^>]*\?>")
_VERSION = re.compile(r"""version\s*=\s*["']([^"']*)["']""")


def parse_request(request_xml: str, profile: CompanyProfile, schemas: SchemaSet | None) -> tuple[etree._Element, str]:
    """The ``QBXMLMsgsRq`` element of a request document and its qbXML version."""
    body = _DECLARATION.sub("", request_xml, count=1)
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail=str(exc)) from exc
    version = next(
        (
            match.group(1)
            for node in root.itersiblings(preceding=True)
            if isinstance(node, etree._ProcessingInstruction) and node.target == "qbxml"
            for match in [_VERSION.search(node.text or "")]
            if match
        ),
        None,
    )
    if version is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail="no <?qbxml version?>")
    if version not in profile.supported_versions:
        raise HResultError(
            PARSE_ERROR_HRESULT,
            f'{PARSE_ERROR_MESSAGE} qbXML version "{version}" is not supported by '
            f"{profile.product_name} (highest: {profile.highest_version}).",
        )
    if schemas is not None:
        schemas.validate(root.getroottree(), version)
    for element in root.iter():
        if element.text and not element.text.isascii():
            element.text = to_latin1(element.text)
    message_set = first(root, "QBXMLMsgsRq") if root.tag == "QBXML" else None
    if message_set is None or message_set.get("onError") is None:
        raise HResultError(PARSE_ERROR_HRESULT, PARSE_ERROR_MESSAGE, detail="no QBXMLMsgsRq with onError")
    return message_set, version


def render_answer(request: etree._Element, answer: Answer, include_data: bool) -> str:
    """The ``*Rs`` text answering ``request``."""
    name = local(request)
    rs_name = (name[:-2] if name.endswith("Rq") else name) + "Rs"
    request_id = request.get("requestID")
    status = answer.status
    attributes = [
        *((("requestID", request_id),) if request_id is not None else ()),
        ("statusCode", str(status.code)),
        ("statusSeverity", status.severity),
        ("statusMessage", status.message),
        *answer.attributes,
    ]
    include = texts_of(request, "IncludeRetElement")
    rets = [restrict(ret, include) for ret in answer.rets] if include_data else []
    return render_rs(rs_name, attributes, rets)
