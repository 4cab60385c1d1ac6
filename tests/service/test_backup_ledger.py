"""Backups cannot resurrect an erased person: backup -> erase -> restore (the command and a copy put back by
hand) on SQLite and PostgreSQL, the ledger's hash chain, a foreign ledger refused, retention erasures, and the
scheduled rotation that retires KEK versions older than the backup window."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance import instance
from compliance.backup import copies
from compliance.clock import FrozenClock
from compliance.consent import decisions as consent_decisions
from compliance.crypto.keys import KeyUnavailable, open_key_provider
from compliance.dsar import ledger_sync
from compliance.dsar import process as processing
from compliance.dsar.ledger import Ledger, LedgerError, LedgerMark, ledger_of
from compliance.errors import Invalid, KeyMissing, SetupError, Suppressed
from compliance.keys import rotation
from compliance.retention import rules as retention
from compliance.services import build_services
from compliance.store.keyring import Keyring
from compliance.store.models import DataKey, Subject, Suppression
from compliance.subjects.lookup import find_subjects
from compliance.subjects.profiles import upsert
from compliance.subjects.shape import profile_of
from tests.service.test_erasure import PERSON, SECRETS, _person, _ready_erasure

OTHER = {"email": "stays@example.org", "first_name": "Остап", "last_name": "Бендер"}


def _pg_tools() -> None:
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not on PATH (install postgresql-client)")


def _erase(svc, admin) -> str:
    req = _ready_erasure(svc, admin)
    assert processing.process(svc, admin, req)["response"] == "erased"
    return req


def _reopen(settings, clock):
    return build_services(settings, clock=clock)


def _assert_erased(svc, sid: str) -> None:
    person = Subject.get_by_id(sid)
    assert person.erased_at is not None and person.pii is None
    assert DataKey.get_or_none(DataKey.subject_id == sid) is None
    assert find_subjects(svc, "email", PERSON["email"]) == set()
    assert (
        consent_decisions.check(svc, svc.local_actor(), purpose="service_messages", email=PERSON["email"])["state"]
        == "suppressed"
    )
    with pytest.raises(Suppressed):
        upsert(svc, svc.local_actor(), {"email": PERSON["email"]})


def test_backup_erase_restore_command(svc, admin, settings, clock, backend, tmp_path):
    if backend == "postgres":
        _pg_tools()
    sid = _person(svc, admin)
    other, _ = upsert(svc, admin, dict(OTHER))
    made = copies.create(svc, admin, tmp_path / "before.backup")
    assert made["bytes"] > 0 and (tmp_path / "before.backup").stat().st_mode & 0o777 == 0o600
    # the copy holds the person: that is what a restore would bring back without the ledger
    _erase(svc, admin)
    assert Suppression.select().count() >= 3

    result = instance.restore_backup(svc, admin, tmp_path / "before.backup")

    assert result["erasures_reapplied"] == 1 and result["subjects_shredded"] == 1
    assert result["tombstones_restored"] >= 3
    fresh = _reopen(settings, clock)
    try:
        _assert_erased(fresh, sid)
        assert profile_of(Subject.get_by_id(other))["emails"] == [OTHER["email"]]  # the rest came back intact
        # the restore is audited, with the audit head it replaced; the re-application too
        actions = [e["action"] for e in fresh.audit.tail(5)]
        assert "backup.restore" in actions and "erasure.reapply" in actions
        restore = next(e for e in fresh.audit.tail(5) if e["action"] == "backup.restore")
        assert restore["details"]["replaced_audit_seq"] > 0
        assert not any(s in json.dumps(restore, ensure_ascii=False) for s in SECRETS)
        # opening again re-applies nothing
        assert ledger_sync.catch_up(fresh)["reapplied"] == 0
    finally:
        fresh.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # PostgreSQL's hand restore: the next test
def test_copy_put_back_by_hand_is_erased_on_open(svc, admin, settings, clock, backend, tmp_path):
    """SQLite: the database file copied away and back with cp while nothing runs; the next process erases again."""
    sid = _person(svc, admin)
    db_file = Path(settings.database_url.removeprefix("sqlite:///"))
    svc.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    saved = tmp_path / "hand-copy.db"
    source = sqlite3.connect(db_file)
    target = sqlite3.connect(saved)
    source.backup(target)
    target.close()
    source.close()
    _erase(svc, admin)
    svc.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(saved, db_file)
    # the copy really holds the person, readable with today's key file, until a process opens it
    raw = sqlite3.connect(db_file)
    wrapped = raw.execute(f"SELECT count(*) FROM {DataKey._meta.table_name} WHERE subject_id = ?", (sid,)).fetchone()[0]
    raw.close()
    assert wrapped == 1

    fresh = _reopen(settings, clock)
    try:
        _assert_erased(fresh, sid)
        assert LedgerMark.select().where(LedgerMark.how == "reapplied").count() == 1
    finally:
        fresh.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_copy_restored_with_pg_restore_by_hand(svc, admin, settings, clock, backend, tmp_path):
    """PostgreSQL: a dump restored with the client tools directly (not our command); the next open erases."""
    _pg_tools()
    sid = _person(svc, admin)
    copies.create(svc, admin, tmp_path / "dump.backup")
    _erase(svc, admin)
    svc.close()
    conninfo, env, _ = copies._postgres_target(settings.database_url)
    copies._run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={conninfo}", str(tmp_path / "dump.backup")],
        env,
        "pg_restore",
    )
    fresh = _reopen(settings, clock)
    try:
        _assert_erased(fresh, sid)
    finally:
        fresh.close()


def test_ledger_holds_no_personal_data_and_its_chain_is_checked(svc, admin, settings, clock):
    sid = _person(svc, admin)
    req = _erase(svc, admin)
    path = ledger_of(svc).path
    assert path.parent == settings.key_file.parent and path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    assert not any(s in text for s in SECRETS)
    (entry,) = [json.loads(line) for line in text.splitlines()]
    assert entry["subject"] == sid and entry["request"] == req and entry["reason"] == "erasure"
    assert len(entry["tombstones"]) >= 3
    assert Ledger(path).verify()["entries"] == 1
    # an edited entry breaks the chain, and a process refuses to open rather than guess
    path.write_text(text.replace(sid, "sub_someoneelse0000"))
    with pytest.raises(LedgerError, match="hash chain breaks at line 1"):
        list(Ledger(path).entries())
    path.write_text(text)
    svc.close()
    # a ledger that ends before what this database applied (another instance's, or truncated) is refused
    path.write_text("")
    with pytest.raises(LedgerError, match="truncated or belongs to another instance"):
        _reopen(settings, clock)
    path.write_text(text)
    _reopen(settings, clock).close()


def test_retention_erasures_are_in_the_ledger(svc, admin, settings, clock, tmp_path):
    sid, _ = upsert(svc, admin, {"email": "old.lead@example.org", "first_name": "Лид"}, source="form")
    copies.create(svc, admin, tmp_path / "before.backup")
    clock.advance(days=400)
    retention.run(svc, admin)
    assert Subject.get_by_id(sid).erased_at is not None
    (entry,) = list(ledger_of(svc).entries())
    assert entry["subject"] == sid and entry["reason"] == "retention:delete" and entry["request"] is None

    instance.restore_backup(svc, admin, tmp_path / "before.backup")

    fresh = _reopen(settings, clock)
    try:
        assert Subject.get_by_id(sid).erased_at is not None and Subject.get_by_id(sid).pii is None
    finally:
        fresh.close()


def test_restore_refuses_what_is_not_a_backup(svc, admin, tmp_path):
    sid, _ = upsert(svc, admin, dict(OTHER))
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with pytest.raises(Invalid) as err:
        instance.restore_backup(svc, admin, junk)
    assert err.value.errors[0]["code"] in ("backup.unreadable", "backup.not_consentry")
    with pytest.raises(Invalid) as err:
        instance.restore_backup(svc, admin, tmp_path / "missing.backup")
    assert err.value.errors[0]["code"] == "backup.missing"
    # the instance is untouched by a refused restore
    assert profile_of(Subject.get_by_id(sid))["emails"] == [OTHER["email"]]


def test_scheduled_rotation_retires_versions_older_than_the_backup_window(svc, admin, settings, tmp_path):
    # The key file stamps versions with the real time; the service clock starts there and is moved by hand.
    clock = svc.clock = FrozenClock(datetime.now(UTC).replace(tzinfo=None))
    sid = _person(svc, admin)
    copies.create(svc, admin, tmp_path / "old.backup")
    # what the copy holds: the person's data key as wrapped when it was taken
    old_version, old_wrapped = (
        DataKey.select(DataKey.kek_version, DataKey.wrapped).where(DataKey.subject_id == sid).tuples().get()
    )
    old_wrapped = bytes(old_wrapped)
    assert old_version == 1
    window = rotation.backup_window_days(svc)
    assert window == 35  # policies/retention.yaml backups.keep_days
    clock.advance(days=31)
    first = rotation.scheduled(svc, admin, rotate_days=30)
    assert first["rotated"] and first["active"] == 2 and first["retired"] == []  # v1 superseded just now
    clock.advance(days=window + 1)
    second = rotation.scheduled(svc, admin, rotate_days=30)
    assert 1 in second["retired"] and second["active"] == 3
    # the copy's data key is wrapped under v1, whose material is gone from the key file
    keys = open_key_provider(settings.key_file, None)
    assert keys.kek_versions()[1] == "retired"
    with pytest.raises(KeyUnavailable):
        keys.kek(1)
    with pytest.raises(KeyMissing, match="KEK version 1"):
        Keyring(keys).unwrap(sid, old_version, old_wrapped)
    # today's data still reads (rewrapped under the newest version)
    assert profile_of(Subject.get_by_id(sid))["emails"][0] == PERSON["email"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_without_pg_dump_the_message_says_what_to_install(svc, admin, backend, tmp_path, monkeypatch):
    monkeypatch.setattr(copies.shutil, "which", lambda name: None)
    with pytest.raises(SetupError, match="pg_dump is not on PATH: install the PostgreSQL client"):
        copies.create(svc, admin, tmp_path / "x.backup")
    assert not (tmp_path / "x.backup").exists() and not (tmp_path / "x.backup.part").exists()


APPEND_IN_A_PROCESS = """
import sys

