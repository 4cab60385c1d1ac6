"""Blueprint registration: every blueprint of the API and admin pages, then the scope check of the registry."""

from __future__ import annotations

from flask import Flask

from api import auth, web
from api.routing import check_registry
from api.v1 import audit, consent, hygiene, meta, policies, requests, subjects

# Explicit: a module that fails to import stops start-up instead of silently dropping its routes.
BLUEPRINTS = [meta.bp, subjects.bp, audit.bp, consent.bp, requests.bp, hygiene.bp, policies.bp, web.bp]


def init_app(app: Flask) -> None:
    """Register blueprints and the authentication hook; refuse to start with an unscoped route."""
    auth.init_app(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    check_registry(app)
