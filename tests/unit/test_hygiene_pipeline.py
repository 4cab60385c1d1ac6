"""Blocking, clustering, survivorship and the dedupe run on small hand-made bases."""

import subprocess
import sys
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.blocking import block_keys, candidate_pairs
from hygiene.cluster import cluster
from hygiene.data.given_names import MALE
from hygiene.dedupe import DEFAULT_POLICY, dedupe, resolve_policy
from hygiene.features import features
from hygiene.survivorship import survive, survive_with_provenance
from hygiene.validate import Issue, safe_fixes, validate_record

ALEX = {
    "id": "sub_1",
    "first_name": "Александр",
    "last_name": "Петров",
    "birth_date": "1985-03-07",
    "phones": ["+7 (912) 345-67-89"],
    "emails": ["ivan.petrov@gmail.com"],
    "city": "Москва",
}


def test_hygiene_imports_no_framework_or_upper_layer():
    code = (
        "import sys, hygiene.dedupe, hygiene.validate, hygiene.survivorship; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'click', 'peewee', 'compliance', 'api', 'cli')]; print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- blocking

small_records = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "first_name": st.sampled_from(["Иван", "Ivan", "Саша", "Александр", "Мария"]),
            "last_name": st.sampled_from(["Петров", "Petrov", "Петрова", "Сидоров"]),
            "phones": st.lists(st.sampled_from(["89123456789", "+79123456789", "+74951234567"]), max_size=2),
            "emails": st.lists(
                st.sampled_from(["a@b.ru", "ivan.petrov@gmail.com", "ivanpetrov@gmail.com"]), max_size=2
            ),
            "birth_date": st.sampled_from(["1985-03-07", "1985-07-03", "1990-01-02"]),
            "city": st.sampled_from(["Москва", "СПб"]),
        },
    ),
    max_size=40,
)


@settings(max_examples=100)
@given(small_records, st.integers(2, 10))
def test_blocking_yields_each_pair_once(records, cap):
    pairs = list(candidate_pairs(records, max_block_size=cap))
    assert len(pairs) == len(set(pairs))
    assert all(0 <= i < j < len(records) for i, j in pairs)


def test_blocking_finds_variants():
    records = [
        ALEX,
        {"first_name": "Саша", "last_name": "Petrov", "phones": ["89123456789"]},
        {"first_name": "Alexander", "last_name": "Petroff", "birth_date": "1985-07-03"},
        {"first_name": "Петров", "last_name": "Александр", "city": "Moscow"},
        {"first_name": "Мария", "last_name": "Сидорова", "city": "Казань"},
    ]
    pairs = set(candidate_pairs(records))
    assert {(0, 1), (0, 2), (0, 3)} <= pairs
    assert not any(4 in p for p in pairs)


def test_oversized_blocks_are_split_by_name():
    # 300 colleagues behind one switchboard: only same-name people stay together.
    names = list(MALE)[:30]
    records = [{"first_name": names[i % 30], "last_name": "Смирнов", "phones": ["+74957770000"]} for i in range(300)]
    pairs = list(candidate_pairs(records, max_block_size=50))
    assert 0 < len(pairs) <= 30 * 45
    assert all(i % 30 == j % 30 for i, j in pairs)


def test_block_keys_are_order_insensitive_for_names():
    straight = features({"first_name": "Александр", "last_name": "Петров"})
    swapped = features({"first_name": "Петров", "last_name": "Александр"})
    assert {k for k in block_keys(straight) if k.startswith("n|")} == {
        k for k in block_keys(swapped) if k.startswith("n|")
    }


# ---------------------------------------------------------------- clustering


def test_cluster_guard_stops_chaining():
    scores = {(0, 1): 0.95, (1, 2): 0.95, (0, 2): 0.2, (3, 4): 0.99}

    def pair_score(x, y):
        return scores.get((min(x, y), max(x, y)), 0.0)

    result = cluster([(0, 1, 0.95), (1, 2, 0.94), (3, 4, 0.99)], pair_score, lower_bound=0.75)
    assert result.clusters == [[0, 1], [3, 4]]
    assert result.rejected == [(1, 2)]


