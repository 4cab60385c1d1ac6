"""Files Consentry writes are registered (path, digest, subjects), and erasure cleans them by record and subject id:
multi-line values go with their record, name-only people leave, a similar address stays, a file changed or deleted
by hand is reported as not verified, and the certificate lists every file with its outcome."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

from compliance.consent.audience import export_subjects
from compliance.dsar import access, certificates, decisions, erasure, intake, records, verification
from compliance.dsar import process as processing
from compliance.dsar.models import ErasureStep
from compliance.subjects import files
from compliance.subjects.files import WrittenFile, WrittenFileSubject
from compliance.subjects.profiles import upsert
from tests.service.test_erasure import _code, _ready_erasure

STREET = "ул. Краснопресненская, д. 17\nкв. 204, подъезд 3"
PERSON = {
    "first_name": "Аграфена",
    "last_name": "Звенигородская",
    "email": "agrafena.zv@example.ru",
    "phone": "+79035557311",
    "street": STREET,
    "city": "Новосибирск",
}
PERSON_VALUES = ["Аграфена", "Звенигородская", "agrafena.zv@example.ru", "+79035557311", *STREET.split("\n")]
OTHERS = [
    {"first_name": "Борис", "last_name": "Ключевский", "email": "boris.k@example.ru", "street": "пр. Мира, 1\nкв. 9"},
    {"first_name": "Olga", "last_name": "Marsh", "email": "olga.marsh@example.com", "phone": "+447700900123"},
]


def _people(svc, admin, *extra: dict) -> list[str]:
    return [upsert(svc, admin, dict(p), source="crm")[0] for p in (PERSON, *OTHERS, *extra)]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _exports(cert: dict, sid: str) -> dict:
    return next(e for e in cert["certificate"]["subjects"] if e["subject"] == sid)["exports"]


def _erase_subject(svc, admin, sid: str, last_name: str) -> str:
    """An approved erasure of one subject identified by id (a name-only person has no email to give)."""
    req = intake.submit(svc, admin, type="erasure", regime="gdpr", subject=sid)
    verification.verify(
        svc, admin, req["id"], method="manual", note="identity checked in the shop", match={"last_name": last_name}
    )
    decisions.approve(svc, admin, req["id"])
    return req["id"]


def test_exports_are_registered_with_digest_and_subjects(svc, admin, settings, backend):
    ids = _people(svc, admin)
    out = settings.exports_dir / "audience.csv"
    result = export_subjects(svc, admin, out)
    row = WrittenFile.get_by_id(result["file"])
    assert (row.kind, row.path, row.format, row.request_id) == ("export", str(out.absolute()), "csv", None)
    assert (row.sha256, row.size) == files.digest_of(out) and row.size == out.stat().st_size
    assert files.subjects_of(row.id) == sorted(ids)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [f.id for f in files.holding(ids[0])] == [row.id]
    # writing the same path again supersedes the old registration instead of leaving it to look "changed"
    again = export_subjects(svc, admin, out)
    assert WrittenFile.get_by_id(row.id).removed_at is not None and files.subjects_of(row.id) == []
    assert [f.id for f in files.holding(ids[0])] == [again["file"]]


def test_multiline_address_leaves_with_its_record(svc, admin, settings, backend):
    sid, *others = _people(svc, admin)
    out = settings.exports_dir / "audience.csv"
    export_subjects(svc, admin, out)
    before = _csv_rows(out)
    raw = out.read_bytes()
    assert all(v.encode() in raw for v in PERSON_VALUES)  # the scan below would find them if they stayed
    assert any("\n" in r["street"] for r in before)

    processing.process(svc, admin, _ready_erasure(svc, admin, email=PERSON["email"]))

    raw = out.read_bytes()
    assert [v for v in PERSON_VALUES if v.encode("utf-8") in raw] == []
    assert _csv_rows(out) == [r for r in before if r["id"] != sid]
    assert {r["id"] for r in _csv_rows(out)} == set(others)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    row = WrittenFile.get(WrittenFile.path == str(out.absolute()))
    assert (row.sha256, row.size) == files.digest_of(out)  # the registry follows the rewrite
    assert files.subjects_of(row.id) == sorted(others)


def test_name_only_person_is_removed_from_a_registered_export(svc, admin, settings, backend):
    nameless, _ = upsert(svc, admin, {"first_name": "Феоктист", "last_name": "Бережковский"}, source="paper")
    ids = _people(svc, admin)
    out = settings.exports_dir / "all.csv"
    export_subjects(svc, admin, out)
    assert "Бережковский" in out.read_text(encoding="utf-8")

    req_id = _erase_subject(svc, admin, nameless, "Бережковский")
    processing.process(svc, admin, req_id)

    text = out.read_text(encoding="utf-8")
    assert "Феоктист" not in text and "Бережковский" not in text and nameless not in text
    assert sorted(r["id"] for r in _csv_rows(out)) == sorted(ids)
    exports = _exports(certificates.certificate(svc, admin, req_id), nameless)
    assert exports["verified"] is True
    assert [(f["outcome"], f["records_removed"]) for f in exports["files"]] == [("rewritten", 1)]


def test_similar_address_of_another_person_stays(svc, admin, settings, backend):
    ann, _ = upsert(svc, admin, {"first_name": "Ann", "email": "ann@wwx.org"})
    joann, _ = upsert(svc, admin, {"first_name": "Joann", "email": "joann@wwx.org"})
    out = settings.exports_dir / "wwx.csv"
    export_subjects(svc, admin, out)

    processing.process(svc, admin, _ready_erasure(svc, admin, email="ann@wwx.org"))

    rows = _csv_rows(out)
    assert [(r["id"], r["email"], r["first_name"]) for r in rows] == [(joann, "joann@wwx.org", "Joann")]
    assert ann not in out.read_text(encoding="utf-8")


def test_json_export_is_rewritten_by_entry(svc, admin, settings, backend):
    sid, *others = _people(svc, admin)
    out = settings.exports_dir / "audience.json"
    export_subjects(svc, admin, out, fmt="json")
    before = json.loads(out.read_text(encoding="utf-8"))

    processing.process(svc, admin, _ready_erasure(svc, admin, email=PERSON["email"]))

    after = json.loads(out.read_text(encoding="utf-8"))
    assert after == [e for e in before if e["id"] != sid] and {e["id"] for e in after} == set(others)
    raw = out.read_bytes()
    assert [v for v in PERSON_VALUES if json.dumps(v, ensure_ascii=False)[1:-1].encode() in raw] == []


def test_certificate_lists_every_outcome_and_is_not_verified(svc, admin, settings, backend):
    sid, *others = _people(svc, admin)
    folder = settings.exports_dir
    # a bundle: the person's own access request
    asked = intake.submit(svc, admin, type="access", regime="gdpr", email=PERSON["email"])
    verification.verify(svc, admin, asked["id"], method="code")
    verification.verify(svc, admin, asked["id"], method="code", code=_code(svc))
    processing.process(svc, admin, asked["id"])
    bundle = folder / f"{asked['id']}.zip"
    assert bundle.exists()
    kept_copy = access.save_bundle(svc, admin, asked["id"], settings.home / "copy-for-the-person.zip")
    # exports: one left alone, one deleted by hand, one edited by hand after it was written
    rewritten = folder / "audience.csv"
    export_subjects(svc, admin, rewritten)
    missing = folder / "old.csv"
    export_subjects(svc, admin, missing)
    missing.unlink()
    changed = folder / "edited.csv"
    export_subjects(svc, admin, changed)
    changed.write_text(changed.read_text(encoding="utf-8") + "hand,edit\n", encoding="utf-8")
    edited_bytes = changed.read_bytes()
    # a certificate file naming the person (ids only) and a copy Consentry never registered
    certificate_file = files.write_file(
        svc,
        folder / "earlier-certificate.json",
        json.dumps({"subjects": [sid]}).encode(),
        kind="certificate",
        fmt="json",
        subjects=[sid],
    )
    stray = folder / "stray-copy.txt"
    stray.write_text(f"call {PERSON['phone']} tomorrow\n", encoding="utf-8")

    req_id = _ready_erasure(svc, admin, email=PERSON["email"])
    processing.process(svc, admin, req_id)

    cert = certificates.certificate(svc, admin, req_id)
    assert cert["valid"] is True and cert["certificate"]["version"] == 2
    exports = _exports(cert, sid)
    by_path = {f["path"]: f for f in exports["files"]}
    assert {p: f["outcome"] for p, f in by_path.items()} == {
        str(bundle.absolute()): "deleted",
        kept_copy["file"]: "deleted",
        str(rewritten.absolute()): "rewritten",
        str(missing.absolute()): "missing",
        str(changed.absolute()): "changed",
        certificate_file["path"]: "kept",
        str(stray.absolute()): "unregistered",
    }
    assert by_path[str(rewritten.absolute())]["records_removed"] == 1
    assert by_path[certificate_file["path"]]["reason"] and by_path[str(bundle.absolute())]["kind"] == "bundle"
    assert by_path[str(stray.absolute())]["file"] is None
    assert exports["verified"] is False
    entry = next(e for e in cert["certificate"]["subjects"] if e["subject"] == sid)
    assert entry["steps"]["exports"] is False and entry["steps"]["shred"] is True
    assert entry["erased"]["export_files_deleted"] == 2 and entry["erased"]["export_records_removed"] == 1
    assert PERSON["email"] not in json.dumps(cert, ensure_ascii=False)
    # what happened on disk matches what the certificate says
    assert not bundle.exists() and not Path(kept_copy["file"]).exists()
    assert {r["id"] for r in _csv_rows(rewritten)} == set(others)
    assert changed.read_bytes() == edited_bytes  # not verified, and left untouched
    assert stray.read_text(encoding="utf-8") == f"call {PERSON['phone']} tomorrow\n"  # never deleted by substring
    assert (folder / "earlier-certificate.json").exists()


def test_certificate_is_verified_when_every_file_was_cleaned(svc, admin, settings, backend):
    sid, *_ = _people(svc, admin)
    export_subjects(svc, admin, settings.exports_dir / "audience.csv")
    req_id = _ready_erasure(svc, admin, email=PERSON["email"])
    processing.process(svc, admin, req_id)
    entry = certificates.certificate(svc, admin, req_id)["certificate"]["subjects"][0]
    assert entry["exports"]["verified"] is True and entry["steps"]["exports"] is True
    assert [f["outcome"] for f in entry["exports"]["files"]] == ["rewritten"]


def test_rerunning_a_finished_erasure_changes_nothing(svc, admin, settings, backend):
    sid, *_ = _people(svc, admin)
    out = settings.exports_dir / "audience.csv"
    export_subjects(svc, admin, out)
    req_id = _ready_erasure(svc, admin, email=PERSON["email"])
    processing.process(svc, admin, req_id)
    data, registry = out.read_bytes(), [files.view(r) for r in WrittenFile.select().order_by(WrittenFile.id)]
    members, steps = WrittenFileSubject.select().count(), ErasureStep.select().count()
    body = certificates.certificate(svc, admin, req_id)["certificate"]

    erasure.run(svc, admin, records.load_request(req_id), [sid])

    assert out.read_bytes() == data
    assert [files.view(r) for r in WrittenFile.select().order_by(WrittenFile.id)] == registry
    assert (WrittenFileSubject.select().count(), ErasureStep.select().count()) == (members, steps)
    assert certificates.certificate(svc, admin, req_id)["certificate"] == body


def test_a_rewrite_whose_transaction_was_lost_is_recognised_on_resume(svc, admin, settings, backend):
    sid, *others = _people(svc, admin)
    out = settings.exports_dir / "audience.csv"
    export_subjects(svc, admin, out)
    req_id = _ready_erasure(svc, admin, email=PERSON["email"])
    registered = WrittenFile.get(WrittenFile.path == str(out.absolute())).sha256

    class Killed(Exception):
        pass

    # The file is replaced, then the process dies before the step commits: the registry still has the old digest.
    try:
        with svc.transaction():
            erasure.scrub_exports(svc, sid, None)
            raise Killed
    except Killed:
        pass
    assert WrittenFile.get(WrittenFile.path == str(out.absolute())).sha256 == registered
    assert files.digest_of(out)[0] != registered and {r["id"] for r in _csv_rows(out)} == set(others)

    processing.process(svc, admin, req_id)

    exports = _exports(certificates.certificate(svc, admin, req_id), sid)
    assert exports["verified"] is True
    assert [(f["outcome"], f["records_removed"]) for f in exports["files"]] == [("rewritten", 1)]
    assert WrittenFile.get(WrittenFile.path == str(out.absolute())).sha256 == files.digest_of(out)[0]


def test_merged_away_record_leaves_the_export_with_its_survivor(svc, admin, settings, backend):
    sid, *others = _people(svc, admin)
    old, _ = upsert(svc, admin, {"first_name": "Аграфена", "email": "agrafena.old@example.ru"}, source="old_crm")
    out = settings.exports_dir / "audience.csv"
    export_subjects(svc, admin, out)
    from compliance.store.models import Subject

    # the older record was merged into the person after the export was written: its row is under its own id
    Subject.update(merged_into=sid).where(Subject.id == old).execute()

    processing.process(svc, admin, _ready_erasure(svc, admin, email=PERSON["email"]))

    assert {r["id"] for r in _csv_rows(out)} == set(others)
    assert b"agrafena" not in out.read_bytes().lower()


def test_bundle_written_by_the_service_is_registered(svc, admin, settings, backend):
    sid, *_ = _people(svc, admin)
    asked = intake.submit(svc, admin, type="access", regime="gdpr", email=PERSON["email"])
    verification.verify(svc, admin, asked["id"], method="code")
    verification.verify(svc, admin, asked["id"], method="code", code=_code(svc))
    processing.process(svc, admin, asked["id"])
    out = settings.home / "elsewhere" / "bundle.zip"
    saved = access.save_bundle(svc, admin, asked["id"], out)
    row = WrittenFile.get_by_id(saved["registered"])
    assert (row.kind, row.format, row.request_id, row.path) == ("bundle", "zip", asked["id"], str(out.absolute()))
    assert files.subjects_of(row.id) == [sid] and row.sha256 == files.digest_of(out)[0]
    assert out.read_bytes()[:2] == b"PK" and io.BytesIO(out.read_bytes()).getbuffer().nbytes == saved["bytes"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
