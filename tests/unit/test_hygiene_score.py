"""Pair scoring: hard same-person cases, relatives/colleagues/namesakes kept apart, properties."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.dedupe import DEFAULT_POLICY, decide
from hygiene.features import features
from hygiene.linkage.reference import reference_model
from hygiene.score import score

ALEX = {"first_name": "Александр", "last_name": "Петров", "birth_date": "1985-03-07", "city": "Москва"}


RULE_MERGE, RULE_REVIEW = 0.90, 0.85  # the rule-based score's own bounds (hygiene.score), not policy thresholds


def _decision(a, b):
    """The decision a small base gets (the reference model, hard negatives and the shipped thresholds)."""
    fa, fb = features(a), features(b)
    return decide(fa, fb, reference_model(), DEFAULT_POLICY["thresholds"]).decision


SAME_PERSON = [
    ("latin ICAO", ALEX, {**ALEX, "first_name": "Aleksandr", "last_name": "Petrov"}),
    ("english form", ALEX, {**ALEX, "first_name": "Alexander", "last_name": "Petrov", "city": "Moscow"}),
    ("petroff", ALEX, {**ALEX, "first_name": "Alexander", "last_name": "Petroff"}),
    ("diminutive", ALEX, {**ALEX, "first_name": "Саша"}),
    ("ukrainian form", ALEX, {**ALEX, "first_name": "Олександр"}),
    ("full name in one field", ALEX, {"first_name": "Петров Александр Иванович", "birth_date": "1985-03-07"}),
    (
        "phone formats",
        {"first_name": "Иван", "last_name": "Сидоров", "phones": ["+7 (912) 345-67-89"]},
        {"first_name": "Иван", "last_name": "Сидоров", "phones": ["89123456789"]},
    ),
    (
        "gmail dots",
        {"first_name": "Иван", "last_name": "Петров", "emails": ["ivan.petrov@gmail.com"]},
        {"first_name": "Ivan", "last_name": "Petrov", "emails": ["ivanpetrov@gmail.com"]},
    ),
    (
        "city aliases",
        {
            "first_name": "Ольга",
            "last_name": "Смирнова",
            "city": "Санкт-Петербург",
            "postcode": "190000",
            "street": "ул. Садовая, д. 5, кв. 12",
            "birth_date": "1990-11-02",
        },
        {
            "first_name": "Olga",
            "last_name": "Smirnova",
            "city": "St Petersburg",
            "postcode": "190000",
            "street": "Sadovaya 5-12",
            "birth_date": "1990-11-02",
        },
    ),
    (
        "spb abbreviation",
        {"first_name": "Ольга", "last_name": "Смирнова", "city": "СПб", "birth_date": "1990-11-02"},
        {"first_name": "Ольга", "last_name": "Смирнова", "city": "Санкт-Петербург", "birth_date": "1990-11-02"},
    ),
    (
        "yo/ye",
        {"first_name": "Пётр", "last_name": "Семёнов", "emails": ["p.semenov@mail.ru"]},
        {"first_name": "Петр", "last_name": "Семенов", "emails": ["p.semenov@mail.ru"]},
    ),
    ("swapped first/last", ALEX, {**ALEX, "first_name": "Петров", "last_name": "Александр"}),
    ("day/month swap", ALEX, {**ALEX, "birth_date": "1985-07-03"}),
    ("birth date digit typo", ALEX, {**ALEX, "birth_date": "1985-03-17"}),
    (
        "yulia spellings",
        {"first_name": "Юлия", "last_name": "Ковальчук", "phones": ["+380 67 123 4567"]},
        {"first_name": "Iuliia", "last_name": "Kovalchuk", "phones": ["0671234567"], "country": "UA"},
    ),
    (
        "telegram handle",
        {"first_name": "Дмитрий", "last_name": "Орлов", "channels": {"telegram": "@dorlov"}},
        {"first_name": "Дима", "last_name": "Орлов", "channels": {"telegram": "DOrlov"}},
    ),
    (
        "married name, same mobile and birth date",
        {"first_name": "Анна", "last_name": "Иванова", "birth_date": "1991-04-05", "phones": ["+79161112233"]},
        {"first_name": "Анна", "last_name": "Кузнецова", "birth_date": "1991-04-05", "phones": ["+79161112233"]},
    ),
]


@pytest.mark.parametrize(("label", "a", "b"), SAME_PERSON, ids=[c[0] for c in SAME_PERSON])
def test_same_person_scores_above_review(label, a, b):
    result = score(a, b)
    assert result.total >= RULE_REVIEW, (label, result)
    assert _decision(a, b) in ("merge", "review")


def test_strong_same_person_merges():
    a = {**ALEX, "phones": ["+7 (912) 345-67-89"], "emails": ["ivan.petrov@gmail.com"]}
    b = {
        "first_name": "Саша",
        "last_name": "Petrov",
        "phones": ["89123456789"],
        "emails": ["ivanpetrov@gmail.com"],
        "birth_date": "07.03.1985",
    }
    assert score(a, b).total >= RULE_MERGE
    assert _decision(a, b) == "merge"


FATHER = {
    "first_name": "Иван",
    "last_name": "Петров",
    "middle_name": "Петрович",
    "birth_date": "1960-05-01",
    "street": "ул. Ленина, д. 5, кв. 3",
    "city": "Москва",
    "phones": ["+7 495 123-45-67"],
    "emails": ["ivan60@mail.ru"],
}
SON = {**FATHER, "middle_name": "Иванович", "birth_date": "1985-09-12", "emails": ["vanya85@gmail.com"]}

DIFFERENT_PEOPLE = [
    ("father and son", FATHER, SON),
    (
        "father and son without middle names",
        {k: v for k, v in FATHER.items() if k != "middle_name"},
        {k: v for k, v in SON.items() if k != "middle_name"},
    ),
    (
        "colleagues",
        {
            "first_name": "Иван",
            "last_name": "Петров",
            "emails": ["i.petrov@romashka.ru"],
            "phones": ["+7 495 777-00-00"],
            "company": "ООО «Ромашка»",
            "city": "Москва",
        },
        {
            "first_name": "Мария",
            "last_name": "Сидорова",
            "emails": ["m.sidorova@romashka.ru"],
            "phones": ["+7 495 777-00-00"],
            "company": "Ромашка",
            "city": "Москва",
        },
    ),
    (
        "colleagues sharing info@",
        {"first_name": "Олег", "last_name": "Смирнов", "emails": ["info@romashka.ru"], "phones": ["+7 495 777-00-00"]},
        {"first_name": "Игорь", "last_name": "Смирнов", "emails": ["info@romashka.ru"], "phones": ["+7 495 777-00-00"]},
    ),
    ("namesakes", {**ALEX, "birth_date": "1980-01-15"}, {**ALEX, "birth_date": "1992-06-30"}),
    (
        "namesakes without other data",
        {"first_name": "Иван", "last_name": "Иванов", "city": "Москва"},
        {"first_name": "Иван", "last_name": "Иванов", "city": "Москва"},
    ),
    (
        "Петров vs Петрова sharing a phone",
        {"first_name": "Саша", "last_name": "Петров", "phones": ["+7 495 123-45-67"], "city": "Москва"},
        {"first_name": "Саша", "last_name": "Петрова", "phones": ["+7 495 123-45-67"], "city": "Москва"},
    ),
    (
        "Петров vs Петрова sharing a mobile",
        {"first_name": "Женя", "last_name": "Петров", "phones": ["+79123456789"]},
        {"first_name": "Женя", "last_name": "Петрова", "phones": ["+79123456789"]},
    ),
    (
        "spouses",
        {
            "first_name": "Иван",
            "last_name": "Петров",
            "street": "Ленина 5-3",
            "city": "Москва",
            "emails": ["petrovy@mail.ru"],
        },
        {
            "first_name": "Мария",
            "last_name": "Петрова",
            "street": "Ленина 5-3",
            "city": "Москва",
            "emails": ["petrovy@mail.ru"],
        },
    ),
    (
        "twins",
        {"first_name": "Алексей", "last_name": "Орлов", "birth_date": "2001-02-03", "street": "Мира 1-1"},
        {"first_name": "Андрей", "last_name": "Орлов", "birth_date": "2001-02-03", "street": "Мира 1-1"},
    ),
]


@pytest.mark.parametrize(("label", "a", "b"), DIFFERENT_PEOPLE, ids=[c[0] for c in DIFFERENT_PEOPLE])
def test_different_people_are_distinct(label, a, b):
    assert _decision(a, b) == "distinct", (label, score(a, b))


def test_conflicting_birth_dates_cap_the_score():
    a = {**ALEX, "phones": ["+79123456789"], "emails": ["a@b.ru"]}
    b = {**a, "birth_date": "1979-11-21"}
    result = score(a, b)
    assert "birth_date" in result.conflicts
    assert result.total < RULE_REVIEW


def test_missing_fields_neither_reward_nor_punish():
    a = {"first_name": "Иван", "last_name": "Петров", "phones": ["+79123456789"]}
    b = {**a, "emails": ["x@y.ru"], "city": "Москва"}
    assert score(a, b).total == 1.0
    assert set(score(a, b).parts) == {"name", "phone", "gender"}


# ---------------------------------------------------------------- properties

NAMES = ["Александр", "Саша", "Aleksandr", "Иван", "Ivan", "Мария", "Петров", "Петрова", "Petrov", "Юлия", None]
record_strategy = st.fixed_dictionaries(
    {},
    optional={
        "first_name": st.sampled_from(NAMES),
        "last_name": st.sampled_from(NAMES),
        "middle_name": st.sampled_from(["Иванович", "Ивановна", "Петрович", None]),
        "emails": st.lists(
            st.sampled_from(["a@b.ru", "ivan.petrov@gmail.com", "ivanpetrov@gmail.com", "info@x.ru"]), max_size=2
        ),
        "phones": st.lists(st.sampled_from(["89123456789", "+7 495 123-45-67", "+380671234567", "123"]), max_size=2),
        "birth_date": st.sampled_from(["1985-03-07", "1985-07-03", "07.03.1985", "1990-01-01", "bad", None]),
        "gender": st.sampled_from(["м", "ж", "male", None]),
        "street": st.sampled_from(["ул. Ленина 5", "Lenina 5", "Мира 7-1", None]),
        "city": st.sampled_from(["Москва", "Moscow", "СПб", None]),
        "postcode": st.sampled_from(["190000", "101000", None]),
        "country": st.sampled_from(["RU", "UA", None]),
        "company": st.sampled_from(["ООО Ромашка", "Romashka LLC", None]),
        "channels": st.dictionaries(
            st.sampled_from(["telegram", "viber"]), st.sampled_from(["@a", "@b", "+79123456789"]), max_size=2
        ),
        "notes": st.text(max_size=5),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(record_strategy, record_strategy)
def test_score_is_symmetric_and_bounded(a, b):
    ab, ba = score(a, b), score(b, a)
    assert ab.total == ba.total
    assert ab.parts == ba.parts
    assert 0.0 <= ab.total <= 1.0


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(record_strategy)
def test_score_of_a_record_with_itself_is_one(a):
    if any(v not in (None, "", [], {}) for v in a.values()):
        assert score(a, a).total == 1.0
