"""Subjects: create, read, correct and look up people and B2B contacts, through blind indexes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.crypto.blind_index import EMAIL, EXTERNAL, PHONE
from compliance.errors import Conflict, Invalid, NotFound, Suppressed
from compliance.ids import has_prefix, new_id
from compliance.store.models import EXTRA_FIELDS, PII_FIELDS, BlindIndex, DataKey, Subject, Suppression
from compliance.subjects.masking import mask_profile
from hygiene.identifiers import email_key, email_problem, phone_key, phone_problem, valid_phone

KINDS = ("person", "b2b")
LIST_FIELDS = ("emails", "phones", "external_ids")
# Single-valued text fields of a profile, as given in rows and requests.
TEXT_FIELDS = (
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
    "notes",
)
CHANNELS = ("telegram", "whatsapp", "viber", "instagram", "vk", "signal", "wechat")


def empty_profile() -> dict[str, Any]:
    """A profile with every field present and empty."""
    profile: dict[str, Any] = {k: ([] if k in LIST_FIELDS else None) for k in PII_FIELDS}
    profile.update(notes=None, custom={}, channels={})
    return profile


def split_profile(profile: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a flat profile into the pii and extra column payloads."""
    pii = {k: profile.get(k, [] if k in LIST_FIELDS else None) for k in PII_FIELDS}
    extra = {k: profile.get(k, {} if k != "notes" else None) for k in EXTRA_FIELDS}
    return pii, extra


def profile_of(subject: Subject) -> dict[str, Any]:
    """The decrypted flat profile of a subject."""
    profile = empty_profile()
    profile.update(subject.pii or {})
    profile.update(subject.extra or {})
    return profile


