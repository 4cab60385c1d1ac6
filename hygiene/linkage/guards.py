"""Hard negatives on top of the model: contradictions that tell relatives, colleagues and namesakes apart.

A Fellegi-Sunter model treats fields as independent, and the people who look alike break exactly that: a family
shares an address, a postcode, a street and a landline, so a mother and her daughter collect four agreements
that the model counts four times. These rules read the contradictions the scorer finds (hygiene.score: birth
dates, genders, patronymics, given names and surnames that cannot be typos of each other) and the pair's
comparison levels, and veto a pair whatever its probability:

- gender: Петров / Петрова, a husband and a wife, Саша the man and Саша the woman;
- patronymic: a father and a son with one first name (Иван Петрович / Иван Иванович);
- birth date and a name: another person of the family or a namesake;
- birth dates a generation apart (15 years or more, and another birthday: a wrong year under the right day and
  month is a typo): a father and a son, a mother and a daughter, even when they share a phone and an address;
- birth date without shared contact: namesakes, who share a name but no address, phone or mailbox;
- given name or surname without an identifier of one person (the same personal mailbox, mobile or messenger
  id, or the same birth date): relatives sharing a landline, colleagues sharing an office phone and a company
  domain; the birth date does not count for one family name at one address when the given names are more
  than a typo apart, which is what twins are;
- both names different and no identifier of one person: strangers sharing a birthday or a city;
- names only: nothing besides the name agrees (no date, mailbox, phone, postcode or street), which is what
  namesakes look like.

Each rule returns the reason shown in the pair's explanation.

Automatic merges ask for more than a probability: `corroboration` counts the independent facts beyond the name
that agree (the same birth date, personal mailbox, mobile, or address), and hygiene.dedupe merges only on two.
One shared mailbox is not enough on its own: namesakes mistype or share one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rapidfuzz.distance import Levenshtein

from hygiene.features import Features
from hygiene.linkage.levels import DEFAULT_COMPARISONS, Comparison, Gamma

# Levels (by field) that count as evidence, grouped by what they prove. Names, not indices, so a new level
# in levels.py does not silently shift a rule.
_PERSONAL = {
    "email": ("same address", "same mailbox"),
    "phone": ("same mobile",),
}
_BIRTH = {"birth_date": ("same date", "day and month swapped", "one digit typo")}
_CONTACT = {
    "email": ("same address", "same mailbox"),
    "phone": ("same mobile", "same landline"),
    "postcode": ("same postcode",),
    "street": ("same street and house", "close street, same house"),
}
# Anything beyond the name; mailbox local parts do not count (they are usually made of the name).
_BEYOND_NAME = {
    "birth_date": ("same date", "day and month swapped", "one digit typo"),
    "email": ("same address", "same mailbox"),
    "phone": ("same mobile", "same landline", "same subscriber number"),
    "postcode": ("same postcode", "one edit apart"),
    "street": ("same street and house", "close street, same house", "token set >= 0.75"),
}
_CORROBORATING = (
    {"birth_date": ("same date",)},
    {"email": ("same address", "same mailbox")},
    {"phone": ("same mobile",)},
    {"postcode": ("same postcode",), "street": ("same street and house", "close street, same house")},
)
_HOUSEHOLD = {
    "last_name": ("same spelling", "same stem"),
}
_ADDRESS = {
    "postcode": ("same postcode",),
    "street": ("same street and house", "close street, same house"),
    "phone": ("same landline",),
}
GENERATION_YEARS = 15
# Twins' given names are two names (Алексей / Андрей), not one name mistyped (Michael / Micheal): edits apart.
TWIN_EDITS = 3
REASONS = (
    "gender",
    "patronymic",
    "birth_date_and_name",
    "generation",
    "birth_date",
    "twins",
    "names",
    "first_name",
    "last_name",
    "names_only",
)


class Guards:
    """The hard-negative rules for one list of comparisons (level names resolved to indices once)."""

    __slots__ = ("_personal", "_birth", "_household", "_address", "_contact", "_beyond", "_corroborating")

    def __init__(self, comparisons: Sequence[Comparison] = DEFAULT_COMPARISONS) -> None:
        self._personal = _resolve(comparisons, _PERSONAL)
        self._birth = _resolve(comparisons, _BIRTH)
        self._household = _resolve(comparisons, _HOUSEHOLD)
        self._address = _resolve(comparisons, _ADDRESS)
        self._contact = _resolve(comparisons, _CONTACT)
        self._beyond = _resolve(comparisons, _BEYOND_NAME)
        self._corroborating = tuple(_resolve(comparisons, kind) for kind in _CORROBORATING)

    def corroboration(self, gamma: Gamma) -> int:
        """How many independent facts beyond the name agree: birth date, mailbox, mobile, address (0 to 4)."""
        return sum(_any(gamma, kind) for kind in self._corroborating)

    def veto(
        self, conflicts: Collection[str], gamma: Gamma, fa: Features, fb: Features, *, messenger: bool = False
    ) -> str | None:
        """The reason a pair is two people whatever the model says, or None (`messenger`: a shared messenger
        id, which the comparisons do not cover)."""
        if "gender" in conflicts:
            return "gender"
        if "middle_name" in conflicts:
            return "patronymic"
        names = "first_name" in conflicts or "last_name" in conflicts
        if "birth_date" in conflicts:
            if names:
                return "birth_date_and_name"
            if fa.birth and fb.birth and _generation_apart(fa.birth, fb.birth):
                return "generation"
            if not (_any(gamma, self._contact) or messenger):
                return "birth_date"
        if names and not (_any(gamma, self._personal) or messenger):
            if "first_name" in conflicts and "last_name" in conflicts:
                return "names"  # neither name is the other's: a birthday or a city shared by chance
            if not _any(gamma, self._birth):
                return "first_name" if "first_name" in conflicts else "last_name"
            if (
                "first_name" in conflicts
                and Levenshtein.distance(fa.first, fb.first) >= TWIN_EDITS
                and _any(gamma, self._household)
                and _any(gamma, self._address)
            ):
                return "twins"
        if not (_any(gamma, self._beyond) or messenger):
            return "names_only"
        return None


def _generation_apart(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    """Years a generation apart and another day of the year: a wrong year under the right birthday is a typo."""
    return abs(a[0] - b[0]) >= GENERATION_YEARS and sorted(a[1:]) != sorted(b[1:])


def _resolve(
    comparisons: Sequence[Comparison], wanted: dict[str, tuple[str, ...]]
) -> tuple[tuple[int, frozenset[int]], ...]:
    out = []
    for index, comparison in enumerate(comparisons):
        names = wanted.get(comparison.field)
        if names:
            levels = frozenset(k for k, level in enumerate(comparison.levels) if level.name in names)
            if len(levels) != len(names):
                raise ValueError(f"guards name a level {comparison.field} does not have: {names}")
            out.append((index, levels))
    return tuple(out)


def _any(gamma: Gamma, levels: tuple[tuple[int, frozenset[int]], ...]) -> bool:
    return any(gamma[index] in allowed for index, allowed in levels)
