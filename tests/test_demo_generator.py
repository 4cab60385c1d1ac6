"""The demo generator: deterministic, realistic duplicates and hard negatives, flat memory when streaming."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

from compliance.demo.generator import generate, iter_rows, write_rows_csv, write_truth
from hygiene.identifiers import email_problem, phone_key, phone_problem


def test_deterministic_per_seed_and_seeds_differ():
    a, b, c = generate(500, seed=1), generate(500, seed=1), generate(500, seed=2)
    assert a.rows == b.rows and a.truth == b.truth and a.purchases == b.purchases
    assert a.rows != c.rows


def test_stream_equals_generate():
    base = generate(800, seed=5)
    streamed = list(iter_rows(800, seed=5))
    assert [r for r, _ in streamed] == base.rows
    assert {r["external_id"]: k for r, k in streamed} == base.truth


def test_duplicates_differ_textually_and_hard_negatives_exist():
    base = generate(5000, seed=9)
    groups = defaultdict(list)
    for row in base.rows:
        groups[base.truth[row["external_id"]]].append(row)
    dup_groups = [g for g in groups.values() if len(g) > 1]
    assert 0.06 < sum(len(g) - 1 for g in dup_groups) / len(base.rows) < 0.2
    for group in dup_groups:
        first = group[0]
        for other in group[1:]:
            assert {k: v for k, v in other.items() if k != "external_id"} != {
                k: v for k, v in first.items() if k != "external_id"
            }
    # Different people sharing a full name or a landline (relatives, colleagues, namesakes).
    by_name = defaultdict(set)
    by_landline = defaultdict(set)
    for row in base.rows:
        if row["first_name"] and row["last_name"]:
            by_name[(row["first_name"], row["last_name"])].add(base.truth[row["external_id"]])
        if row["phone_2"]:
            landline = phone_key(row["phone_2"], {"RU": "RU", "UA": "UA", "GB": "GB"}[row["country"]])
            by_landline[landline].add(base.truth[row["external_id"]])
    assert sum(1 for keys in by_name.values() if len(keys) > 1) > 20
    assert sum(1 for keys in by_landline.values() if len(keys) > 1) > 20


def test_bad_contacts_near_target_and_mix_of_languages():
    base = generate(6000, seed=4)
    bad_email = sum(1 for r in base.rows if r["email"] and email_problem(r["email"].strip()))
    bad_phone = sum(
        1
        for r in base.rows
        if r["phone"]
        and phone_problem(r["phone"], "RU" if r["country"] == "RU" else {"UA": "UA", "GB": "GB"}[r["country"]])
    )
    assert 0.015 < bad_email / len(base.rows) < 0.06
    assert 0.015 < bad_phone / len(base.rows) < 0.08
    countries = Counter(r["country"] for r in base.rows)
    assert countries["RU"] > countries["UA"] > countries["GB"] > 0
    assert 0.08 < sum(1 for r in base.rows if r["kind"] == "b2b") / len(base.rows) < 0.25
    assert any(not r["email"] and not r["phone"] for r in base.rows)


def test_stream_of_many_rows_keeps_memory_flat():
    import tracemalloc

    tracemalloc.start()
    for _ in itertools.islice(iter_rows(30_000, seed=3), 30_000):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 60 * 1024 * 1024


def test_writers(tmp_path):
    base = generate(50, seed=1)
    write_rows_csv(base.rows, tmp_path / "rows.csv")
    write_truth(base.truth, tmp_path / "truth.csv")
    assert (tmp_path / "rows.csv").read_text(encoding="utf-8").count("\n") == 51
    assert (tmp_path / "truth.csv").read_text().startswith("external_id,person")
