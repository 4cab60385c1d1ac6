"""Authentication and scope checks for every route, before the view runs; failures are audited."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from api.routing import Operation
from compliance.access.authentication import authenticator
from compliance.audit.actions import AuditAction
from compliance.errors import Forbidden, Unauthenticated


def bearer(req=None) -> str | None:
    """The key from `Authorization: Bearer …` of this request (or the one given), or None."""
    return bearer_token((req if req is not None else request).headers.get("Authorization", ""))


def bearer_token(header: str) -> str | None:
    """The key of an `Authorization` header value of the Bearer scheme, or None."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def init_app(app: Flask) -> None:
    """Install the authentication hook."""

    @app.before_request
    def _authenticate():
        # Every request passes here: resolve the context proxies once (each lookup costs a context-var read).
        req, flask_app, ctx = request._get_current_object(), current_app._get_current_object(), g._get_current_object()
        view = flask_app.view_functions.get(req.endpoint or "")
        op: Operation | None = getattr(view, "operation", None)
        if op is None or op.public:
            return None  # unknown routes fall through to 404/405; public routes need no key
        svc = flask_app.extensions["consentry"]
        if getattr(ctx, "actor", None) is not None:  # already signed in (admin pages' session)
            actor = ctx.actor
        else:
            try:
                actor = authenticator(svc).authenticate(bearer(req), channel="api", request_id=ctx.request_id)
            except Unauthenticated as exc:
                code = exc.errors[0]["code"] if exc.errors else "key"
                svc.audit.record(
                    "anonymous",
                    AuditAction.AUTH_FAILED,
                    request.endpoint or "",
                    outcome="denied",
                    details={"reason": code, "method": request.method},
                    request_id=ctx.request_id,
                )
                raise
            ctx.actor = actor
        if not actor.can(op.scope):
            svc.audit.record(
                actor,
                AuditAction.AUTH_DENIED,
                request.endpoint or "",
                outcome="denied",
                details={"scope": op.scope, "method": request.method},
            )
            raise Forbidden(f"this route needs the scope {op.scope}")
        return None
