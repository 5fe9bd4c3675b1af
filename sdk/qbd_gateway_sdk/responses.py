"""QuickBooks' answer to a job, wherever the gateway put it: inline or in the payload bucket.

A result message (:class:`~qbd_gateway_sdk.models.ResultMessage`) and a job view
(:class:`~qbd_gateway_sdk.models.JobView`) carry the answer inline in ``response_qbxml`` — unless it
was too large for the job item or the SQS message (``QBDGW_INLINE_RESULT_MAX_BYTES`` on the gateway).
Then ``response_qbxml`` is ``None`` and ``response_s3_uri`` is ``s3://<bucket>/results/<end user>/<job>.xml``
(``…/<job>.p<page>.xml`` for one page of a paged query): a UTF-8 XML object that the bucket's lifecycle
rule deletes after 35 days. :func:`fetch_response` returns the text either way, reading the object with
``s3:GetObject`` through the boto3 S3 client you pass. Every failure is a
:class:`~qbd_gateway_sdk.errors.QbdGatewayError`: ``response_fetch_failed`` when the object cannot be
read (``retryable`` unless it is gone or access is denied; ``integration_code`` is S3's error code),
``unexpected_response`` when the URI or the object's bytes are not what the gateway writes.
"""

from __future__ import annotations

from typing import Any

from qbd_gateway_sdk.errors import QbdGatewayError
from qbd_gateway_sdk.models import JobView, ResultMessage

S3_SCHEME = "s3://"
# S3 error codes that another attempt will not cure (the object expired, the bucket is gone, no permission).
PERMANENT_S3_ERRORS = frozenset({"NoSuchKey", "NoSuchBucket", "AccessDenied", "404", "403"})


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    bucket, _, key = uri[len(S3_SCHEME):].partition("/") if uri.startswith(S3_SCHEME) else ("", "", "")
    if not bucket or not key:
        raise QbdGatewayError("unexpected_response", f"response_s3_uri is not an s3://bucket/key URI: {uri!r}")
    return bucket, key


def fetch_response(result: ResultMessage | JobView, s3_client: Any) -> str | None:
    """The answer's qbXML: ``response_qbxml`` when it is inline (S3 is not called), else the text of the
    object at ``response_s3_uri``, else ``None`` (no answer: queued, failed before QuickBooks, omitted)."""
    if result.response_qbxml is not None:
        return result.response_qbxml
    if not result.response_s3_uri:
        return None
    uri = result.response_s3_uri
    bucket, key = parse_s3_uri(uri)
    try:
        body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        code = _s3_error_code(exc)
        raise QbdGatewayError("response_fetch_failed", f"cannot read {uri}: {exc}", integration_code=code,
                              retryable=code not in PERMANENT_S3_ERRORS) from exc
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QbdGatewayError("unexpected_response", f"{uri} is not UTF-8 text: {exc}") from exc


def default_s3_client() -> Any:
    """A boto3 S3 client from the environment's credentials and region (boto3 comes with ``[consumer]``)."""
    try:
        import boto3
    except ImportError as exc:
        raise QbdGatewayError("s3_client_unavailable", "reading an answer from S3 needs boto3: "
                              "pip install 'qbd-gateway-sdk[consumer]', or pass your own s3_client") from exc
    return boto3.client("s3")


def _s3_error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None
