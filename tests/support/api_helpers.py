"""Helpers for API tests: an app on a real instance with one principal (and key) per shipped role."""

from __future__ import annotations

from compliance.access.principals import create

ROLES = ("admin", "dpo", "steward", "analyst", "app")


def make_keys(svc) -> dict[str, str]:
    """Create a principal for every shipped role; return role -> API key."""
    boss = svc.system_actor("test")
    return {role: create(svc, boss, f"{role}-principal", role)["api_key"] for role in ROLES}


def auth(key: str) -> dict[str, str]:
    """Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}
