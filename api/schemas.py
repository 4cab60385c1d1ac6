"""marshmallow schemas: request validation, response shape and the OpenAPI components, from one place."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from hygiene import profile


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    request_id = fields.String(allow_none=True)
    errors = fields.List(fields.Dict(), metadata={"description": "field problems: {field, code, message?, row?}"})


def _input_fields() -> dict[str, fields.Field]:
    """Request fields of a profile, from the one profile schema: lists also take their singular form."""
    out: dict[str, fields.Field] = {}
    for spec in profile.FIELDS:
        length = validate.Length(max=spec.max_length)
        if spec.kind == profile.LIST:
            out[spec.single] = fields.String(validate=length, allow_none=True)
            out[spec.name] = fields.List(fields.String(validate=length), validate=validate.Length(max=20))
        elif spec.name == "channels":
            keys = fields.String(validate=validate.OneOf(profile.CHANNELS))
            out[spec.name] = fields.Dict(keys=keys, values=fields.String(validate=length, allow_none=True))
        elif spec.kind == profile.MAP:
            out[spec.name] = fields.Dict(keys=fields.String(validate=length))
        else:
            out[spec.name] = fields.String(validate=length, allow_none=True)
    return out


def _output_fields() -> dict[str, fields.Field]:
    """Response fields of a profile, from the one profile schema."""
    kinds = {profile.LIST: lambda: fields.List(fields.String()), profile.MAP: fields.Dict}
    return {f.name: kinds.get(f.kind, lambda: fields.String(allow_none=True))() for f in profile.FIELDS}


ProfileFields = Strict.from_dict(_input_fields(), name="ProfileFields")


class SubjectIn(ProfileFields):
    """Create or upsert a subject: matched by email, phone or external id."""

    kind = fields.String(validate=validate.OneOf(("person", "b2b")), load_default="person")
    source = fields.String(validate=validate.Length(max=64), allow_none=True)


class SubjectPatch(ProfileFields):
    """Fields to correct; a null value clears a field; a list replaces the whole list."""


Profile = Schema.from_dict(_output_fields(), name="Profile")


class Flag(Schema):
    field = fields.String()
    code = fields.String()


class ReviewPair(Schema):
    subject = fields.String(metadata={"description": "the subject this one may be the same person as"})
    reason = fields.String(metadata={"description": "why it was not merged, e.g. identity.shared_phone"})


class UpsertResult(Schema):
    id = fields.String(required=True)
    created = fields.Boolean(required=True)
    flags = fields.List(fields.Nested(Flag), metadata={"description": "validation flags the values raised"})
    review = fields.List(
        fields.Nested(ReviewPair),
        metadata={"description": "merge candidates queued for a data steward (the write merged nobody)"},
    )
    declined = fields.List(
        fields.String(),
        metadata={"description": "fields whose value lost to a better stored one (kept in the value history)"},
    )


class SubjectOut(Schema):
    id = fields.String(required=True)
    kind = fields.String()
    lifecycle = fields.String()
    source = fields.String(allow_none=True)
    restricted = fields.Boolean()
    created_at = fields.String()
    updated_at = fields.String()
    flags = fields.List(fields.Nested(Flag))
    masked = fields.Boolean(metadata={"description": "true when personal data is masked (no subjects:read_pii)"})
    profile = fields.Nested(Profile)


class Page(Schema):
    limit = fields.Integer(validate=validate.Range(min=1), load_default=50)
    cursor = fields.String(validate=validate.Length(max=200), load_default=None, allow_none=True)


class SubjectQuery(Page):
    """Without a filter: every subject, paginated. Prefer POST /v1/subjects/lookup: query strings end up in logs."""

    class Meta:
        unknown = RAISE

    email = fields.String(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))
    external_id = fields.String(validate=validate.Length(max=128))


class LookupIn(Strict):
    """Exactly one identifier."""

    email = fields.String(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))
    external_id = fields.String(validate=validate.Length(max=128))


class SubjectPage(Schema):
    items = fields.List(fields.Nested(SubjectOut))
    next_cursor = fields.String(allow_none=True)


class HistoryEntryOut(Schema):
    """One replaced, declined or restored value; `old` and `new` only for readers of personal data."""

    id = fields.String(required=True, metadata={"description": "hst_…"})
    at = fields.String()
    actor = fields.String(metadata={"description": "principal id of whoever wrote the change"})
    source = fields.String(allow_none=True)
    field = fields.String(metadata={"description": "profile field; map fields per key (channels.telegram)"})
    change = fields.String(validate=validate.OneOf(("replaced", "declined", "restored")))
    old = fields.Raw(allow_none=True, metadata={"description": "the value before (replaced, restored)"})
    new = fields.Raw(allow_none=True, metadata={"description": "the value written, or declined"})
    restored_at = fields.String(allow_none=True)


class HistoryPage(Schema):
    items = fields.List(fields.Nested(HistoryEntryOut))


class RestoreOut(Schema):
    entry = fields.Nested(HistoryEntryOut, metadata={"description": "the entry whose value was put back"})
    restored = fields.Nested(HistoryEntryOut, metadata={"description": "the new entry recording the restore"})
    subject = fields.Nested(SubjectOut, metadata={"description": "the subject after the restore"})


class AuditEntryOut(Schema):
    seq = fields.Integer()
    ts = fields.String()
    actor = fields.String()
    action = fields.String()
    target = fields.String()
    outcome = fields.String()
    request_id = fields.String()
    details = fields.Dict()
    chain = fields.String()
    mac = fields.String()


class AuditQuery(Page):
    class Meta:
        unknown = RAISE

    action = fields.String(validate=validate.Length(max=48))
    target = fields.String(validate=validate.Length(max=64))


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditEntryOut))
    next_cursor = fields.String(allow_none=True)


class VerifyOut(Schema):
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    first_bad_seq = fields.Integer(allow_none=True)
    reason = fields.String()


class Health(Schema):
    status = fields.String()
