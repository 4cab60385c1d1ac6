"""Key rotation: rewrap data keys under a new KEK version, recompute blind indexes under a new index key.

Both are batched and resumable: progress is the set of rows still on an older version, so a crash in
the middle leaves a consistent database and running the command again finishes the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peewee import fn

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.crypto import envelope
from compliance.crypto.keys import KeyUnavailable
from compliance.errors import Conflict, SetupError
from compliance.store.models import BlindIndex, DataKey, Subject, Suppression
from compliance.subjects.shape import index_rows, profile_of


def status(svc, actor: Actor) -> dict[str, Any]:
    """KEK and index-key versions with how many rows use each."""
    actor.require("keys:manage")
    dek_counts = dict(
        DataKey.select(DataKey.kek_version, fn.COUNT(DataKey.subject_id)).group_by(DataKey.kek_version).tuples()
    )
    index_counts = dict(
        BlindIndex.select(BlindIndex.key_version, fn.COUNT(BlindIndex.id)).group_by(BlindIndex.key_version).tuples()
    )
    tomb_counts = dict(
        Suppression.select(Suppression.key_version, fn.COUNT(Suppression.id)).group_by(Suppression.key_version).tuples()
    )
    keks = svc.keys.kek_versions()
    return {
        "provider": svc.keys.describe(),
        "kek": {
            "active": svc.keys.active_kek,
            "versions": [
                {"version": v, "state": s, "data_keys": int(dek_counts.get(v, 0))} for v, s in sorted(keks.items())
            ],
            "rewrap_pending": int(sum(n for v, n in dek_counts.items() if v != svc.keys.active_kek)),
        },
        "index": {
            "active": svc.keys.active_index,
            "versions": [
                {"version": v, "blind_indexes": int(index_counts.get(v, 0)), "tombstones": int(tomb_counts.get(v, 0))}
                for v in sorted(svc.keys.index_keys())
            ],
            "reindex_pending": int(sum(n for v, n in index_counts.items() if v != svc.keys.active_index)),
        },
    }


def rewrap(
    svc, actor: Actor, *, batch: int = 500, new_version: bool = True, on_batch: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Add a KEK version (unless a rewrap is unfinished) and rewrap every data key under it, in batches."""
    actor.require("keys:manage")
    pending = DataKey.select().where(DataKey.kek_version != svc.keys.active_kek).count()
    resumed = pending > 0
    if not resumed and new_version:
        try:
            svc.keys.add_kek()
        except KeyUnavailable as exc:
            raise SetupError(str(exc)) from None
    target = svc.keys.active_kek
    kek_target = svc.keys.kek(target)
    done = 0
    while True:
        rows = list(DataKey.select().where(DataKey.kek_version != target).order_by(DataKey.subject_id).limit(batch))
        if not rows:
            break
        with svc.transaction():
            for row in rows:
                dek = svc.keyring.unwrap(row.subject_id, row.kek_version, bytes(row.wrapped))
                DataKey.update(
                    kek_version=target, wrapped=envelope.wrap_key(kek_target, target, row.subject_id, dek)
                ).where((DataKey.subject_id == row.subject_id) & (DataKey.kek_version == row.kek_version)).execute()
        done += len(rows)
        if on_batch:
            on_batch(len(rows))
    svc.audit.record(actor, AuditAction.KEYS_ROTATE, f"kek:v{target}", details={"rewrapped": done, "resumed": resumed})
    return {"active": target, "rewrapped": done, "resumed": resumed}


def retire(svc, actor: Actor, version: int) -> dict[str, Any]:
    """Retire a KEK version (its material is destroyed) once nothing is wrapped under it; refused otherwise.

    The proof and the destruction happen in one transaction holding the keys lock exclusively, the lock every
    write transaction holds while it wraps data keys; so no process can wrap under the version between the
    count and the retirement, and one that read the keys before sees the retirement when it next writes.
    """
    actor.require("keys:manage")
    with svc.transaction(keys_lock="exclusive"):
        still = DataKey.select().where(DataKey.kek_version == version).count()
        if still:
            raise Conflict(
                f"{still} data keys are still wrapped under KEK version {version}; run `consentry keys rotate` "
                "(it resumes) and retire again"
            )
        try:
            svc.keys.retire_kek(version)
        except KeyUnavailable as exc:
            raise Conflict(str(exc)) from None
    svc.audit.record(actor, AuditAction.KEYS_RETIRE, f"kek:v{version}")
    return {"retired": version}


