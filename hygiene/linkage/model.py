"""A trained Fellegi-Sunter model: match weights, match probability and per-field explanations of a pair.

Weights are log2 Bayes factors. A field at level l weighs log2(m[l] / u[l]). At its top level, when the
field is term-frequency adjusted, the weight gains log2(u_base / share): u_base is the top level's u among random
pairs and share the shared value's share in the base (as splink does). When u is the random-pair u, that makes
the weight log2(m / share); when EM re-estimated u among the candidates, the adjustment stays relative to the
random-pair scale it was measured on. So "Иванов" = "Иванов" weighs less than "Шпаковский" = "Шпаковский".
A field missing on either side weighs 0.
The pair's total is the prior's weight, log2(prior / (1 - prior)), plus the field weights: the posterior
log2-odds of a match, so probability = 1 / (1 + 2^-total). Explanations list exactly those terms.

The prior is the share of matches among the candidate pairs EM was run on, so probabilities are meant for
pairs that blocking produced, not for arbitrary pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hygiene.features import Features
from hygiene.linkage.estimation import (
    DEFAULT_PRIOR,
    DEFAULT_U_SAMPLES,
    FLOOR,
    EMResult,
    Probabilities,
    candidate_patterns,
    estimate_u,
    expectation_maximisation,
    term_frequencies,
)
from hygiene.linkage.levels import DEFAULT_COMPARISONS, MISSING, Comparison, Gamma, compare, swap_names, swapped

_NO_FREQUENCIES: Mapping[str, Mapping[str, float]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class FieldWeight:
    """One term of a pair's explanation: the field, the level reached and its weight (log2 Bayes factor)."""

    field: str
    level: str
    weight: float
    tf_adjusted: bool = False


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a pair scores what it does: prior weight + sum of field weights == total (log2-odds)."""

    prior_weight: float
    fields: tuple[FieldWeight, ...]
    total: float
    probability: float

    def as_dict(self) -> dict[str, Any]:
        """Plain form for JSON output and the review API."""
        return {
            "prior_weight": self.prior_weight,
            "total": self.total,
            "probability": self.probability,
            "fields": [
                {"field": t.field, "level": t.level, "weight": t.weight, "tf_adjusted": t.tf_adjusted}
                for t in self.fields
            ],
        }


def log2_odds(prior: float) -> float:
    """Weight of a prior probability: log2(p / (1 - p))."""
    return math.log2(prior) - math.log2(1.0 - prior)


def probability_of(total: float) -> float:
    """Match probability of a total weight (posterior log2-odds), without overflow at the extremes."""
    if total >= 0:
        return 1.0 / (1.0 + 2.0 ** (-total))
    z = 2.0**total
    return z / (1.0 + z)


@dataclass(frozen=True, slots=True)
class Model:
    """Comparisons with their m and u per level, the prior and the term frequencies of adjusted fields."""

    comparisons: tuple[Comparison, ...]
    m: Probabilities
    u: Probabilities
    prior: float
    frequencies: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _NO_FREQUENCIES)
    floor: float = FLOOR
    # u of each field's top level among random pairs, the scale term frequencies are on (None: u's own).
    base_u: tuple[float, ...] | None = None
    # Share given to a value the base has never seen (a pair scored after training): as rare as one seen once.
    _unseen: Mapping[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sizes = tuple(len(c.levels) for c in self.comparisons)
        if tuple(len(x) for x in self.m) != sizes or tuple(len(x) for x in self.u) != sizes:
            raise ValueError(f"m and u need one probability per level of each comparison: sizes {sizes}")
        if not 0.0 < self.prior < 1.0:
            raise ValueError(f"prior must be strictly between 0 and 1, got {self.prior}")
        unseen = {name: min(table.values()) for name, table in self.frequencies.items() if table}
        object.__setattr__(self, "_unseen", MappingProxyType(unseen))  # frozen: set once, here

    def level_weight(self, index: int, level: int) -> float:
        """Weight of comparison `index` at `level` without term-frequency adjustment (0 when MISSING)."""
        if level == MISSING:
            return 0.0
        return math.log2(self.m[index][level]) - math.log2(self.u[index][level])

    def pattern_weight(self, gamma: Gamma) -> float:
        """Total weight (prior included) of a comparison vector, without term-frequency adjustment."""
        return log2_odds(self.prior) + sum(self.level_weight(i, level) for i, level in enumerate(gamma))

    def _tf_adjustment(self, index: int, fa: Features, fb: Features) -> float | None:
        """Weight added to a top-level agreement for how rare the shared value is, or None when not adjusted."""
        comparison = self.comparisons[index]
        table = self.frequencies.get(comparison.field)
        if comparison.tf_value is None or not table:
            return None
        unseen = self._unseen[comparison.field]
        share = max(table.get(comparison.tf_value(fa), unseen), table.get(comparison.tf_value(fb), unseen))
        base = self.u[index][0] if self.base_u is None else self.base_u[index]
        return math.log2(base) - math.log2(max(share, self.floor))

    def explain(self, fa: Features, fb: Features, gamma: Gamma | None = None) -> Explanation:
        """Per-field weights of a pair, the prior's weight, the total and the match probability (`gamma`: the
        pair's comparison vector when the caller has it already)."""
        if swapped(fa, fb):
            fb = swap_names(fb)  # as compare() does, so term frequencies look up the values that were compared
        if gamma is None:
            gamma = compare(fa, fb, self.comparisons)
        elif len(gamma) != len(self.comparisons):
            raise ValueError(f"gamma has {len(gamma)} levels for {len(self.comparisons)} comparisons")
        terms = []
        for index, (comparison, level) in enumerate(zip(self.comparisons, gamma, strict=True)):
            if level == MISSING:
                terms.append(FieldWeight(comparison.field, "missing", 0.0))
                continue
            name = comparison.levels[level].name
            adjustment = self._tf_adjustment(index, fa, fb) if level == 0 else None
            weight = self.level_weight(index, level)
            if adjustment is None:
                terms.append(FieldWeight(comparison.field, name, weight))
            else:
                terms.append(FieldWeight(comparison.field, name, weight + adjustment, tf_adjusted=True))
        prior_weight = log2_odds(self.prior)
        total = prior_weight + math.fsum(t.weight for t in terms)
        return Explanation(prior_weight, tuple(terms), total, probability_of(total))

    def weight(self, fa: Features, fb: Features) -> float:
        """Total match weight (log2-odds) of a pair, term frequencies applied."""
        return self.explain(fa, fb).total

    def probability(self, fa: Features, fb: Features) -> float:
        """Match probability of a pair, term frequencies applied."""
        return self.explain(fa, fb).probability

    def as_dict(self) -> dict[str, Any]:
        """Parameters in plain form (levels by name) for reports and for keeping a trained model."""
        return {
            "prior": self.prior,
            "fields": [
                {
                    "field": c.field,
                    "levels": [
                        {"level": lv.name, "m": self.m[i][k], "u": self.u[i][k]} for k, lv in enumerate(c.levels)
                    ],
                }
                for i, c in enumerate(self.comparisons)
            ],
        }


