"""Data-subject requests: deadlines by regime, state machine, verification, workflow per type, API and CLI."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from compliance.access.actor import Actor
from compliance.consent import decisions as consent
from compliance.consent.ledger import record
from compliance.dsar import (
    access,
    calendars,
    certificates,
    deadlines,
    decisions,
    intake,
    listing,
    matching,
    notices,
    records,
    regimes,
    reminders,
    restriction,
    states,
    verification,
)
from compliance.dsar import process as processing
from compliance.dsar.models import DsarRequest, RequestNotice
from compliance.errors import Conflict, Forbidden, IllegalTransition, Invalid
from compliance.store.models import BlindIndex, Subject
from compliance.subjects import history
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import profile_of
from tests.conftest import actor_with_role
from tests.support.api_helpers import auth

OLGA = {
    "email": "olga.petrova@example.ru",
    "phone": "+79161234567",
    "first_name": "Ольга",
    "last_name": "Петрова",
    "birth_date": "1990-05-05",
    "postcode": "101000",
}


@pytest.fixture
def olga(svc, admin):
    sid, _ = upsert(svc, admin, dict(OLGA))
    return sid


def _code(svc) -> str:
    message = svc.mailer.sent[-1]
    assert message.kind == "verification_code"
    return message.body.split("hours: ")[1].split()[0]


def verified(svc, actor, req_id, **match):
    verification.verify(svc, actor, req_id, method="code")
    return verification.verify(svc, actor, req_id, method="code", code=_code(svc), match=match)


def submit(svc, actor, type_="access", regime="gdpr", **kw):
    if not any(k in kw for k in ("email", "phone", "subject")):
        kw["email"] = OLGA["email"]
    return intake.submit(svc, actor, type=type_, regime=regime, **kw)


# ---------------------------------------------------------------------------------------------------------
# Deadlines (from compliance.dsar.deadlines and policies/regimes.yaml)

DUE = [
    # regime, type, received, due
    ("gdpr", "access", "2026-01-31", "2026-02-28"),  # clamp to the end of a shorter month
    ("gdpr", "access", "2028-01-31", "2028-02-29"),  # leap year
    ("gdpr", "erasure", "2026-03-31", "2026-04-30"),
    ("gdpr", "access", "2026-12-15", "2027-01-15"),  # year end
    ("ccpa", "access", "2026-11-20", "2027-01-04"),  # 45 calendar days
    ("ccpa", "erasure", "2028-02-01", "2028-03-17"),  # leap February
    ("lgpd", "access", "2026-02-20", "2026-03-07"),  # 15 days
    ("ru152", "access", "2026-11-20", "2026-12-04"),  # 10 working days (weekends skipped)
    ("ru152", "access", "2026-12-28", None),  # across the New Year holidays: computed below
    ("ru152", "access", "2026-04-30", None),  # across the May holidays
]


@pytest.mark.parametrize(("regime", "type_", "received", "due"), DUE)
def test_due_dates_by_regime(svc, admin, regime, type_, received, due):
    later = datetime.fromisoformat(received) - svc.clock.now()
    if later.days >= 0:
        svc.clock.advance(days=later.days + 1)
    out = submit(svc, admin, type_, regime, email="nobody@example.com", received_at=received)
    rule = regimes.regimes_of(svc)[regime]
    expected = deadlines.due_date(rule, type_, date.fromisoformat(received))
    assert out["due_at"] == expected.isoformat()
    if due:
        assert out["due_at"] == due
    assert out["received_at"].startswith(received)


def test_russian_working_days_skip_public_holidays(svc, admin):
    svc.clock.advance(days=60)
    out = submit(svc, admin, "access", "ru152", email="nobody@example.com", received_at="2026-12-28")
    due = date.fromisoformat(out["due_at"])
    # 10 working days after 28 Dec cannot end inside the New Year holidays (1-8 January) and lands well after
    # 10 calendar days would.
    assert due > date(2027, 1, 8)
    assert not (date(2027, 1, 1) <= due <= date(2027, 1, 8))
    assert calendars.is_working_day(due, "RU")


def test_ccpa_acknowledgement_within_ten_business_days(svc, admin):
    out = submit(svc, admin, "access", "ccpa", email="nobody@example.com", received_at="2026-11-20")
    # 26 Nov (Thanksgiving) and 27 Nov (day after, a California holiday) and weekends do not count.
    assert out["acknowledge_by"] == "2026-12-08"


def test_received_at_counts_from_receipt_not_typing(svc, admin):
    svc.clock.advance(days=20)
    out = submit(svc, admin, email="nobody@example.com", received_at="2026-11-10T09:30:00+03:00")
    assert out["received_at"] == "2026-11-10T06:30:00Z"
    assert out["due_at"] == "2026-12-10"
    with pytest.raises(Invalid) as exc:
        submit(svc, admin, email="nobody@example.com", received_at="2027-01-01")
    assert exc.value.errors[0]["code"] == "date.future"
    with pytest.raises(Invalid):
        submit(svc, admin, email="nobody@example.com", received_at="last tuesday")


def test_extension_once_before_due_with_reason_and_notice(svc, admin, olga):
    req = submit(svc, admin, received_at="2026-11-20")
    with pytest.raises(Invalid):
        decisions.extend(svc, admin, req["id"], reason="  ")
    out = decisions.extend(svc, admin, req["id"], reason="many systems to search")
    assert out["status"] == "extended" and out["due_at"] == "2027-02-20" and out["original_due_at"] == "2026-12-20"
    notice = svc.mailer.sent[-1]
    assert notice.kind == "extension" and notice.to == OLGA["email"] and "many systems" in notice.body
    verified(svc, admin, req["id"])
    with pytest.raises(IllegalTransition, match="already extended"):
        decisions.extend(svc, admin, req["id"], reason="again")


def test_extension_refused_after_due_date(svc, admin, olga):
    req = submit(svc, admin, regime="ccpa", received_at="2026-11-20")
    svc.clock.advance(days=46)
    with pytest.raises(IllegalTransition, match="before the original due date"):
        decisions.extend(svc, admin, req["id"], reason="late")
    lgpd = submit(svc, admin, "erasure", regime="lgpd")
    with pytest.raises(IllegalTransition, match="no extension"):
        decisions.extend(svc, admin, lgpd["id"], reason="x")


def test_reminders_and_overdue(svc, admin, olga):
    req = submit(svc, admin, received_at="2026-11-20")  # gdpr, due 2026-12-20, reminders at 14, 7, 3, 1 days
    assert reminders.send_reminders(svc, admin) == []
    svc.clock.advance(days=16)  # 6 December: 14 days left
    sent = reminders.send_reminders(svc, admin)
    assert [r["id"] for r in sent] == [req["id"]]
    assert svc.mailer.sent[-1].kind == "reminder" and svc.mailer.sent[-1].to == "dpo@example-retail.test"
    assert reminders.send_reminders(svc, admin) == []  # once a day
    assert listing.list_requests(svc, admin, overdue=True) == []
    svc.clock.advance(days=15)  # 21 December
    overdue = listing.list_requests(svc, admin, overdue=True)
    assert [r["id"] for r in overdue] == [req["id"]] and overdue[0]["overdue"] is True
    assert reminders.send_reminders(svc, admin)[0]["overdue"] is True


# ---------------------------------------------------------------------------------------------------------
# State machine

FLAGS = [(False, False), (True, False), (True, True)]


@pytest.mark.parametrize("status", states.STATUSES)
@pytest.mark.parametrize("action", states.ACTIONS)
def test_transition_table(status, action):
    """The pure state machine: every (status, action) outside TRANSITIONS is refused."""
    for verified_, approved in FLAGS:
        for type_ in states.TYPES:
            if status not in states.TRANSITIONS[action]:
                with pytest.raises(IllegalTransition):
                    states.check_transition(action, status, verified=verified_, request_type=type_, approved=approved)


def _force(row_id: str, status: str, verified_: bool, approved: bool = False) -> None:
    now = datetime(2026, 11, 20, 10)
    DsarRequest.update(
        status=status, verified_at=now if verified_ else None, approved_at=now if approved else None
    ).where(DsarRequest.id == row_id).execute()


def _attempt(svc, actor, action: str, req_id: str):
    if action == "verify":
        return verification.verify(
            svc, actor, req_id, method="manual", note="passport seen", match={"birth_date": "1990-05-05"}
        )
    if action == "extend":
        return decisions.extend(svc, actor, req_id, reason="complex")
    if action == "reject":
        return decisions.reject(svc, actor, req_id, ground="manifestly unfounded")
    return {"approve": decisions.approve, "process": processing.process}[action](svc, actor, req_id)


ILLEGAL = [
    (status, action, verified_)
    for status in states.STATUSES
    for action in states.ACTIONS
    for verified_ in (False, True)
    if status not in states.TRANSITIONS[action]
    or (action == "verify" and verified_)
    or (action == "approve" and not verified_)
    or (action == "process" and not verified_)
]


@pytest.mark.parametrize(("status", "action", "verified_"), ILLEGAL)
def test_every_illegal_transition_is_refused(svc, admin, olga, status, action, verified_):
    req = submit(svc, admin, "erasure")
    _force(req["id"], status, verified_)
    before = DsarRequest.get_by_id(req["id"]).status
    with pytest.raises(IllegalTransition) as exc:
        _attempt(svc, admin, action, req["id"])
    assert exc.value.errors and exc.value.errors[0]["field"] == "status"
    assert DsarRequest.get_by_id(req["id"]).status == before


def test_erasure_needs_approval_before_processing(svc, admin, olga):
    req = submit(svc, admin, "erasure")
    verified(svc, admin, req["id"])
    with pytest.raises(IllegalTransition, match="approval"):
        processing.process(svc, admin, req["id"])
    decisions.approve(svc, admin, req["id"])
    with pytest.raises(IllegalTransition):
        decisions.approve(svc, admin, req["id"])


def test_happy_path_states(svc, admin, olga):
    req = submit(svc, admin, "access")
    assert req["status"] == "received"
    assert verified(svc, admin, req["id"])["status"] == "verified"
    out = processing.process(svc, admin, req["id"])
    assert out["status"] == "completed" and out["response"] == "bundle_ready"
    actions = [e["action"] for e in out["timeline"]]
    assert actions[0] == "submit" and "verify" in actions and "complete" in actions


def test_duplicate_open_request_flagged(svc, admin, olga):
    first = submit(svc, admin, "erasure")
    assert first["duplicate_of"] is None
    second = submit(svc, admin, "erasure", phone="8 916 123-45-67")  # same person, other identifier
    assert second["duplicate_of"] == first["id"]
    other_type = submit(svc, admin, "access")
    assert other_type["duplicate_of"] is None
    unknown1 = submit(svc, admin, "access", email="ghost@example.com")
    unknown2 = submit(svc, admin, "access", email=" GHOST@example.com ")
    assert unknown2["duplicate_of"] == unknown1["id"]  # same identifier, nobody matched
    decisions.reject(svc, admin, first["id"], ground="duplicate")
    decisions.reject(svc, admin, second["id"], ground="duplicate")
    assert submit(svc, admin, "erasure")["duplicate_of"] is None  # closed requests are not duplicates


def test_intake_keeps_identifiers_as_blind_indexes_only(svc, admin, olga):
    from compliance.dsar.models import RequestIdentifier

    req = submit(svc, admin, "access", email="Olga.Petrova@example.ru")
    assert req["subject"] == olga and req["matched"][0]["match"] == "exact"
    rows = list(RequestIdentifier.select().where(RequestIdentifier.request_id == req["id"]))
    assert [r.kind for r in rows] == ["email"] and len(bytes(rows[0].digest)) == 32
    raw = DsarRequest.select().where(DsarRequest.id == req["id"]).dicts().get()
    assert "olga" not in repr(raw).lower()


# ---------------------------------------------------------------------------------------------------------
# Verification


def test_code_verification_through_mailer(svc, admin, olga):
    req = submit(svc, admin, "access")
    sent = verification.verify(svc, admin, req["id"], method="code")
    assert sent["code_sent"] is True and svc.mailer.sent[-1].to == OLGA["email"]
    code = _code(svc)
    with pytest.raises(Invalid, match="not right"):
        verification.verify(svc, admin, req["id"], method="code", code="000000" if code != "000000" else "111111")
    out = verification.verify(svc, admin, req["id"], method="code", code=code)
    assert out["verification"]["method"] == "email_code" and out["verification"]["points"] == ["email"]
    svc.clock.advance(days=2)
    req2 = submit(svc, admin, "portability")
    verification.verify(svc, admin, req2["id"], method="code")
    code2 = _code(svc)
    svc.clock.advance(hours=25)
    with pytest.raises(Conflict, match="no valid code"):
        verification.verify(svc, admin, req2["id"], method="code", code=code2)


def test_ccpa_needs_two_points_for_categories_three_for_specific_pieces(svc, admin, olga):
    specific = submit(svc, admin, "access", "ccpa")
    verification.verify(svc, admin, specific["id"], method="code")
    code = _code(svc)
    with pytest.raises(Invalid) as exc:
        verification.verify(svc, admin, specific["id"], method="code", code=code, match={"birth_date": "1990-05-05"})
    assert exc.value.errors[0]["code"] == "verification.insufficient_points"
    out = verification.verify(
        svc, admin, specific["id"], method="code", code=code, match={"birth_date": "1990-05-05", "last_name": "ПЕТРОВА"}
    )
    assert out["verification"]["points"] == ["birth_date", "email", "last_name"]
    categories = submit(svc, admin, "access", "ccpa", phone="+7 916 123 45 67", scope="categories")
    with pytest.raises(Invalid):  # the phone given at intake is one point; a wrong birth date is none
        verification.verify(
            svc, admin, categories["id"], method="manual", note="call", match={"birth_date": "1991-01-01"}
        )
    out = verification.verify(
        svc, admin, categories["id"], method="manual", note="call back", match={"postcode": "101000"}
    )
    assert out["verification"]["points"] == ["phone", "postcode"] and out["verification"]["method"] == "manual"


def test_rectification_is_not_verified_by_the_corrected_field(svc, admin, olga):
    req = submit(svc, admin, "rectification", "ccpa", subject=olga, changes={"email": "olga.new@example.ru"})
    verification.verify(svc, admin, req["id"], method="code")
    code = _code(svc)
    with pytest.raises(Invalid) as exc:  # the code proves the old email: it is the field being corrected
        verification.verify(svc, admin, req["id"], method="code", code=code, match={"birth_date": "1990-05-05"})
    assert exc.value.errors[0]["code"] == "verification.insufficient_points"
    out = verification.verify(
        svc, admin, req["id"], method="code", code=code, match={"birth_date": "1990-05-05", "postcode": "101000"}
    )
    assert "email" not in out["verification"]["points"]


def test_manual_verification_needs_note_and_dpo(svc, admin, olga):
    req = submit(svc, admin, "access")
    with pytest.raises(Invalid, match="note"):
        verification.verify(svc, admin, req["id"], method="manual", match={"birth_date": "1990-05-05"})
    clerk = Actor("prn_clerk", "clerk", "custom", frozenset({"requests:manage", "requests:read"}))
    with pytest.raises(Forbidden):
        verification.verify(svc, clerk, req["id"], method="manual", note="seen", match={"birth_date": "1990-05-05"})
    dpo = actor_with_role(svc, "dpo")
    out = verification.verify(svc, dpo, req["id"], method="manual", note="ID card checked at the desk")
    assert (
        out["verification"]["note"] == "ID card checked at the desk" and out["verification"]["by"] == dpo.principal_id
    )


@pytest.mark.parametrize("type_", ["access", "portability", "erasure", "rectification", "restriction"])
def test_runs_refused_before_verification(svc, admin, olga, type_):
    req = submit(svc, admin, type_, subject=olga, changes={"city": "Тверь"} if type_ == "rectification" else None)
    with pytest.raises(IllegalTransition, match="verified"):
        processing.process(svc, admin, req["id"])
    with pytest.raises(IllegalTransition):
        access.export_bundle(svc, admin, req["id"]) if type_ in ("access", "portability") else processing.process(
            svc, admin, req["id"]
        )


# ---------------------------------------------------------------------------------------------------------
# Types


def test_opt_out_needs_no_verification_and_goes_through_consent(svc, admin, olga):
    req = submit(svc, admin, "opt_out", "ccpa")
    out = processing.process(svc, admin, req["id"])
    assert out["status"] == "completed" and out["response"] == "opted_out" and out["verified"] is False
    decision = consent.check(svc, admin, purpose="sale_sharing", subject=olga)
    assert decision["allowed"] is False and decision["state"] == "withdrawn"
    assert {n["recipient"] for n in out["notices"]} == {"ad_partners"}


def test_objection_goes_through_consent(svc, admin, olga):
    record(svc, admin, subject=olga, purpose="sms_marketing", action="grant", source="shop")
    req = submit(svc, admin, "objection")
    out = processing.process(svc, admin, req["id"])
    assert out["response"] == "marketing_stopped"
    assert consent.check(svc, admin, purpose="sms_marketing", subject=olga)["allowed"] is False
    assert Subject.get_by_id(olga).marketing_suppressed is True
    assert consent.check(svc, admin, purpose="service_messages", subject=olga)["allowed"] is True


def test_restriction_marks_subject_and_lifting_notifies(svc, admin, olga):
    req = submit(svc, admin, "restriction")
    verified(svc, admin, req["id"])
    out = processing.process(svc, admin, req["id"])
    assert Subject.get_by_id(olga).restricted is True
    assert consent.check(svc, admin, purpose="service_messages", subject=olga)["state"] == "restricted"
    assert {n["kind"] for n in out["notices"]} == {"restriction"}
    with pytest.raises(Invalid):
        restriction.lift_restriction(svc, admin, req["id"], reason="")
    before = len(svc.mailer.sent)
    restriction.lift_restriction(svc, admin, req["id"], reason="legal claim settled")
    assert Subject.get_by_id(olga).restricted is False
    lifted = svc.mailer.sent[before]
    assert lifted.kind == "restriction_lifted" and lifted.to == OLGA["email"]
    kinds = {n.kind for n in RequestNotice.select().where(RequestNotice.request_id == req["id"])}
    assert kinds == {"restriction", "restriction_lifted"}


def test_rectification_updates_value_and_notifies_recipients(svc, admin, olga):
    req = submit(svc, admin, "rectification", subject=olga, changes={"last_name": "Сидорова", "city": "Тверь"})
    verified(svc, admin, req["id"], birth_date="1990-05-05")
    out = processing.process(svc, admin, req["id"])
    profile = profile_of(Subject.get_by_id(olga))
    assert profile["last_name"] == "Сидорова" and profile["city"] == "Тверь"
    assert out["response"] == "rectified"
    # The wrong values are not lost: the history keeps them, naming the request as the source.
    kept = {(e["field"], e["old"], e["new"], e["source"]) for e in history.entries(olga)}
    assert ("last_name", OLGA["last_name"], "Сидорова", req["id"]) in kept
    assert ("city", OLGA.get("city"), "Тверь", req["id"]) in kept
    recipients = {n["recipient"] for n in out["notices"]}
    assert recipients == {"mailer", "sms_gateway", "messenger_gateway", "ad_partners", "crm"}
    assert all(n["status"] == "pending" for n in out["notices"])
    first = out["notices"][0]["id"]
    assert notices.set_notice_status(svc, admin, first, "acknowledged")["status"] == "acknowledged"


def test_rectified_email_replaces_the_wrong_one(svc, admin, olga):
    req = submit(svc, admin, "rectification", subject=olga, changes={"email": "olga.right@example.ru"})
    verified(svc, admin, req["id"], birth_date="1990-05-05")
    processing.process(svc, admin, req["id"])
    assert profile_of(Subject.get_by_id(olga))["emails"] == ["olga.right@example.ru"]
    assert intake.submit(svc, admin, type="access", regime="gdpr", email="olga.right@example.ru")["subject"] == olga
    assert intake.submit(svc, admin, type="access", regime="gdpr", email=OLGA["email"])["subject"] is None


def test_rejection_needs_ground_dpo_and_mentions_complaint(svc, admin, olga):
    req = submit(svc, admin, "erasure", regime="ru152")
    with pytest.raises(Invalid):
        decisions.reject(svc, admin, req["id"], ground=" ")
    steward = actor_with_role(svc, "steward")
    with pytest.raises(Forbidden):
        decisions.reject(svc, steward, req["id"], ground="x")
    out = decisions.reject(
        svc, actor_with_role(svc, "dpo"), req["id"], ground="the data is needed for a pending court case"
    )
    assert out["status"] == "rejected" and out["denial_ground"].startswith("the data")
    notice = svc.mailer.sent[-1]
    assert notice.kind == "rejection" and "Роскомнадзор" in notice.body


def test_erasure_needs_requests_approve(svc, admin, olga):
    req = submit(svc, admin, "erasure")
    verified(svc, admin, req["id"])
    clerk = Actor("prn_clerk", "clerk", "custom", frozenset({"requests:manage", "requests:read"}))
    with pytest.raises(Forbidden):
        decisions.approve(svc, clerk, req["id"])
    decisions.approve(svc, admin, req["id"])
    with pytest.raises(Forbidden):
        processing.process(svc, clerk, req["id"])


def test_likely_duplicates_are_rescored_merge_candidates(svc, admin):
    a, _ = upsert(
        svc,
        admin,
        {
            "email": "ivan.petrov@example.com",
            "first_name": "Иван",
            "last_name": "Петров",
            "birth_date": "1985-03-03",
            "postcode": "190000",
        },
    )
    b, _ = upsert(
        svc,
        admin,
        {
            "email": "ivanpetrov85@example.org",
            "first_name": "Ivan",
            "last_name": "Petrov",
            "birth_date": "1985-03-03",
            "postcode": "190000",
        },
    )
    c, _ = upsert(svc, admin, {"email": "anna@example.org", "first_name": "Анна", "last_name": "Смирнова"})
    from compliance.subjects.candidates import MergeCandidate

    now = svc.clock.now()
    for cid, other in (("cand_test1", b), ("cand_test2", c)):
        MergeCandidate.insert(
            id=cid, run_id="run_x", a_id=a, b_id=other, score=0.9, decision="review", created_at=now
        ).execute()
    found = dict(matching.likely_duplicates(svc, {a}))
    assert b in found and c not in found and found[b] >= 0.75  # re-scored: the unlike candidate is dropped
    req = submit(svc, admin, "access", email="ivan.petrov@example.com")
    assert [(m["subject"], m["match"], m["included"]) for m in req["matched"]] == [
        (a, "exact", True),
        (b, "likely", False),
    ]
    out = matching.set_match(svc, admin, req["id"], b, include=True)
    assert records.included_subjects(req["id"]) == sorted([a, b]) and out["matched"][1]["included"] is True
    # a shared exact identifier (a family mailbox) lists the other person even though the names disagree
    shared = BlindIndex.get((BlindIndex.subject_id == a) & (BlindIndex.kind == "email"))
    BlindIndex.insert(subject_id=c, kind=shared.kind, digest=shared.digest, key_version=shared.key_version).execute()
    found = dict(matching.likely_duplicates(svc, {a}))
    assert c in found and found[c] < 0.75 and b in found


# ---------------------------------------------------------------------------------------------------------
# Records, API, CLI


def test_list_csv_has_7101_record_fields(svc, admin, olga):
    req = submit(svc, admin, "access", channel="letter", received_at="2026-11-01")
    decisions.reject(svc, admin, req["id"], ground="identity could not be verified")
    rows = list(csv.DictReader(io.StringIO(listing.records_csv(listing.list_requests(svc, admin)))))
    assert rows[0]["id"] == req["id"] and rows[0]["channel"] == "letter" and rows[0]["response"] == "rejected"
    assert rows[0]["received_at"] == "2026-11-01T00:00:00Z" and rows[0]["denial_ground"]
    assert set(listing.RECORD_COLUMNS) == set(rows[0])


def test_analyst_and_app_cannot_read_requests(svc, olga):
    with pytest.raises(Forbidden):
        listing.list_requests(svc, actor_with_role(svc, "analyst"))
    app_actor = actor_with_role(svc, "app")
    out = intake.submit(svc, app_actor, type="opt_out", regime="ccpa", email=OLGA["email"])
    assert out["status"] == "received"
    with pytest.raises(Forbidden):
        listing.show(svc, app_actor, out["id"])


def test_api_flow(client, keys, svc, olga):
    dpo = auth(keys["dpo"])
    r = client.post("/v1/requests", json={"type": "access", "regime": "gdpr", "email": OLGA["email"]}, headers=dpo)
    assert r.status_code == 201, r.json
    req_id = r.json["id"]
    assert client.post(f"/v1/requests/{req_id}/process", headers=dpo).status_code == 409
    assert client.post(f"/v1/requests/{req_id}/verify", json={"method": "code"}, headers=dpo).json["code_sent"]
    r = client.post(f"/v1/requests/{req_id}/verify", json={"method": "code", "code": _code(svc)}, headers=dpo)
    assert r.status_code == 200 and r.json["verified"] is True
    assert client.post(f"/v1/requests/{req_id}/process", headers=dpo).json["status"] == "completed"
    r = client.get(f"/v1/requests/{req_id}/export", headers=dpo)
    assert r.status_code == 200 and r.mimetype == "application/zip" and r.data[:2] == b"PK"
    assert client.get("/v1/requests?overdue=true", headers=dpo).json["items"] == []
    assert client.get(f"/v1/requests/{req_id}", headers=dpo).json["timeline"]
    r = client.post("/v1/requests", json={"type": "access", "regime": "xx", "email": "a@b.example"}, headers=dpo)
    assert r.status_code == 422 and "a@b.example" not in r.get_data(as_text=True)
    assert client.get(f"/v1/requests/{req_id}", headers=auth(keys["analyst"])).status_code == 403
    r = client.get("/v1/policies/record", headers=auth(keys["analyst"]))
    assert r.status_code == 200 and {"purposes", "recipients", "transfers", "retention", "security_measures"} <= set(
        r.json
    )


def test_cli_flow(svc, settings, olga):
    from click.testing import CliRunner

    from cli.main import get_cli

    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(get_cli(), list(args), env=env, catch_exceptions=False)
        return result

    out = run(
        "--json",
        "dsar",
        "submit",
        "--type",
        "access",
        "--regime",
        "gdpr",
        "--email",
        OLGA["email"],
        "--received-at",
        "2026-10-01",
    )
    assert out.exit_code == 0, out.output
    import json

    data = json.loads(out.output)
    assert data["due_at"] == "2026-11-01" and data["matched"][0]["subject"] == olga
    listed = run("dsar", "list", "--overdue")
    assert data["id"] in listed.output and "OVERDUE" in listed.output
    csv_out = run("dsar", "list", "--format", "csv")
    assert csv_out.output.startswith("id,type,regime,status")
    bad = run("dsar", "process", data["id"])
    assert bad.exit_code == 1 and "verified" in bad.output
    assert run("policies", "record").exit_code == 0
    assert "leads_without_consent" in run("retention", "run", "--dry-run").output


def test_request_list_is_paginated_with_a_cursor(svc, client, keys):
    from tests.support.api_helpers import auth

    for i in range(5):
        intake.submit(svc, svc.system_actor("t"), type="opt_out", regime="ccpa", email=f"page{i}@example.com")
        svc.clock.advance(seconds=1 if i % 2 else 0)  # two requests may share a received second
    seen, cursor = [], None
    while True:
        url = "/v1/requests?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=auth(keys["dpo"])).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    listed = [r["id"] for r in listing.list_requests(svc, svc.system_actor("t"))]
    assert seen == listed and len(seen) == 5
    assert client.get("/v1/requests?cursor=AAAA", headers=auth(keys["dpo"])).status_code == 422


# ---------------------------------------------------------------------------------------------------------
# Which actions an actor may take (the one table the API, the pages and the services share)

CLERK = Actor("prn_clerk", "clerk", "custom", frozenset({"requests:manage", "requests:read"}))
DPO_SCOPES = Actor("prn_dpo", "dpo", "custom", frozenset({"requests:manage", "requests:approve", "requests:read"}))
READER = Actor("prn_reader", "reader", "custom", frozenset({"requests:read"}))


@pytest.mark.parametrize(
    "who,type_,status,verified,approved,expected",
    [
        (DPO_SCOPES, "erasure", "received", False, False, ["verify", "extend", "reject"]),
        (DPO_SCOPES, "erasure", "verified", True, False, ["extend", "approve", "reject"]),
        (DPO_SCOPES, "erasure", "verified", True, True, ["extend", "reject", "process"]),
        (CLERK, "erasure", "verified", True, True, ["extend"]),  # carrying out an erasure needs a DPO
        (CLERK, "consent_withdrawal", "verified", True, True, ["extend"]),
        (CLERK, "access", "verified", True, False, ["extend", "process"]),
        (CLERK, "opt_out", "received", False, False, ["verify", "extend", "process"]),  # no verification needed
        (DPO_SCOPES, "access", "completed", True, False, []),
        (READER, "access", "received", False, False, []),
    ],
)
def test_allowed_actions_follow_state_and_scopes(who, type_, status, verified, approved, expected):
    item = {"type": type_, "status": status, "verified": verified, "approved": approved}
    assert states.allowed_actions(who, item) == expected


def test_the_services_demand_the_scopes_the_table_names(svc, admin):
    assert states.required_scopes("process", "erasure") == ("requests:manage", "requests:approve")
    assert states.required_scopes("process", "access") == ("requests:manage",)
    req = submit(svc, admin, "access", email=OLGA["email"])
    with pytest.raises(Forbidden):
        decisions.reject(svc, CLERK, req["id"], ground="x")  # ACTION_SCOPES["reject"] is requests:approve
    assert listing.show(svc, CLERK, req["id"])["actions"] == ["verify", "extend"]
    assert listing.show(svc, READER, req["id"])["actions"] == []


def test_api_shows_the_actions_and_a_verified_certificate(svc, client, keys, admin):
    sid, _ = upsert(svc, admin, dict(OLGA))
    req = submit(svc, admin, "erasure", subject=sid)
    listed = client.get(f"/v1/requests/{req['id']}", headers=auth(keys["dpo"])).get_json()
    assert listed["actions"] == ["verify", "extend", "reject"]
    verification.verify(
        svc, admin, req["id"], method="manual", note="passport seen", match={"birth_date": "1990-05-05"}
    )
    decisions.approve(svc, admin, req["id"])
    processing.process(svc, admin, req["id"])
    cert = client.get(f"/v1/requests/{req['id']}/certificate", headers=auth(keys["dpo"])).get_json()
    assert cert["valid"] is True and certificates.verify_certificate(cert)
    cert["certificate"]["subjects"] = []
    assert not certificates.verify_certificate(cert)
