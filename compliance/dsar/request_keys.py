"""Request keys: the data key that seals a request's free text (extension reason, verification note, denial ground).

One key per request, not per person: the request record is kept for its legal retention (CCPA §7101: 24 months,
policies/retention.yaml) after the person is erased, and so is its text. The record holds no contact data, so its key
protects only what the DPO wrote. A request key is a DataKey row owned by the request id (req_…), wrapped under the
KEK like a subject's key: `keys rotate` rewraps it, `keys retire` counts it as still in use, and a person's erasure,
which destroys the keys owned by their subject ids, leaves it. Whatever deletes a request record deletes its key too.
"""

from __future__ import annotations

from datetime import datetime

from compliance.dsar.models import DsarRequest
from compliance.store.fields import EncryptedField, Sealed
from compliance.store.keyring import Keyring
from compliance.store.models import DataKey

# The request columns sealed under the request key; the SQL sees ciphertext only, so no list or filter reads them.
FREE_TEXT = (DsarRequest.extension_reason, DsarRequest.verification_note, DsarRequest.denial_ground)


def ensure(keyring: Keyring, request_id: str, now: datetime) -> None:
    """Create the request's key unless it exists (the caller holds a write transaction)."""
    if DataKey.select().where(DataKey.subject_id == request_id).exists():
        return
    DataKey.insert(**keyring.new_key(request_id), created_at=now).on_conflict_ignore().execute()
    # new_key cached the key it made; a concurrent writer's insert may have won, so read back the stored one.
    keyring.forget(request_id)


def seal_text(svc, request_id: str, field: EncryptedField, text: str | None) -> Sealed | None:
    """A request's free text sealed under its request key, made on first use (the caller holds a transaction)."""
    if not text:
        return None
    ensure(svc.keyring, request_id, svc.clock.now())
    return DsarRequest.sealed(field, request_id, request_id, text)
