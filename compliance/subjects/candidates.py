"""Merge candidates: pairs of subjects that may be one person, queued for a steward (or `hygiene dedupe`) to decide.

Two writers queue them: the create-or-update path, when a record meets a subject it may not update (a shared
phone, a role mailbox, a contradiction; the reason is an `identity.*` code), and duplicate detection (the
reasons are the fields that agreed). The table lives with subjects because the write path, below stewardship,
queues into it; stewardship decides, merges and undoes. Rows hold ids, scores and codes, never values; a pair
duplicate detection scored also keeps the model's explanation (field names, levels and weights, never values).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from peewee import CharField, DateTimeField, FloatField, TextField

from compliance.ids import new_id
from compliance.store.bulk import insert_rows
from compliance.store.models import BaseModel

CANDIDATE_STATUSES = ("open", "merged", "rejected", "superseded")
_CHUNK = 450  # ids per IN (...), twice per query: below SQLite's parameter limit


class MergeCandidate(BaseModel):
    """A pair of subjects that may be the same person, awaiting a decision."""

    id = CharField(primary_key=True, max_length=40)
    run_id = CharField(max_length=40, index=True)
    a_id = CharField(max_length=40, index=True)
    b_id = CharField(max_length=40, index=True)
    score = FloatField()
    decision = CharField(max_length=16)  # merge | review (what the matcher said)
    status = CharField(max_length=16, default="open", index=True)
    reasons = TextField(default="[]")  # JSON list: fields that agreed (dedupe) or an identity.* code; never values
    created_at = DateTimeField()
    decided_at = DateTimeField(null=True)
    decided_by = CharField(max_length=64, null=True)
    merge_id = CharField(max_length=40, null=True)
    # JSON: the model's per-field weights of a pair hygiene dedupe scored (hygiene.dedupe.explanation_of: prior,
    # fields with level and weight, total, probability, veto); NULL for pairs the write path queued (migration 14).
    explanation = TextField(null=True)

    class Meta:
        indexes = ((("a_id", "b_id"), False),)


@dataclass(frozen=True)
class Proposal:
    """A pair the write path wants a steward to see: the two subject ids, the reason code and the pair's score."""

    a_id: str
    b_id: str
    reason: str
    score: float

    @property
    def key(self) -> tuple[str, str]:
        """The pair in canonical order (either orientation is the same pair)."""
        return (self.a_id, self.b_id) if self.a_id < self.b_id else (self.b_id, self.a_id)


def known_pairs(subject_ids: Iterable[str]) -> set[tuple[str, str]]:
    """Pairs among these subjects' candidates that are open or were rejected: neither is queued again."""
    ids = sorted(set(subject_ids))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = MergeCandidate.select(MergeCandidate.a_id, MergeCandidate.b_id).where(
            MergeCandidate.status.in_(["open", "rejected"])
            & (MergeCandidate.a_id.in_(chunk) | MergeCandidate.b_id.in_(chunk))
        )
        for a, b in query.tuples():
            found.add((a, b) if a < b else (b, a))
    return found


def queue(proposals: Iterable[Proposal], *, run_id: str, at, known: set[tuple[str, str]] | None = None) -> list[str]:
    """Insert one open `review` candidate per new pair (the caller holds the transaction); returns their ids.

    A pair that already has an open or rejected candidate is skipped: a re-import does not queue it again,
    and a steward's "these are two people" stands.
    """
    proposals = list(proposals)
    if known is None:
        known = known_pairs(x for p in proposals for x in (p.a_id, p.b_id))
    rows, seen = [], set(known)
    for item in proposals:
        if item.a_id == item.b_id or item.key in seen:
            continue
        seen.add(item.key)
        a, b = item.key
        rows.append(
            {
                "id": new_id("cand"),
                "run_id": run_id,
                "a_id": a,
                "b_id": b,
                "score": round(item.score, 6),
                "decision": "review",
                "status": "open",
                "reasons": json.dumps([item.reason]),
                "created_at": at,
                "decided_at": None,
                "decided_by": None,
                "merge_id": None,
                "explanation": None,
            }
        )
    insert_rows(MergeCandidate, rows)
    return [r["id"] for r in rows]
