"""Erasure end to end: nothing readable left (raw bytes, keys), suppression, re-import refused, certificate,
resumable after SIGKILL; access bundles with every Art. 15 section and nothing of a similar person."""

from __future__ import annotations

import csv
import io
import json
import os
import select
import signal
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from compliance.consent import decisions as consent_decisions
from compliance.consent import ledger as consent
from compliance.consent.models import ConsentEvent
from compliance.crypto.keys import open_key_provider
from compliance.dsar import access, certificates, decisions, erasure, intake, listing, records, verification
from compliance.dsar import process as processing
from compliance.dsar.models import ErasureStep
from compliance.dsar.states import ERASURE_STEPS
from compliance.errors import IllegalTransition, Invalid, Suppressed
from compliance.ids import new_id
from compliance.store.keyring import KeyDestroyed, Keyring
from compliance.store.models import BlindIndex, DataKey, Interaction, Purchase, Subject
from compliance.subjects.importer import Importer
from compliance.subjects.profiles import upsert

ROOT = Path(__file__).resolve().parents[2]
PERSON = {
    "email": "evdokia.przhevalskaya@example.ru",
    "emails": ["dunya.p@mail.example"],
    "phone": "+79031234567",
    "first_name": "Евдокия",
    "last_name": "Пржевальская",
    "birth_date": "1979-02-11",
    "postcode": "630090",
    "channels": {"telegram": "@dunya_przh"},
}
SECRETS = [
    "evdokia.przhevalskaya@example.ru",
    "dunya.p@mail.example",
    "+79031234567",
    "9031234567",
    "Евдокия",
    "Пржевальская",
    "dunya_przh",
]


def _person(svc, admin) -> str:
    sid, _ = upsert(svc, admin, dict(PERSON), source="webshop")
    now = svc.clock.now()
    Purchase.insert(
        id="pur_recent01", subject=sid, amount=Decimal("1990.00"), currency="RUB", purchased_at=now - timedelta(days=40)
    ).execute()
    Purchase.insert(
        id="pur_old00001",
        subject=sid,
        amount=Decimal("10.00"),
        currency="RUB",
        purchased_at=now - timedelta(days=9 * 365),
    ).execute()
    note = Interaction(
        id=new_id("int"),
        subject=sid,
        channel="chat",
        kind="support",
        occurred_at=now - timedelta(days=3),
        summary="Евдокия asked about order 77 at evdokia.przhevalskaya@example.ru",
    )
    note.save(force_insert=True)
    consent.record(svc, admin, subject=sid, purpose="sms_marketing", action="grant", source="shop")
    consent.record(
        svc, admin, subject=sid, purpose="email_marketing", action="grant", source="web", evidence={"ip": "1.2.3.4"}
    )
    return sid


def _code(svc) -> str:
    return svc.mailer.sent[-1].body.split("hours: ")[1].split()[0]


def _ready_erasure(svc, admin, email=PERSON["email"]) -> str:
    req = intake.submit(svc, admin, type="erasure", regime="gdpr", email=email)
    verification.verify(svc, admin, req["id"], method="code")
    verification.verify(svc, admin, req["id"], method="code", code=_code(svc))
    decisions.approve(svc, admin, req["id"])
    return req["id"]


def _raw_ciphertexts(sid: str) -> list[tuple[str, str, str, str, bytes]]:
    out = []
    row = Subject.select(Subject.pii, Subject.extra).where(Subject.id == sid).tuples().get()
    out += [("subject", "pii", sid, sid, bytes(row[0])), ("subject", "extra", sid, sid, bytes(row[1]))]
    for i in Interaction.select(Interaction.id, Interaction.summary).where(Interaction.subject == sid).tuples():
        out.append(("interaction", "summary", i[0], sid, bytes(i[1])))
    return out


