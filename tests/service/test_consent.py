"""Consent: decision table, ledger immutability, double opt-in tokens, GPC, objection, receipts, export."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.consent import counters, decisions, ledger, receipts, signals
from compliance.consent.audience import export_subjects
from compliance.consent.ledger import add_months, fold
from compliance.consent.models import ConsentEvent, ConsentState, ConsentToken
from compliance.errors import Conflict, Forbidden, Invalid, NotFound
from compliance.store.models import Subject
from compliance.subjects.profiles import upsert
from tests.conftest import actor_with_role


@pytest.fixture
def person(svc, admin):
    sid, _ = upsert(
        svc,
        admin,
        {"email": "olga@example.ru", "phone": "+79161234567", "first_name": "Ольга", "birth_date": "1990-05-05"},
    )
    return sid


def _token(svc) -> str:
    body = svc.mailer.sent[-1].body
    return body.split("code within 72 hours: ")[1].split()[0]


def test_decision_table(svc, admin, person):
    """granted, withdrawn, pending, confirmed, expired, unknown, restricted, suppressed, minor, GPC, objection."""
    check = lambda purpose, **kw: decisions.check(svc, admin, purpose=purpose, **kw)  # noqa: E731
    # unknown person: none, not an error, nobody created
    before = Subject.select().count()
    assert check("sms_marketing", email="nobody@example.com") == {
        "purpose": "sms_marketing",
        "channel": "sms",
        "allowed": False,
        "state": "none",
    }
    assert Subject.select().count() == before
    # nothing recorded yet for a consent purpose
    assert check("sms_marketing", subject=person)["state"] == "none"
    # granted
    ledger.record(svc, admin, subject=person, purpose="sms_marketing", action="grant", source="shop")
    assert check("sms_marketing", subject=person) | {} == {
        "purpose": "sms_marketing",
        "channel": "sms",
        "subject": person,
        "allowed": True,
        "state": "granted",
    }
    assert check("sms_marketing", phone="8 916 123-45-67")["allowed"] is True
    # expired after expiry_months
    svc.clock.advance(days=2 * 366)
    assert check("sms_marketing", subject=person) | {} == {
        "purpose": "sms_marketing",
        "channel": "sms",
        "subject": person,
        "allowed": False,
        "state": "expired",
    }
    # withdrawn
    ledger.record(svc, admin, subject=person, purpose="sms_marketing", action="withdraw", source="shop")
    assert check("sms_marketing", subject=person)["state"] == "withdrawn"
    # pending then confirmed (double opt-in)
    ledger.record(svc, admin, subject=person, purpose="email_marketing", action="grant", source="web")
    assert check("email_marketing", subject=person)["state"] == "pending"
    assert check("email_marketing", subject=person)["allowed"] is False
    ledger.confirm(svc, admin, _token(svc))
    assert check("email_marketing", subject=person)["allowed"] is True
    # contract purposes are allowed without consent
    assert check("service_messages", subject=person) | {} == {
        "purpose": "service_messages",
        "channel": "email",
        "subject": person,
        "allowed": True,
        "state": "none",
        "basis": "contract",
    }
    # restricted (Art. 18)
    Subject.update(restricted=True).where(Subject.id == person).execute()
    assert check("email_marketing", subject=person)["state"] == "restricted"
    assert check("service_messages", subject=person)["allowed"] is False
    Subject.update(restricted=False).where(Subject.id == person).execute()
    # objection: every marketing purpose withdrawn, identifiers suppressed for marketing
    result = signals.object_to_marketing(svc, admin, person)
    assert result["withdrawn"] >= 5 and result["suppressed_identifiers"] == 2
    assert check("email_marketing", subject=person)["state"] == "suppressed"
    assert check("sale_sharing", subject=person)["state"] == "suppressed"
    assert check("service_messages", subject=person)["allowed"] is True
    # a new subject with the same email (another record) is suppressed for marketing by identifier
    assert check("sms_marketing", email="OLGA@example.ru ")["state"] == "suppressed"


def test_sale_sharing_opt_out_minor_and_gpc(svc, admin, client, keys):
    adult, _ = upsert(svc, admin, {"email": "adult@example.com", "birth_date": "1980-01-01"})
    minor, _ = upsert(svc, admin, {"email": "teen@example.com", "birth_date": "2012-06-01"})
    assert decisions.check(svc, admin, purpose="sale_sharing", subject=adult)["allowed"] is True
    result = decisions.check(svc, admin, purpose="sale_sharing", subject=minor)
    assert result["allowed"] is False and result.get("reason") == "minor"
    ledger.record(svc, admin, subject=minor, purpose="sale_sharing", action="grant", source="parent_form")
    assert decisions.check(svc, admin, purpose="sale_sharing", subject=minor)["allowed"] is True
    from tests.support.api_helpers import auth

    response = client.post(
        "/v1/consent/events",
        headers={**auth(keys["app"]), "Sec-GPC": "1"},
        json={"subject": adult, "purpose": "sms_marketing", "action": "grant", "source": "web"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["gpc"]["purpose"] == "sale_sharing" and body["gpc"]["source"] == "gpc"
    assert decisions.check(svc, admin, purpose="sale_sharing", subject=adult)["state"] == "withdrawn"


def test_bundled_grant_is_refused(svc, admin, person):
    with pytest.raises(Invalid) as err:
        ledger.record(svc, admin, subject=person, purpose=["sms_marketing", "profiling"], action="grant")
    assert err.value.errors[0]["code"] == "purpose.bundled"
    with pytest.raises(Invalid):
        ledger.record(svc, admin, subject=person, purpose="sms_marketing", channel="email", action="grant")


def test_withdrawal_is_one_call_and_history_keeps_both(svc, admin, person):
    grant = ledger.record(svc, admin, subject=person, purpose="profiling", action="grant", source="app")
    withdrawal = ledger.record(svc, admin, subject=person, purpose="profiling", action="withdraw", source="app")
    events = ledger.history(svc, admin, person)["events"]
    assert [e["id"] for e in events] == [grant["id"], withdrawal["id"]]
    assert [e["action"] for e in events] == ["grant", "withdraw"]


def test_double_opt_in_token_single_use_and_expiry(svc, admin, person):
    ledger.record(svc, admin, subject=person, purpose="email_marketing", action="grant", source="web")
    message = svc.mailer.sent[-1]
    assert message.to == "olga@example.ru" and message.kind == "double_opt_in"
    # Only what was asked for and how to confirm: three lines, no links, no promotion.
    lines = message.body.splitlines()
    assert len(lines) == 3 and lines[0] == "You asked to receive: Email newsletters and offers."
    assert "http" not in message.body and "%" not in message.body and "discount" not in message.body.lower()
    token = _token(svc)
    stored = ConsentToken.get()
    assert stored.token_hash != token and token not in stored.token_hash
    ledger.confirm(svc, admin, token)
    with pytest.raises(Conflict, match="already used"):
        ledger.confirm(svc, admin, token)
    ledger.record(svc, admin, subject=person, purpose="email_marketing", action="withdraw", source="web")
    ledger.record(svc, admin, subject=person, purpose="email_marketing", action="grant", source="web")
    late = _token(svc)
    svc.clock.advance(hours=73)
    with pytest.raises(Conflict, match="expired"):
        ledger.confirm(svc, admin, late)
    assert decisions.check(svc, admin, purpose="email_marketing", subject=person)["state"] == "pending"
    with pytest.raises(NotFound):
        ledger.confirm(svc, admin, "not-a-real-token-at-all")


def test_events_are_immutable_through_the_service(svc, admin, person):
    event = ledger.record(svc, admin, subject=person, purpose="sms_marketing", action="grant", source="shop")
    assert not any(hasattr(ledger, name) for name in ("update_event", "delete_event", "rewrite_event"))
    stored = ConsentEvent.get(ConsentEvent.id == event["id"])
    assert stored.state_after == "granted" and stored.receipt_id.startswith("rcp_")


KANTARA_REQUIRED = {
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "purposes",
    "termination",
    "thirdPartyDisclosure",
    "services",
}
KANTARA_SCHEMA = {
    "type": "object",
    "required": sorted(KANTARA_REQUIRED),
    "properties": {
        "version": {"type": "string"},
        "jurisdiction": {"type": "string"},
        "consentTimestamp": {"type": "integer"},
        "collectionMethod": {"type": "string"},
        "consentReceiptID": {"type": "string"},
        "piiPrincipalId": {"type": "string", "pattern": "^sub_"},
        "piiControllers": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["piiController", "contact", "address", "email", "phone"]},
        },
        "policyUrl": {"type": "string"},
        "services": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["service", "purposes"],
                "properties": {
                    "purposes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "purpose",
                                "consentType",
                                "purposeCategory",
                                "piiCategory",
                                "primaryPurpose",
                                "termination",
                                "thirdPartyDisclosure",
                            ],
                        },
                    }
                },
            },
        },
        "purposes": {"type": "array", "items": {"type": "string"}},
        "termination": {"type": "string"},
        "thirdPartyDisclosure": {"type": "boolean"},
    },
}


def test_receipt_matches_kantara_schema_and_is_pseudonymous(svc, admin, person):
    import jsonschema

    event = ledger.record(svc, admin, subject=person, purpose="sms_marketing", action="grant", source="shop")
    receipt = receipts.receipt(svc, admin, event["id"])
    jsonschema.validate(receipt, KANTARA_SCHEMA)
    text = json.dumps(receipt, ensure_ascii=False)
    assert "olga@example.ru" not in text and "Ольга" not in text and receipt["piiPrincipalId"] == person


def test_export_after_withdrawal_excludes_the_person(svc, admin, person, tmp_path):
    other, _ = upsert(svc, admin, {"phone": "+79160000000", "first_name": "Пётр"})
    for sid in (person, other):
        ledger.record(svc, admin, subject=sid, purpose="sms_marketing", action="grant", source="shop")
    out = tmp_path / "audience.csv"
    assert export_subjects(svc, admin, out, purpose="sms_marketing")["written"] == 2
    ledger.record(svc, admin, subject=person, purpose="sms_marketing", action="withdraw", source="unsubscribe")
    export_subjects(svc, admin, out, purpose="sms_marketing")
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [other]


def test_app_role_checks_but_cannot_read_history(svc, person):
    app = actor_with_role(svc, "app")
    assert decisions.check(svc, app, purpose="sms_marketing", subject=person)["state"] == "none"
    with pytest.raises(Forbidden):
        ledger.history(svc, app, person)


def test_checks_are_counted_not_audited(svc, admin, person):
    seq_before = svc.audit.head()[0]
    for _ in range(5):
        decisions.check(svc, admin, purpose="sms_marketing", subject=person)
    decisions.check_many(svc, admin, purpose="sms_marketing", subjects=[person] * 10)
    assert svc.audit.head()[0] == seq_before
    assert counters.consent_counts(svc)["sms_marketing"] == 15


def test_bulk_check_limit(svc, admin, person):
    with pytest.raises(Invalid):
        decisions.check_many(
            svc, admin, purpose="sms_marketing", subjects=[person] * (svc.settings.max_bulk_checks + 1)
        )


ACTIONS = st.sampled_from(["grant", "withdraw", "pending", "confirm"])


@given(st.lists(st.tuples(ACTIONS, st.integers(min_value=0, max_value=90)), max_size=12))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_state_always_equals_fold_of_events(svc, admin, steps):
    sid, _ = upsert(svc, admin, {"external_id": f"fold-{len(steps)}-{datetime.now().timestamp()}"})
    spec = ledger.purpose_spec(svc, "sms_marketing")
    person = Subject.get_by_id(sid)
    start = svc.clock.now()
    for action, days in steps:
        svc.clock.advance(days=days)
        with svc.transaction():
            ledger.write_event(
                svc,
                admin,
                person,
                spec,
                "sms",
                action,
                source="prop",
                method="prop",
                notice_version=None,
                evidence=None,
            )
    events = [
        (e.action, e.occurred_at)
        for e in ConsentEvent.select().where(ConsentEvent.subject_id == sid).order_by(ConsentEvent.seq)
    ]
    expected_state, expected_expiry = fold(events, spec.expiry_months)
    row = ConsentState.get_or_none(ConsentState.subject_id == sid)
    if not steps:
        assert row is None
    else:
        assert (row.state, row.expires_at) == (expected_state, expected_expiry)
    assert svc.clock.now() >= start


def test_add_months_clamps():
    assert add_months(datetime(2027, 1, 31), 1) == datetime(2027, 2, 28)
    assert add_months(datetime(2028, 1, 31), 1) == datetime(2028, 2, 29)
    assert add_months(datetime(2026, 11, 30), 24) == datetime(2028, 11, 30)
    assert add_months(datetime(2026, 12, 15), 1) - datetime(2026, 12, 15) == timedelta(days=31)


def test_gpc_on_subject_upsert_and_objection_tombstone_on_import(svc, admin, client, keys, tmp_path):
    from compliance.subjects.importer import import_file
    from tests.conftest import write_csv
    from tests.support.api_helpers import auth

    response = client.post(
        "/v1/subjects", headers={**auth(keys["app"]), "Sec-GPC": "1"}, json={"email": "gpc@example.com"}
    )
    sid = response.get_json()["id"]
    assert decisions.check(svc, admin, purpose="sale_sharing", subject=sid)["state"] == "withdrawn"
    # An objecting person, re-imported under another record: lands, but marketing answers suppressed.
    objector, _ = upsert(svc, admin, {"email": "objector@example.com"})
    signals.object_to_marketing(svc, admin, objector)
    path = write_csv(tmp_path / "again.csv", ["email", "first_name"], [["OBJECTOR@example.com ", "Again"]])
    report = import_file(svc, admin, path).as_dict()
    assert report["rejected"] == 0 and report["suppressed"] == 0
    assert decisions.check(svc, admin, purpose="sms_marketing", email="objector@example.com")["state"] == "suppressed"
    assert Subject.get_by_id(objector).marketing_suppressed is True
