"""Pairwise duplicate scoring of plain records.

`features(record)` is computed once per record; `score_features(fa, fb)` is the cheap per-pair step.
The total is a weighted mean of per-field similarities over the fields present on both records, so a
missing field neither rewards nor punishes. Identifiers (email, phone, messenger) weigh a lot when
they agree and little when they differ, since people have several. Hard contradictions (birth dates,
gender, patronymic, first name) cap the total: relatives, colleagues and namesakes share a lot but
contradict on exactly these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from hygiene.comparisons import address_sim, birth_sim, email_sim, gender_conflict, name_part, phone_sim
from hygiene.features import Features, features

# fmt: off
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "name": 3.0, "birth_date": 2.0, "email": 2.5, "phone": 2.5, "channel": 2.0, "address": 1.5,
    "company": 0.5, "gender": 0.5,
})
# Weight of an identifier or attribute when the two values differ, as a share of its full weight.
_DISAGREE_SHARE = MappingProxyType({"email": 0.2, "phone": 0.2, "channel": 0.25, "address": 0.4, "company": 0.5})
# Upper bounds on the total for contradictions that tell two people apart.
CAPS: Mapping[str, float] = MappingProxyType({
    "birth_date": 0.4, "gender": 0.45, "middle_name": 0.55, "first_name": 0.6, "last_name": 0.85,
})
# fmt: on


@dataclass(frozen=True, slots=True)
class PairScore:
    """Score of one pair: total in [0, 1], per-field similarities, contradictions and supporting fields."""

    total: float
    parts: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    strong: int = 0
    support: int = 0


def surely_distinct(fa: Features, fb: Features, review: float) -> bool:
    """True when score_features() plus the decision rule can only say "distinct": a contradiction caps the
    total below `review`, or no field can support the pair (review and merge both need support).
    A cheap pre-check that skips most scoring in big runs; False means nothing, score the pair."""
    birth_support = False
    if fa.birth and fb.birth:
        sim, contradiction = birth_sim(fa.birth, fb.birth)
        if contradiction and CAPS["birth_date"] < review:
            return True
        birth_support = sim >= 0.7
    if CAPS["gender"] < review and gender_conflict(fa, fb):
        return True
    middle_conflict = fa.middle and fb.middle and fa.middle != fb.middle
    if CAPS["middle_name"] < review and middle_conflict and JaroWinkler.similarity(fa.middle, fb.middle) < 0.85:
        return True
    shared = fa.email_canon & fb.email_canon or fa.phones & fb.phones or fa.channels & fb.channels
    if not (birth_support or shared or (fa.postcode and fa.postcode == fb.postcode)):
        if not (fa.street and fb.street):
            return True
        address = address_sim(fa, fb)
        if address is None or address < 0.85:
            return True
    return CAPS["first_name"] < review and name_part(fa, fb)[1]


def score_features(fa: Features, fb: Features, weights: Mapping[str, float] | None = None) -> PairScore:
    """Score two precomputed feature sets; symmetric, and 1.0 for a record against itself."""
    w = DEFAULT_WEIGHTS if weights is None else {**DEFAULT_WEIGHTS, **weights}
    parts: dict[str, float] = {}
    conflicts: list[str] = []
    strong = support = 0

    name, first_conflict, last_conflict = name_part(fa, fb)
    if name is not None:
        parts["name"] = name
        if first_conflict:
            conflicts.append("first_name")
        if last_conflict:
            conflicts.append("last_name")
    if fa.middle and fb.middle and fa.middle != fb.middle and JaroWinkler.similarity(fa.middle, fb.middle) < 0.85:
        conflicts.append("middle_name")
    if fa.birth and fb.birth:
        parts["birth_date"], contradiction = birth_sim(fa.birth, fb.birth)
        if contradiction:
            conflicts.append("birth_date")
        strong += parts["birth_date"] == 1.0
        support += parts["birth_date"] >= 0.7
    if fa.gender and fb.gender:
        parts["gender"] = 1.0 if fa.gender == fb.gender else 0.0
    if gender_conflict(fa, fb):
        conflicts.append("gender")
    factors: dict[str, float] = {}
    if fa.emails and fb.emails:
        parts["email"], factors["email"] = email_sim(fa, fb)
        strong += parts["email"] >= 0.95 and factors["email"] == 1.0
        support += parts["email"] >= 0.95
    if fa.phones and fb.phones:
        parts["phone"], factors["phone"] = phone_sim(fa, fb)
        strong += parts["phone"] == 1.0 and factors["phone"] == 1.0
        support += parts["phone"] == 1.0
    if fa.channel_types & fb.channel_types:
        parts["channel"] = 1.0 if fa.channels & fb.channels else 0.0
        strong += parts["channel"] == 1.0
        support += parts["channel"] == 1.0
    address = address_sim(fa, fb)
    if address is not None:
        parts["address"] = address
        support += bool(fa.street and fb.street and address >= 0.85) or bool(fa.postcode and fa.postcode == fb.postcode)
    if fa.company and fb.company:
        parts["company"] = fuzz.token_set_ratio(fa.company, fb.company) / 100.0

    num = den = 0.0
    for key, sim in parts.items():
        full = w.get(key, 0.0) * factors.get(key, 1.0)
        share = _DISAGREE_SHARE.get(key)
        weight = full if share is None else full * (share + (1.0 - share) * sim)
        num += weight * sim
        den += weight
    if den > 0:
        total = num / den
    else:
        # Nothing comparable: only an identical record is the same.
        total = 1.0 if fa.fingerprint and fa.fingerprint == fb.fingerprint else 0.0
    for reason in conflicts:
        total = min(total, CAPS[reason])
    total = round(min(1.0, max(0.0, total)), 6)
    return PairScore(total, parts, tuple(conflicts), int(strong), int(support))


def score(
    a: Mapping[str, Any], b: Mapping[str, Any], weights: Mapping[str, float] | None = None, default_region: str = "RU"
) -> PairScore:
    """Score two plain records (convenience wrapper; use features()/score_features() in bulk)."""
    return score_features(features(a, default_region), features(b, default_region), weights)
