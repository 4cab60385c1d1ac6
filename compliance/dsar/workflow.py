"""Data-subject requests: intake, matching, verification, statutory deadlines, workflow and execution.

States: received -> verified -> in_progress -> completed | rejected, plus extended (the one extension).
Identifiers given at intake are kept only as blind indexes; the values typed are never stored. Every
request keeps the CCPA §7101 record fields (received, nature, method, response date, response, grounds).
Deadlines come from compliance.dsar.deadlines and policies/regimes.yaml.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import importlib.util
import io
import json
import os
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    IntegerField,
    TextField,
)

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.clock import iso, parse_iso
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.dsar import deadlines
from compliance.errors import Conflict, IllegalTransition, Invalid, NotFound
from compliance.ids import has_prefix, new_id
from compliance.mailer import Message
from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel, BlindIndex, Subject
from compliance.subjects.lookup import find_subjects
from compliance.subjects.shape import profile_of
from hygiene.identifiers import email_key
from hygiene.phones import phone_key

TYPES = (
    "access",
    "portability",
    "erasure",
    "rectification",
    "restriction",
    "objection",
    "opt_out",
    "consent_withdrawal",
)
# Types that destroy data: they need a DPO's approval and end with a signed certificate (152-FZ: a destruction act).
DESTRUCTIVE = ("erasure", "consent_withdrawal")
STATUSES = ("received", "verified", "extended", "in_progress", "completed", "rejected")
OPEN = ("received", "verified", "extended", "in_progress")
ACTIONS = ("verify", "extend", "approve", "reject", "process")
INTAKE_CHANNELS = ("api", "cli", "web", "email", "letter", "phone", "in_person")
NO_VERIFICATION = ("opt_out", "objection")  # CCPA §7026: opt-out needs no verification; Art. 21(3) is absolute
# The statuses each action may start from. Anything else is an illegal transition.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "verify": ("received", "extended"),
    "extend": ("received", "verified", "in_progress"),
    "approve": ("verified", "extended"),
    "reject": ("received", "verified", "extended"),
    "process": ("received", "verified", "extended", "in_progress"),
}
VERIFY_FIELDS = ("first_name", "last_name", "middle_name", "birth_date", "postcode", "street", "city", "email", "phone")
CORRECTABLE = (
    "first_name",
    "last_name",
    "middle_name",
    "birth_date",
    "gender",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "company",
    "position",
    "email",
    "phone",
)
CODE_HOURS = 24
CODE_ATTEMPTS = 5


class DsarRequest(EncryptedModel, BaseModel):
    """One data-subject request with its §7101 record fields. `payload` (rectification values) is encrypted."""

    id = CharField(primary_key=True, max_length=40)
    type = CharField(max_length=32, index=True)
    regime = CharField(max_length=16)
    status = CharField(max_length=16, index=True)
    channel = CharField(max_length=16)  # how the request arrived (§7101 "method")
    received_at = DateTimeField(index=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    due_on = DateField(index=True)
    original_due_on = DateField()
    ack_due_on = DateField(null=True)
    acknowledged_at = DateTimeField(null=True)
    extended_at = DateTimeField(null=True)
    extension_reason = TextField(null=True)
    verified_at = DateTimeField(null=True)
    verification_method = CharField(max_length=16, null=True)
    verification_points = TextField(default="[]")  # JSON list of field names that matched, never values
    verification_note = TextField(null=True)
    verified_by = CharField(max_length=64, null=True)
    approved_at = DateTimeField(null=True)
    approved_by = CharField(max_length=64, null=True)
    response_at = DateTimeField(null=True)
    response = CharField(max_length=64, null=True)  # nature of the response (§7101)
    denial_ground = TextField(null=True)
    subject_id = CharField(max_length=40, null=True, index=True)  # the exact match (pseudonymous id)
    duplicate_of = CharField(max_length=40, null=True)
    scope = CharField(max_length=16, default="specific")  # CCPA right to know: specific pieces | categories
    lookback = CharField(max_length=16, default="default")  # CCPA: default 12 months | full (to 2022-01-01)
    code_hash = CharField(max_length=64, null=True)
    code_expires_at = DateTimeField(null=True)
    code_attempts = IntegerField(default=0)
    reminders_sent = TextField(default="[]")
    payload = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.subject_id or ""

    def row_key(self) -> str:
        return self.id


class RequestEvent(BaseModel):
    """The timeline of a request: every state change and step, with who did it (no personal data)."""

    seq = AutoField()
    request_id = CharField(max_length=40, index=True)
    at = DateTimeField()
    action = CharField(max_length=32)
    from_status = CharField(max_length=16, null=True)
    to_status = CharField(max_length=16, null=True)
    actor = CharField(max_length=64)
    details = TextField(default="{}")


class RequestIdentifier(BaseModel):
    """Blind index of an identifier given at intake (the value itself is never stored)."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    kind = CharField(max_length=32)
    digest = BlobField()
    key_version = IntegerField()


