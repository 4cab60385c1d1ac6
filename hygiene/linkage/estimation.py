"""Estimating a Fellegi-Sunter model on the base being deduplicated: u, m, the prior and term frequencies.

- u (how often two different people agree at a level) comes from random pairs: almost all random pairs are
  non-matches, so their level shares estimate u without labels.
- m (how often the same person agrees at a level) and the prior (the share of matches among the candidate
  pairs, "lambda") come from expectation-maximisation over the blocked candidate pairs. EM runs on the counts of
  distinct comparison vectors, not on pairs: a million pairs collapse to a few thousand patterns, so each
  iteration costs patterns x fields.
- term frequencies: how common each value is, so that agreeing on a rare surname counts more.

Probabilities are per field and per level (MISSING is no level: it is left out of every product).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hygiene.features import Features
from hygiene.linkage.levels import MISSING, Comparison, Gamma, compare

Probabilities = tuple[tuple[float, ...], ...]  # [field][level]

FLOOR = 1e-6  # no probability is 0: one unseen level must not veto a pair (log 0) or freeze EM there
DEFAULT_U_SAMPLES = 200_000
DEFAULT_PRIOR = 0.1


@dataclass(frozen=True, slots=True)
class EMResult:
    """Outcome of expectation-maximisation: m, u, the prior, and how it stopped."""

    m: Probabilities
    u: Probabilities
    prior: float
    iterations: int
    converged: bool


def pattern_counts(gammas: Iterable[Gamma]) -> Counter[Gamma]:
    """Count each distinct comparison vector (the only input EM needs)."""
    return Counter(gammas)


def candidate_patterns(
    feats: Sequence[Features], pairs: Iterable[tuple[int, int]], comparisons: Sequence[Comparison]
) -> Counter[Gamma]:
    """Pattern counts of the candidate pairs (indices into feats)."""
    return Counter(compare(feats[i], feats[j], comparisons) for i, j in pairs)


def normalised(counts: Sequence[float], floor: float = FLOOR) -> tuple[float, ...]:
    """Shares of counts with every share at least about `floor`, summing to 1 (uniform when all are 0)."""
    total = float(sum(counts))
    if total <= 0:
        return tuple(1.0 / len(counts) for _ in counts)
    shares = [max(c / total, floor) for c in counts]
    norm = sum(shares)
    return tuple(s / norm for s in shares)


def level_sizes(comparisons: Sequence[Comparison]) -> tuple[int, ...]:
    """Number of levels of each comparison (MISSING not counted)."""
    return tuple(len(c.levels) for c in comparisons)


def estimate_u(
    feats: Sequence[Features],
    comparisons: Sequence[Comparison],
    samples: int = DEFAULT_U_SAMPLES,
    seed: int = 0,
    floor: float = FLOOR,
) -> Probabilities:
    """u per field and level from `samples` random pairs of distinct records (seeded, so runs repeat)."""
    sizes = level_sizes(comparisons)
    counts = [[0] * k for k in sizes]
    n = len(feats)
    if n >= 2:
        rng = random.Random(seed)
        # Sampling with replacement: below ~n^2/2 samples repeats are rare and change nothing material.
        for _ in range(min(samples, n * (n - 1) // 2)):
            i = rng.randrange(n)
            j = rng.randrange(n - 1)
            j += j >= i  # a uniform j != i
            for field, level in enumerate(compare(feats[i], feats[j], comparisons)):
                if level != MISSING:
                    counts[field][level] += 1
    return tuple(normalised(c, floor) for c in counts)


def initial_m(sizes: Sequence[int]) -> Probabilities:
    """A neutral start for EM: matches mostly agree at the strongest levels, halving level by level."""
    return tuple(normalised([2.0 ** (k - 1 - level) for level in range(k)]) for k in sizes)


def _log_product(probabilities: Probabilities, gamma: Gamma) -> float:
    return sum(math.log(probabilities[f][level]) for f, level in enumerate(gamma) if level != MISSING)


def expectation_maximisation(
    counts: Mapping[Gamma, int],
    u: Probabilities,
    m: Probabilities | None = None,
    prior: float = DEFAULT_PRIOR,
    *,
    fix_u: bool = True,
    floor: float = FLOOR,
    tolerance: float = 1e-6,
    max_iterations: int = 200,
) -> EMResult:
    """Estimate m and the prior (and u too unless fix_u) from pattern counts by EM.

    With fix_u (the splink way) u stays as estimated from random pairs; without it (the fastLink way) u is
    re-estimated among the candidates, which suits candidates that blocking made agree on some field.
    Stops when no probability moves by more than `tolerance`, or after max_iterations.
    """
    sizes = tuple(len(levels) for levels in u)
    m = initial_m(sizes) if m is None else m
    patterns = list(counts.items())
    total = float(sum(c for _, c in patterns))
    if total == 0:
        return EMResult(m, u, prior, 0, True)
    iterations, converged = 0, False
    while iterations < max_iterations:
        iterations += 1
        m_counts = [[0.0] * k for k in sizes]
        u_counts = [[0.0] * k for k in sizes]
        matched = 0.0
        log_prior_odds = math.log(prior) - math.log1p(-prior)
        for gamma, count in patterns:
            # E-step: posterior match probability of the pattern, in log-odds so long vectors do not underflow.
            log_odds = log_prior_odds + _log_product(m, gamma) - _log_product(u, gamma)
            p = _sigmoid(log_odds)
            matched += count * p
            for field, level in enumerate(gamma):
                if level != MISSING:
                    m_counts[field][level] += count * p
                    u_counts[field][level] += count * (1.0 - p)
        # M-step. A field missing on every pattern keeps its previous probabilities.
        new_m = tuple(normalised(c, floor) if sum(c) > 0 else old for c, old in zip(m_counts, m, strict=True))
        new_u = (
            u
            if fix_u
            else tuple(normalised(c, floor) if sum(c) > 0 else old for c, old in zip(u_counts, u, strict=True))
        )
        new_prior = min(max(matched / total, floor), 1.0 - floor)
        change = max(
            abs(new_prior - prior),
            _largest_change(new_m, m),
            _largest_change(new_u, u),
        )
        m, u, prior = new_m, new_u, new_prior
        if change < tolerance:
            converged = True
            break
    return EMResult(m, u, prior, iterations, converged)


def _largest_change(a: Probabilities, b: Probabilities) -> float:
    return max((abs(x - y) for ra, rb in zip(a, b, strict=True) for x, y in zip(ra, rb, strict=True)), default=0.0)


def _sigmoid(log_odds: float) -> float:
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-log_odds))
    z = math.exp(log_odds)
    return z / (1.0 + z)


def term_frequencies(feats: Sequence[Features], comparisons: Sequence[Comparison]) -> dict[str, dict[str, float]]:
    """Share of each value among the records that have the field, for the comparisons that adjust for it."""
    out: dict[str, dict[str, float]] = {}
    for comparison in comparisons:
        if comparison.tf_value is None:
            continue
        get = comparison.tf_value
        values = Counter(get(f) for f in feats if comparison.present(f))
        present = sum(values.values())
        out[comparison.field] = {value: count / present for value, count in values.items()} if present else {}
    return out
