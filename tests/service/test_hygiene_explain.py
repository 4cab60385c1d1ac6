"""Why a pair was proposed: dedupe's pairs file and candidates carry the model's per-field weights (never values),
`review.explain` shows them, the run reports its blocking rules and model, and migration 14 adds the column."""

from __future__ import annotations

import json

import pytest

from compliance.errors import Forbidden, NotFound
from compliance.stewardship import dedupe as dedupe_service
from compliance.stewardship import review
from compliance.store.db import is_postgres
from compliance.store.models import Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.profiles import upsert
from tests.conftest import actor_with_role

# What the seeded subjects hold: none of it may appear in an explanation, a pairs line or a chart.
PEOPLE = [
    {
        "first_name": "Иван",
        "last_name": "Петров",
        "email": "ivan.petrov@gmail.com",
        "phone": "+7 912 345-67-89",
        "birth_date": "1985-04-12",
        "city": "Москва",
    },
    {"first_name": "Ivan", "last_name": "Petrov", "email": "ivanpetrov@gmail.com", "birth_date": "1985-04-12"},
    {
        "first_name": "Ольга",
        "last_name": "Смирнова",
        "email": "olga.s@yandex.ru",
        "birth_date": "1990-01-02",
        "city": "Казань",
    },
    {"first_name": "Olga", "last_name": "Smirnova", "email": "olga.s@ya.ru", "city": "Kazan"},
]
PERSONAL = sorted(
    {
        *(str(v) for p in PEOPLE for v in p.values()),
        "+79123456789",
        "ivan.petrov",
        "ivanpetrov",
        "olga.s",
        "Kuznetsova",
        "Кузнецова",
        "Кузнецов",
        "+79161112233",
    }
)


def personal_data_in(text: str) -> list[str]:
    """Values of the seeded subjects found in a text (case-insensitive)."""
    low = text.lower()
    return [v for v in PERSONAL if v.lower() in low]


@pytest.fixture
def base(svc, admin):
    """Two pairs of one person each; the second Ivan is restricted, so his pair waits for review."""
    ids = []
    for fields in PEOPLE:
        ids.append(upsert(svc, admin, fields)[0])
        svc.clock.advance(days=1)
    Subject.update(restricted=True).where(Subject.id == ids[1]).execute()
    return ids


def _ivan_candidate(ids) -> MergeCandidate:
    a, b = sorted(ids[:2])
    return MergeCandidate.get((MergeCandidate.a_id == a) & (MergeCandidate.b_id == b))


