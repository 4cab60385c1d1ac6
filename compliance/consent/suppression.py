"""The suppression list: keyed-HMAC tombstones of identifiers of erased or objecting people."""

from __future__ import annotations

from compliance.store.models import Subject, Suppression
from compliance.subjects.shape import identifiers, profile_of


def suppress_identifiers(svc, person: Subject, *, scope: str, reason: str) -> int:
    """Add keyed-HMAC tombstones of every identifier of a person to the suppression list."""
    return len(add_tombstones(svc, person, scope=scope, reason=reason))


def add_tombstones(svc, person: Subject, *, scope: str, reason: str) -> list[dict]:
    """Add keyed-HMAC tombstones of every identifier of a person; return the rows added (the erasure ledger
    keeps their digests)."""
    rows = []
    for kind, value in identifiers(profile_of(person)):
        digest = svc.indexer.digest(kind, value)
        if digest is not None:
            rows.append(
                {
                    "kind": kind,
                    "digest": digest,
                    "key_version": svc.indexer.active,
                    "scope": scope,
                    "reason": reason,
                    "created_at": svc.clock.now(),
                }
            )
    if rows:
        Suppression.insert_many(rows).execute()
    return rows
