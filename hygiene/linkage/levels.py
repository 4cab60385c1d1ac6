"""Comparison levels: for each field, an ordered list of agreement levels from strongest to weakest.

A pair of records is compared on hygiene.features.Features, so every level reuses the normalisers the scorer
already applies (skeletons for transliteration and ё/е, diminutive groups, E.164 phones, canonical mailboxes,
city aliases, parsed birth dates, street tokens). A field's level for a pair is the index of the first level
whose predicate holds; the last level of every field is "different" (always true), and a value missing on
either side is level MISSING, which carries no weight. The comparison vector ("gamma") of a pair is the tuple of
its level indices, one per field, in the order of the comparisons.

Every predicate is symmetric in its two arguments, so gamma(a, b) == gamma(b, a).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from hygiene.features import Features

MISSING = -1
Gamma = tuple[int, ...]
Predicate = Callable[[Features, Features], bool]


@dataclass(frozen=True, slots=True)
class Level:
    """One agreement level of a field: a name for explanations and a symmetric predicate over two records."""

    name: str
    holds: Predicate


@dataclass(frozen=True, slots=True)
class Comparison:
    """How one field of two records is compared: its levels, strongest first, ending with "different".

    `present` tells whether a record has the field at all; `tf_value` (when set) gives the value whose
    frequency in the base replaces u at the top level (term-frequency adjustment).
    """

    field: str
    levels: tuple[Level, ...]
    present: Callable[[Features], bool]
    tf_value: Callable[[Features], str] | None = None

    def level_of(self, fa: Features, fb: Features) -> int:
        """Index of the first level that holds for the pair, or MISSING when either side lacks the field."""
        if not (self.present(fa) and self.present(fb)):
            return MISSING
        for index, level in enumerate(self.levels):
            if level.holds(fa, fb):
                return index
        return len(self.levels) - 1  # unreachable while the last level is "different"; keeps the type total


def _always(_fa: Features, _fb: Features) -> bool:
    return True


DIFFERENT = Level("different", _always)


def compare(fa: Features, fb: Features, comparisons: Sequence[Comparison]) -> Gamma:
    """The comparison vector of a pair: the level index of each field (MISSING when absent on either side).

    First and last name typed the wrong way round on one side are put back first, so each name field is then
    compared on its own evidence (and its own term frequency) instead of a "swapped" level on both fields,
    which would count one fact twice."""
    if swapped(fa, fb):
        fb = swap_names(fb)
    return tuple(c.level_of(fa, fb) for c in comparisons)


def swap_names(f: Features) -> Features:
    """The record with its first and last name exchanged (the swapped-in surname is a given name: no stem)."""
    return replace(
        f,
        first=f.last,
        first_groups=f.last_groups,
        first_initial=False,
        last=f.first,
        last_groups=f.first_groups,
        last_stem=f.first,
    )


# ---------------------------------------------------------------- names


def _jw_at_least(get: Callable[[Features], str], threshold: float) -> Predicate:
    return lambda fa, fb: JaroWinkler.similarity(get(fa), get(fb)) >= threshold


def _given_same(a: str, a_groups: frozenset[str], b: str, b_groups: frozenset[str]) -> bool:
    """Same given name: one spelling, or one canonical name behind both (Саша / Александр, Олександр)."""
    return a == b or bool(a_groups & b_groups)


def swapped(fa: Features, fb: Features) -> bool:
    """First and last name typed the wrong way round on one side ("Петров Александр"), and not straight."""
    if not (fa.first and fa.last and fb.first and fb.last) or fa.first == fb.first or fa.last == fb.last:
        return False
    return _given_same(fa.first, fa.first_groups, fb.last, fb.last_groups) and _given_same(
        fa.last, fa.last_groups, fb.first, fb.first_groups
    )


def _first(f: Features) -> str:
    return f.first


def _last_stem(f: Features) -> str:
    return f.last_stem


FIRST_NAME = Comparison(
    "first_name",
    (
        Level("same spelling", lambda fa, fb: fa.first == fb.first),  # skeletons: scripts, schemes and ё/е folded
        Level("same name", lambda fa, fb: bool(fa.first_groups & fb.first_groups)),  # diminutives, uk forms
        Level("jaro-winkler >= 0.92", _jw_at_least(_first, 0.92)),
        Level("initial agrees", lambda fa, fb: (fa.first_initial or fb.first_initial) and fa.first[:1] == fb.first[:1]),
        Level("jaro-winkler >= 0.80", _jw_at_least(_first, 0.80)),
        DIFFERENT,
    ),
    present=lambda f: bool(f.first),
    tf_value=_first,
)

LAST_NAME = Comparison(
    "last_name",
    (
        Level("same spelling", lambda fa, fb: fa.last == fb.last),
        # Петров / Петрова: same family name; whether they are one person is the gender rules' call.
        Level("same stem", lambda fa, fb: fa.last_stem == fb.last_stem),
        Level("jaro-winkler >= 0.92", _jw_at_least(_last_stem, 0.92)),
        Level("jaro-winkler >= 0.80", _jw_at_least(_last_stem, 0.80)),
        DIFFERENT,
    ),
    present=lambda f: bool(f.last_stem),
    tf_value=_last_stem,
)


# ---------------------------------------------------------------- birth date


def _date_digits(birth: tuple[int, int, int]) -> str:
    return f"{birth[0]:04d}{birth[1]:02d}{birth[2]:02d}"


def _day_month_swapped(fa: Features, fb: Features) -> bool:
    a, b = fa.birth, fb.birth
    return a is not None and b is not None and a[0] == b[0] and a[1] == b[2] and a[2] == b[1]


def _one_digit_typo(fa: Features, fb: Features) -> bool:
    """One digit of YYYYMMDD differs, or two neighbouring digits are transposed (1985 / 1958)."""
    if fa.birth is None or fb.birth is None:
        return False
    sa, sb = _date_digits(fa.birth), _date_digits(fb.birth)
    diff = [i for i in range(8) if sa[i] != sb[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


def _birth_text(f: Features) -> str:
    return _date_digits(f.birth) if f.birth else ""


BIRTH_DATE = Comparison(
    "birth_date",
    (
        Level("same date", lambda fa, fb: fa.birth == fb.birth),
        Level("day and month swapped", _day_month_swapped),
        Level("one digit typo", _one_digit_typo),
        Level("same year", lambda fa, fb: fa.birth is not None and fb.birth is not None and fa.birth[0] == fb.birth[0]),
        DIFFERENT,
    ),
    present=lambda f: f.birth is not None,
    tf_value=_birth_text,  # placeholder dates (1 January 1900) are common and prove little
)


# ---------------------------------------------------------------- identifiers


def _locals(f: Features) -> frozenset[str]:
    # Canonical mailbox local parts with separators dropped: ivan.petrov@mail.ru and ivan_petrov@bk.ru meet.
    return frozenset(e.rpartition("@")[0].replace(".", "").replace("_", "").replace("-", "") for e in f.email_canon)


def _similar_local(fa: Features, fb: Features) -> bool:
    return any(
        JaroWinkler.similarity(x, y) >= 0.92 for x in _locals(fa) for y in _locals(fb) if min(len(x), len(y)) > 3
    )


def _shared_personal_email(fa: Features, fb: Features) -> bool:
    return bool((fa.emails & fb.emails) - fa.role_emails - fb.role_emails)


EMAIL = Comparison(
    "email",
    (
        Level("same address", _shared_personal_email),
        Level("same role mailbox", lambda fa, fb: bool(fa.emails & fb.emails)),  # info@, office@: a team's
        Level("same mailbox", lambda fa, fb: bool(fa.email_canon & fb.email_canon)),  # gmail dots, +tags, aliases
        Level("same local part", lambda fa, fb: bool(_locals(fa) & _locals(fb))),
        Level("similar local part", _similar_local),
        DIFFERENT,
    ),
    present=lambda f: bool(f.emails),
)


def _subscribers(f: Features) -> frozenset[str]:
    # The last seven digits: the same number typed with another country or area code, as blocking keys it.
    return frozenset(p[-7:] for p in f.phones if len(p) >= 11)


PHONE = Comparison(
    "phone",
    (
        # Phones are E.164 already (national "8 912 ..." and "+7 912 ..." are one value).
        Level("same mobile", lambda fa, fb: bool(fa.phones & fb.phones & (fa.mobiles | fb.mobiles))),
        Level("same landline", lambda fa, fb: bool(fa.phones & fb.phones)),  # a household or a switchboard
        Level("same subscriber number", lambda fa, fb: bool(_subscribers(fa) & _subscribers(fb))),
        DIFFERENT,
    ),
    present=lambda f: bool(f.phones),
)


# ---------------------------------------------------------------- address


def _postcode(f: Features) -> str:
    return f.postcode


def _city(f: Features) -> str:
    return f.city


def _street_ratio(fa: Features, fb: Features) -> float:
    return fuzz.token_set_ratio(fa.street, fb.street) / 100.0


def _same_house(fa: Features, fb: Features) -> bool:
    # A street without a house number on one side does not contradict; two different numbers do.
    numbers_agree = not (fa.street_numbers and fb.street_numbers) or bool(fa.street_numbers & fb.street_numbers)
    return numbers_agree and _street_ratio(fa, fb) >= 0.9


POSTCODE = Comparison(
    "postcode",
    (
        Level("same postcode", lambda fa, fb: fa.postcode == fb.postcode),
        Level("one edit apart", lambda fa, fb: Levenshtein.distance(fa.postcode, fb.postcode) <= 1),
        Level(
            "same district",
            lambda fa, fb: min(len(fa.postcode), len(fb.postcode)) > 3 and fa.postcode[:-2] == fb.postcode[:-2],
        ),
        DIFFERENT,
    ),
    present=lambda f: bool(f.postcode),
    tf_value=_postcode,
)

CITY = Comparison(
    "city",
    (
        Level("same city", lambda fa, fb: fa.city == fb.city),  # city_key: СПб, Питер, St Petersburg are one
        Level("jaro-winkler >= 0.90", _jw_at_least(_city, 0.90)),
        DIFFERENT,
    ),
    present=lambda f: bool(f.city),
    tf_value=_city,
)

STREET = Comparison(
    "street",
    (
        Level("same street and house", lambda fa, fb: fa.street == fb.street),  # sorted tokens, street words dropped
        Level("close street, same house", _same_house),
        Level("token set >= 0.75", lambda fa, fb: _street_ratio(fa, fb) >= 0.75),
        DIFFERENT,
    ),
    present=lambda f: bool(f.street),
)

DEFAULT_COMPARISONS: tuple[Comparison, ...] = (
    FIRST_NAME,
    LAST_NAME,
    BIRTH_DATE,
    EMAIL,
    PHONE,
    POSTCODE,
    CITY,
    STREET,
)
