"""Normalisers for contact fields. Each is idempotent: normalising a normalised value changes nothing."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from types import MappingProxyType

import email_validator

from hygiene.data.places import CITY_ALIASES, CITY_PREFIXES
from hygiene.translit import fold_yo, skeleton, variants

_SPACES = re.compile(r"\s+")


def _clean(value: object) -> str:
    """NFC text with whitespace (incl. non-breaking) collapsed and trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


# ---------------------------------------------------------------- email


def _strip_email(value: str) -> str:
    text = _clean(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().strip("<>").strip()


def normalise_email(value: str | None) -> str | None:
    """Email in email-validator's normalised form (domain lower-cased, IDNA, NFC) or None if invalid."""
    if value is None or not _strip_email(value):
        return None
    try:
        result = email_validator.validate_email(_strip_email(value), check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    return result.normalized


def email_problem(value: str | None) -> str | None:
    """Error code for an unusable email ("email.empty", "email.syntax") or None when it is fine."""
    text = "" if value is None else _strip_email(value)
    if not text:
        return "email.empty"
    fast = _plain_address_valid(text)
    if fast is not None:
        return None if fast else "email.syntax"
    return None if normalise_email(value) else "email.syntax"


# email-validator takes ~0.1 ms an address, most of it on the domain, and an import asks about every row's
# email while a base has few distinct domains. For a plain ASCII address (dot-atom local part, one "@",
# letters/digits/dots/hyphens after it, no IDNA label, within the length limit) the validator's answer is
# its local-part regex and its verdict on the domain alone, so the domain's verdict is asked once and kept.
# Anything else goes to the validator whole. Tests compare both paths on generated addresses.
_ATEXT = r"a-zA-Z0-9_!#\$%&'\*\+\-/=\?\^`\{\|\}~"  # RFC 5322 atext, as email-validator spells it
_DOT_ATOM = re.compile(f"[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*\\Z")
_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\Z")
_EMAIL_MAX = 254


def _plain_address_valid(text: str) -> bool | None:
    """The validator's verdict for a plain ASCII address, or None when only the full validator can tell."""
    local, at, domain = text.partition("@")
    if (
        not at
        or len(text) > _EMAIL_MAX
        or not _PLAIN_DOMAIN.match(domain)
        or "xn--" in domain.lower()
        or not _DOT_ATOM.match(local)
    ):
        return None
    return _domain_valid(domain)


@lru_cache(maxsize=16384)
def _domain_valid(domain: str) -> bool:
    try:
        email_validator.validate_email(f"a@{domain}", check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True


# Common misspellings of big mail domains: reported as a warning, never fixed silently.
_DOMAIN_TYPOS = MappingProxyType(
    {
        "gmial.com": "gmail.com",
        "gmal.com": "gmail.com",
        "gmail.ru": "gmail.com",
        "gmail.co": "gmail.com",
        "gamil.com": "gmail.com",
        "gnail.com": "gmail.com",
        "mail.r": "mail.ru",
        "mali.ru": "mail.ru",
        "mail.ry": "mail.ru",
        "yandex.r": "yandex.ru",
        "yandeks.ru": "yandex.ru",
        "yadex.ru": "yandex.ru",
        "yndex.ru": "yandex.ru",
        "rambler.r": "rambler.ru",
        "ukr.nte": "ukr.net",
        "ukr.ne": "ukr.net",
        "hotmial.com": "hotmail.com",
        "outlok.com": "outlook.com",
        "yahooo.com": "yahoo.com",
    }
)


def email_domain_typo(value: str | None) -> str | None:
    """The probably intended domain when the email's domain is a known misspelling, else None."""
    if not value or "@" not in value:
        return None
    return _DOMAIN_TYPOS.get(_strip_email(value).rsplit("@", 1)[1].lower())


# ---------------------------------------------------------------- names

# Latin letters that look like Cyrillic ones, typed by keyboard-layout slips inside Cyrillic words.
_HOMOGLYPHS = MappingProxyType(dict(zip("aAcCeEHKMoOpPTxXyB", "аАсСеЕНКМоОрРТхХуВ", strict=True)))


def _fix_homoglyphs(word: str) -> str:
    """Replace Latin look-alikes inside a word that is otherwise Cyrillic ("Пeтров" with a Latin e)."""
    cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
    lat = sum(1 for ch in word if ch.isascii() and ch.isalpha())
    if cyr and lat and all(ch in _HOMOGLYPHS for ch in word if ch.isascii() and ch.isalpha()):
        return "".join(_HOMOGLYPHS.get(ch, ch) for ch in word)
    return word


def _case_part(part: str) -> str:
    if not part:
        return part
    # Keep deliberate inner capitals (McDonald, DiCaprio) but fix ALL CAPS, all lower and "иВАН".
    if part.islower() or part.isupper() or not part[0].isupper():
        return part[0].upper() + part[1:].lower()
    return part


def _case_word(word: str) -> str:
    word = "-".join(_case_part(p) for p in word.split("-"))
    # O'Brien and D'Arcy capitalise after the apostrophe; Ukrainian Мар'яна does not.
    match = re.match(r"^([OoDd])['’]([a-z])", word)
    if match:
        word = match.group(1).upper() + "'" + match.group(2).upper() + word[3:]
    return word


def normalise_name(value: str | None) -> str:
    """Name with whitespace collapsed, hyphens tightened, look-alike letters fixed and proper case."""
    if value is None:
        return ""
    text = _clean(value)
    text = re.sub(r"\s*-\s*", "-", text).strip("-").strip()
    return " ".join(_fix_homoglyphs(_case_word(w)) for w in text.split(" ") if w)


def name_key(value: str | None) -> str:
    """Exact matching key of a name: normalised, lower-cased, ё folded to е."""
    return fold_yo(normalise_name(value)).lower()


# ---------------------------------------------------------------- dates

_MONTHS = MappingProxyType(
    {
        **{
            m: i
            for i, m in enumerate(
                ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"), 1
            )
        },
        **{
            m: i
            for i, m in enumerate(
                ("січ", "лют", "бер", "кві", "тра", "чер", "лип", "сер", "вер", "жов", "лис", "гру"), 1
            )
        },
        **{
            m: i
            for i, m in enumerate(
                ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
            )
        },
    }
)
_ISO = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[t ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})(?:\s.*)?$")
_WORDS = re.compile(r"^(\d{1,2})\s+([^\W\d]+)\.?\s+(\d{4})(?:\s*(?:г|р|года|року)\.?)?$")
_EARLIEST = date(1900, 1, 1)


def _month_number(word: str) -> int | None:
    word = word.lower()
    for prefix in sorted(_MONTHS, key=len, reverse=True):
        if word.startswith(prefix):
            return _MONTHS[prefix]
    return None


@lru_cache(maxsize=1 << 16)  # pure; birth dates repeat heavily (dates are immutable, sharing is safe)
def parse_date(value: str | None) -> date | None:
    """Parse "1985-03-07", "07.03.1985", "7/3/1985" (day first) or "7 марта 1985" into a date."""
    if not value:
        return None
    text = _clean(value).lower()
    match = _ISO.match(text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    elif match := _DMY.match(text):
        d, m, y = (int(g) for g in match.groups())
    elif match := _WORDS.match(text):
        month = _month_number(match.group(2))
        if month is None:
            return None
        d, m, y = int(match.group(1)), month, int(match.group(3))
    else:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def normalise_birth_date(value: str | None, today: date | None = None) -> str | None:
    """Birth date as "YYYY-MM-DD" when parseable and plausible (1900-01-01..today), else None.

    `today` bounds the range from above; without it only the lower bound is checked.
    """
    parsed = parse_date(value)
    if parsed is None or parsed < _EARLIEST or (today is not None and parsed > today):
        return None
    return parsed.isoformat()


# ---------------------------------------------------------------- gender

_GENDERS = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "м",
                "муж",
                "мужской",
                "мужчина",
                "m",
                "male",
                "man",
                "ч",
                "чол",
                "чоловік",
                "чоловіча",
                "чоловічий",
                "мужск",
            ),
            "male",
        ),
        **dict.fromkeys(
            (
                "ж",
                "жен",
                "женский",
                "женщина",
                "f",
                "female",
                "woman",
                "w",
                "жін",
                "жінка",
                "жіноча",
                "жіночий",
                "женск",
            ),
            "female",
        ),
        **dict.fromkeys(("other", "x", "non-binary", "nonbinary", "другое", "інше", "иное"), "other"),
    }
)


