"""One create-or-update path: the same rows through the API (one at a time) and through import (in a batch)
give the same subjects, counted the same way."""

from __future__ import annotations

import json

import pytest

from compliance.errors import Conflict
from compliance.store.models import BlindIndex, Subject
from compliance.subjects.importer import Importer
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import profile_of


def rows(tag: str) -> list[dict]:
    """The same story for each tag; identifiers differ by tag so both runs share one store."""
    digit = {"api": "1", "imp": "2"}[tag]
    return [
        {"external_id": f"{tag}-1", "first_name": "Иван", "last_name": "Петров", "email": f"ivan@{tag}.example"},
        {"first_name": "Анна", "phone": f"+7912{digit}000002", "city": "Казань"},
        # update by email: adds a phone and a city, keeps the name
        {"email": f"IVAN@{tag}.example", "phone": f"+7912{digit}000001", "city": "Москва"},
        # update by phone, adds an email; the phone is written another way
        {"phone": f"8 912 {digit}00-00-02", "email": f"anna@{tag}.example", "last_name": "Орлова"},
        # nothing new: unchanged
        {"email": f"ivan@{tag}.example"},
        # points at both Ivan and Anna: ambiguous, left for review
        {"email": f"ivan@{tag}.example", "phone": f"+7912{digit}000002"},
        # a new person with a phone that is possible but not valid: lands, flagged
        {"first_name": "Олег", "phone": f"+7300000000{digit}", "external_id": f"{tag}-3"},
    ]


def through_api(svc, admin) -> list[str]:
    outcomes = []
    for row in rows("api"):
        try:
            _, created = upsert(svc, admin, row, source="crm")
            outcomes.append("created" if created else "updated")
        except Conflict:
            outcomes.append("ambiguous")
    return outcomes


def subjects_of(tag: str) -> list[tuple]:
    """Every subject of one run, its identifiers written without the tag, with its index rows."""
    out = []
    for subject in Subject.select().order_by(Subject.created_at, Subject.id):
        text = json.dumps(profile_of(subject), ensure_ascii=False, sort_keys=True)
        if tag not in text:
            continue
        digit = {"api": "1", "imp": "2"}[tag]
        text = text.replace(tag, "T").replace(f"+7912{digit}", "+7912X").replace(f"+7300000000{digit}", "+7300X")
        indexes = BlindIndex.select().where(BlindIndex.subject_id == subject.id).count()
        out.append((text, subject.kind, subject.source, subject.flags, subject.marketing_suppressed, indexes))
    return sorted(out)


@pytest.mark.parametrize("batch_size", [1, 100])
def test_api_and_import_write_the_same_subjects(svc, admin, batch_size):
    api = through_api(svc, admin)
    report = Importer(svc, admin, source="crm", batch_size=batch_size).run(rows("imp"))
    assert api == ["created", "created", "updated", "updated", "updated", "ambiguous", "created"]
    assert (report.imported, report.updated + report.unchanged, report.rejected) == (3, 3, 1)
    # The API counts the unchanged repeat as an update (and rewrites it); an import counts it unchanged, unless
    # the subject was created earlier in the same batch (then the batch's one insert carries it).
    assert report.unchanged == (1 if batch_size == 1 else 0)
    assert report.errors == [{"row": 6, "field": "row", "code": "row.ambiguous_match"}]
    assert subjects_of("api") == subjects_of("imp")
    assert len(subjects_of("api")) == 3
    [oleg] = [s for s in subjects_of("imp") if "Олег" in s[0]]
    assert json.loads(oleg[3]) == [{"field": "phone", "code": "phone.invalid"}]
