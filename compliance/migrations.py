"""Versioned schema migrations, applied in order and recorded; re-running applies nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.access import models as access_models
from compliance.audit import models as audit_models
from compliance.clock import Clock
from compliance.consent import models as consent_models
from compliance.dsar import models as dsar_models
from compliance.jobs import models as jobs_models
from compliance.stewardship import models as stewardship_models
from compliance.store import models
from compliance.store.db import is_postgres
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
