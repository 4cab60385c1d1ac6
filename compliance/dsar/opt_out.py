"""Opt-out of sale and sharing (CCPA §7026): the sale_sharing purpose is withdrawn, without verification."""

from __future__ import annotations

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.consent.ledger import record
from compliance.dsar.models import DsarRequest
from compliance.dsar.notices import notify_requester, queue_notices
from compliance.dsar.records import complete, live_subject
from compliance.dsar.states import StepHook
from compliance.policy.purposes import purposes_of


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Withdraw sale/sharing for each subject (one transaction) and notify recipients."""
    with svc.transaction():
        done = 0
        if "sale_sharing" in purposes_of(svc):
            for sid in people:
                if live_subject(sid) is not None:
                    record(svc, actor, subject=sid, purpose="sale_sharing", action="withdraw", source="dsar")
                    done += 1
        queue_notices(svc, row, people, "opt_out")
        notify_requester(
            svc, actor, row, f"Your request {row.id} is done", "We no longer sell or share your personal information."
        )
        complete(svc, actor, row, "opted_out" if people else "no_data_held", subjects=done)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": done})
