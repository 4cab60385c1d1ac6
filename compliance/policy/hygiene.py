"""policies/hygiene.yaml: thresholds, weights, block size, chaining guard, source priority; validated here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.policy.loader import PolicyError

WEIGHT_FIELDS = ("name", "birth_date", "email", "phone", "channel", "address", "company", "gender")
DEFAULTS: dict[str, Any] = {
    "thresholds": {"merge": 0.90, "review": 0.85},
    "weights": {
        "name": 3.0,
        "birth_date": 2.0,
        "email": 2.5,
        "phone": 2.5,
        "channel": 2.0,
        "address": 1.5,
        "company": 0.5,
        "gender": 0.5,
    },
    "max_block_size": 200,
    "chaining_guard": {"min_member_score": 0.75, "max_cluster_size": 50},
    "source_priority": ["crm", "shop", "api", "import", "demo", "cli"],
    "batch_size": 2000,
}


@dataclass(frozen=True)
class HygienePolicy:
    """The steward's settings, typed."""

    merge: float
    review: float
    weights: dict[str, float]
    max_block_size: int
    min_member_score: float
    max_cluster_size: int
    source_priority: tuple[str, ...]
    batch_size: int


def _number(value: Any, where: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"hygiene.yaml: {where} must be a number")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise PolicyError(f"hygiene.yaml: {where} must be {bound}")
    return float(value)


def _whole(value: Any, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise PolicyError(f"hygiene.yaml: {where} must be a whole number of at least {low}")
    return value


def parse(data: dict[str, Any] | None) -> HygienePolicy:
    """Validate and type the policy (missing keys take the shipped defaults); PolicyError names the key."""
    data = data or {}
    if not isinstance(data, dict):
        raise PolicyError("hygiene.yaml: must be a mapping")
    thresholds = {**DEFAULTS["thresholds"], **(data.get("thresholds") or {})}
    merge = _number(thresholds.get("merge"), "thresholds.merge", 0.0, 1.0)
    review = _number(thresholds.get("review"), "thresholds.review", 0.0, 1.0)
    if review > merge:
        raise PolicyError("hygiene.yaml: thresholds.review must not be above thresholds.merge")
    raw_weights = data.get("weights", DEFAULTS["weights"])
    if not isinstance(raw_weights, dict) or not raw_weights:
        raise PolicyError("hygiene.yaml: weights must map field names to numbers")
    weights = {}
    for name, value in raw_weights.items():
        if name not in WEIGHT_FIELDS:
            raise PolicyError(f"hygiene.yaml: weights.{name} is not a known field ({', '.join(WEIGHT_FIELDS)})")
        weights[name] = _number(value, f"weights.{name}", 0.0)
    if not any(weights.values()):
        raise PolicyError("hygiene.yaml: at least one weight must be above 0")
    guard = {**DEFAULTS["chaining_guard"], **(data.get("chaining_guard") or {})}
    priority = data.get("source_priority", DEFAULTS["source_priority"])
    if not isinstance(priority, list) or not all(isinstance(s, str) and s for s in priority):
        raise PolicyError("hygiene.yaml: source_priority must be a list of source names")
    if len(set(priority)) != len(priority):
        raise PolicyError("hygiene.yaml: source_priority lists a source twice")
    return HygienePolicy(
        merge=merge,
        review=review,
        weights=weights,
        max_block_size=_whole(data.get("max_block_size", DEFAULTS["max_block_size"]), "max_block_size", 2),
        min_member_score=_number(guard.get("min_member_score"), "chaining_guard.min_member_score", 0.0, 1.0),
        max_cluster_size=_whole(guard.get("max_cluster_size"), "chaining_guard.max_cluster_size", 2),
        source_priority=tuple(priority),
        batch_size=_whole(data.get("batch_size", DEFAULTS["batch_size"]), "batch_size", 10),
    )


def check_policy(data: dict[str, Any]) -> None:
    """Validate hygiene.yaml (raises PolicyError naming the key); listed in compliance.services."""
    parse(data)


def policy_of(svc) -> HygienePolicy:
    """The instance's hygiene policy (parsed once per loaded policies)."""
    return svc.policies.parsed("hygiene", parse)


def matcher_policy(policy: HygienePolicy, default_region: str, *, keep_distinct: bool = True) -> dict[str, Any]:
    """The policy in the form hygiene.dedupe.dedupe() takes."""
    return {
        "thresholds": {"merge": policy.merge, "review": policy.review},
        "weights": dict(policy.weights),
        "max_block_size": policy.max_block_size,
        "default_region": default_region,
        "source_priority": tuple(policy.source_priority),
        "cluster_lower_bound": policy.min_member_score,
        "max_cluster_size": policy.max_cluster_size,
        "keep_distinct": keep_distinct,
    }
