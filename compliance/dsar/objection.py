"""Objection to direct marketing (Art. 21(2)-(3)): every marketing consent is withdrawn, without verification."""

from __future__ import annotations

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.consent.ledger import object_to_marketing
from compliance.dsar.models import DsarRequest
from compliance.dsar.notices import notify_requester, queue_notices
from compliance.dsar.records import complete, live_subject
from compliance.dsar.states import StepHook


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Stop all direct marketing to each subject (one transaction) and notify recipients."""
    with svc.transaction():
        withdrawn = 0
        for sid in people:
            if live_subject(sid) is not None:
                withdrawn += object_to_marketing(svc, actor, sid, source="dsar")["withdrawn"]
        queue_notices(svc, row, people, "objection")
        notify_requester(svc, actor, row, f"Your request {row.id} is done", "We stopped all direct marketing to you.")
        complete(svc, actor, row, "marketing_stopped" if people else "no_data_held", withdrawn=withdrawn)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "withdrawn": withdrawn})
