"""Consent over HTTP: checks (single and bulk), events, confirmation, objection, history, receipts."""

from __future__ import annotations

from flask import current_app, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from api.routing import PUBLIC, Operation, ScopedBlueprint, current_actor
from compliance.access.actor import ANONYMOUS
from compliance.consent import decisions, ledger, receipts, signals

bp = ScopedBlueprint("consent", __name__)
TAGS = ("consent",)
STATES = ("granted", "withdrawn", "pending", "none", "expired", "suppressed", "restricted")


class CheckQuery(Schema):
    class Meta:
        unknown = RAISE

    purpose = fields.String(required=True, validate=validate.Length(max=64))
    channel = fields.String(validate=validate.Length(max=16))
    subject = fields.String(validate=validate.Length(max=40))
    email = fields.String(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))


class Decision(Schema):
    allowed = fields.Boolean(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    purpose = fields.String(required=True)
    channel = fields.String()
    subject = fields.String()
    basis = fields.String()
    reason = fields.String()


class BulkCheckIn(Schema):
    class Meta:
        unknown = RAISE

    purpose = fields.String(required=True, validate=validate.Length(max=64))
    channel = fields.String(validate=validate.Length(max=16))
    subjects = fields.List(
        fields.String(validate=validate.Length(max=40)), required=True, validate=validate.Length(min=1)
    )


class BulkCheckOut(Schema):
    items = fields.List(fields.Nested(Decision))


class Evidence(Schema):
    class Meta:
        unknown = RAISE

    ip = fields.String(validate=validate.Length(max=64))
    user_agent = fields.String(validate=validate.Length(max=512))
    form = fields.String(validate=validate.Length(max=200))
    page = fields.String(validate=validate.Length(max=500))
    campaign = fields.String(validate=validate.Length(max=100))
    locale = fields.String(validate=validate.Length(max=16))


class EventIn(Schema):
    class Meta:
        unknown = RAISE

    subject = fields.String(validate=validate.Length(max=40))
    email = fields.String(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))
    purpose = fields.String(required=True, validate=validate.Length(max=64))
    channel = fields.String(validate=validate.Length(max=16))
    action = fields.String(required=True, validate=validate.OneOf(("grant", "withdraw")))
    source = fields.String(required=True, validate=validate.Length(min=1, max=64))
    method = fields.String(validate=validate.Length(max=64))
    notice_version = fields.String(validate=validate.Length(max=64))
    evidence = fields.Nested(Evidence)


class EventOut(Schema):
    id = fields.String()
    subject = fields.String()
    purpose = fields.String()
    channel = fields.String()
    action = fields.String()
    state = fields.String()
    source = fields.String()
    method = fields.String()
    notice_version = fields.String()
    legal_basis = fields.String()
    occurred_at = fields.String()
    actor = fields.String()
    receipt_id = fields.String()
    expires_at = fields.String(allow_none=True)
    confirmation = fields.String()
    gpc = fields.Nested(lambda: EventOut(exclude=("gpc",)), allow_none=True)


class ConfirmIn(Schema):
    class Meta:
        unknown = RAISE

    token = fields.String(required=True, validate=validate.Length(min=10, max=200))


class StateOut(Schema):
    purpose = fields.String()
    channel = fields.String()
    state = fields.String()
    expires_at = fields.String(allow_none=True)
    updated_at = fields.String()


class HistoryOut(Schema):
    subject = fields.String()
    states = fields.List(fields.Nested(StateOut))
    events = fields.List(fields.Nested(EventOut))


class ObjectionOut(Schema):
    subject = fields.String()
    withdrawn = fields.Integer()
    suppressed_identifiers = fields.Integer()


