"""The value history as a service: corrections keep the old value, history reads are audited PII reads, and a
kept value can be put back (text, one key of a map, a whole list), once, with an audit entry that holds no value."""

from __future__ import annotations

import json

import pytest

from compliance.audit.models import AuditEntry
from compliance.errors import Conflict, Forbidden, Invalid, NotFound
from compliance.stewardship import merges
from compliance.store.models import DataKey, Subject
from compliance.subjects import history, values
from compliance.subjects.history import Change, SubjectHistory, changes_between
from compliance.subjects.lookup import find_subjects
from compliance.subjects.profiles import correct, upsert
from compliance.subjects.shape import empty_profile, profile_of
from tests.conftest import actor_with_role

PERSON = {
    "first_name": "Марина",
    "last_name": "Кузнецова",
    "email": "marina.k@example.org",
    "city": "Новосибирск",
    "channels": {"telegram": "@marina_k", "viber": "+79130001122"},
    "custom": {"loyalty": "gold"},
}
LONG_KEY = "Дополнительный телефон для связи по вопросам доставки заказов"  # an import column, > 40 characters


def _audit(action: str) -> list[dict]:
    rows = AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return [{"target": r.target, "details": json.loads(r.details or "{}"), "actor": r.actor} for r in rows]


def _person(svc, admin) -> str:
    sid, _ = upsert(svc, admin, json.loads(json.dumps(PERSON)))
    return sid


# changes_between: the one rule for "what did this write change"


def test_changes_between_lists_text_whole_lists_and_map_keys():
    before = {**empty_profile(), "city": "Омск", "emails": ["a@x.org"], "channels": {"telegram": "@a", "vk": "id1"}}
    after = {
        **before,
        "city": "Тверь",
        "emails": ["b@x.org", "a@x.org"],
        "channels": {"telegram": "@b", "signal": "+7900"},
        "custom": {"k": 1},
    }
    got = {
        (c.field, json.dumps(c.old, ensure_ascii=False), json.dumps(c.new, ensure_ascii=False), c.change)
        for c in changes_between(before, after)
    }
    assert got == {
        ("city", '"Омск"', '"Тверь"', "replaced"),
        ("emails", '["a@x.org"]', '["b@x.org", "a@x.org"]', "replaced"),
        ("channels.telegram", '"@a"', '"@b"', "replaced"),
        ("channels.vk", '"id1"', "null", "replaced"),
        ("channels.signal", "null", '"+7900"', "replaced"),
        ("custom.k", "null", "1", "replaced"),
    }
    assert changes_between(after, dict(after)) == []


# correct(): a deliberate correction keeps what it replaced


def test_a_correction_keeps_every_replaced_value(svc, admin):
    sid = _person(svc, admin)
    steward = actor_with_role(svc, "steward")
    correct(svc, steward, sid, {"city": "Тверь", "channels": {"telegram": "@marina_new"}, "emails": ["m2@example.org"]})
    entries = {e["field"]: e for e in history.entries(sid)}
    assert set(entries) == {"city", "emails", "channels.telegram", "channels.viber"}
    assert (entries["city"]["old"], entries["city"]["new"]) == ("Новосибирск", "Тверь")
    assert (entries["emails"]["old"], entries["emails"]["new"]) == (["marina.k@example.org"], ["m2@example.org"])
    assert entries["channels.viber"]["new"] is None  # the map was replaced as a whole: the viber id is kept here
    assert {(e["actor"], e["source"], e["change"]) for e in entries.values()} == {
        (steward.principal_id, "cli", "replaced")
    }


def test_a_correction_that_changes_nothing_writes_no_history(svc, admin):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"city": "Новосибирск"})
    assert history.entries(sid) == []


# history(): scope, unknown and erased subjects, audit


def test_history_needs_read_pii_and_is_audited_without_values(svc, admin):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"city": "Тверь"})
    for role in ("analyst", "app"):
        with pytest.raises(Forbidden, match="subjects:read_pii"):
            values.history(svc, actor_with_role(svc, role), sid)
    dpo = actor_with_role(svc, "dpo")
    (entry,) = values.history(svc, dpo, sid)
    assert (entry["field"], entry["old"], entry["new"]) == ("city", "Новосибирск", "Тверь")
    assert _audit("subject.read_pii")[-1] == {
        "target": sid,
        "details": {"via": "subjects.history", "entries": 1},
        "actor": dpo.principal_id,
    }


