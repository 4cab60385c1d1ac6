"""compliance.audit.chain and .checkpoints: frozen vectors, generated tamper vectors (proofgen style), laws."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.audit import chain as ac
from compliance.audit import checkpoints as cps
from compliance.audit.actions import DESCRIPTIONS, AuditAction
from compliance.audit.checkpoints import CheckpointError

# --------------------------------------------------------------------------------------------------
# Known-answer vectors. Any change of the canonical form, hashing, MAC or checkpoint layout breaks these
# on purpose: existing logs and saved checkpoints would stop verifying.
# --------------------------------------------------------------------------------------------------

KAT_KEY = bytes(range(32))
KAT_SIGNING_SEED = bytes(range(32, 64))
KAT_ENTRIES = [
    {
        "seq": 1,
        "ts": "2026-11-02T10:00:00.000000Z",
        "actor": "prn_abc",
        "action": "subject.create",
        "target": "sub_x1",
        "outcome": "ok",
        "request_id": "req_1",
        "details": {},
    },
    {
        "seq": 2,
        "ts": "2026-11-02T10:00:01.500000Z",
        "actor": "anonymous",
        "action": "auth.failed",
        "target": "",
        "outcome": "denied",
        "request_id": "",
        "details": {"reason": "key.checksum"},
    },
    {
        "seq": 3,
        "ts": "2026-11-02T10:00:02.000001Z",
        "actor": "local:оператор",
        "action": "subject.update",
        "target": "sub_x1",
        "outcome": "ok",
        "request_id": "req_3",
        "details": {"fields": ["email", "name"], "n": 2},
    },
]
KAT_CANONICAL = [
    b'{"action":"subject.create","actor":"prn_abc","details":{},"outcome":"ok","request_id":"req_1",'
    b'"seq":1,"target":"sub_x1","ts":"2026-11-02T10:00:00.000000Z"}',
    b'{"action":"auth.failed","actor":"anonymous","details":{"reason":"key.checksum"},"outcome":"denied",'
    b'"request_id":"","seq":2,"target":"","ts":"2026-11-02T10:00:01.500000Z"}',
    '{"action":"subject.update","actor":"local:оператор","details":{"fields":["email","name"],"n":2},'
    '"outcome":"ok","request_id":"req_3","seq":3,"target":"sub_x1","ts":"2026-11-02T10:00:02.000001Z"}'.encode(),
]
KAT_ENTRY_HASH = [
    "4329b6867bb29cc7d8d3c83ea960678772956456cf900fb98e000e5053403a31",
    "f48f12f4f4642b29385d717965d9aaf4331315c62006b73e1f5358a3952ffd18",
    "9471bc1ee03c221e6bb73f0f984671c4315ead885e2d3b2453af2d723feac95d",
]
KAT_CHAIN = [
    "e7e53225172c8e2a81561e2c7f14b9662207b4ff604fd0b2662528fffba67173",
    "3cb9c105c392a98d145618e24c364e88a6b3993181697eabee3ed2d46dfa789d",
    "c5424b7fd41f93928cce1a927b9b1def11200ec8f6e3ef42cc3766e63a39a1cb",
]
KAT_MAC = [
    "30df91aaba77639a93a766e6d61c29345abaf818f66621d3c319e8d4a021451e",
    "de0854706f66e5038aaa370139a074cd2ccbeb693711c17df394a0d55a49e644",
    "f06243a62a5384d7b91c413812fef44fbdd15b65d74f0a36695cb5b111ffe6a1",
]
KAT_CHECKPOINT = (
    "consentry/test\n"
    "3\n"
    "xUJLf9Qfk5KMzhqSe5sd7xEgDsj24+9CzDdm5jo5ocs=\n"
    "time 2026-11-02T10:05:00.000000Z\n"
    "\n"
    "\u2014 consentry/test "
    "0Pfod07OuuGPrrVnrhMYsUKW+eKEXQ/5tsFa2pSuyoD4CPSjHS9A4kGw+akxrqw3Oe/33CXtkwEE/yoTaxvBbbpkQwg=\n"
)


def test_known_answer_vectors():
    prev = ac.GENESIS
    for entry, canon, ehash, chain, mac in zip(
        KAT_ENTRIES, KAT_CANONICAL, KAT_ENTRY_HASH, KAT_CHAIN, KAT_MAC, strict=True
    ):
        assert ac.canonical(entry) == canon
        assert ac.entry_hash(entry).hex() == ehash
        got_chain, got_mac = ac.seal(entry, prev, KAT_KEY)
        assert (got_chain.hex(), got_mac.hex()) == (chain, mac)
        prev = got_chain


def test_vectors_follow_the_documented_formula_independently():
    """Recompute the chain with nothing but json/hashlib/hmac, as an external auditor would."""
    prev = bytes(32)
    for entry, chain, mac in zip(KAT_ENTRIES, KAT_CHAIN, KAT_MAC, strict=True):
        canon = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        prev = hashlib.sha256(prev + hashlib.sha256(b"\x00" + canon).digest()).digest()
        assert prev.hex() == chain
        assert hmac.new(KAT_KEY, prev, hashlib.sha256).hexdigest() == mac


def test_known_answer_checkpoint():
    sk = Ed25519PrivateKey.from_private_bytes(KAT_SIGNING_SEED)
    text = cps.make_checkpoint("consentry/test", 3, bytes.fromhex(KAT_CHAIN[-1]), sk, datetime(2026, 11, 2, 10, 5))
    assert text == KAT_CHECKPOINT
    cp = cps.verify_checkpoint(KAT_CHECKPOINT, sk.public_key())
    assert cp == cps.Checkpoint("consentry/test", 3, bytes.fromhex(KAT_CHAIN[-1]), datetime(2026, 11, 2, 10, 5))
    # Signed-note key id: SHA-256(name || "\n" || 0x01 || public key)[:4], then the signature over the body.
    blob = base64.b64decode(text.rsplit(" ", 1)[1])
    pub = sk.public_key().public_bytes_raw()
    assert blob[:4] == hashlib.sha256(b"consentry/test\n\x01" + pub).digest()[:4]
    sk.public_key().verify(blob[4:], text.split("\n\n")[0].encode() + b"\n")


def test_verify_accepts_the_kat_log_in_every_storage_form():
    rows = [
        {**e, "chain": bytes.fromhex(c), "mac": bytes.fromhex(m)}
        for e, c, m in zip(KAT_ENTRIES, KAT_CHAIN, KAT_MAC, strict=True)
    ]
    hexed = [{**e, "chain": c, "mac": m} for e, c, m in zip(KAT_ENTRIES, KAT_CHAIN, KAT_MAC, strict=True)]
    views = [{**r, "chain": memoryview(r["chain"]), "mac": bytearray(r["mac"])} for r in rows]
    for form in (rows, hexed, views):
        result = ac.verify(form, KAT_KEY)
        assert result == ac.VerifyResult(True, 3, None, None, 3, bytes.fromhex(KAT_CHAIN[-1]))


# --------------------------------------------------------------------------------------------------
# A 50-entry log and the tamper vectors generated from it
# --------------------------------------------------------------------------------------------------

KEY = b"k" * 32
OTHER_KEY = b"x" * 32
N = 50
ACTIONS = list(AuditAction)
T0 = datetime(2026, 11, 2, 9, 0, 0)


def make_entry(seq: int) -> dict:
    return {
        "seq": seq,
        "ts": ac.format_ts(T0 + timedelta(seconds=seq, microseconds=seq)),
        "actor": "anonymous" if seq % 7 == 0 else f"prn_{seq:04d}",
        "action": ACTIONS[seq % len(ACTIONS)].value,
        "target": "" if seq % 5 == 0 else f"sub_{seq:06d}",
        "outcome": ["ok", "denied", "failed", "error"][seq % 4],
        "request_id": f"req_{seq}",
        "details": {"count": seq, "fields": ["email"]} if seq % 2 else {},
    }


def seal_all(entries: list[dict], key: bytes = KEY, prev: bytes = ac.GENESIS) -> list[dict]:
    out = []
    for entry in entries:
        chain, mac = ac.seal({f: entry[f] for f in ac.FIELDS}, prev, key)
        out.append({**{f: entry[f] for f in ac.FIELDS}, "chain": chain, "mac": mac})
        prev = chain
    return out


LOG = seal_all([make_entry(i) for i in range(1, N + 1)])


def fresh() -> list[dict]:
    return [dict(e, details=json.loads(json.dumps(e["details"]))) for e in LOG]


def check(entries, first_bad: int | None, **kw) -> ac.VerifyResult:
    result = ac.verify(entries, KEY, **kw)
    assert result.first_bad_seq == first_bad, result
    assert result.ok is (first_bad is None)
    if first_bad is not None:
        assert result.reason
    return result


def test_the_untouched_log_verifies():
    result = check(fresh(), None)
    assert result.entries == N and result.last_seq == N and result.head == LOG[-1]["chain"]


def test_an_empty_log_verifies():
    assert ac.verify([], KEY) == ac.VerifyResult(True, 0, None, None, 0, ac.GENESIS)


def _other_ts(v):
    return ac.format_ts(ac.parse_ts(v) + timedelta(microseconds=1))


MUTATIONS = {
    "ts": _other_ts,
    "actor": lambda v: "prn_mallory",
    "action": lambda v: "subject.erase" if v != "subject.erase" else "subject.read",
    "target": lambda v: v + "x",
    "outcome": lambda v: "ok" if v != "ok" else "denied",
    "request_id": lambda v: v + "0",
    "details": lambda v: {**v, "count": -1},
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_every_single_field_change_in_every_entry_is_detected(name):
    for k in range(1, N + 1):
        log = fresh()
        log[k - 1][name] = MUTATIONS[name](log[k - 1][name])
        result = check(log, k)
        assert result.entries == k - 1 and result.last_seq == k - 1
        assert "chain mismatch" in result.reason


def test_subtle_detail_changes_are_detected():
    for k in (1, 2, 3, 25, 50):
        for new in (
            {"fields": ["email"], "count": k + 1},
            {"count": k, "fields": ["email"], "x": None},
            {"count": str(k), "fields": ["email"]},
            {"count": k, "fields": ["email", "phone"]},
            {},
        ):
            log = fresh()
            if log[k - 1]["details"] == new:
                continue
            log[k - 1]["details"] = new
            check(log, k)


def test_changing_a_seq_is_detected():
    for k in range(1, N + 1):
        for new_seq in (k - 1, k + 1, k + 100, -k):
            log = fresh()
            log[k - 1]["seq"] = new_seq
            # A larger seq on the very last entry is indistinguishable from deleted entries before it:
            # it is then reported under its own (new) seq, like any gap.
            expected = new_seq if (k == N and new_seq > k) else k
            check(log, expected)


@pytest.mark.parametrize("garbage", [None, "5", 5.0, True, [1]])
def test_malformed_seq_or_items_never_raise(garbage):
    log = fresh()
    log[9]["seq"] = garbage
    check(log, 10)
    log = fresh()
    log[9] = garbage
    check(log, 10)


@pytest.mark.parametrize("name", ac.FIELDS[1:])
def test_a_missing_or_unserialisable_field_is_detected(name):
    log = fresh()
    del log[19][name]
    assert "malformed" in check(log, 20).reason
    log = fresh()
    log[19][name] = {1: object()}
    check(log, 20)


def test_deleting_each_entry_is_detected_at_the_seq_after_the_gap():
    for k in range(1, N):
        log = fresh()
        del log[k - 1]
        result = check(log, k + 1)
        assert "missing" in result.reason and result.entries == k - 1


def test_deleting_the_newest_entry_is_not_visible_without_a_checkpoint():
    """Documented limit: truncating the tail leaves a valid shorter chain. Checkpoints catch it (below)."""
    assert check(fresh()[:-1], None).entries == N - 1


@pytest.mark.parametrize(("lo", "hi"), [(1, 2), (5, 9), (1, 49), (30, 49), (49, 49)])
def test_deleting_a_range_is_detected(lo, hi):
    log = fresh()
    del log[lo - 1 : hi]
    result = check(log, hi + 1)
    assert str(lo) in result.reason


def _swap_rows(log, a, b):
    """Swap whole rows (their seq moves with them), as reordering lines of an export would."""
    log[a - 1], log[b - 1] = log[b - 1], log[a - 1]


def _swap_contents(log, a, b):
    """Swap everything but seq (seq is the primary key in the table)."""
    for name in [*ac.FIELDS[1:], "chain", "mac"]:
        log[a - 1][name], log[b - 1][name] = log[b - 1][name], log[a - 1][name]


PAIRS = [(k, k + 1) for k in range(1, N)] + [(1, N), (4, 9), (10, 40), (1, 3), (25, 50), (2, 49)]


@pytest.mark.parametrize("swap", [_swap_rows, _swap_contents])
def test_swapping_adjacent_and_distant_entries_is_detected_at_the_first_position(swap):
    for a, b in PAIRS:
        log = fresh()
        swap(log, a, b)
        check(log, a)


def test_inserting_a_forged_entry_and_renumbering_is_detected():
    for k in (0, 1, 10, 25, 49):
        log = fresh()
        forged = dict(log[k - 1] if k else log[0], actor="prn_mallory")
        for row in log[k:]:
            row["seq"] += 1
        forged["seq"] = k + 1
        log.insert(k, forged)
        check(log, k + 1)


def test_inserting_an_entry_resealed_under_another_key_is_detected():
    """Someone with table access but not the audit key can recompute hashes, not MACs."""
    for k in (0, 7, 49):
        log = fresh()
        prev = log[k - 1]["chain"] if k else ac.GENESIS
        forged = make_entry(k + 1) | {"actor": "prn_mallory"}
        rest = [
            make_entry(i + 1) | {k_: v for k_, v in log[i - 1].items() if k_ not in ("seq", "chain", "mac")}
            for i in range(k + 1, N + 1)
        ]
        resealed = seal_all([forged, *rest], key=OTHER_KEY, prev=prev)
        result = check(log[:k] + resealed, k + 1)
        assert "MAC" in result.reason


def test_rewriting_the_tail_with_a_recomputed_chain_is_detected_by_the_mac():
    log = fresh()
    tail = seal_all([make_entry(i) | {"outcome": "ok"} for i in range(30, N + 1)], key=OTHER_KEY, prev=log[28]["chain"])
    check(log[:29] + tail, 30)


def test_replaying_an_entry_is_detected():
    for k in (1, 20, 50):
        log = fresh()
        log.insert(k, dict(log[k - 1]))
        check(log, k + 1)


def test_appending_a_forged_entry_is_detected():
    log = fresh()
    log.append(dict(log[-1], seq=N + 1))
    check(log, N + 1)
    log = fresh()
    extra = make_entry(N + 1)
    chain, _ = ac.seal(extra, log[-1]["chain"], OTHER_KEY)
    log.append({**extra, "chain": chain, "mac": ac.mac_of(chain, OTHER_KEY)})
    check(log, N + 1)


@pytest.mark.parametrize("k", [1, 2, 25, 49, 50])
@pytest.mark.parametrize("name", ["chain", "mac"])
def test_every_bit_flip_in_chain_and_mac_is_detected(k, name):
    for bit in range(256):
        log = fresh()
        value = bytearray(log[k - 1][name])
        value[bit // 8] ^= 1 << (bit % 8)
        log[k - 1][name] = bytes(value)
        check(log, k)


@pytest.mark.parametrize("k", [1, 33, 50])
@pytest.mark.parametrize("name", ["chain", "mac"])
@pytest.mark.parametrize(
    "damage",
    [
        lambda v: v[:-1],
        lambda v: v[:16],
        lambda v: b"",
        lambda v: v + b"\x00",
        lambda v: None,
        lambda v: v.hex()[:-2],
        lambda v: v.hex()[:-1] + "g",
        lambda v: 12345,
        lambda v: bytes(32),
    ],
)
def test_truncated_malformed_or_zeroed_chain_and_mac_are_detected(k, name, damage):
    log = fresh()
    log[k - 1][name] = damage(log[k - 1][name])
    check(log, k)


def test_a_mac_made_with_another_key_or_moved_from_another_entry_is_detected():
    log = fresh()
    log[9]["mac"] = ac.mac_of(log[9]["chain"], OTHER_KEY)
    assert "MAC" in check(log, 10).reason
    log = fresh()
    log[9]["mac"] = log[10]["mac"]
    check(log, 10)
    assert not ac.verify(fresh(), OTHER_KEY).ok


def test_resuming_after_a_trusted_point():
    log = fresh()
    start = (20, log[19]["chain"])
    result = check(log[20:], None, start=start)
    assert (result.entries, result.last_seq, result.head) == (N - 20, N, log[-1]["chain"])
    check(log[20:], None, start=(20, log[19]["chain"].hex()))
    # tampering after the resume point is found
    tampered = fresh()
    tampered[34]["actor"] = "prn_mallory"
    check(tampered[20:], 35, start=start)
    # a wrong start value, or entries that do not begin right after it, are rejected at once
    check(log[20:], 21, start=(20, log[18]["chain"]))
    check(log[21:], 22, start=start)
    check(log[19:], 21, start=start)
    # resuming from a verified checkpoint object
    sk = Ed25519PrivateKey.generate()
    cp = cps.verify_checkpoint(cps.make_checkpoint("consentry/x", 20, log[19]["chain"], sk, T0), sk.public_key())
    check(log[20:], None, start=cp)


def test_bad_keys_and_start_values_are_programming_errors():
    with pytest.raises(ValueError):
        ac.verify(fresh(), b"short")
    with pytest.raises(ValueError):
        ac.verify(fresh(), KEY, start=(-1, ac.GENESIS))
    with pytest.raises(ValueError):
        ac.verify(fresh(), KEY, start=(0, b"\x00"))


def test_verify_streams_a_generator_and_stops_at_the_first_bad_entry():
    pulled = []

    def rows():
        for row in fresh():
            pulled.append(row["seq"])
            if row["seq"] == 10:
                row = dict(row, target="sub_forged")
            yield row

    assert ac.verify(rows(), KEY).first_bad_seq == 10
    assert pulled == list(range(1, 12))  # one entry of lookahead, no more


# --------------------------------------------------------------------------------------------------
# Sealing rules
# --------------------------------------------------------------------------------------------------


def test_seal_accepts_enum_actions_and_hashes_them_as_their_value():
    entry = make_entry(1)
    assert ac.seal(entry | {"action": AuditAction(entry["action"])}, ac.GENESIS, KEY) == ac.seal(entry, ac.GENESIS, KEY)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 0},
        {"seq": True},
        {"seq": "1"},
        {"ts": "2026-11-02T09:00:01Z"},
        {"ts": "2026-11-02 09:00:01.000000Z"},
        {"ts": "2026-11-02T09:00:01.000000+00:00"},
        {"actor": ""},
        {"actor": "a" * 65},
        {"actor": "prn_1\nforged"},
        {"action": "subject.delete"},
        {"target": "ivan.petrov@gmail.com"},
        {"target": "sub_\x00"},
        {"outcome": "OK"},
        {"request_id": 5},
        {"details": None},
        {"details": {"ratio": 0.5}},
        {"details": {"bad key": 1}},
        {"details": {"n": float("nan")}},
        {"details": {"s": "a\x00b"}},
        {"details": {"n": 2**64}},
        {"details": {"blob": b"x"}},
        {"details": {"a": {"b": {"c": {"d": {"e": 1}}}}}},
        {"details": {"ids": ["sub_" + "x" * 60] * 2000}},
        {"extra": 1},
    ],
)
def test_seal_rejects_malformed_entries(change):
    with pytest.raises(ValueError):
        ac.seal(make_entry(1) | change, ac.GENESIS, KEY)


def test_seal_rejects_missing_fields_bad_prev_and_short_keys():
    entry = make_entry(1)
    del entry["details"]
    with pytest.raises(ValueError):
        ac.seal(entry, ac.GENESIS, KEY)
    with pytest.raises(ValueError):
        ac.seal(make_entry(1), b"\x00" * 31, KEY)
    with pytest.raises(ValueError):
        ac.seal(make_entry(1), ac.GENESIS, b"k" * 15)


def test_timestamps_are_utc_with_microseconds_and_z():
    assert ac.format_ts(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000000Z"
    moscow = timezone(timedelta(hours=3))
    assert ac.format_ts(datetime(2026, 1, 2, 6, 4, 5, 7, tzinfo=moscow)) == "2026-01-02T03:04:05.000007Z"
    assert ac.parse_ts("2026-01-02T03:04:05.000007Z") == datetime(2026, 1, 2, 3, 4, 5, 7)
    assert ac.format_ts(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"


def test_every_action_is_documented():
    assert set(DESCRIPTIONS) == {a.value for a in AuditAction}
    assert all(d.strip() and "\n" not in d for d in DESCRIPTIONS.values())
    assert AuditAction.SUBJECT_READ_PII.description.startswith("A subject's personal data")
    required = [
        "subject.create",
        "subject.read",
        "subject.read_pii",
        "subject.update",
        "subject.import",
        "subject.export",
        "subject.erase",
        "consent.grant",
        "consent.withdraw",
        "consent.confirm",
        "consent.objection",
        "consent.gpc",
        "request.submit",
        "request.verify",
        "request.extend",
        "request.approve",
        "request.reject",
        "request.process",
        "request.export",
        "hygiene.validate",
        "hygiene.fix",
        "hygiene.merge",
        "hygiene.unmerge",
        "hygiene.reject",
        "retention.run",
        "keys.rotate",
        "keys.reindex",
        "keys.retire",
        "principal.create",
        "principal.revoke",
        "auth.failed",
        "auth.denied",
        "audit.checkpoint",
        "audit.export",
        "policy.record",
        "job.run",
    ]
    assert set(required) <= set(DESCRIPTIONS)
    assert json.dumps(DESCRIPTIONS)  # JSON-ready for docs and the API


# --------------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------------

SK = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
PK = SK.public_key()


def _cp(size=N, head=None, origin="consentry/prod"):
    return cps.make_checkpoint(origin, size, LOG[size - 1]["chain"] if head is None else head, SK, T0)


def test_checkpoint_round_trip_and_consistency():
    text = _cp()
    cp = cps.verify_checkpoint(text, PK)
    assert (cp.origin, cp.size, cp.head, cp.ts) == ("consentry/prod", N, LOG[-1]["chain"], T0)
    assert cps.verify_checkpoint(text.encode(), PK) == cp
    assert cps.check_consistent(cp, LOG[N - 1]["chain"])
    assert cps.check_consistent(cp, LOG[N - 1]["chain"].hex())
    assert not cps.check_consistent(cp, LOG[N - 2]["chain"])
    assert not cps.check_consistent(cp, None)


def test_empty_log_checkpoint():
    cp = cps.verify_checkpoint(cps.make_checkpoint("consentry/prod", 0, ac.GENESIS, SK, T0), PK)
    assert cp.size == 0 and cp.head == ac.GENESIS
    assert cps.check_consistent(cp, None) and cps.check_consistent(cp, ac.GENESIS)
    with pytest.raises(ValueError):
        cps.make_checkpoint("consentry/prod", 0, b"\x01" * 32, SK, T0)


def test_every_bit_flip_of_a_checkpoint_is_rejected():
    raw = _cp().encode()
    for i in range(len(raw)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[i] ^= 1 << bit
            with pytest.raises(CheckpointError):
                cps.verify_checkpoint(bytes(flipped), PK)


def test_checkpoint_with_changed_size_head_or_signature_is_rejected():
    text = _cp(size=10)
    origin, size, head, time, blank, sig, end = text.split("\n")
    forged_head = base64.b64encode(LOG[10]["chain"]).decode()
    sig_raw = bytearray(base64.b64decode(sig.split(" ")[2]))
    sig_raw[-1] ^= 0x80
    bad_sig = f"\u2014 {origin} {base64.b64encode(bytes(sig_raw)).decode()}"
    for lines in (
        [origin, "11", head, time, blank, sig, end],
        [origin, "010", head, time, blank, sig, end],
        [origin, size, forged_head, time, blank, sig, end],
        [origin, size, head, "time 2027-01-01T00:00:00.000000Z", blank, sig, end],
        [origin, size, head, time, blank, bad_sig, end],
        [origin, size, head, time, blank, end],
        [origin, size, head, time, "extension", blank, sig, end],
        [origin, size, head, blank, sig, end],
        [origin, size, head, time, blank, sig],
    ):
        with pytest.raises(CheckpointError):
            cps.verify_checkpoint("\n".join(lines), PK)


def test_checkpoint_rejects_other_keys_origins_and_junk():
    text = _cp()
    with pytest.raises(CheckpointError):
        cps.verify_checkpoint(text, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(CheckpointError):
        cps.verify_checkpoint(text.replace("consentry/prod", "consentry/other"), PK)
    for junk in ("", "\n\n", "a\n1\nAAAA\n\n", "x" * 20000, text.replace("\n", "\r\n"), 42, None):
        with pytest.raises(CheckpointError):
            cps.verify_checkpoint(junk, PK)
    with pytest.raises(CheckpointError):
        cps.verify_checkpoint(b"\xff\xfe", PK)


def _twin(b64text: str) -> str:
    """Another spelling of the same bytes: flip an unused low bit of the last data character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stripped = b64text.rstrip("=")
    twin = stripped[:-1] + alphabet[alphabet.index(stripped[-1]) ^ 1] + b64text[len(stripped) :]
    assert twin != b64text and base64.b64decode(twin) == base64.b64decode(b64text)
    return twin


