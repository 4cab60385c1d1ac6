"""Canonical forms of identifiers used for exact matching (blind indexes, suppression).

These forms are deliberately conservative: two inputs map to the same key only when they
are unambiguously the same identifier. Fuzzy equivalence belongs to the duplicate scorer.
"""

from __future__ import annotations

import unicodedata

from hygiene import normalise
from hygiene.phones import phone_key


def email_key(value: str | None) -> str | None:
    """Return the exact-match form of an email (trimmed, NFC, lower-cased) or None if empty."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip().strip("<>").strip()
    if not text:
        return None
    return text.lower()


def external_key(value: str | None) -> str | None:
    """Return the exact-match form of an external or channel id (trimmed, NFC, case kept)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def channel_key(channel: str, value: str | None) -> str | None:
    """Return the exact-match form of a messenger handle: leading @ removed, lower-cased."""
    text = external_key(value)
    if text is None:
        return None
    if channel in {"telegram", "instagram", "vk"}:
        text = text.lstrip("@").lower()
    elif channel in {"whatsapp", "viber"}:
        return phone_key(text) or text
    return text or None


def email_problem(value: str | None) -> str | None:
    """An issue code when a non-empty email is not syntactically valid (no network lookups), else None."""
    if not (value or "").strip():
        return None  # a missing email is not a problem of the email
    return normalise.email_problem(value)
