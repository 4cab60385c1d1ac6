"""The audit table: one row per link of the chain (its bytes are decided by compliance.audit.chain)."""

from __future__ import annotations

from peewee import BlobField, CharField, IntegerField, TextField

from compliance.store.models import BaseModel


class AuditEntry(BaseModel):
    """One link of the chain. `target` is a public id, never personal data."""

    seq = IntegerField(primary_key=True)
    ts = CharField(max_length=40)
    actor = CharField(max_length=64)
    action = CharField(max_length=48, index=True)
    target = CharField(max_length=64, index=True)
    outcome = CharField(max_length=16)
    request_id = CharField(max_length=64)
    details = TextField(default="{}")
    chain = BlobField()
    mac = BlobField()


AUDIT_MODELS = [AuditEntry]