def _signed(body: str) -> str:
    blob = cps.key_id("consentry/prod", PK) + SK.sign(body.encode())
    return f"{body}\n\u2014 consentry/prod {base64.b64encode(blob).decode()}\n"


def test_non_canonical_base64_is_rejected_even_when_validly_signed():
    head = base64.b64encode(LOG[-1]["chain"]).decode()
    body = f"consentry/prod\n{N}\n{head}\ntime {ac.format_ts(T0)}\n"
    assert cps.verify_checkpoint(_signed(body), PK).size == N
    with pytest.raises(CheckpointError, match="non-canonical"):
        cps.verify_checkpoint(_signed(body.replace(head, _twin(head))), PK)
    text = _signed(body)
    sig = text.rsplit(" ", 1)[1].rstrip("\n")
    with pytest.raises(CheckpointError, match="non-canonical"):
        cps.verify_checkpoint(text.replace(sig, _twin(sig)), PK)


def test_witness_cosignatures_are_ignored_but_must_be_well_formed():
    text = _cp()
    witness = Ed25519PrivateKey.generate()
    body = text.split("\n\n")[0] + "\n"
    wsig = cps.key_id("witness.example", witness.public_key()) + witness.sign(body.encode())
    cosigned = text + f"\u2014 witness.example {base64.b64encode(wsig).decode()}\n"
    assert cps.verify_checkpoint(cosigned, PK).size == N
    with pytest.raises(CheckpointError):
        cps.verify_checkpoint(text + "\u2014 witness.example not-base64!\n", PK)
    with pytest.raises(CheckpointError):
        cps.verify_checkpoint(text + "garbage\n", PK)


