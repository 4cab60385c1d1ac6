"""The erasure ledger: an append-only, hash-chained file outside the database listing every erased person.

A backup copied back (by `consentry backup restore` or by hand) holds people erased after it was taken, and their
data keys with them. The ledger is what the restored database does not know: each line names a subject id, the
request or retention rule that erased it and the tombstone digests (keyed HMACs) of its identifiers; no personal
data. Every process that opens the database compares the ledger with the entries the database has applied (table
`erasure_ledger_mark`) and re-applies the missing ones before it answers anything (compliance.services).

Lines are JSON, one per erased subject: {"seq", "at", "subject", "request", "reason", "holds", "tombstones",
"prev", "hash"} where hash = SHA-256(prev || canonical JSON of the other fields): an edited or removed line breaks
the chain, and a database whose applied entries the ledger does not hold is refused (another instance's ledger).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peewee import CharField, DateTimeField, IntegerField

from compliance.clock import iso
from compliance.errors import SetupError
from compliance.store.db import is_postgres
from compliance.store.models import BaseModel

GENESIS = "0" * 64
LEDGER_LOCK = 0x4C656467  # advisory lock id ("Ledg"): appending and catching up are serialised on PostgreSQL


class LedgerError(SetupError):
    """The ledger cannot be read, its chain is broken, or it does not belong to this database."""


class LedgerMark(BaseModel):
    """A ledger entry this database has applied (erased it itself, or re-applied it after a restore)."""

    seq = IntegerField(primary_key=True)
    hash = CharField(max_length=64)
    applied_at = DateTimeField()
    how = CharField(max_length=16)  # erased | reapplied

    class Meta:
        table_name = "erasure_ledger_mark"


LEDGER_MODELS = [LedgerMark]


def _digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(prev.encode() + canonical.encode()).hexdigest()


def tombstone_entry(row: dict[str, Any]) -> list[Any]:
    """A suppression row as the ledger keeps it: [kind, key version, scope, base64 digest]."""
    return [row["kind"], int(row["key_version"]), row["scope"], base64.b64encode(bytes(row["digest"])).decode()]


class Ledger:
    """The ledger file at one path (created with mode 0600 on the first append)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Any]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise LedgerError(
                f"cannot open the erasure ledger {self.path}: {exc.strerror or type(exc).__name__} (set "
                "CONSENTRY_ERASURE_LEDGER to a file in a folder this user can write); nothing was destroyed yet"
            ) from None
        # Unbuffered: a failed write fails here, not later when a buffer is flushed on close.
        with os.fdopen(fd, "r+b", buffering=0) as fh:
            # Between processes on one machine; the database lock (LEDGER_LOCK / SQLite's write lock) that every
            # appender also holds covers the rest.
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield fh
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry; (0, GENESIS) for an empty or missing ledger."""
        if not self.path.exists():
            return 0, GENESIS
        if self.path.is_dir():
            raise LedgerError(f"the erasure ledger {self.path} is a folder; CONSENTRY_ERASURE_LEDGER names a file")
        try:
            with self.path.open("rb") as fh:
                return self._head(fh)
        except OSError as exc:
            raise LedgerError(
                f"cannot read the erasure ledger {self.path}: {exc.strerror or type(exc).__name__}"
            ) from None

    def _head(self, fh) -> tuple[int, str]:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return 0, GENESIS
        # Read back from the end just far enough to hold the last complete line.
        chunk = 4096
        while True:
            start = max(0, size - chunk)
            fh.seek(start)
            data = fh.read(size - start)
            lines = data.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or start == 0:
                last = lines[-1]
                break
            chunk *= 4
        entry = self._parse(last, None)
        return int(entry["seq"]), str(entry["hash"])

    def _parse(self, line: bytes, number: int | None) -> dict[str, Any]:
        where = f"line {number}" if number else "its last line"
        try:
            entry = json.loads(line)
            int(entry["seq"]), str(entry["hash"]), str(entry["prev"])
        except (ValueError, KeyError, TypeError):
            raise LedgerError(f"erasure ledger {self.path}: {where} is not a ledger entry") from None
        return entry

    def append(self, items: list[dict[str, Any]], now) -> list[tuple[int, str]]:
        """Append entries ({subject, request, reason, holds, tombstones}) and fsync; return their (seq, hash)."""
        out: list[tuple[int, str]] = []
        with self._locked() as fh:
            seq, prev = self._head(fh)
            lines = []
            for item in items:
                seq += 1
                body = {
                    "seq": seq,
                    "at": iso(now),
                    "subject": item["subject"],
                    "request": item.get("request"),
                    "reason": item["reason"],
                    "holds": bool(item.get("holds")),
                    "tombstones": item.get("tombstones") or [],
                    "prev": prev,
                }
                prev = _digest(prev, body)
                lines.append(json.dumps({**body, "hash": prev}, sort_keys=True, ensure_ascii=True) + "\n")
                out.append((seq, prev))
            end = fh.seek(0, os.SEEK_END)
            try:
                fh.write("".join(lines).encode())
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                # Never half a line: the chain must stay readable for the next append.
                with contextlib.suppress(OSError):
                    fh.truncate(end)
                raise LedgerError(
                    f"cannot write the erasure ledger {self.path}: {exc.strerror or type(exc).__name__}; nothing "
                    "was destroyed yet: fix it and run the command again (it resumes)"
                ) from None
        return out

    def entries(self, after: int = 0) -> Iterator[dict[str, Any]]:
        """Every entry in order (those with seq > after), verifying the whole chain; LedgerError where it breaks."""
        if not self.path.exists():
            return
        prev, expected = GENESIS, 1
        if self.path.is_dir():
            raise LedgerError(f"the erasure ledger {self.path} is a folder; CONSENTRY_ERASURE_LEDGER names a file")
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                entry = self._parse(line, number)
                body = {k: v for k, v in entry.items() if k != "hash"}
                if entry["seq"] != expected or entry["prev"] != prev or _digest(prev, body) != entry["hash"]:
                    raise LedgerError(
                        f"erasure ledger {self.path}: the hash chain breaks at line {number} (entry edited, removed "
                        "or reordered); restore the ledger from its own backup"
                    )
                prev, expected = entry["hash"], expected + 1
                if entry["seq"] > after:
                    yield entry

    def verify(self) -> dict[str, Any]:
        """Check the whole chain: {"entries", "head"}; LedgerError where it breaks."""
        count, head = 0, GENESIS
        for entry in self.entries():
            count, head = entry["seq"], entry["hash"]
        return {"path": str(self.path), "exists": self.path.is_file(), "entries": count, "head": head}


def ledger_of(svc) -> Ledger:
    """The instance's ledger (settings.erasure_ledger; beside the key file by default)."""
    path = svc.settings.erasure_ledger or Path(svc.settings.key_file).parent / "erasures.ledger"
    return Ledger(path)


def lock(svc) -> None:
    """Serialise ledger appends and catch-ups (caller holds a transaction); SQLite's write lock already does."""
    if is_postgres(svc.db):
        svc.db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LEDGER_LOCK,))


def record(svc, items: list[dict[str, Any]]) -> list[int]:
    """Append erasures to the ledger and mark them applied here, inside the caller's transaction.

    The file is written first: if the transaction then rolls back, the entry describes an erasure whose earlier
    steps had already committed, and re-applying it (at the next open, or when the erasure resumes) is harmless.
    """
    if not items:
        return []
    lock(svc)
    now = svc.clock.now()
    written = ledger_of(svc).append(items, now)
    LedgerMark.insert_many([{"seq": s, "hash": h, "applied_at": now, "how": "erased"} for s, h in written]).execute()
    return [s for s, _ in written]
