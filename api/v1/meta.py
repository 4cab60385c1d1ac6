"""Routes that need no key: health, the OpenAPI document, its rendering, and static assets."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Response, abort, current_app, jsonify, render_template

from api import schemas
from api.openapi import build_spec
from api.routing import PUBLIC, Operation, ScopedBlueprint

bp = ScopedBlueprint("meta", __name__)
STATIC = Path(__file__).resolve().parent.parent / "static"


@bp.operation(
    "/healthz", "GET", Operation(PUBLIC, "Liveness and database reachability", response=schemas.Health, errors=())
)
def healthz():
    current_app.extensions["consentry"].db.execute_sql("SELECT 1")
    return jsonify({"status": "ok"})


@bp.operation("/openapi.json", "GET", Operation(PUBLIC, "This API's OpenAPI 3 document", errors=()))
def openapi():
    spec = current_app.extensions.get("consentry.openapi")
    if spec is None:
        spec = current_app.extensions["consentry.openapi"] = build_spec(current_app)
    return jsonify(spec)


@bp.operation("/docs", "GET", Operation(PUBLIC, "The API reference as a web page", content_type="text/html", errors=()))
def docs():
    spec = current_app.extensions.get("consentry.openapi") or build_spec(current_app)
    return render_template("api_docs.html", spec=spec)


@bp.operation(
    "/assets/<name>",
    "GET",
    Operation(PUBLIC, "Stylesheets and scripts of the web pages", content_type="text/plain", errors=(404,)),
)
def assets(name):
    if "/" in name or name.startswith(".") or not (STATIC / name).is_file():
        abort(404)
    # Small files: read them whole so no file handle outlives the response.
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = Response((STATIC / name).read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
