"""Blueprint registration: every blueprint of the API and admin pages, then the scope check of the registry."""

from __future__ import annotations

from flask import Flask

from api import audit, auth, meta, subjects
from api.routing import check_registry

BLUEPRINTS = [meta.bp, subjects.bp, audit.bp]


def optional_blueprints() -> list:
    """Blueprints of domains that are present in this build."""
    found = []
    for name in ("consent", "requests", "hygiene", "policies_routes", "web"):
        try:
            module = __import__(f"api.{name}", fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if exc.name != f"api.{name}":
                raise
            continue
        found.append(module.bp)
    return found


def init_app(app: Flask) -> None:
    """Register blueprints and the authentication hook; refuse to start with an unscoped route."""
    auth.init_app(app)
    for bp in BLUEPRINTS + optional_blueprints():
        app.register_blueprint(bp)
    check_registry(app)
