"""Public identifiers: a type prefix and random base32 text (sub_…, req_…, cev_…, prn_…)."""

from __future__ import annotations

import base64
import os

PREFIXES = {"sub", "pur", "int", "req", "cev", "cand", "mrg", "prn", "imp", "job", "key", "run", "hst", "fil"}


def new_id(prefix: str) -> str:
    """Return a fresh public id with the given prefix and 80 random bits."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}_{base64.b32encode(os.urandom(10)).decode().lower()}"


def has_prefix(value: str, prefix: str) -> bool:
    """True when the text looks like an id of that kind."""
    return isinstance(value, str) and value.startswith(prefix + "_") and 4 < len(value) <= 40
