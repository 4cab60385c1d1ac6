"""The one create-or-update path: which existing subject a row updates (or that it is new), and the write.

Import sends rows here in batches, the API one at a time. A batch is resolved with bulk lookups (every
blind-index digest and tombstone of the batch in a few queries) and written with executemany. The
identity rule is `matches`: swapping that one function changes how every writer decides who a row is.
The caller holds the transaction and writes the audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from compliance.ids import new_id
from compliance.store.bulk import insert_rows, select_in, update_rows
from compliance.store.models import BlindIndex, DataKey, Subject, Suppression
from compliance.subjects.shape import (
    contact_flags,
    empty_profile,
    identifiers,
    index_rows,
    index_rows_of,
    merge_into,
    split_profile,
)

CREATED, UPDATED, UNCHANGED, SUPPRESSED, AMBIGUOUS = "created", "updated", "unchanged", "suppressed", "ambiguous"
_CHUNK = 900  # values per IN (...): below SQLite's parameter limit
_INDEX_COLUMNS = (BlindIndex.kind, BlindIndex.digest, BlindIndex.subject_id)
_SUPPRESSION_COLUMNS = (Suppression.kind, Suppression.digest, Suppression.scope)
_EXISTING_COLUMNS = (Subject.id, Subject.erased_at, Subject.pii, Subject.extra)

Pair = tuple[str, bytes]  # (blind-index kind, digest)


@dataclass
class Incoming:
    """One row to create or update: a coerced profile, the subject kind, source and creation time."""

    profile: dict[str, Any]
    kind: str = "person"
    source: str | None = None
    created_at: datetime | None = None


@dataclass
class Outcome:
    """What the path did with one row: status, the subject it wrote (if any), and the row's contact flags."""

    status: str
    subject_id: str | None = None
    flags: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Mode:
    """How a caller's writes differ, kept as they were: the API fills a missing source and rewrites a matched
    subject even when nothing changed (its updated time moves); an import leaves both alone."""

    fill_source: bool = False
    rewrite_unchanged: bool = False
    dry_run: bool = False


API = Mode(fill_source=True, rewrite_unchanged=True)
IMPORT = Mode()


def matches(pairs: list[Pair], owners: dict[Pair, set[str]], live: dict, batch_owner: dict[Pair, str]) -> set[str]:
    """The identity rule: the live subjects (and new subjects of earlier rows in the batch) that any identifier
    of the row points at. None: a new subject; one: update it; several: ambiguous, left for hygiene review."""
    found: set[str] = set()
    for pair in pairs:
        found |= {sid for sid in owners.get(pair, ()) if sid in live}
        if pair in batch_owner:
            found.add(batch_owner[pair])
    return found


def write(svc, rows: list[Incoming], mode: Mode = IMPORT) -> list[Outcome]:
    """Create or update a subject for each row (caller holds the transaction); one Outcome per row, in order."""
    return _Batch(svc, rows, mode).run()


