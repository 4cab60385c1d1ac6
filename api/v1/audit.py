"""Audit trail over HTTP: paginated entries and chain verification."""

from __future__ import annotations

from flask import current_app, jsonify

from api import pagination, schemas
from api.routing import Operation, ScopedBlueprint, current_actor
from compliance.audit import service as audit_service

bp = ScopedBlueprint("audit", __name__, url_prefix="/v1/audit")
TAGS = ("audit",)


@bp.operation(
    "",
    "GET",
    Operation(
        "audit:read",
        "Audit entries in order, filtered by action or target",
        query=schemas.AuditQuery,
        response=schemas.AuditPage,
        paginated=True,
        tags=TAGS,
        errors=(401, 403, 422),
    ),
)
def list_entries(query):
    svc = current_app.extensions["consentry"]
    limit = pagination.check_limit(query["limit"], svc.settings.max_page_size)
    found = audit_service.page(
        svc,
        current_actor(),
        after=pagination.decode(query.get("cursor")) or 0,
        limit=limit,
        action=query.get("action"),
        target=query.get("target"),
    )
    cursor = pagination.encode(found["next_after"])
    return jsonify(schemas.AuditPage().dump({"items": found["items"], "next_cursor": cursor}))


@bp.operation(
    "/verify",
    "GET",
    Operation(
        "audit:read", "Recompute the hash chain and MACs", response=schemas.VerifyOut, tags=TAGS, errors=(401, 403)
    ),
)
def verify():
    svc = current_app.extensions["consentry"]
    return jsonify(schemas.VerifyOut().dump(audit_service.verify(svc, current_actor())))
