"""The duplicate-detection run: features -> blocking -> scoring -> decisions -> guarded clusters."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hygiene.blocking import candidate_pairs_from_features
from hygiene.cluster import cluster
from hygiene.features import Features, features
from hygiene.score import DEFAULT_WEIGHTS, PairScore, score_features, surely_distinct

DEFAULT_POLICY: Mapping[str, Any] = MappingProxyType(
    {
        "thresholds": MappingProxyType({"merge": 0.92, "review": 0.75}),
        "weights": DEFAULT_WEIGHTS,
        "max_block_size": 200,
        "default_region": "RU",
        "source_priority": (),
        # A cluster member must score at least this against the cluster's core (chaining guard).
        "cluster_lower_bound": 0.75,
        "max_cluster_size": 50,
        # Keep "distinct" pairs in the result (for --pairs output); turn off for very large runs.
        "keep_distinct": True,
    }
)
DECISIONS = ("merge", "review", "distinct")


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """One scored candidate pair and its decision."""

    a_id: Any
    b_id: Any
    score: float
    decision: str
    parts: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DedupeResult:
    """Every scored pair, the clusters to auto-merge (lists of ids) and the pairs for review."""

    pairs: list[ScoredPair]
    clusters: list[list[Any]]
    review: list[ScoredPair]
    # Candidate pairs blocking produced (all of them were decided; "distinct" ones are in `pairs` only when
    # the policy keeps them).
    candidates: int = 0

    def stats(self) -> dict[str, int]:
        """Counts for reports: candidates scored, records auto-merged away, pairs to review."""
        return {
            "candidates": len(self.pairs),
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


def decide(result: PairScore, fa: Features, fb: Features, thresholds: Mapping[str, float]) -> str:
    """Decision for one pair: merge needs a strong shared identifier; restricted records never auto-merge."""
    if (
        result.total >= thresholds["merge"]
        and result.strong
        and not result.conflicts
        and not (fa.restricted or fb.restricted)
    ):
        return "merge"
    # Names alone (plus a city) do not make a candidate: namesakes are too common.
    if result.total >= thresholds["review"] and (result.support or result.strong):
        return "review"
    return "distinct"


def dedupe(records: Sequence[Mapping[str, Any]], policy: Mapping[str, Any] | None = None) -> DedupeResult:
    """Find duplicates among plain records under a policy (see DEFAULT_POLICY)."""
    pol = resolve_policy(policy)
    thresholds, weights = pol["thresholds"], pol["weights"]
    feats = [features(r, pol["default_region"]) for r in records]
    n = len(feats)
    # Totals of all scored pairs for the chaining guard, compactly: pair codes i * n + j arrive in increasing
    # order, so a binary search finds them (16 bytes a pair instead of a dict entry of ~200).
    codes, totals = array("q"), array("d")
    decisions: dict[tuple[int, int], tuple[PairScore, str]] = {}
    keep_distinct = pol["keep_distinct"]
    review = thresholds["review"]
    candidates = 0
    for i, j in candidate_pairs_from_features(feats, pol["max_block_size"]):
        candidates += 1
        fi, fj = feats[i], feats[j]
        if not keep_distinct and surely_distinct(fi, fj, review):
            continue  # its total is computed again in the rare case the chaining guard asks for it
        result = score_features(fi, fj, weights)
        codes.append(i * n + j)
        totals.append(result.total)
        decision = decide(result, fi, fj, thresholds)
        if decision != "distinct" or keep_distinct:
            decisions[(i, j)] = (result, decision)
    extra: dict[int, float] = {}

    def pair_score(x: int, y: int) -> float:
        if x > y:
            x, y = y, x
        code = x * n + y
        k = bisect_left(codes, code)
        if k < len(codes) and codes[k] == code:
            return totals[k]
        if code not in extra:
            extra[code] = score_features(feats[x], feats[y], weights).total
        return extra[code]

    edges = [(i, j, r.total) for (i, j), (r, d) in decisions.items() if d == "merge"]
    grouped = cluster(edges, pair_score, pol["cluster_lower_bound"], max_cluster_size=pol["max_cluster_size"])
    for i, j in grouped.rejected:
        key = (i, j) if i < j else (j, i)
        decisions[key] = (decisions[key][0], "review")

    pairs = [
        ScoredPair(feats[i].id, feats[j].id, r.total, d, r.parts, r.conflicts) for (i, j), (r, d) in decisions.items()
    ]
    clusters = [[feats[i].id for i in members] for members in grouped.clusters]
    return DedupeResult(pairs, clusters, [p for p in pairs if p.decision == "review"], candidates)
