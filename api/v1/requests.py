"""Data-subject requests over HTTP: intake, list, workflow steps, access bundle and erasure certificate."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from marshmallow import RAISE, Schema, fields, validate

from api import pagination
from api.routing import Operation, ScopedBlueprint, current_actor
from compliance.dsar import access, certificates, decisions, intake, listing, verification
from compliance.dsar import process as processing
from compliance.dsar.states import INTAKE_CHANNELS, STATUSES, TYPES
from compliance.dsar.verification import VERIFY_FIELDS
from compliance.errors import Invalid

bp = ScopedBlueprint("requests", __name__, url_prefix="/v1/requests")
TAGS = ("requests",)


class RequestIn(Schema):
    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    regime = fields.String(required=True, validate=validate.Length(min=1, max=16))
    email = fields.String(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))
    subject = fields.String(validate=validate.Length(max=40))
    received_at = fields.String(validate=validate.Length(max=40))
    channel = fields.String(validate=validate.OneOf(INTAKE_CHANNELS))
    scope = fields.String(validate=validate.OneOf(("specific", "categories")))
    lookback = fields.String(validate=validate.OneOf(("default", "full")))
    changes = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class ListQuery(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(STATUSES))
    type = fields.String(validate=validate.OneOf(TYPES))
    overdue = fields.Boolean(load_default=False)
    limit = fields.Integer(validate=validate.Range(min=1), load_default=50)
    cursor = fields.String(validate=validate.Length(max=200), load_default=None, allow_none=True)


class MatchOut(Schema):
    subject = fields.String()
    match = fields.String()
    score = fields.Float(allow_none=True)
    included = fields.Boolean()


class RequestOut(Schema):
    id = fields.String()
    type = fields.String()
    regime = fields.String()
    status = fields.String()
    channel = fields.String()
    received_at = fields.String()
    due_at = fields.String()
    original_due_at = fields.String()
    acknowledge_by = fields.String(allow_none=True)
    acknowledged_at = fields.String(allow_none=True)
    extended = fields.Boolean()
    extended_at = fields.String(allow_none=True)
    overdue = fields.Boolean()
    days_left = fields.Integer(allow_none=True)
    verified = fields.Boolean()
    approved = fields.Boolean()
    subject = fields.String(allow_none=True)
    duplicate_of = fields.String(allow_none=True)
    response = fields.String(allow_none=True)
    response_at = fields.String(allow_none=True)
    denial_ground = fields.String(allow_none=True)
    matched = fields.List(fields.Nested(MatchOut))
    code_sent = fields.Boolean()
    extension_reason = fields.String(allow_none=True)
    scope = fields.String()
    lookback = fields.String()
    verification = fields.Dict()
    approved_by = fields.String(allow_none=True)
    approved_at = fields.String(allow_none=True)
    notices = fields.List(fields.Dict())
    timeline = fields.List(fields.Dict())
    erasure_steps = fields.List(fields.Dict())
    certificate = fields.Boolean()
    actions = fields.List(fields.String())  # what the caller may do next (GET of one request)


class RequestList(Schema):
    items = fields.List(fields.Nested(RequestOut))
    next_cursor = fields.String(allow_none=True)


class VerifyIn(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(required=True, validate=validate.OneOf(("code", "manual")))
    code = fields.String(validate=validate.Length(min=4, max=12))
    note = fields.String(validate=validate.Length(max=500))
    match = fields.Dict(keys=fields.String(validate=validate.OneOf(VERIFY_FIELDS)), values=fields.String())


class ExtendIn(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class RejectIn(Schema):
    class Meta:
        unknown = RAISE

    ground = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class CertificateOut(Schema):
    certificate = fields.Dict()
    signature = fields.String()
    public_key = fields.String()
    algorithm = fields.String()
    signed = fields.String()
    valid = fields.Boolean()  # the signature verifies over the certificate


def _svc():
    return current_app.extensions["consentry"]


def _out(data):
    return jsonify(RequestOut().dump(data))


@bp.operation(
    "",
    "POST",
    Operation(
        "requests:submit",
        "Submit a data-subject request; deadlines count from received_at (default: now)",
        body=RequestIn,
        response=RequestOut,
        status=201,
        tags=TAGS,
        errors=(401, 403, 409, 413, 415, 422),
    ),
)
def submit(body):
    return _out(intake.submit(_svc(), current_actor(), **body)), 201


@bp.operation(
    "",
    "GET",
    Operation(
        "requests:read",
        "List requests (newest first), by status or type, or only the overdue ones",
        query=ListQuery,
        response=RequestList,
        tags=TAGS,
        errors=(401, 403, 422),
    ),
)
def list_requests(query):
    svc = _svc()
    limit = pagination.check_limit(query.pop("limit"), svc.settings.max_page_size)
    after = pagination.decode(query.pop("cursor"))
    if after is not None and not (
        isinstance(after, list) and len(after) == 2 and all(isinstance(x, str) for x in after)
    ):
        raise Invalid("the cursor is not valid", errors=[{"field": "cursor", "code": "cursor.invalid"}])
    items = listing.list_requests(svc, current_actor(), **query, after=tuple(after) if after else None, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    cursor = pagination.encode([items[-1]["received_at"], items[-1]["id"]]) if more and items else None
    return jsonify(RequestList().dump({"items": items, "next_cursor": cursor}))


@bp.operation(
    "/<request_id>",
    "GET",
    Operation(
        "requests:read",
        "One request with matches, verification, notices and timeline",
        response=RequestOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def show(request_id):
    return _out(listing.show(_svc(), current_actor(), request_id))


@bp.operation(
    "/<request_id>/verify",
    "POST",
    Operation(
        "requests:manage",
        "Verify the requester: method code (without code: send one) or manual (DPO, with a note)",
        body=VerifyIn,
        response=RequestOut,
        tags=TAGS,
        also_needs=("requests:approve",),
        errors=(401, 403, 404, 409, 415, 422),
    ),
)
def verify(request_id, body):
    return _out(verification.verify(_svc(), current_actor(), request_id, **body))


@bp.operation(
    "/<request_id>/extend",
    "POST",
    Operation(
        "requests:manage",
        "The one extension, before the due date, with a reason (notified to the requester)",
        body=ExtendIn,
        response=RequestOut,
        tags=TAGS,
        errors=(401, 403, 404, 409, 415, 422),
    ),
)
def extend(request_id, body):
    return _out(decisions.extend(_svc(), current_actor(), request_id, **body))


@bp.operation(
    "/<request_id>/approve",
    "POST",
    Operation(
        "requests:approve",
        "DPO approval (required before an erasure runs)",
        response=RequestOut,
        tags=TAGS,
        errors=(401, 403, 404, 409),
    ),
)
def approve(request_id):
    return _out(decisions.approve(_svc(), current_actor(), request_id))


@bp.operation(
    "/<request_id>/reject",
    "POST",
    Operation(
        "requests:approve",
        "Refuse with a ground; the requester is told of the right to complain",
        body=RejectIn,
        response=RequestOut,
        tags=TAGS,
        errors=(401, 403, 404, 409, 415, 422),
    ),
)
def reject(request_id, body):
    return _out(decisions.reject(_svc(), current_actor(), request_id, **body))


@bp.operation(
    "/<request_id>/process",
    "POST",
    Operation(
        "requests:manage",
        "Carry out the request (an erasure also needs requests:approve); resumes an interrupted erasure",
        response=RequestOut,
        tags=TAGS,
        also_needs=("requests:approve",),
        errors=(401, 403, 404, 409),
    ),
)
def process(request_id):
    return _out(processing.process(_svc(), current_actor(), request_id))


@bp.operation(
    "/<request_id>/export",
    "GET",
    Operation(
        "requests:manage",
        "The access/portability bundle (zip of JSON and CSV files with the Art. 15 information)",
        tags=TAGS,
        content_type="application/zip",
        errors=(401, 403, 404, 409),
    ),
)
def export(request_id):
    data = access.export_bundle(_svc(), current_actor(), request_id)
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{request_id}.zip"', "Cache-Control": "no-store"},
    )


@bp.operation(
    "/<request_id>/certificate",
    "GET",
    Operation(
        "requests:manage",
        "The Ed25519-signed erasure certificate",
        response=CertificateOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def certificate(request_id):
    return jsonify(certificates.certificate(_svc(), current_actor(), request_id))
