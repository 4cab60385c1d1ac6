"""Key providers: where KEKs, index keys, the audit key and the signing key come from.

Two providers ship: a JSON key file (created by `consentry init`, mode 0600) and key material in the
CONSENTRY_MASTER_KEY environment variable. The interface is small enough for a KMS or Vault Transit.
Keys never go to the database, the repository or the logs.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILE_FORMAT = 1


class KeyUnavailable(Exception):
    """Keys are missing, unreadable or malformed; nothing can be decrypted."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise KeyUnavailable(f"{what} is not valid base64") from None
    if len(raw) < 32:
        raise KeyUnavailable(f"{what} is shorter than 32 bytes")
    return raw


class KeyProvider(ABC):
    """Versioned key-encryption keys and index keys, plus the audit MAC key and the signing key."""

    @abstractmethod
    def kek(self, version: int) -> bytes:
        """Return one KEK version; raise KeyUnavailable if it is unknown or retired."""

    @property
    @abstractmethod
    def active_kek(self) -> int:
        """The KEK version new data keys are wrapped under."""

    @abstractmethod
    def kek_versions(self) -> dict[int, str]:
        """Every KEK version with its state ("active", "readable", "retired")."""

    @abstractmethod
    def add_kek(self) -> int:
        """Add a new KEK version, make it active and return it."""

    @abstractmethod
    def retire_kek(self, version: int) -> None:
        """Mark a KEK version retired so it is no longer used for anything."""

    @abstractmethod
    def index_keys(self) -> dict[int, bytes]:
        """Index-key versions still in use, by version."""

    @property
    @abstractmethod
    def active_index(self) -> int:
        """The index-key version new blind indexes are computed under."""

    @abstractmethod
    def add_index_key(self) -> int:
        """Add a new index-key version, make it active and return it."""

    @abstractmethod
    def retire_index_key(self, version: int) -> None:
        """Forget an index-key version once nothing is indexed under it."""

    def kek_created(self) -> dict[int, datetime]:
        """When each KEK version was created, where the provider knows (a key file does; derived keys do not)."""
        return {}

    @abstractmethod
    def audit_key(self) -> bytes:
        """The key that MACs the audit chain."""

    @abstractmethod
    def signing_key(self) -> Ed25519PrivateKey:
        """The Ed25519 key that signs audit checkpoints and erasure certificates."""

    def describe(self) -> str:
        """A human description of where keys come from (never the keys)."""
        return type(self).__name__

    def refresh(self) -> bool:
        """Re-read the keys if another process changed them; True when they changed (nothing to re-read here)."""
        return False

    @property
    def generation(self) -> int:
        """Grows whenever the keys this provider holds change (read again, or written by this process): what
        is derived from them (the blind indexer) is rebuilt when it was built from another generation."""
        return 0


