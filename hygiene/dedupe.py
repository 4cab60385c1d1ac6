"""The duplicate-detection run: features -> blocking -> model -> decisions -> guarded clusters.

Each run learns the base it is given (hygiene.linkage: u from random pairs, m and the prior by EM over the
candidate pairs, term frequencies), so a pair's score is its match probability on this base. Bases with too few
candidate pairs for EM are scored with the reference model (hygiene.linkage.reference). On top of the model:

- the hard negatives of hygiene.linkage.guards veto a pair (relatives, colleagues, namesakes);
- "merge" needs the merge probability, two independent facts beyond the name (Guards.corroboration: the same
  birth date, personal mailbox, mobile or address; a shared messenger id counts as one), no contradiction at
  all, and neither record restricted; the chaining guard may still send a merge edge to review;
- "review" needs the review probability; below it the records are distinct.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hygiene.blocking import RULES, BlockingStats, candidate_pairs_from_features
from hygiene.cluster import cluster
from hygiene.features import Features, features
from hygiene.linkage.guards import Guards
from hygiene.linkage.levels import compare
from hygiene.linkage.model import Explanation, Model, train
from hygiene.linkage.reference import reference_model
from hygiene.score import DEFAULT_WEIGHTS, PairScore, score_features

DEFAULT_POLICY: Mapping[str, Any] = MappingProxyType(
    {
        # Match probabilities (0..1) a pair needs for each decision.
        "thresholds": MappingProxyType({"merge": 0.99, "review": 0.5}),
        # Weights of the rule-based score of hygiene.score, kept for its contradictions and identifiers.
        "weights": DEFAULT_WEIGHTS,
        "max_block_size": 200,
        "default_region": "RU",
        "source_priority": (),
        # A cluster member must reach this probability against the cluster's core (chaining guard).
        "cluster_lower_bound": 0.5,
        "max_cluster_size": 50,
        # Below this many candidate pairs EM has too little to learn from: the reference model scores them.
        "min_training_pairs": 2000,
        # Candidate pairs EM sees at most (a seeded sample beyond that): pattern counts settle long before.
        "max_training_pairs": 2_000_000,
        # Keep "distinct" pairs in the result (for --pairs output); turn off for very large runs.
        "keep_distinct": True,
    }
)
DECISIONS = ("merge", "review", "distinct")
TRAINING_RULES = frozenset(RULES) - {"bp", "bc", "fp", "hs"}
_GUARDS = Guards()


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """One scored candidate pair: its match probability (`score`), decision and explanation.

    `parts` are the rule-based field similarities of hygiene.score (which fields were compared), `conflicts`
    its contradictions, `explanation` the model's per-field weights (Explanation.as_dict() plus "veto")."""

    a_id: Any
    b_id: Any
    score: float
    decision: str
    parts: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    explanation: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """Every scored pair, the clusters to auto-merge (lists of ids) and the pairs for review."""

    pairs: list[ScoredPair]
    clusters: list[list[Any]]
    review: list[ScoredPair]
    # Candidate pairs blocking produced (all of them were decided; "distinct" ones are in `pairs` only when
    # the policy keeps them).
    candidates: int = 0
    # Per blocking rule: blocks, pairs and their share of the candidates (BlockingStats.as_dict()).
    blocking: dict[str, Any] = field(default_factory=dict)
    # The model the run scored with: "trained" on this base or "reference", its parameters and EM's course.
    model: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, int]:
        """Counts for reports: candidates scored, records auto-merged away, pairs to review."""
        return {
            "candidates": self.candidates,
            "auto_merged": sum(len(c) - 1 for c in self.clusters),
            "review": len(self.review),
        }