class RequestMatch(BaseModel):
    """A subject matched to a request: exact (blind index) or likely (hygiene score), included or not."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    subject_id = CharField(max_length=40, index=True)
    match = CharField(max_length=16)  # exact | likely
    score = FloatField(null=True)
    included = BooleanField(default=False)

    class Meta:
        indexes = ((("request_id", "subject_id"), True),)


class RequestNotice(BaseModel):
    """Outbox of notices to downstream recipients (Art. 17(2), 19; CCPA §7022(b)), one status per recipient."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    recipient = CharField(max_length=64)
    kind = CharField(max_length=32)
    subject_id = CharField(max_length=40)
    status = CharField(max_length=16, default="pending", index=True)  # pending | sent | acknowledged | failed
    created_at = DateTimeField()
    updated_at = DateTimeField()
    details = TextField(default="{}")

    class Meta:
        indexes = ((("request_id", "recipient", "kind", "subject_id"), True),)


class ErasureStep(BaseModel):
    """A finished step of an erasure (per request and subject): the erasure resumes after the last one."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    subject_id = CharField(max_length=40)
    step = CharField(max_length=32)
    done_at = DateTimeField()
    details = TextField(default="{}")

    class Meta:
        indexes = ((("request_id", "subject_id", "step"), True),)


class ErasureCertificate(BaseModel):
    """The signed erasure certificate of a request (JSON body and Ed25519 signature, no personal data)."""

    request_id = CharField(primary_key=True, max_length=40)
    body = TextField()
    signature = CharField(max_length=200)
    public_key = CharField(max_length=100)
    created_at = DateTimeField()


REQUEST_MODELS = [
    DsarRequest,
    RequestEvent,
    RequestIdentifier,
    RequestMatch,
    RequestNotice,
    ErasureStep,
    ErasureCertificate,
]


# ---------------------------------------------------------------------------------------------------------
# Pure rules


def needs_verification(request_type: str) -> bool:
    """Opt-out and objection run without verification; everything else needs it."""
    return request_type not in NO_VERIFICATION


def required_points(regime: str, request_type: str, scope: str = "specific") -> int:
    """Matched data points needed to verify (CCPA §7060-7062: 2 for categories, 3 for specific pieces)."""
    if regime == "ccpa":
        if request_type == "portability" or (request_type == "access" and scope == "specific"):
            return 3
        return 2
    return 1


def check_transition(action: str, status: str, *, verified: bool, request_type: str, approved: bool) -> str:
    """The status after an action, or IllegalTransition saying why not (pure: the whole state machine)."""
    if action not in ACTIONS:
        raise Invalid("unknown action", errors=[{"field": "action", "code": "action.unknown"}])
    if status not in TRANSITIONS[action]:
        raise IllegalTransition(
            f"cannot {action} a request that is {status}",
            errors=[{"field": "status", "code": f"transition.{status}.{action}"}],
        )
    if action == "verify":
        if verified:
            raise IllegalTransition(
                "the request is already verified", errors=[{"field": "status", "code": "request.already_verified"}]
            )
        return "verified"
    if action == "extend":
        return "extended"
    if action == "approve":
        if not verified:
            raise IllegalTransition(
                "verify the requester before approving", errors=[{"field": "status", "code": "request.not_verified"}]
            )
        if approved:
            raise IllegalTransition(
                "the request is already approved", errors=[{"field": "status", "code": "request.already_approved"}]
            )
        return status
    if action == "reject":
        return "rejected"
    # process
    if needs_verification(request_type) and not verified:
        raise IllegalTransition(
            f"a {request_type} request cannot run before the requester is verified",
            errors=[{"field": "status", "code": "request.not_verified"}],
        )
    if request_type in DESTRUCTIVE and not approved:
        raise IllegalTransition(
            f"a {request_type} request needs the approval of a DPO (dsar approve) before it runs",
            errors=[{"field": "status", "code": "request.not_approved"}],
        )
    return "in_progress"


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


# ---------------------------------------------------------------------------------------------------------
# Helpers


def regimes_of(svc) -> dict[str, deadlines.RegimeRule]:
    """The instance's regimes (parsed once per services object)."""
    cached = svc.extras.get("regimes")
    if cached is None:
        cached = svc.extras["regimes"] = deadlines.load_regimes(svc.policies.get("regimes"))
    return cached


