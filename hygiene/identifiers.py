"""Canonical forms of identifiers used for exact matching (blind indexes, suppression).

These forms are deliberately conservative: two inputs map to the same key only when they
are unambiguously the same identifier. Fuzzy equivalence belongs to the duplicate scorer.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import phonenumbers

from hygiene import normalise


def email_key(value: str | None) -> str | None:
    """Return the exact-match form of an email (trimmed, NFC, lower-cased) or None if empty."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value)).strip().strip("<>").strip()
    if not text:
        return None
    return text.lower()


def phone_key(value: str | None, default_region: str = "RU") -> str | None:
    """Return the phone in E.164 or None when it cannot be parsed as a possible number."""
    if value is None:
        return None
    return _phone_key(str(value), default_region)


# Parsing is the costly part of an import row and the same number is parsed for the index, the flags and
# the stored form: remember recent answers (pure function of its arguments).
@lru_cache(maxsize=65536)
def _phone_key(value: str, default_region: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    # Russian trunk prefix "8" written without a plus ("89123456789") is the national form of +7.
    if default_region.upper() == "RU" and not text.startswith("+") and len(digits) == 11 and digits[0] == "8":
        text = digits[1:]
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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


def valid_phone(value: str | None, default_region: str = "RU") -> str | None:
    """E.164 form of a phone number that is valid for its country, else None."""
    e164 = phone_key(value, default_region)
    if e164 is None:
        return None
    return e164 if _is_valid_e164(e164) else None


@lru_cache(maxsize=65536)
def _is_valid_e164(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164))


def phone_problem(value: str | None, default_region: str = "RU") -> str | None:
    """An issue code ("phone.not_possible", "phone.invalid") when a non-empty phone cannot be dialled, else None."""
    text = (value or "").strip()
    if not text:
        return None
    if phone_key(text, default_region) is None:
        return "phone.not_possible"
    if valid_phone(text, default_region) is None:
        return "phone.invalid"
    return None
