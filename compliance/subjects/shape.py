"""A profile's shapes: empty, split into the store's two columns, decrypted, coerced from input, merged, flagged.

The fields themselves are described once, in hygiene.profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compliance.crypto.blind_index import EMAIL, EXTERNAL, PHONE
from compliance.errors import Invalid
from compliance.store.models import Subject
from hygiene.identifiers import email_confusable, email_problem
from hygiene.normalise import date_problem
from hygiene.phones import phone_problem, valid_phone
from hygiene.profile import (
    CHANNELS,
    EXTRA_FIELDS,
    LIST_FIELDS,
    MAP_FIELDS,
    PII_FIELDS,
    SINGULAR,
    TEXT_FIELDS,
    empty_value,
)
from hygiene.value_rank import union

KINDS = ("person", "b2b")


def empty_profile() -> dict[str, Any]:
    """A profile with every field present and empty."""
    return {k: empty_value(k) for k in (*PII_FIELDS, *EXTRA_FIELDS)}


def split_profile(profile: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a flat profile into the pii and extra column payloads."""
    pii = {k: profile.get(k, empty_value(k)) for k in PII_FIELDS}
    extra = {k: profile.get(k, empty_value(k)) for k in EXTRA_FIELDS}
    return pii, extra


def profile_of(subject: Subject) -> dict[str, Any]:
    """The decrypted flat profile of a subject."""
    profile = empty_profile()
    profile.update(subject.pii or {})
    profile.update(subject.extra or {})
    return profile


def identifiers(profile: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (kind, value) of a profile that gets a blind index."""
    out: list[tuple[str, str]] = []
    out += [(EMAIL, v) for v in profile.get("emails") or [] if v]
    out += [(PHONE, v) for v in profile.get("phones") or [] if v]
    out += [(EXTERNAL, v) for v in profile.get("external_ids") or [] if v]
    out += [(f"channel:{k}", v) for k, v in (profile.get("channels") or {}).items() if v]
    return out


def index_rows(indexer, subject_id: str, profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Blind-index rows for a profile under the active index key (duplicates removed)."""
    digests = ((kind, indexer.digest(kind, value)) for kind, value in identifiers(profile))
    return index_rows_of(subject_id, [(kind, d) for kind, d in digests if d is not None], indexer.active)


def index_rows_of(subject_id: str, digests: Iterable[tuple[str, bytes]], version: int) -> list[dict[str, Any]]:
    """Blind-index rows for (kind, digest) pairs already computed under one key version (duplicates removed)."""
    return [
        {"subject_id": subject_id, "kind": kind, "digest": digest, "key_version": version}
        for kind, digest in dict.fromkeys(digests)
    ]


def contact_flags(profile: dict[str, Any], region: str) -> list[dict[str, str]]:
    """Validation flags ({field, code}) for contact fields; codes only, never values."""
    flags = []
    for value in profile.get("emails") or []:
        code = email_problem(value)
        if code:
            flags.append({"field": "email", "code": code})
    for value in profile.get("phones") or []:
        code = phone_problem(value, region)
        if code:
            flags.append({"field": "phone", "code": code})
    return flags


def clean_phone(value: str, region: str) -> str:
    """E.164 when the number is valid, otherwise the value as typed (trimmed) so nothing is lost."""
    return valid_phone(value, region) or value.strip()


def coerce_profile(data: dict[str, Any], region: str, *, strict: bool = False) -> dict[str, Any]:
    """Turn API/CLI input (single email/phone or lists) into a flat profile; Invalid names bad fields.

    `strict` (a create or update by one caller, who can fix the input) also refuses an email that is not an
    address and a birth date that is not a date; a bulk import lands such values and flags them instead.
    """
    errors = []
    profile = empty_profile()
    for key in TEXT_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            errors.append({"field": key, "code": "type.string"})
            continue
        profile[key] = value.strip() if isinstance(value, str) and value.strip() else None
    for single, plural in SINGULAR.items():
        values: list[str] = []
        for key in (single, plural):
            raw = data.get(key)
            if raw is None:
                continue
            items = raw if isinstance(raw, list) else [raw]
            for item in items:
                if not isinstance(item, str):
                    errors.append({"field": key, "code": "type.string"})
                elif item.strip():
                    values.append(item.strip())
        if plural == "phones":
            values = [clean_phone(v, region) for v in values]
        if plural == "emails":
            errors += confusable_problems(values, "email" if "email" in data else "emails")
        profile[plural] = list(dict.fromkeys(values))
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        errors.append({"field": "channels", "code": "type.object"})
    else:
        for name, handle in channels.items():
            if name not in CHANNELS:
                errors.append({"field": f"channels.{name}", "code": "channel.unknown"})
            elif handle is not None and not isinstance(handle, str):
                errors.append({"field": f"channels.{name}", "code": "type.string"})
            elif handle and handle.strip():
                profile["channels"][name] = handle.strip()
    custom = data.get("custom") or {}
    if not isinstance(custom, dict):
        errors.append({"field": "custom", "code": "type.object"})
    else:
        profile["custom"] = custom
    if strict:
        errors += strict_problems(profile, data)
    if errors:
        raise Invalid("the subject has invalid fields", errors=errors)
    return profile


def confusable_problems(emails: list[str], field: str) -> list[dict[str, str]]:
    """An error for each email whose local part only looks like another address (hygiene email_confusable):
    refused on every write path, since it would match, or be tombstoned as, somebody else's address."""
    return [{"field": field, "code": "email.confusable"} for value in emails if email_confusable(value)]


def strict_problems(profile: dict[str, Any], data: dict[str, Any]) -> list[dict[str, str]]:
    """Errors for values one caller must fix: an email that is not an address, a date that is not a date."""
    errors = []
    for value in profile.get("emails") or []:
        if email_problem(value):
            errors.append({"field": "email" if "email" in data else "emails", "code": "email.syntax"})
    code = date_problem(profile.get("birth_date"))
    if code:
        errors.append({"field": "birth_date", "code": code})
    return errors


def has_identity(profile: dict[str, Any]) -> bool:
    """A record needs at least a name, an email, a phone or an external id."""
    return bool(
        profile.get("first_name")
        or profile.get("last_name")
        or profile.get("emails")
        or profile.get("phones")
        or profile.get("external_ids")
    )


def require_identity(profile: dict[str, Any]) -> None:
    """Invalid unless the profile has a name, an email, a phone or an external id."""
    if not has_identity(profile):
        raise Invalid(
            "a subject needs a name, an email, a phone or an external id",
            errors=[{"field": "profile", "code": "row.no_identifier"}],
        )


def merge_into(existing: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """Upsert rule: given values replace old ones, new list items are appended, nothing is blanked."""
    merged = dict(existing)
    for key, value in incoming.items():
        if key in LIST_FIELDS:
            merged[key] = union(key, existing.get(key) or [], value or [])
        elif key in MAP_FIELDS:
            merged[key] = {**(existing.get(key) or {}), **(value or {})}
        elif value not in (None, "", [], {}):
            merged[key] = value
    return merged
