"""Tables of the customer store. PII lives only in EncryptedField columns; everything else is non-identifying.

The keys of Subject.pii and Subject.extra are the profile fields of hygiene.profile (PII_FIELDS, EXTRA_FIELDS).
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
)

from compliance.store.db import database
from compliance.store.fields import EncryptedField, EncryptedModel


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaMigration(BaseModel):
    """Applied schema versions."""

    version = IntegerField(primary_key=True)
    name = CharField(max_length=100)
    applied_at = DateTimeField()


class Subject(EncryptedModel, BaseModel):
    """A person or B2B contact in the customer base."""

    id = CharField(primary_key=True, max_length=40)
    kind = CharField(max_length=16, default="person")
    lifecycle = CharField(max_length=16, default="lead", index=True)
    source = CharField(max_length=64, null=True)
    created_at = DateTimeField(index=True)
    updated_at = DateTimeField()
    restricted = BooleanField(default=False)
    marketing_suppressed = BooleanField(default=False)  # an identifier is on the marketing suppression list
    erased_at = DateTimeField(null=True, index=True)
    merged_into = CharField(max_length=40, null=True, index=True)
    flags = TextField(default="[]")  # JSON list of validation issue codes per field; never values
    pii = EncryptedField(null=True)
    extra = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.id


class DataKey(BaseModel):
    """A subject's data key, wrapped under a KEK version. Deleting it crypto-shreds the subject."""

    subject_id = CharField(primary_key=True, max_length=40)
    kek_version = IntegerField(index=True)
    key_gen = SmallIntegerField(default=1)
    wrapped = BlobField()
    created_at = DateTimeField(null=True)


class BlindIndex(BaseModel):
    """Keyed HMAC of one identifier of a subject, for exact lookups and upserts."""

    id = AutoField()
    subject_id = CharField(max_length=40, index=True)
    kind = CharField(max_length=32)
    digest = BlobField()
    key_version = IntegerField(index=True)

    class Meta:
        # The digest alone is selective (the kind is inside the HMAC message), and batch lookups of an
        # import ask for digests of several kinds at once: index the digest first.
        indexes = ((("digest", "kind"), False),)


class Suppression(BaseModel):
    """Tombstone of an identifier that must not come back (erasure) or not be marketed to (objection)."""

    id = AutoField()
    kind = CharField(max_length=32)
    digest = BlobField()
    key_version = IntegerField()
    scope = CharField(max_length=16)  # "all" (erased: refuse re-import) or "marketing" (objection)
    reason = CharField(max_length=64)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("digest", "kind"), False),)


class Purchase(BaseModel):
    """A purchase by a subject. Amounts are not personal data on their own; the link to the subject is."""

    id = CharField(primary_key=True, max_length=40)
    subject = ForeignKeyField(Subject, backref="purchases", on_delete="CASCADE", null=True, index=True)
    amount = DecimalField(max_digits=14, decimal_places=2)
    currency = CharField(max_length=3)
    purchased_at = DateTimeField(index=True)
    category = CharField(max_length=64, null=True)
    status = CharField(max_length=16, default="paid")
    external_ref = CharField(max_length=64, null=True)
    detached_at = DateTimeField(null=True)  # set when kept for a legal hold after erasure


class Interaction(EncryptedModel, BaseModel):
    """A contact with a subject (support chat, call, newsletter open); the summary is encrypted."""

    id = CharField(primary_key=True, max_length=40)
    subject = ForeignKeyField(Subject, backref="interactions", on_delete="CASCADE", index=True)
    channel = CharField(max_length=16)
    kind = CharField(max_length=32)
    occurred_at = DateTimeField(index=True)
    summary = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.subject_id


STORE_MODELS = [SchemaMigration, Subject, DataKey, BlindIndex, Suppression, Purchase, Interaction]
