"""The SOAP edge: bytes from the Web Connector in, a SOAP 1.1 envelope out.

Decoding problems (malformed XML, DOCTYPE/entities, unknown method) become a SOAP 1.1 Fault with a
short reason, sent with HTTP 500 as SOAP 1.1's HTTP binding prescribes (§6.2) so that .NET clients
such as the Web Connector read the fault's reason instead of a bare status line; the body is always a
SOAP envelope, never a stack trace. Everything the Web Connector can legitimately send is answered by
:class:`~chalicelib.qbwc.service.QbwcService` in protocol terms with HTTP 200.

Size: deployed, API Gateway hands the request to Lambda inside a JSON event, and Lambda refuses an
event above 6,291,456 bytes (API Gateway's own 10 MB limit is never the one reached), so no answer
larger than that reaches our code and the Web Connector sees an HTTP error. The local stack refuses
the same requests (:func:`fits_deployed`, measured on the JSON-escaped body as Lambda sees it) with a
SOAP fault the Web Connector shows, and here, where the request did arrive, the job it answers fails
at once with ``result_too_large`` (a write becomes ``in_doubt``) instead of waiting out its lease.

Every call logs one ``SOAP call`` line — ``method``, ``result`` (a kind such as ``nvu``, ``request``,
``empty``, ``NoOp`` or the percentage, never the content: a result may be a ticket or a qbXML
request), ``duration_ms``, with the ticket's short hash and the end-user as correlation keys — and
counts ``SoapCalls`` and ``SoapLatency`` (ms) by ``method``. An undecodable request counts under
``method=invalid``. The calls of an idle poll (:func:`idle_poll`) are the exception: an end-user's
Web Connector polls every 20 s whatever the work, so a line and a metrics document per call would be
most of the log volume and its cost (docs/benchmarks.md): they log at DEBUG, and the poll counts once,
as ``IdlePolls``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time

from chalice.app import Response

from chalicelib.jobs.security import ticket_end_user, ticket_hash
from chalicelib.observability import Metrics, bind, short_hash
from chalicelib.qbwc import calls as c
from chalicelib.qbwc.codec import (
    CONTENT_TYPE,
    FAULT_HTTP_STATUS,
    SoapFaultError,
    parse_call,
    render_fault,
    render_result,
)
from chalicelib.qbwc.service import NOOP, QbwcService, Result
from chalicelib.qbwc.wsdl import render_wsdl

log = logging.getLogger(__name__)
LAMBDA_EVENT_LIMIT = 6_291_456  # bytes: Lambda's synchronous invocation payload (the API Gateway event)
EVENT_OVERHEAD = 8_192  # the event around the body: headers, request context, stage variables
MAX_SOAP_BYTES = LAMBDA_EVENT_LIMIT  # nothing larger is parsed (it never reaches a deployed gateway)
_TICKET = re.compile(r"<(?:\w+:)?ticket>([^<]{1,300})</(?:\w+:)?ticket>")
TOO_LARGE_TEXT = ("qbd-gateway: QuickBooks' answer is too large to deliver ({size:,} bytes; the limit is "
                  "{limit:,}). The integration must ask for fewer records at a time; nothing else is lost.")


def fits_deployed(body: bytes) -> bool:
    """Would Lambda accept this request body inside its API Gateway event (JSON-escaped)?"""
    if len(body) + EVENT_OVERHEAD <= LAMBDA_EVENT_LIMIT // 2:
        return True  # JSON escaping at most doubles it: no need to measure
    return event_size(body) <= LAMBDA_EVENT_LIMIT


def event_size(body: bytes) -> int:
    return len(json.dumps(body.decode("utf-8", "replace"))) + EVENT_OVERHEAD


def result_kind(call: c.SoapCall, result: Result) -> str:
    """What a SOAP answer was, in a word safe to log (an answer can be a ticket or a qbXML request)."""
    if isinstance(call, c.Authenticate) and isinstance(result, list) and len(result) > 1:
        return result[1] if result[1] in ("nvu", "none", "busy") else "ok"
    if isinstance(call, c.SendRequestXML):
        return "request" if result else "empty"
    if isinstance(call, c.ReceiveResponseXML | c.QbwcConnectionError) and not isinstance(result, list):
        return str(result) if isinstance(result, int) or result in ("done", "") else "company_file"
    if isinstance(call, c.GetLastError):
        return NOOP if result == NOOP else "message"
    return "ok"


def _observe(metrics: Metrics, method: str, started: float, result: str, level: int = logging.INFO) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.put("SoapCalls", method=method)
    metrics.put("SoapLatency", round(elapsed_ms, 3), unit="Milliseconds", method=method)
    log.log(level, "SOAP call", extra={"result": result, "duration_ms": round(elapsed_ms, 1)})


def _too_large(service: QbwcService, body: bytes, started: float) -> Response:
    """A request the deployed path refuses: a fault, and (for an answer) its job dealt with now. The
    body is not parsed (a text node above 10 MB is refused by the parser itself): the ticket is read
    from the envelope's head, where the Web Connector puts it before the response."""
    size = event_size(body)
    head = body[:4096].decode("utf-8", "replace")
    method = "receiveResponseXML" if "receiveResponseXML" in head else "invalid"
    bind(method=method)
    log.warning("SOAP request above the deployed limit", extra={"bytes": size, "limit": LAMBDA_EVENT_LIMIT})
    found = _TICKET.search(head)
    if method == "receiveResponseXML" and found:
        ticket = html.unescape(found.group(1)).strip()
        bind(ticket_hash=short_hash(ticket_hash(ticket)))
        service.answer_too_large(ticket, size, LAMBDA_EVENT_LIMIT)
    _observe(service.metrics, method, started, "fault")
    return Response(body=render_fault(TOO_LARGE_TEXT.format(size=size, limit=LAMBDA_EVENT_LIMIT),
                                      "soap:Client").decode(),
                    status_code=FAULT_HTTP_STATUS, headers={"Content-Type": CONTENT_TYPE})


