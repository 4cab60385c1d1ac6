"""The development server, with request logging that never writes query strings (they may hold PII)."""

from __future__ import annotations

import logging

from werkzeug.serving import WSGIRequestHandler, run_simple

log = logging.getLogger("consentry.http")


class QuietHandler(WSGIRequestHandler):
    """Logs method, path without the query string, status and size."""

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s %s", self.command, path, getattr(code, "value", code), size)

    def log(self, type, message, *args):  # noqa: A002 - werkzeug's signature
        # werkzeug's own messages can quote the request line; keep only the kind of event.
        log.log(logging.ERROR if type == "error" else logging.INFO, "http server %s", type)


def serve(app, host: str, port: int) -> None:
    """Run the app on host:port until interrupted."""
    logging.getLogger("werkzeug").disabled = True
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False, request_handler=QuietHandler)
