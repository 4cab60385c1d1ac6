"""The steward's review queue: merge candidates with both records' fields side by side, masked unless allowed,
and why the matcher proposed a pair (its explanation: the model's per-field weights, never values)."""

from __future__ import annotations

import json
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.clock import iso
from compliance.errors import NotFound
from compliance.ids import has_prefix
from compliance.store.models import Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.masking import mask_profile
from compliance.subjects.shape import profile_of

SIDE_BY_SIDE = (
    "first_name",
    "last_name",
    "middle_name",
    "emails",
    "phones",
    "birth_date",
    "gender",
    "street",
    "city",
    "postcode",
    "country",
    "company",
    "channels",
    "external_ids",
)


def _subject_side(subject: Subject | None, reveal: bool) -> dict[str, Any]:
    if subject is None or subject.erased_at is not None:
        return {}
    profile = profile_of(subject)
    shown = profile if reveal else mask_profile(profile)
    return {k: shown.get(k) for k in SIDE_BY_SIDE}


def explanation_of(row: MergeCandidate) -> dict[str, Any] | None:
    """The stored explanation of a candidate's pair (hygiene dedupe), None for pairs the write path queued."""
    return json.loads(row.explanation) if row.explanation else None


def candidate_view(row: MergeCandidate, subjects: dict[str, Subject], reveal: bool) -> dict[str, Any]:
    """A candidate with both records' fields side by side (masked unless reveal)."""
    a, b = _subject_side(subjects.get(row.a_id), reveal), _subject_side(subjects.get(row.b_id), reveal)
    explanation = explanation_of(row)
    return {
        "id": row.id,
        "a": row.a_id,
        "b": row.b_id,
        "score": row.score,
        # The model's match probability, when the model scored the pair (the write path's score is not one).
        "probability": row.score if explanation is not None else None,
        "decision": row.decision,
        "explanation": explanation,
        # Why the pair is here: the fields that agreed (dedupe), or an identity.* code (an import or API write
        # that met this subject and did not merge): codes and field names, never values.
        "reasons": json.loads(row.reasons or "[]"),
        "status": row.status,
        "run": row.run_id,
        "created_at": iso(row.created_at),
        "merge": row.merge_id,
        "masked": not reveal,
        "fields": [{"field": name, "a": a.get(name), "b": b.get(name)} for name in SIDE_BY_SIDE],
    }


def candidates_page(
    svc, actor: Actor, *, status: str = "open", after: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of candidates, highest score first within id order, fields side by side; returns (items, last id)."""
    actor.require("hygiene:read")
    reveal = actor.can("subjects:read_pii")
    query = MergeCandidate.select().where(MergeCandidate.status == status)
    if after:
        query = query.where(MergeCandidate.id > after)
    rows = list(query.order_by(MergeCandidate.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    ids = sorted({x for r in rows for x in (r.a_id, r.b_id)})
    subjects = {s.id: s for s in Subject.select().where(Subject.id.in_(ids or [""]))}
    svc.keyring.preload(ids)
    items = [candidate_view(r, subjects, reveal) for r in rows]
    if rows:
        svc.audit.record(
            actor,
            AuditAction.SUBJECT_READ_PII if reveal else AuditAction.SUBJECT_READ,
            "",
            details={"ids": ids, "via": "hygiene.candidates"},
        )
    return items, (rows[-1].id if more and rows else None)


def explain(svc, actor: Actor, candidate_id: str) -> dict[str, Any]:
    """Why a candidate pair was proposed: its score, decision, status and the model's per-field weights."""
    actor.require("hygiene:read")
    row = MergeCandidate.get_or_none(MergeCandidate.id == candidate_id) if has_prefix(candidate_id, "cand") else None
    if row is None:
        raise NotFound(
            "no such candidate: give a candidate id (cand_…) as listed by `consentry hygiene review`",
            errors=[{"field": "candidate", "code": "candidate.unknown"}],
        )
    svc.audit.record(
        actor, AuditAction.SUBJECT_READ, row.id, details={"ids": sorted({row.a_id, row.b_id}), "via": "hygiene.explain"}
    )
    return {
        "candidate": row.id,
        "a": row.a_id,
        "b": row.b_id,
        "score": row.score,
        "decision": row.decision,
        "status": row.status,
        # Codes and field names, never values: what the write path met (identity.*) or the fields that agreed.
        "reasons": json.loads(row.reasons or "[]"),
        "explanation": explanation_of(row),
    }