@dataclass(frozen=True, slots=True)
class Training:
    """A trained model and how EM went (iterations, convergence), for reports."""

    model: Model
    em: EMResult
    patterns: int
    pairs: int


def train(
    feats: Sequence[Features],
    pairs: Iterable[tuple[int, int]],
    comparisons: Sequence[Comparison] = DEFAULT_COMPARISONS,
    *,
    seed: int = 0,
    u_samples: int = DEFAULT_U_SAMPLES,
    fix_u: bool = False,
    prior: float = DEFAULT_PRIOR,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
    term_frequency: bool = True,
) -> Training:
    """Fit a model on one base: u from random pairs, m and the prior by EM over the candidate pairs.

    u from random pairs is EM's start and the term frequencies' scale. By default EM re-estimates u among the
    candidates (fix_u=False): blocking on compared fields (postcode, surname key) makes candidate non-matches
    agree far more often than random pairs do, and with u held at the random-pair value EM then takes every
    candidate for a match (FEBRL2: prior 1.0, precision 0.03).
    """
    comparisons = tuple(comparisons)
    u = estimate_u(feats, comparisons, u_samples, seed)
    counts = candidate_patterns(feats, pairs, comparisons)
    em = expectation_maximisation(
        counts, u, prior=prior, fix_u=fix_u, tolerance=tolerance, max_iterations=max_iterations
    )
    frequencies = term_frequencies(feats, comparisons) if term_frequency else {}
    base_u = tuple(levels[0] for levels in u)
    model = Model(comparisons, em.m, em.u, em.prior, MappingProxyType(frequencies), base_u=base_u)
    return Training(model, em, len(counts), sum(counts.values()))