def _rule(svc, regime: str) -> deadlines.RegimeRule:
    rules = regimes_of(svc)
    if regime not in rules:
        raise Invalid(
            f"unknown regime (known: {', '.join(sorted(rules))})",
            errors=[{"field": "regime", "code": "regime.unknown"}],
        )
    return rules[regime]


def load_request(request_id: str) -> DsarRequest:
    """A request by id; NotFound otherwise."""
    if not has_prefix(request_id, "req"):
        raise NotFound("no such request")
    row = DsarRequest.get_or_none(DsarRequest.id == request_id)
    if row is None:
        raise NotFound("no such request")
    return row


def _event(svc, actor: Actor, row: DsarRequest, action: str, before: str | None, after: str | None, **details) -> None:
    RequestEvent.insert(
        request_id=row.id,
        at=svc.clock.now(),
        action=action,
        from_status=before,
        to_status=after,
        actor=actor.principal_id,
        details=json.dumps(details, sort_keys=True, default=str),
    ).execute()


def included_subjects(request_id: str) -> list[str]:
    """Subject ids the request applies to (exact matches and likely ones the DPO included), in a stable order."""
    rows = RequestMatch.select().where((RequestMatch.request_id == request_id) & RequestMatch.included)
    return sorted(r.subject_id for r in rows)


def _live_subject(subject_id: str) -> Subject | None:
    return Subject.get_or_none((Subject.id == subject_id) & Subject.erased_at.is_null())


def requester_contact(row: DsarRequest) -> str | None:
    """Where notices to the requester go: the primary email of the matched subject (decrypted in memory)."""
    for sid in [row.subject_id, *included_subjects(row.id)]:
        if not sid:
            continue
        person = _live_subject(sid)
        if person is not None:
            emails = profile_of(person).get("emails") or []
            if emails:
                return emails[0]
    return None


def notify_requester(svc, actor: Actor, row: DsarRequest, subject: str, body: str, kind: str = "notice") -> bool:
    """Mail the requester through the mailer seam; the timeline records whether it could be sent."""
    to = requester_contact(row)
    if to is None:
        _event(svc, actor, row, "notice.undeliverable", row.status, row.status, kind=kind)
        return False
    svc.mailer.send(Message(to=to, subject=subject, body=body, kind=kind))
    _event(svc, actor, row, "notice.sent", row.status, row.status, kind=kind)
    return True


def _today(svc) -> date:
    return svc.clock.now().date()


def _open_duplicate(row_type: str, subject_ids: set[str], digests: list[tuple[str, bytes]]) -> str | None:
    """An open request of the same type by the same person (same subject or same intake identifier)."""
    open_ids: set[str] = set()
    if subject_ids:
        open_ids |= {m.request_id for m in RequestMatch.select().where(RequestMatch.subject_id.in_(list(subject_ids)))}
    for kind, digest in digests:
        open_ids |= {
            i.request_id
            for i in RequestIdentifier.select().where(
                (RequestIdentifier.kind == kind) & (RequestIdentifier.digest == digest)
            )
        }
    if not open_ids:
        return None
    found = (
        DsarRequest.select(DsarRequest.id)
        .where(DsarRequest.id.in_(list(open_ids)) & (DsarRequest.type == row_type) & DsarRequest.status.in_(OPEN))
        .order_by(DsarRequest.received_at)
        .first()
    )
    return found.id if found else None


