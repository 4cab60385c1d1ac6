"""The suppression list: keyed-HMAC tombstones of identifiers of erased or objecting people."""

from __future__ import annotations

from compliance.store.models import Subject, Suppression
from compliance.subjects.shape import identifiers, profile_of


def suppress_identifiers(svc, person: Subject, *, scope: str, reason: str) -> int:
    """Add keyed-HMAC tombstones of every identifier of a person to the suppression list."""
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
    return len(rows)


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