def _scan(paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        hits = [s for s in SECRETS if s.encode("utf-8") in data]
        if hits:
            found[str(path)] = hits
    return found


def test_erasure_leaves_nothing_readable(svc, admin, settings, backend):
    sid = _person(svc, admin)
    # an access bundle and an audience export sit in the exports folder before the erasure
    asked = intake.submit(svc, admin, type="access", regime="gdpr", email=PERSON["email"])
    verification.verify(svc, admin, asked["id"], method="code")
    verification.verify(svc, admin, asked["id"], method="code", code=_code(svc))
    processing.process(svc, admin, asked["id"])
    from compliance.consent.audience import export_subjects

    export_subjects(svc, admin, settings.exports_dir / "audience.csv")
    assert _scan(sorted(settings.exports_dir.rglob("*")))  # the test would catch the person if present
    blobs = _raw_ciphertexts(sid)
    req_id = _ready_erasure(svc, admin)

    out = processing.process(svc, admin, req_id)

    assert out["status"] == "completed" and out["response"] == "erased"
    person = Subject.get_by_id(sid)
    assert person.erased_at is not None and person.pii is None and person.extra is None
    assert DataKey.get_or_none(DataKey.subject_id == sid) is None
    assert BlindIndex.select().where(BlindIndex.subject_id == sid).count() == 0
    assert Interaction.select().where(Interaction.subject == sid).count() == 0
    assert ConsentEvent.select().where(ConsentEvent.subject_id == sid).count() == 0
    # legal hold: the recent purchase is kept, detached from the person; the old one is gone
    kept = Purchase.get_by_id("pur_recent01")
    assert kept.subject_id is None and kept.detached_at is not None
    assert Purchase.get_or_none(Purchase.id == "pur_old00001") is None
    # raw bytes: database file, WAL, exports folder, log
    files = sorted(settings.exports_dir.rglob("*"))
    if backend == "sqlite":
        db_file = Path(settings.database_url.removeprefix("sqlite:///"))
        files += [db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")]
    if settings.log_file:
        files.append(Path(settings.log_file))
    assert _scan(files) == {}
    # the ciphertexts read before cannot be opened any more, even with the key file
    ring = Keyring(open_key_provider(settings.key_file, None))
    for table, column, row_id, subject_id, blob in blobs:
        with pytest.raises(KeyDestroyed):
            ring.open(subject_id, table, column, row_id, blob)
    # consent checks answer suppressed, by id and by every identifier
    for who in ({"subject": sid}, {"email": PERSON["email"]}, {"phone": PERSON["phone"]}):
        assert consent_decisions.check(svc, admin, purpose="service_messages", **who)["state"] == "suppressed"
    # re-import in another case or with spaces is refused and reported; so is an API upsert
    report = Importer(svc, admin).run(
        [
            {"email": "  EVDOKIA.Przhevalskaya@Example.RU ", "first_name": "Е."},
            {"email": "dunya.p@mail.example"},
            {"phone": "8 (903) 123-45-67"},
        ]
    )
    assert report.suppressed == 3 and report.imported == 0
    assert [e["code"] for e in report.errors] == ["row.suppressed"] * 3
    with pytest.raises(Suppressed):
        upsert(svc, admin, {"email": "Evdokia.Przhevalskaya@example.ru "})
    # certificate: signed, complete, no personal data
    cert = certificates.certificate(svc, admin, req_id)
    assert certificates.verify_certificate(cert)
    entry = cert["certificate"]["subjects"][0]
    assert entry["subject"] == sid and all(entry["steps"].values())
    assert {k["category"] for k in entry["kept"]} == {"purchases", "suppression", "erasure ledger", "request record"}
    assert entry["kept"][0]["ground"].startswith("Art. 17(3)(b)")
    assert set(entry["notified"]) == {"mailer", "sms_gateway", "messenger_gateway", "ad_partners", "crm"}
    assert not any(s in json.dumps(cert, ensure_ascii=False) for s in SECRETS)
    tampered = json.loads(json.dumps(cert))
    tampered["certificate"]["subjects"][0]["kept"] = []
    assert not certificates.verify_certificate(tampered)
    # idempotent: a re-run changes nothing, a second process is an illegal transition
    steps = ErasureStep.select().count()
    erasure.run(svc, admin, records.load_request(req_id), [sid])
    assert ErasureStep.select().count() == steps
    with pytest.raises(IllegalTransition):
        processing.process(svc, admin, req_id)
    # notices per recipient with a status each
    notices = listing.show(svc, admin, req_id)["notices"]
    assert {(n["recipient"], n["status"]) for n in notices} == {
        (r, "pending") for r in ("mailer", "sms_gateway", "messenger_gateway", "ad_partners", "crm")
    }


# Runs one erasure in its own process and stops it for good after the third committed step: the hook is the
# service's own progress seam, so the kill lands at a known point instead of racing a timer.
ERASE_UNTIL_KILLED = """
import sys
import time

from compliance.dsar import process as processing
from compliance.services import build_services
from compliance.settings import Settings

services = build_services(Settings.load())
finished = []


def stop_after_three(subject, step):
    finished.append(step)
    if len(finished) == 3:
        print("paused", flush=True)
        time.sleep(300)  # the test SIGKILLs the process here


processing.process(services, services.local_actor(), sys.argv[1], on_step=stop_after_three)
"""


def test_erasure_killed_midway_resumes(svc, admin, settings, backend):
    sid = _person(svc, admin)
    req_id = _ready_erasure(svc, admin)
    env = {**os.environ, "CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    proc = subprocess.Popen(  # noqa: S603 - our own code
        [sys.executable, "-c", ERASE_UNTIL_KILLED, req_id],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else b""
        assert line.strip() == b"paused", proc.stderr.read().decode() if proc.poll() is not None else "no signal"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    partial = {s.step for s in ErasureStep.select().where(ErasureStep.request_id == req_id)}
    assert partial == set(ERASURE_STEPS[:3])  # committed steps survive the kill; nothing after them ran
    assert records.load_request(req_id).status == "in_progress"

    out = processing.process(svc, admin, req_id)

    assert out["status"] == "completed"
    assert DataKey.get_or_none(DataKey.subject_id == sid) is None
    cert = certificates.certificate(svc, admin, req_id)
    assert certificates.verify_certificate(cert)
    assert all(cert["certificate"]["subjects"][0]["steps"].values())
    assert cert["certificate"]["subjects"][0]["kept"][1]["count"] >= 3  # tombstones written before the kill
    assert consent_decisions.check(svc, admin, purpose="sms_marketing", email=PERSON["email"])["state"] == "suppressed"


# ---------------------------------------------------------------------------------------------------------
# Access bundles

IVAN = {
    "email": "ivan.sokolov@example.com",
    "phone": "+79162223344",
    "first_name": "Иван",
    "last_name": "Соколов",
    "birth_date": "1988-08-08",
    "channels": {"telegram": "@ivan_sok"},
    "custom": {"passport": "4510 123456", "favourite_shop": "Тверская"},
}
IVAN_TWIN = {  # a similar, different person: same name and birth date, other contacts
    "email": "ivan.sokolov@example.org",
    "phone": "+79162223345",
    "first_name": "Иван",
    "last_name": "Соколов",
    "birth_date": "1988-08-08",
    "channels": {"telegram": "@ivan_sok2"},
}


def _bundle(svc, admin, regime="gdpr", **kw) -> tuple[str, zipfile.ZipFile]:
    req = intake.submit(svc, admin, type="access", regime=regime, email=IVAN["email"], **kw)
    verification.verify(
        svc,
        admin,
        req["id"],
        method="manual",
        note="ID checked",
        match={"birth_date": "1988-08-08", "last_name": "Соколов"},
    )
    processing.process(svc, admin, req["id"])
    data = access.export_bundle(svc, admin, req["id"])
    return req["id"], zipfile.ZipFile(io.BytesIO(data))


def test_access_bundle_sections_formats_and_isolation(svc, admin, settings):
    me, _ = upsert(svc, admin, dict(IVAN), source="crm_import")
    twin, _ = upsert(svc, admin, dict(IVAN_TWIN), source="crm_import")
    now = svc.clock.now()
    Purchase.insert(id="pur_me000001", subject=me, amount=Decimal("5.00"), currency="RUB", purchased_at=now).execute()
    Purchase.insert(id="pur_twin0001", subject=twin, amount=Decimal("7.00"), currency="RUB", purchased_at=now).execute()
    consent.record(svc, admin, subject=me, purpose="sms_marketing", action="grant", source="shop")
    consent.record(svc, admin, subject=twin, purpose="sms_marketing", action="grant", source="shop")
    req_id, archive = _bundle(svc, admin)
    names = set(archive.namelist())
    assert {
        "data.json",
        "art15.json",
        "profile.csv",
        "channel_ids.csv",
        "purchases.csv",
        "interactions.csv",
        "consent_history.csv",
        "requests.csv",
        "art15.csv",
    } <= names
    document = json.loads(archive.read("data.json"))
    assert [s["id"] for s in document["subjects"]] == [me]
    subject = document["subjects"][0]
    assert subject["profile"]["emails"] == [IVAN["email"]] and subject["channel_ids"] == {"telegram": "@ivan_sok"}
    assert [p["id"] for p in subject["purchases"]] == ["pur_me000001"]
    assert subject["consent"]["events"][0]["purpose"] == "sms_marketing"
    assert req_id in [r["id"] for r in subject["requests"]]
    assert "passport" not in subject["profile"]["custom"] and "4510 123456" not in archive.read("data.json").decode()
    art15 = document["art15"]
    for section in (
        "a_purposes",
        "b_categories",
        "c_recipients",
        "d_retention",
        "e_rights",
        "f_complaint",
        "g_source",
        "h_automated_decisions",
    ):
        assert art15[section], section
    assert any(r["third_country"] for r in art15["c_recipients"])
    assert "crm_import" in art15["g_source"]["sources"]
    for name in names:
        content = archive.read(name)
        if name.endswith(".csv"):
            rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
            assert all(r.get("subject", me) == me for r in rows), name
        elif name.endswith(".json"):
            json.loads(content)
        for secret in (twin, IVAN_TWIN["email"], IVAN_TWIN["phone"], "ivan_sok2", "pur_twin0001"):
            assert secret.encode() not in content, (name, secret)
    sections = {r["section"] for r in csv.DictReader(io.StringIO(archive.read("art15.csv").decode()))}
    assert sections == set(rq_sections())
    assert (settings.exports_dir / f"{req_id}.zip").exists()
    archive.close()


def rq_sections():
    return access.ART15


def test_ccpa_bundle_looks_back_twelve_months_by_default(svc, admin):
    me, _ = upsert(svc, admin, dict(IVAN))
    now = svc.clock.now()
    Purchase.insert(id="pur_new00001", subject=me, amount=Decimal("1"), currency="USD", purchased_at=now).execute()
    Purchase.insert(
        id="pur_old00001", subject=me, amount=Decimal("2"), currency="USD", purchased_at=datetime(2023, 6, 1)
    ).execute()
    _, archive = _bundle(svc, admin, regime="ccpa")
    ids = [p["id"] for p in json.loads(archive.read("data.json"))["subjects"][0]["purchases"]]
    assert ids == ["pur_new00001"]
    archive.close()
    svc.clock.advance(days=1)
    _, archive = _bundle(svc, admin, regime="ccpa", lookback="full")
    ids = [p["id"] for p in json.loads(archive.read("data.json"))["subjects"][0]["purchases"]]
    assert ids == ["pur_old00001", "pur_new00001"]
    archive.close()


def test_restricted_subject_still_gets_its_own_bundle_but_not_in_exports(svc, admin, settings):
    me, _ = upsert(svc, admin, dict(IVAN))
    Subject.update(restricted=True).where(Subject.id == me).execute()
    _, archive = _bundle(svc, admin)
    assert json.loads(archive.read("data.json"))["subjects"][0]["restricted"] is True
    archive.close()
    from compliance.consent.audience import export_subjects

    export_subjects(svc, admin, settings.home / "audience.csv")
    assert IVAN["email"] not in (settings.home / "audience.csv").read_text(encoding="utf-8")


def test_ru152_consent_withdrawal_destroys_within_30_days_with_an_act(svc, admin):
    sid = _person(svc, admin)
    req = intake.submit(svc, admin, type="consent_withdrawal", regime="ru152", email=PERSON["email"])
    received = svc.clock.now().date()
    assert req["due_at"][:10] == (received + timedelta(days=30)).isoformat()
    with pytest.raises(Invalid):
        intake.submit(svc, admin, type="consent_withdrawal", regime="gdpr", email=PERSON["email"])
    verification.verify(svc, admin, req["id"], method="code")
    verification.verify(svc, admin, req["id"], method="code", code=_code(svc))
    with pytest.raises(IllegalTransition):
        processing.process(svc, admin, req["id"])  # destruction needs a DPO's approval first
    decisions.approve(svc, admin, req["id"])
    done = processing.process(svc, admin, req["id"])
    assert done["status"] == "completed"
    assert consent_decisions.check(svc, admin, purpose="sms_marketing", subject=sid)["state"] == "suppressed"
    document = certificates.certificate(svc, admin, req["id"])
    act = document["certificate"]["destruction_act"]
    assert act["title"] == "Акт об уничтожении персональных данных"
    assert act["subjects"] == [sid] and "ч. 5 ст. 21" in act["ground"] and act["responsible"] == admin.principal_id
    assert document["valid"] is True and certificates.verify_certificate(document)
    assert PERSON["email"] not in json.dumps(document, ensure_ascii=False)
