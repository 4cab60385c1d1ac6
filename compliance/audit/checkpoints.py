"""Signed checkpoints of the audit chain, so that a log cut short can be shown to be cut short.

Checkpoint (C2SP tlog-checkpoint / signed-note layout)::

    <origin>\\n
    <size, decimal>\\n
    <base64 of chain_size>\\n
    time <ts of the checkpoint>\\n
    \\n
    — <origin> <base64(key id (4 bytes) || Ed25519 signature (64 bytes))>\\n

The signature covers the four body lines including their final newline. The key id is the signed-note
key hash ``SHA-256(origin || "\\n" || 0x01 || raw public key)[:4]``. Base64 is standard, padded, and
must be canonical. Other signature lines (witness cosignatures) are allowed and ignored.

A saved checkpoint ``(size, head)`` proves the first ``size`` entries were not rewritten when the stored
chain value at ``size`` still equals ``head`` (:func:`check_consistent`, or in the same pass:
``verify(entries, key, checkpoint=cp)``, which also reports a log cut short before ``size``), and
verification can resume after it: ``verify(entries_after_size, key, start=cp)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from compliance.audit.chain import GENESIS, HASH_SIZE, MAX_INT, as_digest, format_ts, parse_ts

MAX_CHECKPOINT_LEN = 16 * 1024
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,18}")
_SIG_PREFIX = "\u2014 "  # em dash + space, as in signed notes
_ED25519_ALG = b"\x01"


class CheckpointError(ValueError):
    """A checkpoint is malformed or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: the log named ``origin`` had ``size`` entries and chain value ``head``."""

    origin: str
    size: int
    head: bytes
    ts: datetime  # naive UTC


def key_id(origin: str, public_key: Ed25519PublicKey) -> bytes:
    """Signed-note key hash: SHA-256(name || "\\n" || 0x01 || raw public key)[:4]."""
    raw = public_key.public_bytes_raw()
    return hashlib.sha256(origin.encode("utf-8") + b"\n" + _ED25519_ALG + raw).digest()[:4]


def _check_origin(origin: Any) -> None:
    if not isinstance(origin, str) or not origin or len(origin) > 255:
        raise ValueError("origin must be a non-empty string of at most 255 characters")
    if any(ch.isspace() or ch == "+" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in origin):
        raise ValueError("origin must not contain whitespace, control characters or '+' (signed-note key name)")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict, canonical standard base64 (re-encoding must give the same text)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise CheckpointError("malformed base64") from None
    if _b64(raw) != text:
        raise CheckpointError("non-canonical base64")
    return raw


def make_checkpoint(
    origin: str,
    size: int,
    head: bytes,
    signing_key: Ed25519PrivateKey,
    ts: datetime | str,
) -> str:
    """Sign (origin, size, head, ts) as a signed note; ``ts``: datetime (naive = UTC) or entry-style text."""
    _check_origin(origin)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_INT:
        raise ValueError("size must be an int >= 0")
    if not isinstance(head, bytes | bytearray) or len(head) != HASH_SIZE:
        raise ValueError("head must be 32 bytes")
    if size == 0 and bytes(head) != GENESIS:
        raise ValueError("an empty log's head is the genesis value")
    stamp = ts if isinstance(ts, str) else format_ts(ts)
    parse_ts(stamp)
    body = f"{origin}\n{size}\n{_b64(bytes(head))}\ntime {stamp}\n"
    signature = signing_key.sign(body.encode("utf-8"))
    kid = key_id(origin, signing_key.public_key())
    return f"{body}\n{_SIG_PREFIX}{origin} {_b64(kid + signature)}\n"


def verify_checkpoint(text: str | bytes, public_key: Ed25519PublicKey) -> Checkpoint:
    """Parse a checkpoint and check the origin's signature with ``public_key``; CheckpointError otherwise."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("checkpoint is not UTF-8") from None
    if not isinstance(text, str):
        raise CheckpointError("checkpoint must be text")
    if len(text) > MAX_CHECKPOINT_LEN:
        raise CheckpointError("checkpoint is too large")
    split = text.find("\n\n")
    if split < 0:
        raise CheckpointError("no blank line before the signatures")
    body, sigblock = text[: split + 1], text[split + 2 :]
    if any((ord(ch) < 0x20 and ch != "\n") or ord(ch) == 0x7F for ch in text):
        raise CheckpointError("control characters in checkpoint")
    lines = body[:-1].split("\n")
    if len(lines) != 4:
        raise CheckpointError("checkpoint body must have 4 lines: origin, size, head, time")
    origin, size_text, head_text, time_line = lines
    try:
        _check_origin(origin)
    except ValueError as exc:
        raise CheckpointError(str(exc)) from None
    if not sigblock or not sigblock.endswith("\n"):
        raise CheckpointError("signature block must end with a newline")
    expected_kid = key_id(origin, public_key)
    signed = body.encode("utf-8")
    verified = False
    for line in sigblock[:-1].split("\n"):
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError("malformed signature line")
        parts = line[len(_SIG_PREFIX) :].split(" ")
        if len(parts) != 2 or not parts[0]:
            raise CheckpointError("malformed signature line")
        name, blob = parts
        raw = _unb64(blob)
        if len(raw) < 5:
            raise CheckpointError("signature too short")
        if name != origin or raw[:4] != expected_kid:
            continue  # someone else's (e.g. a witness) signature
        try:
            public_key.verify(raw[4:], signed)
        except InvalidSignature:
            raise CheckpointError("signature does not verify") from None
        verified = True
    if not verified:
        raise CheckpointError("no signature by the expected key for this origin")
    if not _SIZE_RE.fullmatch(size_text) or int(size_text) > MAX_INT:
        raise CheckpointError("malformed size")
    head = _unb64(head_text)
    if len(head) != HASH_SIZE:
        raise CheckpointError("head must be 32 bytes")
    size = int(size_text)
    if size == 0 and head != GENESIS:
        raise CheckpointError("an empty log's head must be the genesis value")
    if not time_line.startswith("time "):
        raise CheckpointError("fourth line must be 'time <ts>'")
    try:
        ts = parse_ts(time_line[5:])
    except ValueError:
        raise CheckpointError("malformed time") from None
    return Checkpoint(origin, size, head, ts)


def check_consistent(checkpoint: Checkpoint, chain_at_size: bytes | None) -> bool:
    """True when the log's chain value at ``checkpoint.size`` still equals the signed head.

    Pass the stored chain value of entry ``size`` (None if the log no longer has it; GENESIS for size 0).
    Together with :func:`verify` from genesis up to ``size`` this shows the signed prefix was not
    rewritten; a shorter log or a different value means history was truncated or replaced.
    """
    if checkpoint.size == 0 and chain_at_size is None:
        chain_at_size = GENESIS
    raw = as_digest(chain_at_size)
    return raw is not None and hmac.compare_digest(raw, checkpoint.head)


__all__ = ["Checkpoint", "CheckpointError", "check_consistent", "key_id", "make_checkpoint", "verify_checkpoint"]
