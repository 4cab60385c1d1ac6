"""create_app(): the Flask application, built from Settings (or ready Services in tests)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, g, request

from api import problems, routes
from api.fast_check import FastCheck
from api.wsgi import REQUEST_ID_KEY, Connections, ResponseHeaders
from compliance.services import build_services
from compliance.settings import Settings


class ConsentryFlask(Flask):
    """Flask, remembering which hooks and views are coroutines instead of asking inspect on every request."""

    _SYNC_LIMIT = 4096  # after_this_request callbacks are new functions per request: keep the memo bounded

    def ensure_sync(self, func):
        memo = self.__dict__.setdefault("_ensure_sync_memo", {})
        found = memo.get(func)
        if found is None:
            if len(memo) >= self._SYNC_LIMIT:
                memo.clear()
            found = memo[func] = super().ensure_sync(func)
        return found


def create_app(test_config: dict | None = None, *, settings: Settings | None = None, services=None) -> Flask:
    """Build the app: settings from the environment unless given; services opened once per process."""
    root = str(Path(__file__).parent)
    app = ConsentryFlask("consentry", static_folder=None, template_folder="templates", root_path=root)
    if services is None:
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

    connections = Connections(services.db, services.before_request)

    @app.before_request
    def _open():
        g.request_id = request.environ.get(REQUEST_ID_KEY) or secrets.token_hex(16)
        connections.open()

    @app.teardown_request
    def _close(exc):
        connections.release(exc)

    routes.init_app(app)
    if app.config.get("CONSENTRY_FAST_CHECK", settings.fast_check):
        app.wsgi_app = FastCheck(app.wsgi_app, app, services, connections)  # type: ignore[method-assign]
    app.wsgi_app = ResponseHeaders(app.wsgi_app)  # type: ignore[method-assign]
    return app
