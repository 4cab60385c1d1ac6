"""RFC 9457 problem+json responses for every error; never a stack trace, never submitted values."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json
from werkzeug.exceptions import HTTPException

from compliance.errors import ConsentryError

PROBLEM = "application/problem+json"
log = logging.getLogger("consentry.api")


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
) -> Response:
    """Build a problem+json response."""
    body = {
        "type": f"https://consentry.dev/problems/{code or status}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "request_id": getattr(g, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def init_app(app: Flask) -> None:
    """Register handlers mapping domain and HTTP errors to problem+json."""

    @app.errorhandler(ConsentryError)
    def _domain(exc: ConsentryError):
        headers = {"WWW-Authenticate": 'Bearer realm="consentry"'} if exc.status == 401 else None
        return problem(
            exc.status, exc.code.replace("_", " "), exc.message, code=exc.code, errors=exc.errors, headers=headers
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        headers = {}
        if exc.code == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        return problem(
            exc.code or 500,
            exc.name,
            exc.description if exc.code != 500 else None,
            code=(exc.name or "error").lower().replace(" ", "_"),
            headers=headers,
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log the type and request id only: exception messages can carry data from the request.
        log.error("unhandled %s in request %s", type(exc).__name__, getattr(g, "request_id", "-"))
        return problem(
            500,
            "Internal Server Error",
            "an unexpected error occurred; quote the request id to support",
            code="internal",
        )
