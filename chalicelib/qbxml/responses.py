"""QuickBooks' answers: a ``QBXMLMsgsRs`` message set read into one result per request.

``receiveResponseXML`` hands us whatever QuickBooks produced. Each ``…Rs`` element carries the
``requestID`` we set (so results route back to their job), a ``statusCode`` with its
``statusSeverity`` and ``statusMessage``, and on queries ``retCount`` and the iterator fields
``iteratorRemainingCount`` / ``iteratorID``. The message set may carry ``newMessageSetID`` and
``messageSetStatusCode`` (error recovery).

Only those envelope facts are extracted here; the records themselves (``…Ret``) stay in the raw
qbXML the SaaS receives. Anything that is not a QBXML/QBXMLMsgsRs document — an empty string, a
fragment, a response without a status — is ``quickbooks_response_unreadable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.errors import error
from chalicelib.qbxml.status import StatusClass, classify_status
from chalicelib.qbxml.text import strip_declaration
from chalicelib.safexml import UnsafeXmlError, local_name, parse_xml


@dataclass(frozen=True)
class RequestResult:
    """The status of one request, as QuickBooks reported it."""

    request_id: str | None
    name: str
    status_code: int
    severity: str
    message: str
    ret_count: int | None
    iterator_remaining_count: int | None
    iterator_id: str | None
    records: int = 0  # the ``…Ret`` elements it carries (QuickBooks gives ``retCount`` only with metaData)

    @property
    def status_class(self) -> StatusClass:
        return classify_status(self.status_code)


@dataclass(frozen=True)
class MessageSetResponse:
    """Every result of one message set, in the order QuickBooks returned them."""

    results: tuple[RequestResult, ...]
    new_message_set_id: str | None
    message_set_status_code: int | None

    def first_error(self) -> RequestResult | None:
        """The first result whose status is an error (1000 and above), or None."""
        return next((r for r in self.results if r.status_class is StatusClass.ERROR), None)


def _unreadable(message: str) -> Exception:
    return error("quickbooks_response_unreadable", message)


def _int_attribute(element: Any, name: str, *, required: bool = False) -> int | None:
    raw = element.get(name)
    if raw is None:
        if required:
            raise _unreadable(f"<{local_name(element)}> has no {name} attribute")
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise _unreadable(f"<{local_name(element)}> has {name}={raw!r}, which is not an integer") from None


def _result(element: Any) -> RequestResult:
    status_code = _int_attribute(element, "statusCode", required=True)
    assert status_code is not None
    return RequestResult(
        request_id=element.get("requestID"),
        name=local_name(element),
        status_code=status_code,
        severity=element.get("statusSeverity", ""),
        message=element.get("statusMessage", ""),
        ret_count=_int_attribute(element, "retCount"),
        iterator_remaining_count=_int_attribute(element, "iteratorRemainingCount"),
        iterator_id=element.get("iteratorID"),
        records=sum(1 for child in element if isinstance(child.tag, str) and local_name(child).endswith("Ret")),
    )


def parse_response(text: str, *, max_bytes: int = 16_000_000) -> MessageSetResponse:
    """Read a QuickBooks response; ``quickbooks_response_unreadable`` when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise _unreadable("QuickBooks returned an empty response")
    try:
        root = parse_xml(strip_declaration(text), max_bytes=max_bytes)
    except (UnsafeXmlError, UnicodeError) as exc:
        raise _unreadable(f"the QuickBooks response is not readable XML: {exc}") from exc
    if local_name(root) != "QBXML":
        raise _unreadable(f"the QuickBooks response has root <{local_name(root)}>, not <QBXML>")
    message_set = next(
        (child for child in root if isinstance(child.tag, str) and local_name(child) == "QBXMLMsgsRs"),
        None,
    )
    if message_set is None:
        raise _unreadable("the QuickBooks response has no <QBXMLMsgsRs>")
    results = tuple(
        _result(child)
        for child in message_set
        if isinstance(child.tag, str) and local_name(child).endswith("Rs")
    )
    return MessageSetResponse(
        results=results,
        new_message_set_id=message_set.get("newMessageSetID"),
        message_set_status_code=_int_attribute(message_set, "messageSetStatusCode"),
    )
