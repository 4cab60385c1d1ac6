"""Matcher quality against the demo generator's ground truth (precision and recall of pairs)."""

import itertools
import os
from collections import defaultdict

import pytest

import compliance.demo.generator as generator
from hygiene.dedupe import dedupe


def _record(row: dict) -> dict:
    """The plain hygiene record for one generator row (as the store would hand it over)."""
    fields = (
        "kind",
        "first_name",
        "last_name",
        "middle_name",
        "birth_date",
        "gender",
        "street",
        "city",
        "region",
        "postcode",
        "country",
        "company",
        "position",
        "notes",
        "source",
    )
    record = {k: row.get(k) or None for k in fields}
    if row.get("full_name"):
        record["first_name"] = row["full_name"]
    record["id"] = row["external_id"]
    record["emails"] = [row["email"]] if row.get("email") else []
    record["phones"] = [p for p in (row.get("phone"), row.get("phone_2")) if p]
    record["channels"] = {c: row[c] for c in ("telegram", "whatsapp", "viber", "instagram") if row.get(c)}
    record["updated_at"] = row.get("created_at")
    return record


def _measure(customers: int, seed: int) -> dict[str, float]:
    base = generator.generate(customers, seed=seed)
    result = dedupe([_record(r) for r in base.rows])
    people = defaultdict(list)
    for row_id, person in base.truth.items():
        people[person].append(row_id)
    truth = {tuple(sorted(p)) for ids in people.values() for p in itertools.combinations(ids, 2)}
    merged = {tuple(sorted(p)) for c in result.clusters for p in itertools.combinations(c, 2)}
    found = merged | {tuple(sorted((p.a_id, p.b_id))) for p in result.pairs if p.decision != "distinct"}
    return {
        "merge_precision": len(merged & truth) / max(1, len(merged)),
        "merge_recall": len(merged & truth) / max(1, len(truth)),
        "found_recall": len(found & truth) / max(1, len(truth)),
    }


@pytest.mark.parametrize("seed", [0, 1])
def test_quality_on_demo_base(seed):
    quality = _measure(3000, seed)
    assert quality["merge_precision"] >= 0.97, quality
    assert quality["merge_recall"] >= 0.95, quality
    assert quality["found_recall"] >= 0.97, quality


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CONSENTRY_SLOW_TESTS"), reason="set CONSENTRY_SLOW_TESTS=1 for 50k rows")
def test_quality_on_50k_rows():
    quality = _measure(50_000, 11)
    assert quality["merge_precision"] >= 0.97, quality
    assert quality["found_recall"] >= 0.97, quality
