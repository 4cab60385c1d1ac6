"""Consent decisions: the one loader every reader uses (single check, bulk check, audience, export) and the rule.

`load` answers, for subject ids, the subject each id names today (a merged-away id followed to its survivor)
and that subject's state row for one purpose and channel; `decide` turns one such pair into a decision.
`check`, `check_many` and `compliance.consent.audience` are thin readers over these two, so they cannot disagree.

A check is the hot path: the loader builds its SQL once per shape from the model definitions (one LEFT JOIN
of the subject row and the state row on its unique key) and returns only the columns a decision reads,
converted by the fields' own python_value, instead of letting peewee rebuild queries and model instances.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from compliance.access.actor import Actor
from compliance.consent.counters import counter
from compliance.consent.ledger import MAX_MERGE_HOPS, channel_of, effective, purpose_spec, resolve
from compliance.consent.models import ConsentState
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.errors import Invalid
from compliance.ids import has_prefix
from compliance.policy.purposes import Purpose
from compliance.store.bulk import reader
from compliance.store.models import Subject
from compliance.subjects.lookup import suppressed_scope
from compliance.subjects.shape import profile_of

CHUNK = 900  # ids per query: under SQLite's default limit of host parameters
_SUBJECT_COLUMNS = (
    Subject.id,
    Subject.restricted,
    Subject.erased_at,
    Subject.marketing_suppressed,
    Subject.merged_into,
)
_CONVERT = tuple(reader(c) for c in (*_SUBJECT_COLUMNS, ConsentState.state, ConsentState.expires_at))
_SQL_BY_SHAPE: dict[tuple, str] = {}
State = namedtuple("State", "state expires_at")


class Person:
    """The subject columns a decision reads; the whole row (birth date) is loaded only if a decision needs it."""

    __slots__ = ("id", "restricted", "erased_at", "marketing_suppressed", "merged_into", "_full")

    def __init__(self, row: tuple):
        self.id, self.restricted, self.erased_at, self.marketing_suppressed, self.merged_into = row
        self._full: Subject | None = None

    def _row(self) -> Subject:
        if self._full is None:
            self._full = Subject.get(Subject.id == self.id)
        return self._full

    @property
    def pii(self) -> Any:
        return self._row().pii

    @property
    def extra(self) -> Any:
        return self._row().extra


Loaded = tuple[Person | None, State | None]


def _sql(mark: str, n: int) -> str:
    sql = _SQL_BY_SHAPE.get((mark, n))
    if sql is None:
        names = ", ".join(f's."{c.column_name}"' for c in _SUBJECT_COLUMNS)
        # Table and column names come from the model definitions, never from input; values are parameters.
        sql = (
            f'SELECT {names}, c."{ConsentState.state.column_name}", c."{ConsentState.expires_at.column_name}" '  # noqa: S608
            f'FROM "{Subject._meta.table_name}" AS s LEFT JOIN "{ConsentState._meta.table_name}" AS c '
            f'ON c."{ConsentState.subject_id.column_name}" = s."{Subject.id.column_name}" '
            f'AND c."{ConsentState.purpose.column_name}" = {mark} AND c."{ConsentState.channel.column_name}" = {mark} '
            f'WHERE s."{Subject.id.column_name}" IN ({", ".join([mark] * n)})'
        )
        _SQL_BY_SHAPE[(mark, n)] = sql
    return sql


def _fetch(purpose: str, channel: str, ids: list[str], into: dict[str, Loaded]) -> None:
    db = Subject._meta.database
    bound = getattr(db, "obj", None) or db  # the database behind the proxy: one attribute hop less per call
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        cursor = bound.execute_sql(_sql(db.param, len(chunk)), (purpose, channel, *chunk))
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        for raw in rows:
            # python_value maps None to None for every one of these fields: convert only the values present.
            row = tuple(v if v is None else f(v) for f, v in zip(_CONVERT, raw, strict=True))
            into[row[0]] = (Person(row[:5]), State(row[5], row[6]) if row[5] is not None else None)  # NOT NULL


def load(purpose: Purpose, channel: str, subject_ids: Sequence[str]) -> dict[str, Loaded]:
    """For each id: the subject it names today (merged-away ids followed to their survivor) and that subject's
    state row for the purpose and channel; (None, None) for an unknown id."""
    unique = list(dict.fromkeys(subject_ids))
    found: dict[str, Loaded] = {}
    _fetch(purpose.id, channel, unique, found)
    answer = {sid: found.get(sid, (None, None)) for sid in unique}
    following = {sid: p.merged_into for sid, (p, _) in answer.items() if p is not None and p.merged_into}
    for _ in range(MAX_MERGE_HOPS):
        if not following:
            break
        _fetch(purpose.id, channel, [t for t in dict.fromkeys(following.values()) if t not in found], found)
        answer.update({sid: found.get(target, (None, None)) for sid, target in following.items()})
        following = {sid: p.merged_into for sid in following if (p := answer[sid][0]) is not None and p.merged_into}
    if purpose.default == "granted" and purpose.minimum_age:
        # The decision reads the birth date of people with no state of their own: whole rows, in bulk.
        people = {p.id: p for p, s in answer.values() if p is not None and s is None and p.erased_at is None}
        ids = sorted(people)
        for start in range(0, len(ids), CHUNK):
            for row in Subject.select().where(Subject.id.in_(ids[start : start + CHUNK])):
                people[row.id]._full = row
    return answer


def _age_on(birth: str | None, today: date) -> int | None:
    if not birth:
        return None
    try:
        born = date.fromisoformat(str(birth)[:10])
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def decide(
    svc,
    purpose: Purpose,
    channel: str,
    person: Subject | Person | None,
    state_row: ConsentState | State | None,
    identifier_scope: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The decision for one subject (pure apart from reading the birth date for minimum-age purposes)."""
    out = {"purpose": purpose.id, "channel": channel}
    if identifier_scope == "all" or (identifier_scope == "marketing" and purpose.marketing):
        return {**out, "allowed": False, "state": "suppressed"}
    if person is None:
        return {**out, "allowed": False, "state": "none"}
    if person.erased_at is not None:
        return {**out, "allowed": False, "state": "suppressed", "subject": person.id}
    out["subject"] = person.id
    if person.restricted:
        return {**out, "allowed": False, "state": "restricted"}
    if person.marketing_suppressed and purpose.marketing:
        return {**out, "allowed": False, "state": "suppressed"}
    if now is None:
        now = svc.clock.now()
    if state_row is not None:
        state = effective(state_row.state, state_row.expires_at, now)
        return {**out, "allowed": state == "granted", "state": state}
    if purpose.default == "granted":
        if purpose.minimum_age:
            age = _age_on(profile_of(person).get("birth_date"), now.date())
            if age is not None and age < purpose.minimum_age:
                return {**out, "allowed": False, "state": "none", "reason": "minor"}
        return {**out, "allowed": True, "state": "none", "basis": purpose.legal_basis}
    return {**out, "allowed": False, "state": "none"}


