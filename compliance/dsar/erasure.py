"""Erasure (Art. 17, CCPA §7022): legal holds, tombstones, crypto-shredding, notices and a signed certificate.

An erasure runs as steps per subject (states.ERASURE_STEPS), each in its own transaction that also records the step
as done, so a process killed at any point resumes where it stopped and a re-run of a finished erasure changes nothing.
Order matters: the identifiers are tombstoned (which needs them decrypted) before the data key is destroyed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.consent.models import ConsentEvent, ConsentState, ConsentToken
from compliance.consent.suppression import suppress_identifiers
from compliance.dsar import certificates
from compliance.dsar.holds import apply_purchase_hold
from compliance.dsar.models import DsarRequest, ErasureStep, RequestMatch
from compliance.dsar.notices import queue_notices
from compliance.dsar.records import complete
from compliance.dsar.states import ERASURE_STEPS, StepHook
from compliance.policy.recipients import to_notify
from compliance.store.models import BlindIndex, DataKey, Interaction, Subject
from compliance.subjects import history as value_history
from compliance.subjects.shape import identifiers, profile_of


def steps_done(request_id: str, subject_id: str) -> dict[str, dict[str, Any]]:
    """The finished steps of a subject's erasure in a request, with their details."""
    rows = ErasureStep.select().where((ErasureStep.request_id == request_id) & (ErasureStep.subject_id == subject_id))
    return {r.step: json.loads(r.details or "{}") for r in rows}


def _mark(svc, request_id: str, subject_id: str, step: str, details: dict[str, Any]) -> None:
    ErasureStep.insert(
        request_id=request_id,
        subject_id=subject_id,
        step=step,
        done_at=svc.clock.now(),
        details=json.dumps(details, sort_keys=True),
    ).execute()


def shred(svc, subject_id: str) -> dict[str, Any]:
    """Crypto-shred a subject: delete its data key, blind indexes and value history, clear its encrypted columns."""
    indexes = BlindIndex.delete().where(BlindIndex.subject_id == subject_id).execute()
    # Unreadable once the key is gone, but the rows would still say which fields changed when and by whom.
    history_rows = value_history.erase(subject_id)
    keys = DataKey.delete().where(DataKey.subject_id == subject_id).execute()
    Subject.update(pii=None, extra=None, flags="[]", erased_at=svc.clock.now(), updated_at=svc.clock.now()).where(
        Subject.id == subject_id
    ).execute()
    svc.keyring.forget(subject_id)
    return {
        "blind_indexes_deleted": int(indexes),
        "data_keys_destroyed": int(keys),
        "history_entries_deleted": int(history_rows),
    }


def delete_consent(subject_id: str) -> dict[str, Any]:
    """Delete the consent events, states and tokens of a person."""
    return {
        "consent_events_deleted": int(ConsentEvent.delete().where(ConsentEvent.subject_id == subject_id).execute()),
        "consent_states_deleted": int(ConsentState.delete().where(ConsentState.subject_id == subject_id).execute()),
        "consent_tokens_deleted": int(ConsentToken.delete().where(ConsentToken.subject_id == subject_id).execute()),
    }


def scrub_exports(svc, subject_id: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Remove the person from files in the exports folder: their request bundles are deleted; lines of CSV and
    JSON-lines files holding one of their identifiers are dropped; other files holding one are deleted."""
    folder = svc.settings.exports_dir
    if folder is None or not Path(folder).is_dir():
        return {"export_files_deleted": 0, "export_lines_removed": 0}
    folder = Path(folder)
    deleted = removed = 0
    for match in RequestMatch.select().where(RequestMatch.subject_id == subject_id):
        bundle = folder / f"{match.request_id}.zip"
        if bundle.exists():
            bundle.unlink()
            deleted += 1
    needles = [v.encode() for _, v in identifiers(profile) if v and len(v) >= 5]
    needles += [v.encode() for v in profile.get("emails") or [] if v]
    if not needles:
        return {"export_files_deleted": deleted, "export_lines_removed": removed}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if not any(n in data for n in needles):
            continue
        if path.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".txt"):
            lines = data.splitlines(keepends=True)
            kept = [line for line in lines if not any(n in line for n in needles)]
            removed += len(lines) - len(kept)
            path.write_bytes(b"".join(kept))
        else:
            path.unlink()
            deleted += 1
    return {"export_files_deleted": deleted, "export_lines_removed": removed}


def _subjects_with_merged(people: list[str]) -> list[str]:
    """The request's subjects plus records merged into them (the same person under an older record)."""
    merged = [s.id for s in Subject.select(Subject.id).where(Subject.merged_into.in_(people))] if people else []
    return sorted(set(people) | set(merged))


def _erase_subject(svc, actor: Actor, row, subject_id: str, on_step: StepHook | None) -> None:
    done = steps_done(row.id, subject_id)
    for step in ERASURE_STEPS:
        if step in done:
            continue
        with svc.transaction():
            person = Subject.get_or_none(Subject.id == subject_id)
            readable = (
                person is not None
                and person.erased_at is None
                and DataKey.get_or_none(DataKey.subject_id == subject_id) is not None
            )
            if step == "holds":
                details = apply_purchase_hold(svc, subject_id)
            elif step == "suppress":
                # Tombstones need the identifiers in clear: this runs before the key is destroyed.
                count = suppress_identifiers(svc, person, scope="all", reason="erasure") if readable else 0
                details = {"tombstones": count} if readable else {"tombstones": 0, "skipped": "key_destroyed"}
            elif step == "exports":
                details = (
                    scrub_exports(svc, subject_id, profile_of(person)) if readable else {"skipped": "key_destroyed"}
                )
            elif step == "consent":
                details = delete_consent(subject_id)
            elif step == "interactions":
                details = {
                    "interactions_deleted": int(Interaction.delete().where(Interaction.subject == subject_id).execute())
                }
            elif step == "requests":
                cleared = DsarRequest.update(payload=None).where(
                    (DsarRequest.subject_id == subject_id) & DsarRequest.payload.is_null(False)
                )
                details = {"request_payloads_cleared": int(cleared.execute())}
            elif step == "notices":
                queue_notices(svc, row, [subject_id], "erasure")
                details = {"recipients": sorted(r.id for r in to_notify(svc, "erasure"))}
            else:  # shred
                details = shred(svc, subject_id)
                svc.audit.record(actor, AuditAction.SUBJECT_ERASE, subject_id, details={"request": row.id, **details})
            _mark(svc, row.id, subject_id, step, details)
        if on_step is not None:
            on_step(subject_id, step)


def run(svc, actor: Actor, row, people: list[str], *, on_step: StepHook | None = None) -> dict[str, Any]:
    """Erase every subject of a request (resuming after the last finished step), then certify and complete."""
    subjects = _subjects_with_merged(people)
    for sid in subjects:
        _erase_subject(svc, actor, row, sid, on_step)
    with svc.transaction():
        certificates.issue(svc, row, {sid: steps_done(row.id, sid) for sid in subjects})
        complete(svc, actor, row, "erased" if subjects else "no_data_held", subjects=len(subjects))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": "erasure", "subjects": len(subjects)}
        )
    return {"subjects": subjects}


def fulfil(svc, actor: Actor, row, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Carry out an erasure request (Art. 17, CCPA §7022)."""
    run(svc, actor, row, people, on_step=on_step)
