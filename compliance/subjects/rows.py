"""Reading one raw import row (CSV or JSON cells under any known header) into a profile and its problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.subjects.shape import KINDS, clean_phone, confusable_problems, empty_profile, has_identity
from compliance.subjects.tabular import canonical_header
from hygiene.fullname import split_full_name
from hygiene.profile import CHANNELS, TEXT_FIELDS

_SCALARS = (str, int, float)  # cell types read as text (a tuple: isinstance is slower with a union)


def canonical_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a raw row into canonical columns and unknown columns (kept as custom attributes)."""
    known: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in raw.items():
        if key is None:
            continue
        canon = canonical_header(str(key))
        if canon is None:
            if value not in (None, ""):
                custom[str(key)] = value
        elif canon not in known or known[canon] in (None, ""):
            known[canon] = value
    return known, custom


@dataclass
class RowParts:
    """One raw row, read: the profile, its kind, source and creation time, and problems (fields and codes)."""

    profile: dict[str, Any]
    kind: str
    source: str | None
    created_at: str | None
    problems: list[dict[str, str]]


def row_profile(raw: dict[str, Any], region: str) -> RowParts:
    """Read one raw row; problems name fields and codes only, never values."""
    problems: list[dict[str, str]] = []
    row, custom = canonical_row(raw)
    profile = empty_profile()

    def text(key: str) -> str | None:
        value = row.get(key)
        if value is None:
            return None
        if not isinstance(value, _SCALARS):
            problems.append({"field": key, "code": "type.string"})
            return None
        value = str(value).strip()
        return value or None

    for key in TEXT_FIELDS:
        profile[key] = text(key)
    full = text("full_name")
    if full and not (profile["first_name"] or profile["last_name"]):
        parts = split_full_name(full)
        profile["first_name"] = parts.get("first_name")
        profile["last_name"] = parts.get("last_name")
        profile["middle_name"] = profile["middle_name"] or parts.get("middle_name")
    profile["emails"] = list(dict.fromkeys(v for v in (text("email"), text("email_2")) if v))
    problems += confusable_problems(profile["emails"], "email")
    profile["phones"] = list(dict.fromkeys(clean_phone(v, region) for v in (text("phone"), text("phone_2")) if v))
    ext = text("external_id")
    profile["external_ids"] = [ext] if ext else []
    profile["channels"] = {c: v for c in CHANNELS if (v := text(c))}
    profile["custom"] = {k: v for k, v in custom.items() if isinstance(v, str | int | float | bool)}
    kind = (text("kind") or "person").lower()
    if kind in ("b2b", "company", "contact", "компания", "юрлицо"):
        kind = "b2b"
    elif kind in ("person", "individual", "физлицо", "частное лицо"):
        kind = "person"
    if kind not in KINDS:
        problems.append({"field": "kind", "code": "kind.unknown"})
    if not has_identity(profile):
        problems.append({"field": "row", "code": "row.no_identifier"})
    return RowParts(profile, kind, text("source"), text("created_at"), problems)
