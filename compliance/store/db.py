"""Database binding: a peewee proxy bound at run time to SQLite or PostgreSQL from a URL."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase

database = DatabaseProxy()

_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class DatabaseURLError(ValueError):
    """The database URL cannot be used."""


def open_database(url: str) -> SqliteDatabase | PostgresqlDatabase:
    """Create (not yet connect) a peewee database for a sqlite:/// or postgresql:// URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif url.startswith("sqlite:///"):
            path = path[1:] if path.startswith("/") else path
        if not path:
            raise DatabaseURLError("sqlite URL needs a file path, e.g. sqlite:///instance/consentry.db")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(
            path,
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "secure_delete": 1,  # erased rows are overwritten, not left in free pages
                "busy_timeout": 10000,
                "synchronous": "normal",
                # Reads through a memory map skip a copy per page: cheaper indexed reads (consent checks).
                "mmap_size": 268435456,
                # The blind-index and id indexes take random keys, so a bulk write touches pages all over them:
                # with SQLite's default 2 MiB page cache most of an import's time went to re-reading them.
                "cache_size": -65536,
            },
            timeout=10,
            check_same_thread=False,
        )
    if parsed.scheme in ("postgres", "postgresql"):
        params = parse_qs(parsed.query)
        kwargs: dict[str, object] = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username) if parsed.username else None,
            "password": unquote(parsed.password) if parsed.password else None,
        }
        schema = params.get("schema", [None])[0]
        if schema:
            if not _SCHEMA_RE.match(schema):
                raise DatabaseURLError("schema must be a plain SQL identifier")
            kwargs["options"] = f"-c search_path={schema}"
        name = parsed.path.lstrip("/")
        if not name:
            raise DatabaseURLError("postgresql URL needs a database name")
        return PostgresqlDatabase(name, **{k: v for k, v in kwargs.items() if v is not None})
    raise DatabaseURLError(f"unsupported database URL scheme {parsed.scheme!r}: use sqlite:/// or postgresql://")


def is_postgres(db: object) -> bool:
    """True when the bound database is PostgreSQL."""
    target = getattr(db, "obj", db)
    return isinstance(target, PostgresqlDatabase)


@contextlib.contextmanager
def long_write(db, pages: int = 50_000) -> Iterator[None]:
    """Around a write of many transactions (an import): on SQLite the WAL is checkpointed after `pages` pages
    (about 200 MB) instead of SQLite's 1000, then once at the end.

    The random-key indexes (blind-index digests, ids) dirty pages all over the file in every batch; with the
    default each commit copied them to the main file again, so most pages were written twice per batch.
    """
    if is_postgres(db):
        yield
        return
    previous = int(db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0])
    db.execute_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA wal_autocheckpoint={previous}")
        db.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