def check(
    svc,
    actor: Actor,
    *,
    purpose: str,
    channel: str | None = None,
    subject: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    """May this purpose be used for this person on this channel right now? Unknown people answer none."""
    actor.require("consent:check")
    spec = purpose_spec(svc, purpose)
    chan = channel_of(spec, channel)
    scope = None
    if subject and not email and not phone and has_prefix(subject, "sub"):
        sid = subject  # the common case: the loader follows a merge itself, in the same query shape
    else:
        if email or phone:
            scope = suppressed_scope(svc, [(EMAIL if email else PHONE, email or phone)])
        found = resolve(svc, subject, email, phone)
        sid = found.id if found is not None else None
    person, state_row = load(spec, chan, [sid])[sid] if sid else (None, None)
    now = svc.clock.now()  # one instant for the count and the decision
    counter(svc).add(svc, actor.principal_id, spec.id, at=now)
    return decide(svc, spec, chan, person, state_row, scope, now=now)


def check_many(svc, actor: Actor, *, purpose: str, subjects: list[str], channel: str | None = None) -> list[dict]:
    """Decisions for many subject ids, each answered under the id asked for."""
    actor.require("consent:check")
    if len(subjects) > svc.settings.max_bulk_checks:
        raise Invalid(
            f"at most {svc.settings.max_bulk_checks} subjects per call",
            errors=[{"field": "subjects", "code": "subjects.too_many"}],
        )
    spec = purpose_spec(svc, purpose)
    chan = channel_of(spec, channel)
    bad = [i for i, s in enumerate(subjects) if not has_prefix(s, "sub")]
    if bad:
        raise Invalid(
            "subjects must be sub_… ids",
            errors=[{"field": f"subjects.{i}", "code": "subject.format"} for i in bad[:20]],
        )
    loaded = load(spec, chan, subjects)
    now = svc.clock.now()  # one instant for the whole batch
    counter(svc).add(svc, actor.principal_id, spec.id, len(subjects), at=now)
    results = []
    for sid in subjects:
        result = decide(svc, spec, chan, *loaded[sid], now=now)
        result["subject"] = sid
        results.append(result)
    return results
