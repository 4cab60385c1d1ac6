"""Tamper-evident audit chain: canonical entries, hash chain, per-entry MAC, verification.

Pure functions only: no database, no clock, no module-global keys. ``compliance.audit.log`` stores the
entries; this module decides what their bytes are and whether a sequence of them is intact.

Entry
    ``seq``        int, 1, 2, 3, ... with no gaps
    ``ts``         UTC time, ISO-8601 with microseconds and ``Z``: ``2026-11-02T10:00:00.000000Z``
    ``actor``      public principal id (``prn_…``, ``local:<name>``) or ``anonymous``
    ``action``     an AuditAction value (``subject.read_pii``) of compliance.audit.actions
    ``target``     pseudonymous public id (``sub_…``, ``kek:v2``) or ``""``; never personal data
    ``outcome``    ``ok`` | ``denied`` | ``failed`` | ``error``
    ``request_id`` correlation id of the API request / CLI run, may be ``""``
    ``details``    small JSON object of non-PII facts (counts, field names, reason codes)

Hashing (version 1)
    canonical(e) = UTF-8 of JSON of exactly the eight fields above, keys sorted, separators ``,`` and ``:``,
                   non-ASCII characters written as themselves (``ensure_ascii=False``)
    entry_hash   = SHA-256(0x00 || canonical(e))
    chain_0      = 32 zero bytes (:data:`GENESIS`)
    chain_n      = SHA-256(chain_{n-1} || entry_hash_n)
    mac_n        = HMAC-SHA256(audit_key, chain_n)

The chain makes any change, deletion, insertion or reordering visible at the first affected entry; the
MAC (key kept outside the database) stops someone with write access to the table from re-sealing a
rewritten tail. What neither can show is that the newest entries were dropped (truncation of the tail):
only a checkpoint saved elsewhere proves that: see compliance.audit.checkpoints, whose verified
checkpoints ``verify`` accepts as ``start`` or ``checkpoint``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from compliance.audit.actions import AuditAction

FORMAT_VERSION = 1
GENESIS = bytes(32)
HASH_SIZE = 32
FIELDS = ("seq", "ts", "actor", "action", "target", "outcome", "request_id", "details")
OUTCOMES = frozenset({"ok", "denied", "failed", "error"})

# Limits enforced when sealing (they match the columns of compliance.audit.models.AuditEntry).
MAX_ID_LEN = 64
MAX_DETAILS_BYTES = 64 * 1024
MAX_DETAILS_DEPTH = 4
MAX_INT = 2**63 - 1
MIN_AUDIT_KEY_LEN = 16

TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_DETAIL_KEY_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class ChainPoint(Protocol):
    """A trusted position in the chain (a verified checkpoint): ``size`` entries ending in chain value ``head``."""

    size: int
    head: bytes


# --------------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------------


def format_ts(moment: datetime) -> str:
    """An entry timestamp: UTC, microseconds, ``Z``. Naive datetimes are taken as UTC (compliance.clock)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def parse_ts(text: str) -> datetime:
    """The naive UTC datetime of a timestamp written by :func:`format_ts`; ValueError otherwise."""
    if not isinstance(text, str) or not TS_RE.fullmatch(text):
        raise ValueError("timestamp must look like 2026-11-02T10:00:00.000000Z")
    return datetime.fromisoformat(text[:-1])


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: compact sorted-key JSON (UTF-8) of exactly the entry fields.

    Other keys (``chain``, ``mac``, database columns) are ignored. Raises KeyError for a missing field
    and TypeError/ValueError for values JSON cannot represent deterministically.
    """
    data = {name: entry[name] for name in FIELDS}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> bytes:
    """SHA-256(0x00 || canonical(entry))."""
    return hashlib.sha256(b"\x00" + canonical(entry)).digest()


def next_chain(prev_chain: bytes, ehash: bytes) -> bytes:
    """SHA-256(prev_chain || entry_hash)."""
    return hashlib.sha256(prev_chain + ehash).digest()


def mac_of(chain: bytes, audit_key: bytes) -> bytes:
    """HMAC-SHA256(audit_key, chain)."""
    return hmac.new(audit_key, chain, hashlib.sha256).digest()


def _check_key(audit_key: bytes) -> None:
    if not isinstance(audit_key, bytes | bytearray) or len(audit_key) < MIN_AUDIT_KEY_LEN:
        raise ValueError(f"the audit key must be at least {MIN_AUDIT_KEY_LEN} bytes")


def _check_id_text(name: str, value: Any, *, allow_empty: bool) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if len(value) > MAX_ID_LEN:
        raise ValueError(f"{name} is longer than {MAX_ID_LEN} characters")
    if _CONTROL_RE.search(value):
        raise ValueError(f"{name} contains control characters")


def _check_detail(value: Any, depth: int) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError("details: integer out of 64-bit range")
        return
    if isinstance(value, float):
        raise ValueError("details: floats are not allowed (no canonical cross-language form); use int or str")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("details: strings must not contain NUL")
        return
    if depth >= MAX_DETAILS_DEPTH:
        raise ValueError(f"details: nested deeper than {MAX_DETAILS_DEPTH}")
    if isinstance(value, list | tuple):
        for item in value:
            _check_detail(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _DETAIL_KEY_RE.fullmatch(key):
                raise ValueError(f"details: key {key!r} must match [A-Za-z0-9_.:-]{{1,64}}")
            _check_detail(item, depth + 1)
        return
    raise ValueError(f"details: values of type {type(value).__name__} are not allowed")


def validate_entry(entry: Mapping[str, Any]) -> None:
    """Raise ValueError unless the entry is exactly the eight fields with well-formed values."""
    if not isinstance(entry, Mapping):
        raise ValueError("an audit entry must be a mapping")
    missing = [f for f in FIELDS if f not in entry]
    extra = sorted(set(entry) - set(FIELDS))
    if missing or extra:
        raise ValueError(f"audit entry fields: missing {missing}, unexpected {extra}")
    seq = entry["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_INT:
        raise ValueError("seq must be an int >= 1")
    parse_ts(entry["ts"])
    _check_id_text("actor", entry["actor"], allow_empty=False)
    try:
        AuditAction(entry["action"])
    except ValueError:
        raise ValueError(f"unknown audit action {entry['action']!r}") from None
    _check_id_text("target", entry["target"], allow_empty=True)
    if "@" in entry["target"]:
        raise ValueError("target looks like an e-mail address; use a pseudonymous public id")
    if entry["outcome"] not in OUTCOMES:
        raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
    _check_id_text("request_id", entry["request_id"], allow_empty=True)
    if not isinstance(entry["details"], dict):
        raise ValueError("details must be a dict")
    _check_detail(entry["details"], 0)
    if len(canonical(entry)) > MAX_DETAILS_BYTES:
        raise ValueError(f"the entry is larger than {MAX_DETAILS_BYTES} bytes")


def seal(entry: Mapping[str, Any], prev_chain: bytes, audit_key: bytes) -> tuple[bytes, bytes]:
    """Validate an entry and return (chain, mac) linking it to the previous chain value.

    ``prev_chain`` is :data:`GENESIS` for seq 1. Raises ValueError on a malformed entry or key.
    """
    _check_key(audit_key)
    if not isinstance(prev_chain, bytes | bytearray) or len(prev_chain) != HASH_SIZE:
        raise ValueError("prev_chain must be 32 bytes")
    validate_entry(entry)
    chain = next_chain(bytes(prev_chain), entry_hash(entry))
    return chain, mac_of(chain, bytes(audit_key))


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    ``entries`` counts the entries that verified (all of them when ok). ``first_bad_seq`` is the seq of
    the first entry whose stored value no longer matches; for deleted entries, the seq after the gap;
    for reordered entries, the first position that holds the wrong entry. ``head``/``last_seq`` are the
    chain value and seq of the last good entry (the start of the run when none verified).
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None
    last_seq: int = 0
    head: bytes = field(default=GENESIS, repr=False)


def as_digest(value: Any) -> bytes | None:
    """32 bytes from bytes-like or hex text; None when malformed (never raises)."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
    elif isinstance(value, str):
        if len(value) != 2 * HASH_SIZE:
            return None
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            return None
    else:
        return None
    return raw if len(raw) == HASH_SIZE else None


