"""policies/hygiene.yaml: match-probability thresholds, the model's training, block size, chaining guard, source
priority; validated here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance.policy.loader import PolicyError

DEFAULTS: dict[str, Any] = {
    "thresholds": {"merge": 0.99, "review": 0.5},
    "model": {"min_training_pairs": 2000, "max_training_pairs": 2_000_000},
    "max_block_size": 200,
    "chaining_guard": {"min_member_probability": 0.5, "max_cluster_size": 50},
    "source_priority": ["crm", "shop", "api", "import", "demo", "cli"],
    "batch_size": 2000,
}


@dataclass(frozen=True)
class HygienePolicy:
    """The steward's settings, typed."""

    merge: float
    review: float
    min_training_pairs: int
    max_training_pairs: int
    max_block_size: int
    min_member_probability: float
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
    unknown = sorted(set(data) - set(DEFAULTS) - {"weights"})
    if unknown:
        raise PolicyError(f"hygiene.yaml: {unknown[0]} is not a known key ({', '.join(DEFAULTS)})")
    for section in ("thresholds", "model", "chaining_guard"):
        given = data.get(section)
        extra = sorted(set(given) - set(DEFAULTS[section]) - {"min_member_score"}) if isinstance(given, dict) else []
        if extra:
            raise PolicyError(f"hygiene.yaml: {section}.{extra[0]} is not a known key")
    thresholds = {**DEFAULTS["thresholds"], **(data.get("thresholds") or {})}
    merge = _number(thresholds.get("merge"), "thresholds.merge", 0.0, 1.0)
    review = _number(thresholds.get("review"), "thresholds.review", 0.0, 1.0)
    if review > merge:
        raise PolicyError("hygiene.yaml: thresholds.review must not be above thresholds.merge")
    if "weights" in data:
        # Refused rather than ignored: a steward who set weights must learn that they no longer decide anything.
        raise PolicyError(
            "hygiene.yaml: weights are no longer used: each run learns the weights of its base (see docs/steward.md);"
            " remove the key"
        )
    model = data.get("model") or {}
    if not isinstance(model, dict):
        raise PolicyError("hygiene.yaml: model must be a mapping")
    model = {**DEFAULTS["model"], **model}
    guard = data.get("chaining_guard") or {}
    if not isinstance(guard, dict):
        raise PolicyError("hygiene.yaml: chaining_guard must be a mapping")
    if "min_member_score" in guard:
        raise PolicyError(
            "hygiene.yaml: chaining_guard.min_member_score is now chaining_guard.min_member_probability"
            " (a match probability)"
        )
    guard = {**DEFAULTS["chaining_guard"], **guard}
    priority = data.get("source_priority", DEFAULTS["source_priority"])
    if not isinstance(priority, list) or not all(isinstance(s, str) and s for s in priority):
        raise PolicyError("hygiene.yaml: source_priority must be a list of source names")
    if len(set(priority)) != len(priority):
        raise PolicyError("hygiene.yaml: source_priority lists a source twice")
    return HygienePolicy(
        merge=merge,
        review=review,
        min_training_pairs=_whole(model.get("min_training_pairs"), "model.min_training_pairs", 0),
        max_training_pairs=_whole(model.get("max_training_pairs"), "model.max_training_pairs", 1000),
        max_block_size=_whole(data.get("max_block_size", DEFAULTS["max_block_size"]), "max_block_size", 2),
        min_member_probability=_number(
            guard.get("min_member_probability"), "chaining_guard.min_member_probability", 0.0, 1.0
        ),
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
        "min_training_pairs": policy.min_training_pairs,
        "max_training_pairs": policy.max_training_pairs,
        "max_block_size": policy.max_block_size,
        "default_region": default_region,
        "source_priority": tuple(policy.source_priority),
        "cluster_lower_bound": policy.min_member_probability,
        "max_cluster_size": policy.max_cluster_size,
        "keep_distinct": keep_distinct,
    }