def reindex(
    svc, actor: Actor, *, batch: int = 500, new_version: bool = True, on_batch: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Add an index-key version (unless a reindex is unfinished) and recompute every blind index under it."""
    actor.require("keys:manage")
    pending = BlindIndex.select().where(BlindIndex.key_version != svc.keys.active_index).count()
    resumed = pending > 0
    if not resumed and new_version:
        try:
            svc.keys.add_index_key()
        except KeyUnavailable as exc:
            raise SetupError(str(exc)) from None
        svc.refresh_indexer()
    target = svc.keys.active_index
    done = 0
    while True:
        ids = [
            r.subject_id
            for r in BlindIndex.select(BlindIndex.subject_id)
            .where(BlindIndex.key_version != target)
            .group_by(BlindIndex.subject_id)
            .order_by(BlindIndex.subject_id)
            .limit(batch)
        ]
        if not ids:
            break
        svc.keyring.preload(ids)
        with svc.transaction():
            for subject in Subject.select().where(Subject.id.in_(ids)):
                BlindIndex.delete().where(BlindIndex.subject_id == subject.id).execute()
                rows = index_rows(svc.indexer, subject.id, profile_of(subject))
                if rows:
                    BlindIndex.insert_many(rows).execute()
            # Index rows of subjects that no longer exist are stale; drop them.
            BlindIndex.delete().where(BlindIndex.subject_id.in_(ids) & (BlindIndex.key_version != target)).execute()
        done += len(ids)
        if on_batch:
            on_batch(len(ids))
    retired = []
    # As for KEKs: proved unused and forgotten under the exclusive keys lock, so no process is writing blind
    # indexes under a version while it goes. Tombstones cannot be recomputed (their plaintext is gone), so a
    # version a tombstone uses stays.
    with svc.transaction(keys_lock="exclusive"):
        for version in [v for v in svc.keys.index_keys() if v != svc.keys.active_index]:
            used = (
                BlindIndex.select().where(BlindIndex.key_version == version).exists()
                or Suppression.select().where(Suppression.key_version == version).exists()
            )
            if not used:
                svc.keys.retire_index_key(version)
                retired.append(version)
    svc.refresh_indexer()
    svc.audit.record(
        actor, AuditAction.KEYS_REINDEX, f"index:v{target}", details={"subjects": done, "retired": retired}
    )
    return {"active": target, "subjects": done, "resumed": resumed, "retired_versions": retired}


def backup_window_days(svc) -> int | None:
    """How long backups are kept (retention.yaml `backups.keep_days`); None when the policy does not say."""
    spec = (svc.policies.raw.get("retention") or {}).get("backups") or {}
    days = spec.get("keep_days")
    return int(days) if days else None


def scheduled(svc, actor: Actor, *, rotate_days: int = 30) -> dict[str, Any]:
    """The scheduled rotation: a new KEK version once the active one is `rotate_days` old (or finish an unfinished
    rewrap), then retire every version superseded longer ago than the backup window, so a backup older than
    the window (plus one rotation) cannot be decrypted even by someone holding today's key file."""
    actor.require("keys:manage")
    created = svc.keys.kek_created()
    if not created:
        return {
            "skipped": "keys are derived from CONSENTRY_MASTER_KEY: rotate by raising CONSENTRY_KEK_VERSION and "
            "retire with CONSENTRY_KEK_MIN_VERSION (a derived version can always be derived again)"
        }
    now = svc.clock.now()
    active_age = now - created.get(svc.keys.active_kek, now)
    rotated = active_age.days >= rotate_days
    result = rewrap(svc, actor, new_version=rotated)
    window = backup_window_days(svc)
    retired, kept = [], []
    if window is not None:
        created = svc.keys.kek_created()
        states = svc.keys.kek_versions()
        for version in sorted(v for v, state in states.items() if state != "retired" and v != svc.keys.active_kek):
            successors = [at for v, at in created.items() if v > version]
            superseded = min(successors) if successors else None
            if superseded is not None and (now - superseded).days > window:
                try:
                    retire(svc, actor, version)
                    retired.append(version)
                except Conflict as exc:
                    kept.append({"version": version, "reason": str(exc)})
    return {
        "active": svc.keys.active_kek,
        "rotated": rotated,
        "rewrapped": result["rewrapped"],
        "backup_window_days": window,
        "retired": retired,
        "not_retired": kept,
    }


def recompute_indexes(db, indexer, *, batch: int = 500) -> int:
    """Recompute the blind indexes under the active index key from the decrypted profiles (a data migration: the
    canonical identifier form changed what a digest means); older versions are left to `keys reindex`."""
    cursor, done = "", 0
    while True:
        ids = [
            sid
            for (sid,) in BlindIndex.select(BlindIndex.subject_id)
            .where((BlindIndex.key_version == indexer.active) & (BlindIndex.subject_id > cursor))
            .group_by(BlindIndex.subject_id)
            .order_by(BlindIndex.subject_id)
            .limit(batch)
            .tuples()
        ]
        if not ids:
            return done
        db.keyring.preload(ids)
        with db.atomic():
            for subject in Subject.select().where(Subject.id.in_(ids) & Subject.erased_at.is_null()):
                BlindIndex.delete().where(
                    (BlindIndex.subject_id == subject.id) & (BlindIndex.key_version == indexer.active)
                ).execute()
                rows = index_rows(indexer, subject.id, profile_of(subject))
                if rows:
                    BlindIndex.insert_many(rows).execute()
        done += len(ids)
        cursor = ids[-1]