class _Batch:
    """One batch: digests of every row, bulk lookups, per-row decisions, then one write of everything."""

    def __init__(self, svc, rows: list[Incoming], mode: Mode):
        self.svc = svc
        self.rows = rows
        self.mode = mode
        self.region = svc.policies.default_region

    def _digests(self) -> tuple[list[list[Pair]], list[list[Pair]], list[bytes]]:
        """Digests per row under every live index key (lookups must see rows written before a reindex), those
        under the active key (a new subject's index rows), and every digest of the batch."""
        indexer = self.svc.indexer
        row_digests: list[list[Pair]] = []
        row_index: list[list[Pair]] = []
        every: set[bytes] = set()
        for row in self.rows:
            pairs, active = [], []
            for kind, value in identifiers(row.profile):
                for version, digest in indexer.all_digests(kind, value):
                    pairs.append((kind, digest))
                    every.add(digest)
                    if version == indexer.active:
                        active.append((kind, digest))
            row_digests.append(pairs)
            row_index.append(active)
        return row_digests, row_index, list(every)

    def run(self) -> list[Outcome]:
        row_digests, row_index, digest_list = self._digests()
        owners: dict[Pair, set[str]] = {}
        suppressed: set[Pair] = set()
        marketing: set[Pair] = set()  # objection tombstones: the row lands, marketing is off
        for start in range(0, len(digest_list), _CHUNK):
            chunk = digest_list[start : start + _CHUNK]
            for kind, digest, subject_id in select_in(BlindIndex, _INDEX_COLUMNS, (), BlindIndex.digest, chunk):
                owners.setdefault((kind, bytes(digest)), set()).add(subject_id)
            for kind, digest, scope in select_in(Suppression, _SUPPRESSION_COLUMNS, (), Suppression.digest, chunk):
                (suppressed if scope == "all" else marketing).add((kind, bytes(digest)))
        existing = self._existing(sorted({sid for ids in owners.values() for sid in ids}))
        pending: dict[str, dict[str, Any]] = {}  # new subject id -> {profile, kind, source, created, ...}
        batch_owner: dict[Pair, str] = {}
        updated: dict[str, dict[str, Any]] = {}
        sources: dict[str, str] = {}  # matched subject id -> source to fill in (API mode)
        flag_marketing: set[str] = set()
        outcomes: list[Outcome] = []
        for row, pairs, index in zip(self.rows, row_digests, row_index, strict=True):
            if any(p in suppressed for p in pairs):
                outcomes.append(Outcome(SUPPRESSED))
                continue
            found = matches(pairs, owners, existing, batch_owner)
            if len(found) > 1:
                outcomes.append(Outcome(AMBIGUOUS))
                continue
            flags = contact_flags(row.profile, self.region)
            objected = any(p in marketing for p in pairs)
            if not found:
                subject_id = new_id("sub")
                pending[subject_id] = {
                    "profile": row.profile,
                    "kind": row.kind,
                    "source": row.source,
                    "created": row.created_at,
                    "flags": flags,
                    "index": index,
                    "marketing_suppressed": objected,
                }
                for pair in pairs:
                    batch_owner[pair] = subject_id
                outcomes.append(Outcome(CREATED, subject_id, flags))
                continue
            target = found.pop()
            if target in pending:
                item = pending[target]
                item["profile"] = merge_into(item["profile"], row.profile)
                item["flags"] = item["index"] = None  # recomputed on write for the merged profile
                item["marketing_suppressed"] |= objected
                outcomes.append(Outcome(UPDATED, target, flags))
                continue
            if objected:
                flag_marketing.add(target)
            if self.mode.fill_source and row.source and not existing[target]["source"]:
                sources[target] = row.source
            before = updated.get(target) or existing[target]["profile"]
            after = merge_into(before, row.profile)
            if after == before and not self.mode.rewrite_unchanged:
                outcomes.append(Outcome(UNCHANGED, target, flags))
            else:
                updated[target] = after
                outcomes.append(Outcome(UPDATED, target, flags))
            for pair in pairs:
                batch_owner.setdefault(pair, target)
        if not self.mode.dry_run:
            self._write(pending, updated)
            for subject_id, source in sources.items():
                Subject.update(source=source).where(Subject.id == subject_id).execute()
            if flag_marketing:
                Subject.update(marketing_suppressed=True).where(Subject.id.in_(sorted(flag_marketing))).execute()
        return outcomes

    def _existing(self, subject_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Decrypted profiles (and whether a source is set) of the live, not erased, subjects among these ids."""
        if not subject_ids:
            return {}
        self.svc.keyring.preload(subject_ids)
        columns = (*_EXISTING_COLUMNS, Subject.source) if self.mode.fill_source else _EXISTING_COLUMNS
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(subject_ids), _CHUNK):
            chunk = subject_ids[start : start + _CHUNK]
            for sid, erased, pii, extra, *source in select_in(Subject, columns, (), Subject.id, chunk):
                if erased is not None:
                    continue
                # As profile_of() reads a Subject, without building one per row.
                profile = empty_profile()
                profile.update(Subject.opened(Subject.pii, sid, sid, pii) or {})
                profile.update(Subject.opened(Subject.extra, sid, sid, extra) or {})
                out[sid] = {"profile": profile, "source": source[0] if source else None}
        return out

    def _write(self, pending: dict[str, dict[str, Any]], updated: dict[str, dict[str, Any]]) -> None:
        svc = self.svc
        now = svc.clock.now()
        keys, subjects, indexes = [], [], []
        for subject_id in pending:
            keys.append({**svc.keyring.new_key(subject_id), "created_at": now})
        insert_rows(DataKey, keys)
        for subject_id, item in pending.items():
            pii, extra = split_profile(item["profile"])
            flags = item["flags"] if item["flags"] is not None else contact_flags(item["profile"], self.region)
            subjects.append(
                {
                    "id": subject_id,
                    "kind": item["kind"],
                    "source": item["source"],
                    "created_at": item["created"] or now,
                    "updated_at": now,
                    "flags": json.dumps(flags),
                    "marketing_suppressed": item["marketing_suppressed"],
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                }
            )
            if item["index"] is None:
                indexes += index_rows(svc.indexer, subject_id, item["profile"])
            else:  # the digests computed for the lookup under the active key
                indexes += index_rows_of(subject_id, item["index"], svc.indexer.active)
        insert_rows(Subject, subjects)
        changes = []
        for subject_id, profile in updated.items():
            pii, extra = split_profile(profile)
            changes.append(
                {
                    "id": subject_id,
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                    "flags": json.dumps(contact_flags(profile, self.region)),
                    "updated_at": now,
                }
            )
            indexes += index_rows(svc.indexer, subject_id, profile)
        update_rows(Subject, changes)
        stale = sorted(updated)
        for start in range(0, len(stale), _CHUNK):
            BlindIndex.delete().where(BlindIndex.subject_id.in_(stale[start : start + _CHUNK])).execute()
        insert_rows(BlindIndex, indexes)


def write_subject(svc, subject: Subject, profile: dict[str, Any]) -> None:
    """Encrypt a profile into an existing subject row and replace its blind indexes (caller holds a transaction)."""
    pii, extra = split_profile(profile)
    subject.pii = pii
    subject.extra = extra
    subject.flags = json.dumps(contact_flags(profile, svc.policies.default_region))
    subject.save()
    BlindIndex.delete().where(BlindIndex.subject_id == subject.id).execute()
    rows = index_rows(svc.indexer, subject.id, profile)
    if rows:
        BlindIndex.insert_many(rows).execute()
