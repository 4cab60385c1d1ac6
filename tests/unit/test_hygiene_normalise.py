"""Normalisers: examples and hypothesis idempotence."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.normalise import (
    city_key,
    email_problem,
    name_key,
    normalise_birth_date,
    normalise_city,
    normalise_country,
    normalise_email,
    normalise_gender,
    normalise_name,
    normalise_postcode,
)
from hygiene.phones import phone_problem, phone_type, valid_phone

TODAY = date(2025, 1, 1)
CYR = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґІЇЄҐ"
name_text = st.text(alphabet=CYR + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -'’\t\u00a0", max_size=30)
phone_text = st.text(alphabet="0123456789+()- ", max_size=20)
date_text = st.one_of(
    st.dates(date(1850, 1, 1), date(2100, 1, 1)).map(str),
    st.dates(date(1850, 1, 1), date(2100, 1, 1)).map(lambda d: d.strftime("%d.%m.%Y")),
    st.dates(date(1850, 1, 1), date(2100, 1, 1)).map(lambda d: f"{d.day}/{d.month}/{d.year}"),
    st.text(alphabet="0123456789./- ", max_size=12),
)


@pytest.mark.parametrize("raw", ["89123456789", "+7 (912) 345-67-89", "8 912 345 67 89", "7 912 345 67 89"])
def test_russian_phone_spellings_normalise_alike(raw):
    assert valid_phone(raw, "RU") == "+79123456789"
    assert phone_type(raw, "RU") == "mobile"
    assert phone_problem(raw, "RU") is None


def test_phone_problems_and_types():
    assert phone_problem("123", "RU") == "phone.not_possible"
    assert phone_problem("", "RU") is None  # a missing phone is not a problem of the phone
    assert phone_type("+7 812 123-45-67", "RU") == "fixed_line"
    assert valid_phone("044 123 4567", "UA") == "+380441234567"
    assert valid_phone("not a phone") is None


def test_email():
    assert normalise_email(" Ivan.Petrov@GMAIL.com ") == "Ivan.Petrov@gmail.com"
    assert normalise_email("mailto:<x@y.com>") == "x@y.com"
    assert email_problem("ivan..petrov@gmail.com") == "email.syntax"
    assert email_problem("") == "email.empty"
    assert email_problem("ivan@почта.рф") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  иВАН  ", "Иван"),
        ("АЛЕКСАНДР", "Александр"),
        ("римский - корсаков", "Римский-Корсаков"),
        ("o'brien", "O'Brien"),
        ("McDonald", "McDonald"),
        ("мар'яна", "Мар'яна"),
        ("ПЁТР", "Пётр"),
        ("Пeтров", "Петров"),  # Latin "e" inside a Cyrillic word
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_name_key_folds_yo():
    assert name_key("Семён") == name_key("СЕМЕН") == "семен"


@pytest.mark.parametrize("raw", ["1985-03-07", "07.03.1985", "7/3/1985", "7 марта 1985", "1985-03-07T10:00:00"])
def test_birth_date_formats(raw):
    assert normalise_birth_date(raw, TODAY) == "1985-03-07"


@pytest.mark.parametrize("raw", ["1899-12-31", "2030-01-01", "31.02.1990", "07.03.85", "soon"])
def test_birth_date_rejects(raw):
    assert normalise_birth_date(raw, TODAY) is None


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("190 000", "RU", "190000"),
        ("19000", "RU", None),
        ("01001", "UA", "01001"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("123456789", "US", "12345-6789"),
        ("12345", "US", "12345"),
        ("ABC", "US", None),
    ],
)
def test_postcode(raw, country, expected):
    assert normalise_postcode(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("м", "male"),
        ("Ж", "female"),
        ("муж.", "male"),
        ("жен", "female"),
        ("чол", "male"),
        ("жін.", "female"),
        ("M", "male"),
        ("f", "female"),
        ("Female", "female"),
        ("other", "other"),
        ("?", None),
        ("", None),
    ],
)
def test_gender(raw, expected):
    assert normalise_gender(raw) == expected


@pytest.mark.parametrize(
    "city", ["Санкт-Петербург", "СПб", "St Petersburg", "г. Санкт-Петербург", "Питер", "Saint-Petersburg"]
)
def test_city_aliases(city):
    assert city_key(city) == city_key("Санкт-Петербург")


def test_country():
    assert normalise_country("Россия") == "RU"
    assert normalise_country("Україна") == "UA"
    assert normalise_country("gb") == "GB"
    assert normalise_country("Narnia") is None


# ---------------------------------------------------------------- idempotence


@settings(max_examples=300)
@given(name_text)
def test_normalise_name_idempotent(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once


@settings(max_examples=200)
@given(st.one_of(st.emails().map(str), st.text(max_size=30)))
def test_normalise_email_idempotent(raw):
    once = normalise_email(raw)
    if once is not None:
        assert normalise_email(once) == once


@settings(max_examples=200)
@given(phone_text, st.sampled_from(["RU", "UA", "GB", "US"]))
def test_normalise_phone_idempotent(raw, region):
    once = valid_phone(raw, region)
    if once is not None:
        assert valid_phone(once, region) == once
        assert valid_phone(once, "RU") == once  # E.164 does not depend on the default region


@settings(max_examples=300)
@given(date_text)
def test_normalise_birth_date_idempotent(raw):
    once = normalise_birth_date(raw, TODAY)
    if once is not None:
        assert normalise_birth_date(once, TODAY) == once
        assert date(1900, 1, 1) <= date.fromisoformat(once) <= TODAY


@given(
    st.text(alphabet="0123456789 -ABCDEFGHJKLMNPRSTUVWXYZabc", max_size=12),
    st.sampled_from(["RU", "UA", "GB", "US", "DE", None]),
)
def test_normalise_postcode_idempotent(raw, country):
    once = normalise_postcode(raw, country)
    if once is not None:
        assert normalise_postcode(once, country) == once


@given(
    st.one_of(
        st.sampled_from(["м", "ж", "муж", "жен", "ч", "чол", "жін", "m", "f", "Male", "FEMALE", "x"]),
        st.text(max_size=8),
    )
)
def test_normalise_gender_idempotent(raw):
    once = normalise_gender(raw)
    if once is not None:
        assert normalise_gender(once) == once


@given(name_text)
def test_normalise_city_idempotent(raw):
    once = normalise_city(raw)
    if once is not None:
        assert normalise_city(once) == once


@given(st.one_of(st.sampled_from(["Россия", "РФ", "Ukraine", "us", "United Kingdom"]), st.text(max_size=10)))
def test_normalise_country_idempotent(raw):
    once = normalise_country(raw)
    if once is not None:
        assert normalise_country(once) == once


# ---------------------------------------------------------------- email fast path

ATEXT = "abcxyzABCXYZ0123456789!#$%&'*+-/=?^_`{|}~"
DOMAINS = [
    "gmail.com", "GMAIL.COM", "mail.ru", "yandex.ru", "ukr.net", "example.com", "sub.domain.co.uk", "localhost",
    "x.test", "x.local", "x.invalid", "x.onion", "arpa", "-bad.com", "bad-.com", "a..b.com", ".a.com", "a.com.",
    "123.456", "1.2.3.4", "x.123", "xn--80a.xn--p1ai", "xn--d1acufc.xn--p1ai", "a" * 63 + ".com",
    "a" * 64 + ".com", ".".join(["abcdefghi"] * 26) + ".com", "mail", "почта.рф", "ex_ample.com", "ex ample.com",
]  # fmt: skip
local_part = st.one_of(
    st.text(alphabet=ATEXT + ".", min_size=0, max_size=70),
    st.text(alphabet=ATEXT + '. "@<>(),;:\\[]ёж', min_size=0, max_size=20),
)


def full_validator_problem(value):
    """What email_problem answered before the fast path: email-validator on the whole address."""
    from hygiene.normalise import _strip_email

    if value is None or not _strip_email(value):
        return "email.empty"
    return None if normalise_email(value) else "email.syntax"


@settings(max_examples=600)
@given(local_part, st.one_of(st.sampled_from(DOMAINS), st.text(alphabet="abz09.-_", max_size=20)), st.booleans())
def test_email_problem_fast_path_agrees_with_email_validator(local, domain, wrap):
    address = f"{local}@{domain}"
    if wrap:
        address = f" <{address}> "
    assert email_problem(address) == full_validator_problem(address)


@pytest.mark.parametrize("address", ["a@b@gmail.com", "a" * 250 + "@gmail.com", "ivan@gmail.com", "ivan@x.test"])
def test_email_problem_edge_cases_agree(address):
    assert email_problem(address) == full_validator_problem(address)
