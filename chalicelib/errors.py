"""One error root for the whole gateway: the mechanics of an error, not the list of errors.

Every failure the gateway reports — to the SaaS over REST and SQS, and to the bookkeeper through the
Web Connector's status column — is a :class:`GatewayError` built from an :class:`ErrorSpec`. A spec
carries the stable ``code``, the error ``type``, the HTTP status used on the REST edge, a
``user_facing_message`` written for a bookkeeper (what happened, then what to do), whether retrying
can help, a ``guide`` id naming the help article for the fix, and a technical ``description`` of the
condition. The technical ``message`` of a :class:`GatewayError` is per occurrence.

The specs themselves live in :mod:`chalicelib.catalog` (one module holds every error the gateway
can report); :data:`CATALOG` here is that catalog, looked up lazily so that either module may be
imported first without an import cycle.

Edges translate errors in exactly one place each: ``chalicelib/api/http.py`` (REST),
``chalicelib/qbwc/service.py`` (SOAP) and ``chalicelib/api/ingress.py`` (SQS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.catalog import CATALOG as CATALOG

ERROR_TYPES: frozenset[str] = frozenset({
    "connection_error",          # the Web Connector or QuickBooks could not be reached or opened
    "quickbooks_request_error",  # QuickBooks answered, and refused or could not run the request
    "invalid_request_error",     # the SaaS sent something the gateway refuses (nothing was stored)
    "authentication_error",      # a credential (API key, Web Connector password) was missing or wrong
    "internal_error",            # the gateway itself failed
})


@dataclass(frozen=True)
class ErrorSpec:
    """One entry of the catalog: everything about an error that does not change per occurrence.

    ``retryable`` means the same job, unchanged, can succeed if sent again later — at once for a
    transient condition, or once the bookkeeper has followed ``user_facing_message`` on the QuickBooks
    computer; it is False when the request must change or QuickBooks must be installed, upgraded or
    registered first. ``guide`` is the id of the help article for the fix (``docs/errors.md``).
    """

    code: str
    type: str
    http_status: int
    user_facing_message: str
    retryable: bool = False
    guide: str = ""
    description: str = ""


class GatewayError(Exception):
    """The root of every error the gateway raises on purpose."""

    def __init__(
        self,
        spec: ErrorSpec,
        message: str,
        *,
        integration_code: str | None = None,
        user_facing_message: str | None = None,
        job_id: str | None = None,
        allow: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.spec = spec
        self.message = message
        self.integration_code = integration_code
        self.user_facing_message = user_facing_message or spec.user_facing_message
        self.job_id = job_id  # the job a typed call ran as, when the error is that job's
        self.allow = allow  # a method_not_allowed's methods that the path does take (REST: the Allow header)

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def http_status(self) -> int:
        return self.spec.http_status

    def to_dict(self, request_id: str | None = None) -> dict[str, Any]:
        """The error object of the REST envelope and of the SQS result message."""
        return {
            "type": self.spec.type,
            "code": self.spec.code,
            "message": self.message,
            "user_facing_message": self.user_facing_message,
            "http_status": self.spec.http_status,
            "integration_code": self.integration_code,
            "retryable": self.spec.retryable,
            "guide": self.spec.guide,
            "request_id": request_id,
            **({"job_id": self.job_id} if self.job_id else {}),
        }


def error(code: str, message: str, **kwargs: Any) -> GatewayError:
    """Build the catalog error ``code`` with a technical ``message``."""
    from chalicelib.catalog import CATALOG

    return GatewayError(CATALOG[code], message, **kwargs)


def error_from_dict(data: dict[str, Any]) -> GatewayError:
    """A stored error object (a job's ``error``) as a raisable error again."""
    from chalicelib.catalog import CATALOG

    spec = CATALOG.get(str(data.get("code")), CATALOG["internal_error"])
    return GatewayError(spec, str(data.get("message", "")), integration_code=data.get("integration_code"),
                        user_facing_message=data.get("user_facing_message"))


def __getattr__(name: str) -> dict[str, ErrorSpec]:
    """``chalicelib.errors.CATALOG``: the catalog, imported on first use (PEP 562)."""
    if name == "CATALOG":
        from chalicelib.catalog import CATALOG

        return CATALOG
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
