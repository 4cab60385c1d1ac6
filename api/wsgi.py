"""The WSGI layer around the Flask app: request ids, security headers, and the worker's database connection.

Nothing here knows Flask or the routes, so every middleware (the fast consent check included) can depend on it
while api.app composes them.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading

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
_SECURITY_ITEMS = [(key.lower(), (key, value)) for key, value in SECURITY_HEADERS.items()]
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
REQUEST_ID_KEY = "consentry.request_id"


class RequestIds:
    """Unique request ids without a system call per request: a random prefix per process and a counter."""

    def __init__(self):
        self._pid = -1
        self._prefix = ""
        self._count = itertools.count(1)

    def next(self) -> str:
        """A new id (32 hex characters, like a UUID's hex form)."""
        pid = os.getpid()
        if pid != self._pid:  # a forked worker starts its own sequence under a prefix of its own
            self._prefix, self._count, self._pid = secrets.token_hex(8), itertools.count(1), pid
        return f"{self._prefix}{next(self._count):016x}"


class ResponseHeaders:
    """WSGI middleware: gives every request an id and every response the security headers and that id.

    At the WSGI layer the headers are appended as ready tuples once per response, instead of going through
    werkzeug's per-header validation in an after_request hook (a measurable share of a consent check), and
    they reach every response, errors included. A header a view set itself (e.g. Cache-Control) is kept.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.ids = RequestIds()

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        # A caller's id is echoed only when it is a plain token: never raw input into a response header.
        request_id = given if given and _REQUEST_ID.match(given) else self.ids.next()
        environ[REQUEST_ID_KEY] = request_id

        def start(status, headers, exc_info=None):
            present = {key.lower() for key, _ in headers}
            headers.extend(item for lowered, item in _SECURITY_ITEMS if lowered not in present)
            headers.append(("X-Request-Id", request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


class Connections:
    """The worker's database connection around a request: opened (or reused) before, kept or closed after."""

    def __init__(self, db, sync_keys=None):
        self.db = db
        self.pid = os.getpid()
        self.sync_keys = sync_keys

    def open(self) -> None:
        """Connect, or reuse this thread's connection; a forked process drops the parent's first (--preload)."""
        if self.pid != os.getpid():
            self.db._state.reset()
            self.pid = os.getpid()
        self.db.connect(reuse_if_open=True)
        if self.sync_keys:
            # A long-running server takes in key versions `keys rotate` / `keys reindex` added or retired (a
            # stat of the key file per request), and erasures a restored database lacks (the ledger, at most
            # once a second: Services.before_request), before it looks anything up.
            self.sync_keys()

    def release(self, exc: BaseException | None = None) -> None:
        """After a request: keep a healthy connection of a long-lived thread, close any other."""
        db = self.db
        if db.is_closed() or db.in_transaction():
            return
        # A long-lived worker thread (gunicorn sync worker, tests) keeps its connection for the next request:
        # reconnecting costs a connect, the pragmas and, on SQLite, a WAL checkpoint on close, per request.
        # Per-request threads (the threaded development server) close theirs; so does a broken connection.
        if exc is None and threading.current_thread() is threading.main_thread() and db.is_connection_usable():
            return
        db.close()