def resolve_policy(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """DEFAULT_POLICY overlaid with `policy` (thresholds and weights merged key by key)."""
    policy = policy or {}
    merged = {**DEFAULT_POLICY, **policy}
    merged["thresholds"] = {**DEFAULT_POLICY["thresholds"], **(policy.get("thresholds") or {})}
    merged["weights"] = {**DEFAULT_POLICY["weights"], **(policy.get("weights") or {})}
    if not 0.0 <= merged["thresholds"]["review"] <= merged["thresholds"]["merge"] <= 1.0:
        raise ValueError("policy thresholds must satisfy 0 <= review <= merge <= 1")
    return merged


@dataclass(frozen=True, slots=True)
class PairDecision:
    """A pair's verdict: probability, decision, the rule-based score, the model's explanation and the veto that
    applied (if any)."""

    probability: float
    decision: str
    score: PairScore
    explanation: Explanation
    veto: str | None


def decide(
    fa: Features,
    fb: Features,
    model: Model,
    thresholds: Mapping[str, float],
    weights: Mapping[str, float] | None = None,
) -> PairDecision:
    """Decision for one pair under a model: guards first, then the probability thresholds."""
    rules = score_features(fa, fb, weights)
    gamma = compare(fa, fb, model.comparisons)
    messenger = rules.parts.get("channel") == 1.0
    veto = _GUARDS.veto(rules.conflicts, gamma, fa, fb, messenger=messenger)
    explanation = model.explain(fa, fb, gamma)
    probability = explanation.probability
    if veto is not None:
        decision = "distinct"
    elif (
        probability >= thresholds["merge"]
        and not rules.conflicts
        and not (fa.restricted or fb.restricted)
        and _GUARDS.corroboration(gamma) + messenger >= 2
    ):
        decision = "merge"
    else:
        decision = "review" if probability >= thresholds["review"] else "distinct"
    return PairDecision(probability, decision, rules, explanation, veto)


def fit(
    feats: Sequence[Features], pairs: Sequence[tuple[int, int]], policy: Mapping[str, Any], seed: int = 0
) -> tuple[Model, dict[str, Any]]:
    """The model for this base: trained by EM when it has enough candidate pairs, else the reference one."""
    pol = {**DEFAULT_POLICY, **policy}
    if len(pairs) < pol["min_training_pairs"]:
        model = reference_model()
        return model, {"source": "reference", "training_pairs": len(pairs), **model.as_dict()}
    sample = pairs
    if len(pairs) > pol["max_training_pairs"]:
        step = len(pairs) / pol["max_training_pairs"]
        sample = [pairs[int(k * step)] for k in range(pol["max_training_pairs"])]  # evenly spread, repeatable
    training = train(feats, sample, seed=seed)
    model = training.model
    info = {
        "source": "trained",
        "training_pairs": training.pairs,
        "patterns": training.patterns,
        "em_iterations": training.em.iterations,
        "em_converged": training.em.converged,
        **model.as_dict(),
    }
    return model, info


def dedupe(records: Sequence[Mapping[str, Any]], policy: Mapping[str, Any] | None = None) -> DedupeResult:
    """Find duplicates among plain records under a policy (see DEFAULT_POLICY)."""
    pol = resolve_policy(policy)
    thresholds, weights = pol["thresholds"], pol["weights"]
    feats = [features(r, pol["default_region"]) for r in records]
    n = len(feats)
    blocking = BlockingStats()
    # Pair codes i * n + j arrive in increasing order: kept in an array, a binary search finds a pair again
    # (the chaining guard asks for the probabilities of pairs) at 8 bytes a pair.
    codes = array(
        "q", (i * n + j for i, j in candidate_pairs_from_features(feats, pol["max_block_size"], stats=blocking))
    )
    # EM learns from the pairs of the name and identifier rules only: the rules without a name (birth date +
    # city, given name + postcode, house + street) bring many strangers who agree on one field each, and with
    # them EM takes "born the same day in the same city" for a kind of match (100k demo: prior 0.35).
    training = list(candidate_pairs_from_features(feats, pol["max_block_size"], rules=TRAINING_RULES))
    model, model_info = fit(feats, training, pol)
    del training
    probabilities = array("d")
    decisions: dict[tuple[int, int], tuple[PairDecision, str]] = {}
    keep_distinct = pol["keep_distinct"]
    for code in codes:
        i, j = divmod(code, n)
        verdict = decide(feats[i], feats[j], model, thresholds, weights)
        probabilities.append(0.0 if verdict.veto else verdict.probability)
        if verdict.decision != "distinct" or keep_distinct:
            decisions[(i, j)] = (verdict, verdict.decision)
    extra: dict[int, float] = {}

    def pair_probability(x: int, y: int) -> float:
        if x > y:
            x, y = y, x
        code = x * n + y
        k = bisect_left(codes, code)
        if k < len(codes) and codes[k] == code:
            return probabilities[k]
        if code not in extra:
            verdict = decide(feats[x], feats[y], model, thresholds, weights)
            extra[code] = 0.0 if verdict.veto else verdict.probability
        return extra[code]

    edges = [(i, j, v.probability) for (i, j), (v, d) in decisions.items() if d == "merge"]
    grouped = cluster(edges, pair_probability, pol["cluster_lower_bound"], max_cluster_size=pol["max_cluster_size"])
    for i, j in grouped.rejected:
        key = (i, j) if i < j else (j, i)
        decisions[key] = (decisions[key][0], "review")

    pairs_out = [
        ScoredPair(
            feats[i].id,
            feats[j].id,
            round(v.probability, 6),
            d,
            v.score.parts,
            v.score.conflicts,
            explanation_of(v),
        )
        for (i, j), (v, d) in decisions.items()
    ]
    clusters = [[feats[i].id for i in members] for members in grouped.clusters]
    return DedupeResult(
        pairs_out,
        clusters,
        [p for p in pairs_out if p.decision == "review"],
        len(codes),
        blocking.as_dict(),
        model_info,
    )


def explanation_of(verdict: PairDecision) -> dict[str, Any]:
    """The pair's explanation in plain form: prior and per-field weights (summing to the total), probability,
    and the hard-negative rule that vetoed it (None when none did)."""
    out = verdict.explanation.as_dict()
    out["veto"] = verdict.veto
    out["conflicts"] = list(verdict.score.conflicts)
    return out
