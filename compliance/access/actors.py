"""Who is acting, for every adapter: a registered principal (API key, admin session, the CLI by name), the CLI's
local principal, or the scheduler. Each is built by compliance.access.actor.act_as from a role of roles.yaml.
"""

from __future__ import annotations

from compliance.access.actor import Actor, act_as
from compliance.access.models import Principal
from compliance.errors import Unauthenticated


def actor_of(svc, principal: Principal, *, channel: str, request_id: str | None = None) -> Actor:
    """The Actor of a principal row with the scopes its role has now (PolicyError for a role roles.yaml lacks)."""
    role = svc.policies.role(principal.role)
    return act_as(principal.id, principal.name, role, channel=channel, request_id=request_id)


def principal_actor(svc, name: str, channel: str = "cli") -> Actor | None:
    """The Actor of a registered principal by name (the CLI acting as a named principal); None when unknown."""
    principal = Principal.get_or_none(Principal.name == name)
    if principal is None:
        return None
    if principal.revoked_at is not None:
        raise Unauthenticated(f"principal {principal.id} is revoked")
    return actor_of(svc, principal, channel=channel)


def session_actor(svc, principal_id: str, *, channel: str = "web", request_id: str | None = None) -> Actor | None:
    """The Actor of a signed-in session's principal, or None when it is unknown or revoked since sign-in."""
    principal = Principal.get_or_none(Principal.id == principal_id)
    if principal is None or principal.revoked_at is not None or principal.role not in svc.policies.roles:
        return None
    return actor_of(svc, principal, channel=channel, request_id=request_id)


def local_actor(svc) -> Actor:
    """The principal the CLI acts as: a registered principal of that name, else local:<name> with local_role."""
    name = svc.settings.local_principal
    registered = principal_actor(svc, name)
    if registered is not None:
        return registered
    return act_as(f"local:{name}", name, svc.policies.role(svc.settings.local_role), channel="cli")


def system_actor(svc, job: str) -> Actor:
    """The scheduler acting on behalf of a job (admin scopes, audited as system:<job>)."""
    return act_as(f"system:{job}", job, svc.policies.role("admin"), channel="system")