@lru_cache(maxsize=1024)
def normalise_gender(value: str | None) -> str | None:
    """Gender as "male", "female" or "other" from ru/uk/en spellings (м, жен, ч, жін, m, f ...), else None."""
    if value is None:
        return None
    return _GENDERS.get(_clean(value).lower().rstrip("."))


# ---------------------------------------------------------------- postcode, country, city

_GB_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")
_US_POSTCODE = re.compile(r"^(\d{5})(\d{4})?$")
_DIGIT_POSTCODES = MappingProxyType({"RU": 6, "BY": 6, "KZ": 6, "UA": 5, "DE": 5, "FR": 5, "IT": 5, "ES": 5})


def normalise_postcode(value: str | None, country: str | None = None) -> str | None:
    """Postcode in its country's canonical form (RU 6 digits, UA 5, GB "SW1A 1AA", US 5 or 5-4) or None."""
    if value is None:
        return None
    text = _clean(value).upper()
    if not text:
        return None
    country = (country or "").upper()
    compact = re.sub(r"[\s-]", "", text)
    if country in _DIGIT_POSTCODES:
        return compact if compact.isdigit() and len(compact) == _DIGIT_POSTCODES[country] else None
    if country == "GB":
        match = _GB_POSTCODE.match(compact)
        return f"{match.group(1)} {match.group(2)}" if match else None
    if country == "US":
        match = _US_POSTCODE.match(compact)
        if not match:
            return None
        return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
    return text


