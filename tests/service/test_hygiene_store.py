"""Hygiene against the store: validation issues and safe fixes, dedupe runs, candidates, report, policy."""

from __future__ import annotations

import json

import pytest

from compliance.policy.hygiene import check_policy, parse
from compliance.policy.loader import PolicyError
from compliance.stewardship import dedupe as dedupe_service
from compliance.stewardship import merges, review, validation
from compliance.stewardship import quality as quality_report
from compliance.stewardship.models import HygieneRun, ValidationIssue
from compliance.store.models import Subject
from compliance.subjects import writer
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import coerce_profile, profile_of
from tests.conftest import actor_with_role


def _add(svc, admin, **fields):
    sid, _ = upsert(svc, admin, fields)
    return sid


def _import(svc, admin, **fields):
    """A row as a bulk import lands it: invalid values are kept and flagged (the API would refuse them)."""
    with svc.transaction():
        [outcome] = writer.write(svc, [writer.Incoming(coerce_profile(fields, "RU"))], writer.IMPORT)
    return outcome.subject_id


@pytest.fixture
def base(svc, admin):
    ids = {}
    ids["ivan"] = _add(
        svc,
        admin,
        first_name="Иван",
        last_name="Петров",
        email="ivan.petrov@gmail.com",
        phone="+7 912 345-67-89",
        birth_date="1985-04-12",
        city="Москва",
    )
    svc.clock.advance(days=1)
    ids["ivan2"] = _add(
        svc, admin, first_name="Ivan", last_name="Petrov", email="ivanpetrov@gmail.com", birth_date="1985-04-12"
    )
    ids["olga"] = _add(
        svc,
        admin,
        first_name="Ольга",
        last_name="Смирнова",
        email="olga.s@yandex.ru",
        birth_date="1990-01-02",
        city="Казань",
    )
    ids["olga2"] = _add(svc, admin, first_name="Olga", last_name="Smirnova", email="olga.s@ya.ru", city="Kazan")
    ids["anna"] = _import(
        svc, admin, first_name="анна ", last_name="КУЗНЕЦОВА", email="Not An Email", birth_date="1850-01-01"
    )
    return ids


def test_validate_records_issues_and_fix_is_safe_and_audited(backend, svc, admin, base):
    result = validation.run(svc, admin)
    assert result["records"] == 5 and result["issues"] > 0
    codes = {(i.subject_id, i.code) for i in ValidationIssue.select()}
    assert (base["anna"], "email.syntax") in codes
    assert (base["anna"], "birth_date.implausible") in codes
    # Issues hold codes, never values.
    assert all("КУЗНЕЦОВА" not in (i.field + i.code) for i in ValidationIssue.select())
    before = profile_of(Subject.get_by_id(base["anna"]))
    fixed = validation.run(svc, admin, fix=True)
    assert fixed["fixed"] >= 1
    after = profile_of(Subject.get_by_id(base["anna"]))
    assert after["first_name"] == "Анна" and after["last_name"] == "Кузнецова"
    # Invalid values are flagged, never deleted or changed.
    assert after["emails"] == before["emails"] and after["birth_date"] == "1850-01-01"
    fixes = [e for e in svc.audit.tail(50) if e["action"] == "hygiene.fix"]
    assert fixes and all(e["target"].startswith("sub_") for e in fixes)
    assert any(e["target"] == base["anna"] for e in fixes)
    # A second run replaces the recorded issues instead of adding to them.
    count = ValidationIssue.select().count()
    validation.run(svc, admin)
    assert ValidationIssue.select().count() == count


