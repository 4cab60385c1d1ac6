"""Opaque cursors and page-size limits for list routes."""

from __future__ import annotations

import base64
import json
from typing import Any

from compliance.errors import Invalid


def encode(value: Any) -> str | None:
    """An opaque cursor for a position (None when there is no next page)."""
    if value is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode(cursor: str | None) -> Any:
    """The position inside a cursor; Invalid names the parameter when it is not one of ours."""
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, json.JSONDecodeError):
        raise Invalid("the cursor is not valid", errors=[{"field": "cursor", "code": "cursor.invalid"}]) from None


def check_limit(limit: int, maximum: int) -> int:
    """The page size, refused above the configured maximum."""
    if limit > maximum:
        raise Invalid(f"limit may be at most {maximum}", errors=[{"field": "limit", "code": "limit.too_large"}])
    return limit
