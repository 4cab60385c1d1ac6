"""Consent ledger: recording immutable events, the state fold they define, and reading a subject's history.

Every change is a ConsentEvent (never updated; deleted only by erasure). The ConsentState row of the same
subject, purpose and channel is updated in the same transaction, so a check is one indexed read (plus the
subject row for restriction and suppression flags). `fold` is the pure definition the state must equal.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.consent.models import ConsentEvent, ConsentState
from compliance.consent.tokens import issue_token, redeem, void_tokens
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.errors import Conflict, Invalid, NotFound
from compliance.ids import has_prefix, new_id
from compliance.policy.purposes import Purpose, purposes_of
from compliance.store.models import Subject
from compliance.subjects.lookup import find_subjects

# A merge of merges of merges is possible (B into A, later A into C); no real chain is longer than this.
MAX_MERGE_HOPS = 16

# ---------------------------------------------------------------------------------------------------------
# The pure definition of state


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's end."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


def step(state: str, action: str) -> str:
    """The stored state after one event of a person (restore events carry their state instead)."""
    if action == "grant":
        return "granted"
    if action == "withdraw":
        return "withdrawn"
    if action == "pending":
        return "pending" if state != "granted" else "granted"  # a repeated sign-up never downgrades a grant
    if action == "confirm":
        return "granted" if state == "pending" else state
    raise ValueError(f"unknown consent action {action!r}")


def fold(events: Iterable[tuple], expiry_months: int | None) -> tuple[str, datetime | None]:
    """Stored state and expiry after events, oldest first: (action, time), or (action, time, state, expiry)
    for a restore event, which sets the state and expiry it records."""
    state, expires = "none", None
    for event in events:
        action, at = event[0], event[1]
        if action == "restore":
            state, expires = event[2], event[3]
            continue
        before = state
        state = step(state, action)
        if state == "granted" and before != "granted" or action == "grant":
            expires = add_months(at, expiry_months) if expiry_months else None
        elif state != "granted":
            expires = None
    return state, expires


def effective(stored: str, expires_at: datetime | None, now: datetime) -> str:
    """The state a check reports: a grant past its expiry reads as expired."""
    if stored == "granted" and expires_at is not None and expires_at <= now:
        return "expired"
    return stored


# ---------------------------------------------------------------------------------------------------------
# Who and what an event names


def purpose_spec(svc, purpose_id: str) -> Purpose:
    """The policy's purpose of that id, or Invalid naming the field."""
    purposes = purposes_of(svc)
    if purpose_id not in purposes:
        raise Invalid("unknown purpose", errors=[{"field": "purpose", "code": "purpose.unknown"}])
    return purposes[purpose_id]


def channel_of(purpose: Purpose, channel: str | None) -> str:
    """The channel an event or check is about: the one given (if the purpose uses it) or the purpose's first."""
    if channel is None:
        return purpose.channels[0]
    if channel not in purpose.channels:
        raise Invalid(
            f"purpose {purpose.id} does not use channel {channel}",
            errors=[{"field": "channel", "code": "channel.not_in_purpose"}],
        )
    return channel


def survivor_of(row: Subject | None) -> Subject | None:
    """The subject a merged-away record now lives in (itself when it was never merged)."""
    hops = 0
    while row is not None and row.merged_into and hops < MAX_MERGE_HOPS:
        row = Subject.get_or_none(Subject.id == row.merged_into)
        hops += 1
    return row


def resolve(svc, subject: str | None = None, email: str | None = None, phone: str | None = None) -> Subject | None:
    """The live subject named by id or identified by email/phone; None when nobody matches."""
    given = [v for v in (subject, email, phone) if v]
    if len(given) != 1:
        raise Invalid(
            "identify the person by exactly one of subject, email or phone",
            errors=[{"field": "subject|email|phone", "code": "identify.one"}],
        )
    if subject:
        if not has_prefix(subject, "sub"):
            raise Invalid("subject must be a sub_… id", errors=[{"field": "subject", "code": "subject.format"}])
        return survivor_of(Subject.get_or_none(Subject.id == subject))
    ids = find_subjects(svc, EMAIL if email else PHONE, email or phone)
    rows = list(
        Subject.select().where(Subject.id.in_(list(ids)) & Subject.erased_at.is_null() & Subject.merged_into.is_null())
    )
    if len(rows) > 1:
        raise Conflict(
            "that identifier belongs to several subjects; use the subject id",
            errors=[{"field": "email" if email else "phone", "code": "identify.ambiguous"}],
        )
    return rows[0] if rows else None


