"""A subject's value history as a service: read it (audited as a PII read) and put a kept value back.

The rows and their sealing live in compliance.subjects.history; this module checks scopes, finds the subject
the way every subject read does (unknown, erased: NotFound), writes in one transaction and audits without values.
"""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.errors import Conflict, NotFound
from compliance.ids import has_prefix
from compliance.subjects import history as value_history
from compliance.subjects import writer
from compliance.subjects.history import Change, SubjectHistory
from compliance.subjects.lookup import load, refuse_tombstoned
from compliance.subjects.shape import profile_of, require_identity
from compliance.subjects.views import view

# Which side of an entry a restore puts back: a replaced (or restored) entry's old value, a declined one's new value.
RESTORES = {"replaced": "old", "restored": "old", "declined": "new"}


def history(svc, actor: Actor, subject_id: str) -> list[dict[str, Any]]:
    """Every replaced, declined and restored value of a subject, oldest first (values shown: subjects:read_pii)."""
    actor.require("subjects:read_pii")
    subject = load(subject_id)
    items = value_history.entries(subject.id)
    svc.audit.record(
        actor, AuditAction.SUBJECT_READ_PII, subject.id, details={"via": "subjects.history", "entries": len(items)}
    )
    return items


def _entry(entry_id: str, subject_id: str | None) -> SubjectHistory:
    """The entry by id (and of that subject when one is named); NotFound naming the parameter otherwise."""
    row = SubjectHistory.get_or_none(SubjectHistory.id == entry_id) if has_prefix(entry_id, "hst") else None
    if row is None or (subject_id is not None and row.subject_id != subject_id):
        raise NotFound("no such history entry", errors=[{"field": "entry", "code": "history.unknown_entry"}])
    return row


def restore_value(svc, actor: Actor, entry_id: str, *, subject_id: str | None = None) -> dict[str, Any]:
    """Put an entry's kept value back into its field (one transaction, audited); returns the entries and subject."""
    actor.require("subjects:write")
    with svc.transaction():
        row = _entry(entry_id, subject_id)
        subject = load(row.subject_id)  # erased: NotFound, before the (destroyed) key is needed
        if subject.merged_into:
            raise Conflict(
                f"{subject.id} was merged into {subject.merged_into}; restore the value on the survivor",
                errors=[{"field": "entry", "code": "history.merged_away"}],
            )
        kept = (row.values or {}).get(RESTORES[row.change])
        profile = profile_of(subject)
        current = value_history.field_value(profile, row.field)
        if current == kept or (current in (None, [], {}) and kept in (None, [], {})):
            raise Conflict(
                "the field already holds that value", errors=[{"field": row.field, "code": "history.already_current"}]
            )
        updated = value_history.with_value(profile, row.field, kept)
        require_identity(updated)
        refuse_tombstoned(svc, updated, profile)
        now = svc.clock.now()
        subject.updated_at = now
        writer.write_subject(svc, subject, updated)
        [restored] = value_history.rows(
            subject.id,
            [Change(row.field, current, kept, "restored")],
            actor=actor.principal_id,
            source=actor.channel or None,
            at=now,
        )
        SubjectHistory.insert(restored).execute()
        SubjectHistory.update(restored_at=now).where(SubjectHistory.id == row.id).execute()
        svc.audit.record(
            actor, AuditAction.SUBJECT_RESTORE_VALUE, subject.id, details={"entry": row.id, "field": row.field}
        )
    reveal = actor.can("subjects:read_pii")
    return {
        "entry": _shown(SubjectHistory.get_by_id(row.id), reveal),
        "restored": _shown(SubjectHistory.get_by_id(restored["id"]), reveal),
        # Writers without read access learn nothing of the subject back, as with a correction.
        "subject": view(subject, reveal) if actor.can("subjects:read") else {"id": subject.id},
    }


def _shown(row: SubjectHistory, reveal: bool) -> dict[str, Any]:
    """An entry as output: with its values only for readers of PII."""
    return value_history.view(row) if reveal else value_history.view_meta(row)
