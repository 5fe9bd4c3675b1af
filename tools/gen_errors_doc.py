"""Generate ``docs/errors.md`` from the error catalog, so the reference can never drift from the code.

    python -m tools.gen_errors_doc            # (re)write docs/errors.md
    python -m tools.gen_errors_doc --check    # exit 1 if docs/errors.md is not what the catalog renders

The page explains the error envelope, then lists every entry of :data:`chalicelib.errors.CATALOG`,
one table per error ``type``: code, HTTP status, whether retrying can help, the ``user_facing_message``
and — when any entry of the catalog has them — the other text fields of
:class:`~chalicelib.errors.ErrorSpec` (such as a technical description or a guide id). Nothing here
names a particular error: entries, types and spec fields added to the catalog appear on the next run.
``tests/unit/test_docs.py`` fails when the committed page and the catalog disagree.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOC_PATH = REPO / "docs" / "errors.md"

# Types in the order a reader meets them; a type not listed here follows, alphabetically.
TYPE_ORDER = (
    "invalid_request_error",
    "authentication_error",
    "connection_error",
    "quickbooks_request_error",
    "internal_error",
)
TYPE_TEXT = {
    "invalid_request_error": "The SaaS sent something the gateway refuses. A refused enqueue stores nothing; "
                             "fix the request before sending it again.",
    "authentication_error": "A credential was missing or wrong.",
    "connection_error": "The Web Connector or QuickBooks could not be reached, or could not open the company "
                        "file. These are the everyday conditions of a Windows machine in an office; the "
                        "user-facing message says what to do on that computer.",
    "quickbooks_request_error": "QuickBooks answered, and refused the request or could not run it.",
    "internal_error": "The gateway itself failed.",
}

# What each key of the error object means; a key the code adds later is listed without a description
# until one is written here (the page then differs from the committed one, and the test says so).
ENVELOPE_FIELDS = {
    "type": "the family of the error (the headings below)",
    "code": "stable, machine-readable; branch on this",
    "message": "technical, per occurrence; for logs and support, not for end-users",
    "user_facing_message": "for the bookkeeper: what happened, then what to do",
    "http_status": "the HTTP status of the REST response (also present in stored and SQS errors)",
    "integration_code": "what QuickBooks itself said: the qbXML `statusCode` or the HRESULT; otherwise null",
    "retryable": "true when the same job, unchanged, can succeed later — at once for a passing condition, "
                 "or after the bookkeeper followed `user_facing_message`",
    "guide": "id of the help topic for the fix",
    "request_id": "the API Gateway request id on REST responses; null in stored and SQS errors",
}

# ErrorSpec fields with their own columns (in this order); other str fields become extra columns.
_CORE = ("code", "type", "http_status", "retryable", "user_facing_message")


def _cell(value: Any) -> str:
    """A value as one Markdown table cell: one line, pipes escaped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split())
    return text.replace("|", "\\|") if text else "—"


def _title(field: str) -> str:
    return field.replace("_", " ").capitalize()


def _extra_fields(specs: Iterable[Any]) -> list[str]:
    """Text fields of the spec class, beyond the core ones, that at least one entry fills in."""
    specs = list(specs)
    if not specs:
        return []
    names = [f.name for f in dataclasses.fields(specs[0]) if f.name not in _CORE]
    names.sort(key=lambda name: name != "description")  # the technical description first, then the rest
    return [name for name in names if any(isinstance(getattr(s, name), str) and getattr(s, name) for s in specs)]


def _types(specs: Iterable[Any]) -> list[str]:
    present = {spec.type for spec in specs}
    return [t for t in TYPE_ORDER if t in present] + sorted(present - set(TYPE_ORDER))


def _envelope_keys(catalog: Mapping[str, Any]) -> list[str]:
    """The keys of the error object, read from the code (``GatewayError.to_dict``)."""
    from chalicelib.errors import GatewayError

    spec = next(iter(catalog.values()))
    return list(GatewayError(spec, "example").to_dict("req-example").keys())


