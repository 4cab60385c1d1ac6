"""Signals that change consent without a form: Global Privacy Control (Sec-GPC: 1) and objection (Art. 21(2)).

A GPC signal is honoured inside the same service call and transaction as the write it accompanies: adapters
only pass the header's value, the rule (which purpose, whether the actor may write consent) lives here.
"""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.consent.ledger import event_view, record, resolve, states_of, write_event
from compliance.consent.suppression import suppress_identifiers
from compliance.consent.tokens import void_tokens
from compliance.errors import NotFound, Suppressed
from compliance.policy.purposes import purposes_of
from compliance.store.models import Subject
from compliance.subjects.profiles import Written, save

GPC_PURPOSE = "sale_sharing"


def gpc_opt_out(svc, actor: Actor, person: Subject) -> dict[str, Any] | None:
    """Honour a Global Privacy Control signal: opt the person out of sale/sharing, asking nothing more (in the
    caller's transaction, or one of its own); None when there is nothing to record."""
    purposes = purposes_of(svc)
    if GPC_PURPOSE not in purposes or person is None:
        return None
    spec = purposes[GPC_PURPOSE]
    current = states_of(person.id).get((spec.id, spec.channels[0]))
    if current is not None and current.state == "withdrawn":
        return None
    with svc.transaction():
        event = write_event(svc, actor, person, spec, spec.channels[0], "withdraw", source="gpc", method="gpc_header")
    return event_view(event)


def record_with_gpc(svc, actor: Actor, *, gpc: bool = False, **event: Any) -> dict[str, Any]:
    """Record a consent event (as `ledger.record`); with a GPC signal, the sale/sharing opt-out goes with it in
    the same transaction and is returned under "gpc"."""
    with svc.transaction():
        out = record(svc, actor, **event)
        if gpc:
            out["gpc"] = gpc_opt_out(svc, actor, resolve(svc, out["subject"]))
    return out


def upsert_with_gpc(
    svc, actor: Actor, data: dict[str, Any], *, kind: str = "person", source: str | None = None, gpc: bool = False
) -> Written:
    """Create or update a subject (as `subjects.profiles.save`); with a GPC signal and an actor who may write
    consent, the sale/sharing opt-out is recorded in the same transaction."""
    if not (gpc and actor.can("consent:write")):
        return save(svc, actor, data, kind=kind, source=source)
    refused: Suppressed | None = None
    with svc.transaction():
        try:
            written = save(svc, actor, data, kind=kind, source=source)
        except Suppressed as exc:
            # The refusal is audited before anything is written: commit that entry, then refuse.
            refused = exc
        else:
            gpc_opt_out(svc, actor, resolve(svc, written.subject_id))
    if refused is not None:
        raise refused
    return written


def object_to_marketing(svc, actor: Actor, subject_id: str, *, source: str = "api") -> dict[str, Any]:
    """Art. 21(2): withdraw every marketing purpose on every channel and suppress the identifiers for marketing."""
    actor.require("consent:write")
    purposes = [p for p in purposes_of(svc).values() if p.marketing]
    with svc.transaction():
        person = resolve(svc, subject_id)
        if person is None or person.erased_at is not None:
            raise NotFound("no such subject")
        events = []
        for purpose in purposes:
            for channel in purpose.channels:
                void_tokens(svc, person.id, purpose.id, channel)
                event = write_event(svc, actor, person, purpose, channel, "withdraw", source=source, method="objection")
                events.append(event.id)
        added = suppress_identifiers(svc, person, scope="marketing", reason="objection")
        Subject.update(marketing_suppressed=True).where(Subject.id == person.id).execute()
        svc.audit.record(
            actor, AuditAction.CONSENT_OBJECTION, person.id, details={"events": len(events), "tombstones": added}
        )
    return {"subject": person.id, "withdrawn": len(events), "suppressed_identifiers": added}
