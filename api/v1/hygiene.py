"""Hygiene over HTTP: runs, the review queue (fields side by side), explanations, merge, reject, undo, report,
issues."""

from __future__ import annotations

from flask import current_app, jsonify
from marshmallow import RAISE, Schema, fields, validate

from api import pagination
from api.routing import Operation, ScopedBlueprint, current_actor
from compliance.stewardship import dedupe as dedupe_service
from compliance.stewardship import merges, review, validation
from compliance.stewardship import quality as quality_report

bp = ScopedBlueprint("hygiene", __name__, url_prefix="/v1/hygiene")
TAGS = ("hygiene",)


def _svc():
    return current_app.extensions["consentry"]


class RunIn(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(("validate", "dedupe")))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "dedupe only: change nothing"})
    fix = fields.Boolean(load_default=False, metadata={"description": "validate only: apply safe normalisations"})


class RunOut(Schema):
    run = fields.String(allow_none=True)
    kind = fields.String()
    records = fields.Integer()
    issues = fields.Integer()
    fixed = fields.Integer()
    candidates = fields.Integer()
    auto_merged = fields.Integer()
    review = fields.Integer()
    dry_run = fields.Boolean()
    blocking = fields.Dict(
        metadata={"description": "dedupe: candidate pairs, and per blocking rule its blocks, pairs and share of them"}
    )
    model = fields.Dict(metadata={"description": 'dedupe: the model that scored the run {"source", "prior", ...}'})


