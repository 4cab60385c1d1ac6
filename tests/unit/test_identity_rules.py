"""Identity decisions, written from the domain: relatives, colleagues, namesakes and one person in two scripts."""

from __future__ import annotations

import itertools

import pytest

from hygiene.identity import SEVERAL, IdentityRules, Link, decide, is_role_mailbox
from hygiene.value_rank import equivalent, replaces

RULES = IdentityRules(shared_local_parts=frozenset({"info", "office", "sales", "family"}))


def person(first=None, last=None, middle=None, birth=None, gender=None, emails=(), phones=(), street=None):
    record = {"first_name": first, "last_name": last, "middle_name": middle, "birth_date": birth,
              "gender": gender, "emails": list(emails), "phones": list(phones), "street": street, "city": "Москва"}
    return {k: v for k, v in record.items() if v not in (None, [], ())}


def link(sid, profile, *kinds):
    return Link(sid, profile, frozenset(kinds))


@pytest.mark.parametrize(
    ("name", "row", "stored", "kinds", "target", "reason"),
    [
        # Father and son: one first name, one landline, one address. A phone never proves identity.
        ("father and son", person("Иван", "Петров", birth="1995-04-02", phones=["+74951234567"], street="Тверская 1"),
         person("Иван", "Петров", birth="1968-11-20", phones=["+74951234567"], street="Тверская 1"),
         ("phone",), None, "identity.shared_phone"),
        ("father and son, no birth dates", person("Иван", "Петров", phones=["+74951234567"]),
         person("Иван", "Петров", phones=["+74951234567"]), ("phone",), None, "identity.shared_phone"),
        # Spouses sharing a personal-looking mailbox: the first names contradict.
        ("spouses", person("Пётр", "Петров", emails=["petrovy@mail.ru"]),
         person("Ольга", "Петрова", emails=["petrovy@mail.ru"]), ("email",), None, "identity.name_conflict"),
        # Colleagues reached through the office switchboard.
        ("colleagues", person("Анна", "Соколова", emails=["a.sokolova@romashka.ru"], phones=["+74952223344"]),
         person("Дмитрий", "Орлов", emails=["d.orlov@romashka.ru"], phones=["+74952223344"]), ("phone",), None,
         "identity.shared_phone"),
        # A role mailbox read by several people is shared although email is a unique kind.
        ("role mailbox", person("Анна", "Соколова", emails=["info@romashka.ru"]),
         person("Анна", "Соколова", emails=["info@romashka.ru"]), ("email",), None, "identity.shared_email"),
        # One person, other script and a diminutive or an initial: an update.
        ("latin spelling", person("Aleksandr", "Petrov", emails=["a.petrov@example.com"]),
         person("Александр", "Петров", emails=["a.petrov@example.com"]), ("email",), "sub_a", None),
        ("diminutive", person("Саша", "Петров", emails=["a.petrov@example.com"]),
         person("Александр", "Петров", emails=["a.petrov@example.com"]), ("email",), "sub_a", None),
        ("initials", person("И.", "Иванов", middle="И.", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", middle="Иванович", emails=["ivanov@example.com"]), ("email",), "sub_a", None),
        ("both initials in the first-name field", person("И.И.", "Иванов", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", emails=["ivanov@example.com"]), ("email",), "sub_a", None),
        ("initials of another name", person("П.", "Иванов", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", emails=["ivanov@example.com"]), ("email",), None, "identity.name_conflict"),
        ("day and month swapped", person("Иван", "Иванов", birth="1990-01-07", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", birth="1990-07-01", emails=["ivanov@example.com"]), ("email",), "sub_a", None),
        ("external id", person("Иван", "Иванов"), person("Иван", "Иванов"), ("external",), "sub_a", None),
        # Contradictions on what a person cannot change.
        ("birth date", person("Иван", "Иванов", birth="1975-03-03", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", birth="1990-07-01", emails=["ivanov@example.com"]), ("email",), None,
         "identity.birth_date_conflict"),
        ("patronymic", person("Иван", "Иванов", middle="Петрович", emails=["ivanov@example.com"]),
         person("Иван", "Иванов", middle="Сергеевич", emails=["ivanov@example.com"]), ("email",), None,
         "identity.patronymic_conflict"),
        ("gender", person("Саша", "Иванова", gender="female", emails=["sasha@example.com"]),
         person("Саша", "Иванов", gender="male", emails=["sasha@example.com"]), ("email",), None,
         "identity.gender_conflict"),
    ],
)
def test_one_record_against_one_subject(name, row, stored, kinds, target, reason):
    decision = decide(row, [link("sub_a", stored, *kinds)], RULES,
                      frozenset({"sub_a"}) if any(is_role_mailbox(e, RULES) for e in row.get("emails", [])) else
                      frozenset())
    assert decision.target == target, name
    assert decision.candidates == ((("sub_a", reason),) if reason else ()), name
    assert decision.review == bool(reason)


def test_a_record_meeting_two_subjects_updates_the_one_its_strongest_key_names_and_queues_the_other():
    row = person("Иван", "Иванов", emails=["ivanov@example.com"])
    by_email = link("sub_email", person("Иван", "Иванов", emails=["ivanov@example.com"]), "email")
    by_external = link("sub_ext", person("Иван", "Иванов"), "external")
    by_phone = link("sub_phone", person("Мария", "Иванова", phones=["+74951112233"]), "phone")
    decisions = {decide(row, list(order), RULES) for order in itertools.permutations([by_email, by_external, by_phone])}
    assert len(decisions) == 1, "the decision must not depend on the order the store found the subjects in"
    (decision,) = decisions
    assert decision.target == "sub_ext"
    assert dict(decision.candidates) == {"sub_email": SEVERAL, "sub_phone": "identity.shared_phone"}


def test_a_record_contradicting_every_subject_it_meets_lands_alone_with_a_candidate_each():
    row = person("Ольга", "Смирнова", emails=["olga@example.com"], phones=["+74951234567"])
    links = [link("sub_1", person("Пётр", "Петров", phones=["+74951234567"]), "phone"),
             link("sub_2", person("Пётр", "Петров", emails=["olga@example.com"]), "email")]
    decision = decide(row, links, RULES)
    assert decision.target is None
    assert dict(decision.candidates) == {"sub_1": "identity.shared_phone", "sub_2": "identity.name_conflict"}


def test_unique_kinds_come_from_the_rules():
    everyone_unique = IdentityRules(unique=frozenset({"external", "email", "phone"}))
    row = person("Иван", "Петров", phones=["+74951234567"])
    stored = person("Иван", "Петров", phones=["+74951234567"])
    assert decide(row, [link("sub_a", stored, "phone")], everyone_unique).target == "sub_a"
    assert decide(row, [link("sub_a", stored, "phone")], RULES).target is None


@pytest.mark.parametrize(
    ("field", "stored", "incoming", "replaced"),
    [
        ("first_name", "Иван", "И.", False),
        ("first_name", "И.", "Иван", True),
        ("first_name", "Александр", "Саша", False),
        ("first_name", "Саша", "Александр", True),
        ("middle_name", "Иванович", "И.", False),
        ("birth_date", "1990-07-01", "07.1990", False),
        ("birth_date", "1990", "1990-07-01", True),
        ("birth_date", "1990-07-01", "01.07.1990", False),  # the same date in another form: nothing to replace
        ("birth_date", "31/31/1999", "1990-07-01", True),
        ("position", "Главный бухгалтер", "Гл. бухгалтер", False),
        ("position", "Гл. бухгалтер", "Главный бухгалтер", True),
        ("position", "Главный бухгалтер", "Финансовый директор", True),  # equally good: the newer value wins
        ("gender", "male", "мужчинка?", False),
        ("city", None, "Казань", True),
        ("city", "Казань", "", False),
    ],
)
def test_a_stored_value_is_replaced_only_by_one_at_least_as_good(field, stored, incoming, replaced):
    assert replaces(field, stored, incoming) is replaced


def test_source_priority_breaks_ties_between_equally_good_values():
    priority = ["crm", "shop", "import"]
    assert not replaces("position", "Менеджер", "Директор", stored_source="crm", incoming_source="import",
                        priority=priority)
    assert replaces("position", "Менеджер", "Директор", stored_source="import", incoming_source="crm",
                    priority=priority)
    # Quality comes before the source: a full title from a worse source still replaces an abbreviation.
    assert replaces("position", "Гл. бухгалтер", "Главный бухгалтер", stored_source="crm", incoming_source="import",
                    priority=priority)


def test_equivalence_across_forms():
    assert equivalent("birth_date", "01.07.1990", "1990-07-01")
    assert not equivalent("birth_date", "01.07.1990", "1990-01-07")
    assert equivalent("gender", "м", "male")


def test_the_shipped_identity_policy_parses_and_says_what_the_guide_says():
    import yaml

    from compliance.policy.identity import parse
    from compliance.policy.loader import SHIPPED

    rules = parse(yaml.safe_load((SHIPPED / "identity.yaml").read_text(encoding="utf-8")))
    assert rules.unique == frozenset({"external", "email"})
    assert rules.shared("phone") and rules.shared("channel")
    assert is_role_mailbox("info@romashka.ru", rules) and is_role_mailbox("Sales+ru@romashka.ru", rules)
    assert not is_role_mailbox("ivan.petrov@romashka.ru", rules)
    assert rules.review_limit == 10


@pytest.mark.parametrize(
    ("data", "names"),
    [({"unique": ["email", "passport"]}, "passport"), ({"compare": ["shoe_size"]}, "shoe_size"),
     ({"uniq": ["email"]}, "uniq"), ({"unique": "email"}, "unique"), ({"review_limit": 1}, "review_limit"),
     ({"review_limit": "10"}, "review_limit"), ({"review_limit": True}, "review_limit")],
)
def test_a_bad_identity_policy_is_refused_naming_the_key(data, names):
    from compliance.policy.identity import parse
    from compliance.policy.loader import PolicyError

    with pytest.raises(PolicyError, match=names):
        parse(data)