def handle_soap(service: QbwcService, body: bytes | None, soap_action: str | None) -> Response:
    started = time.perf_counter()
    if body and not fits_deployed(body):
        return _too_large(service, body, started)
    try:
        call = parse_call(body or b"", soap_action, max_bytes=MAX_SOAP_BYTES)
    except SoapFaultError as fault:
        bind(method="invalid")
        log.warning("SOAP request refused", extra={"reason": fault.reason})
        _observe(service.metrics, "invalid", started, "fault", logging.DEBUG)
        return Response(body=render_fault(fault.reason, fault.fault_code).decode(),
                        status_code=FAULT_HTTP_STATUS, headers={"Content-Type": CONTENT_TYPE})
    ticket = getattr(call, "ticket", "")
    bind(method=call.METHOD, ticket_hash=short_hash(ticket_hash(ticket)) if ticket else None)
    result = service.dispatch(call)
    try:
        payload = render_result(call.METHOD, result)
    except Exception:
        log.exception("could not render a SOAP result", extra={"method": call.METHOD})
        _observe(service.metrics, call.METHOD, started, "fault")
        return Response(body=render_fault("the server could not build its answer", "soap:Server").decode(),
                        status_code=FAULT_HTTP_STATUS, headers={"Content-Type": CONTENT_TYPE})
    kind = result_kind(call, result)
    if idle_poll(call, kind):  # counted once per poll, logged at DEBUG: most calls are these, and each line costs
        if kind == "none":
            service.metrics.put("IdlePolls")
        log.debug("SOAP call", extra={"result": kind, "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    else:
        _observe(service.metrics, call.METHOD, started, kind)
    return Response(body=payload.decode(), status_code=200, headers={"Content-Type": CONTENT_TYPE})


def idle_poll(call: c.SoapCall, kind: str) -> bool:
    """A call of a poll that found nothing to do (the versions, ``authenticate`` → ``none``, and the close of
    its ticket, which opened no session): logged at DEBUG, as most calls are these and a line costs."""
    if isinstance(call, c.ServerVersion | c.ClientVersion):
        return True
    if isinstance(call, c.Authenticate):
        return kind == "none"
    return isinstance(call, c.CloseConnection) and ticket_end_user(call.ticket) is None


def wsdl_response(endpoint_url: str) -> Response:
    return Response(body=render_wsdl(endpoint_url).decode(), status_code=200,
                    headers={"Content-Type": CONTENT_TYPE})