def identifiers(profile: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (kind, value) of a profile that gets a blind index."""
    out: list[tuple[str, str]] = []
    out += [(EMAIL, v) for v in profile.get("emails") or [] if v]
    out += [(PHONE, v) for v in profile.get("phones") or [] if v]
    out += [(EXTERNAL, v) for v in profile.get("external_ids") or [] if v]
    out += [(f"channel:{k}", v) for k, v in (profile.get("channels") or {}).items() if v]
    return out


def index_rows(indexer, subject_id: str, profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Blind-index rows for a profile under the active index key (duplicates removed)."""
    digests = ((kind, indexer.digest(kind, value)) for kind, value in identifiers(profile))
    return index_rows_of(subject_id, [(kind, d) for kind, d in digests if d is not None], indexer.active)


def index_rows_of(subject_id: str, digests: Iterable[tuple[str, bytes]], version: int) -> list[dict[str, Any]]:
    """Blind-index rows for (kind, digest) pairs already computed under one key version (duplicates removed)."""
    return [
        {"subject_id": subject_id, "kind": kind, "digest": digest, "key_version": version}
        for kind, digest in dict.fromkeys(digests)
    ]


def contact_flags(profile: dict[str, Any], region: str) -> list[dict[str, str]]:
    """Validation flags ({field, code}) for contact fields; codes only, never values."""
    flags = []
    for value in profile.get("emails") or []:
        code = email_problem(value)
        if code:
            flags.append({"field": "email", "code": code})
    for value in profile.get("phones") or []:
        code = phone_problem(value, region)
        if code:
            flags.append({"field": "phone", "code": code})
    return flags


def clean_phone(value: str, region: str) -> str:
    """E.164 when the number is valid, otherwise the value as typed (trimmed) so nothing is lost."""
    return valid_phone(value, region) or value.strip()


def find_subjects(svc, kind: str, value: str | None) -> set[str]:
    """Subject ids whose blind index matches an identifier (under every live index-key version)."""
    digests = svc.indexer.all_digests(kind, value)
    if not digests:
        return set()
    query = BlindIndex.select(BlindIndex.subject_id).where(
        (BlindIndex.kind == kind) & (BlindIndex.digest.in_([d for _, d in digests]))
    )
    return {row.subject_id for row in query}


def suppressed_scope(svc, pairs: Iterable[tuple[str, str]]) -> str | None:
    """'all' if any identifier is tombstoned by an erasure, 'marketing' if only by an objection, else None."""
    digests: list[bytes] = []
    kinds: set[str] = set()
    for kind, value in pairs:
        kinds.add(kind)
        digests += [d for _, d in svc.indexer.all_digests(kind, value)]
    if not digests:
        return None
    scopes = {
        row.scope
        for row in Suppression.select(Suppression.scope).where(
            Suppression.kind.in_(list(kinds)) & Suppression.digest.in_(digests)
        )
    }
    if "all" in scopes:
        return "all"
    return "marketing" if scopes else None


def load(subject_id: str, *, include_erased: bool = False) -> Subject:
    """A subject by public id; NotFound when unknown (or erased, unless asked for)."""
    if not has_prefix(subject_id, "sub"):
        raise NotFound("no such subject")
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None or (subject.erased_at is not None and not include_erased):
        raise NotFound("no such subject")
    return subject


def view(subject: Subject, reveal: bool) -> dict[str, Any]:
    """A subject as API/CLI output; personal data masked unless reveal is true."""
    profile = profile_of(subject)
    return {
        "id": subject.id,
        "kind": subject.kind,
        "lifecycle": subject.lifecycle,
        "source": subject.source,
        "restricted": subject.restricted,
        "created_at": subject.created_at.isoformat() + "Z",
        "updated_at": subject.updated_at.isoformat() + "Z",
        "flags": json.loads(subject.flags or "[]"),
        "masked": not reveal,
        "profile": profile if reveal else mask_profile(profile),
    }


def coerce_profile(data: dict[str, Any], region: str) -> dict[str, Any]:
    """Turn API/CLI input (single email/phone or lists) into a flat profile; Invalid names bad fields."""
    errors = []
    profile = empty_profile()
    for key in TEXT_FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            errors.append({"field": key, "code": "type.string"})
            continue
        profile[key] = value.strip() if isinstance(value, str) and value.strip() else None
    for single, plural in (("email", "emails"), ("phone", "phones"), ("external_id", "external_ids")):
        values: list[str] = []
        for key in (single, plural):
            raw = data.get(key)
            if raw is None:
                continue
            items = raw if isinstance(raw, list) else [raw]
            for item in items:
                if not isinstance(item, str):
                    errors.append({"field": key, "code": "type.string"})
                elif item.strip():
                    values.append(item.strip())
        if plural == "phones":
            values = [clean_phone(v, region) for v in values]
        profile[plural] = list(dict.fromkeys(values))
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        errors.append({"field": "channels", "code": "type.object"})
    else:
        for name, handle in channels.items():
            if name not in CHANNELS:
                errors.append({"field": f"channels.{name}", "code": "channel.unknown"})
            elif handle is not None and not isinstance(handle, str):
                errors.append({"field": f"channels.{name}", "code": "type.string"})
            elif handle and handle.strip():
                profile["channels"][name] = handle.strip()
    custom = data.get("custom") or {}
    if not isinstance(custom, dict):
        errors.append({"field": "custom", "code": "type.object"})
    else:
        profile["custom"] = custom
    if errors:
        raise Invalid("the subject has invalid fields", errors=errors)
    return profile


def has_identity(profile: dict[str, Any]) -> bool:
    """A record needs at least a name, an email, a phone or an external id."""
    return bool(
        profile.get("first_name")
        or profile.get("last_name")
        or profile.get("emails")
        or profile.get("phones")
        or profile.get("external_ids")
    )


def _union(key: str, old: list[str], new: list[str]) -> list[str]:
    """Old values first, then new ones not already present by exact-match key (case and format folded)."""
    fold = {"emails": email_key, "phones": lambda v: phone_key(v, "ZZ") or v}.get(key, lambda v: v)
    seen = {fold(v) for v in old}
    out = list(old)
    for value in new:
        if fold(value) not in seen:
            seen.add(fold(value))
            out.append(value)
    return out


def merge_into(existing: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """Upsert rule: given values replace old ones, new list items are appended, nothing is blanked."""
    merged = dict(existing)
    for key, value in incoming.items():
        if key in LIST_FIELDS:
            merged[key] = _union(key, existing.get(key) or [], value or [])
        elif key in ("channels", "custom"):
            merged[key] = {**(existing.get(key) or {}), **(value or {})}
        elif value not in (None, "", [], {}):
            merged[key] = value
    return merged


def write_subject(svc, subject: Subject, profile: dict[str, Any]) -> None:
    """Encrypt a profile into a subject row and replace its blind indexes (caller holds a transaction)."""
    pii, extra = split_profile(profile)
    subject.pii = pii
    subject.extra = extra
    subject.flags = json.dumps(contact_flags(profile, svc.policies.default_region))
    subject.save()
    BlindIndex.delete().where(BlindIndex.subject_id == subject.id).execute()
    rows = index_rows(svc.indexer, subject.id, profile)
    if rows:
        BlindIndex.insert_many(rows).execute()


def upsert(
    svc, actor: Actor, data: dict[str, Any], *, kind: str = "person", source: str | None = None
) -> tuple[str, bool]:
    """Create a subject or update the one its identifiers point at; return (id, created)."""
    actor.require("subjects:write")
    if kind not in KINDS:
        raise Invalid("unknown kind", errors=[{"field": "kind", "code": "kind.unknown"}])
    profile = coerce_profile(data, svc.policies.default_region)
    if not has_identity(profile):
        raise Invalid(
            "a subject needs a name, an email, a phone or an external id",
            errors=[{"field": "profile", "code": "row.no_identifier"}],
        )
    pairs = identifiers(profile)
    scope = suppressed_scope(svc, pairs)
    if scope == "all":
        svc.audit.record(actor, AuditAction.SUBJECT_CREATE, "", outcome="denied", details={"reason": "suppressed"})
        raise Suppressed("this person was erased and asked not to be added again")
    with svc.transaction():
        matches: set[str] = set()
        for ident_kind, value in pairs:
            matches |= find_subjects(svc, ident_kind, value)
        matches = {m for m in matches if Subject.get_or_none((Subject.id == m) & Subject.erased_at.is_null())}
        if len(matches) > 1:
            raise Conflict(
                "the identifiers belong to different subjects; resolve it in hygiene review",
                errors=[{"field": "profile", "code": "row.ambiguous_match"}],
            )
        now = svc.clock.now()
        if matches:
            subject = Subject.get_by_id(matches.pop())
            profile = merge_into(profile_of(subject), profile)
            subject.updated_at = now
            if source and not subject.source:
                subject.source = source
            if scope == "marketing":
                subject.marketing_suppressed = True  # an identifier is on the objection list
            write_subject(svc, subject, profile)
            svc.audit.record(actor, AuditAction.SUBJECT_UPDATE, subject.id)
            return subject.id, False
        subject_id = new_id("sub")
        DataKey.insert(**svc.keyring.new_key(subject_id), created_at=now).execute()
        subject = Subject(
            id=subject_id,
            kind=kind,
            source=source,
            created_at=now,
            updated_at=now,
            marketing_suppressed=scope == "marketing",
        )
        write_subject_new(svc, subject, profile)
        svc.audit.record(actor, AuditAction.SUBJECT_CREATE, subject_id)
        return subject_id, True


def write_subject_new(svc, subject: Subject, profile: dict[str, Any]) -> None:
    """Insert a new subject row (force_insert: the id is chosen by us) with its indexes."""
    pii, extra = split_profile(profile)
    subject.pii = pii
    subject.extra = extra
    subject.flags = json.dumps(contact_flags(profile, svc.policies.default_region))
    subject.save(force_insert=True)
    rows = index_rows(svc.indexer, subject.id, profile)
    if rows:
        BlindIndex.insert_many(rows).execute()


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


def correct(svc, actor: Actor, subject_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply field changes to a subject (a None value clears a field); returns the new masked/unmasked view."""
    actor.require("subjects:write")
    region = svc.policies.default_region
    with svc.transaction():
        subject = load(subject_id)
        profile = profile_of(subject)
        incoming = coerce_profile(changes, region)
        for key in changes:
            target = {"email": "emails", "phone": "phones", "external_id": "external_ids"}.get(key, key)
            if target not in profile:
                raise Invalid("unknown field", errors=[{"field": key, "code": "field.unknown"}])
            if target in LIST_FIELDS and key in ("emails", "phones", "external_ids"):
                profile[target] = incoming[target]  # a list replaces the whole list
            elif target in LIST_FIELDS:
                profile[target] = list(dict.fromkeys([*incoming[target], *profile[target]]))
            else:
                profile[target] = incoming[target]
        if not has_identity(profile):
            raise Invalid(
                "a subject needs a name, an email, a phone or an external id",
                errors=[{"field": "profile", "code": "row.no_identifier"}],
            )
        subject.updated_at = svc.clock.now()
        write_subject(svc, subject, profile)
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
