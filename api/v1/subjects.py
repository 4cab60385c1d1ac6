"""Subjects: create/upsert, read, correct, look up, list; value history and restores."""

from __future__ import annotations

from flask import current_app, jsonify, request

from api import pagination, schemas
from api.routing import Operation, ScopedBlueprint, current_actor, schema_instance
from compliance.consent import signals
from compliance.errors import Invalid
from compliance.subjects import profiles as subjects
from compliance.subjects import values

bp = ScopedBlueprint("subjects", __name__, url_prefix="/v1/subjects")
TAGS = ("subjects",)


def _svc():
    return current_app.extensions["consentry"]


@bp.operation(
    "",
    "POST",
    Operation(
        "subjects:write",
        "Create a subject or update the one its identifiers match",
        body=schemas.SubjectIn,
        response=schemas.UpsertResult,
        status=201,
        tags=TAGS,
        errors=(401, 403, 409, 413, 415, 422),
    ),
)
def create_subject(body):
    kind = body.pop("kind", "person")
    source = body.pop("source", None)
    svc, actor = _svc(), current_actor()
    gpc = request.headers.get("Sec-GPC", "").strip() == "1"
    written = signals.upsert_with_gpc(svc, actor, body, kind=kind, source=source, gpc=gpc)
    result = {"id": written.subject_id, "created": written.created, "flags": written.flags,
              "review": written.review, "declined": written.declined}
    return jsonify(schemas.UpsertResult().dump(result)), 201 if written.created else 200


@bp.operation(
    "",
    "GET",
    Operation(
        "subjects:read",
        "List subjects, or find them by email, phone or external id",
        query=schemas.SubjectQuery,
        response=schemas.SubjectPage,
        paginated=True,
        tags=TAGS,
        errors=(401, 403, 422),
    ),
)
def list_subjects(query):
    svc, actor = _svc(), current_actor()
    limit = pagination.check_limit(query["limit"], svc.settings.max_page_size)
    filters = {k: query[k] for k in ("email", "phone", "external_id") if query.get(k)}
    if filters:
        ids = subjects.lookup(svc, actor, **filters)
        items = [subjects.read(svc, actor, sid) for sid in ids[:limit]]
        return jsonify(schemas.SubjectPage().dump({"items": items, "next_cursor": None}))
    items, last = subjects.list_page(svc, actor, after=pagination.decode(query.get("cursor")), limit=limit)
    return jsonify(schemas.SubjectPage().dump({"items": items, "next_cursor": pagination.encode(last)}))


@bp.operation(
    "/lookup",
    "POST",
    Operation(
        "subjects:read",
        "Find subjects by one identifier sent in the body",
        body=schemas.LookupIn,
        response=schemas.SubjectPage,
        tags=TAGS,
        errors=(401, 403, 415, 422),
    ),
)
def lookup_subjects(body):
    svc, actor = _svc(), current_actor()
    if len([v for v in body.values() if v]) != 1:
        raise Invalid(
            "give exactly one of email, phone or external_id",
            errors=[{"field": "body", "code": "lookup.one_identifier"}],
        )
    ids = subjects.lookup(svc, actor, **body)
    items = [subjects.read(svc, actor, sid) for sid in ids]
    return jsonify(schemas.SubjectPage().dump({"items": items, "next_cursor": None}))


@bp.operation(
    "/<subject_id>",
    "GET",
    Operation(
        "subjects:read",
        "Read a subject (PII masked without subjects:read_pii)",
        response=schemas.SubjectOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def get_subject(subject_id):
    return jsonify(schema_instance(schemas.SubjectOut).dump(subjects.read(_svc(), current_actor(), subject_id)))


@bp.operation(
    "/<subject_id>",
    "PATCH",
    Operation(
        "subjects:write",
        "Correct fields of a subject",
        body=schemas.SubjectPatch,
        response=schemas.SubjectOut,
        tags=TAGS,
        errors=(401, 403, 404, 409, 413, 415, 422),
    ),
)
def patch_subject(subject_id, body):
    if not body:
        raise Invalid("nothing to change", errors=[{"field": "body", "code": "empty"}])
    return jsonify(schemas.SubjectOut().dump(subjects.correct(_svc(), current_actor(), subject_id, body)))


@bp.operation(
    "/<subject_id>/history",
    "GET",
    Operation(
        "subjects:read_pii",
        "Values of a subject that writes replaced or declined, and restores, oldest first",
        response=schemas.HistoryPage,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def subject_history(subject_id):
    items = values.history(_svc(), current_actor(), subject_id)
    return jsonify(schemas.HistoryPage().dump({"items": items}))


@bp.operation(
    "/<subject_id>/history/<entry_id>/restore",
    "POST",
    Operation(
        "subjects:write",
        "Put the value kept in a history entry back into its field",
        response=schemas.RestoreOut,
        tags=TAGS,
        errors=(401, 403, 404, 409, 422),
    ),
)
def restore_history_value(subject_id, entry_id):
    result = values.restore_value(_svc(), current_actor(), entry_id, subject_id=subject_id)
    return jsonify(schemas.RestoreOut().dump(result))