@pytest.mark.parametrize("origin", ["", "has space", "a+b", "tab\there", "new\nline", "x" * 256])
def test_make_checkpoint_rejects_bad_origins(origin):
    with pytest.raises(ValueError):
        cps.make_checkpoint(origin, 1, LOG[0]["chain"], SK, T0)


def test_make_checkpoint_rejects_bad_size_and_head():
    for size, head in ((-1, LOG[0]["chain"]), (True, LOG[0]["chain"]), (1, b"short"), (1, "00" * 32)):
        with pytest.raises(ValueError):
            cps.make_checkpoint("consentry/prod", size, head, SK, T0)


def test_a_checkpoint_catches_truncation_and_rewritten_history():
    cp = cps.verify_checkpoint(_cp(size=N), PK)
    # Truncation: the shorter log still verifies on its own, but no longer contains entry N.
    truncated = fresh()[:45]
    assert ac.verify(truncated, KEY).ok
    chain_at = {e["seq"]: e["chain"] for e in truncated}
    assert not cps.check_consistent(cp, chain_at.get(cp.size))
    # History rewritten by someone holding the audit key: verifies, yet differs from the signed head.
    rewritten = fresh()[:40] + seal_all(
        [make_entry(i) | {"outcome": "ok"} for i in range(41, N + 1)], prev=LOG[39]["chain"]
    )
    assert ac.verify(rewritten, KEY).ok
    assert not cps.check_consistent(cp, rewritten[N - 1]["chain"])
    # A consistent prefix checkpoint still holds for a longer log.
    early = cps.verify_checkpoint(_cp(size=30), PK)
    assert cps.check_consistent(early, fresh()[29]["chain"])


