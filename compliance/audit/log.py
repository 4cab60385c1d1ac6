"""The audit trail in the database: append in the caller's transaction, verify, tail, export, checkpoint.

Hashing and MACs are computed by compliance.audit.chain and rows are compliance.audit.models; this module
stores entries and serialises appends (PostgreSQL advisory lock; SQLite's write lock) so the chain never forks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from compliance.audit import chain as audit_chain
from compliance.audit.actions import AuditAction
from compliance.audit.models import AuditEntry
from compliance.store.db import is_postgres

AUDIT_LOCK = 0x436F6E73  # advisory lock id ("Cons") serialising audit appends on PostgreSQL
GENESIS = audit_chain.GENESIS


class Caller(Protocol):
    """Who is acting, as the audit log needs it (compliance.access.actor.Actor is one).

    A protocol rather than an import: access records its own actions in the audit log, so the audit package
    cannot depend on access without a cycle.
    """

    principal_id: str
    request_id: str

    def require(self, scope: str) -> None: ...


def _as_entry(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "ts": row.ts,
        "actor": row.actor,
        "action": row.action,
        "target": row.target,
        "outcome": row.outcome,
        "request_id": row.request_id,
        "details": json.loads(row.details),
        "chain": bytes(row.chain),
        "mac": bytes(row.mac),
    }


class AuditLog:
    """Appends to and reads the chain of one instance."""

    def __init__(self, db, audit_key: bytes, clock):
        self.db = db
        self._key = audit_key
        self.clock = clock

    def record(
        self,
        actor: Caller | str,
        action: AuditAction | str,
        target: str = "",
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> int:
        """Append one entry inside the current transaction (opening one if none is open); return its seq."""
        action = AuditAction(action).value
        actor_id = actor if isinstance(actor, str) else actor.principal_id
        req = request_id or ("" if isinstance(actor, str) else actor.request_id)
        with self._transaction():
            if is_postgres(self.db):
                self.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))
            last = AuditEntry.select(AuditEntry.seq, AuditEntry.chain).order_by(AuditEntry.seq.desc()).first()
            seq = 1 if last is None else last.seq + 1
            prev = GENESIS if last is None else bytes(last.chain)
            entry = {
                "seq": seq,
                "ts": self.clock.now().isoformat(timespec="microseconds") + "Z",
                "actor": actor_id,
                "action": action,
                "target": target or "",
                "outcome": outcome,
                "request_id": req,
                "details": details or {},
            }
            chain, mac = audit_chain.seal(entry, prev, self._key)
            AuditEntry.insert(
                seq=seq,
                ts=entry["ts"],
                actor=actor_id,
                action=action,
                target=entry["target"],
                outcome=outcome,
                request_id=req,
                details=json.dumps(entry["details"], sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                chain=chain,
                mac=mac,
            ).execute()
        return seq

    def _transaction(self):
        # On SQLite a deferred transaction that reads the head and then writes can fail at once with
        # "database is locked" when two appends race; IMMEDIATE takes the write lock first and waits.
        if is_postgres(self.db) or self.db.in_transaction():
            return self.db.atomic()
        return self.db.atomic("IMMEDIATE")

    def entries(self, after: int = 0, batch: int = 1000) -> Iterator[dict[str, Any]]:
        """Every entry after a seq, in order, read in batches."""
        cursor = after
        while True:
            rows = list(AuditEntry.select().where(AuditEntry.seq > cursor).order_by(AuditEntry.seq).limit(batch))
            if not rows:
                return
            for row in rows:
                yield _as_entry(row)
            cursor = rows[-1].seq

    def verify(self) -> dict[str, Any]:
        """Recompute the whole chain: {"ok", "entries", "first_bad_seq"} (plus a reason when not ok)."""
        result = audit_chain.verify(self.entries(), self._key)
        out = {"ok": result.ok, "entries": result.entries, "first_bad_seq": result.first_bad_seq}
        if not result.ok and result.reason:
            out["reason"] = result.reason
        return out

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        """The last n entries, oldest first, as JSON-ready dicts."""
        rows = list(AuditEntry.select().order_by(AuditEntry.seq.desc()).limit(n))
        return [public(_as_entry(r)) for r in reversed(rows)]

    def page(self, after: int, limit: int, action: str | None = None, target: str | None = None) -> list[dict]:
        """Entries after a seq, filtered, for paginated reads."""
        query = AuditEntry.select().where(AuditEntry.seq > after)
        if action:
            query = query.where(AuditEntry.action == action)
        if target:
            query = query.where(AuditEntry.target == target)
        return [public(_as_entry(r)) for r in query.order_by(AuditEntry.seq).limit(limit)]

    def export(self, path: Path) -> int:
        """Write every entry as JSON lines (with chain and MAC in hex); return the count."""
        count = 0
        with Path(path).open("w", encoding="utf-8") as fh:
            for entry in self.entries():
                fh.write(json.dumps(public(entry), ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        return count

    def head(self) -> tuple[int, bytes]:
        """(size, chain value of the last entry)."""
        last = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
        return (0, GENESIS) if last is None else (last.seq, bytes(last.chain))

    def chain_at(self, seq: int) -> bytes | None:
        """The stored chain value at a seq (for checking a saved checkpoint)."""
        row = AuditEntry.get_or_none(AuditEntry.seq == seq)
        return None if row is None else bytes(row.chain)


def public(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as JSON-ready data (bytes in hex)."""
    out = dict(entry)
    out["chain"] = entry["chain"].hex()
    out["mac"] = entry["mac"].hex()
    return out


__all__ = ["AuditLog", "public"]
