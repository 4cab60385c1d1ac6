"""API keys in a GitHub-style, scanner-friendly format, stored only as hashes.

Format (40 characters)::

    csk_ XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX CCCCCC
    |    |                              |
    |    30 random base62 characters    6 base62 characters: CRC32 of the 30 random characters
    prefix "csk_" (Consentry secret key)

- base62 alphabet ``0-9A-Za-z`` in that order (digit value 0..61). The checksum is
  ``zlib.crc32(random.encode("ascii"))`` written big-endian in base62, left-padded with ``0`` to 6 chars
  (62**6 > 2**32, so decoded values >= 2**32 are invalid).
- The random part comes from :mod:`secrets` (30 * log2(62) ~ 178.6 bits).
- ``prefix_id`` = the first 8 random characters: a public handle for lookup and display
  (``csk_AbCd1234…wxyz``). What stays secret after prefix_id is disclosed: 22 chars ~ 131 bits, so a plain
  SHA-256 of the whole key (``hash``, hex) is what gets stored; no slow hash is needed.
- ``last4`` = the last 4 characters of the key (part of the checksum), shown to help people tell keys apart.
- The checksum lets clients, the API and secret scanners reject typos and garbage offline, before any
  database lookup. CRC32 detects every single-character substitution and every adjacent transposition in
  the random part; a change in the checksum part changes its value; a change of length or prefix fails
  parsing.
- :data:`KEY_RE` / :func:`looks_like_key` find keys in text for secret scanners; :func:`redact` removes
  them from log lines. Objects of this module never show the secret in their ``repr``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

PREFIX = "csk_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LEN = 30
CHECKSUM_LEN = 6
PREFIX_ID_LEN = 8
KEY_LEN = len(PREFIX) + RANDOM_LEN + CHECKSUM_LEN  # 40

_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_BODY_RE = re.compile(rf"[0-9A-Za-z]{{{RANDOM_LEN + CHECKSUM_LEN}}}")
# For scanners: a whole key, not part of a longer token.
KEY_RE = re.compile(rf"(?<![0-9A-Za-z_])csk_[0-9A-Za-z]{{{RANDOM_LEN + CHECKSUM_LEN}}}(?![0-9A-Za-z])")
# For redaction: deliberately looser (truncated, over-long or glued-on keys are still secrets).
_REDACT_RE = re.compile(r"csk_[0-9A-Za-z]{8,}")


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key. ``secret`` is shown once to its owner and never stored."""

    secret: str = field(repr=False)
    prefix_id: str
    last4: str
    hash: str = field(repr=False)

    @property
    def display(self) -> str:
        """A safe label such as ``csk_AbCd1234…wxyz``."""
        return display(self.prefix_id, self.last4)


@dataclass(frozen=True)
class ParsedKey:
    """The parts of a syntactically valid key (the checksum may still be wrong: see ``checksum_valid``)."""

    prefix_id: str
    random: str = field(repr=False)
    checksum: str = field(repr=False)
    last4: str
    checksum_valid: bool


def _encode62(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, rem = divmod(value, 62)
        digits.append(ALPHABET[rem])
    if value:
        raise ValueError("value does not fit")
    return "".join(reversed(digits))


def _decode62(text: str) -> int:
    value = 0
    for ch in text:
        value = value * 62 + _INDEX[ch]
    return value


def checksum_of(random_part: str) -> str:
    """The 6-character base62 CRC32 of the random part."""
    return _encode62(zlib.crc32(random_part.encode("ascii")), CHECKSUM_LEN)


def generate() -> NewKey:
    """A new random key with its display handle and storage hash."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LEN))
    secret = PREFIX + random_part + checksum_of(random_part)
    return NewKey(secret=secret, prefix_id=random_part[:PREFIX_ID_LEN], last4=secret[-4:], hash=hash_key(secret))


def parse(secret: Any) -> ParsedKey | None:
    """Split a key into its parts; None for anything that is not ``csk_`` + 36 base62 chars. Never raises."""
    if not isinstance(secret, str) or len(secret) != KEY_LEN or not secret.startswith(PREFIX):
        return None
    body = secret[len(PREFIX) :]
    if not _BODY_RE.fullmatch(body):
        return None
    random_part, checksum = body[:RANDOM_LEN], body[RANDOM_LEN:]
    valid = hmac.compare_digest(checksum_of(random_part), checksum)
    return ParsedKey(
        prefix_id=random_part[:PREFIX_ID_LEN],
        random=random_part,
        checksum=checksum,
        last4=secret[-4:],
        checksum_valid=valid,
    )


def checksum_ok(secret: Any) -> bool:
    """True only for a well-formed key whose checksum matches (offline typo/garbage rejection)."""
    parsed = parse(secret)
    return parsed is not None and parsed.checksum_valid


def hash_key(secret: str) -> str:
    """Hex SHA-256 of the whole key: the only form that is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: Any, stored_hash: Any) -> bool:
    """Constant-time check of a presented key against a stored hash. Never raises."""
    if not isinstance(secret, str) or not isinstance(stored_hash, str) or len(secret) > 4 * KEY_LEN:
        return False
    try:
        return hmac.compare_digest(hash_key(secret).encode("ascii"), stored_hash.lower().encode("ascii"))
    except (UnicodeError, ValueError):
        return False


def display(prefix_id: str, last4: str) -> str:
    """A label that identifies a key without revealing it."""
    return f"{PREFIX}{prefix_id}\u2026{last4}"


def looks_like_key(text: Any) -> bool:
    """True when the text contains something shaped like a key (regex only, for scanners and log guards)."""
    return isinstance(text, str) and KEY_RE.search(text) is not None


def find_keys(text: Any) -> list[str]:
    """Every key-shaped token in the text whose checksum also matches (few false positives)."""
    if not isinstance(text, str):
        return []
    return [m.group(0) for m in KEY_RE.finditer(text) if checksum_ok(m.group(0))]


def redact(text: str) -> str:
    """Replace anything key-like with ``csk_<prefix_id>…[redacted]`` (the public handle only)."""
    return _REDACT_RE.sub(lambda m: f"{m.group(0)[: len(PREFIX) + PREFIX_ID_LEN]}\u2026[redacted]", text)


__all__ = [
    "ALPHABET",
    "KEY_LEN",
    "KEY_RE",
    "PREFIX",
    "NewKey",
    "ParsedKey",
    "checksum_ok",
    "checksum_of",
    "display",
    "find_keys",
    "generate",
    "hash_key",
    "looks_like_key",
    "matches",
    "parse",
    "redact",
]
