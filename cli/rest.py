"""A small client for the gateway's REST API (standard library only), as the CLI's REST-side commands use it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import click

from cli.output import Failure, fail

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_URL = "http://127.0.0.1:8000"


class Gateway:
    def __init__(self, url: str, api_key: str | None, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> bytes:
        """The response body of a 2xx answer; anything else raises :class:`Failure` with the envelope."""
        if not self.api_key:
            raise fail("missing_api_key", "no API key: pass --api-key or set QBDGW_API_KEY")
        all_headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        request = urllib.request.Request(f"{self.url}{path}", data=data, headers=all_headers,  # noqa: S310
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (operator's URL)
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            raise _envelope_failure(exc.code, exc.read()) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise fail("gateway_unreachable", f"cannot reach {self.url}: {reason}",
                       "The gateway did not answer; check --url / QBDGW_URL.") from None

    def json(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        raw = self.call(method, path, body, headers)
        try:
            return json.loads(raw)
        except ValueError:
            raise fail("invalid_response", f"{method} {path} did not answer JSON: {raw[:200]!r}") from None


def _envelope_failure(status: int, raw: bytes) -> Failure:
    try:
        error = json.loads(raw)["error"]
        if isinstance(error, dict):
            return Failure({"http_status": status, **error})
    except (ValueError, KeyError, TypeError):
        pass
    text = raw.decode("utf-8", "replace").strip()[:300]
    return fail(f"http_{status}", f"HTTP {status}: {text or 'no body'}")


def rest_options(func: F) -> F:
    """``--url`` and ``--api-key`` (from ``QBDGW_URL`` / ``QBDGW_API_KEY``), handed on as ``gateway``."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, url: str, api_key: str | None, **kwargs: Any) -> Any:
        return func(*args, gateway=Gateway(url, api_key), **kwargs)

    wrapper = click.option("--api-key", envvar="QBDGW_API_KEY", default=None, show_envvar=True,
                           help="API key (Bearer).")(wrapper)
    wrapper = click.option("--url", envvar="QBDGW_URL", default=DEFAULT_URL, show_default=True, show_envvar=True,
                           help="The gateway's base URL.")(wrapper)
    return wrapper  # type: ignore[return-value]
