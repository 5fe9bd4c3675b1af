"""Rendering: plain aligned tables and ``key  value`` records for people, JSON for scripts, errors.

A failure is always shown the same way — the gateway's error envelope's ``code``, ``message`` and
``user_facing_message`` — and ends the command with exit status 1 (:class:`Failure`).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Failure(Exception):
    """A command failed: ``error`` is shaped like the gateway's envelope (code, message, user_facing_message)."""

    def __init__(self, error: Mapping[str, Any], exit_code: int = 1) -> None:
        super().__init__(str(error.get("message") or error.get("code")))
        self.error = dict(error)
        self.exit_code = exit_code


def fail(code: str, message: str, user_facing_message: str | None = None, *, exit_code: int = 1) -> Failure:
    return Failure({"code": code, "message": message, "user_facing_message": user_facing_message},
                   exit_code=exit_code)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return str(value.get("code") or json.dumps(value, ensure_ascii=False))
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """``columns`` is ``(key, heading)``; cells are left-aligned, two spaces apart."""
    grid = [[heading.upper() for _key, heading in columns]]
    grid += [[cell(row.get(key)) for key, _heading in columns] for row in rows]
    widths = [max(len(line[i]) for line in grid) for i in range(len(columns))]
    return "\n".join("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
                     for line in grid)


def record(values: Mapping[str, Any], keys: Iterable[str] | None = None) -> str:
    """One record as aligned ``key  value`` lines."""
    names = list(keys) if keys is not None else list(values)
    width = max((len(name) for name in names), default=0)
    return "\n".join(f"{name.ljust(width)}  {cell(values.get(name))}" for name in names)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def show_failure(failure: Failure, as_json: bool) -> None:
    if as_json:
        emit_json({"error": failure.error})
        return
    err = failure.error
    click.echo(f"error: {err.get('code') or 'error'}: {err.get('message') or ''}".rstrip(), err=True)
    if err.get("user_facing_message"):
        click.echo(f"  user-facing message: {err['user_facing_message']}", err=True)
    for extra in ("http_status", "request_id"):
        if err.get(extra):
            click.echo(f"  {extra}: {err[extra]}", err=True)


def json_option(func: F) -> F:
    """Add ``--json`` to a command, and turn a :class:`Failure` into its report and exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Failure as failure:
            show_failure(failure, bool(kwargs.get("as_json")))
            sys.exit(failure.exit_code)

    option = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts) instead of a table.")
    return option(wrapper)  # type: ignore[return-value]