def test_dry_run_writes_pairs_and_nothing_else(backend, svc, admin, base, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    out = dedupe_service.run(svc, admin, dry_run=True, pairs_file=pairs)
    lines = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert len(lines) == out["candidates"] > 0
    assert all(set(line) >= {"a", "b", "score", "probability", "decision", "weights", "veto"} for line in lines)
    assert all(line["decision"] in ("merge", "review", "distinct") for line in lines)
    found = {(line["a"], line["b"]): line["decision"] for line in lines}
    ivan = tuple(sorted((base["ivan"], base["ivan2"])))
    assert found.get(ivan) == "merge"
    assert MergeCandidate.select().count() == 0 and HygieneRun.select().count() == 0
    assert Subject.select().where(Subject.merged_into.is_null(False)).count() == 0


def test_dedupe_auto_merges_and_queues(backend, svc, admin, base):
    out = dedupe_service.run(svc, admin)
    assert out["auto_merged"] >= 1
    assert Subject.get_by_id(base["ivan2"]).merged_into == base["ivan"]  # the older record survives
    assert set(profile_of(Subject.get_by_id(base["ivan"]))["emails"]) >= {"ivan.petrov@gmail.com"}
    # A second run finds nothing new to merge and does not duplicate open candidates.
    open_before = MergeCandidate.select().where(MergeCandidate.status == "open").count()
    svc.clock.advance(hours=1)
    again = dedupe_service.run(svc, admin)
    assert again["auto_merged"] == 0
    assert MergeCandidate.select().where(MergeCandidate.status == "open").count() == open_before
    report = quality_report.report(svc, admin)
    assert report["duplicates"]["records"] == 5 - out["auto_merged"]
    assert [p["kind"] for p in report["trend"]] == ["dedupe", "dedupe"]
    assert "hygiene.dedupe" in [e["action"] for e in svc.audit.tail(10)]


def test_restricted_and_suppressed_never_auto_merged(backend, svc, admin, base):
    Subject.update(restricted=True).where(Subject.id == base["ivan2"]).execute()
    out = dedupe_service.run(svc, admin)
    assert Subject.get_by_id(base["ivan2"]).merged_into is None
    pair = MergeCandidate.get_or_none(
        (MergeCandidate.a_id << [base["ivan"], base["ivan2"]]) & (MergeCandidate.b_id << [base["ivan"], base["ivan2"]])
    )
    assert pair is not None and pair.status == "open"
    assert out["auto_merged"] == 0 or Subject.get_by_id(base["ivan"]).merged_into is None


def test_marketing_suppression_blocks_auto_merge(svc, admin, base):
    from compliance.consent import signals as consent

    consent.object_to_marketing(svc, admin, base["ivan2"])
    dedupe_service.run(svc, admin)
    assert Subject.get_by_id(base["ivan2"]).merged_into is None


def test_rejected_pair_is_not_proposed_again(svc, admin, base):
    Subject.update(restricted=True).where(Subject.id == base["ivan2"]).execute()
    dedupe_service.run(svc, admin)
    cand = MergeCandidate.get(MergeCandidate.status == "open")
    merges.reject(svc, admin, cand.id)
    Subject.update(restricted=False).where(Subject.id == base["ivan2"]).execute()
    dedupe_service.run(svc, admin)
    pair = (cand.a_id, cand.b_id)
    assert Subject.get_by_id(pair[0]).merged_into is None and Subject.get_by_id(pair[1]).merged_into is None
    assert (
        MergeCandidate.select()
        .where((MergeCandidate.a_id == pair[0]) & (MergeCandidate.b_id == pair[1]) & (MergeCandidate.status == "open"))
        .count()
        == 0
    )


def test_candidates_page_masks_without_read_pii(svc, admin, base):
    Subject.update(restricted=True).where(Subject.id == base["ivan2"]).execute()
    dedupe_service.run(svc, admin)
    items, _ = review.candidates_page(svc, actor_with_role(svc, "dpo"))
    assert items and not items[0]["masked"]
    # A role with hygiene:read but without subjects:read_pii sees masked values only.
    from dataclasses import replace

    masked_actor = replace(admin, scopes=frozenset({"hygiene:read"}))
    items, _ = review.candidates_page(svc, masked_actor)
    emails = [f for f in items[0]["fields"] if f["field"] == "emails"][0]
    assert all("***" in e for e in emails["a"] + emails["b"])


def test_report_before_any_run(svc, admin):
    data = quality_report.report(svc, admin)
    assert data["validation"] is None and data["duplicates"] is None
    assert "no validation run yet" in quality_report.render(data)


def test_hygiene_policy_checks():
    check_policy({})
    with pytest.raises(PolicyError):
        check_policy({"thresholds": {"merge": 0.5, "review": 0.8}})
    # Weights of the old score are refused with the reason, not ignored: each run learns its own weights now.
    with pytest.raises(PolicyError, match="weights are no longer used"):
        check_policy({"weights": {"name": 3.0}})
    with pytest.raises(PolicyError, match="min_member_probability"):
        check_policy({"chaining_guard": {"min_member_score": 0.75}})
    with pytest.raises(PolicyError, match="model.max_training_pairs"):
        check_policy({"model": {"max_training_pairs": 10}})
    with pytest.raises(PolicyError, match="thresholds.merg is not a known key"):
        check_policy({"thresholds": {"merg": 0.9}})
    with pytest.raises(PolicyError, match="blocking is not a known key"):
        check_policy({"blocking": {}})
    with pytest.raises(PolicyError):
        check_policy({"max_block_size": 1})
    with pytest.raises(PolicyError):
        check_policy({"source_priority": ["crm", "crm"]})
    assert parse({"thresholds": {"merge": 0.95}}).merge == 0.95
    assert parse({"model": {"min_training_pairs": 0}}).min_training_pairs == 0


def test_cli_hygiene_commands(svc, settings, base, tmp_path):
    from click.testing import CliRunner

    from cli.main import get_cli

    svc.close()
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    runner = CliRunner()

    def call(*args):
        out = runner.invoke(get_cli(), [*args, "--json"], env=env)
        assert out.exit_code == 0, out.output
        return json.loads(out.output)

    assert call("hygiene", "validate")["records"] == 5
    pairs = tmp_path / "p.jsonl"
    dry = call("hygiene", "dedupe", "--dry-run", "--pairs", str(pairs))
    assert set(dry) >= {"candidates", "auto_merged", "review"} and pairs.exists()
    real = call("hygiene", "dedupe")
    assert real["auto_merged"] >= 1
    assert "trend" in call("hygiene", "report")
    call("hygiene", "review")
    call("hygiene", "issues")
