"""Retention rules, legal holds, recipients policy and the Art. 30 record of processing."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml

from compliance.consent import ledger as consent
from compliance.errors import Forbidden
from compliance.ids import new_id
from compliance.jobs.registry import JOBS
from compliance.jobs.schedule import schedule
from compliance.policy import recipients
from compliance.policy import record as record_of_processing
from compliance.policy.hygiene import policy_of
from compliance.policy.loader import SHIPPED, PolicyError
from compliance.policy.purposes import parse as parse_purposes
from compliance.policy.purposes import purposes_of
from compliance.retention import rules as retention
from compliance.services import POLICY_CHECKS
from compliance.store.models import DataKey, Interaction, Purchase, Subject
from compliance.subjects.profiles import upsert
from tests.conftest import actor_with_role


def _shipped(name: str) -> dict:
    return yaml.safe_load((SHIPPED / f"{name}.yaml").read_text(encoding="utf-8"))


def test_shipped_policies_are_valid_and_consistent():
    retention.check_policy(_shipped("retention"))
    recipients.check_policy(_shipped("recipients"))
    purposes = parse_purposes(_shipped("purposes"))
    known = recipients.parse(_shipped("recipients"))
    assert recipients.unknown_in_purposes(purposes, known) == []


BAD_RETENTION = [
    (("rules", "leads_without_consent", "action"), "shred", "action must be one of"),
    (("rules", "leads_without_consent", "inactive_months"), 0, "inactive_months"),
    (("rules", "leads_without_consent", "lifecycle"), ["ghost"], "lifecycle"),
    (("rules", "interactions", "older_than_months"), None, "older_than_months"),
    (("rules", "interactions", "action"), "anonymise", "deleted or kept"),
    (("rules", "request_records", "ground"), None, "ground"),
    (("rules", "request_records", "action"), "delete", "kept"),
    (("legal_holds", "purchases", "ground"), "", "ground"),
    (("legal_holds", "purchases", "years"), -1, "years"),
    (("legal_holds", "purchases", "action"), "burn", "detach or keep"),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD_RETENTION)
def test_retention_policy_errors_name_the_key(path, value, message):
    data = copy.deepcopy(_shipped("retention"))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(PolicyError, match=message):
        retention.check_policy(data)


BAD_RECIPIENTS = [
    ("role", "friend", "role"),
    ("country", "Russia", "country"),
    ("notify_on", ["gossip"], "notify_on"),
    ("third_country", "yes", "third_country"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_RECIPIENTS)
def test_recipients_policy_errors(key, value, message):
    data = copy.deepcopy(_shipped("recipients"))
    data["recipients"]["mailer"][key] = value
    with pytest.raises(PolicyError, match=message):
        recipients.check_policy(data)
    data = copy.deepcopy(_shipped("recipients"))
    del data["recipients"]["ad_partners"]["safeguard"]
    with pytest.raises(PolicyError, match="safeguard"):
        recipients.check_policy(data)


def test_typed_policies_are_parsed_once_per_load(svc):
    for typed in (purposes_of, recipients.recipients_of, policy_of, schedule):
        assert typed(svc) is typed(svc), typed.__name__
    calls = []

    def parse(data):
        calls.append(1)
        return dict(data)

    assert svc.policies.parsed("controller", parse) is svc.policies.parsed("controller", parse)
    assert calls == [1]


def test_policy_checks_are_registered():
    assert POLICY_CHECKS["retention"] is retention.check_policy
    assert POLICY_CHECKS["recipients"] is recipients.check_policy


def _world(svc, admin) -> dict[str, str]:
    """Subjects and interactions of every retention case, created at the frozen clock's time."""
    ids = {}
    ids["lead"], _ = upsert(svc, admin, {"email": "lead@example.com"})
    ids["lead_consented"], _ = upsert(svc, admin, {"email": "fan@example.com"})
    consent.record(svc, admin, subject=ids["lead_consented"], purpose="sms_marketing", action="grant", source="t")
    ids["lead_restricted"], _ = upsert(svc, admin, {"email": "restricted@example.com"})
    Subject.update(restricted=True).where(Subject.id == ids["lead_restricted"]).execute()
    ids["customer"], _ = upsert(svc, admin, {"email": "old.customer@example.com", "first_name": "Пётр"})
    ids["buyer"], _ = upsert(svc, admin, {"email": "buyer@example.com"})
    Subject.update(lifecycle="active").where(Subject.id.in_([ids["customer"], ids["buyer"]])).execute()
    now = svc.clock.now()
    Purchase.insert(
        id="pur_cust0001", subject=ids["customer"], amount=Decimal("3"), currency="RUB", purchased_at=now
    ).execute()
    for sid in (ids["lead"], ids["customer"]):
        Interaction(id=new_id("int"), subject=sid, channel="chat", kind="support", occurred_at=now, summary="hi").save(
            force_insert=True
        )
    return ids


