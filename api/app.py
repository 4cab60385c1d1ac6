"""create_app(): the Flask application, built from Settings (or ready Services in tests)."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import Flask, g, request

from api import problems
from compliance.settings import Settings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "interest-cohort=()",
}


def create_app(test_config: dict | None = None, *, settings: Settings | None = None, services=None) -> Flask:
    """Build the app: settings from the environment unless given; services opened once per process."""
    app = Flask("consentry", static_folder=None, template_folder="templates", root_path=str(Path(__file__).parent))
    if services is None:
        from compliance.services import build_services

        services = build_services(settings or Settings.load())
    settings = services.settings
    app.config.update(
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["consentry"] = services
    problems.init_app(app)

    @app.before_request
    def _open():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        services.db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not services.db.is_closed() and not services.db.in_transaction():
            services.db.close()

    @app.after_request
    def _headers(response):
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    from api import routes

    routes.init_app(app)
    return app
