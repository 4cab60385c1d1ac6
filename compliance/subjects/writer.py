"""The one create-or-update path: which existing subject a row updates (or that it is someone new), and the write.

Import sends rows here in batches, the API one at a time. A batch is resolved with bulk lookups (every
blind-index digest and tombstone of the batch in a few queries) and written with executemany. Who a row is
comes from the identity rules (hygiene.identity.decide over policies/identity.yaml): a row updates a subject
only through a unique identifier with nothing contradicting; otherwise it lands as its own subject and a
merge candidate is queued. An update keeps the better of two values (hygiene.value_rank.merge) and puts the
other in the subject's history. The caller holds the transaction and writes the audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from compliance.crypto.blind_index import EMAIL
from compliance.ids import new_id
from compliance.policy.identity import rules as identity_rules
from compliance.store.bulk import insert_rows, select_in, update_rows
from compliance.store.models import BlindIndex, DataKey, Subject, Suppression
from compliance.subjects import candidates, history
from compliance.subjects.shape import (
    contact_flags,
    empty_profile,
    identifiers,
    index_rows,
    index_rows_of,
    split_profile,
)
from hygiene.features import Features, features
from hygiene.identity import WIDELY_SHARED, Link, decide, is_role_mailbox
from hygiene.score import score_features
from hygiene.value_rank import merge

CREATED, UPDATED, UNCHANGED, SUPPRESSED = "created", "updated", "unchanged", "suppressed"
_CHUNK = 900  # values per IN (...): below SQLite's parameter limit
_INDEX_COLUMNS = (BlindIndex.kind, BlindIndex.digest, BlindIndex.subject_id)
_SUPPRESSION_COLUMNS = (Suppression.kind, Suppression.digest, Suppression.scope)
_EXISTING_COLUMNS = (Subject.id, Subject.erased_at, Subject.merged_into, Subject.source, Subject.pii, Subject.extra)

Pair = tuple[str, bytes]  # (blind-index kind, digest)


@dataclass
class Incoming:
    """One row to create or update: a coerced profile, the subject kind, source and creation time."""

    profile: dict[str, Any]
    kind: str = "person"
    source: str | None = None
    created_at: datetime | None = None
    # Filled by resolve_digests (import computes them once, to plan its batches): digests under every live
    # index key, those under the active key, and the digests of role mailboxes.
    digests: tuple[list[tuple[str, bytes]], list[tuple[str, bytes]], set[tuple[str, bytes]]] | None = None
    flags: list[dict[str, str]] | None = None  # contact_flags of the profile, when the caller computed them
    digest_stamp: tuple | None = None  # the indexer's stamp the digests were computed under


@dataclass
class Outcome:
    """What the path did with one row: status, the subject it wrote, the row's contact flags, the pairs it queued
    for review ({subject, reason}) and the fields whose incoming value lost to the stored one."""

    status: str
    subject_id: str | None = None
    flags: list[dict[str, str]] = field(default_factory=list)
    review: list[dict[str, str]] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mode:
    """How a caller's writes differ: the API fills a missing source and rewrites a matched subject even when
    nothing changed (its updated time moves); an import leaves both alone."""

    fill_source: bool = False
    rewrite_unchanged: bool = False
    dry_run: bool = False


API = Mode(fill_source=True, rewrite_unchanged=True)
IMPORT = Mode()


@dataclass
class _State:
    """A subject the batch may write: its current profile, and what the batch did to it so far."""

    profile: dict[str, Any]
    source: str | None
    new: bool = False
    kind: str = "person"
    created: datetime | None = None
    index: list[Pair] | None = None  # a new subject's digests under the active key; None: recompute
    changed: bool = False
    marketing_suppressed: bool = False
    changes: list[tuple[str | None, history.Change]] = field(default_factory=list)  # (row source, change)
    known: list[dict[str, Any]] | None = None  # stored history entries, loaded on first need
    flags: list[dict[str, str]] | None = None  # a new subject's contact flags; None: recompute
    features: Features | None = None  # the scorer's features of `profile`; None: compute on first need


Digests = tuple[list[Pair], list[Pair], set[Pair]]


def row_digests(indexer, rules, profile: dict[str, Any]) -> Digests:
    """A profile's blind-index digests under every live key, those under the active key, and the digests of
    role mailboxes (a pure function of the profile, the index keys and the identity rules)."""
    pairs, active, roles = [], [], set()
    for kind, value in identifiers(profile):
        role = kind == EMAIL and is_role_mailbox(value, rules)
        for version, digest in indexer.all_digests(kind, value):
            pairs.append((kind, digest))
            if role:
                roles.add((kind, digest))
            if version == indexer.active:
                active.append((kind, digest))
    return pairs, active, roles


def resolve_digests(svc, row: Incoming) -> list[Pair]:
    """Compute (once) a row's blind-index digests; returns those under every live key (the row's identity keys)."""
    if row.digests is None or row.digest_stamp != svc.indexer.stamp:
        # Computed before this transaction under other keys (a reindex ran meanwhile): compute them again.
        row.digests = row_digests(svc.indexer, identity_rules(svc), row.profile)
        row.digest_stamp = svc.indexer.stamp
    return row.digests[0]


def link_kind(kind: str) -> str:
    """The identity kind of a blind-index kind ("channel:telegram" is a channel)."""
    return "channel" if kind.startswith("channel:") else kind


def write(
    svc, rows: list[Incoming], mode: Mode = IMPORT, *, actor_id: str = "system", run_id: str | None = None
) -> list[Outcome]:
    """Create or update a subject for each row (caller holds the transaction); one Outcome per row, in order."""
    with svc.keyring.held():
        return _Batch(svc, rows, mode, actor_id, run_id or new_id("imp")).run()


class _Batch:
    """One batch: digests of every row, bulk lookups, per-row decisions, then one write of everything."""

    def __init__(self, svc, rows: list[Incoming], mode: Mode, actor_id: str, run_id: str):
        self.svc, self.rows, self.mode = svc, rows, mode
        self.actor_id, self.run_id = actor_id, run_id
        self.rules = identity_rules(svc)
        self.region = svc.policies.default_region
        self.subjects: dict[str, _State] = {}
        self.proposals: list[candidates.Proposal] = []

    def _digests(self) -> tuple[list[list[Pair]], list[list[Pair]], set[Pair], list[bytes]]:
        """Digests per row under every live index key (lookups must see rows written before a reindex), those
        under the active key (a new subject's index rows), the digests of role mailboxes, every digest."""
        row_digests: list[list[Pair]] = []
        row_index: list[list[Pair]] = []
        roles: set[Pair] = set()
        every: set[bytes] = set()
        for row in self.rows:
            resolve_digests(self.svc, row)
            pairs, active, role = row.digests
            row_digests.append(pairs)
            row_index.append(active)
            roles |= role
            every.update(digest for _, digest in pairs)
        return row_digests, row_index, roles, list(every)

    def run(self) -> list[Outcome]:
        row_digests, row_index, roles, digest_list = self._digests()
        owners: dict[Pair, set[str]] = {}
        suppressed: set[Pair] = set()
        marketing: set[Pair] = set()  # objection tombstones: the row lands, marketing is off
        for start in range(0, len(digest_list), _CHUNK):
            chunk = digest_list[start : start + _CHUNK]
            for kind, digest, subject_id in select_in(BlindIndex, _INDEX_COLUMNS, (), BlindIndex.digest, chunk):
                owners.setdefault((kind, bytes(digest)), set()).add(subject_id)
            for kind, digest, scope in select_in(Suppression, _SUPPRESSION_COLUMNS, (), Suppression.digest, chunk):
                (suppressed if scope == "all" else marketing).add((kind, bytes(digest)))
        self._existing(sorted({sid for ids in owners.values() for sid in ids}))
        for pair in list(owners):
            owners[pair] = {sid for sid in owners[pair] if sid in self.subjects}
        sources: dict[str, str] = {}  # matched subject id -> source to fill in (API mode)
        outcomes: list[Outcome] = []
        for row, pairs, index in zip(self.rows, row_digests, row_index, strict=True):
            if any(p in suppressed for p in pairs):
                outcomes.append(Outcome(SUPPRESSED))
                continue
            links, widely = self._links(pairs, owners, roles)
            roles_only = frozenset(sid for sid, (_, _, role) in links.items() if role)
            mine = features(row.profile, self.region) if links else None
            decision = decide(row.profile, [link for link, _, _ in links.values()], self.rules, roles_only, mine)
            objected = any(p in marketing for p in pairs)
            flags = row.flags if row.flags is not None else contact_flags(row.profile, self.region)
            if widely:
                flags = [*flags, *({"field": kind, "code": WIDELY_SHARED} for kind in widely)]
            if decision.target is None:
                target = new_id("sub")
                self.subjects[target] = _State(
                    row.profile,
                    row.source,
                    new=True,
                    kind=row.kind,
                    created=row.created_at,
                    index=index,
                    marketing_suppressed=objected,
                    flags=flags,
                    features=mine,
                )
                outcome = Outcome(CREATED, target, flags)
            else:
                target = decision.target
                state = self.subjects[target]
                state.marketing_suppressed |= objected
                if self.mode.fill_source and row.source and not state.source and not state.new:
                    sources[target] = row.source
                outcome = self._update(target, state, row, flags)
            for pair in pairs:
                owners.setdefault(pair, set()).add(target)
            for other, reason in decision.candidates:
                total = score_features(mine, self._features(other)).total
                self.proposals.append(candidates.Proposal(target, other, reason, total))
                outcome.review.append({"subject": other, "reason": reason})
            outcomes.append(outcome)
        if not self.mode.dry_run:
            self._write(sources)
        return outcomes

    def _links(
        self, pairs: list[Pair], owners: dict[Pair, set[str]], roles: set[Pair]
    ) -> tuple[dict[str, tuple], list[str]]:
        """The subjects a row meets, as {id: (Link, kinds, only-through-role-mailboxes)}, and the fields of the
        shared identifiers it met past the policy's review_limit (which link it to no one)."""
        kinds: dict[str, set[str]] = {}
        emails: dict[str, list[bool]] = {}
        widely: set[str] = set()
        for pair in pairs:
            holders = owners.get(pair, ())
            kind = link_kind(pair[0])
            if len(holders) >= self.rules.review_limit and (self.rules.shared(kind) or pair in roles):
                widely.add(kind)
                continue
            for sid in holders:
                kinds.setdefault(sid, set()).add(kind)
                if pair[0] == EMAIL:
                    emails.setdefault(sid, []).append(pair in roles)
        links = {
            sid: (
                Link(sid, self.subjects[sid].profile, frozenset(found), self._features(sid)),
                found,
                all(emails.get(sid, [False])),
            )
            for sid, found in sorted(kinds.items())
        }
        return links, sorted(widely)

    def _features(self, subject_id: str) -> Features:
        """The scorer's features of a subject's current profile, computed once per version of the profile."""
        state = self.subjects[subject_id]
        if state.features is None:
            state.features = features(state.profile, self.region)
        return state.features

    def _update(self, target: str, state: _State, row: Incoming, flags: list[dict[str, str]]) -> Outcome:
        """Survivorship on update: better values replace stored ones, the rest is declined; both are kept."""
        merged = merge(
            state.profile,
            row.profile,
            stored_source=state.source,
            incoming_source=row.source,
            priority=self.rules.source_priority,
            seen=lambda f, v, c: self._seen(target, f, v, c),
        )
        for label, old, new in merged.replaced:
            state.changes.append((row.source, history.Change(label, old, new, "replaced")))
        for label, old, new in merged.declined:
            state.changes.append((row.source, history.Change(label, old, new, "declined")))
        changed = merged.profile != state.profile
        if changed:
            state.profile = merged.profile
            state.index = state.flags = state.features = None
        declined = [label for label, _, _ in merged.declined]
        if changed or (self.mode.rewrite_unchanged and not state.new):
            state.changed = state.changed or not state.new
            return Outcome(UPDATED, target, flags, declined=declined)
        return Outcome(UNCHANGED, target, flags, declined=declined)

    def _seen(self, subject_id: str, label: str, value: Any, current: Any) -> bool:
        """True when the history already holds `value` against `current` for this field (a replayed file)."""
        state = self.subjects[subject_id]
        if state.known is None:
            state.known = [] if state.new else history.entries(subject_id)
        recorded = [{"field": c.field, "change": c.change, "old": c.old, "new": c.new} for _, c in state.changes]
        for entry in (*state.known, *recorded):
            if entry["field"] != label:
                continue
            if entry["change"] == "declined" and entry["new"] == value and entry["old"] == current:
                return True
            if entry["change"] != "declined" and entry["old"] == value and entry["new"] == current:
                return True
        return False

    def _existing(self, subject_ids: list[str]) -> None:
        """Decrypted profiles of the live subjects among these ids (not erased, not merged away)."""
        if not subject_ids:
            return
        self.svc.keyring.preload(subject_ids)
        for start in range(0, len(subject_ids), _CHUNK):
            chunk = subject_ids[start : start + _CHUNK]
            for sid, erased, merged, source, pii, extra in select_in(Subject, _EXISTING_COLUMNS, (), Subject.id, chunk):
                if erased is not None or merged is not None:
                    continue
                # As profile_of() reads a Subject, without building one per row.
                profile = empty_profile()
                profile.update(Subject.opened(Subject.pii, sid, sid, pii) or {})
                profile.update(Subject.opened(Subject.extra, sid, sid, extra) or {})
                self.subjects[sid] = _State(profile, source)

    def _write(self, sources: dict[str, str]) -> None:
        svc = self.svc
        now = svc.clock.now()
        fresh = {sid: s for sid, s in self.subjects.items() if s.new}
        insert_rows(DataKey, [{**svc.keyring.new_key(sid), "created_at": now} for sid in fresh])
        subjects, indexes = [], []
        for subject_id, state in fresh.items():
            pii, extra = split_profile(state.profile)
            subjects.append(
                {
                    "id": subject_id,
                    "kind": state.kind,
                    "source": state.source,
                    "created_at": state.created or now,
                    "updated_at": now,
                    "flags": json.dumps(
                        state.flags if state.flags is not None else contact_flags(state.profile, self.region)
                    ),
                    "marketing_suppressed": state.marketing_suppressed,
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                }
            )
            if state.index is None:
                indexes += index_rows(svc.indexer, subject_id, state.profile)
            else:  # the digests computed for the lookup under the active key
                indexes += index_rows_of(subject_id, state.index, svc.indexer.active)
        insert_rows(Subject, subjects)
        changed = {sid: s for sid, s in self.subjects.items() if s.changed and not s.new}
        rows = []
        for subject_id, state in changed.items():
            pii, extra = split_profile(state.profile)
            rows.append(
                {
                    "id": subject_id,
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                    "flags": json.dumps(contact_flags(state.profile, self.region)),
                    "updated_at": now,
                }
            )
            indexes += index_rows(svc.indexer, subject_id, state.profile)
        update_rows(Subject, rows)
        stale = sorted(changed)
        for start in range(0, len(stale), _CHUNK):
            BlindIndex.delete().where(BlindIndex.subject_id.in_(stale[start : start + _CHUNK])).execute()
        insert_rows(BlindIndex, indexes)
        self._write_history(now)
        known = candidates.known_pairs(sid for p in self.proposals for sid in (p.a_id, p.b_id) if sid not in fresh)
        candidates.queue(self.proposals, run_id=self.run_id, at=now, known=known)
        for subject_id, source in sources.items():
            Subject.update(source=source).where(Subject.id == subject_id).execute()
        flagged = sorted(sid for sid, s in self.subjects.items() if s.marketing_suppressed and not s.new)
        if flagged:
            Subject.update(marketing_suppressed=True).where(Subject.id.in_(flagged)).execute()

    def _write_history(self, now: datetime) -> None:
        batch = []
        for subject_id, state in self.subjects.items():
            by_source: dict[str | None, list[history.Change]] = {}
            for source, change in state.changes:
                by_source.setdefault(source, []).append(change)
            for source, changes in by_source.items():
                batch += history.rows(subject_id, changes, actor=self.actor_id, source=source, at=now)
        insert_rows(history.SubjectHistory, batch)


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
