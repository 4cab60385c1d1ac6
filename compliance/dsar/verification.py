"""Verifying the requester: an emailed one-time code or a DPO's manual check, and the matched data points
each regime needs (CCPA §7060-7062). Values given are compared in memory; only the names of matching fields are kept."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.dsar import request_keys
from compliance.dsar.models import DsarRequest, RequestIdentifier
from compliance.dsar.records import included_subjects, live_subject, load_request, record_event, today_of, view
from compliance.dsar.states import ACTION_SCOPES, APPROVE, transition
from compliance.errors import Conflict, Invalid
from compliance.mailer import Message
from compliance.subjects.shape import profile_of
from hygiene.identifiers import email_key
from hygiene.phones import phone_key

VERIFY_FIELDS = ("first_name", "last_name", "middle_name", "birth_date", "postcode", "street", "city", "email", "phone")


CODE_HOURS = 24


CODE_ATTEMPTS = 5


def required_points(regime: str, request_type: str, scope: str = "specific") -> int:
    """Matched data points needed to verify (CCPA §7060-7062: 2 for categories, 3 for specific pieces)."""
    if regime == "ccpa":
        if request_type == "portability" or (request_type == "access" and scope == "specific"):
            return 3
        return 2
    return 1


def _norm(field: str, value: Any, region: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if field == "email":
        return email_key(text)
    if field == "phone":
        return phone_key(text, region) or text
    if field == "birth_date":
        return text[:10]
    return " ".join(text.casefold().replace("ё", "е").split())


def matched_points(profile: dict[str, Any], given: dict[str, str], region: str) -> list[str]:
    """Names of the given data points that agree with the profile (values are compared, never kept)."""
    out = []
    for field, value in given.items():
        want = _norm(field, value, region)
        if want is None:
            continue
        if field == "email":
            have = {_norm("email", v, region) for v in profile.get("emails") or []}
        elif field == "phone":
            have = {_norm("phone", v, region) for v in profile.get("phones") or []}
        else:
            have = {_norm(field, profile.get(field), region)}
        if want in have:
            out.append(field)
    return sorted(out)


def _code_digest(svc, request_id: str, code: str) -> str:
    return hmac.new(svc.keys.audit_key(), f"{request_id}:{code}".encode(), hashlib.sha256).hexdigest()


def verify(
    svc,
    actor: Actor,
    request_id: str,
    *,
    method: str,
    code: str | None = None,
    note: str | None = None,
    match: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Verify the requester: an emailed one-time code (sent when no code is given), or manually by a DPO
    with a note. `match` holds further data points the requester gave; only matching field names are kept."""
    actor.require(ACTION_SCOPES["verify"])
    if method not in ("code", "manual"):
        raise Invalid("method must be code or manual", errors=[{"field": "method", "code": "method.unknown"}])
    if method == "manual":
        actor.require(APPROVE)  # a manual verification is a DPO's decision
        if not note or not note.strip():
            raise Invalid("a manual verification needs a note", errors=[{"field": "note", "code": "note.required"}])
    match = match or {}
    bad = [k for k in match if k not in VERIFY_FIELDS]
    if bad:
        raise Invalid(
            "unknown verification data point", errors=[{"field": f"match.{k}", "code": "field.unknown"} for k in bad]
        )
    with svc.transaction():
        row = load_request(request_id)
        after = transition(row, "verify")
        people = [p for p in (live_subject(s) for s in included_subjects(row.id)) if p is not None]
        if not people:
            raise Conflict(
                "no subject matches this request; nothing to verify against",
                errors=[{"field": "subject", "code": "subject.not_matched"}],
            )
        profile = profile_of(people[0])
        now = svc.clock.now()
        if method == "code" and not code:
            emails = profile.get("emails") or []
            if not emails:
                raise Conflict(
                    "the subject has no email address to send a code to; verify manually",
                    errors=[{"field": "email", "code": "verification.no_email"}],
                )
            secret = f"{secrets.randbelow(10**6):06d}"
            DsarRequest.update(
                code_hash=_code_digest(svc, row.id, secret),
                code_expires_at=now + timedelta(hours=CODE_HOURS),
                code_attempts=0,
            ).where(DsarRequest.id == row.id).execute()
            svc.mailer.send(
                Message(
                    to=emails[0],
                    subject=f"Your verification code for request {row.id}",
                    body=(
                        f"To confirm that you made request {row.id}, give us this code within {CODE_HOURS} hours: "
                        f"{secret}\nIf you did not make this request, tell us by replying to this message."
                    ),
                    kind="verification_code",
                    subject_id=people[0].id,
                )
            )
            record_event(svc, actor, row, "verification.code_sent", row.status, row.status)
            svc.audit.record(actor, AuditAction.REQUEST_VERIFY, row.id, details={"step": "code_sent"})
            return {"id": row.id, "status": row.status, "verified": False, "code_sent": True}
        region = svc.policies.default_region
        points = set(matched_points(profile, match, region))
        if method == "code":
            if not row.code_hash or row.code_expires_at is None or row.code_expires_at <= now:
                raise Conflict(
                    "no valid code was sent for this request; send a new one",
                    errors=[{"field": "code", "code": "code.expired"}],
                )
            if row.code_attempts >= CODE_ATTEMPTS:
                raise Conflict(
                    "too many wrong codes; send a new one", errors=[{"field": "code", "code": "code.locked"}]
                )
            if not hmac.compare_digest(row.code_hash, _code_digest(svc, row.id, code.strip())):
                DsarRequest.update(code_attempts=DsarRequest.code_attempts + 1).where(
                    DsarRequest.id == row.id
                ).execute()
                svc.audit.record(actor, AuditAction.REQUEST_VERIFY, row.id, outcome="denied", details={"step": "code"})
                raise Invalid("the code is not right", errors=[{"field": "code", "code": "code.wrong"}])
            points.add("email")  # control of the address on file
        intake = [i.kind for i in RequestIdentifier.select().where(RequestIdentifier.request_id == row.id)]
        points |= {k for k in intake if k in (EMAIL, PHONE)}
        if row.type == "rectification":
            corrected = set((row.payload or {}).get("changes", {}))
            points -= corrected  # a correction is never verified by the field being corrected (CCPA §7062)
        needed = required_points(row.regime, row.type, row.scope)
        if len(points) < needed:
            svc.audit.record(
                actor,
                AuditAction.REQUEST_VERIFY,
                row.id,
                outcome="denied",
                details={"points": len(points), "needed": needed},
            )
            raise Invalid(
                f"{len(points)} matching data point(s); {row.regime} needs {needed} for this request",
                errors=[{"field": "match", "code": "verification.insufficient_points"}],
            )
        DsarRequest.update(
            status=after,
            verified_at=now,
            verification_method="email_code" if method == "code" else "manual",
            verification_points=json.dumps(sorted(points)),
            verification_note=request_keys.seal_text(
                svc, row.id, DsarRequest.verification_note, (note or "").strip()[:500]
            ),
            verified_by=actor.principal_id,
            code_hash=None,
            updated_at=now,
        ).where(DsarRequest.id == row.id).execute()
        record_event(svc, actor, row, "verify", row.status, after, method=method, points=sorted(points))
        svc.audit.record(
            actor, AuditAction.REQUEST_VERIFY, row.id, details={"method": method, "points": sorted(points)}
        )
    return view(load_request(request_id), today_of(svc), full=True)
