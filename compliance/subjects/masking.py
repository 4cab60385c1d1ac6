"""Masked forms of personal data for callers without subjects:read_pii."""

from __future__ import annotations

from typing import Any


def mask_email(value: str | None) -> str | None:
    """i***@example.com"""
    if not value:
        return value
    local, at, domain = value.partition("@")
    if not at:
        return (value[:1] + "***") if value else value
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str | None) -> str | None:
    """+7 *** ***-**-67: country code and the last two digits survive."""
    if not value:
        return value
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) < 4:
        return "***"
    if value.strip().startswith("+") and digits.startswith("7"):
        return f"+7 *** ***-**-{digits[-2:]}"
    if value.strip().startswith("+"):
        return f"+{digits[: len(digits) - 10] or digits[:1]} *** ***-**-{digits[-2:]}"
    return f"*** ***-**-{digits[-2:]}"


def mask_text(value: Any) -> Any:
    """First letter and an ellipsis for names and free text; None and empty stay as they are."""
    if value is None or value == "":
        return value
    text = str(value)
    return text[:1] + "***"


def mask_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile with every personal value masked (country and gender are kept: too coarse to identify)."""
    out: dict[str, Any] = {}
    for key, value in profile.items():
        if key == "emails":
            out[key] = [mask_email(v) for v in value or []]
        elif key == "phones":
            out[key] = [mask_phone(v) for v in value or []]
        elif key in ("country", "gender"):
            out[key] = value
        elif key == "birth_date":
            out[key] = (str(value)[:4] + "-**-**") if value else value
        elif key == "channels":
            out[key] = {k: mask_text(v) for k, v in (value or {}).items()}
        elif key == "external_ids":
            out[key] = list(value or [])
        elif key == "custom":
            out[key] = {k: "***" for k in (value or {})}
        elif isinstance(value, list):
            out[key] = [mask_text(v) for v in value]
        else:
            out[key] = mask_text(value)
    return out
