"""Consent across a merge of two records, for stewardship: carrying the loser's decisions onto the survivor, and
compensating them when the merge is undone.

Both only append events (action `restore`, source `merge` or `unmerge`) through `ledger.write_event`; no event
is ever rewritten or deleted, and the state rows follow from the events like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.access.actor import Actor
from compliance.consent.ledger import effective, purpose_spec, states_of, write_event
from compliance.consent.models import ConsentEvent
from compliance.errors import Invalid
from compliance.store.models import Subject


def merge_consent(svc, actor: Actor, survivor: Subject, loser: Subject) -> dict[str, Any]:
    """Carry the loser's consent onto the survivor, conservatively: a withdrawal on either side stays withdrawn,
    a live grant or pending sign-up is carried only where the survivor has no state of its own (never extending
    its expiry). Returns what `unmerge_consent` needs: the events appended and the survivor's states before."""
    now = svc.clock.now()
    mine, theirs_by_key = states_of(survivor.id), states_of(loser.id)
    created: list[str] = []
    before: list[dict[str, Any]] = []
    for key in sorted(theirs_by_key):
        theirs, ours = theirs_by_key[key], mine.get(key)
        their_state = effective(theirs.state, theirs.expires_at, now)
        our_state = effective(ours.state, ours.expires_at, now) if ours else "none"
        if their_state == "withdrawn" and our_state != "withdrawn":
            carried = ("withdrawn", None)
        elif ours is None and their_state in ("granted", "pending"):
            carried = (theirs.state, theirs.expires_at)  # as it stands: a merge never extends consent
        else:
            continue
        try:
            spec = purpose_spec(svc, theirs.purpose)
        except Invalid:
            continue  # a purpose no longer in the policy: nothing to carry
        event = write_event(
            svc, actor, survivor, spec, theirs.channel, "restore", source="merge", method="merge", restores=carried
        )
        created.append(event.id)
        before.append(
            {
                "purpose": theirs.purpose,
                "channel": theirs.channel,
                "state": ours.state if ours else "none",
                "expires_at": ours.expires_at.isoformat() if ours and ours.expires_at else None,
            }
        )
    return {"events": created, "before": before}


def unmerge_consent(svc, actor: Actor, survivor: Subject, moved: dict[str, Any]) -> list[str]:
    """Append compensating events putting back the survivor's states from before the merge, except where the
    person decided again after it (that decision stands); returns the ids of the events appended."""
    created = moved.get("events") or []
    if not created:
        return []
    events = list(ConsentEvent.select().where(ConsentEvent.id.in_(created)))
    merged_seq = max(e.seq for e in events) if events else 0
    before = {(b["purpose"], b["channel"]): b for b in moved.get("before") or []}
    appended = []
    for purpose, channel in sorted({(e.purpose, e.channel) for e in events}):
        # Merges and unmerges write restore events only; any other event is the person's own decision.
        decided_since = (
            ConsentEvent.select(ConsentEvent.seq)
            .where(
                (ConsentEvent.subject_id == survivor.id)
                & (ConsentEvent.purpose == purpose)
                & (ConsentEvent.channel == channel)
                & (ConsentEvent.seq > merged_seq)
                & (ConsentEvent.action != "restore")
            )
            .exists()
        )
        if decided_since:
            continue
        row = before.get((purpose, channel))  # absent: the survivor had nothing recorded
        state = row["state"] if row else "none"
        expires = datetime.fromisoformat(row["expires_at"]) if row and row["expires_at"] else None
        current = states_of(survivor.id).get((purpose, channel))
        if ((current.state, current.expires_at) if current else ("none", None)) == (state, expires):
            continue
        try:
            spec = purpose_spec(svc, purpose)
        except Invalid:
            continue  # a purpose no longer in the policy: nothing can be checked against it any more
        event = write_event(
            svc,
            actor,
            survivor,
            spec,
            channel,
            "restore",
            source="unmerge",
            method="unmerge",
            restores=(state, expires),
        )
        appended.append(event.id)
    return appended
