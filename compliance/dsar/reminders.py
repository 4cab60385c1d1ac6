"""Reminders to the DPO: open requests at a configured offset before their due date, or overdue (once a day)."""

from __future__ import annotations

import json
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar import deadlines
from compliance.dsar.models import DsarRequest
from compliance.dsar.records import record_event, today_of
from compliance.dsar.regimes import rule_of
from compliance.dsar.states import OPEN
from compliance.mailer import Message


def send_reminders(svc, actor: Actor) -> list[dict[str, Any]]:
    """Remind the DPO of open requests whose due date is at a configured offset today, or overdue (once a day)."""
    actor.require("requests:manage")
    today = today_of(svc)
    to = svc.policies.controller.get("dpo_contact") or svc.policies.controller.get("contact")
    out = []
    with svc.transaction():
        for row in DsarRequest.select().where(DsarRequest.status.in_(OPEN)).order_by(DsarRequest.due_on):
            rule = rule_of(svc, row.regime)
            offsets = deadlines.reminders_due(rule, row.due_on, today)
            late = deadlines.is_overdue(row.due_on, today)
            if not offsets and not late:
                continue
            sent = json.loads(row.reminders_sent or "[]")
            key = f"{today.isoformat()}:{'overdue' if late else offsets[0]}"
            if key in sent:
                continue
            if to:
                svc.mailer.send(
                    Message(
                        to=to,
                        subject=f"{'OVERDUE' if late else 'Due soon'}: request {row.id}",
                        body=f"Request {row.id} ({row.type}, {rule.title}) is due {row.due_on.isoformat()}.",
                        kind="reminder",
                    )
                )
            DsarRequest.update(reminders_sent=json.dumps([*sent, key])).where(DsarRequest.id == row.id).execute()
            record_event(svc, actor, row, "reminder", row.status, row.status, key=key)
            out.append(
                {
                    "id": row.id,
                    "due_at": row.due_on.isoformat(),
                    "overdue": late,
                    "days_left": (row.due_on - today).days,
                }
            )
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, "", details={"reminders": len(out)})
    return out
