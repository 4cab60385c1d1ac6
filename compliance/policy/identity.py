"""policies/identity.yaml: which identifiers name one person, which are shared, and what is compared."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compliance.policy.loader import PolicyError
from hygiene.identity import COMPARABLE, IdentityRules

# Policy names for identifier kinds -> the blind-index kinds the store uses.
IDENTIFIERS = {"external_id": "external", "email": "email", "phone": "phone", "channel": "channel"}
KEYS = {"unique", "compare", "shared_mailboxes", "source_priority", "review_limit"}


def _names(data: dict[str, Any], key: str, allowed: set[str] | None = None) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyError(f"identity.yaml: {key} must be a list of names")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise PolicyError(f"identity.yaml: {key} has unknown entries {unknown}; allowed: {sorted(allowed)}")
    return value


def check_policy(data: dict[str, Any]) -> None:
    """Validate identity.yaml; the message names the key."""
    parse(data)


def parse(data: dict[str, Any], default_region: str = "RU") -> IdentityRules:
    """The identity rules of an instance (defaults where the file is silent)."""
    if not isinstance(data, dict):
        raise PolicyError("identity.yaml: expected a mapping")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise PolicyError(f"identity.yaml: unknown keys {unknown}")
    unique = _names(data, "unique", set(IDENTIFIERS)) if "unique" in data else ["external_id", "email"]
    compare = _names(data, "compare", set(COMPARABLE)) if "compare" in data else list(COMPARABLE)
    mailboxes = _names(data, "shared_mailboxes")
    priority = _names(data, "source_priority")
    limit = data.get("review_limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
        raise PolicyError("identity.yaml: review_limit must be a whole number of at least 2")
    return IdentityRules(
        unique=frozenset(IDENTIFIERS[name] for name in unique),
        compare=tuple(compare),
        shared_local_parts=frozenset(m.strip().lower() for m in mailboxes),
        default_region=default_region,
        source_priority=tuple(priority),
        review_limit=limit,
    )


def rules(svc) -> IdentityRules:
    """The instance's identity rules, parsed once per loaded policies, in the controller's default region."""
    parsed = svc.policies.parsed("identity", parse)
    region = svc.policies.default_region
    return parsed if parsed.default_region == region else replace(parsed, default_region=region)
