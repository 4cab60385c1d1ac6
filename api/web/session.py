"""The admin pages' session: a signed cookie holding a random session id and, once signed in, the principal id.

Never the API key. The signing secret is derived from the instance's audit key with HKDF (kept on the
services object, not in a module global), so every worker of one instance agrees on it and another
instance's cookies are worthless here. CSRF tokens are an HMAC of the session id under the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "consentry_web"
MAX_AGE = 8 * 3600  # an absolute lifetime: sign in again after a working day
CSRF_FIELD = "csrf_token"
_SALT = "consentry.web.session.v1"


def secret(svc) -> bytes:
    """The instance's session secret (derived once per services object)."""
    value = svc.extras.get("web.secret")
    if value is None:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"consentry web session v1")
        value = svc.extras["web.secret"] = hkdf.derive(svc.keys.audit_key())
    return value


def _serializer(svc) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret(svc), salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})


def new(principal_id: str | None = None, lang: str | None = None) -> dict[str, Any]:
    """A fresh session with a new random id (a new id on every sign-in: no session fixation)."""
    data: dict[str, Any] = {"sid": secrets.token_urlsafe(24)}
    if principal_id:
        data["pid"] = principal_id
    if lang:
        data["lang"] = lang
    return data


def dump(svc, data: dict[str, Any]) -> str:
    """The signed cookie value."""
    return _serializer(svc).dumps(data)


def load(svc, value: str | None) -> dict[str, Any] | None:
    """The session in a cookie, or None when absent, forged or older than MAX_AGE."""
    if not value:
        return None
    try:
        data = _serializer(svc).loads(value, max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        return None
    return data


def csrf_token(svc, data: dict[str, Any]) -> str:
    """The CSRF token of a session: HMAC of its id, so it changes with every sign-in."""
    return hmac.new(secret(svc), b"csrf:" + data["sid"].encode(), hashlib.sha256).hexdigest()


def csrf_ok(svc, data: dict[str, Any] | None, token: str | None) -> bool:
    """True when the token was issued for this session."""
    if not data or not token:
        return False
    return hmac.compare_digest(csrf_token(svc, data), token)


def set_cookie(response, svc, data: dict[str, Any]) -> None:
    """Write the session cookie: Secure, HttpOnly, SameSite=Strict, whole site, no Domain."""
    response.set_cookie(
        COOKIE, dump(svc, data), max_age=MAX_AGE, path="/", secure=True, httponly=True, samesite="Strict"
    )


def clear_cookie(response) -> None:
    """Delete the session cookie (with the same flags so browsers match it)."""
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="Strict")
