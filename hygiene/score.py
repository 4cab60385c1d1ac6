"""Pairwise duplicate scoring of plain records.

`features(record)` is computed once per record; `score_features(fa, fb)` is the cheap per-pair step.
The total is a weighted mean of per-field similarities over the fields present on both records, so a
missing field neither rewards nor punishes. Identifiers (email, phone, messenger) weigh a lot when
they agree and little when they differ, since people have several. Hard contradictions (birth dates,
gender, patronymic, first name) cap the total: relatives, colleagues and namesakes share a lot but
contradict on exactly these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from hygiene.data.places import STREET_WORDS
from hygiene.identifiers import channel_key, email_key
from hygiene.names import (
    given_name_gender,
    given_name_groups,
    is_initial,
    parse_name,
    patronymic_gender,
    patronymic_stem,
    surname_form,
)
from hygiene.normalise import (
    city_key,
    normalise_country,
    normalise_gender,
    normalise_postcode,
    parse_date,
)
from hygiene.phones import MOBILE_TYPES, phone_info
from hygiene.translit import phonetic_key, phonetic_of_skeleton, skeleton

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "name": 3.0, "birth_date": 2.0, "email": 2.5, "phone": 2.5, "channel": 2.0, "address": 1.5,
    "company": 0.5, "gender": 0.5,
})
# Weight of an identifier or attribute when the two values differ, as a share of its full weight.
_DISAGREE_SHARE = MappingProxyType({"email": 0.2, "phone": 0.2, "channel": 0.25, "address": 0.4, "company": 0.5})
# Upper bounds on the total for contradictions that tell two people apart.
CAPS: Mapping[str, float] = MappingProxyType({
    "birth_date": 0.4, "gender": 0.45, "middle_name": 0.55, "first_name": 0.6, "last_name": 0.85,
})

_ROLE_LOCALS = frozenset((
    "info", "office", "sales", "admin", "support", "hello", "contact", "contacts", "mail", "reception", "hr",
    "buh", "buhgalter", "zakaz", "order", "orders", "team", "secretary", "priemnaya", "noreply", "no-reply",
    "post", "manager", "shop", "client", "clients", "service",
))
FREE_MAIL_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru", "yandex.ru",
    "ya.ru", "yandex.ua", "yandex.by", "yandex.kz", "yandex.com", "narod.ru", "rambler.ru", "ukr.net", "i.ua",
    "meta.ua", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com", "me.com", "proton.me",
    "protonmail.com", "gmx.de", "gmx.net", "aol.com", "qip.ru", "tut.by",
))
_YANDEX = frozenset(("ya.ru", "yandex.ru", "yandex.ua", "yandex.by", "yandex.kz", "yandex.com", "narod.ru"))
_LEGAL_FORMS = frozenset(skeleton(w) for w in (
    "ооо", "оао", "зао", "пао", "ао", "ип", "нко", "тов", "пп", "фоп", "пат", "прат", "llc", "ltd", "limited",
    "inc", "gmbh", "corp", "co", "plc", "компания", "группа", "group",
))
_STREET_SKIP = frozenset(skeleton(w) for w in STREET_WORDS)
_ADDRESS_TOKEN = re.compile(r"\d+|[^\W\d_]+")
# Features of a million records hold ~10 small sets each: empty ones share one object and low-cardinality
# ones (email domains, channel types) are interned, which cuts memory by about half. Values are unchanged.
_EMPTY: frozenset = frozenset()
_INTERNED: dict[frozenset, frozenset] = {}
_INTERN_LIMIT = 1 << 16


@dataclass(frozen=True, slots=True)
class Features:
    """Everything the scorer needs from one record, precomputed once."""

    id: Any
    restricted: bool
    first: str
    first_groups: frozenset[str]
    first_initial: bool
    last: str
    last_groups: frozenset[str]
    last_stem: str
    last_gender: str | None
    middle: str
    middle_gender: str | None
    gender: str | None
    explicit_gender: str | None
    given_gender: str | None
    emails: frozenset[str]
    email_canon: frozenset[str]
    role_emails: frozenset[str]
    phones: frozenset[str]
    mobiles: frozenset[str]
    birth: tuple[int, int, int] | None
    city: str
    postcode: str
    street: str
    street_numbers: frozenset[str]
    company: str
    channels: frozenset[tuple[str, str]]
    channel_types: frozenset[str]
    fingerprint: int
    phonetic_first: str = ""
    phonetic_last: str = ""
    email_domains: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PairScore:
    """Score of one pair: total in [0, 1], per-field similarities, contradictions and supporting fields."""

    total: float
    parts: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    strong: int = 0
    support: int = 0


def canonical_email(key: str) -> str:
    """Mailbox identity of an email key: gmail dots and +tags dropped, yandex aliases folded."""
    local, _, domain = key.rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        return local.replace(".", "") + "@gmail.com"
    if domain in _YANDEX:
        return local.replace("-", ".") + "@yandex.ru"
    return f"{local}@{domain}"


def _frozen(items) -> frozenset:
    """frozenset(items), sharing one object for the empty set."""
    return frozenset(items) if items else _EMPTY


def _interned(items) -> frozenset:
    """frozenset(items), one shared object per distinct value for low-cardinality sets."""
    if not items:
        return _EMPTY
    value = frozenset(items)
    shared = _INTERNED.get(value)
    if shared is None:
        if len(_INTERNED) >= _INTERN_LIMIT:
            return value
        _INTERNED[value] = shared = value
    return shared


def _phone_info(raw: str, region: str) -> tuple[str | None, bool]:
    """(valid E.164, is-mobile) from the one phone parser (memoised there)."""
    normal, kind = phone_info(str(raw).strip(), region)
    return normal, kind in MOBILE_TYPES


@lru_cache(maxsize=1 << 16)  # pure; company names repeat
def _company(value: str | None) -> str:
    tokens = [t for t in skeleton(value or "").split() if t not in _LEGAL_FORMS]
    return " ".join(tokens)


def _street(value: str | None) -> tuple[str, frozenset[str]]:
    tokens, numbers = [], set()
    for token in _ADDRESS_TOKEN.findall((value or "").lower()):
        if token.isdigit():
            numbers.add(token.lstrip("0") or "0")
            tokens.append(token)
            continue
        skel = skeleton(token)
        if skel and skel not in _STREET_SKIP:
            tokens.append(skel)
    return " ".join(sorted(tokens)), _frozen(numbers)


@lru_cache(maxsize=1 << 16)  # pure; birth dates repeat heavily, and the tuples are then shared
def _birth(text: str | None) -> tuple[int, int, int] | None:
    birth = parse_date(text)
    return (birth.year, birth.month, birth.day) if birth else None


def _text(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def features(record: Mapping[str, Any], default_region: str = "RU") -> Features:
    """Precompute the matching features of one plain record."""
    country = normalise_country(_text(record, "country"))
    region = country or default_region
    name = parse_name(_text(record, "first_name"), _text(record, "last_name"), _text(record, "middle_name"))
    first, last, middle = skeleton(name.first or ""), skeleton(name.last or ""), name.middle or ""
    last_stem, last_gender = surname_form(name.last)
    first_groups, last_groups = given_name_groups(name.first), given_name_groups(name.last)
    if last_groups and not first_groups:
        last_gender = None  # "Lesik Liubov": the "surname" is a given name typed in the wrong field
    middle_gender = patronymic_gender(middle)
    explicit = normalise_gender(_text(record, "gender"))
    explicit = explicit if explicit in ("male", "female") else None
    given_gender = given_name_gender(name.first) if first_groups else given_name_gender(name.last)
    gender = explicit or given_gender or middle_gender or last_gender

    emails = _frozen([k for k in (email_key(e) for e in record.get("emails") or []) if k and "@" in k])
    phones, mobiles = set(), set()
    for raw in record.get("phones") or []:
        if raw is None:
            continue
        normal, mobile = _phone_info(raw, region)
        if normal:
            phones.add(normal)
            if mobile:
                mobiles.add(normal)
    channels = set()
    for channel, value in (record.get("channels") or {}).items():
        key = channel_key(channel, value)
        if key:
            channels.add((channel, key))
    email_canon = _frozen([canonical_email(e) for e in emails])
    if email_canon == emails:
        email_canon = emails
    phones_set = _frozen(phones)
    mobiles_set = phones_set if mobiles == phones else _frozen(mobiles)
    street, numbers = _street(_text(record, "street"))
    content = tuple(sorted((k, repr(v)) for k, v in record.items()
                           if k not in ("id", "source", "updated_at", "restricted") and v not in (None, "", [], {})))
    return Features(
        id=record.get("id"),
        restricted=bool(record.get("restricted")),
        first=first,
        first_groups=first_groups,
        first_initial=is_initial(name.first),
        last=last,
        last_groups=last_groups,
        last_stem=last_stem,
        last_gender=last_gender,
        middle=patronymic_stem(middle) if middle else "",
        middle_gender=middle_gender,
        gender=gender,
        explicit_gender=explicit,
        given_gender=given_gender,
        emails=emails,
        email_canon=email_canon,
        role_emails=_interned([e for e in emails if e.rpartition("@")[0] in _ROLE_LOCALS]),
        phones=phones_set,
        mobiles=mobiles_set,
        birth=_birth(_text(record, "birth_date")),
        city=city_key(_text(record, "city")),
        postcode=(normalise_postcode(_text(record, "postcode"), country) or "").replace(" ", ""),
        street=street,
        street_numbers=numbers,
        company=_company(_text(record, "company")),
        channels=_frozen(channels),
        channel_types=_interned([c for c, _ in channels]),
        fingerprint=hash(content) if content else 0,
        phonetic_first=phonetic_key(name.first or ""),
        phonetic_last=phonetic_of_skeleton(last_stem),
        email_domains=_interned([e.rpartition("@")[2] for e in emails]),
    )


# ---------------------------------------------------------------- per-field comparators


def _given_sim(a: str, a_groups: frozenset[str], a_init: bool, b: str, b_groups: frozenset[str],
               b_init: bool) -> float:
    """Similarity of two given names: spelling, diminutive/Ukrainian forms, initials."""
    if a == b:
        return 1.0
    if a_init or b_init:
        return 0.85 if a[:1] == b[:1] else 0.0
    if a_groups & b_groups:
        return 0.95
    jw = JaroWinkler.similarity(a, b)
    if a_groups and b_groups:
        return jw * 0.5  # two known, different names (Иван / Ян) are a contradiction, however close
    return jw


def _surname_sim(a: str, b: str) -> float:
    return 1.0 if a == b else JaroWinkler.similarity(a, b)


def _name_part(fa: Features, fb: Features) -> tuple[float | None, bool, bool]:
    """(similarity, first names contradict, surnames contradict); tolerant of swapped order."""
    first = (_given_sim(fa.first, fa.first_groups, fa.first_initial, fb.first, fb.first_groups, fb.first_initial)
             if fa.first and fb.first else None)
    last = _surname_sim(fa.last_stem, fb.last_stem) if fa.last_stem and fb.last_stem else None
    straight = _combine(first, last)
    swapped = None
    if fa.first and fa.last and fb.first and fb.last:
        x = _given_sim(fa.first, fa.first_groups, False, fb.last, fb.last_groups, False)
        y = _given_sim(fa.last, fa.last_groups, False, fb.first, fb.first_groups, False)
        swapped = 0.97 * (x + y) / 2  # plain mean: the roles of x and y swap with the argument order
    if straight is None:
        return None, False, False
    if swapped is not None and swapped > straight and swapped >= 0.85:
        return swapped, False, False  # "Петров Александр" typed into first/last the wrong way round
    first_conflict = first is not None and first < 0.75
    last_conflict = last is not None and last < 0.8
    sim = straight
    if fa.middle and fb.middle:
        sim = 0.85 * sim + 0.15 * _surname_sim(fa.middle, fb.middle)
    return sim, first_conflict, last_conflict


def _combine(first: float | None, last: float | None) -> float | None:
    if first is not None and last is not None:
        return 0.4 * first + 0.6 * last
    return first if first is not None else last


def _differ(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


def _gender_conflict(fa: Features, fb: Features) -> bool:
    """Gender contradicts on like-for-like evidence only: field vs field, Петров vs Петрова, Иванович vs
    Ивановна, Наташа vs Саша-the-man. Mixed evidence (a field against a surname ending) is too noisy."""
    return (_differ(fa.explicit_gender, fb.explicit_gender)
            or (fa.last_stem == fb.last_stem and _differ(fa.last_gender, fb.last_gender))
            or _differ(fa.middle_gender, fb.middle_gender)
            or _differ(fa.given_gender, fb.given_gender))


def _birth_sim(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[float, bool]:
    """(similarity, contradiction): day/month swaps and one-digit typos are tolerated."""
    if a == b:
        return 1.0, False
    if a[0] == b[0] and a[1] == b[2] and a[2] == b[1]:
        return 0.85, False
    sa, sb = f"{a[0]:04d}{a[1]:02d}{a[2]:02d}", f"{b[0]:04d}{b[1]:02d}{b[2]:02d}"
    diff = [i for i in range(8) if sa[i] != sb[i]]
    if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]]
                          and sa[diff[1]] == sb[diff[0]]):
        return 0.7, False
    if a[1:] == (1, 1) or b[1:] == (1, 1):
        # 1 January is the usual placeholder when only the year is known.
        return (0.6 if a[0] == b[0] else 0.0), False
    return 0.0, True


def _address_sim(fa: Features, fb: Features) -> float | None:
    parts: list[tuple[float, float]] = []
    if fa.city and fb.city:
        parts.append((1.0, 1.0 if fa.city == fb.city else 0.0))
    if fa.postcode and fb.postcode:
        parts.append((1.0, 1.0 if fa.postcode == fb.postcode else 0.0))
    if fa.street and fb.street:
        sim = fuzz.token_set_ratio(fa.street, fb.street) / 100.0
        if fa.street_numbers and fb.street_numbers and not fa.street_numbers & fb.street_numbers:
            sim *= 0.5  # same street, different house
        parts.append((2.0, sim))
    if not parts:
        return None
    return sum(w * s for w, s in parts) / sum(w for w, _ in parts)


def _email_sim(fa: Features, fb: Features) -> tuple[float, float]:
    """(similarity, weight factor): a shared role inbox (info@, office@) agrees but proves little."""
    shared = fa.emails & fb.emails
    if shared:
        return (1.0, 0.2) if shared <= (fa.role_emails | fb.role_emails) else (1.0, 1.0)
    return (0.95, 1.0) if fa.email_canon & fb.email_canon else (0.0, 1.0)


def _phone_sim(fa: Features, fb: Features) -> tuple[float, float]:
    """(similarity, weight factor): a shared landline is a household or an office switchboard."""
    shared = fa.phones & fb.phones
    if not shared:
        return 0.0, 1.0
    return (1.0, 1.0) if shared & (fa.mobiles | fb.mobiles) else (1.0, 0.35)


# ---------------------------------------------------------------- scoring


def surely_distinct(fa: Features, fb: Features, review: float) -> bool:
    """True when score_features() plus the decision rule can only say "distinct": a contradiction caps the
    total below `review`, or no field can support the pair (review and merge both need support).
    A cheap pre-check that skips most scoring in big runs; False means nothing, score the pair."""
    birth_support = False
    if fa.birth and fb.birth:
        sim, contradiction = _birth_sim(fa.birth, fb.birth)
        if contradiction and CAPS["birth_date"] < review:
            return True
        birth_support = sim >= 0.7
    if CAPS["gender"] < review and _gender_conflict(fa, fb):
        return True
    middle_conflict = fa.middle and fb.middle and fa.middle != fb.middle
    if CAPS["middle_name"] < review and middle_conflict and JaroWinkler.similarity(fa.middle, fb.middle) < 0.85:
        return True
    shared = fa.email_canon & fb.email_canon or fa.phones & fb.phones or fa.channels & fb.channels
    if not (birth_support or shared or (fa.postcode and fa.postcode == fb.postcode)):
        if not (fa.street and fb.street):
            return True
        address = _address_sim(fa, fb)
        if address is None or address < 0.85:
            return True
    return CAPS["first_name"] < review and _name_part(fa, fb)[1]


def score_features(fa: Features, fb: Features, weights: Mapping[str, float] | None = None) -> PairScore:
    """Score two precomputed feature sets; symmetric, and 1.0 for a record against itself."""
    w = DEFAULT_WEIGHTS if weights is None else {**DEFAULT_WEIGHTS, **weights}
    parts: dict[str, float] = {}
    conflicts: list[str] = []
    strong = support = 0

    name, first_conflict, last_conflict = _name_part(fa, fb)
    if name is not None:
        parts["name"] = name
        if first_conflict:
            conflicts.append("first_name")
        if last_conflict:
            conflicts.append("last_name")
    if fa.middle and fb.middle and fa.middle != fb.middle and JaroWinkler.similarity(fa.middle, fb.middle) < 0.85:
        conflicts.append("middle_name")
    if fa.birth and fb.birth:
        parts["birth_date"], contradiction = _birth_sim(fa.birth, fb.birth)
        if contradiction:
            conflicts.append("birth_date")
        strong += parts["birth_date"] == 1.0
        support += parts["birth_date"] >= 0.7
    if fa.gender and fb.gender:
        parts["gender"] = 1.0 if fa.gender == fb.gender else 0.0
    if _gender_conflict(fa, fb):
        conflicts.append("gender")
    factors: dict[str, float] = {}
    if fa.emails and fb.emails:
        parts["email"], factors["email"] = _email_sim(fa, fb)
        strong += parts["email"] >= 0.95 and factors["email"] == 1.0
        support += parts["email"] >= 0.95
    if fa.phones and fb.phones:
        parts["phone"], factors["phone"] = _phone_sim(fa, fb)
        strong += parts["phone"] == 1.0 and factors["phone"] == 1.0
        support += parts["phone"] == 1.0
    if fa.channel_types & fb.channel_types:
        parts["channel"] = 1.0 if fa.channels & fb.channels else 0.0
        strong += parts["channel"] == 1.0
        support += parts["channel"] == 1.0
    address = _address_sim(fa, fb)
    if address is not None:
        parts["address"] = address
        support += bool(fa.street and fb.street and address >= 0.85) or bool(
            fa.postcode and fa.postcode == fb.postcode)
    if fa.company and fb.company:
        parts["company"] = fuzz.token_set_ratio(fa.company, fb.company) / 100.0

    num = den = 0.0
    for key, sim in parts.items():
        full = w.get(key, 0.0) * factors.get(key, 1.0)
        share = _DISAGREE_SHARE.get(key)
        weight = full if share is None else full * (share + (1.0 - share) * sim)
        num += weight * sim
        den += weight
    if den > 0:
        total = num / den
    else:
        # Nothing comparable: only an identical record is the same.
        total = 1.0 if fa.fingerprint and fa.fingerprint == fb.fingerprint else 0.0
    for reason in conflicts:
        total = min(total, CAPS[reason])
    total = round(min(1.0, max(0.0, total)), 6)
    return PairScore(total, parts, tuple(conflicts), int(strong), int(support))


def score(a: Mapping[str, Any], b: Mapping[str, Any], weights: Mapping[str, float] | None = None,
          default_region: str = "RU") -> PairScore:
    """Score two plain records (convenience wrapper; use features()/score_features() in bulk)."""
    return score_features(features(a, default_region), features(b, default_region), weights)