def _seq_of(item: Any) -> int | None:
    if not isinstance(item, Mapping):
        return None
    seq = item.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


_END = object()


def _start_of(start: Any) -> tuple[int, bytes]:
    if start is None:
        return 0, GENESIS
    if hasattr(start, "size") and hasattr(start, "head"):  # a verified compliance.audit.checkpoints.Checkpoint
        return start.size, start.head
    seq, chain = start
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError("start seq must be an int >= 0")
    raw = as_digest(chain)
    if raw is None:
        raise ValueError("start chain must be 32 bytes")
    return seq, raw


def verify(
    entries: Iterable[Mapping[str, Any]],
    audit_key: bytes,
    *,
    start: tuple[int, bytes] | ChainPoint | None = None,
    checkpoint: tuple[int, bytes] | ChainPoint | None = None,
) -> VerifyResult:
    """Recompute the chain and MACs in one streaming pass and stop at the first bad entry.

    Each item holds the eight fields plus ``chain`` and ``mac`` (bytes, memoryview or hex). Items must
    come in seq order starting right after ``start`` (default: seq 0 / :data:`GENESIS`; pass a trusted
    ``(seq, chain)`` or a verified checkpoint to resume after it).

    ``checkpoint`` (a verified checkpoint or trusted ``(size, head)`` at or after ``start``) adds
    the one check the chain cannot make alone: the log must still reach ``size`` with chain value ``head``.
    A shorter log is reported as truncated (first_bad_seq = first missing seq); a different chain value at
    ``size`` means entries up to ``size`` were re-sealed by someone holding the audit key.

    Never raises on bad data, only on a bad key, ``start`` or ``checkpoint``.
    """
    _check_key(audit_key)
    key = bytes(audit_key)
    prev_seq, prev = _start_of(start)
    count = 0
    target = None if checkpoint is None else _start_of(checkpoint)
    if target is not None and target[0] < prev_seq:
        raise ValueError("the checkpoint lies before the start of verification")
    if target is not None and target[0] == prev_seq and not hmac.compare_digest(target[1], prev):
        return VerifyResult(False, 0, max(prev_seq, 1), _REWRITTEN.format(prev_seq), prev_seq, prev)

    def bad(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, count, seq, reason, prev_seq, prev)

    it = iter(entries)
    cur = next(it, _END)
    while cur is not _END:
        nxt = next(it, _END)  # one entry of lookahead tells a deletion from a reordering
        expected = prev_seq + 1
        seq = _seq_of(cur)
        if seq is None:
            return bad(expected, "malformed entry: no integer seq")
        if seq > expected:
            if nxt is _END or _seq_of(nxt) == seq + 1:
                missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
                return bad(seq, f"entries missing before this one (seq {missing})")
            return bad(expected, f"entries out of order: seq {seq} found where seq {expected} belongs")
        if seq < expected:
            return bad(expected, f"seq {seq} repeated or out of order where seq {expected} belongs")
        try:
            ehash = entry_hash(cur)
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            return bad(seq, f"malformed entry: {type(exc).__name__}")
        stored_chain = as_digest(cur.get("chain"))
        if stored_chain is None:
            return bad(seq, "stored chain value missing or not 32 bytes")
        stored_mac = as_digest(cur.get("mac"))
        if stored_mac is None:
            return bad(seq, "stored MAC missing, truncated or not 32 bytes")
        chain = next_chain(prev, ehash)
        if not hmac.compare_digest(chain, stored_chain):
            return bad(seq, "chain mismatch: entry changed, inserted, or a previous entry removed")
        if not hmac.compare_digest(mac_of(chain, key), stored_mac):
            return bad(seq, "MAC mismatch: chain rewritten or MAC forged")
        if target is not None and seq == target[0] and not hmac.compare_digest(chain, target[1]):
            return bad(seq, _REWRITTEN.format(seq))
        prev, prev_seq = chain, seq
        count += 1
        cur = nxt
    if target is not None and prev_seq < target[0]:
        return bad(prev_seq + 1, f"log ends at seq {prev_seq} but the checkpoint covers {target[0]}: truncated")
    return VerifyResult(True, count, None, None, prev_seq, prev)


_REWRITTEN = "chain value at seq {} differs from the checkpoint: history up to it was rewritten and re-sealed"


__all__ = [
    "FIELDS",
    "FORMAT_VERSION",
    "GENESIS",
    "OUTCOMES",
    "ChainPoint",
    "VerifyResult",
    "as_digest",
    "canonical",
    "entry_hash",
    "format_ts",
    "mac_of",
    "next_chain",
    "parse_ts",
    "seal",
    "validate_entry",
    "verify",
]