from compliance.dsar import ledger
from compliance.services import build_services
from compliance.settings import Settings

services = build_services(Settings.load())
for i in range(int(sys.argv[2])):
    with services.transaction():
        ledger.record(services, [{"subject": f"{sys.argv[1]}-{i}", "reason": "test", "holds": False}])
services.close()
"""


def test_two_processes_appending_keep_one_dense_chain(svc, admin, settings, backend):
    """Two processes erasing at once: seq numbers stay dense, the chain verifies, every mark is in the database."""
    svc.close()
    env = {**os.environ, "CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    procs = [
        subprocess.Popen([sys.executable, "-c", APPEND_IN_A_PROCESS, name, "15"], env=env, stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()[-800:]
    fresh = build_services(settings)
    try:
        assert ledger_of(fresh).verify()["entries"] == 30
        subjects = [e["subject"] for e in ledger_of(fresh).entries()]
        assert sorted(subjects) == sorted([f"a-{i}" for i in range(15)] + [f"b-{i}" for i in range(15)])
        assert ledger_sync.position(fresh) == {"ledger": 30, "applied": 30, "behind": 0}
    finally:
        fresh.close()


def test_key_rotation_runs_as_a_scheduled_job(svc, admin):
    from compliance.jobs import runner as jobs

    run = jobs.run_job(svc, admin, "key_rotation")
    assert run["status"] == "ok", run
    # a key file made today: nothing to rotate yet, nothing old enough to retire
    assert run["result"]["rotated"] is False and run["result"]["retired"] == []
    assert run["result"]["backup_window_days"] == 35
