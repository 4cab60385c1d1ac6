"""Creating and upgrading an instance: folder, key file, schema, policies."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from compliance import migrations
from compliance.crypto.keys import FileKeyProvider, KeyUnavailable, open_key_provider
from compliance.errors import SetupError
from compliance.policy.loader import PolicyError, copy_shipped, load_policies
from compliance.settings import Settings
from compliance.store.db import database, open_database


@dataclass
class InitResult:
    home: str
    key_file_created: bool
    policies_copied: list[str]
    migrations_applied: list[str]
    extras: dict = field(default_factory=dict)


def initialise(settings: Settings) -> InitResult:
    """Create what is missing (re-runnable): instance folder, key file (0600, never overwritten), policies, schema."""
    settings.home.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    created = False
    if not settings.master_key and not settings.key_file.exists():
        FileKeyProvider.create(settings.key_file)
        created = True
    try:
        open_key_provider(settings.key_file, settings.master_key)
    except KeyUnavailable as exc:
        raise SetupError(str(exc)) from None
    copied = copy_shipped(settings.policies_dir)  # only files the instance does not have yet
    try:
        load_policies(settings.policies_dir)
    except PolicyError as exc:
        raise SetupError(f"policy error: {exc}") from None
    applied = migrate(settings)
    return InitResult(str(settings.home), created, copied, applied)


def migrate(settings: Settings) -> list[str]:
    """Apply pending schema migrations; return their names."""
    db = open_database(settings.database_url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    try:
        return [f"{m.version:04d} {m.name}" for m in migrations.migrate(db)]
    finally:
        db.close()
