"""One decision loader: single check, bulk check, audience filter, export and the HTTP check agree on every state.

Regression for issue 11: after B was merged into A and A withdrew, `check(subject=B)` said not allowed while
the bulk check of [B] (which read B's own, stale state row) said allowed.
"""

from __future__ import annotations

import csv

import pytest

from compliance.consent import decisions, ledger, signals
from compliance.consent.audience import audience_filter, export_subjects
from compliance.ids import new_id
from compliance.stewardship import merges
from compliance.store.models import Subject
from compliance.subjects.profiles import upsert
from tests.support.api_helpers import auth

PURPOSE = "sms_marketing"


def _person(svc, admin, name: str) -> str:
    sid, _ = upsert(svc, admin, {"first_name": name, "email": f"{name.lower()}@example.com"})
    return sid


def _grant(svc, admin, sid: str) -> None:
    ledger.record(svc, admin, subject=sid, purpose=PURPOSE, action="grant", source="shop")


def _withdraw(svc, admin, sid: str) -> None:
    ledger.record(svc, admin, subject=sid, purpose=PURPOSE, action="withdraw", source="shop")


# Each builder makes one world and returns (the id readers are asked about, the id it names today or None).
def live_granted(svc, admin):
    sid = _person(svc, admin, "Anna")
    _grant(svc, admin, sid)
    return sid, sid


def live_nothing_recorded(svc, admin):
    sid = _person(svc, admin, "Boris")
    return sid, sid


def live_withdrawn(svc, admin):
    sid = _person(svc, admin, "Vera")
    _grant(svc, admin, sid)
    _withdraw(svc, admin, sid)
    return sid, sid


def merged_away_survivor_granted(svc, admin):
    a, b = _person(svc, admin, "Gleb"), _person(svc, admin, "Glebushka")
    _grant(svc, admin, a)  # b never consented on its own record: its answer comes from the survivor
    merges.merge(svc, admin, a, b)
    return b, a


def merged_away_survivor_withdrawn(svc, admin):
    a, b = _person(svc, admin, "Denis"), _person(svc, admin, "Den")
    _grant(svc, admin, a)
    _grant(svc, admin, b)
    merges.merge(svc, admin, a, b)
    svc.clock.advance(hours=1)
    _withdraw(svc, admin, b)  # addressed to the merged-away id: lands on the survivor
    _withdraw(svc, admin, a)
    return b, a


def merged_away_twice(svc, admin):
    a, b, c = _person(svc, admin, "Egor"), _person(svc, admin, "Egorka"), _person(svc, admin, "Zhora")
    _grant(svc, admin, b)
    merges.merge(svc, admin, b, c)  # c lives in b, which later lives in a
    svc.clock.advance(minutes=1)
    merges.merge(svc, admin, a, b)
    _withdraw(svc, admin, a)
    return c, a


def erased(svc, admin):
    sid = _person(svc, admin, "Zoya")
    _grant(svc, admin, sid)
    Subject.update(erased_at=svc.clock.now()).where(Subject.id == sid).execute()
    return sid, None


def restricted(svc, admin):
    sid = _person(svc, admin, "Igor")
    _grant(svc, admin, sid)
    Subject.update(restricted=True).where(Subject.id == sid).execute()
    return sid, sid


def marketing_suppressed(svc, admin):
    # The flag an import or merge sets when an identifier is on the objection list; the grant itself stands.
    sid = _person(svc, admin, "Kira")
    _grant(svc, admin, sid)
    Subject.update(marketing_suppressed=True).where(Subject.id == sid).execute()
    return sid, sid


def objected(svc, admin):
    sid = _person(svc, admin, "Lev")
    _grant(svc, admin, sid)
    signals.object_to_marketing(svc, admin, sid)
    return sid, sid


def unknown_id(svc, admin):
    _person(svc, admin, "Mila")
    return new_id("sub"), None


TABLE = [
    (live_granted, True, "granted"),
    (live_nothing_recorded, False, "none"),
    (live_withdrawn, False, "withdrawn"),
    (merged_away_survivor_granted, True, "granted"),
    (merged_away_survivor_withdrawn, False, "withdrawn"),
    (merged_away_twice, False, "withdrawn"),
    (erased, False, "suppressed"),
    (restricted, False, "restricted"),
    (marketing_suppressed, False, "suppressed"),
    (objected, False, "suppressed"),
    (unknown_id, False, "none"),
]


@pytest.mark.parametrize(("build", "allowed", "state"), TABLE, ids=[row[0].__name__ for row in TABLE])
def test_every_reader_gives_the_same_right_answer(svc, admin, client, keys, tmp_path, build, allowed, state):
    asked, names = build(svc, admin)
    single = decisions.check(svc, admin, purpose=PURPOSE, subject=asked)
    bulk = decisions.check_many(svc, admin, purpose=PURPOSE, subjects=[asked])[0]
    http = client.get(f"/v1/consent/check?purpose={PURPOSE}&subject={asked}", headers=auth(keys["app"]))
    assert http.status_code == 200, http.get_json()
    out = tmp_path / "audience.csv"
    export_subjects(svc, admin, out, purpose=PURPOSE)
    with out.open(encoding="utf-8") as fh:
        exported = {row["id"] for row in csv.DictReader(fh)}
    answers = {
        "check": (single["allowed"], single["state"]),
        "check_many": (bulk["allowed"], bulk["state"]),
        "http": (http.get_json()["allowed"], http.get_json()["state"]),
        "audience": asked in audience_filter(svc, PURPOSE, None)([asked]),
        # The export lists live subjects: the person asked about appears under the id they live under today.
        "export": names is not None and names in exported,
    }
    assert answers == {
        "check": (allowed, state),
        "check_many": (allowed, state),
        "http": (allowed, state),
        "audience": allowed,
        "export": allowed,
    }
    assert bulk["subject"] == asked  # bulk answers stay keyed by the id the caller sent
    assert single.get("subject") == (asked if build is erased else names)  # the subject the answer is about


def test_confirming_a_sign_up_after_its_record_was_merged_reaches_the_survivor(svc, admin):
    a, b = _person(svc, admin, "Nina"), _person(svc, admin, "Ninochka")
    ledger.record(svc, admin, subject=b, purpose="email_marketing", action="grant", source="web")
    token = svc.mailer.sent[-1].body.split("code within 72 hours: ")[1].split()[0]
    merges.merge(svc, admin, a, b)
    assert decisions.check(svc, admin, purpose="email_marketing", subject=a)["state"] == "pending"
    assert ledger.confirm(svc, admin, token)["subject"] == a
    for sid in (a, b):
        assert decisions.check(svc, admin, purpose="email_marketing", subject=sid)["allowed"] is True