def test_verify_with_a_checkpoint_catches_truncation_and_rewrites_in_one_pass():
    cp = cps.verify_checkpoint(_cp(size=40), PK)
    assert check(fresh(), None, checkpoint=cp).entries == N
    assert check(fresh()[:40], None, checkpoint=cp).entries == 40
    for keep in (0, 1, 39):
        result = check(fresh()[:keep], keep + 1, checkpoint=cp)
        assert "truncated" in result.reason
    rewritten = fresh()[:30] + seal_all(
        [make_entry(i) | {"outcome": "ok"} for i in range(31, N + 1)], prev=LOG[29]["chain"]
    )
    assert ac.verify(rewritten, KEY).ok
    assert "rewritten" in check(rewritten, 40, checkpoint=cp).reason
    # tampering before the checkpoint is still named precisely
    tampered = fresh()
    tampered[11]["target"] = "sub_other"
    check(tampered, 12, checkpoint=cp)
    # with a resume point: the checkpoint may sit at it or after it, never before
    start = (20, LOG[19]["chain"])
    check(fresh()[20:], None, start=start, checkpoint=cp)
    check(fresh()[20:], None, start=start, checkpoint=(20, LOG[19]["chain"]))
    check(fresh()[20:], 20, start=start, checkpoint=(20, LOG[18]["chain"]))
    with pytest.raises(ValueError):
        ac.verify(fresh()[20:], KEY, start=start, checkpoint=(10, LOG[9]["chain"]))
    empty = cps.verify_checkpoint(cps.make_checkpoint("consentry/prod", 0, ac.GENESIS, SK, T0), PK)
    check([], None, checkpoint=empty)


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------

