"""Keys, envelope encryption and blind indexes. Pure cryptography; storage lives in compliance.store."""

from compliance.crypto.blind_index import BlindIndexer
from compliance.crypto.envelope import DecryptionError, open_field, seal_field, unwrap_key, wrap_key
from compliance.crypto.keys import (
    EnvKeyProvider,
    FileKeyProvider,
    KeyProvider,
    KeyUnavailable,
    open_key_provider,
)

__all__ = [
    "BlindIndexer",
    "DecryptionError",
    "EnvKeyProvider",
    "FileKeyProvider",
    "KeyProvider",
    "KeyUnavailable",
    "open_field",
    "open_key_provider",
    "seal_field",
    "unwrap_key",
    "wrap_key",
]