def likely_duplicates(svc, subject_ids: set[str]) -> list[tuple[str, float | None]]:
    """Other subjects that may be the same person: hygiene candidates and shared identifiers, scored by
    hygiene.score when it exists; without it, only subjects sharing an exact identifier are listed."""
    if not subject_ids:
        return []
    candidates: set[str] = set()
    mine = list(
        BlindIndex.select(BlindIndex.kind, BlindIndex.digest).where(BlindIndex.subject_id.in_(list(subject_ids)))
    )
    for index in mine:
        candidates |= {
            r.subject_id
            for r in BlindIndex.select(BlindIndex.subject_id).where(
                (BlindIndex.kind == index.kind) & (BlindIndex.digest == index.digest)
            )
        }
    exact = candidates - subject_ids
    if importlib.util.find_spec("compliance.stewardship.models") is not None:  # hygiene is optional in a build
        from compliance.stewardship.models import MergeCandidate

        for cand in MergeCandidate.select().where(
            (MergeCandidate.a_id.in_(list(subject_ids)) | MergeCandidate.b_id.in_(list(subject_ids)))
            & (MergeCandidate.status == "open")
        ):
            candidates |= {cand.a_id, cand.b_id}
    candidates -= subject_ids
    people = {s.id: s for s in Subject.select().where(Subject.id.in_(list(candidates)) & Subject.erased_at.is_null())}
    scorer = _scorer()
    if scorer is None:
        return [(sid, None) for sid in sorted(exact) if sid in people]
    threshold = float(svc.policies.get("hygiene").get("thresholds", {}).get("review", 0.75))
    base = [profile_of(s) for s in Subject.select().where(Subject.id.in_(list(subject_ids)))]
    out = []
    for sid in sorted(people):
        other = profile_of(people[sid])
        best = max(
            (float(scorer(b, other, default_region=svc.policies.default_region).total) for b in base), default=0.0
        )
        if best >= threshold or sid in exact:
            out.append((sid, round(best, 4)))
    return out


def _scorer():
    """hygiene.score.score when the hygiene module is part of this build, else None."""
    try:
        from hygiene.score import score
    except ImportError:
        return None
    return score


# ---------------------------------------------------------------------------------------------------------
# Views


def view(row: DsarRequest, today: date, *, full: bool = False) -> dict[str, Any]:
    """A request as output: ids, dates, status and record fields; never personal data."""
    out: dict[str, Any] = {
        "id": row.id,
        "type": row.type,
        "regime": row.regime,
        "status": row.status,
        "channel": row.channel,
        "received_at": iso(row.received_at),
        "due_at": row.due_on.isoformat(),
        "original_due_at": row.original_due_on.isoformat(),
        "acknowledge_by": row.ack_due_on.isoformat() if row.ack_due_on else None,
        "acknowledged_at": iso(row.acknowledged_at),
        "extended": row.extended_at is not None,
        "extended_at": iso(row.extended_at),
        "overdue": row.status in OPEN and deadlines.is_overdue(row.due_on, today),
        "days_left": deadlines.days_left(row.due_on, today) if row.status in OPEN else None,
        "verified": row.verified_at is not None,
        "approved": row.approved_at is not None,
        "subject": row.subject_id,
        "duplicate_of": row.duplicate_of,
        "response": row.response,
        "response_at": iso(row.response_at),
        "denial_ground": row.denial_ground,
    }
    if full:
        out["extension_reason"] = row.extension_reason
        out["scope"] = row.scope
        out["lookback"] = row.lookback
        out["verification"] = {
            "method": row.verification_method,
            "points": json.loads(row.verification_points or "[]"),
            "note": row.verification_note,
            "by": row.verified_by,
            "at": iso(row.verified_at),
        }
        out["approved_by"] = row.approved_by
        out["approved_at"] = iso(row.approved_at)
        out["matched"] = matches_of(row.id)
        out["notices"] = [
            {
                "id": n.id,
                "recipient": n.recipient,
                "kind": n.kind,
                "subject": n.subject_id,
                "status": n.status,
                "updated_at": iso(n.updated_at),
            }
            for n in RequestNotice.select().where(RequestNotice.request_id == row.id).order_by(RequestNotice.id)
        ]
        out["timeline"] = [
            {
                "at": iso(e.at),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "details": json.loads(e.details or "{}"),
            }
            for e in RequestEvent.select().where(RequestEvent.request_id == row.id).order_by(RequestEvent.seq)
        ]
        out["erasure_steps"] = [
            {"subject": s.subject_id, "step": s.step, "at": iso(s.done_at)}
            for s in ErasureStep.select().where(ErasureStep.request_id == row.id).order_by(ErasureStep.id)
        ]
        out["certificate"] = ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id) is not None
    return out


def matches_of(request_id: str) -> list[dict[str, Any]]:
    """Matched subjects of a request (exact first)."""
    rows = RequestMatch.select().where(RequestMatch.request_id == request_id)
    ordered = sorted(rows, key=lambda m: (m.match != "exact", m.subject_id))
    return [{"subject": m.subject_id, "match": m.match, "score": m.score, "included": m.included} for m in ordered]


