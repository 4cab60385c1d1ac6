"""Validators for policy files owned by domain modules; each module exposes `check_policy(data)`."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

# policy file (without .yaml) -> module that validates it with check_policy(data) raising PolicyError.
OWNERS = {
    "purposes": "compliance.policy.purposes",
    "regimes": "compliance.dsar.regimes",
    "retention": "compliance.retention.rules",
    "schedule": "compliance.jobs.runner",
    "hygiene": "compliance.policy.hygiene",
    "recipients": "compliance.policy.recipients",
}


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def checks() -> dict[str, Callable[[dict[str, Any]], None]]:
    """The validators of every domain module present in this build."""
    out = {}
    for name, module in OWNERS.items():
        if _available(module):
            check = getattr(importlib.import_module(module), "check_policy", None)
            if check is not None:
                out[name] = check
    return out
