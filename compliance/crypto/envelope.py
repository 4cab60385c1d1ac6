"""AES-256-GCM envelope encryption: data keys wrapped by versioned KEKs, fields sealed under data keys.

Field ciphertext layout: b"\\x01" | key generation (1 byte) | nonce (12) | ciphertext+tag.
The associated data binds table, column, row id and key generation, so a ciphertext copied to another
row or column fails authentication instead of decrypting to someone else's data.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = 1
NONCE = 12


class DecryptionError(Exception):
    """A ciphertext failed authentication: wrong row, column, key, or it was tampered with."""


def new_data_key() -> bytes:
    """Return 32 fresh random bytes for a subject's data key."""
    return AESGCM.generate_key(bit_length=256)


def _dek_aad(subject_id: str, kek_version: int) -> bytes:
    return f"consentry/dek|{subject_id}|kek:{kek_version}".encode()


def wrap_key(kek: bytes, kek_version: int, subject_id: str, dek: bytes) -> bytes:
    """Wrap a data key under a KEK version, bound to the subject it belongs to."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(kek).encrypt(nonce, dek, _dek_aad(subject_id, kek_version))


def unwrap_key(kek: bytes, kek_version: int, subject_id: str, wrapped: bytes) -> bytes:
    """Unwrap a data key; raise DecryptionError when it does not belong to this subject and KEK."""
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE], wrapped[NONCE:], _dek_aad(subject_id, kek_version))
    except (InvalidTag, ValueError):
        raise DecryptionError(f"data key of {subject_id} does not open under KEK version {kek_version}") from None


def field_aad(table: str, column: str, row_id: str, key_gen: int) -> bytes:
    """Associated data for one field value."""
    return f"consentry/field|{table}|{column}|{row_id}|gen:{key_gen}".encode()


def seal_field(dek: bytes, key_gen: int, table: str, column: str, row_id: str, plaintext: bytes) -> bytes:
    """Encrypt one field value for one row."""
    nonce = os.urandom(NONCE)
    body = AESGCM(dek).encrypt(nonce, plaintext, field_aad(table, column, row_id, key_gen))
    return bytes((FORMAT, key_gen & 0xFF)) + nonce + body


def open_field(dek: bytes, table: str, column: str, row_id: str, blob: bytes) -> bytes:
    """Decrypt one field value; raise DecryptionError naming the place (never the value) on failure."""
    if len(blob) < 2 + NONCE + 16 or blob[0] != FORMAT:
        raise DecryptionError(f"{table}.{column} of {row_id}: not a Consentry ciphertext")
    key_gen = blob[1]
    try:
        return AESGCM(dek).decrypt(blob[2 : 2 + NONCE], blob[2 + NONCE :], field_aad(table, column, row_id, key_gen))
    except InvalidTag:
        raise DecryptionError(
            f"{table}.{column} of {row_id}: ciphertext does not belong to this row and column, or its key was destroyed"
        ) from None


def key_generation(blob: bytes) -> int:
    """Return the key generation a field ciphertext was sealed under."""
    return blob[1]
