"""Probabilistic record linkage in the Fellegi-Sunter tradition (as splink and fastLink do it), on Features.

levels: comparison levels per field and the comparison vector of a pair; estimation: u from random pairs, m and
the prior by EM on pattern counts, term frequencies; model: weights, probabilities and explanations.
"""

from hygiene.linkage.estimation import (
    EMResult,
    Probabilities,
    candidate_patterns,
    estimate_u,
    expectation_maximisation,
    pattern_counts,
    term_frequencies,
)
from hygiene.linkage.levels import DEFAULT_COMPARISONS, MISSING, Comparison, Gamma, Level, compare
from hygiene.linkage.model import Explanation, FieldWeight, Model, Training, probability_of, train

__all__ = [
    "DEFAULT_COMPARISONS",
    "MISSING",
    "Comparison",
    "EMResult",
    "Explanation",
    "FieldWeight",
    "Gamma",
    "Level",
    "Model",
    "Probabilities",
    "Training",
    "candidate_patterns",
    "compare",
    "estimate_u",
    "expectation_maximisation",
    "pattern_counts",
    "probability_of",
    "term_frequencies",
    "train",
]