class CandidateQuery(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(load_default="open", validate=validate.OneOf(("open", "merged", "rejected", "superseded")))
    limit = fields.Integer(validate=validate.Range(min=1), load_default=50)
    cursor = fields.String(validate=validate.Length(max=200), load_default=None, allow_none=True)


class SideBySide(Schema):
    field = fields.String()
    a = fields.Raw(allow_none=True)
    b = fields.Raw(allow_none=True)


class FieldWeightOut(Schema):
    field = fields.String()
    level = fields.String(metadata={"description": 'how the two values compare, e.g. "same spelling", "missing"'})
    weight = fields.Float(metadata={"description": "log2 Bayes factor of that level (0 when missing)"})
    tf_adjusted = fields.Boolean(metadata={"description": "weighed by how common the agreeing value is"})


class ExplanationOut(Schema):
    prior_weight = fields.Float(metadata={"description": "log2 odds of a match before any field"})
    fields_ = fields.List(fields.Nested(FieldWeightOut), data_key="fields", attribute="fields")
    total = fields.Float(metadata={"description": "prior_weight + the field weights"})
    probability = fields.Float(metadata={"description": "the match probability of the total"})
    veto = fields.String(allow_none=True, metadata={"description": "the hard-negative rule that kept the pair apart"})
    conflicts = fields.List(fields.String())


class CandidateOut(Schema):
    id = fields.String()
    a = fields.String()
    b = fields.String()
    score = fields.Float()
    probability = fields.Float(
        allow_none=True, metadata={"description": "the model's match probability; null for pairs an import queued"}
    )
    decision = fields.String()
    reasons = fields.List(fields.String(), metadata={"description": "fields that agreed, or an identity.* code"})
    explanation = fields.Nested(
        ExplanationOut, allow_none=True, metadata={"description": "per-field weights; null for pairs an import queued"}
    )
    status = fields.String()
    run = fields.String()
    created_at = fields.String()
    merge = fields.String(allow_none=True)
    masked = fields.Boolean(metadata={"description": "true when personal data is masked (no subjects:read_pii)"})
    fields_ = fields.List(fields.Nested(SideBySide), data_key="fields")


class CandidatePage(Schema):
    items = fields.List(fields.Nested(CandidateOut))
    next_cursor = fields.String(allow_none=True)


class ExplainOut(Schema):
    candidate = fields.String()
    a = fields.String()
    b = fields.String()
    score = fields.Float()
    decision = fields.String()
    status = fields.String()
    reasons = fields.List(fields.String())
    explanation = fields.Nested(
        ExplanationOut, allow_none=True, metadata={"description": "null when an import queued the pair unscored"}
    )


class MergeQuery(Schema):
    class Meta:
        unknown = RAISE

    survivor = fields.String(validate=validate.Length(max=40), metadata={"description": "default: the older record"})


class MergeOut(Schema):
    id = fields.String()
    survivor = fields.String()
    loser = fields.String()
    status = fields.String()
    automatic = fields.Boolean()
    purchases = fields.Integer()
    interactions = fields.Integer()
    consent_events = fields.Integer()
    suppressed_dropped = fields.Integer()


class RejectOut(Schema):
    id = fields.String()
    status = fields.String()
    a = fields.String()
    b = fields.String()


class IssueQuery(Schema):
    class Meta:
        unknown = RAISE

    subject = fields.String(validate=validate.Length(max=40))
    code = fields.String(validate=validate.Length(max=64))
    limit = fields.Integer(validate=validate.Range(min=1), load_default=100)
    cursor = fields.String(validate=validate.Length(max=200), load_default=None, allow_none=True)


class IssueOut(Schema):
    subject = fields.String()
    field = fields.String()
    code = fields.String()
    severity = fields.String()
    fixable = fields.Boolean()
    run = fields.String(allow_none=True)


class IssuePage(Schema):
    items = fields.List(fields.Nested(IssueOut))
    next_cursor = fields.String(allow_none=True)


class ReportOut(Schema):
    subjects = fields.Integer()
    validation = fields.Dict(allow_none=True)
    open_issues = fields.Dict()
    duplicates = fields.Dict(allow_none=True)
    candidates = fields.Dict()
    merges = fields.Dict()
    trend = fields.List(fields.Dict())


@bp.operation(
    "/runs",
    "POST",
    Operation(
        "hygiene:run",
        "Run validation or duplicate detection now (dedupe auto-merges only with hygiene:merge)",
        body=RunIn,
        response=RunOut,
        status=201,
        tags=TAGS,
        also_needs=("hygiene:merge",),
        errors=(401, 403, 415, 422),
    ),
)
def start_run(body):
    svc, actor = _svc(), current_actor()
    if body["kind"] == "validate":
        data = validation.run(svc, actor, fix=body["fix"])
    else:
        data = dedupe_service.run(svc, actor, dry_run=body["dry_run"])
    data = {**data, "kind": body["kind"]}
    return jsonify(RunOut().dump(data)), 201


@bp.operation(
    "/candidates",
    "GET",
    Operation(
        "hygiene:read",
        "Candidate duplicate pairs with both records' fields side by side (masked without subjects:read_pii)",
        query=CandidateQuery,
        response=CandidatePage,
        paginated=True,
        tags=TAGS,
        errors=(401, 403, 422),
    ),
)
def list_candidates(query):
    svc, actor = _svc(), current_actor()
    limit = pagination.check_limit(query["limit"], svc.settings.max_page_size)
    after = pagination.decode(query.get("cursor"))
    if after is not None and not isinstance(after, str):
        after = None
    items, last = review.candidates_page(svc, actor, status=query["status"], after=after, limit=limit)
    for item in items:
        item["fields_"] = item.pop("fields")
    return jsonify(CandidatePage().dump({"items": items, "next_cursor": pagination.encode(last)}))


@bp.operation(
    "/candidates/<candidate_id>/explanation",
    "GET",
    Operation(
        "hygiene:read",
        "Why a candidate pair was proposed: prior, each field's level and weight (log2 Bayes factor), total, "
        "probability and veto; never values",
        response=ExplainOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def explain_candidate(candidate_id):
    return jsonify(ExplainOut().dump(review.explain(_svc(), current_actor(), candidate_id)))


@bp.operation(
    "/candidates/<candidate_id>/merge",
    "POST",
    Operation(
        "hygiene:merge",
        "Merge a candidate pair (survivor: the older record unless ?survivor= names one)",
        query=MergeQuery,
        response=MergeOut,
        tags=TAGS,
        errors=(401, 403, 404, 409, 422),
    ),
)
def merge_candidate(candidate_id, query):
    data = merges.merge_candidate(_svc(), current_actor(), candidate_id, survivor=query.get("survivor"))
    return jsonify(MergeOut().dump({**data, "status": "applied"}))


@bp.operation(
    "/candidates/<candidate_id>/reject",
    "POST",
    Operation(
        "hygiene:merge",
        "Mark a candidate pair as two different people",
        response=RejectOut,
        tags=TAGS,
        errors=(401, 403, 404, 409),
    ),
)
def reject_candidate(candidate_id):
    return jsonify(RejectOut().dump(merges.reject(_svc(), current_actor(), candidate_id)))


@bp.operation(
    "/merges/<merge_id>/undo",
    "POST",
    Operation(
        "hygiene:merge",
        "Undo a merge: both records restored exactly from the encrypted undo data",
        response=MergeOut,
        tags=TAGS,
        errors=(401, 403, 404, 409),
    ),
)
def undo_merge(merge_id):
    return jsonify(MergeOut().dump(merges.unmerge(_svc(), current_actor(), merge_id)))


@bp.operation(
    "/report",
    "GET",
    Operation(
        "hygiene:read",
        "Data-quality report: completeness, invalid counts, duplicate rate, trend",
        response=ReportOut,
        tags=TAGS,
        errors=(401, 403),
    ),
)
def report():
    return jsonify(ReportOut().dump(quality_report.report(_svc(), current_actor())))


@bp.operation(
    "/issues",
    "GET",
    Operation(
        "hygiene:read",
        "Recorded validation issues (subject, field, code, severity; never values)",
        query=IssueQuery,
        response=IssuePage,
        paginated=True,
        tags=TAGS,
        errors=(401, 403, 422),
    ),
)
def list_issues(query):
    svc, actor = _svc(), current_actor()
    limit = pagination.check_limit(query["limit"], svc.settings.max_page_size)
    after = pagination.decode(query.get("cursor"))
    items, last = validation.issues(
        svc,
        actor,
        subject=query.get("subject"),
        code=query.get("code"),
        after=after if isinstance(after, int) else 0,
        limit=limit,
    )
    return jsonify(IssuePage().dump({"items": items, "next_cursor": pagination.encode(last)}))
