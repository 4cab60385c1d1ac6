"""Merging duplicates: undo restores both records exactly, strictest consent wins, suppression never undone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compliance.consent import decisions, ledger, signals
from compliance.consent.models import ConsentEvent, ConsentState
from compliance.crypto.blind_index import EMAIL
from compliance.errors import Conflict, Forbidden
from compliance.ids import new_id
from compliance.stewardship import merges
from compliance.stewardship.models import Merge, MergeSnapshot
from compliance.stewardship.undo import SUBJECT_COLUMNS
from compliance.store.models import BlindIndex, Interaction, Purchase, Subject, Suppression
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.lookup import find_subjects
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import profile_of
from tests.conftest import actor_with_role


def _person(svc, admin, **fields):
    sid, _ = upsert(svc, admin, fields)
    return sid


def _state(svc, sid):
    """Everything about a subject that a merge touches, decrypted."""
    svc.keyring.clear()
    subject = Subject.get_by_id(sid)
    return {
        "columns": {c: getattr(subject, c) for c in SUBJECT_COLUMNS},
        "pii": subject.pii,
        "extra": subject.extra,
        "indexes": sorted(
            (r.kind, bytes(r.digest), r.key_version) for r in BlindIndex.select().where(BlindIndex.subject_id == sid)
        ),
        "purchases": sorted(p.id for p in Purchase.select().where(Purchase.subject == sid)),
        "interactions": sorted(
            (i.id, i.channel, i.kind, str(i.summary)) for i in Interaction.select().where(Interaction.subject == sid)
        ),
        "consent": sorted(
            (s.purpose, s.channel, s.state, s.expires_at, s.event_id, s.updated_at)
            for s in ConsentState.select().where(ConsentState.subject_id == sid)
        ),
        "events": sorted(e.id for e in ConsentEvent.select().where(ConsentEvent.subject_id == sid)),
    }


def _attach(svc, sid, summary):
    pid, iid = new_id("pur"), new_id("int")
    Purchase.insert(
        id=pid, subject=sid, amount=Decimal("10.50"), currency="RUB", purchased_at=svc.clock.now()
    ).execute()
    Interaction.insert(
        id=iid,
        subject=sid,
        channel="chat",
        kind="support",
        occurred_at=svc.clock.now(),
        summary=Interaction.sealed(Interaction.summary, sid, iid, summary),
    ).execute()
    return pid, iid


@pytest.fixture
def pair(svc, admin):
    a = _person(
        svc,
        admin,
        first_name="Александр",
        last_name="Петров",
        email="a.petrov@example.com",
        phone="+79123456789",
        city="Москва",
        channels={"telegram": "@apetrov"},
    )
    svc.clock.advance(days=3)
    b = _person(
        svc,
        admin,
        first_name="Aleksandr",
        last_name="Petrov",
        email="alex.petrov@example.org",
        birth_date="1985-04-12",
        postcode="101000",
        external_id="CRM-77",
    )
    _attach(svc, a, "asked about delivery")
    _attach(svc, b, "complained about a refund")
    ledger.record(svc, admin, subject=a, purpose="sms_marketing", action="grant", source="test")
    ledger.record(svc, admin, subject=b, purpose="profiling", channel="web", action="grant", source="test")
    return a, b


def test_merge_then_unmerge_restores_both_exactly(backend, svc, admin, pair):
    a, b = pair
    before = {a: _state(svc, a), b: _state(svc, b)}
    svc.clock.advance(days=1)
    result = merges.merge(svc, admin, a, b)
    assert result["purchases"] == 1 and result["interactions"] == 1
    merged = profile_of(Subject.get_by_id(a))
    assert set(merged["emails"]) == {"a.petrov@example.com", "alex.petrov@example.org"}
    assert merged["birth_date"] == "1985-04-12" and merged["external_ids"] == ["CRM-77"]
    assert merged["channels"] == {"telegram": "@apetrov"}
    assert Subject.get_by_id(b).merged_into == a
    assert find_subjects(svc, EMAIL, "alex.petrov@example.org") == {a}
    assert BlindIndex.select().where(BlindIndex.subject_id == b).count() == 0
    moved = _state(svc, a)
    assert len(moved["purchases"]) == 2
    assert sorted(s for *_, s in moved["interactions"]) == ["asked about delivery", "complained about a refund"]
    assert {(p, c) for p, c, *_ in moved["consent"]} == {("sms_marketing", "sms"), ("profiling", "web")}
    # The undo data is encrypted: the snapshot rows hold ciphertext only.
    raw = svc.db.execute_sql("SELECT data FROM merge_snapshot").fetchall()
    assert len(raw) == 2 and all(b"Petrov" not in bytes(r[0]) for r in raw)

    svc.clock.advance(days=1)
    merges.unmerge(svc, admin, result["id"])
    restored = _state(svc, a)
    # Consent comes back through the ledger: the merge's carried event and the unmerge's compensating one were
    # appended (never deleted), and the survivor's states are exactly what they were.
    appended = sorted(set(restored["events"]) - set(before[a]["events"]))
    assert set(before[a]["events"]) <= set(restored["events"]) and len(appended) == 2
    assert sorted(
        (e.source, e.action, e.purpose, e.state_after)
        for e in ConsentEvent.select().where(ConsentEvent.id.in_(appended))
    ) == [("merge", "restore", "profiling", "granted"), ("unmerge", "restore", "profiling", "none")]
    assert {**restored, "events": None} == {**before[a], "events": None}
    assert _state(svc, b) == before[b]
    assert Merge.get_by_id(result["id"]).status == "undone"
    assert MergeSnapshot.select().count() == 0
    with pytest.raises(Conflict):
        merges.unmerge(svc, admin, result["id"])
    actions = [e["action"] for e in svc.audit.tail(30)]
    assert "hygiene.merge" in actions and "hygiene.unmerge" in actions


@pytest.mark.parametrize(
    ("a_action", "b_action", "expected"),
    [
        ("grant", "withdraw", "withdrawn"),
        ("withdraw", "grant", "withdrawn"),
        (None, "withdraw", "withdrawn"),
        (None, "grant", "granted"),
        ("grant", None, "granted"),
        ("withdraw", None, "withdrawn"),
    ],
)
def test_strictest_consent_wins(svc, admin, a_action, b_action, expected):
    a = _person(svc, admin, first_name="Ivan", email="ivan1@example.com")
    b = _person(svc, admin, first_name="Ivan", email="ivan2@example.com")
    for sid, action in ((a, a_action), (b, b_action)):
        if action:
            ledger.record(svc, admin, subject=sid, purpose="sms_marketing", action=action, source="test")
            svc.clock.advance(hours=1)
    merges.merge(svc, admin, a, b)
    decision = decisions.check(svc, admin, purpose="sms_marketing", subject=a)
    assert decision["state"] == expected
    # Checks addressed to the merged-away id follow it to the survivor.
    assert decisions.check(svc, admin, purpose="sms_marketing", subject=b)["state"] == expected


def test_carried_grant_keeps_its_expiry(svc, admin):
    a = _person(svc, admin, first_name="Olga", email="olga1@example.com")
    b = _person(svc, admin, first_name="Olga", email="olga2@example.com")
    ledger.record(svc, admin, subject=b, purpose="sms_marketing", action="grant", source="test")
    original = ConsentState.get(ConsentState.subject_id == b).expires_at
    svc.clock.advance(days=200)
    merges.merge(svc, admin, a, b)
    assert ConsentState.get(ConsentState.subject_id == a).expires_at == original


def test_suppressed_email_never_reappears(backend, svc, admin):
    a = _person(svc, admin, first_name="Maria", email="maria@example.com")
    b = _person(svc, admin, first_name="Maria", email="maria.old@example.com", phone="+79001112233")
    # maria.old@ belonged to a person who was erased and asked never to be added again.
    Suppression.insert(
        kind=EMAIL,
        digest=svc.indexer.digest(EMAIL, "maria.old@example.com"),
        key_version=svc.indexer.active,
        scope="all",
        reason="erasure",
        created_at=svc.clock.now(),
    ).execute()
    result = merges.merge(svc, admin, a, b)
    assert result["suppressed_dropped"] == 1
    profile = profile_of(Subject.get_by_id(a))
    assert profile["emails"] == ["maria@example.com"]
    assert profile["phones"] == ["+79001112233"]
    assert find_subjects(svc, EMAIL, "maria.old@example.com") == set()
    # Undo puts the record back exactly as it was (the tombstone already kept that value out of new records).
    merges.unmerge(svc, admin, result["id"])
    assert profile_of(Subject.get_by_id(a))["emails"] == ["maria@example.com"]


def test_marketing_suppression_is_carried(svc, admin):
    a = _person(svc, admin, first_name="Petr", email="petr@example.com")
    b = _person(svc, admin, first_name="Petr", email="petr2@example.com")
    ledger.record(svc, admin, subject=a, purpose="sms_marketing", action="grant", source="test")
    signals.object_to_marketing(svc, admin, b)
    merges.merge(svc, admin, a, b)
    survivor = Subject.get_by_id(a)
    assert survivor.marketing_suppressed
    assert decisions.check(svc, admin, purpose="sms_marketing", subject=a)["allowed"] is False


def test_restricted_never_auto_merged_but_restriction_carried(svc, admin):
    a = _person(svc, admin, first_name="Anna", email="anna@example.com")
    b = _person(svc, admin, first_name="Anna", email="anna2@example.com")
    Subject.update(restricted=True).where(Subject.id == b).execute()
    with pytest.raises(Conflict), svc.transaction():
        merges.apply_merge(svc, admin, a, b, automatic=True)
    assert Subject.get_by_id(b).merged_into is None
    merges.merge(svc, admin, a, b)  # a steward may merge by hand; the restriction stays
    assert Subject.get_by_id(a).restricted


def test_candidate_merge_reject_and_scopes(svc, admin):
    a = _person(svc, admin, first_name="Oleg", email="oleg@example.com")
    svc.clock.advance(days=1)
    b = _person(svc, admin, first_name="Oleg", email="oleg2@example.com")
    c = _person(svc, admin, first_name="Oleg", email="oleg3@example.com")
    now = svc.clock.now()
    rows = []
    for x, y in ((b, a), (a, c)):
        cid = new_id("cand")
        MergeCandidate.insert(
            id=cid, run_id="run_x", a_id=x, b_id=y, score=0.8, decision="review", created_at=now
        ).execute()
        rows.append(cid)
    with pytest.raises(Forbidden):
        merges.merge_candidate(svc, actor_with_role(svc, "analyst"), rows[0])
    out = merges.merge_candidate(svc, actor_with_role(svc, "steward"), rows[0])
    assert out["survivor"] == a and out["loser"] == b  # the older record survives
    assert merges.reject(svc, admin, rows[1])["status"] == "rejected"
    with pytest.raises(Conflict):
        merges.reject(svc, admin, rows[1])
    # Undo marks the pair as distinct people.
    merges.unmerge(svc, admin, out["id"])
    assert MergeCandidate.get_by_id(rows[0]).status == "rejected"


def test_later_merge_must_be_undone_first(svc, admin):
    a = _person(svc, admin, first_name="Lev", email="lev1@example.com")
    b = _person(svc, admin, first_name="Lev", email="lev2@example.com")
    c = _person(svc, admin, first_name="Lev", email="lev3@example.com")
    first = merges.merge(svc, admin, a, b)
    svc.clock.advance(minutes=1)
    second = merges.merge(svc, admin, a, c)
    with pytest.raises(Conflict):
        merges.unmerge(svc, admin, first["id"])
    merges.unmerge(svc, admin, second["id"])
    merges.unmerge(svc, admin, first["id"])
    assert {s.id for s in Subject.select().where(Subject.merged_into.is_null())} >= {a, b, c}


def test_consent_given_after_merge_survives_unmerge(svc, admin):
    a = _person(svc, admin, first_name="Nina", email="nina1@example.com")
    b = _person(svc, admin, first_name="Nina", email="nina2@example.com")
    ledger.record(svc, admin, subject=b, purpose="sms_marketing", action="grant", source="test")
    result = merges.merge(svc, admin, a, b)
    svc.clock.advance(days=1)
    ledger.record(svc, admin, subject=a, purpose="sms_marketing", action="withdraw", source="test")
    svc.clock.advance(days=1)
    merges.unmerge(svc, admin, result["id"])
    assert decisions.check(svc, admin, purpose="sms_marketing", subject=a)["state"] == "withdrawn"
    assert decisions.check(svc, admin, purpose="sms_marketing", subject=b)["state"] == "granted"


def _event_rows(svc) -> list[tuple]:
    """Every consent event row as the database holds it (raw columns, ciphertext included), in ledger order."""
    cursor = svc.db.execute_sql(f'SELECT * FROM "{ConsentEvent._meta.table_name}" ORDER BY seq')
    try:
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
    finally:
        cursor.close()


KEYS = (("sms_marketing", "sms"), ("profiling", "web"), ("sale_sharing", None))


def _decisions(svc, admin, ids) -> dict:
    return {
        (sid, p, c): decisions.check(svc, admin, purpose=p, channel=c, subject=sid)["state"]
        for sid in ids
        for p, c in KEYS
    }


@pytest.mark.parametrize("b_action", ["grant", "withdraw"])
def test_merge_and_unmerge_only_append_ledger_events(backend, svc, admin, pair, b_action):
    a, b = pair
    # b withdraws what a granted (carried as a withdrawal), decides sale/sharing a never decided (carried as is);
    # a withdrew profiling that b granted (a withdrawal stays: nothing carried).
    ledger.record(svc, admin, subject=b, purpose="sms_marketing", action="withdraw", source="test")
    ledger.record(svc, admin, subject=b, purpose="sale_sharing", action=b_action, source="test")
    ledger.record(svc, admin, subject=a, purpose="profiling", channel="web", action="withdraw", source="test")
    before_rows = _event_rows(svc)
    before_states = {
        sid: sorted((k, s.state, s.expires_at) for k, s in ledger.states_of(sid).items()) for sid in (a, b)
    }
    before_decisions = _decisions(svc, admin, (a, b))
    svc.clock.advance(days=1)
    result = merges.merge(svc, admin, a, b)
    assert _decisions(svc, admin, (a,))[(a, "sms_marketing", "sms")] == "withdrawn"
    svc.clock.advance(days=1)
    merges.unmerge(svc, admin, result["id"])
    after_rows = _event_rows(svc)
    # Every old row is byte-identical and in place; the merge and the unmerge only appended rows after them.
    assert after_rows[: len(before_rows)] == before_rows
    appended = after_rows[len(before_rows) :]
    fields = ConsentEvent._meta.sorted_field_names
    assert sorted((row[fields.index("source")], row[fields.index("purpose")]) for row in appended) == [
        ("merge", "sale_sharing"),
        ("merge", "sms_marketing"),
        ("unmerge", "sale_sharing"),
        ("unmerge", "sms_marketing"),
    ]
    after_states = {sid: sorted((k, s.state, s.expires_at) for k, s in ledger.states_of(sid).items()) for sid in (a, b)}
    assert after_states == before_states
    assert _decisions(svc, admin, (a, b)) == before_decisions
