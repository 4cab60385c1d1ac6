"""Versioned schema migrations, applied in order and recorded; re-running applies nothing twice."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from compliance.clock import Clock
from compliance.store import models


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[object], None]
    module: str | None = None  # the domain module owning the tables; the migration exists only with it

    def available(self) -> bool:
        """True when the owning module is part of this build."""
        if self.module is None:
            return True
        try:
            return importlib.util.find_spec(self.module) is not None
        except ModuleNotFoundError:
            return False


def _tables(module: str, attr: str) -> Callable[[object], None]:
    """A migration creating the tables a domain module lists in `attr`."""

    def apply(db) -> None:
        db.create_tables(getattr(importlib.import_module(module), attr), safe=True)

    return apply


def _initial(db) -> None:
    db.create_tables(models.STORE_MODELS, safe=True)


def _audit(db) -> None:
    from compliance.audit import AUDIT_MODELS

    db.create_tables(AUDIT_MODELS, safe=True)


def _principals(db) -> None:
    from compliance.principals import PRINCIPAL_MODELS

    db.create_tables(PRINCIPAL_MODELS, safe=True)


MIGRATIONS: list[Migration] = [
    Migration(1, "customer store", _initial),
    Migration(2, "audit log", _audit),
    Migration(3, "principals and API keys", _principals),
    Migration(4, "consent ledger", _tables("compliance.consent", "CONSENT_MODELS"), "compliance.consent"),
    Migration(5, "data-subject requests", _tables("compliance.requests", "REQUEST_MODELS"), "compliance.requests"),
    Migration(6, "hygiene", _tables("compliance.hygiene_store", "HYGIENE_MODELS"), "compliance.hygiene_store"),
    Migration(7, "jobs", _tables("compliance.jobs", "JOB_MODELS"), "compliance.jobs"),
]


def applied_versions(db) -> set[int]:
    """Versions already applied (empty on a fresh database)."""
    if not db.table_exists(models.SchemaMigration._meta.table_name):
        return set()
    return {row.version for row in models.SchemaMigration.select(models.SchemaMigration.version)}


def pending(db) -> list[Migration]:
    """Migrations not yet applied."""
    done = applied_versions(db)
    return [m for m in MIGRATIONS if m.version not in done and m.available()]


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
