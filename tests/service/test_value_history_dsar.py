"""The value history in data-subject requests: the access bundle carries it, erasure and retention destroy it."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from compliance.crypto.keys import open_key_provider
from compliance.dsar import access, certificates, decisions, intake, verification
from compliance.dsar import process as processing
from compliance.retention import rules as retention
from compliance.store.keyring import KeyDestroyed, Keyring
from compliance.store.models import Subject
from compliance.subjects import history
from compliance.subjects.history import SubjectHistory
from compliance.subjects.profiles import correct, upsert
from tests.support.pii_probe import marker

OLD_CITY = f"Самара {marker('history-dsar-city')}"
PERSON = {"email": "zinaida.history@example.org", "first_name": "Зинаида", "birth_date": "1971-03-09", "city": OLD_CITY}


def _person_with_history(svc, admin) -> str:
    sid, _ = upsert(svc, admin, dict(PERSON, custom={"passport": "4510 123456"}))
    correct(svc, admin, sid, {"city": "Сызрань", "custom": {"passport": "4510 654321"}, "channels": {"vk": "id77"}})
    return sid


def _code(svc) -> str:
    return svc.mailer.sent[-1].body.split("hours: ")[1].split()[0]


def test_the_access_bundle_holds_the_value_history(svc, admin):
    sid = _person_with_history(svc, admin)
    req = intake.submit(svc, admin, type="access", regime="gdpr", email=PERSON["email"])
    verification.verify(
        svc, admin, req["id"], method="manual", note="ID checked", match={"birth_date": PERSON["birth_date"]}
    )
    processing.process(svc, admin, req["id"])
    archive = zipfile.ZipFile(io.BytesIO(access.export_bundle(svc, admin, req["id"])))
    assert "value_history.csv" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read("value_history.csv").decode("utf-8"))))
    assert {(r["subject"], r["field"], r["change"], r["old"], r["new"]) for r in rows} == {
        (sid, "city", "replaced", OLD_CITY, "Сызрань"),
        (sid, "channels.vk", "replaced", "", "id77"),
    }
    document = json.loads(archive.read("data.json"))
    (subject,) = document["subjects"]
    assert {e["field"] for e in subject["value_history"]} == {"city", "channels.vk"}
    # Government identifiers stay out of a bundle, the ones a correction replaced included.
    assert "4510" not in archive.read("data.json").decode() and "4510" not in archive.read("value_history.csv").decode()
    assert "value history" in {c["category"] for c in document["art15"]["b_categories"]}


def test_erasure_deletes_the_history_and_its_sealed_values_cannot_be_opened(svc, admin, settings):
    sid = _person_with_history(svc, admin)
    sealed = [
        (row_id, bytes(blob))
        for row_id, blob in SubjectHistory.select(SubjectHistory.id, SubjectHistory.values)
        .where(SubjectHistory.subject_id == sid)
        .tuples()
    ]
    assert len(sealed) == 3  # city, custom.passport, channels.vk
    ring = Keyring(open_key_provider(settings.key_file, None))
    row_id, blob = sealed[0]
    assert ring.open(sid, "subject_history", "values", row_id, blob)  # readable while the key exists
    req = intake.submit(svc, admin, type="erasure", regime="gdpr", email=PERSON["email"])
    verification.verify(svc, admin, req["id"], method="code")
    verification.verify(svc, admin, req["id"], method="code", code=_code(svc))
    decisions.approve(svc, admin, req["id"])

    processing.process(svc, admin, req["id"])

    assert SubjectHistory.select().where(SubjectHistory.subject_id == sid).count() == 0
    fresh = Keyring(open_key_provider(settings.key_file, None))  # even with the key file, nothing opens
    for row_id, blob in sealed:
        with pytest.raises(KeyDestroyed):
            fresh.open(sid, "subject_history", "values", row_id, blob)
    erased = certificates.certificate(svc, admin, req["id"])["certificate"]["subjects"][0]["erased"]
    assert erased["history_entries_deleted"] == 3


def test_retention_deletes_the_history_with_the_subject(svc, admin):
    sid, _ = upsert(svc, admin, {"email": "lead.history@example.org", "city": "Пенза"})
    correct(svc, admin, sid, {"city": "Тамбов"})
    assert len(history.entries(sid)) == 1
    svc.clock.advance(days=500)  # a lead without consent, inactive for more than 12 months
    retention.run(svc, admin)
    assert Subject.get_by_id(sid).erased_at is not None
    assert SubjectHistory.select().where(SubjectHistory.subject_id == sid).count() == 0
