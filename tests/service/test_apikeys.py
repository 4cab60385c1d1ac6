"""compliance.access.apikeys: frozen format vectors, checksum strength, garbage tolerance, scanning and redaction."""

from __future__ import annotations

import ast
import binascii
import hashlib
import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.access import apikeys

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

# Known-answer vectors: changing alphabet order, checksum input or encoding breaks these on purpose
# (every key already handed out would start failing its checksum).
KAT_RANDOM = "0123456789ABCDEFGHIJabcdefghij"
KAT_KEY = "csk_0123456789ABCDEFGHIJabcdefghij4Us3aw"
KAT_HASH = hashlib.sha256(KAT_KEY.encode()).hexdigest()
KAT_MORE = {"A" * 30: "0uCPlr", "0" * 30: None}


def reference_checksum(random_part: str) -> str:
    """Independent re-implementation of the documented checksum."""
    value = binascii.crc32(random_part.encode())
    out = ""
    for _ in range(6):
        value, digit = divmod(value, 62)
        out = B62[digit] + out
    return out


def test_known_answer_vectors():
    assert apikeys.ALPHABET == B62
    assert apikeys.checksum_of(KAT_RANDOM) == "4Us3aw" == reference_checksum(KAT_RANDOM)
    assert apikeys.checksum_of("A" * 30) == "0uCPlr"
    assert apikeys.checksum_ok(KAT_KEY)
    assert apikeys.hash_key(KAT_KEY) == KAT_HASH  # hex SHA-256 of the whole key
    parsed = apikeys.parse(KAT_KEY)
    assert parsed == apikeys.ParsedKey(
        prefix_id="01234567", random=KAT_RANDOM, checksum="4Us3aw", last4="s3aw", checksum_valid=True
    )
    assert apikeys.display(parsed.prefix_id, parsed.last4) == "csk_01234567\u2026s3aw"


def test_generated_keys_have_the_documented_shape():
    seen = set()
    for _ in range(500):
        new = apikeys.generate()
        assert re.fullmatch(r"csk_[0-9A-Za-z]{36}", new.secret) and len(new.secret) == apikeys.KEY_LEN == 40
        body = new.secret[4:]
        assert body[30:] == reference_checksum(body[:30])
        assert new.prefix_id == body[:8] and new.last4 == new.secret[-4:]
        assert new.hash == hashlib.sha256(new.secret.encode()).hexdigest()
        assert new.display == f"csk_{new.prefix_id}\u2026{new.last4}"
        assert apikeys.checksum_ok(new.secret) and apikeys.matches(new.secret, new.hash)
        seen.add(new.secret)
    assert len(seen) == 500


def test_random_part_uses_the_whole_alphabet():
    chars = "".join(apikeys.generate().secret[4:34] for _ in range(300))
    assert set(chars) == set(B62)


def test_secrets_never_appear_in_reprs():
    new = apikeys.generate()
    parsed = apikeys.parse(new.secret)
    for obj in (new, parsed):
        text = repr(obj) + str(obj)
        assert new.secret not in text and new.secret[4:34] not in text and new.hash not in text


def test_round_trip():
    new = apikeys.generate()
    parsed = apikeys.parse(new.secret)
    assert parsed.checksum_valid
    assert (parsed.prefix_id, parsed.last4) == (new.prefix_id, new.last4)
    assert apikeys.PREFIX + parsed.random + parsed.checksum == new.secret


def test_every_single_character_substitution_fails_the_checksum():
    for _ in range(5):
        secret = apikeys.generate().secret
        for pos in range(len(secret)):
            for ch in B62 + "_-":
                if ch != secret[pos]:
                    assert not apikeys.checksum_ok(secret[:pos] + ch + secret[pos + 1 :])


def test_insertions_deletions_and_transpositions_fail():
    secret = apikeys.generate().secret
    for pos in range(len(secret)):
        assert not apikeys.checksum_ok(secret[:pos] + secret[pos + 1 :])
        assert not apikeys.checksum_ok(secret[:pos] + "a" + secret[pos:])
        swapped = secret[:pos] + secret[pos + 1 : pos + 2] + secret[pos] + secret[pos + 2 :]
        if swapped != secret:
            assert not apikeys.checksum_ok(swapped)


@settings(max_examples=2000, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 39), st.sampled_from(B62))
def test_property_a_one_character_change_fails_the_checksum(rnd, pos, ch):
    random_part = "".join(rnd.choice(B62) for _ in range(30))
    secret = "csk_" + random_part + apikeys.checksum_of(random_part)
    mutated = secret[:pos] + ch + secret[pos + 1 :]
    assert apikeys.checksum_ok(mutated) is (mutated == secret)


