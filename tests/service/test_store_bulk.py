"""The bulk write helpers write exactly what peewee's own insert_many writes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from compliance.store.bulk import insert_rows
from compliance.store.models import BlindIndex, DataKey, Subject


def _stored(model, order):
    return [{f.name: getattr(r, f.name) for f in model._meta.sorted_fields if f.name != "id"}
            for r in model.select().order_by(order)]


def test_insert_rows_writes_what_insert_many_writes(svc):
    """Every column type: text, datetimes (with and without microseconds), booleans, integers, blobs, None."""
    when = datetime(2026, 1, 2, 3, 4, 5, 678000)
    subjects = [
        {"id": f"sub_a{i}", "kind": "person", "source": None if i % 2 else "crm", "created_at": when,
         "updated_at": datetime(2026, 1, 2), "restricted": bool(i % 3), "marketing_suppressed": False,
         "flags": "[]", "lifecycle": "active"}
        for i in range(5)
    ]
    digests = [{"subject_id": f"sub_a{i}", "kind": "email", "digest": bytes([i]) * 32, "key_version": 1}
               for i in range(5)]
    with svc.transaction():
        insert_rows(Subject, subjects)
        insert_rows(BlindIndex, digests)
    bulk_subjects, bulk_index = _stored(Subject, Subject.id), _stored(BlindIndex, BlindIndex.subject_id)
    with svc.transaction():
        BlindIndex.delete().execute()
        Subject.delete().execute()
        Subject.insert_many(subjects).execute()
        BlindIndex.insert_many(digests).execute()
    assert _stored(Subject, Subject.id) == bulk_subjects
    assert _stored(BlindIndex, BlindIndex.subject_id) == bulk_index
    assert bulk_subjects[1]["source"] is None and bulk_subjects[0]["created_at"] == when  # microseconds kept
    assert [s["restricted"] for s in bulk_subjects] == [False, True, True, False, True]
    assert {bytes(row["digest"]) for row in bulk_index} == {d["digest"] for d in digests}


def test_insert_rows_converts_values_a_field_does_not_take_as_they_are(svc):
    """An int in a text column and a bool in an integer column go through db_value: "7", not 7; 1, not True."""
    with svc.transaction():
        insert_rows(DataKey, [{"subject_id": 7, "kek_version": True, "wrapped": b"w", "key_gen": 2}])
    row = DataKey.get()
    assert row.subject_id == "7" and row.kek_version == 1 and type(row.kek_version) is int
    assert row.key_gen == 2 and bytes(row.wrapped) == b"w"


def test_keyring_keeps_every_key_while_held(svc):
    """A batch larger than the key cache seals with keys it created without reading them back."""
    ring = svc.keyring
    ring._cache_size = 3
    with svc.transaction(), ring.held():
        rows = [ring.new_key(f"sub_k{i}") for i in range(10)]
        assert len(ring._cache) == 10  # nothing evicted while held, though none is in the table yet
        sealed = [ring.seal(f"sub_k{i}", "subject", "pii", f"sub_k{i}", {"n": i}) for i in range(10)]
        insert_rows(DataKey, rows)
    assert len(ring._cache) == 3  # trimmed when the hold ends
    ring.clear()
    assert [ring.open(f"sub_k{i}", "subject", "pii", f"sub_k{i}", sealed[i]) for i in range(10)] == [
        {"n": i} for i in range(10)
    ]
