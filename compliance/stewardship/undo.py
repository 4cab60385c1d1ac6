"""Undo snapshots of a merge: each subject's exact row, sealed under its own data key, and putting it back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.stewardship.models import MergeSnapshot
from compliance.store.models import BlindIndex, Subject
from compliance.subjects.shape import index_rows, profile_of

SUBJECT_COLUMNS = (
    "kind",
    "lifecycle",
    "source",
    "created_at",
    "updated_at",
    "restricted",
    "marketing_suppressed",
    "erased_at",
    "merged_into",
    "flags",
)
DATETIME_COLUMNS = ("created_at", "updated_at", "erased_at")


def snapshot(subject: Subject) -> dict[str, Any]:
    """Everything needed to put a subject back exactly as it is now (plaintext; sealed by the caller)."""
    columns = {}
    for name in SUBJECT_COLUMNS:
        value = getattr(subject, name)
        columns[name] = value.isoformat() if isinstance(value, datetime) else value
    return {"columns": columns, "pii": subject.pii, "extra": subject.extra}


def seal_snapshot(merge_id: str, subject: Subject) -> None:
    """Store the snapshot of a subject for one merge, encrypted under that subject's key."""
    row = MergeSnapshot(id=f"{merge_id}:{subject.id}", merge_id=merge_id, subject_id=subject.id)
    row.data = snapshot(subject)
    row.save(force_insert=True)


def restore(svc, subject: Subject, snap: dict[str, Any]) -> None:
    """Write a snapshot back into the subject row and rebuild its blind indexes."""
    for name, value in snap["columns"].items():
        if name in DATETIME_COLUMNS and value is not None:
            value = datetime.fromisoformat(value)
        setattr(subject, name, value)
    subject.pii = snap["pii"]
    subject.extra = snap["extra"]
    subject.save()
    BlindIndex.delete().where(BlindIndex.subject_id == subject.id).execute()
    if subject.merged_into is None and subject.erased_at is None:
        rows = index_rows(svc.indexer, subject.id, profile_of(subject))
        if rows:
            BlindIndex.insert_many(rows).execute()
