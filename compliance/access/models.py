"""The access tables: principals (people and applications) and their API keys, stored only as hashes."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField

from compliance.store.models import BaseModel


class Principal(BaseModel):
    """Someone or something that calls Consentry, with one role."""

    id = CharField(primary_key=True, max_length=40)
    name = CharField(max_length=100, unique=True)
    kind = CharField(max_length=16, default="person")
    role = CharField(max_length=32)
    created_at = DateTimeField()
    revoked_at = DateTimeField(null=True)


class ApiKey(BaseModel):
    """An API key, stored only as a SHA-256 hash with a display prefix and the last four characters."""

    id = CharField(primary_key=True, max_length=40)
    principal = ForeignKeyField(Principal, backref="keys", on_delete="CASCADE")
    prefix_id = CharField(max_length=16, unique=True)
    key_hash = CharField(max_length=64)
    last4 = CharField(max_length=4)
    created_at = DateTimeField()
    expires_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


PRINCIPAL_MODELS = [Principal, ApiKey]
