"""Catching a database up with the erasure ledger: people erased after a backup was taken are erased again.

Runs when any process opens the database (compliance.services.build_services) and in `consentry backup restore`.
Re-applying an entry is idempotent: the subject is crypto-shredded if it is readable, its consent, interactions
and request payloads go, its purchases are detached as the erasure did, and its tombstones come back.
"""

from __future__ import annotations

import base64
from typing import Any

from peewee import fn

from compliance.audit.actions import AuditAction
from compliance.dsar.erasure import remove_records, shred
from compliance.dsar.ledger import LedgerError, LedgerMark, ledger_of, lock
from compliance.store.models import BlindIndex, DataKey, Subject, Suppression

BATCH = 500


def position(svc) -> dict[str, Any]:
    """How the database stands against the ledger: {"ledger", "applied", "behind"}; LedgerError on a mismatch."""
    ledger = ledger_of(svc)
    seq, head = ledger.head()
    highest, count = LedgerMark.select(fn.MAX(LedgerMark.seq), fn.COUNT(LedgerMark.seq)).tuples().get()
    highest, count = int(highest or 0), int(count or 0)
    if highest > seq:
        raise LedgerError(
            f"this database has applied erasure ledger entries up to {highest} but the ledger {ledger.path} ends at "
            f"{seq}: it was truncated or belongs to another instance; point CONSENTRY_ERASURE_LEDGER at this "
            "instance's ledger (or restore it from its own backup)"
        )
    if highest == seq and count == seq and seq:
        mark = LedgerMark.get_by_id(seq)
        if mark.hash != head:
            raise _mismatch(ledger, seq)
    return {"ledger": seq, "applied": count, "behind": seq - count}


def _mismatch(ledger, seq: int) -> LedgerError:
    return LedgerError(
        f"erasure ledger {ledger.path} entry {seq} differs from the one this database applied: the ledger belongs "
        "to another instance or was rewritten; point CONSENTRY_ERASURE_LEDGER at this instance's ledger"
    )


def reapply(svc, entry: dict[str, Any]) -> dict[str, int]:
    """Erase one ledger entry's subject again (caller holds a transaction); counts of what was still there."""
    sid = entry["subject"]
    out = {"subjects_shredded": 0, "tombstones_restored": 0}
    remove_records(svc, sid, holds=bool(entry.get("holds")))
    person = Subject.get_or_none(Subject.id == sid)
    if person is not None and (
        person.erased_at is None
        or person.pii is not None
        or DataKey.select().where(DataKey.subject_id == sid).exists()
        or BlindIndex.select().where(BlindIndex.subject_id == sid).exists()
    ):
        shred(svc, sid)
        out["subjects_shredded"] = 1
    for kind, version, scope, digest in entry.get("tombstones") or []:
        raw = base64.b64decode(digest)
        present = (
            Suppression.select()
            .where((Suppression.digest == raw) & (Suppression.kind == kind) & (Suppression.scope == scope))
            .exists()
        )
        if not present:
            Suppression.insert(
                kind=kind,
                digest=raw,
                key_version=int(version),
                scope=scope,
                reason="erasure",
                created_at=svc.clock.now(),
            ).execute()
            out["tombstones_restored"] += 1
    return out


def catch_up(svc, *, why: str = "open") -> dict[str, Any]:
    """Re-apply every ledger entry this database has not applied; audited. LedgerError on a foreign ledger."""
    state = position(svc)
    result: dict[str, Any] = {
        "ledger": state["ledger"],
        "reapplied": 0,
        "subjects_shredded": 0,
        "tombstones_restored": 0,
    }
    if state["ledger"] == state["applied"]:
        return result
    ledger = ledger_of(svc)
    marks = dict(LedgerMark.select(LedgerMark.seq, LedgerMark.hash).tuples())
    missing = []
    for entry in ledger.entries():
        known = marks.get(entry["seq"])
        if known is not None and known != entry["hash"]:
            raise _mismatch(ledger, entry["seq"])
        if known is None:
            missing.append(entry)
    first = last = None
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        with svc.transaction():
            lock(svc)
            # Another process may have caught up meanwhile (its marks are visible once we hold the lock).
            done = {
                s
                for (s,) in LedgerMark.select(LedgerMark.seq)
                .where(LedgerMark.seq.in_([e["seq"] for e in chunk]))
                .tuples()
            }
            now = svc.clock.now()
            for entry in chunk:
                if entry["seq"] in done:
                    continue
                counts = reapply(svc, entry)
                result["subjects_shredded"] += counts["subjects_shredded"]
                result["tombstones_restored"] += counts["tombstones_restored"]
                LedgerMark.insert(seq=entry["seq"], hash=entry["hash"], applied_at=now, how="reapplied").execute()
                result["reapplied"] += 1
                first = entry["seq"] if first is None else first
                last = entry["seq"]
    if result["reapplied"]:
        counts = {k: v for k, v in result.items() if k != "ledger"}
        with svc.transaction():
            svc.audit.record(
                svc.system_actor("erasure-ledger"),
                AuditAction.ERASURE_REAPPLY,
                "",
                details={
                    "why": why,
                    "first": first,
                    "last": last,
                    **{k: v for k, v in result.items() if k != "ledger"},
                },
            )
    return result
