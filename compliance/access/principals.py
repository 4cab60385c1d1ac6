"""Principals (people and applications) and their API keys: create, list, revoke, authenticate."""

from __future__ import annotations

import hmac
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from peewee import CharField, DateTimeField, ForeignKeyField

from compliance.access import apikeys
from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.errors import Conflict, Invalid, NotFound, Unauthenticated
from compliance.ids import has_prefix, new_id
from compliance.store.models import BaseModel

KINDS = ("person", "application")
BOOTSTRAP_NAME = "admin"


class Principal(BaseModel):
    """Someone or something that calls Consentry, with one role."""

    id = CharField(primary_key=True, max_length=40)
    name = CharField(max_length=100, unique=True)
    kind = CharField(max_length=16, default="person")
    role = CharField(max_length=32)
    created_at = DateTimeField()
    revoked_at = DateTimeField(null=True)


class ApiKey(BaseModel):
    """An API key, stored only as a SHA-256 hash with a display prefix and the last four characters."""

    id = CharField(primary_key=True, max_length=40)
    principal = ForeignKeyField(Principal, backref="keys", on_delete="CASCADE")
    prefix_id = CharField(max_length=16, unique=True)
    key_hash = CharField(max_length=64)
    last4 = CharField(max_length=4)
    created_at = DateTimeField()
    expires_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


PRINCIPAL_MODELS = [Principal, ApiKey]


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
    actor = svc.system_actor("init")
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


class Authenticator:
    """Turns a bearer key into an Actor. Successful results are cached briefly so hot paths (consent
    checks) do not hit the database on every call; revocation takes effect within `ttl` seconds."""

    def __init__(self, svc, ttl: float = 5.0, touch_every: float = 60.0):
        self.svc = svc
        self.ttl = ttl
        self.touch_every = touch_every
        self._cache: dict[str, tuple[float, Actor, str]] = {}
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop cached results (after a revocation in this process)."""
        with self._lock:
            self._cache.clear()

    def authenticate(self, secret: str | None, *, channel: str = "api", request_id: str | None = None) -> Actor:
        """Return the Actor for a key or raise Unauthenticated with a reason code (never echoing the key)."""
        if not secret:
            raise Unauthenticated(
                "an API key is required (Authorization: Bearer csk_…)",
                errors=[{"field": "Authorization", "code": "key.missing"}],
            )
        known = self.recently_accepted(secret, channel=channel, request_id=request_id)
        if known is not None:
            return known
        digest = apikeys.hash_key(secret) if len(secret) <= 256 else ""
        now_mono = time.monotonic()
        parsed = apikeys.parse(secret)
        if parsed is None:
            raise Unauthenticated(
                "the API key is malformed", errors=[{"field": "Authorization", "code": "key.malformed"}]
            )
        if not apikeys.checksum_ok(secret):
            raise Unauthenticated(
                "the API key checksum is wrong", errors=[{"field": "Authorization", "code": "key.checksum"}]
            )
        key = ApiKey.get_or_none(ApiKey.prefix_id == parsed.prefix_id)
        if key is None or not hmac.compare_digest(key.key_hash, digest):
            raise Unauthenticated(
                "the API key is not known", errors=[{"field": "Authorization", "code": "key.unknown"}]
            )
        now = self.svc.clock.now()
        if key.revoked_at is not None or key.principal.revoked_at is not None:
            raise Unauthenticated("the API key was revoked", errors=[{"field": "Authorization", "code": "key.revoked"}])
        if key.expires_at is not None and key.expires_at <= now:
            raise Unauthenticated("the API key has expired", errors=[{"field": "Authorization", "code": "key.expired"}])
        principal = key.principal
        role = self.svc.policies.role(principal.role)
        actor = Actor(principal.id, principal.name, role.name, role.scopes, channel=channel)
        ttl = self.ttl
        if key.expires_at is not None:
            ttl = min(ttl, max(0.0, (key.expires_at - now).total_seconds()))
        with self._lock:
            self._cache[digest] = (now_mono + ttl, actor, key.id)
        self._touch(key.id, now_mono)
        return _with_request(actor, channel, request_id)

    def recently_accepted(
        self, secret: str | None, *, channel: str = "api", request_id: str | None = None
    ) -> Actor | None:
        """The Actor of a key accepted in the last few seconds (known by its hash), else None: nothing is raised
        or audited here, a caller that gets None runs authenticate() for the full checks and their errors."""
        # Only keys that passed every check of authenticate() are cached, so a hit skips repeating them.
        if not secret or len(secret) > 256:
            return None
        digest = apikeys.hash_key(secret)
        now_mono = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if not hit or hit[0] <= now_mono:
            return None
        self._touch(hit[2], now_mono)
        return _with_request(hit[1], channel, request_id)

    def _touch(self, key_id: str, now_mono: float) -> None:
        # last_used_at is written at most once a minute per key: a write per request would serialise checks.
        last = self._touched.get(key_id)
        if last is not None and now_mono - last < self.touch_every:
            return
        self._touched[key_id] = now_mono
        ApiKey.update(last_used_at=self.svc.clock.now()).where(ApiKey.id == key_id).execute()


def _with_request(actor: Actor, channel: str, request_id: str | None) -> Actor:
    return Actor(
        actor.principal_id,
        actor.name,
        actor.role,
        actor.scopes,
        channel=channel,
        request_id=request_id or actor.request_id,
    )


def authenticator(svc) -> Authenticator:
    """The per-instance authenticator (kept on the services object)."""
    auth = svc.extras.get("authenticator")
    if auth is None:
        auth = svc.extras["authenticator"] = Authenticator(svc)
    return auth


def principal_actor(svc, name: str, channel: str = "cli") -> Actor | None:
    """The Actor of a registered principal by name (the CLI acting as a named principal)."""
    principal = Principal.get_or_none(Principal.name == name)
    if principal is None:
        return None
    if principal.revoked_at is not None:
        raise Unauthenticated(f"principal {principal.id} is revoked")
    role = svc.policies.role(principal.role)
    return Actor(principal.id, principal.name, role.name, role.scopes, channel=channel)
