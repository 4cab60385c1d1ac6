"""Tamper-evident audit chain: canonical entries, hash chain, per-entry MAC, signed checkpoints.

Pure functions only: no database, no clock, no module-global keys. ``compliance.audit.log`` stores the
entries; this module decides what their bytes are and whether a sequence of them is intact.

Entry
    ``seq``        int, 1, 2, 3, ... with no gaps
    ``ts``         UTC time, ISO-8601 with microseconds and ``Z``: ``2026-11-02T10:00:00.000000Z``
    ``actor``      public principal id (``prn_…``, ``local:<name>``) or ``anonymous``
    ``action``     an :class:`AuditAction` value (``subject.read_pii``); see :data:`DESCRIPTIONS`
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
only a checkpoint saved elsewhere proves that. Hence signed checkpoints.

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
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT_VERSION = 1
GENESIS = bytes(32)
HASH_SIZE = 32
FIELDS = ("seq", "ts", "actor", "action", "target", "outcome", "request_id", "details")
OUTCOMES = frozenset({"ok", "denied", "failed", "error"})

# Limits enforced when sealing (they match the columns of compliance.audit.log.AuditEntry).
MAX_ID_LEN = 64
MAX_DETAILS_BYTES = 64 * 1024
MAX_DETAILS_DEPTH = 4
MAX_INT = 2**63 - 1
MIN_AUDIT_KEY_LEN = 16
MAX_CHECKPOINT_LEN = 16 * 1024

TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_DETAIL_KEY_RE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,18}")
_SIG_PREFIX = "\u2014 "  # em dash + space, as in signed notes
_ED25519_ALG = b"\x01"


class AuditAction(StrEnum):
    """Every action the audit trail records (value = text stored in the log). Meanings: DESCRIPTIONS."""

    SUBJECT_CREATE = "subject.create"
    SUBJECT_READ = "subject.read"
    SUBJECT_READ_PII = "subject.read_pii"
    SUBJECT_LOOKUP = "subject.lookup"
    SUBJECT_UPDATE = "subject.update"
    SUBJECT_IMPORT = "subject.import"
    SUBJECT_EXPORT = "subject.export"
    SUBJECT_SEGMENTS = "subject.segments"
    SUBJECT_ERASE = "subject.erase"
    CONSENT_GRANT = "consent.grant"
    CONSENT_WITHDRAW = "consent.withdraw"
    CONSENT_CONFIRM = "consent.confirm"
    CONSENT_OBJECTION = "consent.objection"
    CONSENT_GPC = "consent.gpc"
    CONSENT_EXPIRE = "consent.expire"
    CONSENT_READ = "consent.read"
    REQUEST_SUBMIT = "request.submit"
    REQUEST_VERIFY = "request.verify"
    REQUEST_EXTEND = "request.extend"
    REQUEST_APPROVE = "request.approve"
    REQUEST_REJECT = "request.reject"
    REQUEST_PROCESS = "request.process"
    REQUEST_EXPORT = "request.export"
    HYGIENE_VALIDATE = "hygiene.validate"
    HYGIENE_FIX = "hygiene.fix"
    HYGIENE_MERGE = "hygiene.merge"
    HYGIENE_UNMERGE = "hygiene.unmerge"
    HYGIENE_REJECT = "hygiene.reject"
    HYGIENE_DEDUPE = "hygiene.dedupe"
    RETENTION_RUN = "retention.run"
    KEYS_ROTATE = "keys.rotate"
    KEYS_REINDEX = "keys.reindex"
    KEYS_RETIRE = "keys.retire"
    PRINCIPAL_CREATE = "principal.create"
    PRINCIPAL_REVOKE = "principal.revoke"
    AUTH_FAILED = "auth.failed"
    AUTH_DENIED = "auth.denied"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    AUDIT_EXPORT = "audit.export"
    POLICY_RECORD = "policy.record"
    JOB_RUN = "job.run"

    @property
    def description(self) -> str:
        """One line saying what the action means."""
        return DESCRIPTIONS[self.value]


DESCRIPTIONS: dict[str, str] = {
    "consent.read": "A subject's consent history or a consent receipt was read.",
    "subject.create": "A data subject was created (API, CLI or import); target is the new subject id.",
    "subject.read": "A subject's record was read with personal data masked.",
    "subject.read_pii": "A subject's personal data was shown unmasked (Art. 32 / ASVS 8.3.5 audited access).",
    "subject.lookup": "Subjects were looked up by an identifier (blind index); details hold kind and count.",
    "subject.update": "A subject's fields were changed; details list the field names, never the values.",
    "subject.import": "A batch of an import was written; details count created, updated and read rows.",
    "subject.export": "Subjects were exported in bulk (CSV/JSON); details hold format, purpose and count.",
    "subject.segments": "Subjects were assigned to lifecycle segments; details hold the count.",
    "subject.erase": "A subject was erased: data key destroyed, indexes removed, identifiers suppressed.",
    "consent.grant": "A subject granted consent for a purpose and channel.",
    "consent.withdraw": "A subject withdrew consent for a purpose and channel.",
    "consent.confirm": "A double opt-in grant was confirmed by the subject.",
    "consent.objection": "A subject objected to processing (Art. 21) and is suppressed for that use.",
    "consent.gpc": "A Global Privacy Control signal (Sec-GPC: 1) recorded an opt-out of sale/sharing.",
    "consent.expire": "A consent reached the expiry set by its purpose and lapsed.",
    "request.submit": "A data-subject request was received (type and regime in details).",
    "request.verify": "The requester's identity was verified.",
    "request.extend": "The request's due date was extended once, as its regime allows.",
    "request.approve": "The request was approved for processing.",
    "request.reject": "The request was rejected; details hold the reason code.",
    "request.process": "The request was carried out (access bundle built, erasure or rectification done).",
    "request.export": "A request's access/portability bundle or erasure certificate was downloaded.",
    "hygiene.validate": "Records were validated (format, deliverability); details count results.",
    "hygiene.fix": "Normalisation fixes were applied to subject records.",
    "hygiene.merge": "Duplicate subjects were merged (with undo data); target is the surviving subject.",
    "hygiene.unmerge": "A merge was undone from its undo data.",
    "hygiene.reject": "A duplicate candidate pair was marked as distinct people.",
    "hygiene.dedupe": "Duplicate detection ran over the base (or a dry run); details count pairs and merges.",
    "retention.run": "The retention policy ran; details count deleted/anonymised rows and legal holds.",
    "keys.rotate": "A new key-encryption key version was added and data keys rewrapped.",
    "keys.reindex": "Blind indexes were recomputed under a new index key.",
    "keys.retire": "An old key-encryption key version was retired.",
    "principal.create": "A principal (person or service) and its API key were created.",
    "principal.revoke": "A principal or its API key was revoked.",
    "auth.failed": "Authentication failed (missing, malformed, unknown, expired or revoked key).",
    "auth.denied": "An authenticated principal was denied an action its role does not allow.",
    "audit.verify": "The audit chain was verified; details hold the result.",
    "audit.checkpoint": "A signed checkpoint of the audit chain was produced.",
    "audit.export": "The audit log was exported; details hold the entry count.",
    "policy.record": "The record of processing activities (Art. 30) was generated or exported.",
    "job.run": "A scheduled job ran; details hold the job name and counts.",
}


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


def _as_digest(value: Any) -> bytes | None:
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
    if isinstance(start, Checkpoint):
        return start.size, start.head
    seq, chain = start
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError("start seq must be an int >= 0")
    raw = _as_digest(chain)
    if raw is None:
        raise ValueError("start chain must be 32 bytes")
    return seq, raw


def verify(
    entries: Iterable[Mapping[str, Any]],
    audit_key: bytes,
    *,
    start: tuple[int, bytes] | Checkpoint | None = None,
    checkpoint: tuple[int, bytes] | Checkpoint | None = None,
) -> VerifyResult:
    """Recompute the chain and MACs in one streaming pass and stop at the first bad entry.

    Each item holds the eight fields plus ``chain`` and ``mac`` (bytes, memoryview or hex). Items must
    come in seq order starting right after ``start`` (default: seq 0 / :data:`GENESIS`; pass a trusted
    ``(seq, chain)`` or a verified :class:`Checkpoint` to resume after it).

    ``checkpoint`` (a verified :class:`Checkpoint` or trusted ``(size, head)`` at or after ``start``) adds
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
        stored_chain = _as_digest(cur.get("chain"))
        if stored_chain is None:
            return bad(seq, "stored chain value missing or not 32 bytes")
        stored_mac = _as_digest(cur.get("mac"))
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


# --------------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------------


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
    raw = _as_digest(chain_at_size)
    return raw is not None and hmac.compare_digest(raw, checkpoint.head)


__all__ = [
    "DESCRIPTIONS",
    "FIELDS",
    "FORMAT_VERSION",
    "GENESIS",
    "OUTCOMES",
    "AuditAction",
    "Checkpoint",
    "CheckpointError",
    "VerifyResult",
    "canonical",
    "check_consistent",
    "entry_hash",
    "format_ts",
    "key_id",
    "mac_of",
    "make_checkpoint",
    "next_chain",
    "parse_ts",
    "seal",
    "validate_entry",
    "verify",
    "verify_checkpoint",
]
