"""marshmallow schemas: request validation, response shape and the OpenAPI components, from one place."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

CHANNEL_NAMES = ("telegram", "whatsapp", "viber", "instagram", "vk", "signal", "wechat")
_text = {"validate": validate.Length(max=500), "allow_none": True}


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


class ProfileFields(Strict):
    first_name = fields.String(**_text)
    last_name = fields.String(**_text)
    middle_name = fields.String(**_text)
    email = fields.String(validate=validate.Length(max=320), allow_none=True)
    emails = fields.List(fields.String(validate=validate.Length(max=320)), validate=validate.Length(max=20))
    phone = fields.String(validate=validate.Length(max=40), allow_none=True)
    phones = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=20))
    external_id = fields.String(validate=validate.Length(max=128), allow_none=True)
    external_ids = fields.List(fields.String(validate=validate.Length(max=128)), validate=validate.Length(max=20))
    birth_date = fields.String(validate=validate.Length(max=32), allow_none=True)
    gender = fields.String(validate=validate.Length(max=32), allow_none=True)
    street = fields.String(**_text)
    city = fields.String(**_text)
    region = fields.String(**_text)
    postcode = fields.String(validate=validate.Length(max=16), allow_none=True)
    country = fields.String(validate=validate.Length(max=64), allow_none=True)
    company = fields.String(**_text)
    position = fields.String(**_text)
    notes = fields.String(validate=validate.Length(max=5000), allow_none=True)
    channels = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CHANNEL_NAMES)),
        values=fields.String(validate=validate.Length(max=128), allow_none=True),
    )
    custom = fields.Dict(keys=fields.String(validate=validate.Length(max=64)))


class SubjectIn(ProfileFields):
    """Create or upsert a subject: matched by email, phone or external id."""

    kind = fields.String(validate=validate.OneOf(("person", "b2b")), load_default="person")
    source = fields.String(validate=validate.Length(max=64), allow_none=True)


class SubjectPatch(ProfileFields):
    """Fields to correct; a null value clears a field; a list replaces the whole list."""


class UpsertResult(Schema):
    id = fields.String(required=True)
    created = fields.Boolean(required=True)


class Profile(Schema):
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    middle_name = fields.String(allow_none=True)
    emails = fields.List(fields.String())
    phones = fields.List(fields.String())
    external_ids = fields.List(fields.String())
    birth_date = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    channels = fields.Dict()
    custom = fields.Dict()


class Flag(Schema):
    field = fields.String()
    code = fields.String()


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