class Receipt(Schema):
    """Kantara Consent Receipt v1.1 fields."""

    version = fields.String()
    jurisdiction = fields.String()
    consentTimestamp = fields.Integer()  # noqa: N815 - Kantara field name
    collectionMethod = fields.String()  # noqa: N815
    consentReceiptID = fields.String()  # noqa: N815
    publicKey = fields.String(allow_none=True)  # noqa: N815
    language = fields.String()
    piiPrincipalId = fields.String()  # noqa: N815
    piiControllers = fields.List(fields.Dict())  # noqa: N815
    policyUrl = fields.String()  # noqa: N815
    services = fields.List(fields.Dict())
    purposes = fields.List(fields.String())
    termination = fields.String()
    thirdPartyDisclosure = fields.Boolean()  # noqa: N815
    sensitive = fields.Boolean()
    spiCat = fields.List(fields.String())  # noqa: N815


_DECISION_FIELDS = frozenset(Decision._declared_fields)


def _svc():
    return current_app.extensions["consentry"]


def _gpc() -> bool:
    return request.headers.get("Sec-GPC", "").strip() == "1"


@bp.operation(
    "/v1/consent/check",
    "GET",
    Operation(
        "consent:check",
        "May this purpose be used for this person now? (prefer the POST form: query strings get logged)",
        query=CheckQuery,
        response=Decision,
        tags=TAGS,
        errors=(401, 403, 404, 409, 422),
    ),
)
def check_one(query):
    return jsonify(decision_body(decisions.check(_svc(), current_actor(), **query)))


def decision_body(decision: dict) -> dict:
    """What Decision().dump returns for a decision (declared keys; str and bool values pass through), cheaper."""
    return {key: value for key, value in decision.items() if key in _DECISION_FIELDS}


@bp.operation(
    "/v1/consent/check",
    "POST",
    Operation(
        "consent:check",
        "Many decisions in one call (subject ids)",
        body=BulkCheckIn,
        response=BulkCheckOut,
        tags=TAGS,
        errors=(401, 403, 413, 415, 422),
    ),
)
def check_bulk(body):
    items = decisions.check_many(_svc(), current_actor(), **body)
    return jsonify({"items": items})


@bp.operation(
    "/v1/consent/events",
    "POST",
    Operation(
        "consent:write",
        "Record a grant or withdrawal; Sec-GPC: 1 also records a sale/sharing opt-out",
        body=EventIn,
        response=EventOut,
        status=201,
        tags=TAGS,
        errors=(401, 403, 404, 409, 413, 415, 422),
    ),
)
def record_event(body):
    svc, actor = _svc(), current_actor()
    event = signals.record_with_gpc(svc, actor, gpc=_gpc(), **body)
    return jsonify(EventOut().dump(event)), 201


@bp.operation(
    "/v1/consent/confirm",
    "POST",
    Operation(
        PUBLIC,
        "Confirm a double opt-in with the code the person received",
        body=ConfirmIn,
        response=EventOut,
        tags=TAGS,
        errors=(404, 409, 415, 422),
    ),
)
def confirm(body):
    return jsonify(EventOut().dump(ledger.confirm(_svc(), ANONYMOUS, body["token"])))


@bp.operation(
    "/v1/consent/events/<event_id>/receipt",
    "GET",
    Operation(
        "consent:read", "Kantara v1.1 consent receipt of one event", response=Receipt, tags=TAGS, errors=(401, 403, 404)
    ),
)
def event_receipt(event_id):
    return jsonify(receipts.receipt(_svc(), current_actor(), event_id))


@bp.operation(
    "/v1/subjects/<subject_id>/consent",
    "GET",
    Operation(
        "consent:read",
        "Current consent state and full history of a subject",
        response=HistoryOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def subject_consent(subject_id):
    svc, actor = _svc(), current_actor()
    data = ledger.history(svc, actor, subject_id)
    return jsonify(HistoryOut().dump(data))


@bp.operation(
    "/v1/subjects/<subject_id>/objection",
    "POST",
    Operation(
        "consent:write",
        "Objection to direct marketing (Art. 21): withdraw every marketing purpose and suppress",
        response=ObjectionOut,
        tags=TAGS,
        errors=(401, 403, 404),
    ),
)
def objection(subject_id):
    svc, actor = _svc(), current_actor()
    result = signals.object_to_marketing(svc, actor, subject_id)
    return jsonify(ObjectionOut().dump(result))
