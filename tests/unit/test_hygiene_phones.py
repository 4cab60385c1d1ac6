"""One phone parser: validation (normalise side), exact keys (identifiers side) and the duplicate scorer agree."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from hygiene import validate
from hygiene.features import features
from hygiene.identifiers import channel_key
from hygiene.phones import phone_info, phone_key, phone_problem, phone_type, valid_phone

# (as typed, region, valid E.164 or None, line type)
TABLE = [
    ("+73000000000", "RU", None, "unknown"),  # the case that used to be a "valid landline" for the scorer only
    ("+79300074381", "RU", None, "unknown"),  # a +79 number phonenumbers does not know: not a mobile either
    ("+79123456789", "RU", "+79123456789", "mobile"),
    ("89123456789", "RU", "+79123456789", "mobile"),
    ("79123456789", "RU", "+79123456789", "mobile"),
    ("+7 (912) 345-67-89", "RU", "+79123456789", "mobile"),
    ("8 (812) 123-45-67", "RU", "+78121234567", "fixed_line"),
    ("+74951234567", "RU", "+74951234567", "fixed_line"),
    ("044 123 4567", "UA", "+380441234567", "fixed_line"),
    ("0501234567", "UA", "+380501234567", "mobile"),
    ("380501234567", "UA", "+380501234567", "mobile"),
    ("+380501234567", "RU", "+380501234567", "mobile"),
    ("+1 415 555 2671", "RU", "+14155552671", "fixed_line_or_mobile"),
    ("123", "RU", None, "unknown"),
    ("not a phone", "RU", None, "unknown"),
]


def score_phones(raw: str, region: str) -> tuple[frozenset[str], frozenset[str]]:
    """The phones (and mobiles) the duplicate scorer keeps of a record holding one phone."""
    f = features({"id": 1, "first_name": "Иван", "phones": [raw]}, region)
    return f.phones, f.mobiles


@pytest.mark.parametrize(("raw", "region", "e164", "kind"), TABLE)
def test_every_module_reads_a_phone_alike(raw, region, e164, kind):
    assert valid_phone(raw, region) == e164
    assert phone_info(raw, region) == (e164, kind)
    assert phone_type(raw, region) == kind
    assert (phone_problem(raw, region) is None) == (e164 is not None)
    phones, mobiles = score_phones(raw, region)
    assert phones == (frozenset({e164}) if e164 else frozenset())
    assert mobiles == (frozenset({e164}) if kind in ("mobile", "fixed_line_or_mobile") else frozenset())
    issues = {i.code for i in validate.validate_record({"phones": [raw]}, default_region=region)}
    assert ("phone.invalid" in issues or "phone.not_possible" in issues) == (e164 is None)
    if e164:
        assert phone_key(raw, region) == e164


def test_plus_7300_is_invalid_everywhere():
    raw = "+73000000000"
    assert phone_key(raw, "RU") == raw  # a possible number: it still gets an exact key
    assert valid_phone(raw, "RU") is None
    assert phone_problem(raw, "RU") == "phone.invalid"
    assert score_phones(raw, "RU") == (frozenset(), frozenset())
    assert channel_key("whatsapp", raw) == raw


def test_scorer_agrees_with_phonenumbers_on_random_russian_and_ukrainian_numbers():
    rnd = random.Random(11)
    prefixes = ["+79", "+73", "+74", "+78", "+38044", "+38050", "+38067", "+38093", "8", "+7"]
    for _ in range(600):
        prefix = rnd.choice(prefixes)
        length = 13 if prefix.startswith("+380") else (11 if prefix == "8" else 12)
        raw = prefix + "".join(rnd.choice("0123456789") for _ in range(length - len(prefix)))
        text = raw if raw.startswith("+") else raw[1:]
        number = phonenumbers.parse(text, "RU")
        valid = phonenumbers.is_valid_number(number)
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if valid else None
        phones, _ = score_phones(raw, "RU")
        assert valid_phone(raw, "RU") == expected, raw
        assert phones == (frozenset({expected}) if expected else frozenset()), raw