def test_random_multi_character_typos_are_caught_at_least_999_in_1000():
    rng = random.Random(20261102)
    trials, caught = 20_000, 0
    for _ in range(trials):
        body = list(apikeys.generate().secret[4:])
        original = "".join(body)
        while "".join(body) == original:
            for pos in rng.sample(range(36), rng.randint(2, 4)):
                body[pos] = rng.choice(B62)
        caught += not apikeys.checksum_ok("csk_" + "".join(body))
    assert caught / trials >= 0.999


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        42,
        4.2,
        b"csk_" + b"a" * 36,
        ["csk_"],
        "",
        "csk_",
        "csk_" + "a" * 36 + "\n",
        " " + KAT_KEY,
        KAT_KEY + " ",
        KAT_KEY.upper(),
        "CSK_" + KAT_KEY[4:],
        "ghp_" + KAT_KEY[4:],
        "csk-" + KAT_KEY[4:],
        "csk_" + "é" * 36,
        "csk_" + "０" * 36,
        "csk_" + "a" * 10**6,
        "\x00" * 40,
        "csk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ],
)
def test_garbage_is_rejected_without_raising(garbage):
    assert apikeys.parse(garbage) is None or not apikeys.parse(garbage).checksum_valid
    assert apikeys.checksum_ok(garbage) is False
    assert apikeys.matches(garbage, KAT_HASH) is False


def test_checksum_values_beyond_32_bits_are_invalid():
    assert apikeys.parse("csk_" + KAT_RANDOM + "zzzzzz").checksum_valid is False


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.binary(),
        st.none(),
        st.integers(),
        st.floats(),
        st.lists(st.text()),
        st.text(alphabet=B62 + "_", min_size=36, max_size=44).map(lambda t: "csk_" + t),
    )
)
def test_property_garbage_never_raises(value):
    parsed = apikeys.parse(value)
    assert parsed is None or isinstance(parsed, apikeys.ParsedKey)
    assert isinstance(apikeys.checksum_ok(value), bool)
    assert isinstance(apikeys.looks_like_key(value), bool)
    assert isinstance(apikeys.find_keys(value), list)
    assert apikeys.matches(value, KAT_HASH) is (value == KAT_KEY)


def test_matches_is_a_safe_hash_comparison():
    assert apikeys.matches(KAT_KEY, KAT_HASH)
    assert apikeys.matches(KAT_KEY, KAT_HASH.upper())
    assert not apikeys.matches(KAT_KEY, KAT_HASH[:-1] + "0" if KAT_HASH[-1] != "0" else KAT_HASH[:-1] + "1")
    assert not apikeys.matches(KAT_KEY, "é" * 64)
    assert not apikeys.matches(KAT_KEY, None)


def test_scanner_regex_finds_keys_in_text():
    new = apikeys.generate().secret
    for text in (new, f"Authorization: Bearer {new}", f'{{"key":"{new}"}}', f"key={new}&x=1", f"'{new}'\n"):
        assert apikeys.looks_like_key(text)
        assert apikeys.find_keys(text) == [new]
    for text in ("csk_short", "xcsk_" + new[4:], new + "a", "_" + new, "csk_" + "a" * 35, "no key here"):
        assert not apikeys.looks_like_key(text)
    # shaped like a key, wrong checksum: the regex flags it, the checksum filter drops it
    typo = new[:-1] + ("a" if new[-1] != "a" else "b")
    assert apikeys.looks_like_key(typo) and apikeys.find_keys(typo) == []
    assert apikeys.KEY_RE.pattern.startswith("(?<![0-9A-Za-z_])csk_")


def test_redact_keeps_keys_out_of_log_lines():
    new = apikeys.generate()
    line = f"401 for Authorization: Bearer {new.secret} (retry with {new.secret[:-3]} or {new.secret}xyz)"
    out = apikeys.redact(line)
    assert new.secret[12:] not in out and new.secret[12:-3] not in out
    assert out.count(f"csk_{new.prefix_id}\u2026[redacted]") == 3
    assert apikeys.redact("nothing secret") == "nothing secret"


def test_actors_are_built_only_by_act_as():
    """Every adapter (API key, admin session, CLI, scheduler) gets its Actor from compliance.access.actor.act_as."""
    root = Path(__file__).resolve().parents[2]
    builders = []
    for package in ("compliance", "api", "cli"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Actor":
                    builders.append(str(path.relative_to(root)))
    # act_as, Actor.through (same principal, another request) and the ANONYMOUS constant.
    assert builders == ["compliance/access/actor.py"] * 3