_COUNTRIES = MappingProxyType(
    {
        **dict.fromkeys(("россия", "рф", "российская федерация", "russia", "russian federation", "rus"), "RU"),
        **dict.fromkeys(("украина", "україна", "ukraine", "ukr"), "UA"),
        **dict.fromkeys(("беларусь", "белоруссия", "білорусь", "belarus", "blr"), "BY"),
        **dict.fromkeys(("казахстан", "kazakhstan", "kaz"), "KZ"),
        **dict.fromkeys(
            ("великобритания", "англия", "велика британія", "united kingdom", "great britain", "england", "uk", "gbr"),
            "GB",
        ),
        **dict.fromkeys(("сша", "usa", "united states", "united states of america", "us"), "US"),
        **dict.fromkeys(("германия", "німеччина", "germany", "deu"), "DE"),
    }
)


@lru_cache(maxsize=1024)
def normalise_country(value: str | None) -> str | None:
    """ISO 3166 alpha-2 code from a code or a common ru/uk/en country name, else None."""
    if value is None:
        return None
    text = _clean(value).lower().strip(".")
    if text in _COUNTRIES:
        return _COUNTRIES[text]
    return text.upper() if re.fullmatch(r"[a-z]{2}", text) else None


def _build_city_index() -> MappingProxyType:
    index: dict[str, str] = {}
    for canonical, aliases in CITY_ALIASES.items():
        for name in (canonical, *aliases):
            for spelling in variants(name):
                index[skeleton(spelling)] = skeleton(canonical)
    return MappingProxyType(index)


# Built once at import from literal data and never mutated.
_CITY_INDEX = _build_city_index()
_CITY_PREFIX = re.compile(r"^(?:(?:" + "|".join(CITY_PREFIXES) + r")\.?\s+|(?:г|м|с)\.\s*)", re.IGNORECASE)


def normalise_city(value: str | None) -> str | None:
    """City name with settlement prefix ("г.", "м.") removed and proper case; None if empty."""
    if value is None:
        return None
    text = _CITY_PREFIX.sub("", _clean(value)).strip(" ,.")
    return normalise_name(text) or None


@lru_cache(maxsize=1 << 14)  # pure and called once per record; cities repeat heavily
def city_key(value: str | None) -> str:
    """Matching key of a city: aliases ("СПб", "Питер", "St Petersburg") collapse to one skeleton."""
    skel = skeleton(normalise_city(value) or "")
    return _CITY_INDEX.get(skel, skel)


# "07.1990", "1990-07", "1990": a date that says less than a full one, but is not wrong.
_PARTIAL_DATE = re.compile(r"^\s*(?:\d{1,2}[./-]\d{4}|\d{4}[./-]\d{1,2}|\d{4})\s*$")


def is_partial_date(value: str | None) -> bool:
    """True for a month and year or a year alone ("07.1990", "1990")."""
    return bool(value) and bool(_PARTIAL_DATE.match(str(value)))


def date_problem(value: str | None) -> str | None:
    """"date.invalid" for text that is neither a date nor a partial one ("31/31/1999", "yesterday"), else None."""
    if not (value or "").strip():
        return None
    return None if parse_date(value) is not None or is_partial_date(value) else "date.invalid"
