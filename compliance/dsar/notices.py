"""Notices: mail to the requester through the mailer seam, and the outbox of notices to downstream recipients
(Art. 17(2), 19; CCPA §7022(b)) with one status per recipient."""

from __future__ import annotations

import json
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.dsar.models import DsarRequest, RequestNotice
from compliance.dsar.records import included_subjects, live_subject, record_event
from compliance.errors import Invalid, NotFound
from compliance.mailer import Message
from compliance.policy.recipients import to_notify
from compliance.subjects.shape import profile_of


def requester_address(row: DsarRequest) -> tuple[str, str] | None:
    """(subject id, email) notices to the requester go to: the matched subject's primary email (decrypted in
    memory), with the subject so the message can be found again when the person is erased."""
    for sid in [row.subject_id, *included_subjects(row.id)]:
        if not sid:
            continue
        person = live_subject(sid)
        if person is not None:
            emails = profile_of(person).get("emails") or []
            if emails:
                return sid, emails[0]
    return None


def notify_requester(svc, actor: Actor, row: DsarRequest, subject: str, body: str, kind: str = "notice") -> bool:
    """Mail the requester through the mailer seam; the timeline records whether it could be sent."""
    found = requester_address(row)
    if found is None:
        record_event(svc, actor, row, "notice.undeliverable", row.status, row.status, kind=kind)
        return False
    sid, to = found
    svc.mailer.send(Message(to=to, subject=subject, body=body, kind=kind, subject_id=sid))
    record_event(svc, actor, row, "notice.sent", row.status, row.status, kind=kind)
    return True


def queue_notices(svc, row: DsarRequest, subject_ids: list[str], kind: str, **details) -> int:
    """One outbox notice per recipient listed for this kind and subject (idempotent)."""
    now = svc.clock.now()
    count = 0
    for recipient in to_notify(svc, kind):
        for sid in subject_ids:
            count += (
                RequestNotice.insert(
                    request_id=row.id,
                    recipient=recipient.id,
                    kind=kind,
                    subject_id=sid,
                    status="pending",
                    created_at=now,
                    updated_at=now,
                    details=json.dumps(details, sort_keys=True),
                )
                .on_conflict_ignore()
                .execute()
                and 1
                or 0
            )
    return count


def set_notice_status(svc, actor: Actor, notice_id: int, status: str) -> dict[str, Any]:
    """Record what a downstream recipient did with a notice (sent, acknowledged, failed)."""
    actor.require("requests:manage")
    if status not in ("pending", "sent", "acknowledged", "failed"):
        raise Invalid("unknown notice status", errors=[{"field": "status", "code": "status.unknown"}])
    with svc.transaction():
        notice = RequestNotice.get_or_none(RequestNotice.id == notice_id)
        if notice is None:
            raise NotFound("no such notice")
        RequestNotice.update(status=status, updated_at=svc.clock.now()).where(RequestNotice.id == notice_id).execute()
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, notice.request_id, details={"notice": notice_id, "status": status}
        )
    return {"id": notice_id, "request": notice.request_id, "recipient": notice.recipient, "status": status}
