"""The one profile field schema: every field of a subject's profile, described once.

A profile is the plain record hygiene works on and the store encrypts. Every list of profile fields
(store columns, API schemas, import and export columns, merges, demo, bench) is derived from FIELDS here,
so adding a field is one line. Pure data: no peewee, no flask, so every layer may read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TEXT, LIST, DATE, ENUM, MAP = "text", "list", "date", "enum", "map"
CHANNELS = ("telegram", "whatsapp", "viber", "instagram", "vk", "signal", "wechat")


@dataclass(frozen=True, slots=True)
class ProfileField:
    """One profile field: its kind, where the store keeps it, and which blind-index kind it feeds (if any)."""

    name: str
    kind: str  # text, list (first value is primary), date (as typed, ISO when clean), enum (free text, normalised), map
    column: str  # "pii" (Subject.pii, read often) or "extra" (Subject.extra: PII too, rarely read)
    group: str  # name, contact, person, address, work, extra: the order of flat rows follows the groups
    max_length: int = 500  # of a value (of each item for lists) as accepted by the API
    identifier: str | None = None  # blind-index kind of each value ("email", "phone", "external", "channel")
    single: str | None = None  # for lists: the singular input name ("email" for emails)
    pii: bool = True  # every profile field is personal data; kept explicit for readers of the schema


FIELDS: tuple[ProfileField, ...] = (
    ProfileField("first_name", TEXT, "pii", "name"),
    ProfileField("last_name", TEXT, "pii", "name"),
    ProfileField("middle_name", TEXT, "pii", "name"),
    ProfileField("emails", LIST, "pii", "contact", 320, identifier="email", single="email"),
    ProfileField("phones", LIST, "pii", "contact", 40, identifier="phone", single="phone"),
    ProfileField("birth_date", DATE, "pii", "person", 32),
    ProfileField("gender", ENUM, "pii", "person", 32),
    ProfileField("street", TEXT, "pii", "address"),
    ProfileField("city", TEXT, "pii", "address"),
    ProfileField("region", TEXT, "pii", "address"),
    ProfileField("postcode", TEXT, "pii", "address", 16),
    ProfileField("country", TEXT, "pii", "address", 64),
    ProfileField("company", TEXT, "pii", "work"),
    ProfileField("position", TEXT, "pii", "work"),
    ProfileField("external_ids", LIST, "pii", "contact", 128, identifier="external", single="external_id"),
    ProfileField("notes", TEXT, "extra", "extra", 5000),
    ProfileField("custom", MAP, "extra", "extra", 64),
    ProfileField("channels", MAP, "extra", "extra", 128, identifier="channel"),
)
BY_NAME = {f.name: f for f in FIELDS}

# Derived lists, in schema order.
PII_FIELDS = tuple(f.name for f in FIELDS if f.column == "pii")  # keys of Subject.pii
EXTRA_FIELDS = tuple(f.name for f in FIELDS if f.column == "extra")  # keys of Subject.extra
LIST_FIELDS = tuple(f.name for f in FIELDS if f.kind == LIST)
MAP_FIELDS = tuple(f.name for f in FIELDS if f.kind == MAP)
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind in (TEXT, DATE, ENUM))  # single-valued text
NAME_FIELDS = tuple(f.name for f in FIELDS if f.group == "name")
SINGULAR = {f.single: f.name for f in FIELDS if f.single}  # "email" -> "emails"
IDENTIFIER_FIELDS = tuple(f.name for f in FIELDS if f.identifier)


def empty_value(name: str):
    """The value of an empty field: [] for lists, {} for maps, None for text."""
    kind = BY_NAME[name].kind
    return [] if kind == LIST else {} if kind == MAP else None


def flat_columns(contacts: Sequence[str], *, notes: bool = True) -> tuple[str, ...]:
    """Single-valued columns of a flat row (import file, export, demo): names, the given contact columns, the rest."""
    rest = [f.name for f in FIELDS if f.kind in (TEXT, DATE, ENUM) and f.group != "name"]
    return (*NAME_FIELDS, *contacts, *(r for r in rest if notes or r != "notes"))
