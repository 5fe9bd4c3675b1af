"""The Web Connector's endpoint as a Lambda Function URL: the same SOAP service, without API Gateway.

The Web Connector polls every ``RunEveryNSeconds`` (20 s by default) whether or not there is work:
four HTTP requests per idle poll (``serverVersion``, ``clientVersion``, ``authenticate``,
``closeConnection``), about 518,000 a month per end-user. Through the REST API each costs $3.50 per
million — most of what an end-user costs (docs/benchmarks.md, "Cost per end-user"). A Function URL
has no per-request charge, so the deployed stack serves the Web Connector from one
(``WebConnector``, ``infra/package.py``) and the ``.qwc`` files point there; the REST API keeps the
SaaS routes (API keys, throttling, the custom domain) and its own ``/qbwc`` for ``.qwc`` files handed
out before.

:func:`handle` turns a Function URL event (payload format 2.0) into
:func:`chalicelib.api.soap.handle_soap`'s request and its :class:`~chalice.app.Response` into the
Function URL's answer: ``POST`` (any path) is a SOAP call; ``GET`` is a page — the WSDL, or at
``/support`` the AppSupport page, which the Web Connector wants on the host of ``AppURL`` (QBWC1000);
anything else is 405. The body arrives base64-encoded when the client sent it so; a body that cannot
be decoded, and any error on the way, is a SOAP fault: the Web Connector never sees a stack trace.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Response

from chalicelib.qbwc.codec import CONTENT_TYPE, FAULT_HTTP_STATUS, render_fault

log = logging.getLogger(__name__)

SoapHandler = Callable[[bytes, str | None], Response]
PageHandler = Callable[[str, str], Response]  # (path, this endpoint's https base URL) → the page


def handle(event: Mapping[str, Any], soap: SoapHandler, page: PageHandler) -> dict[str, Any]:
    """One Function URL invocation: the answer as the Function URL wants it (statusCode, headers, body)."""
    try:
        http = (event.get("requestContext") or {}).get("http") or {}
        method = str(http.get("method", "")).upper()
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        if method == "POST":
            return _answer(soap(_body(event), headers.get("soapaction")))
        if method == "GET":
            domain = (event.get("requestContext") or {}).get("domainName") or headers.get("host", "")
            return _answer(page(str(http.get("path") or "/"), f"https://{domain}"))
        return {"statusCode": 405, "headers": {"Allow": "GET, POST", "Content-Type": "text/plain"},
                "body": "the Web Connector endpoint answers POST (SOAP) and GET (its WSDL)"}
    except _BadBody as exc:
        return _fault(str(exc), FAULT_HTTP_STATUS)
    except Exception:  # never a stack trace to the Web Connector: a fault it shows, the detail in our log
        log.exception("the Web Connector's Function URL could not answer")
        return _fault("temporary problem on the server; nothing was lost, try again shortly", FAULT_HTTP_STATUS,
                      "soap:Server")


class _BadBody(ValueError):
    pass


def _body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise _BadBody("the request body is not text")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise _BadBody("the request body is not valid base64") from None
    return body.encode("utf-8")


def _answer(response: Response) -> dict[str, Any]:
    body = response.body
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    return {"statusCode": response.status_code, "headers": dict(response.headers or {}), "body": text}


def _fault(reason: str, status: int, code: str = "soap:Client") -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": CONTENT_TYPE},
            "body": render_fault(reason, code).decode("utf-8")}