# ---------------------------------------------------------------------------------------------------------
# Writing events


def _hash_evidence(svc, evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    if not evidence:
        return None
    out = {}
    for key, value in evidence.items():
        if key == "ip" and value:
            # Keyed hash: proves which address was used without storing it.
            out["ip_hmac"] = hmac.new(svc.keys.audit_key(), str(value).encode(), hashlib.sha256).hexdigest()
        elif key in ("user_agent", "form", "page", "campaign", "locale", "ip_hmac"):
            out[key] = str(value)[:512]
        else:
            raise Invalid("unknown evidence field", errors=[{"field": f"evidence.{key}", "code": "evidence.unknown"}])
    return out


_AUDIT_ACTIONS = {
    "grant": AuditAction.CONSENT_GRANT,
    "withdraw": AuditAction.CONSENT_WITHDRAW,
    "pending": AuditAction.CONSENT_GRANT,
    "confirm": AuditAction.CONSENT_CONFIRM,
}


def write_event(
    svc,
    actor: Actor,
    subject: Subject,
    purpose: Purpose,
    channel: str,
    action: str,
    *,
    source: str,
    method: str,
    notice_version: str | None = None,
    evidence: dict | None = None,
    restores: tuple[str, datetime | None] | None = None,
) -> ConsentEvent:
    """Append an event and update the state row (caller holds the transaction); a restore event names the
    (state, expiry) it sets in `restores`."""
    now = svc.clock.now()
    key = (
        (ConsentState.subject_id == subject.id)
        & (ConsentState.purpose == purpose.id)
        & (ConsentState.channel == channel)
    )
    state_row = ConsentState.get_or_none(key)
    before = state_row.state if state_row else "none"
    if action == "restore":
        if restores is None:
            raise ValueError("a restore event names the state it restores")
        after, expires = restores
    else:
        after = step(before, action)
        if after == "granted" and (before != "granted" or action == "grant"):
            expires = add_months(now, purpose.expiry_months) if purpose.expiry_months else None
        elif after == "granted" and state_row is not None:
            expires = state_row.expires_at
        else:
            expires = None
    event = ConsentEvent(
        id=new_id("cev"),
        subject_id=subject.id,
        purpose=purpose.id,
        channel=channel,
        action=action,
        state_after=after,
        source=source[:64],
        method=method[:64],
        notice_version=(notice_version or purpose.notice_version)[:64],
        legal_basis=purpose.legal_basis,
        occurred_at=now,
        actor=actor.principal_id,
        receipt_id=new_id("cev").replace("cev_", "rcp_"),
        expires_at=expires,
    )
    event.evidence = _hash_evidence(svc, evidence)
    event.save()
    if action == "restore" and after == "none":  # back to nothing recorded: no row, as before the first event
        ConsentState.delete().where(key).execute()
    elif state_row is None:
        ConsentState.insert(
            subject_id=subject.id,
            purpose=purpose.id,
            channel=channel,
            state=after,
            updated_at=now,
            expires_at=expires,
            event_id=event.id,
        ).execute()
    else:
        ConsentState.update(state=after, updated_at=now, expires_at=expires, event_id=event.id).where(key).execute()
    if source == "gpc":
        audit_action = AuditAction.CONSENT_GPC
    elif action == "restore":
        audit_action = AuditAction.CONSENT_GRANT if after in ("granted", "pending") else AuditAction.CONSENT_WITHDRAW
    else:
        audit_action = _AUDIT_ACTIONS[action]
    svc.audit.record(
        actor,
        audit_action,
        event.id,
        details={"subject": subject.id, "purpose": purpose.id, "channel": channel, "state": after},
    )
    return event


def event_view(event: ConsentEvent) -> dict[str, Any]:
    """A consent event as output (evidence omitted: it stays encrypted)."""
    return {
        "id": event.id,
        "subject": event.subject_id,
        "purpose": event.purpose,
        "channel": event.channel,
        "action": event.action,
        "state": event.state_after,
        "source": event.source,
        "method": event.method,
        "notice_version": event.notice_version,
        "legal_basis": event.legal_basis,
        "occurred_at": iso(event.occurred_at),
        "actor": event.actor,
        "receipt_id": event.receipt_id,
        "expires_at": iso(event.expires_at),
    }


def record(
    svc,
    actor: Actor,
    *,
    purpose: str,
    action: str,
    subject: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    channel: str | None = None,
    source: str = "api",
    method: str | None = None,
    notice_version: str | None = None,
    evidence: dict | None = None,
) -> dict[str, Any]:
    """Record a grant or withdrawal of one purpose on one channel; a double opt-in grant becomes pending."""
    actor.require("consent:write")
    if action not in ("grant", "withdraw"):
        raise Invalid("action must be grant or withdraw", errors=[{"field": "action", "code": "action.unknown"}])
    if isinstance(purpose, list | tuple):
        raise Invalid("one event names one purpose", errors=[{"field": "purpose", "code": "purpose.bundled"}])
    spec = purpose_spec(svc, purpose)
    chan = channel_of(spec, channel)
    method = method or ("web_form" if source == "web" else source)
    written = {"source": source, "method": method, "notice_version": notice_version, "evidence": evidence}
    with svc.transaction():
        person = resolve(svc, subject, email, phone)
        if person is None or person.erased_at is not None:
            raise NotFound("no such subject")
        token = None
        if action == "grant" and spec.double_opt_in:
            event = write_event(svc, actor, person, spec, chan, "pending", **written)
            if event.state_after == "pending":
                token = issue_token(svc, person, spec, chan, event.id)
        else:
            if action == "withdraw":
                void_tokens(svc, person.id, spec.id, chan)
            event = write_event(svc, actor, person, spec, chan, action, **written)
    out = event_view(event)
    if token is not None:
        out["confirmation"] = "sent"
    return out


def confirm(svc, actor: Actor, token: str) -> dict[str, Any]:
    """Confirm a double opt-in with its token (single use, expiring)."""
    with svc.transaction():
        row = redeem(svc, token)
        # A record merged away since the sign-up is confirmed on the subject it now lives in.
        person = survivor_of(Subject.get_or_none(Subject.id == row.subject_id))
        if person is None or person.erased_at is not None:
            raise NotFound("unknown confirmation code")
        event = write_event(
            svc,
            actor,
            person,
            purpose_spec(svc, row.purpose),
            row.channel,
            "confirm",
            source="double_opt_in",
            method="email_confirmation",
        )
    return event_view(event)


# ---------------------------------------------------------------------------------------------------------
# Reading


def states_of(subject_id: str) -> dict[tuple[str, str], ConsentState]:
    """The stored state rows of one subject by (purpose, channel)."""
    return {(s.purpose, s.channel): s for s in ConsentState.select().where(ConsentState.subject_id == subject_id)}


def history(svc, actor: Actor, subject_id: str) -> dict[str, Any]:
    """Current states and every event of one subject, oldest first."""
    actor.require("consent:read")
    person = resolve(svc, subject_id)
    if person is None or person.erased_at is not None:
        raise NotFound("no such subject")
    now = svc.clock.now()
    states = [
        {
            "purpose": s.purpose,
            "channel": s.channel,
            "state": effective(s.state, s.expires_at, now),
            "expires_at": iso(s.expires_at),
            "updated_at": iso(s.updated_at),
        }
        for s in ConsentState.select()
        .where(ConsentState.subject_id == person.id)
        .order_by(ConsentState.purpose, ConsentState.channel)
    ]
    events = [
        event_view(e)
        for e in ConsentEvent.select().where(ConsentEvent.subject_id == person.id).order_by(ConsentEvent.seq)
    ]
    svc.audit.record(actor, AuditAction.CONSENT_READ, person.id, details={"events": len(events)})
    return {"subject": person.id, "states": states, "events": events}
