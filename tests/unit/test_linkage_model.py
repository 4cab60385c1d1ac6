"""The Fellegi-Sunter core (hygiene.linkage): EM recovers known parameters, comparisons are symmetric, identical
records reach the top level, explanations add up, term frequencies favour rare values, and FEBRL1 links."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.features import features
from hygiene.linkage import (
    DEFAULT_COMPARISONS,
    MISSING,
    Model,
    compare,
    estimate_u,
    expectation_maximisation,
    pattern_counts,
    probability_of,
    train,
)
from hygiene.linkage.estimation import initial_m
from hygiene.linkage.levels import EMAIL, LAST_NAME, PHONE

FIELDS = [c.field for c in DEFAULT_COMPARISONS]


# ---------------------------------------------------------------- EM on a synthetic base of patterns

TRUE_M = ((0.85, 0.10, 0.05), (0.70, 0.20, 0.10), (0.90, 0.05, 0.03, 0.02), (0.75, 0.25))
TRUE_U = ((0.02, 0.08, 0.90), (0.05, 0.15, 0.80), (0.01, 0.02, 0.07, 0.90), (0.10, 0.90))
TRUE_PRIOR = 0.15
MISSING_SHARE = 0.1


def _draw(rng: random.Random, probabilities: tuple[float, ...]) -> int:
    return rng.choices(range(len(probabilities)), weights=probabilities)[0]


def _synthetic_patterns(n: int, seed: int):
    rng = random.Random(seed)
    gammas = []
    for _ in range(n):
        table = TRUE_M if rng.random() < TRUE_PRIOR else TRUE_U
        gammas.append(tuple(MISSING if rng.random() < MISSING_SHARE else _draw(rng, levels) for levels in table))
    return pattern_counts(gammas)


def _max_error(estimated, true) -> float:
    return max(abs(x - y) for ra, rb in zip(estimated, true, strict=True) for x, y in zip(ra, rb, strict=True))


def test_em_recovers_m_and_prior_with_u_from_random_pairs():
    counts = _synthetic_patterns(40_000, seed=7)
    # EM works on at most 4 * 4 * 5 * 3 patterns (levels plus missing), not on the 40,000 pairs.
    assert len(counts) <= math.prod(len(levels) + 1 for levels in TRUE_M) and sum(counts.values()) == 40_000
    result = expectation_maximisation(counts, TRUE_U, fix_u=True)
    assert result.converged
    assert _max_error(result.m, TRUE_M) < 0.02
    assert abs(result.prior - TRUE_PRIOR) < 0.01
    assert result.u == TRUE_U  # fixed


def test_em_recovers_m_u_and_prior_together():
    counts = _synthetic_patterns(40_000, seed=11)
    start_u = tuple(tuple(1.0 / len(levels) for _ in levels) for levels in TRUE_U)  # knows nothing
    result = expectation_maximisation(counts, start_u, prior=0.3, fix_u=False, tolerance=1e-8, max_iterations=2000)
    assert result.converged
    assert _max_error(result.m, TRUE_M) < 0.03
    assert _max_error(result.u, TRUE_U) < 0.02
    assert abs(result.prior - TRUE_PRIOR) < 0.015


def test_em_floors_probabilities_and_stops_at_max_iterations():
    # Level 2 of the first field never occurs: its m must stay above zero, not collapse to log(0).
    counts = {(0, 0): 50, (1, 1): 500}
    result = expectation_maximisation(counts, ((0.1, 0.3, 0.6), (0.2, 0.8)), max_iterations=3, tolerance=0.0)
    assert result.iterations == 3 and not result.converged
    assert min(p for levels in result.m for p in levels) > 0
    assert all(math.isclose(sum(levels), 1.0) for levels in result.m)


# ---------------------------------------------------------------- comparisons of real records

NAMES = [
    "Александр",
    "Aleksandr",
    "Саша",
    "Олександр",
    "Иван",
    "Ivan",
    "Ян",
    "А.",
    "Наталья",
    "Natasha",
    "Пётр",
    "Петр",
]
SURNAMES = ["Петров", "Petrov", "Петрова", "Petroff", "Иванов", "Шевченко", "Shevchenko", "Смирнов", "Smith"]
CITIES = ["Москва", "Moscow", "СПб", "Санкт-Петербург", "St Petersburg", "Киев", "Kyiv", "London"]
STREETS = ["ул. Ленина, д. 5", "Lenina st 5", "пр. Мира 12", "Baker Street 221b", "ул. Ленина 7"]
LOCALS = ["ivan.petrov", "ivanpetrov", "ivan_petrov", "petrov85", "a.smith"]
DOMAINS = ["gmail.com", "mail.ru", "yandex.ru", "ya.ru", "firm.ru"]
MOBILES = ["+7 (912) 345-67-89", "89123456789", "+7 903 111 22 33", "+380 67 123 45 67", "+44 7700 900123"]


def _maybe(values):
    return st.one_of(st.none(), st.sampled_from(values))


RECORDS = st.fixed_dictionaries(
    {
        "first_name": _maybe(NAMES),
        "last_name": _maybe(SURNAMES),
        "birth_date": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat())),
        "city": _maybe(CITIES),
        "postcode": _maybe(["190000", "190001", "101000", "2010", "2011"]),
        "street": _maybe(STREETS),
        "emails": st.lists(
            st.builds(lambda x, y: f"{x}@{y}", st.sampled_from(LOCALS), st.sampled_from(DOMAINS)), max_size=2
        ),
        "phones": st.lists(st.sampled_from(MOBILES), max_size=2),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, RECORDS)
def test_comparison_is_symmetric(a, b):
    fa, fb = features(a), features(b)
    assert compare(fa, fb, DEFAULT_COMPARISONS) == compare(fb, fa, DEFAULT_COMPARISONS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS)
def test_identical_records_reach_the_top_level_on_every_present_field(record):
    f = features(record)
    gamma = compare(f, f, DEFAULT_COMPARISONS)
    for comparison, level in zip(DEFAULT_COMPARISONS, gamma, strict=True):
        assert level == (0 if comparison.present(f) else MISSING), comparison.field


def test_weaker_evidence_lands_below_the_top_level():
    # A shared role inbox or landline is a household's or a team's: not the top level even on one record.
    office = features({"first_name": "Иван", "emails": ["info@firm.ru"], "phones": ["+7 495 123-45-67"]})
    assert EMAIL.levels[EMAIL.level_of(office, office)].name == "same role mailbox"
    assert PHONE.levels[PHONE.level_of(office, office)].name == "same landline"


@pytest.mark.parametrize(
    ("a", "b", "field", "level"),
    [
        ({"first_name": "Александр"}, {"first_name": "Aleksandr"}, "first_name", "same spelling"),
        ({"first_name": "Александр"}, {"first_name": "Саша"}, "first_name", "same name"),
        (
            {"first_name": "Петров", "last_name": "Иван"},
            {"first_name": "Иван", "last_name": "Петров"},
            "last_name",
            "same spelling",
        ),
        ({"last_name": "Петров"}, {"last_name": "Петрова"}, "last_name", "same stem"),
        ({"birth_date": "1985-03-07"}, {"birth_date": "1985-07-03"}, "birth_date", "day and month swapped"),
        ({"birth_date": "1985-03-07"}, {"birth_date": "1986-03-07"}, "birth_date", "one digit typo"),
        ({"birth_date": "1985-03-07"}, {"birth_date": "1958-03-07"}, "birth_date", "one digit typo"),
        ({"birth_date": "1985-03-07"}, {"birth_date": "1975-08-07"}, "birth_date", "different"),
        ({"emails": ["ivan.petrov@gmail.com"]}, {"emails": ["ivanpetrov@gmail.com"]}, "email", "same mailbox"),
        ({"emails": ["ivan.petrov@mail.ru"]}, {"emails": ["ivan_petrov@bk.ru"]}, "email", "same local part"),
        ({"phones": ["+7 (912) 345-67-89"]}, {"phones": ["89123456789"]}, "phone", "same mobile"),
        ({"city": "СПб"}, {"city": "St Petersburg"}, "city", "same city"),
        ({"postcode": "190000"}, {"postcode": "190001"}, "postcode", "one edit apart"),
        ({"street": "ул. Ленина, д. 5"}, {"street": "ул. Ленина, д. 7"}, "street", "token set >= 0.75"),
    ],
)
def test_levels_reuse_the_hygiene_normalisers(a, b, field, level):
    index = FIELDS.index(field)
    comparison = DEFAULT_COMPARISONS[index]
    assert comparison.levels[compare(features(a), features(b), DEFAULT_COMPARISONS)[index]].name == level


# ---------------------------------------------------------------- weights and explanations


def _toy_model(frequencies=None) -> Model:
    sizes = [len(c.levels) for c in DEFAULT_COMPARISONS]
    u = tuple(tuple(reversed(levels)) for levels in initial_m(sizes))  # agreement rare among non-matches
    return Model(DEFAULT_COMPARISONS, initial_m(sizes), u, 0.01, frequencies or {})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, RECORDS)
def test_explanation_sums_to_the_total_weight(a, b):
    model = _toy_model({"last_name": {"petrov": 0.3, "ivanov": 0.01}})
    fa, fb = features(a), features(b)
    explanation = model.explain(fa, fb)
    assert [t.field for t in explanation.fields] == FIELDS
    assert math.isclose(
        explanation.prior_weight + sum(t.weight for t in explanation.fields), explanation.total, abs_tol=1e-9
    )
    assert explanation.probability == pytest.approx(probability_of(explanation.total))
    assert all(t.weight == 0.0 for t in explanation.fields if t.level == "missing")
    if not any(t.tf_adjusted for t in explanation.fields):
        assert explanation.total == pytest.approx(model.pattern_weight(compare(fa, fb, DEFAULT_COMPARISONS)))


def test_probability_is_monotone_and_safe_at_the_extremes():
    assert probability_of(0.0) == 0.5
    assert probability_of(-5000.0) == 0.0 and probability_of(5000.0) == 1.0
    assert probability_of(3.0) > probability_of(1.0) > probability_of(-1.0)


def test_a_rare_shared_surname_weighs_more_than_a_common_one():
    base = [{"first_name": "Иван", "last_name": "Иванов"}] * 40 + [{"first_name": "Иван", "last_name": "Шпаковский"}]
    base += [{"first_name": "Пётр", "last_name": s} for s in ("Смирнов", "Кузнецов", "Попов", "Соколов")]
    feats = [features(r) for r in base]
    trained = train(feats, [(0, 1), (40, 41), (0, 40)], seed=1, fix_u=True).model  # u is the random-pair u
    common = features({"first_name": "Иван", "last_name": "Иванов"})
    rare = features({"first_name": "Иван", "last_name": "Шпаковский"})
    index = FIELDS.index("last_name")
    common_term = trained.explain(common, common).fields[index]
    rare_term = trained.explain(rare, rare).fields[index]
    assert common_term.tf_adjusted and rare_term.tf_adjusted
    assert rare_term.weight > common_term.weight
    # u of the exact level is the value's share in the base: 40 of 45 and 1 of 45.
    m_exact = trained.m[index][0]
    assert rare_term.weight == pytest.approx(math.log2(m_exact) - math.log2(1 / 45))
    assert common_term.weight == pytest.approx(math.log2(m_exact) - math.log2(40 / 45))
    # Without term frequencies the two pairs weigh the same.
    flat = Model(trained.comparisons, trained.m, trained.u, trained.prior)
    assert flat.weight(rare, rare) == pytest.approx(flat.weight(common, common))
    assert LAST_NAME.tf_value is not None
    # With u re-estimated among candidates, the adjustment stays relative to the random-pair scale (base_u).
    base_u = tuple(0.5 * levels[0] for levels in trained.u)
    relative = Model(trained.comparisons, trained.m, trained.u, trained.prior, trained.frequencies, base_u=base_u)
    assert relative.explain(rare, rare).fields[index].weight == pytest.approx(rare_term.weight - 1.0)


def test_u_from_random_pairs_is_seeded():
    feats = [features({"first_name": n, "last_name": s}) for n in NAMES for s in SURNAMES]
    first = estimate_u(feats, DEFAULT_COMPARISONS, samples=500, seed=3)
    assert first == estimate_u(feats, DEFAULT_COMPARISONS, samples=500, seed=3)
    assert first != estimate_u(feats, DEFAULT_COMPARISONS, samples=500, seed=4)
    # Random pairs rarely share a spelling: the "different" level dominates u of the last name.
    assert first[FIELDS.index("last_name")][-1] > first[FIELDS.index("last_name")][0]


def test_model_rejects_parameters_that_do_not_fit_its_levels():
    with pytest.raises(ValueError, match="one probability per level"):
        Model(DEFAULT_COMPARISONS, ((1.0,),), ((1.0,),), 0.1)


# ---------------------------------------------------------------- FEBRL1 smoke test
