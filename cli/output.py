"""Rendering results: one JSON document on stdout with --json, readable text otherwise; errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


def emit(ctx: click.Context, data: Any, text: str | None = None) -> None:
    """Print a result as JSON (with --json) or as text."""
    if wants_json(ctx):
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        click.echo(text)
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def one_line(value: Any) -> str:
    """A value on one line of a table: list items and map entries joined with commas, nothing as ''."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}:{v}" for k, v in value.items())
    return "" if value is None else str(value)


def wants_json(ctx: click.Context) -> bool:
    """True when --json was given on the command or the root group."""
    node: click.Context | None = ctx
    while node is not None:
        if node.params.get("as_json"):
            return True
        node = node.parent
    return False


def note(message: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays machine-readable)."""
    click.echo(message, err=True)


def stderr_is_tty() -> bool:
    """True when progress bars make sense."""
    return sys.stderr.isatty()
