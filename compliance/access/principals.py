"""Principals (people and applications) and their API keys: create, list, revoke, bootstrap the first admin."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from compliance.access import apikeys
from compliance.access.actor import Actor
from compliance.access.actors import system_actor
from compliance.access.authentication import authenticator
from compliance.access.models import ApiKey, Principal
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.errors import Conflict, Invalid, NotFound
from compliance.ids import has_prefix, new_id

KINDS = ("person", "application")
BOOTSTRAP_NAME = "admin"


def _issue_key(svc, principal: Principal, expires_at: datetime | None) -> str:
    new = apikeys.generate()
    ApiKey.create(
        id=new_id("key"),
        principal=principal,
        prefix_id=new.prefix_id,
        key_hash=new.hash,
        last4=new.last4,
        created_at=svc.clock.now(),
        expires_at=expires_at,
    )
    return new.secret


def create(
    svc, actor: Actor, name: str, role: str, *, kind: str = "person", expires_in_days: int | None = None
) -> dict[str, Any]:
    """Create a principal with one API key; the key is returned once and stored only as a hash."""
    actor.require("principals:manage")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("a principal needs a name of 1-100 characters", errors=[{"field": "name", "code": "name.length"}])
    if kind not in KINDS:
        raise Invalid("kind must be person or application", errors=[{"field": "kind", "code": "kind.unknown"}])
    if role not in svc.policies.roles:
        _unknown_role(svc, role)
    if expires_in_days is not None and expires_in_days <= 0:
        raise Invalid(
            "expiry must be a positive number of days", errors=[{"field": "expires_in_days", "code": "range"}]
        )
    with svc.transaction():
        if Principal.select().where(Principal.name == name).exists():
            raise Conflict("a principal with that name exists", errors=[{"field": "name", "code": "name.taken"}])
        principal = Principal.create(id=new_id("prn"), name=name, kind=kind, role=role, created_at=svc.clock.now())
        expires = svc.clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
        secret = _issue_key(svc, principal, expires)
        svc.audit.record(actor, AuditAction.PRINCIPAL_CREATE, principal.id, details={"role": role, "kind": kind})
    return {"id": principal.id, "name": name, "role": role, "kind": kind, "api_key": secret, "expires_at": iso(expires)}


def _unknown_role(svc, role: str) -> None:
    raise Invalid(
        f"unknown role {role!r} (known: {', '.join(sorted(svc.policies.roles))})",
        errors=[{"field": "role", "code": "role.unknown"}],
    )


def bootstrap_admin(svc) -> tuple[str, str] | None:
    """On a new instance, create the first admin principal and return (id, key) once; None if one exists."""
    if Principal.select().exists():
        return None
    actor = system_actor(svc, "init")
    created = create(svc, actor, BOOTSTRAP_NAME, "admin", kind="person")
    return created["id"], created["api_key"]


def list_principals(svc, actor: Actor) -> list[dict[str, Any]]:
    """Every principal with its keys (prefix and last four characters only)."""
    actor.require("principals:manage")
    out = []
    for p in Principal.select().order_by(Principal.created_at, Principal.id):
        out.append(
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "role": p.role,
                "created_at": iso(p.created_at),
                "revoked_at": iso(p.revoked_at),
                "keys": [
                    {
                        "id": k.id,
                        "prefix": f"csk_{k.prefix_id}…{k.last4}",
                        "created_at": iso(k.created_at),
                        "expires_at": iso(k.expires_at),
                        "last_used_at": iso(k.last_used_at),
                        "revoked_at": iso(k.revoked_at),
                    }
                    for k in p.keys.order_by(ApiKey.created_at)
                ],
            }
        )
    return out


def revoke(svc, actor: Actor, principal_id: str) -> dict[str, Any]:
    """Revoke a principal and all its keys (effective within the authentication cache lifetime)."""
    actor.require("principals:manage")
    if not has_prefix(principal_id, "prn"):
        raise NotFound("no such principal")
    with svc.transaction():
        principal = Principal.get_or_none(Principal.id == principal_id)
        if principal is None:
            raise NotFound("no such principal")
        now = svc.clock.now()
        if principal.revoked_at is None:
            principal.revoked_at = now
            principal.save()
        ApiKey.update(revoked_at=now).where((ApiKey.principal == principal) & ApiKey.revoked_at.is_null()).execute()
        svc.audit.record(actor, AuditAction.PRINCIPAL_REVOKE, principal_id)
    authenticator(svc).forget()
    return {"id": principal_id, "revoked_at": iso(principal.revoked_at)}