def test_pairs_lines_carry_probability_and_weights_that_sum_to_the_total(backend, svc, admin, base, tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    out = dedupe_service.run(svc, admin, dry_run=True, pairs_file=pairs)
    text = pairs.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == out["pairs_written"] > 0
    for line in lines:
        assert {"a", "b", "score", "probability", "decision", "weights", "veto"} <= set(line)
        assert line["probability"] == line["score"] and 0.0 <= line["probability"] <= 1.0
        assert line["weights"] and all(isinstance(w, float) for w in line["weights"].values())
        assert abs(line["prior_weight"] + sum(line["weights"].values()) - line["total"]) < 1e-9
    assert personal_data_in(text) == []


def test_run_reports_blocking_rules_and_the_model(svc, admin, base):
    out = dedupe_service.run(svc, admin, dry_run=True)
    assert set(out["model"]) == {"source", "prior", "training_pairs"}
    assert out["model"]["source"] in ("trained", "reference") and 0 < out["model"]["prior"] < 1
    blocking = out["blocking"]
    assert blocking["candidates"] == out["candidates"] and blocking["rules"]
    for rule in blocking["rules"]:
        assert {"rule", "keys", "blocks", "pairs", "share"} <= set(rule)
        assert rule["share"] == round(rule["pairs"] / blocking["candidates"], 4)
    # The audit entry keeps counts only, as before.
    entry = next(e for e in svc.audit.tail(5) if e["action"] == "hygiene.dedupe")
    assert "blocking" not in json.dumps(entry)


def test_candidates_keep_the_explanation_and_explain_shows_it(backend, svc, admin, base):
    dedupe_service.run(svc, admin)
    row = _ivan_candidate(base)
    assert row.status == "open" and row.decision == "review"
    stored = json.loads(row.explanation)
    assert abs(stored["prior_weight"] + sum(f["weight"] for f in stored["fields"]) - stored["total"]) < 1e-9

    data = review.explain(svc, actor_with_role(svc, "steward"), row.id)
    assert set(data) >= {"candidate", "a", "b", "score", "decision", "status", "explanation"}
    assert (data["candidate"], data["a"], data["b"], data["status"]) == (row.id, row.a_id, row.b_id, "open")
    assert data["explanation"] == stored and data["score"] == row.score
    fields = {f["field"]: f for f in data["explanation"]["fields"]}
    assert fields["birth_date"]["weight"] > 0 and {"level", "tf_adjusted"} <= set(fields["birth_date"])
    assert personal_data_in(json.dumps(data, ensure_ascii=False)) == []
    audit = svc.audit.tail(1)[0]
    assert audit["action"] == "subject.read" and audit["target"] == row.id

    items, _ = review.candidates_page(svc, admin)
    item = next(i for i in items if i["id"] == row.id)
    assert item["probability"] == row.score and item["explanation"] == stored


def test_explain_refuses_unknown_ids_and_roles_without_hygiene_read(svc, admin, base):
    with pytest.raises(NotFound) as unknown:
        review.explain(svc, admin, "cand_doesnotexist")
    assert unknown.value.errors == [{"field": "candidate", "code": "candidate.unknown"}]
    with pytest.raises(NotFound):
        review.explain(svc, admin, "sub_notacandidate")
    dedupe_service.run(svc, admin)
    with pytest.raises(Forbidden, match="hygiene:read"):
        review.explain(svc, actor_with_role(svc, "analyst"), _ivan_candidate(base).id)


def test_a_pair_queued_by_the_write_path_has_no_explanation(svc, admin):
    a, _ = upsert(svc, admin, {"first_name": "Анна", "last_name": "Кузнецова", "phone": "+79161112233"})
    b, _ = upsert(svc, admin, {"first_name": "Борис", "last_name": "Кузнецов", "phone": "+79161112233"})
    row = MergeCandidate.get()
    assert {row.a_id, row.b_id} == {a, b} and row.explanation is None
    data = review.explain(svc, admin, row.id)
    assert data["explanation"] is None and data["reasons"][0].startswith("identity.")
    items, _ = review.candidates_page(svc, admin)
    assert items[0]["explanation"] is None and items[0]["probability"] is None


def test_migration_14_adds_the_column_to_an_older_store(backend, svc, admin):
    from compliance.migrations import migrate
    from compliance.store.db import database
    from compliance.store.models import SchemaMigration

    db = database.obj
    table = MergeCandidate._meta.table_name
    # The table as migration 6 created it before the explanation column was declared, with a row of then.
    db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "explanation"')
    SchemaMigration.delete().where(SchemaMigration.version == 14).execute()
    assert "explanation" not in _columns(db, table)
    mark = "%s" if is_postgres(db) else "?"
    db.execute_sql(
        f'INSERT INTO "{table}" (id, run_id, a_id, b_id, score, decision, status, reasons, created_at) '  # noqa: S608
        f"VALUES ({', '.join([mark] * 9)})",
        ("cand_olderrow00001", "run_old", "sub_a", "sub_b", 0.8, "review", "open", "[]", svc.clock.now()),
    )

    assert [m.version for m in migrate(db)] == [14]
    assert "explanation" in _columns(db, table)
    assert MergeCandidate.get_by_id("cand_olderrow00001").explanation is None
    assert review.explain(svc, admin, "cand_olderrow00001")["explanation"] is None
    assert migrate(db) == []  # applied once


def _columns(db, table) -> set[str]:
    """Column names of a table in the current schema."""
    if is_postgres(db):
        rows = db.execute_sql(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s",
            (table,),
        ).fetchall()
        return {r[0] for r in rows}
    return {c.name for c in db.get_columns(table)}
