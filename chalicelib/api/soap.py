"""The SOAP edge: bytes from the Web Connector in, a SOAP 1.1 envelope out.

Decoding problems (malformed XML, DOCTYPE/entities, unknown method) become a SOAP 1.1 Fault with a
short reason, sent with HTTP 500 as SOAP 1.1's HTTP binding prescribes (§6.2) so that .NET clients
such as the Web Connector read the fault's reason instead of a bare status line; the body is always a
SOAP envelope, never a stack trace. Everything the Web Connector can legitimately send is answered by
:class:`~chalicelib.qbwc.service.QbwcService` in protocol terms with HTTP 200.
"""

from __future__ import annotations

import logging

from chalice.app import Response

from chalicelib.qbwc.codec import (
    CONTENT_TYPE,
    FAULT_HTTP_STATUS,
    SoapFaultError,
    parse_call,
    render_fault,
    render_result,
)
from chalicelib.qbwc.service import QbwcService
from chalicelib.qbwc.wsdl import render_wsdl

log = logging.getLogger(__name__)
MAX_SOAP_BYTES = 10_000_000


def handle_soap(service: QbwcService, body: bytes | None, soap_action: str | None) -> Response:
    try:
        call = parse_call(body or b"", soap_action, max_bytes=MAX_SOAP_BYTES)
    except SoapFaultError as fault:
        log.warning("SOAP request refused", extra={"reason": fault.reason})
        return Response(body=render_fault(fault.reason, fault.fault_code).decode(),
                        status_code=FAULT_HTTP_STATUS, headers={"Content-Type": CONTENT_TYPE})
    result = service.dispatch(call)
    try:
        payload = render_result(call.METHOD, result)
    except Exception:
        log.exception("could not render a SOAP result", extra={"method": call.METHOD})
        return Response(body=render_fault("the server could not build its answer", "soap:Server").decode(),
                        status_code=FAULT_HTTP_STATUS, headers={"Content-Type": CONTENT_TYPE})
    return Response(body=payload.decode(), status_code=200, headers={"Content-Type": CONTENT_TYPE})


def wsdl_response(endpoint_url: str) -> Response:
    return Response(body=render_wsdl(endpoint_url).decode(), status_code=200,
                    headers={"Content-Type": CONTENT_TYPE})
