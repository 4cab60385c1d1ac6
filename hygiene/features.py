"""Matching features of one plain record, computed once: names, genders, identifiers, address, company.

The duplicate scorer (hygiene.score) compares Features pairwise; blocking keys read them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
from hygiene.normalise import city_key, normalise_country, normalise_gender, normalise_postcode, parse_date
from hygiene.phones import MOBILE_TYPES, phone_info
from hygiene.translit import phonetic_key, phonetic_of_skeleton, skeleton

# fmt: off
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
# fmt: on


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
    content = tuple(
        sorted(
            (k, repr(v))
            for k, v in record.items()
            if k not in ("id", "source", "updated_at", "restricted") and v not in (None, "", [], {})
        )
    )
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
