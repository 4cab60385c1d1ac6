"""Name knowledge for matching: diminutives and Ukrainian forms, patronymics, surname gender forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from hygiene.data.given_names import FEMALE, MALE
from hygiene.translit import is_cyrillic, skeleton, variants


def _build_index() -> tuple[MappingProxyType, MappingProxyType]:
    """Skeleton of every spelling of every variant -> canonical names; canonical -> gender."""
    index: dict[str, set[str]] = {}
    gender: dict[str, str] = {}
    for table, sex in ((MALE, "male"), (FEMALE, "female")):
        for canonical, forms in table.items():
            gender[canonical] = sex
            for form in (canonical, *forms):
                for spelling in variants(form):
                    index.setdefault(skeleton(spelling), set()).add(canonical)
    frozen = {key: frozenset(value) for key, value in index.items() if key}
    return MappingProxyType(frozen), MappingProxyType(gender)


# Built once at import from literal data and never mutated (read-only mappings).
_GIVEN_INDEX, _CANONICAL_GENDER = _build_index()

# Bare "-ич" is left out: it ends many surnames (Бабич, Карпович is caught only as a 3-part ФИО).
_MALE_PATRONYMIC = re.compile(r"(ovi|evi)C$|^(ili|kuzmi|luki|fomi|savi|nikiti)C$")
_FEMALE_PATRONYMIC = re.compile(r"(ovna|evna|ivna|iCna|inicna|inišna)$")
_PATRONYMIC_STEM = re.compile(r"(ovi|evi|i)C$|(ovna|evna|ivna|iCna)$")


_NO_GROUPS: frozenset[str] = frozenset()  # one shared empty set: features of a million records keep several


def given_name_groups(name: str | None) -> frozenset[str]:
    """Canonical full names a given name may stand for ("Саша" -> {Александр, Александра}); empty if unknown."""
    if not name:
        return _NO_GROUPS
    return _GIVEN_INDEX.get(skeleton(name), _NO_GROUPS)


def canonical_gender(canonical: str) -> str | None:
    """Gender ("male"/"female") of a canonical given name from the reference data."""
    return _CANONICAL_GENDER.get(canonical)


def given_name_gender(name: str | None) -> str | None:
    """Gender implied by a given name when all its readings agree (Саша -> None, Наташа -> female)."""
    genders = {_CANONICAL_GENDER[c] for c in given_name_groups(name)}
    return genders.pop() if len(genders) == 1 else None


def is_initial(token: str | None) -> bool:
    """True for an initial such as "А." or "J"."""
    if not token:
        return False
    letters = [ch for ch in token if ch.isalpha()]
    return len(letters) == 1


def is_patronymic(token: str | None) -> bool:
    """True when a token looks like a Russian or Ukrainian patronymic (Иванович, Ivanovna, Петрівна)."""
    if not token or " " in token.strip():
        return False
    skel = skeleton(token)
    return len(skel) > 3 and bool(_MALE_PATRONYMIC.search(skel) or _FEMALE_PATRONYMIC.search(skel))


def patronymic_gender(token: str | None) -> str | None:
    """Gender a patronymic marks: -ович/-ovich male, -овна/-ivna female, else None."""
    if not token or not is_patronymic(token):
        return None
    return "female" if _FEMALE_PATRONYMIC.search(skeleton(token)) else "male"


def patronymic_stem(token: str | None) -> str:
    """Father's-name stem of a patronymic skeleton (Иванович, Ivanovna, Іванівна -> "ivan")."""
    skel = skeleton(token or "")
    stem = _PATRONYMIC_STEM.sub("", skel) if len(skel) > 4 else skel
    return stem or skel


@lru_cache(maxsize=1 << 18)  # pure; surnames repeat heavily (the tuple result is immutable)
def surname_form(surname: str | None) -> tuple[str, str | None]:
    """(gender-neutral stem skeleton, "male"/"female"/None) of a surname: Петрова -> ("petrov", "female")."""
    skel = skeleton(surname or "").replace(" ", "-")
    if len(skel) < 4:
        return skel, None
    # -ин/-ина only marks gender in Cyrillic text; in Latin it also ends Martin, Carolin, Regina.
    cyrillic = is_cyrillic(surname or "")
    if skel.endswith(("ova", "eva")) or (cyrillic and skel.endswith("ina")):
        return skel[:-1], "female"
    if skel.endswith("aia"):  # Петровская / Petrovskaya -> petrovski
        return skel[:-3] + "i", "female"
    if skel.endswith(("ska", "Qka")):  # Ukrainian Шевчинська
        return skel[:-1] + "i", "female"
    if skel.endswith(("ov", "ev", "ski", "Qki")) or (cyrillic and skel.endswith("in")):
        return skel, "male"
    return skel, None


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A person's name split into parts (any may be None)."""

    first: str | None
    last: str | None
    middle: str | None


def _tokens(value: str | None) -> list[str]:
    return [t for t in re.split(r"[\s,]+", value or "") if t]


def parse_name(first: str | None, last: str | None, middle: str | None = None) -> ParsedName:
    """Split names typed as one "ФИО" field, or with the patronymic in the wrong field, into parts."""
    tf, tl, tm = _tokens(first), _tokens(last), _tokens(middle)
    filled = [t for t in (tf, tl, tm) if t]
    multi = [t for t in (tf, tl) if len(t) > 1]
    has_patronymic = any(is_patronymic(tok) for t in multi for tok in t)
    if not multi or (len(filled) > 1 and not has_patronymic):
        return ParsedName(" ".join(tf) or None, " ".join(tl) or None, " ".join(tm) or None)
    pool = tl + tf if tl and tf else tf or tl
    mid = tm[:]
    if not mid:
        patronymics = [i for i, tok in enumerate(pool) if is_patronymic(tok)]
        if patronymics and len(pool) > 1:
            mid = [pool.pop(patronymics[-1])]
    if len(filled) > 1:
        # The patronymic sat in a name field; the other tokens keep their fields.
        rest_first = [t for t in tf if t not in mid]
        rest_last = [t for t in tl if t not in mid]
        return ParsedName(" ".join(rest_first) or None, " ".join(rest_last) or None, " ".join(mid) or None)
    if len(pool) == 1:
        return ParsedName(pool[0], None, " ".join(mid) or None)
    known = [i for i, tok in enumerate(pool) if given_name_groups(tok) and surname_form(tok)[1] is None]
    if len(known) == 1:
        given = pool.pop(known[0])
        return ParsedName(given, " ".join(pool), " ".join(mid) or None)
    # Unknown names: a token with a surname ending is the last name; otherwise Russian official order
    # "Фамилия Имя Отчество" when a patronymic closed the string, Western "First Last" when not.
    if surname_form(pool[0])[1] is not None or (mid and not tm and is_patronymic((tf or tl)[-1])):
        return ParsedName(" ".join(pool[1:]), pool[0], " ".join(mid) or None)
    return ParsedName(" ".join(pool[:-1]), pool[-1], " ".join(mid) or None)