def render(catalog: Mapping[str, Any]) -> str:
    """The whole of ``docs/errors.md`` for ``catalog`` (code → ErrorSpec)."""
    specs = sorted(catalog.values(), key=lambda s: s.code)
    extras = _extra_fields(specs)
    keys = _envelope_keys(catalog) if catalog else list(ENVELOPE_FIELDS)
    example = ", ".join(keys)
    out: list[str] = [
        "# Errors",
        "",
        "<!-- Generated by `python -m tools.gen_errors_doc` from `chalicelib.errors.CATALOG`. Do not edit by hand:",
        "     change the catalog, then run the generator. tests/unit/test_docs.py fails when this page is stale. -->",
        "",
        "Every failure the gateway reports carries a stable `code`, a technical `message` and a",
        "`user_facing_message` written for the bookkeeper: what happened, then what to do. Show the",
        "`user_facing_message` to your end-user as it is, and branch on `code`, never on message text.",
        "",
        "## The error object",
        "",
        f"REST answers a refused request with `{{\"error\": {{{example}}}}}` and that HTTP status:",
        "",
        "| key | meaning |",
        "|---|---|",
        *[f"| `{key}` | {_cell(ENVELOPE_FIELDS.get(key, ''))} |" for key in keys],
        "",
        "`integration_code` carries QuickBooks' own code when QuickBooks gave one: the `statusCode` of the",
        "qbXML response (for example `3100`, a name already in use) when QuickBooks answered and refused, or",
        "the HRESULT (for example `0x80040408`) when the Web Connector could not reach QuickBooks or",
        "QuickBooks could not run the request. It is null for errors the gateway found itself.",
        "",
        "## Where the messages show up",
        "",
        "- **REST** — a refused request (bad body, invalid qbXML, unknown end-user, missing API key …)",
        "  gets the error object above with its HTTP status. A refused enqueue stores nothing.",
        "- **SQS result messages and `GET /v1/jobs/{id}`** — a job that failed after it was accepted",
        "  (`failed`, `expired`, `cancelled`) carries the same object under `error` (`request_id` is",
        "  null). A write that QuickBooks may or may not have saved is `in_doubt` with its error; that",
        "  state shows over REST only, and the result message follows once the next session settles it.",
        "- **`GET /v1/end-users/{id}`** — the most recent error is `last_error`, with `occurred_at`; while",
        "  it is newer than `last_successful_sync_at` the status is `degraded`. A request QuickBooks answered",
        "  with an error status (a `quickbooks_request_error` such as `name_already_in_use`) is also the last",
        "  sync, at the same instant: QuickBooks answered, so the status stays `connected`.",
        "- **The Web Connector's status column** — when QuickBooks could not be reached or could not run",
        "  a job, the gateway hands the `user_facing_message` to the Web Connector (`getLastError`,",
        "  `closeConnection`), so the bookkeeper sees the same advice on the QuickBooks computer.",
        "- **SQS ingress dead-letter queue** — a message that can never be enqueued is moved there with",
        "  the message attributes `error_code` (the `code`) and `reason` (the `message`).",
        "",
        "## The catalog",
        "",
        f"{len(specs)} errors, grouped by `type`. *Retryable* is the `retryable` field above.",
    ]
    header = ["code", "HTTP", "retryable", "user-facing message", *(_title(f) for f in extras)]
    for error_type in _types(specs):
        rows = [s for s in specs if s.type == error_type]
        out += ["", f"### `{error_type}`", ""]
        if error_type in TYPE_TEXT:
            out += [TYPE_TEXT[error_type], ""]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for spec in rows:
            cells = [f"`{spec.code}`", str(spec.http_status), _cell(bool(spec.retryable)),
                     _cell(spec.user_facing_message), *(_cell(getattr(spec, f)) for f in extras)]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def current() -> str:
    """The page for the catalog as the code holds it now."""
    from chalicelib.errors import CATALOG

    return render(CATALOG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gen_errors_doc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs; write nothing")
    parser.add_argument("--output", type=Path, default=DOC_PATH, help="where the page goes (docs/errors.md)")
    args = parser.parse_args(argv)
    text = current()
    if args.check:
        existing = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if existing != text:
            print(f"{args.output} is out of date with chalicelib.errors.CATALOG: run python -m tools.gen_errors_doc",
                  file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
