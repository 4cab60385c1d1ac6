"""Blocking: which record pairs are worth scoring.

Each record gets several keys, each from one named rule (RULES: email mailbox, phone, messenger id, given name
with surname, a name token with the birth date, surname with postcode, birth date with postcode or city, given
name with postcode, house number with street ...). Records sharing a key form a block; pairs within a block are
candidates. Keys are built from canonical forms, so they survive transliteration schemes, ё/е, diminutives
(the canonical given name), swapped first and last names (order-insensitive name keys) and ФИО typed into one
field (the features split it). Oversized blocks (an office switchboard, "Иванов" in Moscow) are split by the
person's name tokens and skipped if still too large, so work grows roughly linearly with the number of records.

For memory, keys are hashed into arrays of ints (key hash | rule | record index) instead of dicts of lists,
bucketed by hash and sorted one bucket at a time; pairs are collected as ints (i * n + j), bucketed by i,
sorted and de-duplicated.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from hygiene.features import FREE_MAIL_DOMAINS, Features, features

DEFAULT_MAX_BLOCK_SIZE = 200
_BUCKET_BITS = 4
_PAIR_BUCKETS = 16
_RULE_BITS = 5

# Rule code (the key's prefix) -> what the rule blocks on, for reports. The order is the rules' index.
RULES: Mapping[str, str] = {
    "e": "email mailbox",
    "p": "phone",
    "q": "phone subscriber number (last 7 digits)",
    "c": "messenger id",
    "n": "given name + surname",
    "b": "name token + birth date (day/month either way)",
    "lp": "surname + postcode",
    "d": "surname + company email domain",
    "lc": "given name + surname + city",
    "bp": "birth date + postcode",
    "bc": "birth date + city",
    "fp": "given name + postcode",
    "hs": "house number + street word",
}
_RULE_INDEX = {code: index for index, code in enumerate(RULES)}
assert len(RULES) < 1 << _RULE_BITS


def _name_tokens(f: Features) -> tuple[list[str], list[str]]:
    """Blocking tokens for the given name and the surname: a canonical name when known, else phonetic."""
    first = sorted(f.first_groups) if f.first_groups else ([f.phonetic_first] if f.phonetic_first else [])
    if f.last_groups and not f.first_groups:
        last = sorted(f.last_groups)  # first and last typed the wrong way round
    else:
        last = [f.phonetic_last] if f.phonetic_last else []
    return first, last


def _street_word(street: str) -> str:
    """The street's longest word: its name rather than "street" or "road" (numbers and remnants left out)."""
    words = [t for t in street.split() if not t.isdigit() and len(t) > 3]
    return max(words, key=lambda w: (len(w), w)) if words else ""


def block_keys(f: Features) -> list[str]:
    """All blocking keys of one record (strings "rule|value..."; hashed later)."""
    keys: list[str] = [f"e|{c}" for c in f.email_canon]
    for phone in f.phones:
        keys.append(f"p|{phone}")
        if len(phone) >= 11:
            keys.append(f"q|{phone[-7:]}")  # same subscriber number typed with another country/area code
    keys.extend(f"c|{channel}|{value}" for channel, value in f.channels)
    first, last = _name_tokens(f)
    for a in first:
        for b in last:
            x, y = sorted((a, b))
            keys.append(f"n|{x}|{y}")
    date_key = ""
    if f.birth:
        year, month, day = f.birth
        # Day and month in sorted order so a day/month swap lands in the same block; every name token
        # gets a key so a changed surname or a swapped first/last still meets.
        date_key = f"{year}{min(month, day):02d}{max(month, day):02d}"
        keys.extend(f"b|{token}|{date_key}" for token in first + last)
    # When no token is a known given name we cannot tell which one is the surname: key on both.
    surnames = last[:1] + (first[:1] if not (f.first_groups or f.last_groups) else [])
    for surname in surnames:
        if f.postcode:
            keys.append(f"lp|{surname}|{f.postcode}")
        keys.extend(f"d|{domain}|{surname}" for domain in f.email_domains - FREE_MAIL_DOMAINS)
    if f.city:
        # Whole name + city: splits the huge blocks of common names ("Иван Иванов") that "n|" gives up on.
        keys.extend(f"lc|{k[2:]}|{f.city}" for k in keys if k.startswith("n|"))
    # Keys without the surname: a misspelt, changed or missing surname must still meet its other records.
    if date_key:
        if f.postcode:
            keys.append(f"bp|{date_key}|{f.postcode}")
        if f.city:
            keys.append(f"bc|{date_key}|{f.city}")
    if f.postcode:
        keys.extend(f"fp|{token}|{f.postcode}" for token in first[:1] + (last[:1] if not first else []))
    word = _street_word(f.street) if f.street_numbers else ""
    if word:
        keys.extend(f"hs|{number}|{word}" for number in f.street_numbers)
    return keys


def _sub_key(f: Features) -> str:
    """Key used to split an oversized block: the person's name tokens, order-insensitive."""
    first, last = _name_tokens(f)
    return "|".join(sorted(first[:1] + last[:1]))


