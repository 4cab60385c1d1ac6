"""Authentication: a bearer API key -> the Actor of its principal, with a short cache for hot paths."""

from __future__ import annotations

import hmac
import threading
import time

from compliance.access import apikeys
from compliance.access.actor import Actor
from compliance.access.actors import actor_of
from compliance.access.models import ApiKey
from compliance.errors import Unauthenticated


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
        actor = actor_of(self.svc, key.principal, channel=channel)
        ttl = self.ttl
        if key.expires_at is not None:
            ttl = min(ttl, max(0.0, (key.expires_at - now).total_seconds()))
        with self._lock:
            self._cache[digest] = (now_mono + ttl, actor, key.id)
        self._touch(key.id, now_mono)
        return actor.through(channel, request_id)

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
        return hit[1].through(channel, request_id)

    def _touch(self, key_id: str, now_mono: float) -> None:
        # last_used_at is written at most once a minute per key: a write per request would serialise checks.
        last = self._touched.get(key_id)
        if last is not None and now_mono - last < self.touch_every:
            return
        self._touched[key_id] = now_mono
        ApiKey.update(last_used_at=self.svc.clock.now()).where(ApiKey.id == key_id).execute()


def authenticator(svc) -> Authenticator:
    """The per-instance authenticator (kept on the services object)."""
    auth = svc.extras.get("authenticator")
    if auth is None:
        auth = svc.extras["authenticator"] = Authenticator(svc)
    return auth
