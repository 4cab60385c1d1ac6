"""Transliteration, phonetic keys, diminutives, patronymics and surname forms."""

import pytest

from hygiene.names import (
    given_name_gender,
    given_name_groups,
    is_patronymic,
    parse_name,
    patronymic_gender,
    surname_form,
)
from hygiene.translit import SCHEMES, phonetic_key, skeleton, transliterate, variants


@pytest.mark.parametrize(("scheme", "expected"), [
    ("iso9", "Ŝukin Ûrij Ëlkin"), ("gost", "Shhukin Yurij Yolkin"), ("bgn", "Shchukin Yuriy Ëlkin"),
    ("icao", "Shchukin Iurii Elkin"), ("ua", "Shchukyn Yuryi Yolkyn"),
])
def test_transliteration_schemes(scheme, expected):
    assert transliterate("Щукин Юрий Ёлкин", scheme) == expected


def test_ukrainian_letters():
    assert transliterate("Ґалаґан Їжак Євгенія Згурський", "ua") == "Galagan Yizhak Yevheniia Zghurskyi"


def test_all_caps_kept():
    assert transliterate("ЩУКИН", "icao") == "SHCHUKIN"


@pytest.mark.parametrize("group", [
    ["Александр", "Aleksandr", "Alexander", "Alexandr", "Олександр", "Oleksandr"],
    ["Юлия", "Yulia", "Julia", "Iuliia", "Yuliya", "Юлія"],
    ["Наталья", "Natalia", "Natalya", "Natalja", "Наталія"],
    ["Дмитрий", "Dmitry", "Dmitriy", "Dmitrii", "Dmitrij"],
    ["Петров", "Petrov", "Petroff", "Petrow"],
    ["Фёдор", "Федор", "Fyodor", "Fedor"],
    ["Ксения", "Xenia", "Kseniya", "Ksenia"],
    ["Олег", "Oleh", "Oleg"],
    ["Щукин", "Shchukin", "Ščukin"],
])
def test_phonetic_key_joins_spellings(group):
    assert len({phonetic_key(name) for name in group}) == 1


def test_phonetic_key_separates_different_names():
    assert phonetic_key("Иван") != phonetic_key("Мария")
    assert skeleton("Яна") != skeleton("Анна")


def test_every_russian_scheme_converges_on_one_skeleton():
    # The Ukrainian scheme writes г as "h", so it is left out for Russian names.
    for name in ["Юлия", "Щукин", "Евгений", "Наталья", "Дмитрий", "Алексей"]:
        spellings = {transliterate(name, s) for s in SCHEMES if s != "ua"}
        assert {skeleton(v) for v in spellings} == {skeleton(name)}, name
    assert len(variants("Юлия")) >= 4


@pytest.mark.parametrize(("name", "canonical"), [
    ("Саша", "Александр"), ("Шура", "Александр"), ("Sasha", "Александр"), ("Ваня", "Иван"),
    ("Женя", "Евгений"), ("Женя", "Евгения"), ("Лёша", "Алексей"), ("Леша", "Алексей"), ("Дима", "Дмитрий"),
    ("Наташа", "Наталья"), ("Катя", "Екатерина"), ("Олександр", "Александр"), ("Oleksandr", "Александр"),
    ("Микола", "Николай"), ("Mykola", "Николай"), ("Петро", "Пётр"), ("Alexander", "Александр"),
    ("Alex", "Алексей"), ("Olha", "Ольга"), ("Iuliia", "Юлия"), ("Тетяна", "Татьяна"), ("Dmytro", "Дмитрий"),
])
def test_diminutives_and_ukrainian_forms(name, canonical):
    assert canonical in given_name_groups(name)


def test_name_data_is_large_enough():
    from hygiene.data.given_names import FEMALE, MALE

    assert len(MALE) + len(FEMALE) >= 80


def test_given_name_gender():
    assert given_name_gender("Наташа") == "female"
    assert given_name_gender("Ваня") == "male"
    assert given_name_gender("Саша") is None
    assert given_name_groups("Петров") == frozenset()


@pytest.mark.parametrize(("token", "gender"), [
    ("Иванович", "male"), ("Сергеевич", "male"), ("Ivanovich", "male"), ("Ivanovych", "male"),
    ("Ивановна", "female"), ("Никитична", "female"), ("Іванівна", "female"), ("Petrovna", "female"),
    ("Петров", None), ("Шевчук", None), ("Иван", None),
])
def test_patronymics(token, gender):
    assert is_patronymic(token) is (gender is not None)
    assert patronymic_gender(token) == gender


@pytest.mark.parametrize(("first", "last", "middle", "expected"), [
    ("Петров Александр Иванович", None, None, ("Александр", "Петров", "Иванович")),
    ("Александр Иванович Петров", None, None, ("Александр", "Петров", "Иванович")),
    (None, "Петров Александр Иванович", None, ("Александр", "Петров", "Иванович")),
    ("Александр Иванович", "Петров", None, ("Александр", "Петров", "Иванович")),
    ("Шевчук Тарас Григорович", None, None, ("Тарас", "Шевчук", "Григорович")),
    ("Petrov Ivan", None, None, ("Ivan", "Petrov", None)),
    ("John Smith", None, None, ("John", "Smith", None)),
    ("Анна Мария", "Петрова", None, ("Анна Мария", "Петрова", None)),
    ("Иван", "Петров", "Иванович", ("Иван", "Петров", "Иванович")),
])
def test_parse_name(first, last, middle, expected):
    parsed = parse_name(first, last, middle)
    assert (parsed.first, parsed.last, parsed.middle) == expected


@pytest.mark.parametrize(("male", "female"), [
    ("Петров", "Петрова"), ("Petrov", "Petrova"), ("Петровский", "Петровская"), ("Кузьмин", "Кузьмина"),
    ("Сергеев", "Сергеева"),
])
def test_surname_forms_share_a_stem_but_differ_in_gender(male, female):
    stem_m, gender_m = surname_form(male)
    stem_f, gender_f = surname_form(female)
    assert stem_m == stem_f
    assert (gender_m, gender_f) == ("male", "female")


def test_unisex_surnames():
    assert surname_form("Шевченко")[1] is None
    assert surname_form("Шевчук")[1] is None