# ---------------------------------------------------------------------------------------------------------
# Intake


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
    rule = _rule(svc, regime)
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
        exact = {value} if _live_subject(value) else set()
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
        duplicate = _open_duplicate(type, exact, digests)
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
        _event(
            svc, actor, row, "submit", None, "received", matched=len(exact), likely=len(likely), duplicate_of=duplicate
        )
        svc.audit.record(
            actor,
            AuditAction.REQUEST_SUBMIT,
            row.id,
            details={"type": type, "regime": regime, "matched": len(exact), "likely": len(likely)},
        )
        ack_to = email if kind == EMAIL else requester_contact(row)
        if ack_to:
            # The acknowledgement goes to the address typed, held in memory only for this send.
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
                )
            )
            DsarRequest.update(acknowledged_at=now).where(DsarRequest.id == row.id).execute()
            row.acknowledged_at = now
    out = view(row, _today(svc))
    out["matched"] = matches_of(row.id)
    return out


# ---------------------------------------------------------------------------------------------------------
# Reading


def show(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """One request with its matches, verification, notices, erasure steps and timeline."""
    actor.require("requests:read")
    row = load_request(request_id)
    return view(row, _today(svc), full=True)


def list_requests(
    svc,
    actor: Actor,
    *,
    status: str | None = None,
    overdue: bool = False,
    type: str | None = None,  # noqa: A002
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Requests newest first, optionally by status, type, or only the open ones past their due date.

    `after` is the (received_at, id) of the last item of the previous page (as `view` returns them).
    """
    actor.require("requests:read")
    query = DsarRequest.select()
    if status:
        if status not in STATUSES:
            raise Invalid(
                f"status must be one of {', '.join(STATUSES)}", errors=[{"field": "status", "code": "status.unknown"}]
            )
        query = query.where(DsarRequest.status == status)
    if type:
        query = query.where(DsarRequest.type == type)
    today = _today(svc)
    if overdue:
        query = query.where(DsarRequest.status.in_(OPEN) & (DsarRequest.due_on < today))
    if after is not None:
        received = parse_iso(after[0])
        query = query.where(
            (DsarRequest.received_at < received) | ((DsarRequest.received_at == received) & (DsarRequest.id > after[1]))
        )
    query = query.order_by(DsarRequest.received_at.desc(), DsarRequest.id)
    if limit is not None:
        query = query.limit(limit)
    return [view(r, today) for r in query]


RECORD_COLUMNS = (
    "id",
    "type",
    "regime",
    "status",
    "channel",
    "received_at",
    "acknowledged_at",
    "due_at",
    "extended_at",
    "verified",
    "response_at",
    "response",
    "denial_ground",
    "overdue",
)


def records_csv(items: list[dict[str, Any]]) -> str:
    """The CCPA §7101 record of requests as CSV (dates, nature, method, response, grounds)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RECORD_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({k: "" if item.get(k) is None else item.get(k) for k in RECORD_COLUMNS})
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Workflow steps


def _step(svc, actor: Actor, row: DsarRequest, action: str) -> str:
    return check_transition(
        action,
        row.status,
        verified=row.verified_at is not None,
        request_type=row.type,
        approved=row.approved_at is not None,
    )


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
    actor.require("requests:manage")
    if method not in ("code", "manual"):
        raise Invalid("method must be code or manual", errors=[{"field": "method", "code": "method.unknown"}])
    if method == "manual":
        actor.require("requests:approve")  # a manual verification is a DPO's decision
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
        after = _step(svc, actor, row, "verify")
        people = [p for p in (_live_subject(s) for s in included_subjects(row.id)) if p is not None]
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
                )
            )
            _event(svc, actor, row, "verification.code_sent", row.status, row.status)
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
            verification_note=(note or "").strip()[:500] or None,
            verified_by=actor.principal_id,
            code_hash=None,
            updated_at=now,
        ).where(DsarRequest.id == row.id).execute()
        _event(svc, actor, row, "verify", row.status, after, method=method, points=sorted(points))
        svc.audit.record(
            actor, AuditAction.REQUEST_VERIFY, row.id, details={"method": method, "points": sorted(points)}
        )
    return view(load_request(request_id), _today(svc), full=True)


