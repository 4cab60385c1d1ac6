"""The one phone parser: text -> E.164, validity and line type, for exact keys, normalising and scoring alike.

Every phone question in the project (blind-index key, stored form, validation flag, duplicate scoring) is
answered here from the same parse, so a number cannot be valid for one module and invalid for another.
"""

from __future__ import annotations

from itertools import islice
from types import MappingProxyType

import phonenumbers
from phonenumbers import PhoneNumberType

_PHONE_TYPES = MappingProxyType({
    PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile", PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate", PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip", PhoneNumberType.PERSONAL_NUMBER: "personal", PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan", PhoneNumberType.VOICEMAIL: "voicemail",
})  # fmt: skip
MOBILE_TYPES = frozenset(("mobile", "fixed_line_or_mobile"))


def phone_key(value: str | None, default_region: str = "RU") -> str | None:
    """Return the phone in E.164 or None when it cannot be parsed as a possible number."""
    if value is None:
        return None
    text = str(value).strip()
    # A number written with a leading "+" carries its country: the default region plays no part.
    if text.startswith("+"):
        key = (text, "+")
    else:
        key = (text, default_region)
    found = _KEYS.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = _remember(_KEYS, key, _e164_of(text, default_region))
    return found


# Parsing is the costly part of an import row, and the same number is asked about as typed and then in its
# E.164 form (stored form, blind index, validity flag, line type). So each typed text is parsed once (_KEYS)
# and its E.164 form once, unless it was typed that way: that one parse gives the form's own key, validity
# and line type (_FACTS). An import parses every row before it writes any, so a
# number is asked about again a whole file later: the caches must hold a large file's numbers, and when full
# they forget their oldest half, not everything (clearing all at once made a 100k-row import parse most
# numbers twice more). Both hold pure functions of their keys.
_KEYS: dict[tuple[str, str], str | None] = {}
_FACTS: dict[str, tuple[bool, str]] = {}  # E.164 form -> (valid, line type)
_CACHE_LIMIT = 1 << 19
_UNKNOWN = object()  # None is a cached answer (not a possible number)


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_LIMIT:
        for old in list(islice(cache, _CACHE_LIMIT // 2)):  # dicts keep insertion order: oldest first
            del cache[old]
    cache[key] = value
    return value


def _e164_of(text: str, default_region: str) -> str | None:
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    # Russian trunk prefix "8" written without a plus ("89123456789") is the national form of +7.
    if default_region.upper() == "RU" and not text.startswith("+") and len(digits) == 11 and digits[0] == "8":
        text = digits[1:]
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except phonenumbers.NumberParseException:
        return None
    e164 = _format_possible(number)
    if e164 is not None and e164 == text and e164 not in _FACTS:
        # Typed in E.164 already: this parse is the one the validity check would make of that form. (Another
        # typed form's number may differ from its E.164 form's: "+375 8812..." is +3758812..., which parses
        # as +375812..., so that form is parsed in its own right.)
        _remember(_FACTS, e164, _facts_of(number))
    return e164


def _facts_of(number: phonenumbers.PhoneNumber) -> tuple[bool, str]:
    # is_valid_number is "the line type of the number's region is not UNKNOWN": one type lookup answers both.
    kind = phonenumbers.number_type(number)
    valid = kind != PhoneNumberType.UNKNOWN and phonenumbers.region_code_for_number(number) is not None
    return valid, _PHONE_TYPES.get(kind, "unknown") if valid else "unknown"


def _facts(e164: str) -> tuple[bool, str]:
    found = _FACTS.get(e164)
    if found is None:
        number = phonenumbers.parse(e164)
        found = _remember(_FACTS, e164, _facts_of(number))
        if (e164, "+") not in _KEYS:  # the same parse answers phone_key of the E.164 form
            _remember(_KEYS, (e164, "+"), _format_possible(number))
    return found


def _format_possible(number: phonenumbers.PhoneNumber) -> str | None:
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def known(values, default_region: str = "RU") -> list[tuple[tuple[str, str], str | None, tuple[bool, str] | None]]:
    """What the caches already hold about these phones: (cache key, E.164 form, facts) of each one parsed."""
    out = []
    for value in values:
        text = str(value).strip()
        key = (text, "+") if text.startswith("+") else (text, default_region)
        e164 = _KEYS.get(key, _UNKNOWN)
        if e164 is not _UNKNOWN:
            out.append((key, e164, _FACTS.get(e164) if e164 else None))
    return out


def learn(entries) -> None:
    """Take in what another process parsed (entries of known()): the answers are pure functions of the keys."""
    for key, e164, facts in entries:
        if key not in _KEYS:
            _remember(_KEYS, key, e164)
        if facts is not None and e164 not in _FACTS:
            _remember(_FACTS, e164, facts)


def valid_phone(value: str | None, default_region: str = "RU") -> str | None:
    """E.164 form of a phone number that is valid for its country, else None."""
    e164 = phone_key(value, default_region)
    if e164 is None:
        return None
    return e164 if _facts(e164)[0] else None


def phone_info(value: str | None, region: str = "RU") -> tuple[str | None, str]:
    """(valid_phone(value), its line type: "mobile", "fixed_line", ... or "unknown")."""
    e164 = phone_key(value, region)
    if e164 is None:
        return None, "unknown"
    valid, kind = _facts(e164)
    return (e164, kind) if valid else (None, "unknown")


def phone_type(value: str | None, region: str = "RU") -> str:
    """Line type of a valid phone: "mobile", "fixed_line", "fixed_line_or_mobile", "voip", ... or "unknown"."""
    return phone_info(value, region)[1]


def phone_problem(value: str | None, region: str = "RU") -> str | None:
    """An issue code ("phone.not_possible", "phone.invalid") when a non-empty phone cannot be dialled, else None."""
    text = str(value or "").strip()  # messy records carry numbers as ints too
    if not text:
        return None  # a missing phone is not a problem of the phone
    if phone_key(text, region) is None:
        return "phone.not_possible"
    if valid_phone(text, region) is None:
        return "phone.invalid"
    return None