class FileKeyProvider(KeyProvider):
    """Keys in a JSON file readable only by its owner."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp = self._stat()
        self._data = self._read()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        # _write replaces the file (a new inode), so even a change within one mtime tick is seen.
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self) -> bool:
        """Re-read the key file when another process (`keys rotate`, `keys retire`) replaced it.

        Every write transaction calls this after taking the write lock, so a process never wraps a data key
        or writes a blind index under a version another process has retired: retiring happens under the same
        lock (compliance.keys.rotation). A file that became unreadable keeps the keys in memory and raises.
        """
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        data = self._read()
        self._data, self._stamp = data, stamp
        self._generation += 1
        return True

    @classmethod
    def create(cls, path: Path) -> FileKeyProvider:
        """Create a new key file with mode 0600; refuse to overwrite an existing one."""
        path = Path(path)
        if path.exists():
            raise KeyUnavailable(f"key file {path} already exists; refusing to overwrite it")
        path.parent.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC).isoformat()
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        data = {
            "format": KEY_FILE_FORMAT,
            "kek": {"active": 1, "versions": {"1": {"key": _b64(os.urandom(32)), "state": "active", "created": now}}},
            "index": {"active": 1, "versions": {"1": {"key": _b64(os.urandom(32)), "created": now}}},
            "audit_key": _b64(os.urandom(32)),
            "signing_key": _b64(seed),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        return cls(path)

    def _read(self) -> dict:
        if not self.path.exists():
            raise KeyUnavailable(
                f"key file {self.path} not found; run `consentry init` or set CONSENTRY_KEY_FILE / CONSENTRY_MASTER_KEY"
            )
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise KeyUnavailable(f"key file {self.path} is readable by others (mode {mode:o}); run chmod 600 on it")
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyUnavailable(f"key file {self.path} cannot be read: {type(exc).__name__}") from None
        try:
            if data["format"] != KEY_FILE_FORMAT:
                raise KeyUnavailable(f"key file {self.path} has unsupported format {data['format']!r}")
            for version in data["kek"]["versions"].values():
                if version["state"] != "retired":
                    _unb64(version["key"], "a KEK")
            for version in data["index"]["versions"].values():
                _unb64(version["key"], "an index key")
            _unb64(data["audit_key"], "the audit key")
            base64.b64decode(data["signing_key"])
        except (KeyError, TypeError, AttributeError):
            raise KeyUnavailable(f"key file {self.path} is missing required entries") from None
        return data

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(self._data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._stamp = self._stat()
        self._generation += 1

    def kek(self, version: int) -> bytes:
        entry = self._data["kek"]["versions"].get(str(version))
        if entry is None or entry["state"] == "retired":
            raise KeyUnavailable(f"KEK version {version} is not available (unknown or retired)")
        return _unb64(entry["key"], "a KEK")

    @property
    def active_kek(self) -> int:
        return int(self._data["kek"]["active"])

    def kek_versions(self) -> dict[int, str]:
        return {int(v): e["state"] for v, e in self._data["kek"]["versions"].items()}

    def add_kek(self) -> int:
        self.refresh()  # change what is on disk now, not what this process read earlier
        versions = self._data["kek"]["versions"]
        new = max(int(v) for v in versions) + 1
        for entry in versions.values():
            if entry["state"] == "active":
                entry["state"] = "readable"
        versions[str(new)] = {"key": _b64(os.urandom(32)), "state": "active", "created": datetime.now(UTC).isoformat()}
        self._data["kek"]["active"] = new
        self._write()
        return new

    def retire_kek(self, version: int) -> None:
        self.refresh()  # change what is on disk now, not what this process read earlier
        if version == self.active_kek:
            raise KeyUnavailable("the active KEK version cannot be retired")
        entry = self._data["kek"]["versions"].get(str(version))
        if entry is None:
            raise KeyUnavailable(f"KEK version {version} is unknown")
        # The key material is dropped from the file: retirement is meant to be irreversible.
        entry.update(state="retired", key="", retired=datetime.now(UTC).isoformat())
        self._write()

    def kek_created(self) -> dict[int, datetime]:
        # Naive UTC, as the service clock gives it (compliance.clock).
        return {
            int(v): datetime.fromisoformat(e["created"]).astimezone(UTC).replace(tzinfo=None)
            for v, e in self._data["kek"]["versions"].items()
            if e.get("created")
        }

    def index_keys(self) -> dict[int, bytes]:
        return {int(v): _unb64(e["key"], "an index key") for v, e in self._data["index"]["versions"].items()}

    @property
    def active_index(self) -> int:
        return int(self._data["index"]["active"])

    def add_index_key(self) -> int:
        self.refresh()  # change what is on disk now, not what this process read earlier
        versions = self._data["index"]["versions"]
        new = max(int(v) for v in versions) + 1
        versions[str(new)] = {"key": _b64(os.urandom(32)), "created": datetime.now(UTC).isoformat()}
        self._data["index"]["active"] = new
        self._write()
        return new

    def retire_index_key(self, version: int) -> None:
        self.refresh()  # change what is on disk now, not what this process read earlier
        if version == self.active_index:
            raise KeyUnavailable("the active index key cannot be retired")
        self._data["index"]["versions"].pop(str(version), None)
        self._write()

    def audit_key(self) -> bytes:
        return _unb64(self._data["audit_key"], "the audit key")

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(self._data["signing_key"]))

    def describe(self) -> str:
        return f"key file {self.path}"


class EnvKeyProvider(KeyProvider):
    """Keys derived (HKDF-SHA256) from CONSENTRY_MASTER_KEY; versions chosen by environment variables.

    Rotation: raise CONSENTRY_KEK_VERSION to N+1 and run `consentry keys rotate`; once every data key is
    rewrapped, set CONSENTRY_KEK_MIN_VERSION to N+1 to retire the older versions. Index keys likewise with
    CONSENTRY_INDEX_VERSION and CONSENTRY_INDEX_MIN_VERSION.
    """

    def __init__(self, master_key: str, env: dict[str, str] | None = None):
        self._master = _unb64(master_key.strip(), "CONSENTRY_MASTER_KEY")
        env = dict(os.environ if env is None else env)

        def num(name: str, default: int) -> int:
            try:
                value = int(env.get(name, default))
            except ValueError:
                raise KeyUnavailable(f"{name} must be a whole number") from None
            if value < 1:
                raise KeyUnavailable(f"{name} must be at least 1")
            return value

        self._kek_active = num("CONSENTRY_KEK_VERSION", 1)
        self._kek_min = num("CONSENTRY_KEK_MIN_VERSION", 1)
        self._index_active = num("CONSENTRY_INDEX_VERSION", 1)
        self._index_min = num("CONSENTRY_INDEX_MIN_VERSION", 1)
        if self._kek_min > self._kek_active or self._index_min > self._index_active:
            raise KeyUnavailable("a minimum key version is above the active version")

    def _derive(self, label: str) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"consentry/{label}".encode()).derive(
            self._master
        )

    def kek(self, version: int) -> bytes:
        if not self._kek_min <= version <= self._kek_active:
            raise KeyUnavailable(f"KEK version {version} is not available (unknown or retired)")
        return self._derive(f"kek/v{version}")

    @property
    def active_kek(self) -> int:
        return self._kek_active

    def kek_versions(self) -> dict[int, str]:
        return {
            v: ("active" if v == self._kek_active else "readable" if v >= self._kek_min else "retired")
            for v in range(1, self._kek_active + 1)
        }

    def add_kek(self) -> int:
        raise KeyUnavailable(
            f"keys come from CONSENTRY_MASTER_KEY: set CONSENTRY_KEK_VERSION={self._kek_active + 1} "
            "and run the command again"
        )

    def retire_kek(self, version: int) -> None:
        raise KeyUnavailable(f"keys come from CONSENTRY_MASTER_KEY: set CONSENTRY_KEK_MIN_VERSION={version + 1}")

    def index_keys(self) -> dict[int, bytes]:
        return {v: self._derive(f"index/v{v}") for v in range(self._index_min, self._index_active + 1)}

    @property
    def active_index(self) -> int:
        return self._index_active

    def add_index_key(self) -> int:
        raise KeyUnavailable(
            f"keys come from CONSENTRY_MASTER_KEY: set CONSENTRY_INDEX_VERSION={self._index_active + 1} and run again"
        )

    def retire_index_key(self, version: int) -> None:
        raise KeyUnavailable(f"keys come from CONSENTRY_MASTER_KEY: set CONSENTRY_INDEX_MIN_VERSION={version + 1}")

    def audit_key(self) -> bytes:
        return self._derive("audit")

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._derive("signing"))

    def describe(self) -> str:
        return "CONSENTRY_MASTER_KEY environment variable"


def open_key_provider(key_file: Path, master_key: str | None, env: dict[str, str] | None = None) -> KeyProvider:
    """Return the provider the settings name: the master key if set, else the key file."""
    if master_key:
        return EnvKeyProvider(master_key, env)
    return FileKeyProvider(key_file)
