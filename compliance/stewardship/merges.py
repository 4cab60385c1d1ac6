"""Merging duplicate subjects, undoing merges, and rejecting candidate pairs.

A merge keeps one subject (the survivor) and marks the other `merged_into` it. Before anything changes, the
exact state of both subjects is sealed into undo snapshots, each under its own subject's data key. Then:
the survivor's profile becomes the survivorship result of both; identifiers suppressed by an erasure are
dropped (they never come back), a marketing suppression on either side is carried; blind indexes move to the
survivor; purchases and interactions move (interaction summaries re-encrypted under the survivor's key);
consent is merged conservatively (a withdrawal on either side stays withdrawn; a live grant or pending
sign-up is carried only where the survivor has no state of its own); a restriction on either side is kept.
`unmerge` restores both subjects exactly from the snapshots and moves everything back.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.errors import Conflict, Invalid, NotFound
from compliance.ids import has_prefix, new_id
from compliance.stewardship.models import Merge, MergeCandidate, MergeSnapshot
from compliance.store.models import BlindIndex, Interaction, Purchase, Subject, Suppression
from compliance.subjects.profiles import LIST_FIELDS, identifiers, index_rows, load, profile_of, write_subject
from hygiene.identifiers import email_key, phone_key

SUBJECT_COLUMNS = (
    "kind",
    "lifecycle",
    "source",
    "created_at",
    "updated_at",
    "restricted",
    "marketing_suppressed",
    "erased_at",
    "merged_into",
    "flags",
)
DATETIME_COLUMNS = ("created_at", "updated_at", "erased_at")


# ---------------------------------------------------------------------------------------------------------
# Snapshots


def snapshot(subject: Subject) -> dict[str, Any]:
    """Everything needed to put a subject back exactly as it is now (plaintext; sealed by the caller)."""
    columns = {}
    for name in SUBJECT_COLUMNS:
        value = getattr(subject, name)
        columns[name] = value.isoformat() if isinstance(value, datetime) else value
    return {"columns": columns, "pii": subject.pii, "extra": subject.extra}


def _seal_snapshot(merge_id: str, subject: Subject) -> None:
    row = MergeSnapshot(id=f"{merge_id}:{subject.id}", merge_id=merge_id, subject_id=subject.id)
    row.data = snapshot(subject)
    row.save(force_insert=True)


def _restore(svc, subject: Subject, snap: dict[str, Any]) -> None:
    """Write a snapshot back into the subject row and rebuild its blind indexes."""
    for name, value in snap["columns"].items():
        if name in DATETIME_COLUMNS and value is not None:
            value = datetime.fromisoformat(value)
        setattr(subject, name, value)
    subject.pii = snap["pii"]
    subject.extra = snap["extra"]
    subject.save()
    BlindIndex.delete().where(BlindIndex.subject_id == subject.id).execute()
    if subject.merged_into is None and subject.erased_at is None:
        rows = index_rows(svc.indexer, subject.id, profile_of(subject))
        if rows:
            BlindIndex.insert_many(rows).execute()


# ---------------------------------------------------------------------------------------------------------
# Survivorship and suppression


def _rules(svc) -> dict[str, Any]:
    from compliance.policy.hygiene import policy_of

    return {
        "source_priority": list(policy_of(svc).source_priority),
        "default_region": svc.policies.default_region,
        "today": svc.clock.now().date(),
    }


def _fallback_survive(records: list[dict[str, Any]], rules: dict[str, Any]) -> dict[str, Any]:
    """Most recent non-empty value, ties to source priority, then to the first record (used without hygiene)."""
    priority = {name: i for i, name in enumerate(rules.get("source_priority") or [])}
    order = sorted(
        range(len(records)),
        key=lambda i: (
            -datetime.fromisoformat(records[i]["updated_at"]).timestamp(),
            priority.get(records[i].get("source") or "", len(priority)),
            i,
        ),
    )
    out: dict[str, Any] = {}
    for key in records[0]:
        for i in order:
            value = records[i].get(key)
            if value not in (None, "", [], {}):
                out[key] = value
                break
    return out


def _survive(records: list[dict[str, Any]], rules: dict[str, Any]) -> dict[str, Any]:
    try:
        from hygiene.survivorship import survive
    except ModuleNotFoundError as exc:
        if exc.name != "hygiene.survivorship":
            raise
        return _fallback_survive(records, rules)
    return survive(records, rules)


def survive_profiles(svc, survivor: Subject, loser: Subject) -> dict[str, Any]:
    """The merged flat profile of two subjects, by hygiene.survivorship (the survivor's record listed first)."""
    records = []
    for subject in (survivor, loser):
        profile = profile_of(subject)
        records.append(
            {
                **profile,
                "id": subject.id,
                "source": subject.source,
                "updated_at": subject.updated_at.isoformat(),
                "created_at": subject.created_at.isoformat(),
            }
        )
    merged = _survive(records, _rules(svc))
    out = profile_of(survivor)
    for key in out:
        if key in merged:
            out[key] = merged[key]
    # Identifiers are never lost in a merge: every value of both records is kept (once), survivor's first.
    region = svc.policies.default_region
    folds = {"emails": email_key, "phones": lambda v: phone_key(v, region) or v, "external_ids": lambda v: v}
    for key in LIST_FIELDS:
        values = list(out.get(key) or [])
        seen = {folds[key](v) for v in values}
        for record in records:
            for value in record.get(key) or []:
                if folds[key](value) not in seen:
                    seen.add(folds[key](value))
                    values.append(value)
        out[key] = values
    # Channel handles fill gaps from the loser; custom fields too (the survivor's own win).
    for key in ("channels", "custom"):
        combined = dict(records[1].get(key) or {})
        combined.update({k: v for k, v in (records[0].get(key) or {}).items() if v not in (None, "")})
        if key == "channels":
            combined.update({k: v for k, v in (out.get(key) or {}).items() if v not in (None, "")})
        out[key] = combined
    return out


def suppression_scopes(svc, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For each (kind, value) on the suppression list, its strongest scope ('all' or 'marketing')."""
    by_digest: dict[tuple[str, bytes], tuple[str, str]] = {}
    for kind, value in pairs:
        for _, digest in svc.indexer.all_digests(kind, value):
            by_digest[(kind, bytes(digest))] = (kind, value)
    if not by_digest:
        return {}
    out: dict[tuple[str, str], str] = {}
    kinds = sorted({k for k, _ in by_digest})
    digests = [d for _, d in by_digest]
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        for row in Suppression.select(Suppression.kind, Suppression.digest, Suppression.scope).where(
            Suppression.kind.in_(kinds) & Suppression.digest.in_(chunk)
        ):
            pair = by_digest.get((row.kind, bytes(row.digest)))
            if pair is None:
                continue
            if out.get(pair) != "all":
                out[pair] = row.scope
    return out


def _drop_identifiers(profile: dict[str, Any], dropped: set[tuple[str, str]]) -> int:
    """Remove tombstoned identifiers from a profile; return how many were removed."""
    if not dropped:
        return 0
    count = 0
    for key, kind in (("emails", "email"), ("phones", "phone"), ("external_ids", "external")):
        keep = [v for v in profile.get(key) or [] if (kind, v) not in dropped]
        count += len(profile.get(key) or []) - len(keep)
        profile[key] = keep
    channels = {}
    for name, handle in (profile.get("channels") or {}).items():
        if (f"channel:{name}", handle) in dropped:
            count += 1
        else:
            channels[name] = handle
    profile["channels"] = channels
    return count


# ---------------------------------------------------------------------------------------------------------
# Consent


STRICTNESS = {"withdrawn": 3, "pending": 1, "granted": 0}


def _merge_consent(svc, actor: Actor, survivor: Subject, loser: Subject) -> dict[str, Any]:
    """Carry the loser's consent onto the survivor, strictest first; return what to undo."""
    from compliance.consent import ledger as consent

    states = list(consent.ConsentState.select().where(consent.ConsentState.subject_id == loser.id))
    now = svc.clock.now()
    mine = {
        (s.purpose, s.channel): s
        for s in consent.ConsentState.select().where(consent.ConsentState.subject_id == survivor.id)
    }
    before = [
        {
            "purpose": s.purpose,
            "channel": s.channel,
            "state": s.state,
            "updated_at": s.updated_at.isoformat(),
            "expires_at": s.expires_at.isoformat() if s.expires_at else None,
            "event_id": s.event_id,
        }
        for s in mine.values()
    ]
    created: list[str] = []
    for theirs in sorted(states, key=lambda s: (s.purpose, s.channel)):
        key = (theirs.purpose, theirs.channel)
        their_state = consent.effective(theirs.state, theirs.expires_at, now)
        ours = mine.get(key)
        our_state = consent.effective(ours.state, ours.expires_at, now) if ours else "none"
        action = None
        if their_state == "withdrawn" and our_state != "withdrawn":
            action = "withdraw"
        elif ours is None and their_state in ("granted", "pending"):
            action = "grant" if their_state == "granted" else "pending"
        if action is None:
            continue
        try:
            spec = consent._purpose(svc, theirs.purpose)
        except Invalid:
            continue  # a purpose no longer in the policy: nothing to carry
        event = consent._write_event(
            svc,
            actor,
            survivor,
            spec,
            theirs.channel,
            action,
            source="merge",
            method="merge",
            notice_version=None,
            evidence=None,
        )
        if action == "grant" and theirs.expires_at != event.expires_at:
            # A carried grant keeps the loser's expiry: a merge never extends consent.
            consent.ConsentEvent.update(expires_at=theirs.expires_at).where(
                consent.ConsentEvent.id == event.id
            ).execute()
            consent.ConsentState.update(expires_at=theirs.expires_at).where(
                (consent.ConsentState.subject_id == survivor.id)
                & (consent.ConsentState.purpose == theirs.purpose)
                & (consent.ConsentState.channel == theirs.channel)
            ).execute()
        created.append(event.id)
    return {"events": created, "before": before}


def _undo_consent(moved: dict[str, Any], survivor_id: str) -> None:
    """Remove the events a merge wrote and put the survivor's state rows back."""
    created = moved.get("events") or []
    if not created:
        return
    from compliance.consent import ledger as consent

    events = list(consent.ConsentEvent.select().where(consent.ConsentEvent.id.in_(created)))
    keys = {(e.purpose, e.channel) for e in events}
    consent.ConsentEvent.delete().where(consent.ConsentEvent.id.in_(created)).execute()
    before = {(b["purpose"], b["channel"]): b for b in moved.get("before") or []}
    merged_seq = max((e.seq for e in events), default=0)
    for purpose, channel in keys:
        where = (
            (consent.ConsentState.subject_id == survivor_id)
            & (consent.ConsentState.purpose == purpose)
            & (consent.ConsentState.channel == channel)
        )
        later = (
            consent.ConsentEvent.select()
            .where(
                (consent.ConsentEvent.subject_id == survivor_id)
                & (consent.ConsentEvent.purpose == purpose)
                & (consent.ConsentEvent.channel == channel)
                & (consent.ConsentEvent.seq > merged_seq)
            )
            .order_by(consent.ConsentEvent.seq.desc())
            .first()
        )
        consent.ConsentState.delete().where(where).execute()
        if later is not None:  # the person acted after the merge: that decision stands
            consent.ConsentState.insert(
                subject_id=survivor_id,
                purpose=purpose,
                channel=channel,
                state=later.state_after,
                updated_at=later.occurred_at,
                expires_at=later.expires_at,
                event_id=later.id,
            ).execute()
        elif (purpose, channel) in before:
            row = before[(purpose, channel)]
            consent.ConsentState.insert(
                subject_id=survivor_id,
                purpose=purpose,
                channel=channel,
                state=row["state"],
                updated_at=datetime.fromisoformat(row["updated_at"]),
                expires_at=datetime.fromisoformat(row["expires_at"]) if row["expires_at"] else None,
                event_id=row["event_id"],
            ).execute()


# ---------------------------------------------------------------------------------------------------------
# Merge, unmerge, reject


def _live(subject_id: str) -> Subject:
    subject = load(subject_id)
    if subject.merged_into:
        raise Conflict(
            f"{subject_id} was already merged into {subject.merged_into}",
            errors=[{"field": "subject", "code": "merge.already_merged"}],
        )
    return subject


def apply_merge(
    svc,
    actor: Actor,
    survivor_id: str,
    loser_id: str,
    *,
    candidate_id: str | None = None,
    automatic: bool = False,
) -> dict[str, Any]:
    """Merge loser into survivor (caller holds the transaction and has checked the scope)."""
    if survivor_id == loser_id:
        raise Invalid("a subject cannot be merged with itself", errors=[{"field": "subject", "code": "merge.same"}])
    survivor, loser = _live(survivor_id), _live(loser_id)
    if automatic and (survivor.restricted or loser.restricted):
        raise Conflict(
            "restricted subjects are never merged automatically",
            errors=[{"field": "subject", "code": "merge.restricted"}],
        )
    svc.keyring.preload([survivor.id, loser.id])
    merge_id = new_id("mrg")
    now = svc.clock.now()
    _seal_snapshot(merge_id, survivor)
    _seal_snapshot(merge_id, loser)

    profile = survive_profiles(svc, survivor, loser)
    scopes = suppression_scopes(svc, identifiers(profile))
    dropped = {pair for pair, scope in scopes.items() if scope == "all"}
    removed = _drop_identifiers(profile, dropped)
    survivor.restricted = bool(survivor.restricted or loser.restricted)
    survivor.marketing_suppressed = bool(
        survivor.marketing_suppressed or loser.marketing_suppressed or "marketing" in scopes.values()
    )
    if survivor.source is None and loser.source:
        survivor.source = loser.source
    survivor.created_at = min(survivor.created_at, loser.created_at)
    survivor.updated_at = now
    write_subject(svc, survivor, profile)

    BlindIndex.delete().where(BlindIndex.subject_id == loser.id).execute()
    loser.merged_into = survivor.id
    loser.updated_at = now
    loser.save()

    purchases = [p.id for p in Purchase.select(Purchase.id).where(Purchase.subject == loser.id)]
    if purchases:
        Purchase.update(subject=survivor.id).where(Purchase.id.in_(purchases)).execute()
    interactions = []
    for row in Interaction.select().where(Interaction.subject == loser.id):
        summary = row.summary
        Interaction.update(
            subject=survivor.id,
            summary=Interaction.sealed(Interaction.summary, survivor.id, row.id, summary),
        ).where(Interaction.id == row.id).execute()
        interactions.append(row.id)
    consent_moved = _merge_consent(svc, actor, survivor, loser)

    moved = {"purchases": purchases, "interactions": interactions, "consent": consent_moved}
    Merge.insert(
        id=merge_id,
        survivor_id=survivor.id,
        loser_id=loser.id,
        candidate_id=candidate_id,
        automatic=automatic,
        actor=actor.principal_id,
        created_at=now,
        moved=json.dumps(moved, sort_keys=True),
    ).execute()
    if candidate_id:
        MergeCandidate.update(status="merged", decided_at=now, decided_by=actor.principal_id, merge_id=merge_id).where(
            MergeCandidate.id == candidate_id
        ).execute()
    # Other open pairs of the loser now concern the survivor; the next run proposes them again.
    MergeCandidate.update(status="superseded", decided_at=now).where(
        (MergeCandidate.status == "open")
        & ((MergeCandidate.a_id == loser.id) | (MergeCandidate.b_id == loser.id))
        & (MergeCandidate.id != (candidate_id or ""))
    ).execute()
    details = {
        "merge": merge_id,
        "loser": loser.id,
        "automatic": automatic,
        "purchases": len(purchases),
        "interactions": len(interactions),
        "consent_events": len(consent_moved["events"]),
        "suppressed_dropped": removed,
    }
    svc.audit.record(actor, AuditAction.HYGIENE_MERGE, survivor.id, details=details)
    return {
        "id": merge_id,
        "survivor": survivor.id,
        "loser": loser.id,
        **{k: v for k, v in details.items() if k not in ("merge", "loser")},
    }


def merge(svc, actor: Actor, survivor_id: str, loser_id: str, *, candidate_id: str | None = None) -> dict[str, Any]:
    """Merge two subjects by hand (the steward chose the survivor)."""
    actor.require("hygiene:merge")
    with svc.transaction():
        return apply_merge(svc, actor, survivor_id, loser_id, candidate_id=candidate_id)


def _candidate(candidate_id: str) -> MergeCandidate:
    if not has_prefix(candidate_id, "cand"):
        raise NotFound("no such candidate")
    row = MergeCandidate.get_or_none(MergeCandidate.id == candidate_id)
    if row is None:
        raise NotFound("no such candidate")
    return row


def choose_survivor(a: Subject, b: Subject) -> tuple[Subject, Subject]:
    """(survivor, loser): the older record survives, so the id people already know stays valid."""
    return (a, b) if (a.created_at, a.id) <= (b.created_at, b.id) else (b, a)


def merge_candidate(svc, actor: Actor, candidate_id: str, *, survivor: str | None = None) -> dict[str, Any]:
    """Accept a candidate pair: merge it (survivor: the older record unless named)."""
    actor.require("hygiene:merge")
    with svc.transaction():
        cand = _candidate(candidate_id)
        if cand.status != "open":
            raise Conflict(
                f"candidate is {cand.status}, not open", errors=[{"field": "candidate", "code": "candidate.closed"}]
            )
        a, b = _live(cand.a_id), _live(cand.b_id)
        if survivor is not None:
            if survivor not in (a.id, b.id):
                raise Invalid(
                    "the survivor must be one of the pair",
                    errors=[{"field": "survivor", "code": "survivor.not_in_pair"}],
                )
            keep, lose = (a, b) if survivor == a.id else (b, a)
        else:
            keep, lose = choose_survivor(a, b)
        return apply_merge(svc, actor, keep.id, lose.id, candidate_id=cand.id)


def reject(svc, actor: Actor, candidate_id: str) -> dict[str, Any]:
    """Mark a candidate pair as two different people; later runs do not propose it again."""
    actor.require("hygiene:merge")
    with svc.transaction():
        cand = _candidate(candidate_id)
        if cand.status != "open":
            raise Conflict(
                f"candidate is {cand.status}, not open", errors=[{"field": "candidate", "code": "candidate.closed"}]
            )
        MergeCandidate.update(status="rejected", decided_at=svc.clock.now(), decided_by=actor.principal_id).where(
            MergeCandidate.id == cand.id
        ).execute()
        svc.audit.record(actor, AuditAction.HYGIENE_REJECT, cand.id, details={"a": cand.a_id, "b": cand.b_id})
    return {"id": cand.id, "status": "rejected", "a": cand.a_id, "b": cand.b_id}


def unmerge(svc, actor: Actor, merge_id: str) -> dict[str, Any]:
    """Undo a merge: both subjects restored exactly, purchases, interactions and consent moved back."""
    actor.require("hygiene:merge")
    if not has_prefix(merge_id, "mrg"):
        raise NotFound("no such merge")
    with svc.transaction():
        row = Merge.get_or_none(Merge.id == merge_id)
        if row is None:
            raise NotFound("no such merge")
        if row.status != "applied":
            raise Conflict("this merge was already undone", errors=[{"field": "merge", "code": "merge.undone"}])
        later = (
            Merge.select(Merge.id)
            .where(
                (Merge.status == "applied")
                & (Merge.created_at >= row.created_at)
                & (Merge.id != row.id)
                & (
                    (Merge.survivor_id == row.survivor_id)
                    | (Merge.loser_id == row.survivor_id)
                    | (Merge.survivor_id == row.loser_id)
                )
            )
            .order_by(Merge.created_at.desc())
            .first()
        )
        if later is not None:
            raise Conflict(
                f"undo the later merge {later.id} of the same subject first",
                errors=[{"field": "merge", "code": "merge.later_merge"}],
            )
        survivor = Subject.get_or_none(Subject.id == row.survivor_id)
        loser = Subject.get_or_none(Subject.id == row.loser_id)
        if survivor is None or loser is None or survivor.erased_at or loser.erased_at:
            raise Conflict(
                "a subject of this merge was erased; it cannot be restored",
                errors=[{"field": "merge", "code": "merge.erased"}],
            )
        snaps = {s.subject_id: s for s in MergeSnapshot.select().where(MergeSnapshot.merge_id == row.id)}
        svc.keyring.preload([survivor.id, loser.id])
        moved = json.loads(row.moved or "{}")
        _undo_consent(moved.get("consent") or {}, survivor.id)
        for interaction_id in moved.get("interactions") or []:
            item = Interaction.get_or_none(Interaction.id == interaction_id)
            if item is None or item.subject_id != survivor.id:
                continue  # deleted by retention since, or moved again
            summary = item.summary
            Interaction.update(
                subject=loser.id, summary=Interaction.sealed(Interaction.summary, loser.id, item.id, summary)
            ).where(Interaction.id == item.id).execute()
        purchases = moved.get("purchases") or []
        if purchases:
            Purchase.update(subject=loser.id).where(
                Purchase.id.in_(purchases) & (Purchase.subject == survivor.id)
            ).execute()
        _restore(svc, survivor, snaps[survivor.id].data)
        _restore(svc, loser, snaps[loser.id].data)
        MergeSnapshot.delete().where(MergeSnapshot.merge_id == row.id).execute()
        now = svc.clock.now()
        Merge.update(status="undone", undone_at=now, undone_by=actor.principal_id).where(Merge.id == row.id).execute()
        if row.candidate_id:
            # The steward said these are two people: the pair is not proposed (or auto-merged) again.
            MergeCandidate.update(status="rejected", decided_at=now, decided_by=actor.principal_id).where(
                MergeCandidate.id == row.candidate_id
            ).execute()
        svc.audit.record(
            actor,
            AuditAction.HYGIENE_UNMERGE,
            survivor.id,
            details={
                "merge": row.id,
                "loser": loser.id,
                "consent_events_removed": len((moved.get("consent") or {}).get("events") or []),
            },
        )
    return {"id": row.id, "status": "undone", "survivor": survivor.id, "loser": loser.id}


def merge_view(row: Merge) -> dict[str, Any]:
    """A merge as output (ids and counts only)."""
    from compliance.clock import iso

    moved = json.loads(row.moved or "{}")
    return {
        "id": row.id,
        "survivor": row.survivor_id,
        "loser": row.loser_id,
        "candidate": row.candidate_id,
        "automatic": row.automatic,
        "status": row.status,
        "actor": row.actor,
        "created_at": iso(row.created_at),
        "undone_at": iso(row.undone_at),
        "purchases": len(moved.get("purchases") or []),
        "interactions": len(moved.get("interactions") or []),
        "consent_events": len((moved.get("consent") or {}).get("events") or []),
    }


SIDE_BY_SIDE = (
    "first_name",
    "last_name",
    "middle_name",
    "emails",
    "phones",
    "birth_date",
    "gender",
    "street",
    "city",
    "postcode",
    "country",
    "company",
    "channels",
    "external_ids",
)


def _subject_side(subject: Subject | None, reveal: bool) -> dict[str, Any]:
    from compliance.subjects.masking import mask_profile

    if subject is None or subject.erased_at is not None:
        return {}
    profile = profile_of(subject)
    shown = profile if reveal else mask_profile(profile)
    return {k: shown.get(k) for k in SIDE_BY_SIDE}


def candidate_view(row: MergeCandidate, subjects: dict[str, Subject], reveal: bool) -> dict[str, Any]:
    """A candidate with both records' fields side by side (masked unless reveal)."""
    from compliance.clock import iso

    a, b = _subject_side(subjects.get(row.a_id), reveal), _subject_side(subjects.get(row.b_id), reveal)
    return {
        "id": row.id,
        "a": row.a_id,
        "b": row.b_id,
        "score": row.score,
        "decision": row.decision,
        "status": row.status,
        "run": row.run_id,
        "created_at": iso(row.created_at),
        "merge": row.merge_id,
        "masked": not reveal,
        "fields": [{"field": name, "a": a.get(name), "b": b.get(name)} for name in SIDE_BY_SIDE],
    }


def candidates_page(
    svc, actor: Actor, *, status: str = "open", after: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of candidates, highest score first within id order, fields side by side; returns (items, last id)."""
    actor.require("hygiene:read")
    reveal = actor.can("subjects:read_pii")
    query = MergeCandidate.select().where(MergeCandidate.status == status)
    if after:
        query = query.where(MergeCandidate.id > after)
    rows = list(query.order_by(MergeCandidate.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    ids = sorted({x for r in rows for x in (r.a_id, r.b_id)})
    subjects = {s.id: s for s in Subject.select().where(Subject.id.in_(ids or [""]))}
    svc.keyring.preload(ids)
    items = [candidate_view(r, subjects, reveal) for r in rows]
    if rows:
        svc.audit.record(
            actor,
            AuditAction.SUBJECT_READ_PII if reveal else AuditAction.SUBJECT_READ,
            "",
            details={"ids": ids, "via": "hygiene.candidates"},
        )
    return items, (rows[-1].id if more and rows else None)
