"""Intake of a data-subject request: checks, the date of receipt, matching by blind index, the acknowledgement.

Identifiers given at intake are kept only as blind indexes; the values typed are never stored.
Deadlines count from receipt (compliance.dsar.deadlines and policies/regimes.yaml).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import parse_iso
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.dsar import deadlines
from compliance.dsar.matching import likely_duplicates, open_duplicate
from compliance.dsar.models import DsarRequest, RequestIdentifier, RequestMatch
from compliance.dsar.notices import requester_address
from compliance.dsar.records import live_subject, matches_of, record_event, today_of, view
from compliance.dsar.regimes import rule_of
from compliance.dsar.states import INTAKE_CHANNELS, TYPES
from compliance.errors import Invalid
from compliance.ids import has_prefix, new_id
from compliance.mailer import Message
from compliance.store.models import Subject
from compliance.subjects.lookup import find_subjects
from hygiene.profile import TEXT_FIELDS

# What a rectification request may correct: the profile's text fields (free-text notes aside) and one email or
# phone, derived from the one profile schema.
CORRECTABLE = tuple(f for f in TEXT_FIELDS if f != "notes") + ("email", "phone")


def _received(svc, received_at: str | datetime | None) -> datetime:
    # Whole seconds: the time shown everywhere (and used as the list cursor) is then the stored time.
    now = svc.clock.now().replace(microsecond=0)
    if received_at is None:
        return now
    if isinstance(received_at, datetime):
        value = received_at
    else:
        try:
            value = parse_iso(str(received_at))
        except ValueError:
            raise Invalid(
                "received_at must be an ISO-8601 date or time", errors=[{"field": "received_at", "code": "date.format"}]
            ) from None
    if value > now + timedelta(minutes=5):
        raise Invalid("received_at is in the future", errors=[{"field": "received_at", "code": "date.future"}])
    return value.replace(microsecond=0)


def _changes(data: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        raise Invalid(
            "a rectification names the fields to correct and their new values",
            errors=[{"field": "changes", "code": "changes.required"}],
        )
    errors = []
    for key, value in data.items():
        if key not in CORRECTABLE:
            errors.append({"field": f"changes.{key}", "code": "field.unknown"})
        elif value is not None and not isinstance(value, str):
            errors.append({"field": f"changes.{key}", "code": "type.string"})
    if errors:
        raise Invalid("the rectification has invalid fields", errors=errors)
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


def submit(
    svc,
    actor: Actor,
    *,
    type: str,  # noqa: A002 - the request's type, as in the API
    regime: str,
    email: str | None = None,
    phone: str | None = None,
    subject: str | None = None,
    received_at: str | datetime | None = None,
    channel: str | None = None,
    scope: str = "specific",
    lookback: str = "default",
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record a request; deadlines count from receipt. Returns id, status, due date, matches, duplicate flag."""
    actor.require("requests:submit")
    if type not in TYPES:
        raise Invalid(f"type must be one of {', '.join(TYPES)}", errors=[{"field": "type", "code": "type.unknown"}])
    if type == "consent_withdrawal" and regime != "ru152":
        # Elsewhere a withdrawal is a consent event (POST /v1/consent/events), not a request.
        raise Invalid(
            "consent_withdrawal requests exist under ru152; record a withdrawal through consent instead",
            errors=[{"field": "type", "code": "type.regime"}],
        )
    rule = rule_of(svc, regime)
    given = [(k, v) for k, v in ((EMAIL, email), (PHONE, phone), ("subject", subject)) if v]
    if len(given) != 1:
        raise Invalid(
            "identify the requester by exactly one of email, phone or subject",
            errors=[{"field": "email|phone|subject", "code": "identify.one"}],
        )
    channel = channel or (actor.channel if actor.channel in INTAKE_CHANNELS else "api")
    if channel not in INTAKE_CHANNELS:
        raise Invalid(
            f"channel must be one of {', '.join(INTAKE_CHANNELS)}",
            errors=[{"field": "channel", "code": "channel.unknown"}],
        )
    if scope not in ("specific", "categories"):
        raise Invalid("scope must be specific or categories", errors=[{"field": "scope", "code": "scope.unknown"}])
    if lookback not in ("default", "full"):
        raise Invalid("lookback must be default or full", errors=[{"field": "lookback", "code": "lookback.unknown"}])
    payload = {"changes": _changes(changes)} if type == "rectification" else None
    received = _received(svc, received_at)
    kind, value = given[0]
    digests: list[tuple[str, bytes]] = []
    if kind == "subject":
        if not has_prefix(value, "sub"):
            raise Invalid("subject must be a sub_… id", errors=[{"field": "subject", "code": "subject.format"}])
        exact = {value} if live_subject(value) else set()
    else:
        digest = svc.indexer.digest(kind, value)
        if digest is None:
            raise Invalid(f"the {kind} cannot be read", errors=[{"field": kind, "code": f"{kind}.invalid"}])
        digests.append((kind, digest))
        exact = {
            s.id
            for s in Subject.select(Subject.id).where(
                Subject.id.in_(list(find_subjects(svc, kind, value)))
                & Subject.erased_at.is_null()
                & Subject.merged_into.is_null()
            )
        }
    if payload is not None and len(exact) != 1:
        raise Invalid(
            "a rectification needs exactly one matching subject; submit it by subject id",
            errors=[{"field": kind, "code": "subject.not_matched"}],
        )
    likely = likely_duplicates(svc, exact)
    received_day = received.date()
    due = deadlines.due_date(rule, type, received_day)
    now = svc.clock.now()
    with svc.transaction():
        duplicate = open_duplicate(type, exact, digests)
        row = DsarRequest(
            id=new_id("req"),
            type=type,
            regime=regime,
            status="received",
            channel=channel,
            received_at=received,
            created_at=now,
            updated_at=now,
            due_on=due,
            original_due_on=due,
            ack_due_on=deadlines.acknowledge_by(rule, received_day, type),
            subject_id=sorted(exact)[0] if len(exact) == 1 else None,
            duplicate_of=duplicate,
            scope=scope,
            lookback=lookback,
        )
        if payload is not None:
            row.payload = payload
        row.save(force_insert=True)
        for kind_, digest in digests:
            RequestIdentifier.insert(
                request_id=row.id, kind=kind_, digest=digest, key_version=svc.indexer.active
            ).execute()
        for sid in sorted(exact):
            RequestMatch.insert(request_id=row.id, subject_id=sid, match="exact", included=True).execute()
        for sid, score in likely:
            RequestMatch.insert(
                request_id=row.id, subject_id=sid, match="likely", score=score, included=False
            ).execute()
        record_event(
            svc, actor, row, "submit", None, "received", matched=len(exact), likely=len(likely), duplicate_of=duplicate
        )
        svc.audit.record(
            actor,
            AuditAction.REQUEST_SUBMIT,
            row.id,
            details={"type": type, "regime": regime, "matched": len(exact), "likely": len(likely)},
        )
        ack = (row.subject_id, email) if kind == EMAIL else requester_address(row)
        if ack:
            # The acknowledgement goes to the address typed, held in memory only for this send. Its subject (when
            # matched) is on the message; without one, erasure finds it by the address alone.
            ack_subject, ack_to = ack
            svc.mailer.send(
                Message(
                    to=ack_to,
                    subject=f"We received your request {row.id}",
                    body=(
                        f"We received your {type.replace('_', '-')} request on {received_day.isoformat()} "
                        f"(reference {row.id}). We will answer by {due.isoformat()} ({rule.title}).\n"
                        "We may ask you to confirm your identity before we act on it."
                    ),
                    kind="request_ack",
                    subject_id=ack_subject,
                )
            )
            DsarRequest.update(acknowledged_at=now).where(DsarRequest.id == row.id).execute()
            row.acknowledged_at = now
    out = view(row, today_of(svc))
    out["matched"] = matches_of(row.id)
    return out
