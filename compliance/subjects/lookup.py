"""Finding subjects: by public id, and by identifier through blind indexes and suppression tombstones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compliance.errors import NotFound, Suppressed
from compliance.ids import has_prefix
from compliance.store.models import BlindIndex, Subject, Suppression
from compliance.subjects.shape import identifiers
from hygiene.profile import FIELDS


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


_FIELD_OF = {f.identifier: f.name for f in FIELDS if f.identifier}  # blind-index kind -> profile field


def tombstoned_fields(svc, after: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    """Fields (emails, phones, external_ids, channels.<name>) holding an identifier an erasure tombstoned,
    counting only identifiers `before` did not hold already (compared in their canonical form): a write may
    keep a family landline an erased relative also used, but never add an erased person's identifier."""
    held = set()
    if before is not None:
        held = {(kind, svc.indexer.canonical(kind, value)) for kind, value in identifiers(before)}
    added = [(k, v) for k, v in identifiers(after) if (k, svc.indexer.canonical(k, v)) not in held]
    found = {
        _FIELD_OF.get(kind) or f"channels.{kind.split(':', 1)[1]}"
        for (kind, _), scope in suppression_scopes(svc, added).items()
        if scope == "all"
    }
    return sorted(found)


def refuse_tombstoned(svc, after: dict[str, Any], before: dict[str, Any] | None = None) -> None:
    """Suppressed (409, naming the fields) when a write would add an erased person's identifier."""
    fields = tombstoned_fields(svc, after, before)
    if fields:
        raise Suppressed(
            "this identifier belonged to a person who was erased and asked not to be added again",
            errors=[{"field": f, "code": "identifier.erased"} for f in fields],
        )


def load(subject_id: str, *, include_erased: bool = False) -> Subject:
    """A subject by public id; NotFound when unknown (or erased, unless asked for)."""
    if not has_prefix(subject_id, "sub"):
        raise NotFound("no such subject")
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None or (subject.erased_at is not None and not include_erased):
        raise NotFound("no such subject")
    return subject
