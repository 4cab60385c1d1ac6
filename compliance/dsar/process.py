"""Carrying out a request: start (or resume) it under the state machine, then run the fulfilment of its type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar import access, consent_withdrawal, erasure, objection, opt_out, rectification, restriction
from compliance.dsar.models import DsarRequest
from compliance.dsar.records import included_subjects, load_request, record_event, today_of, view
from compliance.dsar.states import ACTION_SCOPES, TYPES, StepHook, required_scopes, transition

Fulfilment = Callable[..., None]
# Request type -> the fulfilment that carries it out; every type has exactly one (checked below at import).
FULFILMENTS: dict[str, Fulfilment] = {
    "access": access.fulfil,
    "portability": access.fulfil,
    "erasure": erasure.fulfil,
    "rectification": rectification.fulfil,
    "restriction": restriction.fulfil,
    "objection": objection.fulfil,
    "opt_out": opt_out.fulfil,
    "consent_withdrawal": consent_withdrawal.fulfil,
}
if set(FULFILMENTS) != set(TYPES):  # a new type without a fulfilment must fail loudly, not at the DPO's click
    raise RuntimeError(f"request types without a fulfilment: {sorted(set(TYPES) - set(FULFILMENTS))}")


def _start(svc, actor: Actor, request_id: str) -> DsarRequest:
    with svc.transaction():
        row = load_request(request_id)
        after = transition(row, "process")
        if row.status != after:
            DsarRequest.update(status=after, updated_at=svc.clock.now()).where(DsarRequest.id == row.id).execute()
            record_event(svc, actor, row, "process", row.status, after)
            row.status = after
        else:
            record_event(svc, actor, row, "resume", row.status, after)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "step": "start"})
    return row


def process(svc, actor: Actor, request_id: str, *, on_step: StepHook | None = None) -> dict[str, Any]:
    """Carry out a request (verified, and approved for an erasure); resumes an interrupted erasure.

    `on_step(subject, step)` is called after each committed step of an erasure (see states.StepHook).
    """
    actor.require(ACTION_SCOPES["process"])
    row = load_request(request_id)
    for scope in required_scopes("process", row.type):
        actor.require(scope)
    row = _start(svc, actor, request_id)
    FULFILMENTS[row.type](svc, actor, row, included_subjects(row.id), on_step=on_step)
    return view(load_request(request_id), today_of(svc), full=True)
