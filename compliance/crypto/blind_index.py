"""Blind indexes: keyed HMAC-SHA256 over the canonical form of an identifier, for exact lookups."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from hygiene.identifiers import channel_key, email_key, external_key
from hygiene.phones import phone_key

# Kinds of identifier that get a blind index. Channel ids are "channel:<name>".
EMAIL, PHONE, EXTERNAL = "email", "phone", "external"


class BlindIndexer:
    """Computes blind-index digests under each index-key version it holds."""

    def __init__(self, keys: Mapping[int, bytes], active: int, default_region: str = "RU"):
        if active not in keys:
            raise ValueError(f"active index key version {active} is not available")
        self._keys = dict(keys)
        self.active = active
        self.default_region = default_region
        self._versions = sorted(self._keys, reverse=True)
        # One HMAC object per key version, copied per digest: cheaper than keying a new one each time.
        self._macs = {v: hmac.new(k, digestmod=hashlib.sha256) for v, k in self._keys.items()}

    def __reduce__(self):
        # Picklable as its keys (the HMAC objects are not): import reads rows in worker processes.
        return (BlindIndexer, (self._keys, self.active, self.default_region))

    @property
    def stamp(self) -> tuple[int, tuple[int, ...]]:
        """Which keys digests are computed under (active, every version): digests of another stamp are stale."""
        return self.active, tuple(self._versions)

    @property
    def versions(self) -> list[int]:
        """Index-key versions available for lookups, newest first."""
        return list(self._versions)

    def canonical(self, kind: str, value: str | None) -> str | None:
        """Return the canonical form hashed for an identifier kind, or None if there is nothing to index."""
        if kind == EMAIL:
            return email_key(value)
        if kind == PHONE:
            return phone_key(value, self.default_region)
        if kind == EXTERNAL:
            return external_key(value)
        if kind.startswith("channel:"):
            return channel_key(kind.split(":", 1)[1], value)
        raise ValueError(f"unknown identifier kind {kind!r}")

    def digest(self, kind: str, value: str | None, version: int | None = None) -> bytes | None:
        """Return the HMAC digest of an identifier under one key version (the active one by default)."""
        canon = self.canonical(kind, value)
        if canon is None:
            return None
        return self.digest_canonical(kind, canon, version)

    def digest_canonical(self, kind: str, canon: str, version: int | None = None) -> bytes:
        """HMAC an already canonical value; the kind is part of the message so kinds never collide."""
        mac = self._macs[self.active if version is None else version].copy()
        mac.update(f"{kind}\x00{canon}".encode())
        return mac.digest()

    def all_digests(self, kind: str, value: str | None) -> list[tuple[int, bytes]]:
        """Digests under every available version, for lookups during a reindex."""
        canon = self.canonical(kind, value)
        if canon is None:
            return []
        return [(v, self.digest_canonical(kind, canon, v)) for v in self._versions]