def extend(svc, actor: Actor, request_id: str, *, reason: str) -> dict[str, Any]:
    """The one extension: before the original due date, with a reason, notified to the requester."""
    actor.require("requests:manage")
    if not reason or not reason.strip():
        raise Invalid("an extension needs a reason", errors=[{"field": "reason", "code": "reason.required"}])
    with svc.transaction():
        row = load_request(request_id)
        after = _step(svc, actor, row, "extend")
        rule = _rule(svc, row.regime)
        ok, why = deadlines.can_extend(
            rule, row.extended_at is not None, _today(svc), row.original_due_on, request_type=row.type, reason=reason
        )
        if not ok:
            raise IllegalTransition(
                why or "no extension possible", errors=[{"field": "status", "code": "extension.refused"}]
            )
        new_due = deadlines.extended_due(rule, row.type, row.received_at.date(), row.original_due_on)
        now = svc.clock.now()
        DsarRequest.update(
            status=after, due_on=new_due, extended_at=now, extension_reason=reason.strip()[:1000], updated_at=now
        ).where(DsarRequest.id == row.id).execute()
        _event(svc, actor, row, "extend", row.status, after, due_at=new_due.isoformat())
        row.status = after
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id}: more time needed",
            (
                f"We need more time to answer your request {row.id}. Reason: {reason.strip()}\n"
                f"We will answer by {new_due.isoformat()} ({rule.title})."
            ),
            kind="extension",
        )
        svc.audit.record(actor, AuditAction.REQUEST_EXTEND, row.id, details={"due": new_due.isoformat()})
    return view(load_request(request_id), _today(svc), full=True)


def approve(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """A DPO's approval (required before an erasure runs)."""
    actor.require("requests:approve")
    with svc.transaction():
        row = load_request(request_id)
        _step(svc, actor, row, "approve")
        now = svc.clock.now()
        DsarRequest.update(approved_at=now, approved_by=actor.principal_id, updated_at=now).where(
            DsarRequest.id == row.id
        ).execute()
        _event(svc, actor, row, "approve", row.status, row.status)
        svc.audit.record(actor, AuditAction.REQUEST_APPROVE, row.id, details={"type": row.type})
    return view(load_request(request_id), _today(svc), full=True)


def reject(svc, actor: Actor, request_id: str, *, ground: str) -> dict[str, Any]:
    """Refuse a request with a ground (DPO only); the notice tells the requester of the right to complain."""
    actor.require("requests:approve")
    if not ground or not ground.strip():
        raise Invalid("a rejection needs a ground", errors=[{"field": "ground", "code": "ground.required"}])
    with svc.transaction():
        row = load_request(request_id)
        after = _step(svc, actor, row, "reject")
        rule = _rule(svc, row.regime)
        now = svc.clock.now()
        DsarRequest.update(
            status=after, denial_ground=ground.strip()[:1000], response="rejected", response_at=now, updated_at=now
        ).where(DsarRequest.id == row.id).execute()
        _event(svc, actor, row, "reject", row.status, after)
        row.status = after
        complaint = rule.complaint or "You have the right to lodge a complaint with a supervisory authority."
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} was refused",
            f"We cannot act on your request {row.id}. Ground: {ground.strip()}\n{complaint}",
            kind="rejection",
        )
        svc.audit.record(actor, AuditAction.REQUEST_REJECT, row.id, details={"type": row.type})
    return view(load_request(request_id), _today(svc), full=True)


def set_match(svc, actor: Actor, request_id: str, subject_id: str, *, include: bool) -> dict[str, Any]:
    """Include or exclude a matched subject (a likely duplicate the DPO recognises, or a wrong match)."""
    actor.require("requests:manage")
    with svc.transaction():
        row = load_request(request_id)
        if row.status not in OPEN or row.status == "in_progress":
            raise IllegalTransition(
                f"matches cannot change on a request that is {row.status}",
                errors=[{"field": "status", "code": f"transition.{row.status}.match"}],
            )
        found = RequestMatch.get_or_none((RequestMatch.request_id == row.id) & (RequestMatch.subject_id == subject_id))
        if found is None:
            raise NotFound("that subject is not matched to this request")
        RequestMatch.update(included=include).where(RequestMatch.id == found.id).execute()
        _event(svc, actor, row, "include" if include else "exclude", row.status, row.status, subject=subject_id)
        svc.audit.record(
            actor, AuditAction.REQUEST_VERIFY, row.id, details={"subject": subject_id, "included": include}
        )
    return view(load_request(request_id), _today(svc), full=True)


def complete(svc, actor: Actor, row: DsarRequest, response: str, **details) -> None:
    """Mark an in-progress request completed with the nature of the response (caller holds a transaction)."""
    now = svc.clock.now()
    DsarRequest.update(status="completed", response=response, response_at=now, updated_at=now).where(
        DsarRequest.id == row.id
    ).execute()
    _event(svc, actor, row, "complete", "in_progress", "completed", response=response, **details)
    row.status = "completed"


def queue_notices(svc, row: DsarRequest, subject_ids: list[str], kind: str, **details) -> int:
    """One outbox notice per recipient listed for this kind and subject (idempotent)."""
    from compliance.policy.recipients import to_notify

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


