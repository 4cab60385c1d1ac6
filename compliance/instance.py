"""Creating and upgrading an instance: folder, key file, schema, policies."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from compliance import migrations
from compliance.access.principals import bootstrap_admin
from compliance.backup import copies
from compliance.crypto.blind_index import BlindIndexer
from compliance.crypto.keys import FileKeyProvider, KeyUnavailable, open_key_provider
from compliance.errors import Invalid, SetupError
from compliance.policy.loader import PolicyError, copy_shipped
from compliance.services import build_services, read_policies
from compliance.settings import Settings
from compliance.store.db import database, open_database
from compliance.store.keyring import Keyring


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
        read_policies(settings.policies_dir)
    except PolicyError as exc:
        raise SetupError(f"policy error: {exc}") from None
    applied = migrate(settings)
    return InitResult(str(settings.home), created, copied, applied)


def set_up(settings: Settings) -> dict[str, object]:
    """`consentry init`: initialise the instance and, on a new one, create the first admin (its key shown once)."""
    result = initialise(settings)
    data: dict[str, object] = {
        "home": result.home,
        "key_file_created": result.key_file_created,
        "policies_copied": result.policies_copied,
        "migrations_applied": result.migrations_applied,
    }
    svc = build_services(settings)
    try:
        admin = bootstrap_admin(svc)
    finally:
        svc.close()
    if admin:
        data["admin_principal"], data["admin_api_key"] = admin
    return data


def check_policies(settings: Settings) -> dict[str, object]:
    """Validate every policy file of the instance: {"ok": True, "files": [...]}, else Invalid naming file and key."""
    try:
        loaded = read_policies(settings.policies_dir)
    except PolicyError as exc:
        raise Invalid(str(exc), errors=[{"field": "policies", "code": "policy.invalid"}]) from None
    return {"ok": True, "files": sorted(loaded.raw)}


def restore_backup(svc, actor, file) -> dict[str, object]:
    """`consentry backup restore`: put the copy in place, reopen, migrate, re-apply erasures since (audited)."""
    replaced = copies.put_in_place(svc, actor, file, {m.version for m in migrations.MIGRATIONS})
    fresh = build_services(svc.settings, check_schema=False, clock=svc.clock, mailer=svc.mailer)
    try:
        # A copy from an older release is brought up to this schema before the ledger is applied to it.
        fresh.db.indexer = fresh.indexer
        applied = [m.name for m in migrations.migrate(fresh.db, fresh.clock)]
        return copies.finish(fresh, actor, replaced, applied)
    finally:
        fresh.close()


def migrate(settings: Settings) -> list[str]:
    """Apply pending schema migrations; return their names."""
    try:
        keys = open_key_provider(settings.key_file, settings.master_key)
    except KeyUnavailable as exc:
        raise SetupError(str(exc)) from None
    db = open_database(settings.database_url)
    db.keyring = Keyring(keys)  # a migration that moves plain text into ciphertext seals under the instance's keys
    # ... and one that recomputes blind indexes digests under them
    try:
        region = read_policies(settings.policies_dir).default_region
    except PolicyError as exc:
        raise SetupError(f"policy error: {exc}") from None
    db.indexer = BlindIndexer(keys.index_keys(), keys.active_index, region)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    try:
        return [f"{m.version:04d} {m.name}" for m in migrations.migrate(db)]
    finally:
        db.close()
