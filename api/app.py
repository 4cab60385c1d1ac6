"""create_app(): the Flask application, built from Settings (or ready Services in tests)."""

from __future__ import annotations

import os
import threading
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
_SECURITY_ITEMS = [(key.lower(), key, value) for key, value in SECURITY_HEADERS.items()]


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

    built_in = [os.getpid()]

    @app.before_request
    def _open():
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        if built_in[0] != os.getpid():  # forked after start-up (--preload): drop the parent's connection
            services.db._state.reset()
            built_in[0] = os.getpid()
        services.db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        db = services.db
        if db.is_closed() or db.in_transaction():
            return
        # A long-lived worker thread (gunicorn sync worker, tests) keeps its connection for the next request:
        # reconnecting costs a connect, the pragmas and, on SQLite, a WAL checkpoint on close, per request.
        # Per-request threads (the threaded development server) close theirs; so does a broken connection.
        if exc is None and threading.current_thread() is threading.main_thread() and db.is_connection_usable():
            return
        db.close()

    @app.after_request
    def _headers(response):
        # Same as headers.setdefault per header, without its per-call scan and KeyError (a hot-path cost).
        headers = response.headers
        present = {key.lower() for key, _ in headers.items()}
        for lowered, key, value in _SECURITY_ITEMS:
            if lowered not in present:
                headers.add(key, value)
        headers["X-Request-Id"] = g.get("request_id", "")
        return response

    from api import routes

    routes.init_app(app)
    return app
