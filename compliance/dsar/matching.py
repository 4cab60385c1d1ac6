"""Matching a request to people: open duplicates of a request, likely duplicates of its subject (stewardship's
merge candidates and shared identifiers, re-scored by hygiene), and the DPO including or excluding a match."""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar.models import DsarRequest, RequestIdentifier, RequestMatch
from compliance.dsar.records import load_request, record_event, today_of, view
from compliance.dsar.states import OPEN
from compliance.errors import IllegalTransition, NotFound
from compliance.store.models import BlindIndex, Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.shape import profile_of
from hygiene.score import score


def open_duplicate(row_type: str, subject_ids: set[str], digests: list[tuple[str, bytes]]) -> str | None:
    """An open request of the same type by the same person (same subject or same intake identifier)."""
    open_ids: set[str] = set()
    if subject_ids:
        open_ids |= {m.request_id for m in RequestMatch.select().where(RequestMatch.subject_id.in_(list(subject_ids)))}
    for kind, digest in digests:
        open_ids |= {
            i.request_id
            for i in RequestIdentifier.select().where(
                (RequestIdentifier.kind == kind) & (RequestIdentifier.digest == digest)
            )
        }
    if not open_ids:
        return None
    found = (
        DsarRequest.select(DsarRequest.id)
        .where(DsarRequest.id.in_(list(open_ids)) & (DsarRequest.type == row_type) & DsarRequest.status.in_(OPEN))
        .order_by(DsarRequest.received_at)
        .first()
    )
    return found.id if found else None


def likely_duplicates(svc, subject_ids: set[str]) -> list[tuple[str, float]]:
    """Other subjects that may be the same person: open merge candidates and subjects sharing an identifier,
    kept when hygiene scores them at the review threshold or they share an exact identifier."""
    if not subject_ids:
        return []
    candidates: set[str] = set()
    mine = list(
        BlindIndex.select(BlindIndex.kind, BlindIndex.digest).where(BlindIndex.subject_id.in_(list(subject_ids)))
    )
    for index in mine:
        candidates |= {
            r.subject_id
            for r in BlindIndex.select(BlindIndex.subject_id).where(
                (BlindIndex.kind == index.kind) & (BlindIndex.digest == index.digest)
            )
        }
    exact = candidates - subject_ids
    for cand in MergeCandidate.select().where(
        (MergeCandidate.a_id.in_(list(subject_ids)) | MergeCandidate.b_id.in_(list(subject_ids)))
        & (MergeCandidate.status == "open")
    ):
        candidates |= {cand.a_id, cand.b_id}
    candidates -= subject_ids
    people = {s.id: s for s in Subject.select().where(Subject.id.in_(list(candidates)) & Subject.erased_at.is_null())}
    threshold = float(svc.policies.get("hygiene").get("thresholds", {}).get("review", 0.75))
    base = [profile_of(s) for s in Subject.select().where(Subject.id.in_(list(subject_ids)))]
    out = []
    for sid in sorted(people):
        other = profile_of(people[sid])
        best = max(
            (float(score(b, other, default_region=svc.policies.default_region).total) for b in base), default=0.0
        )
        if best >= threshold or sid in exact:
            out.append((sid, round(best, 4)))
    return out


def set_match(svc, actor: Actor, request_id: str, subject_id: str, *, include: bool) -> dict[str, Any]:
    """Include or exclude a matched subject (a likely duplicate the DPO recognises, or a wrong match)."""
    actor.require("requests:manage")
    with svc.transaction():
        row = load_request(request_id)
        if row.status not in OPEN or row.status == "in_progress":
            raise IllegalTransition(
                f"matches cannot change on a request that is {row.status}",
                errors=[{"field": "status", "code": f"transition.{row.status}.match"}],
            )
        found = RequestMatch.get_or_none((RequestMatch.request_id == row.id) & (RequestMatch.subject_id == subject_id))
        if found is None:
            raise NotFound("that subject is not matched to this request")
        RequestMatch.update(included=include).where(RequestMatch.id == found.id).execute()
        record_event(svc, actor, row, "include" if include else "exclude", row.status, row.status, subject=subject_id)
        svc.audit.record(
            actor, AuditAction.REQUEST_VERIFY, row.id, details={"subject": subject_id, "included": include}
        )
    return view(load_request(request_id), today_of(svc), full=True)
