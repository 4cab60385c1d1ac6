"""Policies over HTTP: the Art. 30 record of processing built from the policy files."""

from __future__ import annotations

from flask import current_app, jsonify
from marshmallow import Schema, fields

from api.routing import Operation, ScopedBlueprint, current_actor
from compliance.policy import record as record_of_processing

bp = ScopedBlueprint("policies_routes", __name__, url_prefix="/v1/policies")


class RecordOut(Schema):
    controller = fields.Dict()
    purposes = fields.List(fields.Dict())
    categories_of_subjects = fields.List(fields.String())
    categories_of_data = fields.Dict()
    recipients = fields.List(fields.Dict())
    transfers = fields.List(fields.Dict())
    retention = fields.Dict()
    security_measures = fields.List(fields.String())
    automated_decisions = fields.Dict()
    warnings = fields.List(fields.String())


@bp.operation(
    "/record",
    "GET",
    Operation(
        "policies:read",
        "The Art. 30 record of processing activities, built from the policy files",
        response=RecordOut,
        tags=("policies",),
        errors=(401, 403),
    ),
)
def record():
    return jsonify(record_of_processing.record(current_app.extensions["consentry"], current_actor()))
