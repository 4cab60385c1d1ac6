"""Per-subject data keys: created, wrapped under the active KEK, read from the DataKey table, cached unwrapped.

The store's side of envelope encryption: compliance.crypto holds the primitives and the key provider and never
touches the database; this module is the only place that reads wrapped data keys and unwraps them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from compliance.crypto import envelope
from compliance.crypto.keys import KeyProvider, KeyUnavailable
from compliance.errors import KeyMissing
from compliance.store.models import DataKey


class KeyDestroyed(Exception):
    """The subject's data key no longer exists (the subject was erased)."""


class Keyring:
    """Finds, creates and caches data keys; the only place that unwraps them."""

    def __init__(self, provider: KeyProvider, cache_size: int = 4096):
        self.provider = provider
        self._cache: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._holds = 0  # while > 0 nothing is evicted (see held())

    def new_key(self, subject_id: str, key_gen: int = 1) -> dict[str, Any]:
        """Create a data key for a subject; return the DataKey row to insert (wrapped under the active KEK)."""
        dek = envelope.new_data_key()
        version = self.provider.active_kek
        wrapped = envelope.wrap_key(self.provider.kek(version), version, subject_id, dek)
        self._remember(subject_id, key_gen, dek)
        return {"subject_id": subject_id, "kek_version": version, "wrapped": wrapped, "key_gen": key_gen}

    def _remember(self, subject_id: str, key_gen: int, dek: bytes) -> None:
        with self._lock:
            self._cache[subject_id] = (key_gen, dek)
            self._cache.move_to_end(subject_id)
            self._trim()

    def _trim(self) -> None:
        while self._holds == 0 and len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep every key cached until the block ends: a batch that creates or reads more subjects than the
        cache holds would otherwise evict keys it is about to seal with, and read each back from the table."""
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                self._trim()

    def forget(self, subject_id: str) -> None:
        """Drop a subject's key from the cache (erasure, merge undo)."""
        with self._lock:
            self._cache.pop(subject_id, None)

    def clear(self) -> None:
        """Drop every cached key."""
        with self._lock:
            self._cache.clear()

    def data_key(self, subject_id: str) -> tuple[int, bytes]:
        """Return (key generation, data key) for a subject, unwrapping it on first use."""
        with self._lock:
            hit = self._cache.get(subject_id)
        if hit is not None:
            return hit
        row = DataKey.get_or_none(DataKey.subject_id == subject_id)
        if row is None:
            raise KeyDestroyed(f"the data key of {subject_id} does not exist (erased or never created)")
        dek = self.unwrap(subject_id, row.kek_version, bytes(row.wrapped))
        self._remember(subject_id, row.key_gen, dek)
        return row.key_gen, dek

    def preload(self, subject_ids: list[str]) -> None:
        """Unwrap the keys of many subjects with one query (bulk reads and exports)."""
        with self._lock:
            missing = [s for s in subject_ids if s not in self._cache]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for row in DataKey.select().where(DataKey.subject_id.in_(chunk)):
                self._remember(
                    row.subject_id, row.key_gen, self.unwrap(row.subject_id, row.kek_version, bytes(row.wrapped))
                )

    def unwrap(self, subject_id: str, version: int, wrapped: bytes) -> bytes:
        """Unwrap one stored data key; KeyMissing (naming the version and the fix) when its KEK is gone."""
        try:
            kek = self.provider.kek(version)
        except KeyUnavailable:
            self.provider.refresh()  # another process may have added the version since this one read the keys
            try:
                kek = self.provider.kek(version)
            except KeyUnavailable:
                raise KeyMissing(
                    # No path or provider detail: this message reaches API callers (503).
                    f"the data key of {subject_id} is wrapped under KEK version {version}, which the keys no "
                    f"longer hold: put back a copy of the key file (or master-key settings) that has version "
                    f"{version}, then run `consentry keys rotate` to rewrap under the active version"
                ) from None
        return envelope.unwrap_key(kek, version, subject_id, wrapped)

    def seal(self, subject_id: str, table: str, column: str, row_id: str, value: Any) -> bytes:
        """Encrypt a JSON-serialisable value for one row and column under the subject's key."""
        key_gen, dek = self.data_key(subject_id)
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        return envelope.seal_field(dek, key_gen, table, column, row_id, data)

    def open(self, subject_id: str, table: str, column: str, row_id: str, blob: bytes) -> Any:
        """Decrypt a value sealed by seal()."""
        _, dek = self.data_key(subject_id)
        return json.loads(envelope.open_field(dek, table, column, row_id, blob))
