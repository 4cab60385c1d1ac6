"""Issue 13's raw-byte test: after erasing a person with a multi-line address and a name-only person, no file of
the instance folder (database, WAL, log, ledger, outbox, exports and their notes), no registered export and no
backup restored afterwards holds any of their values; the people kept are intact."""

from __future__ import annotations

import json
from pathlib import Path

from compliance import instance
from compliance.backup import copies
from compliance.consent.audience import export_subjects
from compliance.dsar import decisions, intake, verification
from compliance.dsar import process as processing
from compliance.services import build_services
from compliance.store.models import Subject
from compliance.subjects.exporter import write_export
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import profile_of
from tests.service.test_erasure import _code
from tests.service.test_export_registry import _erase_subject

STREET = "ул. Большая Полянка, д. 42\nкорп. 2, кв. 318"
ADDRESSED = {
    "first_name": "Евпраксия",
    "last_name": "Черногорова",
    "email": "evpraksiya.ch@example.ru",
    "phone": "+79167773412",
    "street": STREET,
    "city": "Кострома",
}
NAME_ONLY = {"first_name": "Феоктист", "last_name": "Загрядский", "birth_date": "1961-03-14"}
KEPT = {"first_name": "Людмила", "last_name": "Орлова", "email": "l.orlova@example.ru", "street": "пр. Мира, 3\nкв. 1"}
SECRETS = [
    "Евпраксия",
    "Черногорова",
    "evpraksiya.ch@example.ru",
    "+79167773412",
    "9167773412",
    *STREET.split("\n"),
    "Феоктист",
    "Загрядский",
]


def _scan(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [s for s in SECRETS if s.encode("utf-8") in data]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_nothing_of_either_person_is_left_in_any_file(svc, admin, settings, clock, backend, tmp_path):
    addressed, _ = upsert(svc, admin, dict(ADDRESSED), source="crm")
    name_only, _ = upsert(svc, admin, dict(NAME_ONLY), source="paper form")
    kept, _ = upsert(svc, admin, dict(KEPT), source="crm")
    # what a working instance has written by then: exports in both formats, an access bundle (with its mails)
    export_subjects(svc, admin, settings.exports_dir / "audience.csv")
    write_export(svc, admin, settings.exports_dir / "base.json")
    asked = intake.submit(svc, admin, type="access", regime="gdpr", email=ADDRESSED["email"])
    verification.verify(svc, admin, asked["id"], method="code")
    verification.verify(svc, admin, asked["id"], method="code", code=_code(svc))
    processing.process(svc, admin, asked["id"])
    backup = copies.create(svc, admin, tmp_path / "before.db")
    assert _scan(settings.home)  # the scan would see them: the exports and the outbox hold them in clear
    # the erasure of the addressed person (by email, with a code) and of the name-only one (by id, manual check)
    req = intake.submit(svc, admin, type="erasure", regime="gdpr", email=ADDRESSED["email"])
    verification.verify(svc, admin, req["id"], method="code")
    verification.verify(svc, admin, req["id"], method="code", code=_code(svc))
    decisions.approve(svc, admin, req["id"])
    assert processing.process(svc, admin, req["id"])["response"] == "erased"
    other = _erase_subject(svc, admin, name_only, NAME_ONLY["last_name"])
    assert processing.process(svc, admin, other)["response"] == "erased"

    assert _scan(settings.home) == {}
    # the person kept is whole in the rewritten exports
    rows = (settings.exports_dir / "audience.csv").read_text(encoding="utf-8")
    assert KEPT["street"] in rows and KEPT["email"] in rows
    assert [r["id"] for r in json.loads((settings.exports_dir / "base.json").read_text(encoding="utf-8"))] == [kept]
    # the backup taken before, restored: still nothing, and the instance folder stays clean
    restored = instance.restore_backup(svc, admin, Path(backup["file"]))
    assert restored["erasures_reapplied"] == 2
    fresh = build_services(settings, clock=clock)
    try:
        assert Subject.get_by_id(addressed).pii is None and Subject.get_by_id(name_only).pii is None
        assert profile_of(Subject.get_by_id(kept))["emails"] == [KEPT["email"]]
    finally:
        fresh.close()
    assert _scan(settings.home) == {}
