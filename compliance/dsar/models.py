"""The data-subject request tables: requests, their timeline, intake identifiers, matches, notices, erasure steps
and certificates. Identifiers given at intake are kept only as blind indexes; the values typed are never stored.
Every request keeps the CCPA §7101 record fields (received, nature, method, response date, response, grounds).
The free text of a request (extension reason, verification note, denial ground) is sealed under the request's own
data key (compliance.dsar.request_keys), not the person's: the record outlives the person's erasure.
"""

from __future__ import annotations

from peewee import (
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    IntegerField,
    TextField,
)

from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel


class DsarRequest(EncryptedModel, BaseModel):
    """One data-subject request with its §7101 record fields. `payload` (rectification values) and the free text
    are encrypted."""

    id = CharField(primary_key=True, max_length=40)
    type = CharField(max_length=32, index=True)
    regime = CharField(max_length=16)
    status = CharField(max_length=16, index=True)
    channel = CharField(max_length=16)  # how the request arrived (§7101 "method")
    received_at = DateTimeField(index=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    due_on = DateField(index=True)
    original_due_on = DateField()
    ack_due_on = DateField(null=True)
    acknowledged_at = DateTimeField(null=True)
    extended_at = DateTimeField(null=True)
    extension_reason = EncryptedField(null=True, key_owner="request_key_id")
    verified_at = DateTimeField(null=True)
    verification_method = CharField(max_length=16, null=True)
    verification_points = TextField(default="[]")  # JSON list of field names that matched, never values
    verification_note = EncryptedField(null=True, key_owner="request_key_id")
    verified_by = CharField(max_length=64, null=True)
    approved_at = DateTimeField(null=True)
    approved_by = CharField(max_length=64, null=True)
    response_at = DateTimeField(null=True)
    response = CharField(max_length=64, null=True)  # nature of the response (§7101)
    denial_ground = EncryptedField(null=True, key_owner="request_key_id")
    subject_id = CharField(max_length=40, null=True, index=True)  # the exact match (pseudonymous id)
    duplicate_of = CharField(max_length=40, null=True)
    scope = CharField(max_length=16, default="specific")  # CCPA right to know: specific pieces | categories
    lookback = CharField(max_length=16, default="default")  # CCPA: default 12 months | full (to 2022-01-01)
    code_hash = CharField(max_length=64, null=True)
    code_expires_at = DateTimeField(null=True)
    code_attempts = IntegerField(default=0)
    reminders_sent = TextField(default="[]")
    payload = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        """The payload is sealed under the matched subject's data key, so erasing the person shreds it too."""
        return self.subject_id or ""

    def request_key_id(self) -> str:
        """The free text is sealed under the request's own key, kept as long as the request record."""
        return self.id

    def row_key(self) -> str:
        """The row id bound into the ciphertext's associated data."""
        return self.id


class RequestEvent(BaseModel):
    """The timeline of a request: every state change and step, with who did it (no personal data)."""

    seq = AutoField()
    request_id = CharField(max_length=40, index=True)
    at = DateTimeField()
    action = CharField(max_length=32)
    from_status = CharField(max_length=16, null=True)
    to_status = CharField(max_length=16, null=True)
    actor = CharField(max_length=64)
    details = TextField(default="{}")


class RequestIdentifier(BaseModel):
    """Blind index of an identifier given at intake (the value itself is never stored)."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    kind = CharField(max_length=32)
    digest = BlobField()
    key_version = IntegerField()


class RequestMatch(BaseModel):
    """A subject matched to a request: exact (blind index) or likely (hygiene score), included or not."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    subject_id = CharField(max_length=40, index=True)
    match = CharField(max_length=16)  # exact | likely
    score = FloatField(null=True)
    included = BooleanField(default=False)

    class Meta:
        indexes = ((("request_id", "subject_id"), True),)


class RequestNotice(BaseModel):
    """Outbox of notices to downstream recipients (Art. 17(2), 19; CCPA §7022(b)), one status per recipient."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    recipient = CharField(max_length=64)
    kind = CharField(max_length=32)
    subject_id = CharField(max_length=40)
    status = CharField(max_length=16, default="pending", index=True)  # pending | sent | acknowledged | failed
    created_at = DateTimeField()
    updated_at = DateTimeField()
    details = TextField(default="{}")

    class Meta:
        indexes = ((("request_id", "recipient", "kind", "subject_id"), True),)


class ErasureStep(BaseModel):
    """A finished step of an erasure (per request and subject): the erasure resumes after the last one."""

    id = AutoField()
    request_id = CharField(max_length=40, index=True)
    subject_id = CharField(max_length=40)
    step = CharField(max_length=32)
    done_at = DateTimeField()
    details = TextField(default="{}")

    class Meta:
        indexes = ((("request_id", "subject_id", "step"), True),)


class ErasureCertificate(BaseModel):
    """The signed erasure certificate of a request (JSON body and Ed25519 signature, no personal data)."""

    request_id = CharField(primary_key=True, max_length=40)
    body = TextField()
    signature = CharField(max_length=200)
    public_key = CharField(max_length=100)
    created_at = DateTimeField()


REQUEST_MODELS = [
    DsarRequest,
    RequestEvent,
    RequestIdentifier,
    RequestMatch,
    RequestNotice,
    ErasureStep,
    ErasureCertificate,
]
