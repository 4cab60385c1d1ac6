"""Erasure (Art. 17, CCPA §7022): legal holds, tombstones, crypto-shredding, notices and a signed certificate.

An erasure runs as steps per subject (states.ERASURE_STEPS), each in its own transaction that also records the step
as done, so a process killed at any point resumes where it stopped and a re-run of a finished erasure changes nothing.
Order matters: the identifiers are tombstoned (which needs them decrypted) before the data key is destroyed.
"""

from __future__ import annotations

import json
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.consent.models import ConsentEvent, ConsentState, ConsentToken
from compliance.consent.suppression import add_tombstones
from compliance.dsar import certificates, ledger, outbox
from compliance.dsar import exports as written_exports
from compliance.dsar.holds import apply_purchase_hold
from compliance.dsar.models import DsarRequest, ErasureStep
from compliance.dsar.notices import queue_notices
from compliance.dsar.records import complete
from compliance.dsar.states import ERASURE_STEPS, StepHook
from compliance.policy.recipients import to_notify
from compliance.store.models import BlindIndex, DataKey, Interaction, Subject
from compliance.subjects import history as value_history
from compliance.subjects.shape import profile_of


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


def remove_records(svc, subject_id: str, *, holds: bool) -> None:
    """Delete what an erasure deletes besides the key (caller holds a transaction): purchases by the legal hold
    (`holds`), consent, interactions, request payloads. A request's erasure does the same as resumable steps;
    retention deletions and erasures re-applied from the ledger do it in one go, then shred."""
    if holds:
        apply_purchase_hold(svc, subject_id)
    delete_consent(subject_id)
    Interaction.delete().where(Interaction.subject == subject_id).execute()
    DsarRequest.update(payload=None).where(
        (DsarRequest.subject_id == subject_id) & DsarRequest.payload.is_null(False)
    ).execute()


def delete_consent(subject_id: str) -> dict[str, Any]:
    """Delete the consent events, states and tokens of a person."""
    return {
        "consent_events_deleted": int(ConsentEvent.delete().where(ConsentEvent.subject_id == subject_id).execute()),
        "consent_states_deleted": int(ConsentState.delete().where(ConsentState.subject_id == subject_id).execute()),
        "consent_tokens_deleted": int(ConsentToken.delete().where(ConsentToken.subject_id == subject_id).execute()),
    }


def scrub_exports(svc, subject_id: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """Remove the person from every registered file holding them, by record and subject id (compliance.dsar.exports);
    `profile` (None once the key is gone) lets unregistered files holding their identifiers be listed too."""
    return written_exports.erase_from_files(svc, subject_id, profile)


def with_merged(people: list[str]) -> list[str]:
    """The subjects plus every record merged into them, at any depth (A merged into B, B later into C: erasing C
    erases all three; they are the same person under older records)."""
    found, frontier = set(people), list(people)
    while frontier:
        frontier = [s for (s,) in Subject.select(Subject.id).where(Subject.merged_into.in_(frontier)).tuples()]
        frontier = [s for s in frontier if s not in found]
        found.update(frontier)
    return sorted(found)


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
                if readable:
                    rows = add_tombstones(svc, person, scope="all", reason="erasure")
                    # Keyed HMACs, no personal data: the ledger step copies them out of the database.
                    details = {"tombstones": len(rows), "digests": [ledger.tombstone_entry(r) for r in rows]}
                else:
                    details = {"tombstones": 0, "skipped": "key_destroyed"}
            elif step == "exports":
                # Registered files are found by subject id, so they are cleaned even when the key is gone.
                details = scrub_exports(svc, subject_id, profile_of(person) if readable else None)
            elif step == "outbox":
                # Before "shred": the person's addresses are still readable (without them, by subject id only).
                details = outbox.forget_mail(svc, subject_id, person if readable else None)
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
            elif step == "shred":
                details = shred(svc, subject_id)
                svc.audit.record(actor, AuditAction.SUBJECT_ERASE, subject_id, details={"request": row.id, **details})
            else:  # ledger
                entry = {
                    "subject": subject_id,
                    "request": row.id,
                    "reason": row.type,
                    "holds": True,
                    "tombstones": done.get("suppress", {}).get("digests", []),
                }
                details = {"ledger_entries": ledger.record(svc, [entry])}
            _mark(svc, row.id, subject_id, step, details)
            done[step] = details
        if on_step is not None:
            on_step(subject_id, step)


def run(svc, actor: Actor, row, people: list[str], *, on_step: StepHook | None = None) -> dict[str, Any]:
    """Erase every subject of a request (resuming after the last finished step), then certify and complete."""
    subjects = with_merged(people)
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
