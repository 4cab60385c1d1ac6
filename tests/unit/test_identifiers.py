"""Exact-match phone keys: the parse caches answer what a direct phonenumbers computation answers, whatever
order the values are asked in (the import asks as typed, then in E.164)."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene import phones as parser

REGIONS = ["RU", "UA", "BY", "KZ", "US", "GB", "DE", "IT", "BR", "ZZ"]


def reference_key(value: str, region: str) -> str | None:
    """phone_key as a plain function of its arguments, no caches."""
    text = value.strip()
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    if region == "RU" and not text.startswith("+") and len(digits) == 11 and digits[0] == "8":
        text = digits[1:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def reference_valid(value: str, region: str) -> str | None:
    """valid_phone as a plain function: the E.164 form when that form is a valid number."""
    e164 = reference_key(value, region)
    if e164 is None:
        return None
    return e164 if phonenumbers.is_valid_number(phonenumbers.parse(e164)) else None


def forget() -> None:
    parser._KEYS.clear()
    parser._FACTS.clear()


def sample_phones() -> list[str]:
    rnd = random.Random(7)
    out = [
        "+7 (912) 345-67-89", "89123456789", "8 912 345 67 89", "+79123456789", "044 123 4567", "+380441234567",
        "123", "", "  ", "+375 8104132480", "808104132480", "005263923844", "0003610108646", "+390612345678",
        "06 1234 5678", "+1 415 555 2671", "(415) 555-2671", "+44 20 7946 0958", "+49 30 123456",
    ]  # fmt: skip
    for _ in range(1500):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(3, 15)))
        out.append(rnd.choice(["", "+", "8", "0", "00", "+7", "+375", "+39 0"]) + digits)
    return out


@pytest.mark.parametrize("region", REGIONS)
def test_phone_key_and_validity_match_phonenumbers_in_either_order(region):
    phones = sample_phones()
    for value in phones:
        forget()
        e164 = parser.phone_key(value, region)
        assert e164 == reference_key(value, region), value
        assert parser.valid_phone(value, region) == reference_valid(value, region), value
        if e164:  # asked again in E.164 form, after the caches learnt from the typed form
            for other in ("RU", "US", "ZZ"):
                assert parser.phone_key(e164, other) == reference_key(e164, other), (value, e164)
                assert parser.valid_phone(e164, other) == reference_valid(e164, other), (value, e164)
    forget()
    for value in phones:  # warm caches, E.164 forms asked first this time
        e164 = reference_key(value, region)
        if e164:
            assert parser.valid_phone(e164, region) == reference_valid(e164, region)
        assert parser.valid_phone(value, region) == reference_valid(value, region)
        assert parser.phone_key(value, region) == reference_key(value, region)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789+()- ", max_size=20), st.sampled_from(REGIONS))
def test_phone_caches_are_pure(raw, region):
    assert parser.phone_key(raw, region) == reference_key(raw, region)
    assert parser.valid_phone(raw, region) == reference_valid(raw, region)
    e164 = reference_key(raw, region)
    if e164:
        assert parser.valid_phone(e164, region) == reference_valid(e164, region)


@pytest.mark.parametrize("region", ["RU", "BY", "BR"])
def test_what_another_process_parsed_answers_as_a_parse_would(region, monkeypatch):
    """known() in a worker, learn() in the importer: the importer's answers equal the reference ones, and the
    numbers a worker parsed (as typed and in E.164) are not parsed again."""
    phones = [p for p in sample_phones()[:400] if p.strip()]
    forget()
    for value in phones:  # what a worker does for a row: key, stored form, validity, line type
        e164 = parser.phone_key(value, region)
        parser.valid_phone(value, region)
        if e164:
            parser.phone_info(e164, region)
    entries = parser.known([*phones, *(reference_key(p, region) or "" for p in phones)], region)
    forget()
    parser.learn(entries)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    expected = [(v, reference_key(v, region), reference_valid(v, region)) for v in phones]
    monkeypatch.setattr(parser.phonenumbers, "parse", no_parse)
    for value, e164, valid in expected:
        assert parser.phone_key(value, region) == e164
        assert parser.valid_phone(value, region) == valid
    monkeypatch.undo()
    for value in phones:
        valid = reference_valid(value, region)
        kind = parser._PHONE_TYPES.get(phonenumbers.number_type(phonenumbers.parse(valid))) if valid else None
        assert parser.phone_info(value, region) == ((valid, kind or "unknown") if valid else (None, "unknown"))
