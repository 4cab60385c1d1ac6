"""Restriction of processing (Art. 18): the data is only stored until the restriction is lifted, the person first."""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar.models import DsarRequest
from compliance.dsar.notices import notify_requester, queue_notices
from compliance.dsar.records import complete, included_subjects, load_request, record_event, today_of, view
from compliance.dsar.states import StepHook
from compliance.errors import IllegalTransition, Invalid
from compliance.store.models import Subject


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Mark each subject restricted (one transaction), notify recipients and the requester."""
    with svc.transaction():
        Subject.update(restricted=True, updated_at=svc.clock.now()).where(Subject.id.in_(people)).execute()
        queue_notices(svc, row, people, "restriction")
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} is done",
            "We now only store your data and do not otherwise use it. We will tell you before lifting this.",
        )
        complete(svc, actor, row, "restricted", subjects=len(people))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": len(people)}
        )


def lift_restriction(svc, actor: Actor, request_id: str, *, reason: str) -> dict[str, Any]:
    """Lift a restriction (Art. 18(3)): the subject is told first, recipients get a notice."""
    actor.require("requests:approve")
    if not reason or not reason.strip():
        raise Invalid("lifting a restriction needs a reason", errors=[{"field": "reason", "code": "reason.required"}])
    with svc.transaction():
        row = load_request(request_id)
        if row.type != "restriction" or row.status != "completed":
            raise IllegalTransition(
                "only a completed restriction can be lifted",
                errors=[{"field": "status", "code": f"transition.{row.status}.lift"}],
            )
        people = included_subjects(row.id)
        notify_requester(
            svc,
            actor,
            row,
            f"Restriction of your data ends ({row.id})",
            f"The restriction of processing you asked for in {row.id} is being lifted. Reason: {reason.strip()}",
            kind="restriction_lifted",
        )
        Subject.update(restricted=False, updated_at=svc.clock.now()).where(Subject.id.in_(people)).execute()
        queue_notices(svc, row, people, "restriction_lifted")
        record_event(svc, actor, row, "lift_restriction", row.status, row.status)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": "restriction_lifted"})
    return view(load_request(request_id), today_of(svc), full=True)