class BlockingStats:
    """Per rule: blocks formed, distinct pairs produced (a pair several rules find counts for each of them, once),
    blocks skipped as too large even after splitting by name; and the distinct candidate pairs in all."""

    __slots__ = ("blocks", "pairs", "skipped", "candidates", "_codes")

    def __init__(self) -> None:
        self.blocks = dict.fromkeys(RULES, 0)
        self.pairs = dict.fromkeys(RULES, 0)
        self.skipped = dict.fromkeys(RULES, 0)
        self.candidates = 0
        self._codes: dict[str, array] = {}

    def _add(self, rule: str, codes: list[int]) -> None:
        self._codes.setdefault(rule, array("q")).extend(codes)

    def _finish(self) -> None:
        # One rule at a time, so only one rule's pair codes are ever a Python list.
        for rule in list(self._codes):
            self.pairs[rule] = len(set(self._codes.pop(rule)))

    def as_dict(self) -> dict[str, Any]:
        """Plain form for reports and --json: each rule's pairs and their share of the distinct candidates."""
        total = self.candidates
        return {
            "candidates": total,
            "rules": [
                {
                    "rule": code,
                    "keys": description,
                    "blocks": self.blocks[code],
                    "pairs": self.pairs[code],
                    "share": round(self.pairs[code] / total, 4) if total else 0.0,
                    "oversized_blocks_skipped": self.skipped[code],
                }
                for code, description in RULES.items()
                if self.blocks[code] or self.skipped[code]
            ],
        }


def candidate_pairs_from_features(
    feats: Sequence[Features],
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    *,
    rules: Collection[str] | None = None,
    stats: BlockingStats | None = None,
) -> Iterator[tuple[int, int]]:
    """Yield each candidate pair (i, j), i < j, exactly once, in increasing order (only `rules` when given;
    counts per rule go to `stats` when given)."""
    n = len(feats)
    if n < 2:
        return
    if rules is not None and not set(rules) <= set(RULES):
        raise ValueError(f"unknown blocking rules: {sorted(set(rules) - set(RULES))}")
    index_bits = max(1, (n - 1).bit_length())
    key_bits = 63 - index_bits
    hash_mask = (1 << (key_bits - _RULE_BITS)) - 1
    # Entries are spread over buckets by the top bits of their key hash (a key's entries share a bucket), so
    # only one bucket at a time is sorted as a list of Python ints: a tenth of the memory of one big sort.
    bucket_bits = min(_BUCKET_BITS, key_bits - _RULE_BITS)
    shift = key_bits - bucket_bits
    buckets = [array("q") for _ in range(1 << bucket_bits)]
    sub_keys = array("q")
    for i, f in enumerate(feats):
        sub = _sub_key(f)
        sub_keys.append(hash(sub) if sub else 0)
        for key in set(block_keys(f)):
            code = key.partition("|")[0]
            if rules is not None and code not in rules:
                continue
            # The rule rides in the low bits of the key hash: blocks stay per key, and each knows its rule.
            h = ((hash(key) & hash_mask) << _RULE_BITS) | _RULE_INDEX[code]
            buckets[h >> shift].append((h << index_bits) | i)
    index_mask = (1 << index_bits) - 1
    rule_mask = (1 << _RULE_BITS) - 1
    codes_by_index = list(RULES)
    # Pair codes i * n + j go to buckets by ranges of i, so sorting each bucket in turn yields global order.
    pair_buckets = [array("q") for _ in range(_PAIR_BUCKETS)]
    for b, bucket in enumerate(buckets):
        ordered = sorted(bucket)
        buckets[b] = array("q")
        for key, block in _runs(ordered, index_bits, index_mask):
            groups = _limit(block, sub_keys, max_block_size)
            if stats is not None:
                rule = codes_by_index[key & rule_mask]
                stats.blocks[rule] += 1
                stats.skipped[rule] += len(block) > max_block_size and not groups
            for group in groups:
                for pos in range(len(group) - 1):
                    i = group[pos]
                    base = i * n
                    codes = [base + j for j in group[pos + 1 :]]
                    pair_buckets[i * _PAIR_BUCKETS // n].extend(codes)
                    if stats is not None:
                        stats._add(rule, codes)
        del ordered
    if stats is not None:
        stats._finish()
    for b, codes in enumerate(pair_buckets):
        ordered = sorted(codes)
        pair_buckets[b] = array("q")
        previous = -1
        for code in ordered:
            if code != previous:
                previous = code
                if stats is not None:
                    stats.candidates += 1
                yield divmod(code, n)


def _runs(ordered: list[int], index_bits: int, index_mask: int) -> Iterator[tuple[int, list[int]]]:
    """(key hash, record indexes sharing it) in increasing index order; singletons skipped."""
    start, total = 0, len(ordered)
    while start < total:
        key = ordered[start] >> index_bits
        end = start + 1
        while end < total and ordered[end] >> index_bits == key:
            end += 1
        if end - start > 1:
            yield key, [code & index_mask for code in ordered[start:end]]
        start = end


def _limit(block: list[int], sub_keys: array, max_block_size: int) -> list[list[int]]:
    """The block itself when small enough; otherwise its sub-blocks by name that are small enough."""
    if len(block) <= max_block_size:
        return [block]
    groups: dict[int, list[int]] = {}
    for i in block:
        if sub_keys[i]:
            groups.setdefault(sub_keys[i], []).append(i)
    return [g for g in groups.values() if 1 < len(g) <= max_block_size]


def candidate_pairs(
    records: Sequence[Mapping[str, Any]], max_block_size: int = DEFAULT_MAX_BLOCK_SIZE, default_region: str = "RU"
) -> Iterator[tuple[int, int]]:
    """Candidate pairs of record positions (i < j), each at most once, from plain records."""
    feats = [features(r, default_region) for r in records]
    return candidate_pairs_from_features(feats, max_block_size)
