"""Which of two values of one field is the better one, when a new record meets a stored subject.

A stored value is replaced only by one at least as good: valid over invalid, a full name over initials
("Иван" over "И.И."), a canonical name over a diminutive, a full date over a partial one ("1990-07-01" over
"07.1990"), a written-out title over an abbreviated one ("Главный бухгалтер" over "Гл. бухгалтер"); between
values of equal quality the source listed earlier in the policy wins, then the newer value. The value that
loses is not thrown away: the store keeps it as an alternative in the subject's history.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hygiene.identifiers import email_key
from hygiene.names import given_name_groups, is_initial, patronymic_gender
from hygiene.normalise import (
    is_partial_date,
    normalise_birth_date,
    normalise_country,
    normalise_gender,
    normalise_postcode,
)
from hygiene.phones import phone_key
from hygiene.profile import LIST_FIELDS, MAP_FIELDS
from hygiene.translit import skeleton

# An abbreviated word: a few letters and a dot ("Гл.", "зам.", "ул."), not an initial or a sentence end.
_ABBREVIATION = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,4}\.(?=\s|$)")


def _name_rank(value: str) -> int:
    tokens = value.replace(".", ". ").split()
    if tokens and all(is_initial(t) for t in tokens):
        return 0
    canonical = any(skeleton(c) == skeleton(value) for c in given_name_groups(value))
    return 2 if canonical else 1


def _date_rank(value: str) -> int:
    if normalise_birth_date(value) is not None:
        return 2
    return 1 if is_partial_date(value) else 0


def _text_rank(value: str) -> int:
    return -len(_ABBREVIATION.findall(value))


def rank(field: str, value: Any, record_country: str | None = None) -> int:
    """Quality of one value of a field, higher is better; values of different quality never tie."""
    text = str(value).strip()
    if not text:
        return -100
    if field == "first_name":
        return _name_rank(text)
    if field == "middle_name":
        if all(is_initial(t) for t in text.replace(".", ". ").split()):
            return 0
        return 2 if patronymic_gender(text) is not None else 1
    if field == "birth_date":
        return _date_rank(text)
    if field == "gender":
        return 1 if normalise_gender(text) is not None else 0
    if field == "country":
        return 1 if normalise_country(text) is not None else 0
    if field == "postcode":
        return 1 if normalise_postcode(text, normalise_country(record_country)) is not None else 0
    return _text_rank(text)


def _source_rank(source: str | None, priority: Sequence[str]) -> int:
    """Higher for sources listed earlier; an unlisted or missing source ranks below every listed one."""
    order = list(priority)
    return len(order) - order.index(source) if source in order else 0


def equivalent(field: str, a: Any, b: Any) -> bool:
    """True when two values say the same thing in another form ("01.07.1990" and "1990-07-01", Иван and Ivan)."""
    x, y = str(a).strip(), str(b).strip()
    if x == y:
        return True
    if field == "birth_date":
        nx = normalise_birth_date(x)
        return nx is not None and nx == normalise_birth_date(y)
    if field == "gender":
        gx = normalise_gender(x)
        return gx is not None and gx == normalise_gender(y)
    if field == "country":
        cx = normalise_country(x)
        return cx is not None and cx == normalise_country(y)
    if field in ("first_name", "last_name", "middle_name"):
        return skeleton(x) == skeleton(y)
    return " ".join(x.lower().split()) == " ".join(y.lower().split())


def replaces(field: str, stored: Any, incoming: Any, *, stored_source: str | None = None,
             incoming_source: str | None = None, priority: Sequence[str] = (),
             country: str | None = None) -> bool:
    """True when `incoming` should replace `stored` (it is at least as good); False keeps `stored`."""
    if stored in (None, ""):
        return True
    if incoming in (None, "") or equivalent(field, stored, incoming):
        return False  # the stored form stays; a different spelling of the same value is kept as an alternative
    new = (rank(field, incoming, country), _source_rank(incoming_source, priority))
    old = (rank(field, stored, country), _source_rank(stored_source, priority))
    return new >= old


def union(field: str, old: list[str], new: list[str]) -> list[str]:
    """Old values first, then new ones not already present by exact-match key (case and format folded)."""
    fold = {"emails": email_key, "phones": lambda v: phone_key(v, "ZZ") or v}.get(field, lambda v: v)
    seen = {fold(v) for v in old}
    out = list(old)
    for value in new:
        if fold(value) not in seen:
            seen.add(fold(value))
            out.append(value)
    return out


@dataclass
class Merged:
    """A stored profile updated by an incoming record: the result, and every value that lost (field, old, new)."""

    profile: dict[str, Any]
    replaced: list[tuple[str, Any, Any]] = field(default_factory=list)  # `new` took the place of `old`
    declined: list[tuple[str, Any, Any]] = field(default_factory=list)  # `old` stayed, `new` was kept aside


def merge(stored: Mapping[str, Any], incoming: Mapping[str, Any], *, stored_source: str | None = None,
          incoming_source: str | None = None, priority: Sequence[str] = (),
          seen: Callable[[str, Any, Any], bool] | None = None) -> Merged:
    """Update a stored profile with an incoming record, field by field, without losing a value.

    Lists are united (nothing is dropped); a single value is replaced only by one at least as good
    (`replaces`), else the incoming one is declined; a map (channels, custom) is compared key by key as
    "channels.telegram". `seen(field, incoming, current)` tells a value the history already holds against the
    current one (a re-sent file replaying an older value): it changes nothing and is not reported again.
    """
    out = Merged(dict(stored))
    country = incoming.get("country") or stored.get("country")
    for name, value in incoming.items():
        if name in LIST_FIELDS:
            out.profile[name] = union(name, list(stored.get(name) or []), list(value or []))
            continue
        if name in MAP_FIELDS:
            current = dict(stored.get(name) or {})
            for key, item in (value or {}).items():
                label = f"{name}.{key}"
                _settle(out, current, key, label, item, stored_source, incoming_source, priority, seen, country)
            out.profile[name] = current
            continue
        _settle(out, out.profile, name, name, value, stored_source, incoming_source, priority, seen, country)
    return out


def _settle(out: Merged, target: dict[str, Any], key: str, label: str, value: Any, stored_source, incoming_source,
            priority, seen, country) -> None:
    """Decide one value: set it, replace the stored one (reported), or decline it (reported), or nothing."""
    if value in (None, "", [], {}):
        return
    current = target.get(key)
    if current in (None, "", [], {}):
        target[key] = value
        return
    if current == value or equivalent(label, current, value):
        return
    if seen is not None and seen(label, value, current):
        return
    rank_field = label.split(".", 1)[0] if "." in label else label
    if replaces(rank_field, current, value, stored_source=stored_source, incoming_source=incoming_source,
                priority=priority, country=country):
        target[key] = value
        out.replaced.append((label, current, value))
    else:
        out.declined.append((label, current, value))
