"""Merging duplicate subjects, undoing merges, and rejecting candidate pairs.

A merge keeps one subject (the survivor) and marks the other `merged_into` it. Before anything changes, the
exact state of both subjects is sealed into undo snapshots (`undo`), each under its own subject's data key.
Then: the survivor's profile becomes the survivorship result of both (`survivorship`); identifiers suppressed
by an erasure are dropped (they never come back), a marketing suppression on either side is carried; blind
indexes move to the survivor; purchases and interactions move (interaction summaries re-encrypted under the
survivor's key); consent is merged conservatively by `compliance.consent.merging`, which only appends ledger
events; a restriction on either side is kept. `unmerge` restores both subjects exactly from the snapshots,
moves everything back and appends the compensating consent events.
"""

from __future__ import annotations

import json
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.consent.merging import merge_consent, unmerge_consent
from compliance.errors import Conflict, Invalid, NotFound
from compliance.ids import has_prefix, new_id
from compliance.stewardship.models import Merge, MergeSnapshot
from compliance.stewardship.survivorship import drop_identifiers, survive_profiles
from compliance.stewardship.undo import restore, seal_snapshot
from compliance.store.models import BlindIndex, Interaction, Purchase, Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.lookup import load, suppression_scopes
from compliance.subjects.shape import identifiers
from compliance.subjects.writer import write_subject


def _live(subject_id: str) -> Subject:
    subject = load(subject_id)
    if subject.merged_into:
        raise Conflict(
            f"{subject_id} was already merged into {subject.merged_into}",
            errors=[{"field": "subject", "code": "merge.already_merged"}],
        )
    return subject


def apply_merge(
    svc,
    actor: Actor,
    survivor_id: str,
    loser_id: str,
    *,
    candidate_id: str | None = None,
    automatic: bool = False,
) -> dict[str, Any]:
    """Merge loser into survivor (caller holds the transaction and has checked the scope)."""
    if survivor_id == loser_id:
        raise Invalid("a subject cannot be merged with itself", errors=[{"field": "subject", "code": "merge.same"}])
    survivor, loser = _live(survivor_id), _live(loser_id)
    if automatic and (survivor.restricted or loser.restricted):
        raise Conflict(
            "restricted subjects are never merged automatically",
            errors=[{"field": "subject", "code": "merge.restricted"}],
        )
    svc.keyring.preload([survivor.id, loser.id])
    merge_id = new_id("mrg")
    now = svc.clock.now()
    seal_snapshot(merge_id, survivor)
    seal_snapshot(merge_id, loser)

    profile = survive_profiles(svc, survivor, loser)
    scopes = suppression_scopes(svc, identifiers(profile))
    dropped = {pair for pair, scope in scopes.items() if scope == "all"}
    removed = drop_identifiers(profile, dropped)
    survivor.restricted = bool(survivor.restricted or loser.restricted)
    survivor.marketing_suppressed = bool(
        survivor.marketing_suppressed or loser.marketing_suppressed or "marketing" in scopes.values()
    )
    if survivor.source is None and loser.source:
        survivor.source = loser.source
    survivor.created_at = min(survivor.created_at, loser.created_at)
    survivor.updated_at = now
    write_subject(svc, survivor, profile)

    BlindIndex.delete().where(BlindIndex.subject_id == loser.id).execute()
    loser.merged_into = survivor.id
    loser.updated_at = now
    loser.save()

    purchases = [p.id for p in Purchase.select(Purchase.id).where(Purchase.subject == loser.id)]
    if purchases:
        Purchase.update(subject=survivor.id).where(Purchase.id.in_(purchases)).execute()
    interactions = []
    for row in Interaction.select().where(Interaction.subject == loser.id):
        summary = row.summary
        Interaction.update(
            subject=survivor.id,
            summary=Interaction.sealed(Interaction.summary, survivor.id, row.id, summary),
        ).where(Interaction.id == row.id).execute()
        interactions.append(row.id)
    consent_moved = merge_consent(svc, actor, survivor, loser)

    moved = {"purchases": purchases, "interactions": interactions, "consent": consent_moved}
    Merge.insert(
        id=merge_id,
        survivor_id=survivor.id,
        loser_id=loser.id,
        candidate_id=candidate_id,
        automatic=automatic,
        actor=actor.principal_id,
        created_at=now,
        moved=json.dumps(moved, sort_keys=True),
    ).execute()
    if candidate_id:
        MergeCandidate.update(status="merged", decided_at=now, decided_by=actor.principal_id, merge_id=merge_id).where(
            MergeCandidate.id == candidate_id
        ).execute()
    # Other open pairs of the loser now concern the survivor; the next run proposes them again.
    MergeCandidate.update(status="superseded", decided_at=now).where(
        (MergeCandidate.status == "open")
        & ((MergeCandidate.a_id == loser.id) | (MergeCandidate.b_id == loser.id))
        & (MergeCandidate.id != (candidate_id or ""))
    ).execute()
    details = {
        "merge": merge_id,
        "loser": loser.id,
        "automatic": automatic,
        "purchases": len(purchases),
        "interactions": len(interactions),
        "consent_events": len(consent_moved["events"]),
        "suppressed_dropped": removed,
    }
    svc.audit.record(actor, AuditAction.HYGIENE_MERGE, survivor.id, details=details)
    return {
        "id": merge_id,
        "survivor": survivor.id,
        "loser": loser.id,
        **{k: v for k, v in details.items() if k not in ("merge", "loser")},
    }


