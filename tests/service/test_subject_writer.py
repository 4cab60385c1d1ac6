"""One create-or-update path: the same rows through the API (one at a time) and through import (in a batch)
give the same subjects, counted the same way."""

from __future__ import annotations

import json

import pytest

from compliance.store.models import BlindIndex, Subject
from compliance.subjects.candidates import MergeCandidate
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
        # only Anna's phone (written another way) and a new email: a phone is shared, so someone new, queued
        {"phone": f"8 912 {digit}00-00-02", "email": f"anna@{tag}.example", "last_name": "Орлова"},
        # nothing new: unchanged
        {"email": f"ivan@{tag}.example"},
        # Ivan's email and Anna's phone: updates Ivan (the email names him), queues him with both phone holders
        {"email": f"ivan@{tag}.example", "phone": f"+7912{digit}000002"},
        # a new person with a phone that is possible but not valid: lands, flagged
        {"first_name": "Олег", "phone": f"+7300000000{digit}", "external_id": f"{tag}-3"},
    ]


def through_api(svc, admin) -> list[str]:
    outcomes = []
    for row in rows("api"):
        _, created = upsert(svc, admin, row, source="crm")
        outcomes.append("created" if created else "updated")
    return outcomes


def subjects_of(tag: str) -> list[tuple]:
    """Every subject of one run, its identifiers written without the tag, with its index rows."""
    out = []
    for subject in Subject.select().order_by(Subject.created_at, Subject.id):
        profile = profile_of(subject)
        # An import writes the rows of one person in a canonical order, not the file's: which spelling of an
        # email came first (and so leads the list) may differ from the API's one-at-a-time order.
        profile = {k: sorted(v.lower() for v in profile[k]) if isinstance(v := profile[k], list) else v
                   for k in profile}
        text = json.dumps(profile, ensure_ascii=False, sort_keys=True)
        digit = {"api": "1", "imp": "2"}[tag]
        if tag not in text and f"+7912{digit}" not in text:
            continue
        text = text.replace(tag, "T").replace(f"+7912{digit}", "+7912X").replace(f"+7300000000{digit}", "+7300X")
        indexes = BlindIndex.select().where(BlindIndex.subject_id == subject.id).count()
        out.append((text, subject.kind, subject.source, subject.flags, subject.marketing_suppressed, indexes))
    return sorted(out)


def candidate_reasons(tag: str) -> list[list[str]]:
    """Reasons of the open candidates between subjects of one run."""
    digit = {"api": "1", "imp": "2"}[tag]
    ours = {s.id for s in Subject.select() if tag in (t := json.dumps(profile_of(s))) or f"+7912{digit}" in t}
    return sorted(
        json.loads(c.reasons) for c in MergeCandidate.select() if c.a_id in ours and c.b_id in ours
    )


@pytest.mark.parametrize("batch_size", [1, 100])
def test_api_and_import_write_the_same_subjects(svc, admin, batch_size):
    api = through_api(svc, admin)
    report = Importer(svc, admin, source="crm", batch_size=batch_size).run(rows("imp"))
    assert api == ["created", "created", "updated", "created", "updated", "updated", "created"]
    assert (report.imported, report.updated + report.unchanged, report.rejected, report.review) == (4, 3, 0, 1)
    assert report.errors == []
    assert subjects_of("api") == subjects_of("imp")
    assert len(subjects_of("api")) == 4
    assert candidate_reasons("api") == candidate_reasons("imp") == [["identity.shared_phone"]] * 3
    [oleg] = [s for s in subjects_of("imp") if "Олег" in s[0]]
    assert json.loads(oleg[3]) == [{"field": "phone", "code": "phone.invalid"}]
