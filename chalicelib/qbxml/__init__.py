"""qbXML: the language QuickBooks Desktop speaks, handled without any I/O.

* :mod:`.versions` — qbXML versions and choosing one per company file;
* :mod:`.schema` — Intuit's XSDs, loaded lazily, to validate what we send;
* :mod:`.text` — ISO-8859-1 rules: normalise typographic characters, refuse the rest;
* :mod:`.requests` — a job's qbXML checked on acceptance, and the message set built from it;
* :mod:`.responses` — QuickBooks' answers read into per-request results;
* :mod:`.status` — what a ``statusCode`` means (ok, no match, info, warning, error, retryable);
* :mod:`.hcp` — the host/company/preferences answer of a session's first ``sendRequestXML``.

This package imports neither boto3, botocore nor chalice.
"""

from chalicelib.qbxml.hcp import HostCompanyInfo, parse_hcp_response
from chalicelib.qbxml.requests import (
    MAX_REQUEST_ID_CHARS,
    MAX_REQUESTS,
    JobRequests,
    build_message_set,
    company_query_request,
    parse_job_qbxml,
    request_ids,
    stored_requests,
    validate_job,
)
from chalicelib.qbxml.responses import MessageSetResponse, RequestResult, parse_response
from chalicelib.qbxml.schema import SchemaCatalog, SchemaViolation
from chalicelib.qbxml.status import RETRYABLE_STATUS_CODES, StatusClass, classify_status
from chalicelib.qbxml.versions import DEFAULT_VERSION, DEFAULT_VERSIONS, QbxmlVersion, choose_version

__all__ = [
    "DEFAULT_VERSION",
    "DEFAULT_VERSIONS",
    "MAX_REQUESTS",
    "MAX_REQUEST_ID_CHARS",
    "RETRYABLE_STATUS_CODES",
    "HostCompanyInfo",
    "JobRequests",
    "MessageSetResponse",
    "QbxmlVersion",
    "RequestResult",
    "SchemaCatalog",
    "SchemaViolation",
    "StatusClass",
    "build_message_set",
    "choose_version",
    "classify_status",
    "company_query_request",
    "parse_hcp_response",
    "parse_job_qbxml",
    "parse_response",
    "request_ids",
    "stored_requests",
    "validate_job",
]
