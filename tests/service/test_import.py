"""Import: bad rows reported and good rows landed, idempotent re-runs, aliases, dry run, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from compliance.store.models import BlindIndex, Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.importer import import_file
from compliance.subjects.profiles import lookup, read
from compliance.subjects.shape import profile_of
from tests.conftest import write_csv

HEADER = ["external_id", "first_name", "last_name", "email", "phone", "birth_date", "city", "kind"]


def test_bad_rows_reported_good_rows_land(svc, admin, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        HEADER,
        [
            ["c1", "Иван", "Петров", "ivan@example.ru", "+79120000001", "1980-01-02", "Москва", "person"],
            ["", "", "", "", "", "", "Москва", ""],  # no identifier -> rejected
            ["c3", "Anna", "Smith", "not-an-email", "123", "", "London", ""],  # lands, flagged
            ["c4", "Олег", "Сидоров", "", "", "", "", "alien"],  # unknown kind -> rejected
        ],
    )
    report = import_file(svc, admin, path)
    data = report.as_dict()
    assert (data["imported"], data["rejected"], data["updated"]) == (2, 2, 0)
    assert {"row": 2, "field": "row", "code": "row.no_identifier"} in data["errors"]
    assert {"row": 4, "field": "kind", "code": "kind.unknown"} in data["errors"]
    assert {"row": 3, "field": "email", "code": "email.syntax"} in data["warnings"] or any(
        w["row"] == 3 and w["field"] == "email" for w in data["warnings"]
    )
    assert data["flagged"] == 1
    # No error or warning carries a value from the file.
    blob = json.dumps(data, ensure_ascii=False)
    for value in ("not-an-email", "Сидоров", "alien", "Anna"):
        assert value not in blob
    flagged = Subject.get_by_id(lookup(svc, admin, external_id="c3")[0])
    assert {"field": "email", "code": "email.syntax"} in json.loads(flagged.flags) or json.loads(flagged.flags)


def test_reimport_is_idempotent(svc, admin, tmp_path):
    rows = [[f"c{i}", f"Имя{i}", "Иванов", f"user{i}@example.com", f"+7912000{i:04d}", "", "", ""] for i in range(30)]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    first = import_file(svc, admin, path).as_dict()
    second = import_file(svc, admin, path).as_dict()
    assert first["imported"] == 30 and second["imported"] == 0
    assert second["unchanged"] == 30 and second["updated"] == 0
    assert Subject.select().count() == 30


def test_duplicate_rows_within_one_file_make_one_subject(svc, admin, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        HEADER,
        [
            ["", "Иван", "Петров", "ivan@example.ru", "", "", "", ""],
            ["", "", "", "IVAN@example.ru ", "+79120000001", "", "", ""],
        ],
    )
    data = import_file(svc, admin, path).as_dict()
    assert data["imported"] == 1 and data["updated"] == 1
    subject = Subject.get()
    assert profile_of(subject)["phones"] == ["+79120000001"]


def test_row_pointing_at_two_subjects_lands_and_is_queued(svc, admin, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        HEADER,
        [
            ["a", "", "", "one@example.com", "", "", "", ""],
            ["b", "", "", "", "+79120000002", "", "", ""],
        ],
    )
    import_file(svc, admin, path)
    both = write_csv(tmp_path / "b.csv", HEADER, [["", "", "", "one@example.com", "+79120000002", "", "", ""]])
    data = import_file(svc, admin, both).as_dict()
    # The email names one person: that subject is updated; the shared phone only proposes a candidate.
    assert (data["errors"], data["rejected"], data["updated"], data["imported"]) == ([], 0, 1, 0)
    assert Subject.select().count() == 2
    [a] = lookup(svc, admin, email="one@example.com")
    assert read(svc, admin, a)["profile"]["phones"] == ["+79120000002"]
    [cand] = MergeCandidate.select()
    assert {cand.a_id, cand.b_id} == {s.id for s in Subject.select()}
    assert (cand.status, json.loads(cand.reasons)) == ("open", ["identity.shared_phone"])


def test_russian_and_ukrainian_headers(svc, admin, tmp_path):
    path = tmp_path / "ru.csv"
    path.write_text(
        "ФИО;Телефон;Email;Дата рождения;Город;Компания;Должность;Хобби\n"
        "Петров Александр Иванович;8 912 345-67-89;a.petrov@mail.ru;07.03.1985;Москва;ООО Ромашка;менеджер;рыбалка\n",
        encoding="utf-8",
    )
    uk = tmp_path / "uk.csv"
    uk.write_text("Прізвище,Ім'я,Телефон,Місто\nШевченко,Тарас,+380501234567,Київ\n", encoding="utf-8")
    assert import_file(svc, admin, path).as_dict()["imported"] == 1
    assert import_file(svc, admin, uk).as_dict()["imported"] == 1
    [sid] = lookup(svc, admin, email="A.Petrov@mail.ru")
    profile = read(svc, admin, sid)["profile"]
    assert (profile["last_name"], profile["first_name"], profile["middle_name"]) == ("Петров", "Александр", "Иванович")
    assert profile["company"] == "ООО Ромашка" and profile["notes"] == "рыбалка"
    [uid] = lookup(svc, admin, phone="+380 50 123 45 67")
    assert read(svc, admin, uid)["profile"]["last_name"] == "Шевченко"


def test_json_array_and_json_lines(svc, admin, tmp_path):
    array = tmp_path / "a.json"
    array.write_text(json.dumps([{"email": f"j{i}@example.com", "name": f"J {i}"} for i in range(50)]))
    lines = tmp_path / "b.jsonl"
    lines.write_text('{"email": "l1@example.com"}\n{broken\n{"phone": "+79120000009"}\n')
    assert import_file(svc, admin, array).as_dict()["imported"] == 50
    data = import_file(svc, admin, lines, fmt="json").as_dict()
    assert data["imported"] == 2
    assert data["errors"] == [{"row": 2, "field": "row", "code": "row.json"}]


def test_dry_run_writes_nothing(svc, admin, tmp_path):
    path = write_csv(tmp_path / "c.csv", HEADER, [["c1", "A", "B", "a@example.com", "", "", "", ""]])
    data = import_file(svc, admin, path, dry_run=True).as_dict()
    assert data["imported"] == 1 and data["dry_run"]
    assert Subject.select().count() == 0 and BlindIndex.select().count() == 0


def test_steward_may_import_analyst_may_not(svc, tmp_path):
    from compliance.errors import Forbidden
    from tests.conftest import actor_with_role

    path = write_csv(tmp_path / "c.csv", HEADER, [["c1", "A", "B", "a@example.com", "", "", "", ""]])
    assert import_file(svc, actor_with_role(svc, "steward"), path).imported == 1
    with pytest.raises(Forbidden):
        import_file(svc, actor_with_role(svc, "analyst"), path)


def test_sigkill_mid_import_then_rerun_leaves_each_row_once(svc, settings, admin, tmp_path):
    from tests.support.killable_import import start_and_wait

    n, batch, committed = 5000, 100, 3
    rows = [[f"k{i}", f"Имя{i}", "Кузнецов", f"kill{i}@example.com", "", "", "", ""] for i in range(n)]
    path = write_csv(tmp_path / "big.csv", HEADER, rows)
    env = {
        **os.environ,
        "CONSENTRY_HOME": str(settings.home),
        "CONSENTRY_DATABASE_URL": settings.database_url,
        "CONSENTRY_IMPORT_BATCH_SIZE": str(batch),
    }
    env.pop("CONSENTRY_MASTER_KEY", None)
    # A real import process that stops after its third committed batch (its own progress callback signals it).
    proc = start_and_wait(path, env, committed, tmp_path / "committed")
    try:
        assert Subject.select().count() == committed * batch
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert Subject.select().count() == committed * batch
    cmd = [sys.executable, "-m", "cli", "import", str(path), "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["imported"], report["updated"], report["unchanged"]) == (n - committed * batch, 0, committed * batch)
    assert Subject.select().count() == n
    # Every row once: each external id and each email indexed exactly once, rows before and after the kill found.
    assert BlindIndex.select().where(BlindIndex.kind == "external").count() == n
    assert BlindIndex.select().where(BlindIndex.kind == "email").count() == n
    for i in (0, committed * batch - 1, committed * batch, n - 1):
        assert len(lookup(svc, admin, external_id=f"k{i}")) == 1
        assert lookup(svc, admin, email=f"kill{i}@example.com") == lookup(svc, admin, external_id=f"k{i}")


def test_updates_of_subjects_from_earlier_batches_are_written_and_reindexed(svc, admin):
    from compliance.subjects.importer import Importer

    first = [{"external_id": f"u{i}", "last_name": "Орлов", "email": f"old{i}@example.com"} for i in range(40)]
    second = [
        {"external_id": f"u{i}", "email": f"new{i}@example.com", "phone": f"+7912555{i:04d}", "city": "Казань"}
        for i in range(40)
    ]
    report = Importer(svc, admin, batch_size=15).run(first + second)
    assert (report.imported, report.updated) == (40, 40)
    assert Subject.select().count() == 40
    for i in (0, 17, 39):
        [sid] = lookup(svc, admin, external_id=f"u{i}")
        profile = read(svc, admin, sid)["profile"]
        # Rows of one person are written together in a canonical order (not the file's), so compare as a set.
        assert sorted(profile["emails"]) == [f"new{i}@example.com", f"old{i}@example.com"]
        assert profile["phones"] == [f"+7912555{i:04d}"] and profile["city"] == "Казань"
        assert profile["last_name"] == "Орлов"
        # Both emails and the new phone find the subject; the old index rows were replaced, not duplicated.
        assert lookup(svc, admin, email=f"new{i}@example.com") == [sid]
        assert lookup(svc, admin, email=f"old{i}@example.com") == [sid]
        assert lookup(svc, admin, phone=f"8 912 555 {i:04d}") == [sid]
        assert BlindIndex.select().where(BlindIndex.subject_id == sid).count() == 4


def test_large_batches_audit_every_subject_in_entries_under_the_size_limit(svc, admin):
    from compliance.audit.models import AuditEntry
    from compliance.subjects.importer import Importer

    rows = [{"external_id": f"b{i}", "email": f"batch{i}@example.com"} for i in range(2600)]
    report = Importer(svc, admin, batch_size=2600).run(rows)
    assert report.imported == 2600
    entries = [e for e in svc.audit.entries() if e["action"] == "subject.import"]
    assert [e["details"]["part"] for e in entries] == ["1/3", "2/3", "3/3"]
    created = [sid for e in entries for sid in e["details"]["created"]]
    assert sorted(created) == sorted(s.id for s in Subject.select(Subject.id))
    assert all(len(e["details"]["created"]) <= 1000 for e in entries)
    assert svc.audit.verify()["ok"]
    assert AuditEntry.select().count() >= 3


def test_import_leaves_the_garbage_collector_as_it_found_it(svc, admin):
    import gc

    from compliance.subjects.importer import Importer

    class Boom(dict):
        def items(self):
            raise RuntimeError("unreadable row")

    Importer(svc, admin).run([{"email": "gc@example.com"}])
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError):
        Importer(svc, admin).run([Boom(email="x@example.com")])
    assert gc.get_freeze_count() == 0
