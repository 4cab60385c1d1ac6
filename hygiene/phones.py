"""The one phone parser: text -> E.164, validity and line type, for exact keys, normalising and scoring alike.

Every phone question in the project (blind-index key, stored form, validation flag, duplicate scoring) is
answered here from the same parse, so a number cannot be valid for one module and invalid for another.
"""

from __future__ import annotations

from functools import lru_cache
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
    key = (text, "+") if text.startswith("+") else (text, default_region)
    found = _KEYS.get(key, _UNKNOWN)
    if found is _UNKNOWN:
        found = _remember(_KEYS, key, _e164_of(text, default_region))
    return found


# Parsing is the costly part of an import row, and the same number is asked about as typed and then in its
# E.164 form (stored form, blind index, validity flag). Both caches hold pure functions of their keys; the
# validity check parses the E.164 form anyway, so it also records that form's own key (same parse, same
# answer as phone_key would compute), which saves the third parse of every new number.
_KEYS: dict[tuple[str, str], str | None] = {}
_VALID: dict[str, bool] = {}
_CACHE_LIMIT = 131072
_UNKNOWN = object()  # None is a cached answer (not a possible number)


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()  # forgetting only costs parsing again
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
    if e164 == text and e164 not in _VALID:
        # Typed in E.164 already: this parse is the one the validity check would make of that form.
        _remember(_VALID, e164, phonenumbers.is_valid_number(number))
    return e164


def _format_possible(number: phonenumbers.PhoneNumber) -> str | None:
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_valid_e164(e164: str) -> bool:
    found = _VALID.get(e164)
    if found is None:
        number = phonenumbers.parse(e164)
        found = _remember(_VALID, e164, phonenumbers.is_valid_number(number))
        if (e164, "+") not in _KEYS:
            _remember(_KEYS, (e164, "+"), _format_possible(number))
    return found


def valid_phone(value: str | None, default_region: str = "RU") -> str | None:
    """E.164 form of a phone number that is valid for its country, else None."""
    e164 = phone_key(value, default_region)
    if e164 is None:
        return None
    return e164 if _is_valid_e164(e164) else None


@lru_cache(maxsize=1 << 16)
def phone_info(value: str | None, region: str = "RU") -> tuple[str | None, str]:
    """(valid_phone(value), its line type: "mobile", "fixed_line", ... or "unknown"), memoised."""
    e164 = valid_phone(value, region)
    if e164 is None:
        return None, "unknown"
    return e164, _PHONE_TYPES.get(phonenumbers.number_type(phonenumbers.parse(e164)), "unknown")


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
