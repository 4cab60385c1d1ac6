"""A subject's value history is sealed under the subject's own key: readable with it, gone with it."""

from __future__ import annotations

import pytest

from compliance.store.keyring import KeyDestroyed
from compliance.store.models import DataKey, Subject
from compliance.subjects import history
from compliance.subjects.history import Change, SubjectHistory
from compliance.subjects.profiles import upsert

MARKER_OLD = "Qx7Ahmatova91Lp"
MARKER_NEW = "Zr4Initial55Kv"


def test_history_round_trips_and_names_no_value_in_clear(svc, admin):
    subject_id, _ = upsert(svc, admin, {"first_name": MARKER_OLD, "email": "hst1@example.org"})
    with svc.transaction():
        written = history.write(subject_id, [Change("first_name", MARKER_OLD, MARKER_NEW, "declined")],
                                actor=admin.principal_id, source="crm", at=svc.clock.now())
    assert written == 1
    (entry,) = history.entries(subject_id)
    assert (entry["field"], entry["change"], entry["old"], entry["new"], entry["source"]) == (
        "first_name", "declined", MARKER_OLD, MARKER_NEW, "crm")
    raw = SubjectHistory.select(SubjectHistory.values).where(SubjectHistory.subject_id == subject_id).tuples()
    blob = bytes(next(iter(raw))[0])
    assert MARKER_OLD.encode() not in blob and MARKER_NEW.encode() not in blob


def test_history_is_unreadable_once_the_subject_key_is_destroyed(svc, admin):
    subject_id, _ = upsert(svc, admin, {"first_name": "Анна", "email": "hst2@example.org"})
    with svc.transaction():
        history.write(subject_id, [Change("position", "Главный бухгалтер", "Гл. бухгалтер", "declined")],
                      actor=admin.principal_id, source="import", at=svc.clock.now())
        DataKey.delete().where(DataKey.subject_id == subject_id).execute()
        svc.keyring.forget(subject_id)
    assert Subject.get_by_id(subject_id)
    with pytest.raises(KeyDestroyed):
        history.entries(subject_id)


def test_an_unknown_change_kind_is_refused():
    with pytest.raises(ValueError, match="unknown history change"):
        history.rows("sub_x", [Change("city", "a", "b", "overwrote")], actor="prn_x", source=None, at=None)
