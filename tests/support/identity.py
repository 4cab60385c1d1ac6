"""Helpers of the identity acceptance tests: a clean store between runs, and live subjects and queued merge
candidates as plain data that can be compared up to ids.

HOUSEHOLD is a fixed list of rows mixing relatives, colleagues, a role mailbox, spouses, a namesake and
variants of the same person. It is built so that the right outcome does not depend on row order or batch
size: every row of a person carries the identifier its group shares (so whichever member comes second meets
the first), every variant row brings one value no other row of that person has (so a variant that is not the
first always counts as an update), and two forms of one value differ in quality (Иван over Ваня over И.,
written out over abbreviated), never only in spelling (Ivan and Иван are equivalent, so the first one stored
stays: legitimately order-dependent, and covered by the scenario tests instead).
"""

from __future__ import annotations

import json
from typing import Any

from compliance.store.models import BlindIndex, DataKey, Subject
from compliance.subjects import candidates
from compliance.subjects.history import SubjectHistory
from compliance.subjects.shape import profile_of
from hygiene.profile import SINGULAR

HOME_PHONE = "+74951234567"  # the Петровs' landline
SWITCHBOARD = "+74959876543"  # ООО «Ромашка»

FATHER = {"external_id": "crm-101", "first_name": "Иван", "middle_name": "Сергеевич", "last_name": "Петров",
          "birth_date": "1960-03-15", "gender": "м", "email": "ivan.s.petrov@mail.ru",
          "phone": "+7 495 123-45-67", "street": "ул. Ленина, 5", "city": "Москва"}
FATHER_INITIALS = {"first_name": "И.", "middle_name": "С.", "last_name": "Петров", "email": "ivan.s.petrov@mail.ru",
                   "phone": "8 (495) 123-45-67", "position": "Главный инженер"}
SON = {"external_id": "crm-102", "first_name": "Иван", "middle_name": "Иванович", "last_name": "Петров",
       "birth_date": "1988-09-02", "email": "vanya.petrov@gmail.com", "phone": HOME_PHONE,
       "street": "ул. Ленина, 5", "city": "Москва"}
SON_DIMINUTIVE = {"first_name": "Ваня", "last_name": "Петров", "email": "vanya.petrov@gmail.com",
                  "phone": "84951234567", "gender": "м"}
SON_LATIN = {"first_name": "Vanya", "email": "vanya.petrov@gmail.com", "phone": HOME_PHONE, "position": "Инженер"}
ANNA = {"first_name": "Анна", "last_name": "Кузнецова", "email": "a.kuznetsova@romashka.ru",
        "phone": "+7 (495) 987-65-43", "company": "ООО «Ромашка»", "position": "Главный бухгалтер"}
ANNA_SHORT = {"first_name": "А.", "last_name": "Кузнецова", "email": "a.kuznetsova@romashka.ru",
              "phone": "8-495-987-65-43", "position": "Гл. бухгалтер", "city": "Москва"}
DMITRY = {"first_name": "Дмитрий", "last_name": "Соколов", "email": "d.sokolov@romashka.ru",
          "phone": SWITCHBOARD, "company": "ООО «Ромашка»", "position": "Менеджер"}
ELENA = {"first_name": "Елена", "last_name": "Волкова", "email": "e.volkova@romashka.ru", "phone": SWITCHBOARD,
         "company": "ООО «Ромашка»"}
# Two people with one first name writing from a role mailbox: only the role-mailbox rule keeps them apart.
INFO_ANNA_M = {"first_name": "Анна", "last_name": "Морозова", "email": "info@vektor.ru", "city": "Казань"}
INFO_ANNA_L = {"first_name": "Анна", "last_name": "Лебедева", "email": "info@vektor.ru", "position": "Секретарь"}
OLGA = {"external_id": "crm-201", "first_name": "Ольга", "last_name": "Смирнова", "email": "smirnovy@yandex.ru",
        "phone": "+79161112233"}
