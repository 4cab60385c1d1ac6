"""Versioned schema migrations, applied in order and recorded; re-running applies nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.access import models as access_models
from compliance.audit import models as audit_models
from compliance.clock import Clock
from compliance.consent import models as consent_models
from compliance.dsar import ledger as erasure_ledger
from compliance.dsar import models as dsar_models
from compliance.dsar import request_keys
from compliance.errors import SetupError
from compliance.jobs import models as jobs_models
from compliance.keys import rotation
from compliance.stewardship import models as stewardship_models
from compliance.store import models
from compliance.store.db import is_postgres
from compliance.subjects import candidates as merge_candidates
from compliance.subjects import files as written_files
from compliance.subjects import history as subject_history


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[object], None]


def _tables(models_of: Callable[[], list]) -> Callable[[object], None]:
    """A migration creating the tables a domain package lists."""

    def apply(db) -> None:
        db.create_tables(models_of(), safe=True)

    return apply


def _history_field_as_text(db) -> None:
    """A history field name holds a map key ("custom.<import column>") of any length: varchar(40) -> text.
    SQLite does not enforce declared lengths, so only PostgreSQL needs the change."""
    if is_postgres(db):
        table = subject_history.SubjectHistory._meta.table_name
        db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "field" TYPE text')


def _request_text_sealed(db) -> None:
    """Extension reasons, verification notes and denial grounds were plain text: each request's text is sealed under
    a new request key (compliance.dsar.request_keys) in place of the text. On PostgreSQL the columns become bytea
    (the plain values were read first: USING NULL drops them with the old table file); SQLite keeps the declared
    type, which it does not enforce, and the values are overwritten in place (secure_delete)."""
    if getattr(db, "keyring", None) is None:
        raise SetupError("migration 12 seals request text: open the database with the instance's keys")
    table = dsar_models.DsarRequest._meta.table_name
    fields = request_keys.FREE_TEXT
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    present = " OR ".join(f'"{f.column_name}" IS NOT NULL' for f in fields)
    found = db.execute_sql(f'SELECT "id", {names} FROM "{table}" WHERE {present}').fetchall()  # noqa: S608
    if is_postgres(db):
        for f in fields:
            kind = db.execute_sql(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
                (table, f.column_name),
            ).fetchone()
            if kind and kind[0] != "bytea":
                db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{f.column_name}" TYPE bytea USING NULL')
    now = Clock().now()
    for request_id, *values in found:
        plain = {f: v for f, v in zip(fields, values, strict=True) if isinstance(v, str)}  # bytes: sealed already
        if not plain:
            continue
        if any(v.strip() for v in plain.values()):
            request_keys.ensure(db.keyring, request_id, now)
        sealed = {
            f: dsar_models.DsarRequest.sealed(f, request_id, request_id, v) if v.strip() else None
            for f, v in plain.items()
        }
        dsar_models.DsarRequest.update(sealed).where(dsar_models.DsarRequest.id == request_id).execute()


def _canonical_email_digests(db) -> None:
    """Email blind indexes were computed from the trimmed, lower-cased address; they are now computed from its
    canonical form (compliance issue 13: NFKC, mailto: and punctuation stripped, IDNA domains), so an address
    stored as `mailto:Ann@Example.org` is found, and tombstone-checked, as `ann@example.org`. Recomputed from
    the decrypted profiles under the active index key; tombstones cannot be (their plaintext is gone)."""
    if getattr(db, "keyring", None) is None or getattr(db, "indexer", None) is None:
        raise SetupError("migration 13 recomputes blind indexes: open the database with the instance's keys")
    rotation.recompute_indexes(db, db.indexer)


def _candidate_explanations(db) -> None:
    """Merge candidates keep the model's explanation of their pair (JSON, nullable): rows queued before stay NULL.
    A database created after the column was declared already has it (migration 6 creates the current table)."""
    table = merge_candidates.MergeCandidate._meta.table_name
    column = merge_candidates.MergeCandidate.explanation.column_name
    if is_postgres(db):
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" text')
    elif column not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" TEXT')


# Every migration names its tables explicitly: moving a domain module is an ImportError here, never a
# migration that silently stops being applied.
MIGRATIONS: list[Migration] = [
    Migration(1, "customer store", _tables(lambda: models.STORE_MODELS)),
    Migration(2, "audit log", _tables(lambda: audit_models.AUDIT_MODELS)),
    Migration(3, "principals and API keys", _tables(lambda: access_models.PRINCIPAL_MODELS)),
    Migration(4, "consent ledger", _tables(lambda: consent_models.CONSENT_MODELS)),
    Migration(5, "data-subject requests", _tables(lambda: dsar_models.REQUEST_MODELS)),
    Migration(6, "hygiene", _tables(lambda: stewardship_models.HYGIENE_MODELS)),
    Migration(7, "jobs", _tables(lambda: jobs_models.JOB_MODELS)),
    Migration(8, "subject value history", _tables(lambda: subject_history.HISTORY_MODELS)),
    Migration(9, "subject value history: field names of any length", _history_field_as_text),
    Migration(10, "registry of written files", _tables(lambda: written_files.FILE_MODELS)),
    Migration(11, "erasure ledger marks", _tables(lambda: erasure_ledger.LEDGER_MODELS)),
    Migration(12, "request free text sealed under request keys", _request_text_sealed),
    Migration(13, "email blind indexes from the canonical address", _canonical_email_digests),
    Migration(14, "merge candidates: the model's explanation of each scored pair", _candidate_explanations),
]


def applied_versions(db) -> set[int]:
    """Versions already applied (empty on a fresh database)."""
    if not db.table_exists(models.SchemaMigration._meta.table_name):
        return set()
    return {row.version for row in models.SchemaMigration.select(models.SchemaMigration.version)}


def pending(db) -> list[Migration]:
    """Migrations not yet applied."""
    done = applied_versions(db)
    return [m for m in MIGRATIONS if m.version not in done]


def migrate(db, clock: Clock | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; return what was applied."""
    clock = clock or Clock()
    applied = []
    for migration in pending(db):
        with db.atomic():
            migration.apply(db)
            db.create_tables([models.SchemaMigration], safe=True)
            models.SchemaMigration.insert(
                version=migration.version, name=migration.name, applied_at=clock.now()
            ).on_conflict_ignore().execute()
        applied.append(migration)
    return applied
