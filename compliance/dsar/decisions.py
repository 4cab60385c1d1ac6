"""Decisions on a request: the one extension of its deadline, a DPO's approval, a rejection with a ground."""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar import deadlines, request_keys
from compliance.dsar.models import DsarRequest
from compliance.dsar.notices import notify_requester
from compliance.dsar.records import load_request, record_event, today_of, view
from compliance.dsar.regimes import rule_of
from compliance.dsar.states import ACTION_SCOPES, transition
from compliance.errors import IllegalTransition, Invalid


def extend(svc, actor: Actor, request_id: str, *, reason: str) -> dict[str, Any]:
    """The one extension: before the original due date, with a reason, notified to the requester."""
    actor.require(ACTION_SCOPES["extend"])
    if not reason or not reason.strip():
        raise Invalid("an extension needs a reason", errors=[{"field": "reason", "code": "reason.required"}])
    with svc.transaction():
        row = load_request(request_id)
        after = transition(row, "extend")
        rule = rule_of(svc, row.regime)
        ok, why = deadlines.can_extend(
            rule, row.extended_at is not None, today_of(svc), row.original_due_on, request_type=row.type, reason=reason
        )
        if not ok:
            raise IllegalTransition(
                why or "no extension possible", errors=[{"field": "status", "code": "extension.refused"}]
            )
        new_due = deadlines.extended_due(rule, row.type, row.received_at.date(), row.original_due_on)
        now = svc.clock.now()
        DsarRequest.update(
            status=after,
            due_on=new_due,
            extended_at=now,
            extension_reason=request_keys.seal_text(svc, row.id, DsarRequest.extension_reason, reason.strip()[:1000]),
            updated_at=now,
        ).where(DsarRequest.id == row.id).execute()
        record_event(svc, actor, row, "extend", row.status, after, due_at=new_due.isoformat())
        row.status = after
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id}: more time needed",
            (
                f"We need more time to answer your request {row.id}. Reason: {reason.strip()}\n"
                f"We will answer by {new_due.isoformat()} ({rule.title})."
            ),
            kind="extension",
        )
        svc.audit.record(actor, AuditAction.REQUEST_EXTEND, row.id, details={"due": new_due.isoformat()})
    return view(load_request(request_id), today_of(svc), full=True)


def approve(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """A DPO's approval (required before an erasure runs)."""
    actor.require(ACTION_SCOPES["approve"])
    with svc.transaction():
        row = load_request(request_id)
        transition(row, "approve")
        now = svc.clock.now()
        DsarRequest.update(approved_at=now, approved_by=actor.principal_id, updated_at=now).where(
            DsarRequest.id == row.id
        ).execute()
        record_event(svc, actor, row, "approve", row.status, row.status)
        svc.audit.record(actor, AuditAction.REQUEST_APPROVE, row.id, details={"type": row.type})
    return view(load_request(request_id), today_of(svc), full=True)


def reject(svc, actor: Actor, request_id: str, *, ground: str) -> dict[str, Any]:
    """Refuse a request with a ground (DPO only); the notice tells the requester of the right to complain."""
    actor.require(ACTION_SCOPES["reject"])
    if not ground or not ground.strip():
        raise Invalid("a rejection needs a ground", errors=[{"field": "ground", "code": "ground.required"}])
    with svc.transaction():
        row = load_request(request_id)
        after = transition(row, "reject")
        rule = rule_of(svc, row.regime)
        now = svc.clock.now()
        DsarRequest.update(
            status=after,
            denial_ground=request_keys.seal_text(svc, row.id, DsarRequest.denial_ground, ground.strip()[:1000]),
            response="rejected",
            response_at=now,
            updated_at=now,
        ).where(DsarRequest.id == row.id).execute()
        record_event(svc, actor, row, "reject", row.status, after)
        row.status = after
        complaint = rule.complaint or "You have the right to lodge a complaint with a supervisory authority."
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} was refused",
            f"We cannot act on your request {row.id}. Ground: {ground.strip()}\n{complaint}",
            kind="rejection",
        )
        svc.audit.record(actor, AuditAction.REQUEST_REJECT, row.id, details={"type": row.type})
    return view(load_request(request_id), today_of(svc), full=True)
