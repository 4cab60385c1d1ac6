"""Subjects service: create or update, read, look up, correct and list people and B2B contacts."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.crypto.blind_index import EMAIL, EXTERNAL, PHONE
from compliance.errors import Invalid, Suppressed
from compliance.store.models import Subject
from compliance.subjects import history as value_history
from compliance.subjects import writer
from compliance.subjects.lookup import find_subjects, load, refuse_tombstoned
from compliance.subjects.shape import KINDS, coerce_profile, profile_of, require_identity
from compliance.subjects.views import view
from hygiene.profile import LIST_FIELDS, SINGULAR


@dataclass
class Written:
    """What a create or update did: the subject, whether it is new, the flags it raised, the pairs it queued."""

    subject_id: str
    created: bool
    flags: list[dict[str, str]] = field(default_factory=list)
    review: list[dict[str, str]] = field(default_factory=list)  # [{"subject": id, "reason": identity.* code}]
    declined: list[str] = field(default_factory=list)  # fields whose value lost to the stored one (kept in history)


def save(svc, actor: Actor, data: dict[str, Any], *, kind: str = "person", source: str | None = None) -> Written:
    """Create a subject or update the one its unique identifiers name (the identity rules); report what it did."""
    actor.require("subjects:write")
    if kind not in KINDS:
        raise Invalid("unknown kind", errors=[{"field": "kind", "code": "kind.unknown"}])
    profile = coerce_profile(data, svc.policies.default_region, strict=True)
    require_identity(profile)
    with svc.transaction():
        [outcome] = writer.write(svc, [writer.Incoming(profile, kind, source)], writer.API, actor_id=actor.principal_id)
        if outcome.status != writer.SUPPRESSED:
            details = {"review": [item["reason"] for item in outcome.review]} if outcome.review else None
            action = AuditAction.SUBJECT_CREATE if outcome.status == writer.CREATED else AuditAction.SUBJECT_UPDATE
            svc.audit.record(actor, action, outcome.subject_id, details=details)
    if outcome.status == writer.SUPPRESSED:
        svc.audit.record(actor, AuditAction.SUBJECT_CREATE, "", outcome="denied", details={"reason": "suppressed"})
        raise Suppressed("this person was erased and asked not to be added again")
    return Written(
        outcome.subject_id, outcome.status == writer.CREATED, outcome.flags, outcome.review, outcome.declined
    )


def upsert(
    svc, actor: Actor, data: dict[str, Any], *, kind: str = "person", source: str | None = None
) -> tuple[str, bool]:
    """Create a subject or update the one its identifiers name; return (id, created). See `save`."""
    written = save(svc, actor, data, kind=kind, source=source)
    return written.subject_id, written.created


def read(svc, actor: Actor, subject_id: str, *, reveal: bool | None = None) -> dict[str, Any]:
    """One subject; PII masked unless the actor holds subjects:read_pii (and did not ask for masking)."""
    actor.require("subjects:read")
    show = actor.can("subjects:read_pii") if reveal is None else (reveal and actor.can("subjects:read_pii"))
    subject = load(subject_id)
    result = view(subject, show)
    svc.audit.record(actor, AuditAction.SUBJECT_READ_PII if show else AuditAction.SUBJECT_READ, subject_id)
    return result


def lookup(
    svc, actor: Actor, *, email: str | None = None, phone: str | None = None, external_id: str | None = None
) -> list[str]:
    """Subject ids matching an email, phone or external id exactly (through blind indexes)."""
    actor.require("subjects:read")
    given = [(k, v) for k, v in ((EMAIL, email), (PHONE, phone), (EXTERNAL, external_id)) if v]
    if len(given) != 1:
        raise Invalid(
            "give exactly one of email, phone or external_id",
            errors=[{"field": "email|phone|external_id", "code": "lookup.one_identifier"}],
        )
    kind, value = given[0]
    ids = find_subjects(svc, kind, value)
    live = [s.id for s in Subject.select(Subject.id).where(Subject.id.in_(list(ids)) & Subject.erased_at.is_null())]
    svc.audit.record(
        actor, AuditAction.SUBJECT_LOOKUP, ",".join(sorted(live))[:64], details={"by": kind, "found": len(live)}
    )
    return sorted(live)


def correct(
    svc, actor: Actor, subject_id: str, changes: dict[str, Any], *, source: str | None = None
) -> dict[str, Any]:
    """Apply field changes to a subject (a None value clears a field), keeping every replaced value in its
    history (source: what asked for the change, the actor's channel by default); returns the new view."""
    actor.require("subjects:write")
    region = svc.policies.default_region
    with svc.transaction():
        subject = load(subject_id)
        profile = profile_of(subject)
        before = copy.deepcopy(profile)
        incoming = coerce_profile(changes, region, strict=True)
        for key in changes:
            target = SINGULAR.get(key, key)
            if target not in profile:
                raise Invalid("unknown field", errors=[{"field": key, "code": "field.unknown"}])
            if target in LIST_FIELDS and key == target:
                profile[target] = incoming[target]  # a list replaces the whole list
            elif target in LIST_FIELDS:
                profile[target] = list(dict.fromkeys([*incoming[target], *profile[target]]))
            else:
                profile[target] = incoming[target]
        require_identity(profile)
        refuse_tombstoned(svc, profile, before)
        subject.updated_at = svc.clock.now()
        writer.write_subject(svc, subject, profile)
        value_history.write(
            subject_id,
            value_history.changes_between(before, profile),
            actor=actor.principal_id,
            source=source or actor.channel or None,
            at=subject.updated_at,
        )
        svc.audit.record(actor, AuditAction.SUBJECT_UPDATE, subject_id, details={"fields": sorted(changes)})
    if not actor.can("subjects:read"):
        return {"id": subject_id}  # writers without read access learn nothing back
    return view(subject, actor.can("subjects:read_pii"))


def list_page(svc, actor: Actor, *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A page of live subjects in id order, masked unless the actor may see PII; returns (items, last id or None)."""
    actor.require("subjects:read")
    reveal = actor.can("subjects:read_pii")
    query = Subject.select().where(Subject.erased_at.is_null() & Subject.merged_into.is_null())
    if after:
        query = query.where(Subject.id > after)
    rows = list(query.order_by(Subject.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    svc.keyring.preload([r.id for r in rows])
    items = [view(r, reveal) for r in rows]
    svc.audit.record(
        actor,
        AuditAction.SUBJECT_READ_PII if reveal else AuditAction.SUBJECT_READ,
        "",
        details={"ids": [r.id for r in rows]},
    )
    return items, (rows[-1].id if more and rows else None)