def merge(svc, actor: Actor, survivor_id: str, loser_id: str, *, candidate_id: str | None = None) -> dict[str, Any]:
    """Merge two subjects by hand (the steward chose the survivor)."""
    actor.require("hygiene:merge")
    with svc.transaction():
        return apply_merge(svc, actor, survivor_id, loser_id, candidate_id=candidate_id)


def _candidate(candidate_id: str) -> MergeCandidate:
    if not has_prefix(candidate_id, "cand"):
        raise NotFound("no such candidate")
    row = MergeCandidate.get_or_none(MergeCandidate.id == candidate_id)
    if row is None:
        raise NotFound("no such candidate")
    return row


def choose_survivor(a: Subject, b: Subject) -> tuple[Subject, Subject]:
    """(survivor, loser): the older record survives, so the id people already know stays valid."""
    return (a, b) if (a.created_at, a.id) <= (b.created_at, b.id) else (b, a)


def merge_candidate(svc, actor: Actor, candidate_id: str, *, survivor: str | None = None) -> dict[str, Any]:
    """Accept a candidate pair: merge it (survivor: the older record unless named)."""
    actor.require("hygiene:merge")
    with svc.transaction():
        cand = _candidate(candidate_id)
        if cand.status != "open":
            raise Conflict(
                f"candidate is {cand.status}, not open", errors=[{"field": "candidate", "code": "candidate.closed"}]
            )
        a, b = _live(cand.a_id), _live(cand.b_id)
        if survivor is not None:
            if survivor not in (a.id, b.id):
                raise Invalid(
                    "the survivor must be one of the pair",
                    errors=[{"field": "survivor", "code": "survivor.not_in_pair"}],
                )
            keep, lose = (a, b) if survivor == a.id else (b, a)
        else:
            keep, lose = choose_survivor(a, b)
        return apply_merge(svc, actor, keep.id, lose.id, candidate_id=cand.id)


def reject(svc, actor: Actor, candidate_id: str) -> dict[str, Any]:
    """Mark a candidate pair as two different people; later runs do not propose it again."""
    actor.require("hygiene:merge")
    with svc.transaction():
        cand = _candidate(candidate_id)
        if cand.status != "open":
            raise Conflict(
                f"candidate is {cand.status}, not open", errors=[{"field": "candidate", "code": "candidate.closed"}]
            )
        MergeCandidate.update(status="rejected", decided_at=svc.clock.now(), decided_by=actor.principal_id).where(
            MergeCandidate.id == cand.id
        ).execute()
        svc.audit.record(actor, AuditAction.HYGIENE_REJECT, cand.id, details={"a": cand.a_id, "b": cand.b_id})
    return {"id": cand.id, "status": "rejected", "a": cand.a_id, "b": cand.b_id}


