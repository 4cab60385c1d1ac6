"""Consent tables: the immutable event ledger, the current state derived from it, double opt-in tokens, check counts."""

from __future__ import annotations

from peewee import AutoField, CharField, DateTimeField, IntegerField

from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel

# grant/withdraw/pending/confirm come from people; restore comes from merges and unmerges and sets the state
# (and expiry) the event itself records: carrying another record's decision, or compensating an earlier merge.
ACTIONS = ("grant", "withdraw", "pending", "confirm", "restore")
STATES = ("granted", "withdrawn", "pending", "none", "expired", "suppressed", "restricted")


class ConsentEvent(EncryptedModel, BaseModel):
    """One immutable consent event. Evidence (hashed IP, user agent) is encrypted under the subject's key."""

    seq = AutoField()  # insertion order: events of one instant stay in the order they were recorded
    id = CharField(max_length=40, unique=True)
    subject_id = CharField(max_length=40, index=True)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    action = CharField(max_length=16)
    state_after = CharField(max_length=16)
    source = CharField(max_length=64)
    method = CharField(max_length=64)
    notice_version = CharField(max_length=64)
    legal_basis = CharField(max_length=32)
    occurred_at = DateTimeField(index=True)
    actor = CharField(max_length=64)
    receipt_id = CharField(max_length=40, unique=True)
    expires_at = DateTimeField(null=True)
    evidence = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.subject_id

    def row_key(self) -> str:
        return self.id


class ConsentState(BaseModel):
    """Current state per subject x purpose x channel (the fold of that key's events; no row while it is none)."""

    subject_id = CharField(max_length=40)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    state = CharField(max_length=16)
    updated_at = DateTimeField()
    expires_at = DateTimeField(null=True)
    event_id = CharField(max_length=40)

    class Meta:
        primary_key = False
        indexes = ((("subject_id", "purpose", "channel"), True), (("purpose", "channel", "state"), False))


class ConsentToken(BaseModel):
    """A double opt-in token, stored as a SHA-256 hash; single use, expiring."""

    token_hash = CharField(primary_key=True, max_length=64)
    event_id = CharField(max_length=40)
    subject_id = CharField(max_length=40, index=True)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class ConsentCheckCount(BaseModel):
    """How many checks a principal made per purpose per day (checks are counted, not audited one by one)."""

    principal = CharField(max_length=64)
    purpose = CharField(max_length=64)
    day = CharField(max_length=10)
    count = IntegerField(default=0)

    class Meta:
        primary_key = False
        indexes = ((("principal", "purpose", "day"), True),)


CONSENT_MODELS = [ConsentEvent, ConsentState, ConsentToken, ConsentCheckCount]