def _start(svc, actor: Actor, request_id: str) -> DsarRequest:
    with svc.transaction():
        row = load_request(request_id)
        after = _step(svc, actor, row, "process")
        if row.status != after:
            DsarRequest.update(status=after, updated_at=svc.clock.now()).where(DsarRequest.id == row.id).execute()
            _event(svc, actor, row, "process", row.status, after)
            row.status = after
        else:
            _event(svc, actor, row, "resume", row.status, after)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "step": "start"})
    return row


def process(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """Carry out a request (verified, and approved for an erasure); resumes an interrupted erasure."""
    actor.require("requests:manage")
    row = load_request(request_id)
    if row.type in DESTRUCTIVE:
        actor.require("requests:approve")
    row = _start(svc, actor, request_id)
    people = included_subjects(row.id)
    handler = {
        "access": _do_access,
        "portability": _do_access,
        "erasure": _do_erasure,
        "rectification": _do_rectification,
        "restriction": _do_restriction,
        "objection": _do_objection,
        "opt_out": _do_opt_out,
        "consent_withdrawal": _do_consent_withdrawal,
    }[row.type]
    handler(svc, actor, row, people)
    return view(load_request(request_id), _today(svc), full=True)


def _do_access(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    from compliance.dsar import access as access_bundle

    with svc.transaction():
        path = access_bundle.write_bundle(svc, row) if people else None
        complete(svc, actor, row, "bundle_ready" if people else "no_data_held")
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} is answered",
            f"Your {row.type} request {row.id} is answered. "
            + ("We will send you the copy of your data securely." if path else "We hold no data about you."),
        )
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": len(people)}
        )


def _do_erasure(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    from compliance.dsar import erasure

    erasure.run(svc, actor, row, people)


def _do_consent_withdrawal(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    """152-FZ Art. 21(5): consent to processing withdrawn -> stop (every consent purpose withdrawn, recorded in
    the ledger as events of this request) and destroy within 30 days, evidenced by a destruction act."""
    from compliance.consent import ledger as consent
    from compliance.dsar import erasure
    from compliance.policy.purposes import purposes_of

    with svc.transaction():
        for sid in people:
            if _live_subject(sid) is None:
                continue  # resumed after the destruction already ran for this person
            for purpose in purposes_of(svc).values():
                if purpose.legal_basis != "consent" and purpose.model != "opt_out":
                    continue
                for channel in purpose.channels:
                    consent.record(
                        svc,
                        svc.system_actor("dsar"),
                        subject=sid,
                        purpose=purpose.id,
                        channel=channel,
                        action="withdraw",
                        source=row.id[:64],
                        method="consent_withdrawal_request",
                    )
    erasure.run(svc, actor, row, people)


def _do_rectification(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    from compliance.subjects.profiles import correct

    changes = dict((row.payload or {}).get("changes") or {})
    with svc.transaction():
        for sid in people:
            person = _live_subject(sid)
            if person is None:
                continue
            profile = profile_of(person)
            mine = {k: v for k, v in changes.items() if k not in ("email", "phone")}
            for single, plural in (("email", "emails"), ("phone", "phones")):
                if single in changes:  # the corrected value replaces the wrong primary one, others stay
                    rest = (profile.get(plural) or [])[1:]
                    mine[plural] = [v for v in [changes[single], *rest] if v]
            correct(svc, svc.system_actor("dsar"), sid, mine)
        queue_notices(svc, row, people, "rectification", fields=sorted(changes))
        notify_requester(svc, actor, row, f"Your request {row.id} is done", "We corrected your data as you asked.")
        complete(svc, actor, row, "rectified", fields=sorted(changes))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "fields": sorted(changes)}
        )


def _do_restriction(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    with svc.transaction():
        Subject.update(restricted=True, updated_at=svc.clock.now()).where(Subject.id.in_(people)).execute()
        queue_notices(svc, row, people, "restriction")
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} is done",
            "We now only store your data and do not otherwise use it. We will tell you before lifting this.",
        )
        complete(svc, actor, row, "restricted", subjects=len(people))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": len(people)}
        )


