"""Per-field similarities and contradictions of two records' Features, each in [0, 1]."""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from hygiene.features import Features


def _given_sim(a: str, a_groups: frozenset[str], a_init: bool, b: str, b_groups: frozenset[str], b_init: bool) -> float:
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


def name_part(fa: Features, fb: Features) -> tuple[float | None, bool, bool]:
    """(similarity, first names contradict, surnames contradict); tolerant of swapped order."""
    first = (
        _given_sim(fa.first, fa.first_groups, fa.first_initial, fb.first, fb.first_groups, fb.first_initial)
        if fa.first and fb.first
        else None
    )
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


def gender_conflict(fa: Features, fb: Features) -> bool:
    """Gender contradicts on like-for-like evidence only: field vs field, Петров vs Петрова, Иванович vs
    Ивановна, Наташа vs Саша-the-man. Mixed evidence (a field against a surname ending) is too noisy."""
    return (
        _differ(fa.explicit_gender, fb.explicit_gender)
        or (fa.last_stem == fb.last_stem and _differ(fa.last_gender, fb.last_gender))
        or _differ(fa.middle_gender, fb.middle_gender)
        or _differ(fa.given_gender, fb.given_gender)
    )


def birth_sim(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[float, bool]:
    """(similarity, contradiction): day/month swaps and one-digit typos are tolerated."""
    if a == b:
        return 1.0, False
    if a[0] == b[0] and a[1] == b[2] and a[2] == b[1]:
        return 0.85, False
    sa, sb = f"{a[0]:04d}{a[1]:02d}{a[2]:02d}", f"{b[0]:04d}{b[1]:02d}{b[2]:02d}"
    diff = [i for i in range(8) if sa[i] != sb[i]]
    if len(diff) == 1 or (
        len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]
    ):
        return 0.7, False
    if a[1:] == (1, 1) or b[1:] == (1, 1):
        # 1 January is the usual placeholder when only the year is known.
        return (0.6 if a[0] == b[0] else 0.0), False
    return 0.0, True


def address_sim(fa: Features, fb: Features) -> float | None:
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


def email_sim(fa: Features, fb: Features) -> tuple[float, float]:
    """(similarity, weight factor): a shared role inbox (info@, office@) agrees but proves little."""
    shared = fa.emails & fb.emails
    if shared:
        return (1.0, 0.2) if shared <= (fa.role_emails | fb.role_emails) else (1.0, 1.0)
    return (0.95, 1.0) if fa.email_canon & fb.email_canon else (0.0, 1.0)


def phone_sim(fa: Features, fb: Features) -> tuple[float, float]:
    """(similarity, weight factor): a shared landline is a household or an office switchboard."""
    shared = fa.phones & fb.phones
    if not shared:
        return 0.0, 1.0
    return (1.0, 1.0) if shared & (fa.mobiles | fb.mobiles) else (1.0, 0.35)


# ---------------------------------------------------------------- scoring
