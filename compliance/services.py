"""The service container: everything a service function needs, built from Settings by a factory."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compliance import logs, migrations
from compliance.access import actors
from compliance.access.actor import Actor
from compliance.audit.log import AuditLog
from compliance.clock import Clock
from compliance.crypto.blind_index import BlindIndexer
from compliance.crypto.keys import KeyProvider, KeyUnavailable, open_key_provider
from compliance.dsar import ledger_sync, regimes
from compliance.dsar.ledger import LedgerError
from compliance.errors import SetupError
from compliance.jobs import schedule
from compliance.mailer import OutboxMailer
from compliance.policy import hygiene, identity, loader, purposes, recipients
from compliance.policy.loader import Policies, PolicyError
from compliance.retention import rules as retention_rules
from compliance.settings import Settings
from compliance.store.db import database, is_postgres, open_database
from compliance.store.keyring import Keyring

# Every policy file beside roles.yaml (which the loader reads itself) and the function that validates it. Listed
# here, above every domain, so the policy package never imports the domains whose rules the files hold; a moved
# validator is an ImportError at start-up, never a file that silently goes unchecked.
POLICY_CHECKS: dict[str, loader.Check] = {
    "controller": loader.check_controller,
    "segments": loader.check_segments,
    "purposes": purposes.check_policy,
    "recipients": recipients.check_policy,
    "hygiene": hygiene.check_policy,
    "identity": identity.check_policy,
    "regimes": regimes.check_policy,
    "retention": retention_rules.check_policy,
    "schedule": schedule.check_policy,
}


def read_policies(folder) -> Policies:
    """Load and validate every policy file of a folder with the validators of POLICY_CHECKS."""
    return loader.load_policies(folder, POLICY_CHECKS)


LEDGER_CHECK_SECONDS = 1.0
KEYS_LOCK = 0x4B657973  # advisory lock id ("Keys"): write transactions hold it shared, key retirement exclusive


@dataclass
class Services:
    """One instance's settings, database, keys, policies and seams (clock, mailer)."""

    settings: Settings
    db: Any
    keys: KeyProvider
    keyring: Keyring
    indexer: BlindIndexer
    policies: Policies
    clock: Clock
    audit: AuditLog
    mailer: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    indexed_generation: int = 0  # the keys' generation the indexer was built from (sync_keys)
    ledger_checked_at: float = 0.0  # time.monotonic() of the last ledger check (before_request)

    @contextlib.contextmanager
    def transaction(self, *, keys_lock: str = "shared") -> Iterator[None]:
        """A write transaction: IMMEDIATE on SQLite (no lock-upgrade deadlocks), plain on PostgreSQL.

        Inside it the keys are those on disk now (sync_keys), under the keys lock: every write transaction
        holds it shared (PostgreSQL advisory lock; on SQLite the write lock serialises writers anyway), and
        retiring a key version holds it exclusive ("exclusive") while it proves nothing still uses the version.
        """
        postgres = is_postgres(self.db)
        outer = self.db.in_transaction()
        with self.db.atomic() if postgres or outer else self.db.atomic("IMMEDIATE"):
            if postgres and (not outer or keys_lock == "exclusive"):
                take = "pg_advisory_xact_lock" if keys_lock == "exclusive" else "pg_advisory_xact_lock_shared"
                self.db.execute_sql(f"SELECT {take}(%s)", (KEYS_LOCK,))
            self.sync_keys()
            yield

    def sync_keys(self) -> None:
        """Take in key versions another process added or retired (a changed key file): new data keys are
        wrapped, and blind indexes computed, under the versions on disk, never under a retired one."""
        self.keys.refresh()
        # By generation, not by refresh()'s answer: the keyring may have re-read the file itself (a version it
        # had to unwrap), and the indexer must follow that too.
        if self.keys.generation != self.indexed_generation:
            self.refresh_indexer()

    def before_request(self) -> None:
        """What a long-running server does before each request: take in changed keys (sync_keys) and, at most once
        a second, check the erasure ledger, so a database copied back under a running server is caught up within
        a second instead of serving the people erased since."""
        self.sync_keys()
        now = time.monotonic()
        if now - self.ledger_checked_at >= LEDGER_CHECK_SECONDS:
            self.ledger_checked_at = now
            if ledger_sync.position(self)["behind"]:
                ledger_sync.catch_up(self, why="serving")

    def local_actor(self) -> Actor:
        """The principal the CLI acts as (compliance.access.actors.local_actor)."""
        return actors.local_actor(self)

    def system_actor(self, job: str) -> Actor:
        """The scheduler acting on behalf of a job (compliance.access.actors.system_actor)."""
        return actors.system_actor(self, job)

    def refresh_indexer(self) -> None:
        """Rebuild the blind indexer after index keys changed."""
        self.indexer = BlindIndexer(self.keys.index_keys(), self.keys.active_index, self.policies.default_region)
        self.indexed_generation = self.keys.generation

    def close(self) -> None:
        """Close the database connection."""
        with contextlib.suppress(Exception):
            if not self.db.is_closed():
                self.db.close()


def connect(settings: Settings):
    """Open and bind the database named by the settings."""
    db = open_database(settings.database_url)
    previous = database.obj
    if previous is not None and not previous.is_closed():
        previous.close()  # one bound database per process: the proxy is what the models use
    database.initialize(db)
    db.connect(reuse_if_open=True)
    return db


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    mailer: Any = None,
    check_schema: bool = True,
) -> Services:
    """Open keys, policies and the database for an instance; raise SetupError with a clear message."""
    try:
        keys = open_key_provider(settings.key_file, settings.master_key)
    except KeyUnavailable as exc:
        raise SetupError(str(exc)) from None
    try:
        policies = read_policies(settings.policies_dir)
    except PolicyError as exc:
        raise SetupError(f"policy error: {exc}") from None
    logs.configure(settings.log_file)
    db = connect(settings)
    if check_schema and migrations.pending(db):
        raise SetupError("the database schema is not up to date; run `consentry migrate` (or `consentry init`)")
    keyring = Keyring(keys)
    db.keyring = keyring
    clock = clock or Clock()
    if mailer is None:
        mailer = OutboxMailer(settings.outbox_dir)
    indexer = BlindIndexer(keys.index_keys(), keys.active_index, policies.default_region)
    svc = Services(
        settings=settings,
        db=db,
        keys=keys,
        keyring=keyring,
        indexer=indexer,
        policies=policies,
        clock=clock,
        audit=AuditLog(db, keys.audit_key(), clock),
        mailer=mailer,
    )
    if check_schema:
        # Before anything is answered: a database copied back from a backup erases again whoever the erasure
        # ledger says was erased since (compliance.dsar.ledger_sync).
        try:
            ledger_sync.catch_up(svc)
        except LedgerError:
            svc.close()
            raise
    return svc