def test_cluster_joins_consistent_triangle():
    result = cluster([(0, 1, 0.99), (1, 2, 0.97)], lambda x, y: 0.9, lower_bound=0.75)
    assert result.clusters == [[0, 1, 2]]
    assert result.rejected == []


# ---------------------------------------------------------------- survivorship


def test_survive_prefers_valid_recent_complete_and_unions_lists():
    old = {
        "id": "sub_a",
        "first_name": "Александр",
        "last_name": "Петров",
        "birth_date": "07.03.1985",
        "emails": ["Ivan.Petrov@gmail.com"],
        "phones": ["89123456789"],
        "channels": {"telegram": "@sasha"},
        "updated_at": "2023-01-01T00:00:00Z",
        "source": "crm",
        "city": "Москва",
    }
    new = {
        "id": "sub_b",
        "first_name": "Саша",
        "last_name": "Петров",
        "birth_date": "1985-13-07",
        "emails": ["ivan.petrov@gmail.com", "sasha@work.ru"],
        "phones": ["+7 (912) 345-67-89", "+74951234567"],
        "channels": {"viber": "+79123456789"},
        "updated_at": "2024-05-01T00:00:00Z",
        "source": "shop",
        "city": "Санкт-Петербург",
        "restricted": True,
    }
    merged, provenance = survive_with_provenance([old, new], {"source_priority": ["crm", "shop"]})
    assert merged["first_name"] == "Александр"  # full name beats a newer diminutive
    assert merged["birth_date"] == "07.03.1985"  # the only valid one
    assert merged["city"] == "Санкт-Петербург"  # most recent
    assert sorted(e.lower() for e in merged["emails"]) == ["ivan.petrov@gmail.com", "sasha@work.ru"]
    assert sorted(merged["phones"]) == ["+74951234567", "+79123456789"]
    assert merged["channels"] == {"telegram": "@sasha", "viber": "+79123456789"}
    assert merged["restricted"] is True
    assert merged["updated_at"] == "2024-05-01T00:00:00Z"
    assert provenance["first_name"] == "sub_a"
    assert set(merged["merged_ids"]) == {"sub_a", "sub_b"}


def test_survive_source_priority_first():
    a = {"id": "a", "city": "Москва", "source": "crm", "updated_at": "2020-01-01"}
    b = {"id": "b", "city": "Казань", "source": "import", "updated_at": "2024-01-01"}
    rules = {"source_priority": ["crm", "import"], "order": ["valid", "source", "recent", "complete"]}
    assert survive([a, b], rules)["city"] == "Москва"
    assert survive([a, b], {})["city"] == "Казань"


# ---------------------------------------------------------------- validation


def test_validate_record_codes_and_fixes():
    record = {
        "first_name": "  иВАН ",
        "last_name": "ПЕТРОВ",
        "emails": ["bad@", "Ivan@Mail.RU", "x@gmial.com"],
        "phones": ["8 (912) 345-67-89", "12", "+7 495 123-45-67"],
        "birth_date": "31.12.2030",
        "gender": "муж",
        "postcode": "1234",
        "country": "Россия",
    }
    issues = validate_record(record, today=date(2025, 1, 1))
    codes = {(i.field, i.code) for i in issues}
    assert ("first_name", "name.whitespace") in codes
    assert ("last_name", "name.case") in codes
    assert ("emails[0]", "email.syntax") in codes
    assert ("emails[2]", "email.domain_typo") in codes
    assert ("phones[1]", "phone.not_possible") in codes
    assert ("phones[2]", "phone.not_mobile") in codes
    assert ("birth_date", "birth_date.implausible") in codes
    assert ("postcode", "postcode.format") in codes
    assert ("gender", "gender.format") in codes
    assert all(isinstance(i, Issue) and i.severity in ("error", "warning", "info") for i in issues)
    for issue in issues:  # never leak the value
        for value in ("иВАН", "ПЕТРОВ", "bad@", "gmial", "912", "2030", "1234"):
            assert value not in issue.code and value not in issue.message
    fixes = safe_fixes(record, today=date(2025, 1, 1))
    assert fixes["first_name"] == "Иван"
    assert fixes["last_name"] == "Петров"
    assert fixes["phones"] == ["+79123456789", "12", "+74951234567"]
    assert fixes["emails"][1] == "Ivan@mail.ru"
    assert fixes["gender"] == "male"
    assert fixes["country"] == "RU"
    assert "birth_date" not in fixes and "postcode" not in fixes


