"""A subject's value history: every value a write replaced or declined, sealed under the subject's own key.

When a write meets a stored subject, a value is replaced only by a better one; the loser is not thrown
away but kept here (who, when, which source, which field, the old and the new value), so a steward can see
what a CRM export overwrote and put it back. The values are encrypted under the subject's data key, so an
erasure (which destroys that key) destroys the history with everything else. Rows name no value in clear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import CharField, DateTimeField, TextField

from compliance.clock import iso
from compliance.ids import new_id
from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel
from hygiene.profile import LIST_FIELDS, MAP_FIELDS, TEXT_FIELDS

CHANGES = ("replaced", "declined", "restored")


class SubjectHistory(EncryptedModel, BaseModel):
    """One replaced, declined or restored value of one field of one subject."""

    id = CharField(primary_key=True, max_length=40)  # hst_...
    subject_id = CharField(max_length=40, index=True)
    at = DateTimeField()
    actor = CharField(max_length=64)  # principal id, never a name
    source = CharField(max_length=64, null=True)
    field = TextField()  # "city", "emails" (a whole list), "channels.telegram", "custom.<key>" (keys of any length)
    change = CharField(max_length=16)  # replaced: `new` took the place of `old`; declined: `new` was kept aside
    restored_at = DateTimeField(null=True)
    values = EncryptedField()  # {"old": ..., "new": ...}

    def key_subject_id(self) -> str:
        return self.subject_id


HISTORY_MODELS = [SubjectHistory]


@dataclass(frozen=True)
class Change:
    """What a write did to one field: `new` replaced `old`, or `new` was declined in favour of `old`."""

    field: str
    old: Any
    new: Any
    change: str


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Every field a write changed, as "replaced": text fields, whole lists, and map fields key by key."""
    out = [
        Change(name, before.get(name), after.get(name), "replaced")
        for name in TEXT_FIELDS
        if before.get(name) != after.get(name)
    ]
    out += [
        Change(name, list(before.get(name) or []), list(after.get(name) or []), "replaced")
        for name in LIST_FIELDS
        if list(before.get(name) or []) != list(after.get(name) or [])
    ]
    for name in MAP_FIELDS:
        old, new = before.get(name) or {}, after.get(name) or {}
        out += [
            Change(f"{name}.{key}", old.get(key), new.get(key), "replaced")
            for key in sorted({*old, *new}, key=str)
            if old.get(key) != new.get(key)
        ]
    return out


def field_value(profile: dict[str, Any], field: str) -> Any:
    """The value a history field name points at in a profile ("channels.telegram": one key of a map)."""
    name, _, key = field.partition(".")
    if name in MAP_FIELDS:
        return (profile.get(name) or {}).get(key) if key else dict(profile.get(name) or {})
    if name in LIST_FIELDS:
        return list(profile.get(name) or [])
    return profile.get(name)


def with_value(profile: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """A copy of the profile with one field set (None removes a map key; a list field takes a whole list)."""
    name, _, key = field.partition(".")
    out = dict(profile)
    if name in MAP_FIELDS and key:
        mapping = dict(out.get(name) or {})
        if value is None:
            mapping.pop(key, None)
        else:
            mapping[key] = value
        out[name] = mapping
    elif name in MAP_FIELDS:
        out[name] = dict(value or {})
    elif name in LIST_FIELDS:
        out[name] = list(value or [])
    elif name in TEXT_FIELDS and not key:
        out[name] = value
    else:
        raise ValueError(f"unknown history field {field!r}")
    return out


def rows(subject_id: str, changes: Iterable[Change], *, actor: str, source: str | None, at) -> list[dict]:
    """History rows ready for one bulk insert (values sealed under the subject's key)."""
    out = []
    for item in changes:
        if item.change not in CHANGES:
            raise ValueError(f"unknown history change {item.change!r}")
        row_id = new_id("hst")
        out.append(
            {
                "id": row_id,
                "subject_id": subject_id,
                "at": at,
                "actor": actor,
                "source": source,
                "field": item.field,
                "change": item.change,
                "restored_at": None,
                "values": SubjectHistory.sealed(
                    SubjectHistory.values, subject_id, row_id, {"old": item.old, "new": item.new}
                ),
            }
        )
    return out


def write(subject_id: str, changes: Iterable[Change], *, actor: str, source: str | None, at) -> int:
    """Append history rows for one subject (the caller holds the write's transaction); returns how many."""
    batch = rows(subject_id, changes, actor=actor, source=source, at=at)
    if batch:
        SubjectHistory.insert_many(batch).execute()
    return len(batch)


def entries(subject_id: str) -> list[dict[str, Any]]:
    """Every history entry of a subject, oldest first, with the values opened (the caller checks the scope)."""
    query = (
        SubjectHistory.select()
        .where(SubjectHistory.subject_id == subject_id)
        .order_by(SubjectHistory.at, SubjectHistory.id)
    )
    return [view(row) for row in query]


def view(row: SubjectHistory) -> dict[str, Any]:
    """One entry as the CLI, the API and the access bundle show it."""
    values = row.values or {}
    return {**view_meta(row), "old": values.get("old"), "new": values.get("new")}


def view_meta(row: SubjectHistory) -> dict[str, Any]:
    """One entry without its values (for callers who may not see personal data; nothing is decrypted)."""
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor": row.actor,
        "source": row.source,
        "field": row.field,
        "change": row.change,
        "restored_at": iso(row.restored_at),
    }


def erase(subject_id: str) -> int:
    """Delete a subject's history rows (after crypto-shredding they are unreadable anyway)."""
    return SubjectHistory.delete().where(SubjectHistory.subject_id == subject_id).execute()