_ids = st.from_regex(r"[a-z]{3}_[a-z0-9]{1,20}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_details = st.dictionaries(
    st.from_regex(r"[a-z_]{1,10}", fullmatch=True),
    st.one_of(st.integers(-(2**63) + 1, 2**63 - 1), st.booleans(), st.none(), _text, st.lists(_text, max_size=4)),
    max_size=4,
)
_entry = st.fixed_dictionaries(
    {
        "ts": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(ac.format_ts),
        "actor": st.one_of(st.just("anonymous"), _ids),
        "action": st.sampled_from(ACTIONS).map(str),
        "target": st.one_of(st.just(""), _ids),
        "outcome": st.sampled_from(sorted(ac.OUTCOMES)),
        "request_id": st.one_of(st.just(""), _ids),
        "details": _details,
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_entry, max_size=12), st.binary(min_size=16, max_size=64))
def test_property_sealed_entries_verify_also_after_a_json_round_trip(raw, key):
    entries = [{"seq": i, **e} for i, e in enumerate(raw, start=1)]
    log = seal_all(entries, key=key)
    assert ac.verify(log, key) == ac.VerifyResult(
        True, len(log), None, None, len(log), log[-1]["chain"] if log else ac.GENESIS
    )
    exported = [
        json.loads(json.dumps({**e, "chain": e["chain"].hex(), "mac": e["mac"].hex()}, ensure_ascii=False)) for e in log
    ]
    assert ac.verify(exported, key).ok


@settings(max_examples=150, deadline=None)
@given(st.lists(_entry, min_size=1, max_size=10), st.data())
def test_property_any_field_change_is_detected_at_its_seq(raw, data):
    log = seal_all([{"seq": i, **e} for i, e in enumerate(raw, start=1)])
    k = data.draw(st.integers(1, len(log)))
    name = data.draw(st.sampled_from(ac.FIELDS[1:]))
    new = data.draw(_entry)[name]
    if new == log[k - 1][name]:
        return
    log[k - 1][name] = new
    assert ac.verify(log, KEY).first_bad_seq == k
