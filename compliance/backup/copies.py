"""Backup copies of the database: SQLite's online backup, pg_dump / pg_restore on PostgreSQL.

A copy holds every data key that existed when it was taken. Two things keep it from bringing an erased person
back: restoring (or opening a database copied back by hand) re-applies the erasures the ledger holds since
(compliance.dsar.ledger_sync), and KEK versions older than the backup retention are retired on a schedule
(compliance.keys.schedule), after which a copy that old cannot be decrypted at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.crypto.envelope import DecryptionError
from compliance.dsar import ledger_sync
from compliance.dsar.ledger import ledger_of
from compliance.errors import Invalid, KeyMissing, SetupError
from compliance.store.db import is_postgres
from compliance.store.models import SchemaMigration
from compliance.subjects import files


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _postgres_target(url: str) -> tuple[str, dict[str, str], str | None]:
    """(conninfo without password, environment with PGPASSWORD, schema) for the PostgreSQL client tools; the
    password goes through the environment so it never shows in a process listing."""
    parsed = urlparse(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = unquote(parsed.password)
    user = f"{parsed.username}@" if parsed.username else ""
    host = parsed.hostname or "localhost"
    conninfo = f"postgresql://{user}{host}:{parsed.port or 5432}{parsed.path}"
    schema = parse_qs(parsed.query).get("schema", [None])[0]
    return conninfo, env, schema


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SetupError(
            f"{name} is not on PATH: install the PostgreSQL client tools (Debian: apt install postgresql-client) "
            "matching the server's major version"
        )
    return found


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    # The arguments are the resolved client tool, fixed flags and our own settings: no shell, no user text.
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # The client's own message names the object or the connection problem; it holds no row data.
        last = (done.stderr or done.stdout or "").strip().splitlines()[-1:] or ["no message"]
        raise SetupError(f"{what} failed ({Path(args[0]).name} exit {done.returncode}): {last[0]}")


def _sqlite_path(svc) -> Path:
    return Path(svc.db.database)


def create(svc, actor: Actor, out: Path) -> dict[str, Any]:
    """Write a consistent copy of the database to `out` (mode 0600), atomically; audited with its digest."""
    actor.require("keys:manage")
    out = files.check_target(svc.settings, Path(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if is_postgres(svc.db):
            conninfo, env, schema = _postgres_target(svc.settings.database_url)
            args = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={part}"]
            args += [f"--schema={schema}"] if schema else []
            _run([*args, conninfo], env, "pg_dump")
            engine = "postgresql"
        else:
            source = sqlite3.connect(_sqlite_path(svc))
            target = sqlite3.connect(part)
            try:
                # The online backup API: a consistent snapshot while other processes keep writing.
                source.backup(target)
            finally:
                target.close()
                source.close()
            engine = "sqlite"
        os.chmod(part, 0o600)
        os.replace(part, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    ledger_seq, _ = ledger_of(svc).head()
    details = {
        "file": str(out),
        "engine": engine,
        "bytes": out.stat().st_size,
        "sha256": _digest(out),
        "kek_version": svc.keys.active_kek,
        "ledger_seq": ledger_seq,
    }
    with svc.transaction():
        svc.audit.record(actor, AuditAction.BACKUP_CREATE, "", details=details)
    return details


def _check_sqlite_copy(svc, path: Path, known_versions: set[int]) -> None:
    def refuse(code: str, text: str) -> Invalid:
        return Invalid(f"{path.name} {text}", errors=[{"field": "file", "code": code}])

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        raise refuse("backup.unreadable", "is not a SQLite database") from None
    try:
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError:
            raise refuse("backup.unreadable", "is not a SQLite database") from None
        if ok != "ok":
            raise refuse("backup.not_consentry", f"is not a Consentry backup (or is damaged: {ok})")
        try:
            # Our own table names (schema_migration, data_key): a test pins them to the models.
            versions = {v for (v,) in conn.execute("SELECT version FROM schema_migration")}
            keys = conn.execute(
                "SELECT subject_id, kek_version, wrapped FROM data_key ORDER BY random() LIMIT 20"
            ).fetchall()
        except sqlite3.DatabaseError:
            raise refuse("backup.not_consentry", "is not a Consentry backup") from None
    finally:
        conn.close()
    _check_copy_fits(svc, path, versions, known_versions, keys)


def _check_copy_fits(svc, path: Path, versions: set[int], known: set[int], keys: list) -> None:
    """Refuse, before anything is replaced, a copy this instance could not use: made by a newer release, taken
    from another instance (its data keys do not open with this key file), or older than the retired keys."""
    if versions - known:
        raise Invalid(
            f"{path.name} was made by a newer Consentry (schema versions {sorted(versions - known)}); upgrade first",
            errors=[{"field": "file", "code": "backup.newer_schema"}],
        )
    for subject_id, version, wrapped in keys:
        try:
            svc.keyring.unwrap(subject_id, int(version), bytes(wrapped))
        except KeyMissing:
            raise Invalid(
                f"{path.name} holds data keys under KEK version {version}, which this key file has retired: the "
                "copy is older than the backup window and can no longer be read",
                errors=[{"field": "file", "code": "backup.keys_retired"}],
            ) from None
        except DecryptionError:
            raise Invalid(
                f"{path.name} does not belong to this instance: its data keys do not open with this key file",
                errors=[{"field": "file", "code": "backup.other_instance"}],
            ) from None


def _check_pg_copy(path: Path, schema: str | None) -> None:
    done = subprocess.run(  # noqa: S603 - the resolved client tool and our own path, no shell
        [_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Invalid(f"{path.name} is not a pg_dump archive", errors=[{"field": "file", "code": "backup.unreadable"}])
    # Lines like "3345; 0 16390 TABLE DATA <schema> <table> <owner>": the schema the dump restores into.
    tables = [line.split(" TABLE DATA ", 1)[1].split() for line in done.stdout.splitlines() if " TABLE DATA " in line]
    if not any(t[1:2] == [SchemaMigration._meta.table_name] for t in tables):
        raise Invalid(
            f"{path.name} is not a Consentry backup", errors=[{"field": "file", "code": "backup.not_consentry"}]
        )
    dumped = {t[0] for t in tables}
    wanted = schema or "public"
    if dumped != {wanted}:
        # pg_restore recreates objects in the schema they were dumped from: restoring another schema's dump
        # would replace that schema (another instance), not this one.
        raise Invalid(
            f"{path.name} is a dump of schema {', '.join(sorted(dumped))}; this instance uses schema {wanted}. "
            "Restore it with the instance that uses that schema",
            errors=[{"field": "file", "code": "backup.other_schema"}],
        )


def put_in_place(svc, actor: Actor, file: Path, known_versions: set[int]) -> dict[str, Any]:
    """Replace the database of `svc` with a backup copy (svc is closed); return what was replaced, for finish().

    compliance.instance.restore_backup reopens the instance and calls finish(): migrations, the ledger, the audit.
    """
    actor.require("keys:manage")
    file = Path(file)
    if not file.is_file():
        raise Invalid(f"backup file {file} not found", errors=[{"field": "file", "code": "backup.missing"}])
    replaced_seq, replaced_hash = svc.audit.head()
    postgres = is_postgres(svc.db)
    live = None if postgres else _sqlite_path(svc)
    if postgres:
        _check_pg_copy(file, _postgres_target(svc.settings.database_url)[2])
    else:
        _check_sqlite_copy(svc, file, known_versions)
    svc.close()
    if postgres:
        conninfo, env, _ = _postgres_target(svc.settings.database_url)
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(file),
            ],
            env,
            "pg_restore",
        )
    else:
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        target = sqlite3.connect(live, timeout=30)
        try:
            # Through SQLite, not a file copy: processes that have the database open see the restored pages
            # (and the WAL) consistently instead of a file swapped under them.
            source.backup(target)
        finally:
            target.close()
            source.close()
    return {
        "file": str(file),
        "sha256": _digest(file),
        "replaced_audit_seq": replaced_seq,
        "replaced_audit_head": bytes(replaced_hash).hex(),
    }


def finish(svc, actor: Actor, replaced: dict[str, Any], applied: list[str]) -> dict[str, Any]:
    """After put_in_place, on the reopened and migrated instance: re-apply the ledger's erasures, audit it."""
    result = ledger_sync.catch_up(svc, why="restore")
    details = {
        **replaced,
        "migrations_applied": applied,
        "erasures_reapplied": result["reapplied"],
        "subjects_shredded": result["subjects_shredded"],
        "tombstones_restored": result["tombstones_restored"],
    }
    # The audit entries after replaced_audit_seq went with the old database: this entry says so.
    with svc.transaction():
        svc.audit.record(actor, AuditAction.BACKUP_RESTORE, "", details=details)
    return details
