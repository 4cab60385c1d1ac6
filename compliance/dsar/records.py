"""The record of one request: loading it, its timeline events, its subjects, how it is shown, and completing it."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from compliance.access.actor import Actor
from compliance.clock import iso
from compliance.dsar import deadlines
from compliance.dsar.models import (
    DsarRequest,
    ErasureCertificate,
    ErasureStep,
    RequestEvent,
    RequestMatch,
    RequestNotice,
)
from compliance.dsar.states import OPEN
from compliance.errors import NotFound
from compliance.ids import has_prefix
from compliance.store.models import Subject


def today_of(svc) -> date:
    """The controller's date today (from the clock seam)."""
    return svc.clock.now().date()


def load_request(request_id: str) -> DsarRequest:
    """A request by id; NotFound otherwise."""
    if not has_prefix(request_id, "req"):
        raise NotFound("no such request")
    row = DsarRequest.get_or_none(DsarRequest.id == request_id)
    if row is None:
        raise NotFound("no such request")
    return row


def record_event(
    svc, actor: Actor, row: DsarRequest, action: str, before: str | None, after: str | None, **details
) -> None:
    """Append a step to the request's timeline (who, from which status to which; no personal data)."""
    RequestEvent.insert(
        request_id=row.id,
        at=svc.clock.now(),
        action=action,
        from_status=before,
        to_status=after,
        actor=actor.principal_id,
        details=json.dumps(details, sort_keys=True, default=str),
    ).execute()


def included_subjects(request_id: str) -> list[str]:
    """Subject ids the request applies to (exact matches and likely ones the DPO included), in a stable order."""
    rows = RequestMatch.select().where((RequestMatch.request_id == request_id) & RequestMatch.included)
    return sorted(r.subject_id for r in rows)


def live_subject(subject_id: str) -> Subject | None:
    """The subject unless it is unknown or erased."""
    return Subject.get_or_none((Subject.id == subject_id) & Subject.erased_at.is_null())


def matches_of(request_id: str) -> list[dict[str, Any]]:
    """Matched subjects of a request (exact first)."""
    rows = RequestMatch.select().where(RequestMatch.request_id == request_id)
    ordered = sorted(rows, key=lambda m: (m.match != "exact", m.subject_id))
    return [{"subject": m.subject_id, "match": m.match, "score": m.score, "included": m.included} for m in ordered]


def view(row: DsarRequest, today: date, *, full: bool = False) -> dict[str, Any]:
    """A request as output: ids, dates, status and record fields; never personal data."""
    out: dict[str, Any] = {
        "id": row.id,
        "type": row.type,
        "regime": row.regime,
        "status": row.status,
        "channel": row.channel,
        "received_at": iso(row.received_at),
        "due_at": row.due_on.isoformat(),
        "original_due_at": row.original_due_on.isoformat(),
        "acknowledge_by": row.ack_due_on.isoformat() if row.ack_due_on else None,
        "acknowledged_at": iso(row.acknowledged_at),
        "extended": row.extended_at is not None,
        "extended_at": iso(row.extended_at),
        "overdue": row.status in OPEN and deadlines.is_overdue(row.due_on, today),
        "days_left": deadlines.days_left(row.due_on, today) if row.status in OPEN else None,
        "verified": row.verified_at is not None,
        "approved": row.approved_at is not None,
        "subject": row.subject_id,
        "duplicate_of": row.duplicate_of,
        "response": row.response,
        "response_at": iso(row.response_at),
        "denial_ground": row.denial_ground,
    }
    if full:
        out["extension_reason"] = row.extension_reason
        out["scope"] = row.scope
        out["lookback"] = row.lookback
        out["verification"] = {
            "method": row.verification_method,
            "points": json.loads(row.verification_points or "[]"),
            "note": row.verification_note,
            "by": row.verified_by,
            "at": iso(row.verified_at),
        }
        out["approved_by"] = row.approved_by
        out["approved_at"] = iso(row.approved_at)
        out["matched"] = matches_of(row.id)
        out["notices"] = [
            {
                "id": n.id,
                "recipient": n.recipient,
                "kind": n.kind,
                "subject": n.subject_id,
                "status": n.status,
                "updated_at": iso(n.updated_at),
            }
            for n in RequestNotice.select().where(RequestNotice.request_id == row.id).order_by(RequestNotice.id)
        ]
        out["timeline"] = [
            {
                "at": iso(e.at),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "details": json.loads(e.details or "{}"),
            }
            for e in RequestEvent.select().where(RequestEvent.request_id == row.id).order_by(RequestEvent.seq)
        ]
        out["erasure_steps"] = [
            {"subject": s.subject_id, "step": s.step, "at": iso(s.done_at)}
            for s in ErasureStep.select().where(ErasureStep.request_id == row.id).order_by(ErasureStep.id)
        ]
        out["certificate"] = ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id) is not None
    return out


def complete(svc, actor: Actor, row: DsarRequest, response: str, **details) -> None:
    """Mark an in-progress request completed with the nature of the response (caller holds a transaction)."""
    now = svc.clock.now()
    DsarRequest.update(status="completed", response=response, response_at=now, updated_at=now).where(
        DsarRequest.id == row.id
    ).execute()
    record_event(svc, actor, row, "complete", "in_progress", "completed", response=response, **details)
    row.status = "completed"