def unmerge(svc, actor: Actor, merge_id: str) -> dict[str, Any]:
    """Undo a merge: both subjects restored exactly, purchases, interactions and consent moved back."""
    actor.require("hygiene:merge")
    if not has_prefix(merge_id, "mrg"):
        raise NotFound("no such merge")
    with svc.transaction():
        row = Merge.get_or_none(Merge.id == merge_id)
        if row is None:
            raise NotFound("no such merge")
        if row.status != "applied":
            raise Conflict("this merge was already undone", errors=[{"field": "merge", "code": "merge.undone"}])
        later = (
            Merge.select(Merge.id)
            .where(
                (Merge.status == "applied")
                & (Merge.created_at >= row.created_at)
                & (Merge.id != row.id)
                & (
                    (Merge.survivor_id == row.survivor_id)
                    | (Merge.loser_id == row.survivor_id)
                    | (Merge.survivor_id == row.loser_id)
                )
            )
            .order_by(Merge.created_at.desc())
            .first()
        )
        if later is not None:
            raise Conflict(
                f"undo the later merge {later.id} of the same subject first",
                errors=[{"field": "merge", "code": "merge.later_merge"}],
            )
        survivor = Subject.get_or_none(Subject.id == row.survivor_id)
        loser = Subject.get_or_none(Subject.id == row.loser_id)
        if survivor is None or loser is None or survivor.erased_at or loser.erased_at:
            raise Conflict(
                "a subject of this merge was erased; it cannot be restored",
                errors=[{"field": "merge", "code": "merge.erased"}],
            )
        snaps = {s.subject_id: s for s in MergeSnapshot.select().where(MergeSnapshot.merge_id == row.id)}
        svc.keyring.preload([survivor.id, loser.id])
        moved = json.loads(row.moved or "{}")
        compensating = unmerge_consent(svc, actor, survivor, moved.get("consent") or {})
        for interaction_id in moved.get("interactions") or []:
            item = Interaction.get_or_none(Interaction.id == interaction_id)
            if item is None or item.subject_id != survivor.id:
                continue  # deleted by retention since, or moved again
            summary = item.summary
            Interaction.update(
                subject=loser.id, summary=Interaction.sealed(Interaction.summary, loser.id, item.id, summary)
            ).where(Interaction.id == item.id).execute()
        purchases = moved.get("purchases") or []
        if purchases:
            Purchase.update(subject=loser.id).where(
                Purchase.id.in_(purchases) & (Purchase.subject == survivor.id)
            ).execute()
        restore(svc, survivor, snaps[survivor.id].data)
        restore(svc, loser, snaps[loser.id].data)
        MergeSnapshot.delete().where(MergeSnapshot.merge_id == row.id).execute()
        now = svc.clock.now()
        Merge.update(status="undone", undone_at=now, undone_by=actor.principal_id).where(Merge.id == row.id).execute()
        if row.candidate_id:
            # The steward said these are two people: the pair is not proposed (or auto-merged) again.
            MergeCandidate.update(status="rejected", decided_at=now, decided_by=actor.principal_id).where(
                MergeCandidate.id == row.candidate_id
            ).execute()
        svc.audit.record(
            actor,
            AuditAction.HYGIENE_UNMERGE,
            survivor.id,
            details={
                "merge": row.id,
                "loser": loser.id,
                "consent_events_appended": len(compensating),
            },
        )
    return {"id": row.id, "status": "undone", "survivor": survivor.id, "loser": loser.id}


def merge_view(row: Merge) -> dict[str, Any]:
    """A merge as output (ids and counts only)."""
    moved = json.loads(row.moved or "{}")
    return {
        "id": row.id,
        "survivor": row.survivor_id,
        "loser": row.loser_id,
        "candidate": row.candidate_id,
        "automatic": row.automatic,
        "status": row.status,
        "actor": row.actor,
        "created_at": iso(row.created_at),
        "undone_at": iso(row.undone_at),
        "purchases": len(moved.get("purchases") or []),
        "interactions": len(moved.get("interactions") or []),
        "consent_events": len((moved.get("consent") or {}).get("events") or []),
    }
