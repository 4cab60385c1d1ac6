"""Survivorship: build the golden record of a cluster of duplicates.

Scalars: a valid value beats an invalid one; then, by default, the most recent record, the preferred
source and the most complete value (names prefer the full form over a diminutive). Lists (emails,
phones) are unioned and de-duplicated by their exact-match key; messenger channels are unioned.
Restricted wins: if any duplicate is restricted, the merged record is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from hygiene.identifiers import channel_key, email_key
from hygiene.names import given_name_groups, patronymic_gender
from hygiene.normalise import (
    normalise_birth_date,
    normalise_country,
    normalise_email,
    normalise_gender,
    normalise_postcode,
)
from hygiene.phones import phone_key, valid_phone
from hygiene.profile import TEXT_FIELDS
from hygiene.translit import skeleton

SCALAR_FIELDS = ("kind", *TEXT_FIELDS)
DEFAULT_ORDER = ("valid", "recent", "source", "complete")
# Names: the full form ("Александр") should beat a newer diminutive ("Саша").
FIELD_ORDER = {
    "first_name": ("valid", "complete", "recent", "source"),
    "middle_name": ("valid", "complete", "recent", "source"),
}


def _valid(field: str, value: Any, record: Mapping[str, Any], today: date | None) -> bool:
    if field == "birth_date":
        return normalise_birth_date(str(value), today) is not None
    if field == "gender":
        return normalise_gender(str(value)) is not None
    if field == "country":
        return normalise_country(str(value)) is not None
    if field == "postcode":
        return normalise_postcode(str(value), normalise_country(record.get("country"))) is not None
    if field == "middle_name":
        return patronymic_gender(str(value)) is not None
    return True


def _completeness(field: str, value: Any) -> tuple[int, int]:
    text = str(value)
    if field == "first_name":
        # A canonical full name scores above its diminutives.
        canonical = any(skeleton(c) == skeleton(text) for c in given_name_groups(text))
        return int(canonical), len(text)
    return 0, len(text.strip())


def _rank(
    field: str, value: Any, record: Mapping[str, Any], position: int, rules: Mapping[str, Any], today: date | None
) -> tuple:
    priority = list(rules.get("source_priority") or [])
    source = record.get("source")
    source_rank = -priority.index(source) if source in priority else -len(priority)
    parts = {
        "valid": int(_valid(field, value, record, today)),
        "recent": str(record.get("updated_at") or ""),
        "source": source_rank,
        "complete": _completeness(field, value),
    }
    order = (rules.get("field_order") or {}).get(field) or FIELD_ORDER.get(field) or rules.get("order") or DEFAULT_ORDER
    # Earlier position wins the final tie so the result does not depend on set ordering.
    return (*(parts[p] for p in order), -position)


def _union(values: Sequence[Any], key: Callable[[Any], str | None], clean: Callable[[Any], Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value is None or not str(value).strip():
            continue
        k = key(value) or str(value).strip()
        if k not in seen:
            seen.add(k)
            out.append(clean(value))
    return out


def survive(records: Sequence[Mapping[str, Any]], rules: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge duplicate records into one plain record following survivorship `rules`.

    rules: {"source_priority": [...], "order": [...], "field_order": {field: [...]},
    "default_region": "RU", "today": date}; all optional.
    """
    return survive_with_provenance(records, rules)[0]


def survive_with_provenance(
    records: Sequence[Mapping[str, Any]], rules: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Like survive(), also returning field -> id of the record whose value won."""
    if not records:
        raise ValueError("survive() needs at least one record")
    rules = rules or {}
    today = rules.get("today")
    region = rules.get("default_region", "RU")
    # Records ranked for whole-record choices (id, source, channel conflicts): preferred source, then newest.
    ranked = sorted(range(len(records)), key=lambda i: _rank("id", "", records[i], i, rules, today), reverse=True)
    ordered = [records[i] for i in ranked]
    merged: dict[str, Any] = {"id": ordered[0].get("id")}
    provenance: dict[str, Any] = {}
    for field in SCALAR_FIELDS:
        candidates = [
            (i, r[field]) for i, r in enumerate(records) if r.get(field) is not None and str(r.get(field)).strip()
        ]
        if not candidates:
            continue
        i, value = max(candidates, key=lambda c: _rank(field, c[1], records[c[0]], c[0], rules, today))
        merged[field] = value
        provenance[field] = records[i].get("id")
    merged["emails"] = _union(
        [e for r in ordered for e in r.get("emails") or []], email_key, lambda e: normalise_email(e) or str(e).strip()
    )
    merged["phones"] = _union(
        [p for r in ordered for p in r.get("phones") or []],
        lambda p: phone_key(p, region),
        lambda p: valid_phone(p, region) or str(p).strip(),
    )
    channels: dict[str, str] = {}
    for record in ordered:
        for channel, value in (record.get("channels") or {}).items():
            if channel_key(channel, value) and channel not in channels:
                channels[channel] = value
    merged["channels"] = channels
    merged["source"] = ordered[0].get("source")
    stamps = [str(r["updated_at"]) for r in records if r.get("updated_at")]
    if stamps:
        merged["updated_at"] = max(stamps)
    merged["restricted"] = any(bool(r.get("restricted")) for r in records)
    merged["merged_ids"] = [r.get("id") for r in ordered]
    return merged, provenance
