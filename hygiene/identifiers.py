"""Canonical forms of identifiers used for exact matching (blind indexes, suppression).

These forms are deliberately conservative: two inputs map to the same key only when they
are unambiguously the same identifier. Fuzzy equivalence belongs to the duplicate scorer.
"""

from __future__ import annotations

import re
import unicodedata

import idna

from hygiene import normalise
from hygiene.phones import phone_key

_EDGES = " \t\r\n<>\"'(),;:"  # what people and CRMs put around an address: <x@y>, "x@y", x@y;
_COMMENTS = re.compile(r"^\s*\([^()]*\)|\([^()]*\)\s*$")  # RFC 5322 comments before or after the address


def email_key(value: str | None) -> str | None:
    """Return the exact-match form of an email, or None if empty or confusable (email_confusable).

    One form for tombstones, blind indexes, lookups and consent by email, so no spelling of an address gets
    past what another spelling recorded: surrounding brackets, quotes and punctuation and a `mailto:` prefix
    stripped, Unicode NFKC (full-width "ｅｘａｍｐｌｅ" is "example"), lower case, and a domain in Unicode
    whether it was typed so or in punycode (xn--...). Lower case, not case folding: folding turns the German
    "ß" into "ss", another mailbox.
    """
    text = _stripped_email(value)
    if not text or _confusable(text):
        return None
    local, at, domain = unicodedata.normalize("NFKC", text).rpartition("@")
    if not at:
        return domain.lower()
    return f"{local.lower()}@{_unicode_domain(domain.lower())}"


def email_confusable(value: str | None) -> bool:
    """True when the local part holds a character that only looks like another one: a non-ASCII character
    whose compatibility form is ASCII (a Kelvin sign for "K", full-width letters, ligatures). Such an address
    is another mailbox to a mail server, but would match the ASCII one here: it is refused, not matched."""
    return _confusable(_stripped_email(value))


def _confusable(text: str) -> bool:
    # As typed: NFC already turns the Kelvin sign into "K". The local part ends at the last character that is
    # an "@" in compatibility form (a full-width "＠" too: that one is only a spelling).
    if text.isascii():
        return False  # nothing to confuse (the common case, on every import row and consent check)
    ats = [i for i, ch in enumerate(text) if unicodedata.normalize("NFKC", ch) == "@"]
    local = text[: ats[-1]] if ats else text
    return any(ord(ch) > 127 and unicodedata.normalize("NFKC", ch).isascii() for ch in local)


def _stripped_email(value: str | None) -> str:
    """The address without what surrounds it, as typed (not normalised: _confusable must see the original).

    Also the forms mail programs and CRMs write: `Name <addr>` (the address in the brackets), `addr (comment)`,
    a fully qualified domain with its trailing dot, and invisible format characters (zero-width space and
    joiners, soft hyphen, byte-order mark) that a copy and paste leaves inside an address."""
    text = "" if value is None else str(value)
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.strip()
    opening, closing = text.rfind("<"), text.rfind(">")
    if 0 < opening < closing:
        text = text[opening + 1 : closing]
    text = _COMMENTS.sub("", text).strip(_EDGES)
    while text[:7].lower() == "mailto:":
        text = text[7:].strip(_EDGES)
    return text.rstrip(".") if "@" in text else text


def _unicode_domain(domain: str) -> str:
    if "xn--" not in domain:
        return domain
    try:
        return idna.decode(domain)
    except idna.IDNAError:
        return domain  # not valid punycode: kept as typed (and flagged by validation)


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