def test_history_of_an_unknown_or_erased_subject_is_not_found(svc, admin):
    for missing in ("sub_nobodyhere", "hst_notasubject", ""):
        with pytest.raises(NotFound, match="no such subject"):
            values.history(svc, admin, missing)
    sid = _person(svc, admin)
    Subject.update(erased_at=svc.clock.now()).where(Subject.id == sid).execute()
    with pytest.raises(NotFound, match="no such subject"):
        values.history(svc, admin, sid)


# restore_value(): what goes back, once, audited without values


def test_restoring_a_replaced_text_value_puts_the_old_one_back_once(svc, admin, clock):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"city": "Тверь"})
    (entry,) = history.entries(sid)
    clock.advance(minutes=5)
    steward = actor_with_role(svc, "steward")
    out = values.restore_value(svc, steward, entry["id"])
    assert profile_of(Subject.get_by_id(sid))["city"] == "Новосибирск"
    assert out["subject"]["profile"]["city"] == "Новосибирск"
    assert out["entry"]["id"] == entry["id"] and out["entry"]["restored_at"] == "2026-11-20T10:05:00Z"
    restored = out["restored"]
    assert (restored["change"], restored["field"], restored["old"], restored["new"]) == (
        "restored",
        "city",
        "Тверь",
        "Новосибирск",
    )
    assert (restored["actor"], restored["source"]) == (steward.principal_id, "cli")
    assert [e["id"] for e in history.entries(sid)] == [entry["id"], restored["id"]]
    assert _audit("subject.restore_value") == [
        {"target": sid, "details": {"entry": entry["id"], "field": "city"}, "actor": steward.principal_id}
    ]
    with pytest.raises(Conflict) as twice:
        values.restore_value(svc, steward, entry["id"])
    assert twice.value.errors == [{"field": "city", "code": "history.already_current"}]
    assert len(history.entries(sid)) == 2 and len(_audit("subject.restore_value")) == 1
    # A restore is itself an entry: restoring it undoes the restore.
    values.restore_value(svc, steward, restored["id"])
    assert profile_of(Subject.get_by_id(sid))["city"] == "Тверь"


def test_restoring_one_key_of_a_map_field(svc, admin, backend):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"channels": {"telegram": "@marina_new"}, "custom": {"loyalty": "gold", LONG_KEY: "x"}})
    entries = {e["field"]: e for e in history.entries(sid)}
    assert set(entries) == {"channels.telegram", "channels.viber", f"custom.{LONG_KEY}"}
    values.restore_value(svc, admin, entries["channels.viber"]["id"])
    channels = profile_of(Subject.get_by_id(sid))["channels"]
    assert channels == {"telegram": "@marina_new", "viber": "+79130001122"}  # only that key came back
    assert find_subjects(svc, "channel:viber", "+79130001122") == {sid}  # and is found by it again
    values.restore_value(svc, admin, entries["channels.telegram"]["id"])
    assert profile_of(Subject.get_by_id(sid))["channels"]["telegram"] == "@marina_k"
    # A key that did not exist before is removed again by restoring its entry (old value: none).
    values.restore_value(svc, admin, entries[f"custom.{LONG_KEY}"]["id"])
    assert profile_of(Subject.get_by_id(sid))["custom"] == {"loyalty": "gold"}


def test_restoring_a_list_field_puts_the_whole_list_back_and_reindexes(svc, admin):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"emails": ["marina.new@example.org"]})
    (entry,) = history.entries(sid)
    assert find_subjects(svc, "email", "marina.k@example.org") == set()
    values.restore_value(svc, admin, entry["id"])
    assert profile_of(Subject.get_by_id(sid))["emails"] == ["marina.k@example.org"]
    assert find_subjects(svc, "email", "marina.k@example.org") == {sid}
    assert find_subjects(svc, "email", "marina.new@example.org") == set()


def test_restoring_a_declined_value_writes_the_value_that_was_kept_aside(svc, admin):
    sid = _person(svc, admin)
    with svc.transaction():  # as an import writes it: the stored value won, the incoming one was declined
        history.write(
            sid,
            [Change("last_name", "Кузнецова", "Кузнецова-Орлова", "declined")],
            actor=admin.principal_id,
            source="crm",
            at=svc.clock.now(),
        )
    (entry,) = history.entries(sid)
    out = values.restore_value(svc, admin, entry["id"])
    assert profile_of(Subject.get_by_id(sid))["last_name"] == "Кузнецова-Орлова"
    assert (out["restored"]["old"], out["restored"]["new"]) == ("Кузнецова", "Кузнецова-Орлова")


