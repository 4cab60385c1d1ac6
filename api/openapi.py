"""The OpenAPI 3 document, generated from the Operations and schemas the routes declare."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from api import schemas
from api.routing import Operation

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def openapi_path(rule: str) -> str:
    """Flask's /v1/x/<id> as OpenAPI's /v1/x/{id}."""
    return _PARAM.sub(r"{\1}", rule)


def build_spec(app: Flask) -> dict:
    """Walk the url_map and describe every route with its scope, parameters, body and responses."""
    spec = APISpec(
        title="Consentry API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Consent, data-subject requests, hygiene and audit. Authenticate with "
            "`Authorization: Bearer csk_…`; each operation names the scope it needs."
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=schemas.Problem)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        op: Operation | None = getattr(app.view_functions[rule.endpoint], "operation", None)
        if op is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation: dict = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": op.summary,
                "tags": list(op.tags) or ["meta"],
                "x-scope": op.scope,
                "responses": {},
            }
            if op.also_needs:
                operation["x-also-needs"] = list(op.also_needs)
            params = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAM.findall(rule.rule)
            ]
            if op.query is not None:
                params.append({"in": "query", "schema": op.query})
            if params:
                operation["parameters"] = params
            if not op.public:
                operation["security"] = [{"bearer": []}]
            if op.body is not None:
                operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
            ok: dict = {"description": "success"}
            if op.response is not None:
                ok["content"] = {op.content_type: {"schema": op.response}}
            elif op.content_type != "application/json":
                ok["content"] = {op.content_type: {"schema": {"type": "string", "format": "binary"}}}
            operation["responses"][str(op.status)] = ok
            if op.status == 201:
                operation["responses"]["200"] = {
                    "description": "updated an existing record",
                    **({"content": ok["content"]} if "content" in ok else {}),
                }
            for code in op.errors:
                operation["responses"][str(code)] = {
                    "description": "problem",
                    "content": {"application/problem+json": {"schema": "Problem"}},
                }
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
