"""The encrypted store on SQLite and PostgreSQL: upserts, binding of ciphertexts, rotation, reindex."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.crypto.envelope import DecryptionError
from compliance.errors import Conflict, Forbidden, Invalid, NotFound
from compliance.keys import rotation
from compliance.services import build_services
from compliance.store.fields import PlaintextWriteError
from compliance.store.models import BlindIndex, DataKey, Interaction, Subject
from compliance.subjects import profiles as subj
from tests.conftest import actor_with_role

PERSON = {
    "first_name": "Александр",
    "last_name": "Петров",
    "email": "A.Petrov@Example.ru",
    "phone": "8 (912) 345-67-89",
    "birth_date": "1985-03-07",
    "city": "Москва",
}


def test_upsert_creates_then_updates_by_blind_index(svc, admin):
    sid, created = subj.upsert(svc, admin, PERSON, source="test")
    assert created and sid.startswith("sub_")
    again, created2 = subj.upsert(svc, admin, {"email": "  a.petrov@example.RU ", "company": "ООО Ромашка"})
    assert again == sid and not created2
    view = subj.read(svc, admin, sid)
    assert view["profile"]["company"] == "ООО Ромашка"
    assert view["profile"]["phones"] == ["+79123456789"]
    assert subj.lookup(svc, admin, phone="+7 912 345 67 89") == [sid]


def test_identifiers_of_two_subjects_are_not_merged_silently(svc, admin):
    a, _ = subj.upsert(svc, admin, {"email": "one@example.com"})
    b, _ = subj.upsert(svc, admin, {"phone": "+79120000001"})
    written = subj.save(svc, admin, {"email": "one@example.com", "phone": "+79120000001"})
    # The email names `a`; the phone is shared, so `b` is proposed to a steward, never folded in.
    assert (written.subject_id, written.created) == (a, False)
    assert written.review == [{"subject": b, "reason": "identity.shared_phone"}]
    assert {a, b} == {s.id for s in Subject.select()}


def test_masked_read_without_read_pii(svc, admin):
    sid, _ = subj.upsert(svc, admin, PERSON)
    analyst = actor_with_role(svc, "analyst")
    view = subj.read(svc, analyst, sid)
    assert view["masked"] is True
    assert view["profile"]["emails"] == ["A***@Example.ru"]
    assert view["profile"]["phones"] == ["+7 *** ***-**-89"]
    assert view["profile"]["last_name"] == "П***"


def test_permissions_are_checked(svc):
    analyst = actor_with_role(svc, "analyst")
    with pytest.raises(Forbidden):
        subj.upsert(svc, analyst, PERSON)


def test_record_needs_an_identifier(svc, admin):
    with pytest.raises(Invalid) as err:
        subj.upsert(svc, admin, {"city": "Москва"})
    assert err.value.errors == [{"field": "profile", "code": "row.no_identifier"}]


def test_unknown_subject_is_not_found(svc, admin):
    with pytest.raises(NotFound):
        subj.read(svc, admin, "sub_doesnotexist")


def test_plaintext_never_reaches_the_database(svc, admin):
    sid, _ = subj.upsert(svc, admin, PERSON)
    with pytest.raises(PlaintextWriteError):
        Subject.update(pii={"first_name": "x"}).where(Subject.id == sid).execute()


def test_moving_a_ciphertext_to_another_row_or_column_fails(svc, admin):
    a, _ = subj.upsert(svc, admin, PERSON)
    b, _ = subj.upsert(svc, admin, {"first_name": "Ivan", "email": "ivan@example.com"})
    row_a = Subject.get_by_id(a)
    raw_pii = row_a.__data__["pii"]
    # Same subject, other column: the associated data names the column.
    Subject.update(extra=raw_pii).where(Subject.id == a).execute()
    svc.keyring.clear()
    with pytest.raises(DecryptionError, match="does not belong"):
        _ = Subject.get_by_id(a).extra
    # Other row (even with the data key of that row): the associated data names the row.
    Subject.update(pii=raw_pii).where(Subject.id == b).execute()
    with pytest.raises(DecryptionError) as err:
        _ = Subject.get_by_id(b).pii
    assert "Петров" not in str(err.value) and "example" not in str(err.value)


def test_interaction_summary_encrypted_under_subject_key(svc, admin):
    sid, _ = subj.upsert(svc, admin, PERSON)
    it = Interaction(id="int_test1", subject=sid, channel="phone", kind="call", occurred_at=svc.clock.now())
    it.summary = "asked about order 42"
    it.save(force_insert=True)
    svc.keyring.clear()
    assert Interaction.get_by_id("int_test1").summary == "asked about order 42"
    assert b"order 42" not in bytes(Interaction.get_by_id("int_test1").__data__["summary"])


def test_rotation_lifecycle_with_crash_and_retirement(svc, admin):
    ids = [subj.upsert(svc, admin, {"email": f"p{i}@example.com", "first_name": f"N{i}"})[0] for i in range(12)]
    assert rotation.rewrap(svc, admin, batch=5)["active"] == 2
    # Simulate a crash in the middle of a second rotation: one batch done, then the process dies.
    calls = {"n": 0}

    def crash(_n):
        calls["n"] += 1
        raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        rotation.rewrap(svc, admin, batch=5, on_batch=crash)
    versions = {r.kek_version for r in DataKey.select()}
    assert versions == {2, 3}, "half the keys moved before the crash"
    # A fresh process resumes rather than adding a fourth version.
    svc2 = build_services(svc.settings, clock=svc.clock)
    result = rotation.rewrap(svc2, svc2.local_actor(), batch=5)
    assert result["resumed"] and result["active"] == 3
    assert {r.kek_version for r in DataKey.select()} == {3}
    rotation.retire(svc2, svc2.local_actor(), 1)
    rotation.retire(svc2, svc2.local_actor(), 2)
    svc3 = build_services(svc.settings, clock=svc.clock)
    for i, sid in enumerate(ids):
        assert subj.read(svc3, svc3.local_actor(), sid)["profile"]["emails"] == [f"p{i}@example.com"]


def test_retiring_a_version_still_in_use_is_refused(svc, admin):
    subj.upsert(svc, admin, {"email": "a@example.com"})
    svc.keys.add_kek()
    with pytest.raises(Conflict, match="keys rotate"):
        rotation.retire(svc, admin, 1)


def test_reindex_keeps_lookups_working(svc, admin):
    sid, _ = subj.upsert(svc, admin, PERSON)
    result = rotation.reindex(svc, admin, batch=1)
    assert result["active"] == 2 and result["retired_versions"] == [1]
    assert {r.key_version for r in BlindIndex.select()} == {2}
    assert subj.lookup(svc, admin, email="a.petrov@example.ru") == [sid]
    svc2 = build_services(svc.settings, clock=svc.clock)
    assert subj.lookup(svc2, svc2.local_actor(), email="A.PETROV@example.ru") == [sid]


@settings(max_examples=300)
@given(
    st.one_of(
        st.datetimes().map(str),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
        st.dates().map(str),
        st.datetimes(timezones=st.timezones()).map(str),
        st.text(alphabet="0123456789-: .T+Z", max_size=30),
    )
)
def test_fast_datetime_reader_reads_what_peewee_reads(text):
    from peewee import DateTimeField

    from compliance.store.bulk import reader

    field = DateTimeField()
    assert reader(field)(text) == field.python_value(text)