def test_restore_refuses_unknown_foreign_and_malformed_entries(svc, admin):
    sid = _person(svc, admin)
    other, _ = upsert(svc, admin, {"email": "other@example.org", "city": "Омск"})
    correct(svc, admin, other, {"city": "Тверь"})
    (foreign,) = history.entries(other)
    cases = [("hst_nosuchentry0000", None), ("sub_notanentry", None), ("", None), (foreign["id"], sid)]
    for entry_id, subject_id in cases:
        with pytest.raises(NotFound) as exc:
            values.restore_value(svc, admin, entry_id, subject_id=subject_id)
        assert exc.value.errors == [{"field": "entry", "code": "history.unknown_entry"}]
    assert profile_of(Subject.get_by_id(other))["city"] == "Тверь"


def test_restore_needs_write_and_tells_a_writer_without_read_nothing(svc, admin):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"city": "Тверь"})
    (entry,) = history.entries(sid)
    for role in ("analyst", "dpo"):
        with pytest.raises(Forbidden, match="subjects:write"):
            values.restore_value(svc, actor_with_role(svc, role), entry["id"])
    out = values.restore_value(svc, actor_with_role(svc, "app"), entry["id"])
    assert out["subject"] == {"id": sid}
    assert "old" not in out["entry"] and "new" not in out["restored"] and out["restored"]["change"] == "restored"
    assert profile_of(Subject.get_by_id(sid))["city"] == "Новосибирск"


def test_restore_refuses_a_value_that_would_leave_no_identifier(svc, admin):
    sid, _ = upsert(svc, admin, {"email": "only@example.org"})
    correct(svc, admin, sid, {"first_name": "Анна"})
    correct(svc, admin, sid, {"emails": []})
    first_name = next(e for e in history.entries(sid) if e["field"] == "first_name")
    with pytest.raises(Invalid):
        values.restore_value(svc, admin, first_name["id"])  # the name was the last identifier left
    assert profile_of(Subject.get_by_id(sid))["first_name"] == "Анна"


def test_restore_on_erased_or_merged_away_subjects(svc, admin):
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"city": "Тверь"})
    (entry,) = history.entries(sid)
    survivor, _ = upsert(svc, admin, {"email": "survivor@example.org", "first_name": "Марина"})
    merges.merge(svc, admin, survivor, sid)
    with pytest.raises(Conflict) as exc:
        values.restore_value(svc, admin, entry["id"])
    assert exc.value.errors == [{"field": "entry", "code": "history.merged_away"}]
    # Rows of a subject erased before erasure removed history (the key is gone): not found, nothing opened.
    gone = _person_two(svc, admin)
    (old,) = history.entries(gone)
    with svc.transaction():
        DataKey.delete().where(DataKey.subject_id == gone).execute()
        Subject.update(erased_at=svc.clock.now()).where(Subject.id == gone).execute()
        svc.keyring.forget(gone)
    assert SubjectHistory.select().where(SubjectHistory.subject_id == gone).count() == 1
    with pytest.raises(NotFound, match="no such subject"):
        values.restore_value(svc, admin, old["id"])


def _person_two(svc, admin) -> str:
    sid, _ = upsert(svc, admin, {"email": "second@example.org", "city": "Омск"})
    correct(svc, admin, sid, {"city": "Тверь"})
    return sid


def test_migration_9_lets_an_older_store_keep_long_map_keys(svc, admin, backend):
    from compliance.migrations import migrate
    from compliance.store.db import database
    from compliance.store.models import SchemaMigration

    db = database.obj
    if backend == "postgres":  # as migration 8 created the column before migration 9 existed
        db.execute_sql('ALTER TABLE "subject_history" ALTER COLUMN "field" TYPE varchar(40)')
    SchemaMigration.delete().where(SchemaMigration.version == 9).execute()
    assert [m.version for m in migrate(db)] == [9]
    sid = _person(svc, admin)
    correct(svc, admin, sid, {"custom": {LONG_KEY: "x"}})
    assert {e["field"] for e in history.entries(sid)} == {f"custom.{LONG_KEY}", "custom.loyalty"}
