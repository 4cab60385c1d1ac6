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

from peewee import CharField, DateTimeField

from compliance.ids import new_id
from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel

CHANGES = ("replaced", "declined", "restored")


class SubjectHistory(EncryptedModel, BaseModel):
    """One replaced, declined or restored value of one field of one subject."""

    id = CharField(primary_key=True, max_length=40)  # hst_...
    subject_id = CharField(max_length=40, index=True)
    at = DateTimeField()
    actor = CharField(max_length=64)  # principal id, never a name
    source = CharField(max_length=64, null=True)
    field = CharField(max_length=40)
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


def rows(subject_id: str, changes: Iterable[Change], *, actor: str, source: str | None, at) -> list[dict]:
    """History rows ready for one bulk insert (values sealed under the subject's key)."""
    out = []
    for item in changes:
        if item.change not in CHANGES:
            raise ValueError(f"unknown history change {item.change!r}")
        row_id = new_id("hst")
        out.append({
            "id": row_id,
            "subject_id": subject_id,
            "at": at,
            "actor": actor,
            "source": source,
            "field": item.field,
            "change": item.change,
            "restored_at": None,
            "values": SubjectHistory.sealed(SubjectHistory.values, subject_id, row_id,
                                            {"old": item.old, "new": item.new}),
        })
    return out


def write(subject_id: str, changes: Iterable[Change], *, actor: str, source: str | None, at) -> int:
    """Append history rows for one subject (the caller holds the write's transaction); returns how many."""
    batch = rows(subject_id, changes, actor=actor, source=source, at=at)
    if batch:
        SubjectHistory.insert_many(batch).execute()
    return len(batch)


def entries(subject_id: str) -> list[dict[str, Any]]:
    """Every history entry of a subject, oldest first, with the values opened (the caller checks the scope)."""
    query = SubjectHistory.select().where(SubjectHistory.subject_id == subject_id).order_by(
        SubjectHistory.at, SubjectHistory.id)
    return [view(row) for row in query]


def view(row: SubjectHistory) -> dict[str, Any]:
    """One entry as the CLI, the API and the access bundle show it."""
    values = row.values or {}
    return {
        "id": row.id,
        "at": row.at.isoformat() if hasattr(row.at, "isoformat") else str(row.at),
        "actor": row.actor,
        "source": row.source,
        "field": row.field,
        "change": row.change,
        "old": values.get("old"),
        "new": values.get("new"),
        "restored_at": row.restored_at.isoformat() if row.restored_at else None,
    }


def erase(subject_id: str) -> int:
    """Delete a subject's history rows (after crypto-shredding they are unreadable anyway)."""
    return SubjectHistory.delete().where(SubjectHistory.subject_id == subject_id).execute()
