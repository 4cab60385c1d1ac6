"""Settings: defaults, then CONSENTRY_* environment variables, then explicit overrides (CLI options)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


class SettingsError(Exception):
    """A setting has a value Consentry cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything a Consentry process needs to know about its instance; immutable once built."""

    home: Path
    database_url: str
    key_file: Path
    master_key: str | None
    policies_dir: Path
    local_principal: str = "local-admin"
    local_role: str = "admin"
    max_body_bytes: int = 1_048_576
    max_page_size: int = 200
    max_bulk_checks: int = 1000
    import_batch_size: int = 2000
    # Processes that read a big import file (one per core, at most 4); 1 reads in the importing process.
    import_workers: int = field(default_factory=lambda: max(1, min(os.cpu_count() or 1, 4)))
    fast_check: bool = True  # serve well-formed GET /v1/consent/check without Flask's request machinery
    log_file: Path | None = None
    outbox_dir: Path | None = None
    exports_dir: Path | None = None
    # The erasure ledger lives outside the database (beside the key file): a database restored from a backup
    # learns from it which people were erased after the backup was taken (compliance.dsar.ledger).
    erasure_ledger: Path | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from defaults, the environment and non-None overrides, in that order."""
        env = os.environ if env is None else env
        given = {k: v for k, v in overrides.items() if v is not None}

        def pick(name: str, env_name: str, default: object) -> object:
            if name in given:
                return given[name]
            if env.get(env_name):
                return env[env_name]
            return default

        home = Path(str(pick("home", "CONSENTRY_HOME", "./instance"))).expanduser()
        database_url = str(pick("database_url", "CONSENTRY_DATABASE_URL", f"sqlite:///{home / 'consentry.db'}"))
        key_file = Path(str(pick("key_file", "CONSENTRY_KEY_FILE", home / "keys.json"))).expanduser()
        master_key = pick("master_key", "CONSENTRY_MASTER_KEY", None)
        policies_dir = Path(str(pick("policies_dir", "CONSENTRY_POLICIES", home / "policies"))).expanduser()
        values: dict[str, object] = {
            "home": home,
            "database_url": database_url,
            "key_file": key_file,
            "master_key": str(master_key) if master_key else None,
            "policies_dir": policies_dir,
            "local_principal": pick("local_principal", "CONSENTRY_LOCAL_PRINCIPAL", "local-admin"),
            "local_role": pick("local_role", "CONSENTRY_LOCAL_ROLE", "admin"),
            "log_file": Path(str(pick("log_file", "CONSENTRY_LOG_FILE", home / "consentry.log"))),
            "outbox_dir": Path(str(pick("outbox_dir", "CONSENTRY_OUTBOX", home / "outbox"))),
            "exports_dir": Path(str(pick("exports_dir", "CONSENTRY_EXPORTS", home / "exports"))),
            "erasure_ledger": Path(
                str(pick("erasure_ledger", "CONSENTRY_ERASURE_LEDGER", key_file.parent / "erasures.ledger"))
            ).expanduser(),
        }
        for name, env_name in (
            ("max_body_bytes", "CONSENTRY_MAX_BODY_BYTES"),
            ("max_page_size", "CONSENTRY_MAX_PAGE_SIZE"),
            ("max_bulk_checks", "CONSENTRY_MAX_BULK_CHECKS"),
            ("import_batch_size", "CONSENTRY_IMPORT_BATCH_SIZE"),
            ("import_workers", "CONSENTRY_IMPORT_WORKERS"),
        ):
            raw = pick(name, env_name, None)
            if raw is not None:
                try:
                    values[name] = int(str(raw))
                except ValueError:
                    raise SettingsError(f"{env_name} must be a whole number") from None
                if int(values[name]) <= 0:  # type: ignore[call-overload]
                    raise SettingsError(f"{env_name} must be positive")
        fast = pick("fast_check", "CONSENTRY_FAST_CHECK", True)
        if isinstance(fast, str):
            if fast.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise SettingsError("CONSENTRY_FAST_CHECK must be 1 or 0 (true/false)")
            fast = fast.strip().lower() in ("1", "true", "yes", "on")
        values["fast_check"] = bool(fast)
        known = {f.name for f in fields(cls)}
        unknown = set(given) - known
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the given non-None fields replaced."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def is_sqlite(self) -> bool:
        """True when the store is an embedded SQLite file."""
        return self.database_url.startswith("sqlite")