def test_dry_run_equals_the_real_run(svc, admin, backend):
    ids = _world(svc, admin)
    svc.clock.advance(days=4 * 365)  # everything above is now 4 years old
    Purchase.insert(
        id="pur_buyer001", subject=ids["buyer"], amount=Decimal("9"), currency="RUB", purchased_at=svc.clock.now()
    ).execute()
    fresh, _ = upsert(svc, admin, {"email": "fresh@example.com"})
    Interaction(
        id=new_id("int"), subject=fresh, channel="chat", kind="support", occurred_at=svc.clock.now(), summary="new"
    ).save(force_insert=True)
    before = (Subject.select().where(Subject.erased_at.is_null()).count(), Interaction.select().count())

    dry = retention.run(svc, admin, dry_run=True)

    assert (Subject.select().where(Subject.erased_at.is_null()).count(), Interaction.select().count()) == before
    rules = {r["rule"]: r for r in dry["rules"]}
    assert rules["leads_without_consent"]["matched"] == 1
    assert rules["leads_without_consent"]["skipped_restricted"] == 1
    assert rules["dormant_customers"]["matched"] == 1
    assert rules["interactions"]["matched"] == 2

    real = retention.run(svc, admin)

    assert {k: v for k, v in real.items() if k != "dry_run"} == {k: v for k, v in dry.items() if k != "dry_run"}
    erased = {s.id for s in Subject.select().where(Subject.erased_at.is_null(False))}
    assert erased == {ids["lead"], ids["customer"]}
    assert Interaction.select().count() == before[1] - 2
    for sid in erased:
        assert DataKey.get_or_none(DataKey.subject_id == sid) is None
        assert Subject.get_by_id(sid).pii is None
    # anonymised: the purchase stays with the key-less, PII-less row for statistics
    assert Purchase.get_by_id("pur_cust0001").subject_id == ids["customer"]
    # a second run finds nothing more
    again = retention.run(svc, admin, dry_run=True)
    assert again["subjects"] == 0 and again["interactions"] == 0
    assert Subject.get_by_id(ids["lead_restricted"]).erased_at is None


def test_retention_delete_keeps_purchases_under_legal_hold(svc, admin):
    sid, _ = upsert(svc, admin, {"email": "lead2@example.com"})
    Purchase.insert(
        id="pur_lead0001",
        subject=sid,
        amount=Decimal("1"),
        currency="RUB",
        purchased_at=svc.clock.now() - timedelta(days=400),
        status="refunded",
    ).execute()
    svc.clock.advance(days=500)
    # a lead with a purchase older than 12 months and no consent is deleted; the purchase is detached (tax law)
    retention.run(svc, admin)
    assert Subject.get_by_id(sid).erased_at is not None
    kept = Purchase.get_by_id("pur_lead0001")
    assert kept.subject_id is None and kept.detached_at is not None


def test_retention_needs_scope_and_runs_as_job(svc, admin):
    with pytest.raises(Forbidden):
        retention.run(svc, actor_with_role(svc, "dpo"), dry_run=True)
    assert retention.run(svc, actor_with_role(svc, "steward"), dry_run=True)["dry_run"] is True
    out = JOBS["retention"](svc, svc.system_actor("retention"), {"dry_run": True})
    assert out["dry_run"] is True and "rules" in out


def test_record_of_processing_from_policies(svc, admin):
    record = record_of_processing.record(svc, actor_with_role(svc, "analyst"))
    assert record["warnings"] == []
    assert {p["id"] for p in record["purposes"]} >= {"email_marketing", "sale_sharing", "service_messages"}
    assert {r["id"] for r in record["recipients"]} == {
        "mailer",
        "sms_gateway",
        "messenger_gateway",
        "ad_partners",
        "crm",
    }
    assert record["transfers"] == [
        {"recipient": "ad_partners", "country": "US", "safeguard": record["transfers"][0]["safeguard"]}
    ]
    assert {r["id"] for r in record["retention"]["rules"]} >= {"leads_without_consent", "interactions"}
    assert {h["category"] for h in record["retention"]["legal_holds"]} >= {"purchases"}
    assert record["security_measures"] and record["controller"]["name"]
    assert record["categories_of_subjects"] and "contact details" in record["categories_of_data"]
    with pytest.raises(Forbidden):
        record_of_processing.record(svc, actor_with_role(svc, "app"))


def test_cli_retention_and_record(svc, settings):
    import json

    from click.testing import CliRunner

    from cli.main import get_cli

    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    out = CliRunner().invoke(get_cli(), ["retention", "run", "--dry-run", "--json"], env=env, catch_exceptions=False)
    assert out.exit_code == 0 and json.loads(out.output)["dry_run"] is True
    out = CliRunner().invoke(get_cli(), ["policies", "record", "--json"], env=env, catch_exceptions=False)
    assert out.exit_code == 0 and json.loads(out.output)["transfers"][0]["recipient"] == "ad_partners"