OLYA = {"first_name": "Оля", "last_name": "Смирнова", "email": "smirnovy@yandex.ru", "birth_date": "1986-04-12"}
PETR = {"first_name": "Пётр", "last_name": "Смирнов", "email": "smirnovy@yandex.ru", "phone": "+79164445566"}
NAMESAKE = {"first_name": "Иван", "last_name": "Петров", "email": "ivan.petrov.spb@gmail.com",
            "phone": "+79215550011", "city": "Санкт-Петербург"}

HOUSEHOLD: list[dict[str, str]] = [
    FATHER, FATHER_INITIALS, SON, SON_DIMINUTIVE, SON_LATIN,
    ANNA, ANNA_SHORT, DMITRY, ELENA,
    INFO_ANNA_M, INFO_ANNA_L,
    OLGA, OLYA, PETR,
    NAMESAKE,
]

# Everything an identity decision reads or writes; cleared between runs that share one store.
IDENTITY_TABLES = (SubjectHistory, candidates.MergeCandidate, BlindIndex, DataKey, Subject)


def clear_store() -> None:
    """Delete every subject, its keys, blind indexes, history and merge candidates."""
    for model in IDENTITY_TABLES:
        model.delete().execute()


def live_subjects() -> list[Subject]:
    """Subjects neither erased nor merged away."""
    query = Subject.select().where(Subject.erased_at.is_null() & Subject.merged_into.is_null())
    return list(query.order_by(Subject.id))


def profiles() -> dict[str, dict[str, Any]]:
    """Subject id -> decrypted profile, for every live subject."""
    return {s.id: profile_of(s) for s in live_subjects()}


def the_one(**match: str) -> tuple[str, dict[str, Any]]:
    """The single live subject whose profile has these values (email=, phone=: the list holds the value)."""
    found = [(sid, p) for sid, p in profiles().items() if all(_has(p, k, v) for k, v in match.items())]
    assert len(found) == 1, f"{len(found)} live subjects match {sorted(match)}"
    return found[0]


def _has(profile: dict[str, Any], key: str, value: str) -> bool:
    held = profile.get(SINGULAR.get(key, key))
    return value in held if isinstance(held, list) else held == value


def open_candidates() -> list:
    """Open merge candidates, in a stable order."""
    model = candidates.MergeCandidate
    return list(model.select().where(model.status == "open").order_by(model.a_id, model.b_id, model.id))


def reasons_by_pair() -> dict[frozenset[str], list[str]]:
    """Unordered pair of subject ids -> reason codes of its open candidate (fails on a duplicate candidate)."""
    out: dict[frozenset[str], list[str]] = {}
    for cand in open_candidates():
        pair = frozenset((cand.a_id, cand.b_id))
        assert len(pair) == 2, "a candidate pairs a subject with itself"
        assert pair not in out, "the same pair is queued twice"
        out[pair] = sorted(json.loads(cand.reasons))
    return out


def canonical(profile: dict[str, Any]) -> str:
    """A profile as sorted JSON, list values sorted (their order follows which row came first)."""
    flat = {k: sorted(v) if isinstance(v, list) else v for k, v in profile.items()}
    return json.dumps(flat, ensure_ascii=False, sort_keys=True, default=str)


def snapshot() -> tuple[list[str], list[tuple[tuple[str, str], list[str]]]]:
    """Live subjects and open candidates up to ids: sorted canonical profiles, and (profile pair, reasons)."""
    by_id = {sid: canonical(p) for sid, p in profiles().items()}
    pairs = []
    for pair, reasons in reasons_by_pair().items():
        a, b = sorted(by_id.get(sid, f"<not live: {sid}>") for sid in pair)
        pairs.append(((a, b), reasons))
    return sorted(by_id.values()), sorted(pairs)


def counters(report) -> dict[str, int]:
    """The counters of an import report."""
    names = ("imported", "updated", "unchanged", "rejected", "suppressed", "review")
    return {name: getattr(report, name) for name in names}