def lift_restriction(svc, actor: Actor, request_id: str, *, reason: str) -> dict[str, Any]:
    """Lift a restriction (Art. 18(3)): the subject is told first, recipients get a notice."""
    actor.require("requests:approve")
    if not reason or not reason.strip():
        raise Invalid("lifting a restriction needs a reason", errors=[{"field": "reason", "code": "reason.required"}])
    with svc.transaction():
        row = load_request(request_id)
        if row.type != "restriction" or row.status != "completed":
            raise IllegalTransition(
                "only a completed restriction can be lifted",
                errors=[{"field": "status", "code": f"transition.{row.status}.lift"}],
            )
        people = included_subjects(row.id)
        notify_requester(
            svc,
            actor,
            row,
            f"Restriction of your data ends ({row.id})",
            f"The restriction of processing you asked for in {row.id} is being lifted. Reason: {reason.strip()}",
            kind="restriction_lifted",
        )
        Subject.update(restricted=False, updated_at=svc.clock.now()).where(Subject.id.in_(people)).execute()
        queue_notices(svc, row, people, "restriction_lifted")
        _event(svc, actor, row, "lift_restriction", row.status, row.status)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": "restriction_lifted"})
    return view(load_request(request_id), _today(svc), full=True)


def _do_objection(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    from compliance.consent.ledger import object_to_marketing

    with svc.transaction():
        withdrawn = 0
        for sid in people:
            if _live_subject(sid) is not None:
                withdrawn += object_to_marketing(svc, actor, sid, source="dsar")["withdrawn"]
        queue_notices(svc, row, people, "objection")
        notify_requester(svc, actor, row, f"Your request {row.id} is done", "We stopped all direct marketing to you.")
        complete(svc, actor, row, "marketing_stopped" if people else "no_data_held", withdrawn=withdrawn)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "withdrawn": withdrawn})


def _do_opt_out(svc, actor: Actor, row: DsarRequest, people: list[str]) -> None:
    from compliance.consent.ledger import record
    from compliance.policy.purposes import purposes_of

    with svc.transaction():
        done = 0
        if "sale_sharing" in purposes_of(svc):
            for sid in people:
                if _live_subject(sid) is not None:
                    record(svc, actor, subject=sid, purpose="sale_sharing", action="withdraw", source="dsar")
                    done += 1
        queue_notices(svc, row, people, "opt_out")
        notify_requester(
            svc, actor, row, f"Your request {row.id} is done", "We no longer sell or share your personal information."
        )
        complete(svc, actor, row, "opted_out" if people else "no_data_held", subjects=done)
        svc.audit.record(actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": done})


# ---------------------------------------------------------------------------------------------------------
# Bundles, certificates, reminders


def export_bundle(svc, actor: Actor, request_id: str) -> bytes:
    """The access/portability zip of a request that has been processed (built from current data)."""
    actor.require("requests:manage")
    from compliance.dsar import access as access_bundle

    row = load_request(request_id)
    if row.type not in ("access", "portability"):
        raise Conflict(
            "only access and portability requests have a bundle", errors=[{"field": "type", "code": "type.no_bundle"}]
        )
    if row.status not in ("in_progress", "completed"):
        raise IllegalTransition(
            f"the bundle exists once the request is processed (it is {row.status})",
            errors=[{"field": "status", "code": f"transition.{row.status}.export"}],
        )
    data = access_bundle.build(svc, row)
    svc.audit.record(actor, AuditAction.REQUEST_EXPORT, row.id, details={"bytes": len(data)})
    return data


def certificate(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """The signed erasure certificate of a completed erasure."""
    actor.require("requests:manage")
    row = load_request(request_id)
    found = ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id)
    if found is None:
        raise NotFound("this request has no erasure certificate (yet)")
    svc.audit.record(actor, AuditAction.REQUEST_EXPORT, row.id, details={"certificate": True})
    return {
        "certificate": json.loads(found.body),
        "signature": found.signature,
        "public_key": found.public_key,
        "algorithm": "Ed25519",
        "signed": "UTF-8 bytes of the certificate as canonical JSON (sorted keys, no spaces)",
    }


def send_reminders(svc, actor: Actor) -> list[dict[str, Any]]:
    """Remind the DPO of open requests whose due date is at a configured offset today, or overdue (once a day)."""
    actor.require("requests:manage")
    today = _today(svc)
    to = svc.policies.controller.get("dpo_contact") or svc.policies.controller.get("contact")
    out = []
    with svc.transaction():
        for row in DsarRequest.select().where(DsarRequest.status.in_(OPEN)).order_by(DsarRequest.due_on):
            rule = _rule(svc, row.regime)
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
            _event(svc, actor, row, "reminder", row.status, row.status, key=key)
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


def pause_for_tests(step: str) -> None:
    """Fault-injection seam: CONSENTRY_ERASURE_STEP_DELAY seconds of sleep after each erasure step."""
    delay = os.environ.get("CONSENTRY_ERASURE_STEP_DELAY")
    if delay:
        import time

        time.sleep(float(delay))