def test_validate_flags_unsplit_names_and_unknown_gender():
    issues = validate_record({"first_name": "Петров Александр Иванович", "gender": "?"})
    codes = {i.code for i in issues}
    assert {"name.unsplit", "gender.unknown", "record.no_contact"} <= codes


def test_ambiguous_slash_date_is_not_a_safe_fix():
    assert "birth_date" not in safe_fixes({"birth_date": "7/3/1985"})
    assert safe_fixes({"birth_date": "07.03.1985"})["birth_date"] == "1985-03-07"


# ---------------------------------------------------------------- dedupe run


def test_dedupe_end_to_end():
    records = [
        ALEX,
        {
            "id": "sub_2",
            "first_name": "Саша",
            "last_name": "Petrov",
            "phones": ["89123456789"],
            "emails": ["ivanpetrov@gmail.com"],
            "birth_date": "07.03.1985",
        },
        {
            "id": "sub_3",
            "first_name": "Александр",
            "last_name": "Петров",
            "birth_date": "1950-10-10",
            "phones": ["+7 (912) 345-67-89"],
        },  # a namesake sharing a phone: never merged
        {"id": "sub_4", "first_name": "Мария", "last_name": "Сидорова", "emails": ["m@s.ru"]},
    ]
    result = dedupe(records)
    assert result.clusters == [["sub_1", "sub_2"]]
    decisions = {(p.a_id, p.b_id): p.decision for p in result.pairs}
    assert decisions[("sub_1", "sub_2")] == "merge"
    assert decisions[("sub_1", "sub_3")] == "distinct"
    assert result.stats()["auto_merged"] == 1


def test_restricted_records_are_never_merged():
    records = [ALEX, {**ALEX, "id": "sub_2", "restricted": True}]
    result = dedupe(records)
    assert result.clusters == []
    assert [p.decision for p in result.pairs] == ["review"]
    assert result.review == result.pairs


def test_policy_defaults_and_validation():
    policy = resolve_policy({"thresholds": {"merge": 0.95}})
    assert policy["thresholds"] == {"merge": 0.95, "review": DEFAULT_POLICY["thresholds"]["review"]}
    try:
        resolve_policy({"thresholds": {"merge": 0.5, "review": 0.9}})
    except ValueError:
        pass
    else:
        raise AssertionError("inverted thresholds must be refused")


odd_value = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.just(""), st.just("   "))
odd_record = st.fixed_dictionaries(
    {},
    optional={
        k: odd_value
        for k in (
            "first_name",
            "last_name",
            "middle_name",
            "birth_date",
            "gender",
            "street",
            "city",
            "postcode",
            "country",
            "company",
        )
    }
    | {
        "emails": st.lists(odd_value, max_size=2),
        "phones": st.lists(odd_value, max_size=2),
        "channels": st.dictionaries(st.sampled_from(["telegram", "viber"]), odd_value, max_size=2),
    },
)


@settings(max_examples=200)
@given(odd_record)
def test_messy_records_never_crash(record):
    validate_record(record)
    safe_fixes(record)
    features(record)
    dedupe([record, dict(record)])
