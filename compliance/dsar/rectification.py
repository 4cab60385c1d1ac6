"""Rectification (Art. 16, CCPA §7023): the corrected values replace the wrong ones, recipients are told."""

from __future__ import annotations

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar.models import DsarRequest
from compliance.dsar.notices import notify_requester, queue_notices
from compliance.dsar.records import complete, live_subject
from compliance.dsar.states import StepHook
from compliance.subjects.profiles import correct
from compliance.subjects.shape import profile_of


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Correct the profile of each subject of the request (one transaction) and notify recipients."""
    changes = dict((row.payload or {}).get("changes") or {})
    with svc.transaction():
        for sid in people:
            person = live_subject(sid)
            if person is None:
                continue
            profile = profile_of(person)
            mine = {k: v for k, v in changes.items() if k not in ("email", "phone")}
            for single, plural in (("email", "emails"), ("phone", "phones")):
                if single in changes:  # the corrected value replaces the wrong primary one, others stay
                    rest = (profile.get(plural) or [])[1:]
                    mine[plural] = [v for v in [changes[single], *rest] if v]
            correct(svc, svc.system_actor("dsar"), sid, mine, source=row.id)  # history names the request
        queue_notices(svc, row, people, "rectification", fields=sorted(changes))
        notify_requester(svc, actor, row, f"Your request {row.id} is done", "We corrected your data as you asked.")
        complete(svc, actor, row, "rectified", fields=sorted(changes))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "fields": sorted(changes)}
        )
