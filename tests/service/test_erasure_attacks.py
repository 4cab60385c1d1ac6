"""What a red-team session tried against the erasure guarantees, kept as tests: merge chains, a kill between the
ledger and the shred, a full disk, exports aimed at the instance's own files, restores of copies this instance
cannot use (another schema, another instance, retired keys, a fake file), a ledger path that is a folder."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from compliance import instance
from compliance.backup import copies
from compliance.crypto.keys import FileKeyProvider
from compliance.dsar import ledger_sync
from compliance.dsar import process as processing
from compliance.dsar.ledger import LedgerError, ledger_of
from compliance.errors import Invalid
from compliance.keys import rotation
from compliance.services import build_services
from compliance.stewardship import merges
from compliance.store.models import DataKey, SchemaMigration, Subject
from compliance.subjects.exporter import write_export
from compliance.subjects.profiles import upsert
from tests.service.test_erasure import PERSON, _person, _ready_erasure


def test_records_merged_at_any_depth_are_erased_with_the_person(svc, admin):
    a, _ = upsert(svc, admin, {"email": "a.old@example.org", "first_name": "Аня"})
    b, _ = upsert(svc, admin, {"email": "b.mid@example.org", "first_name": "Аня"})
    c, _ = upsert(svc, admin, {"email": PERSON["email"], "first_name": "Аня"})
    merges.merge(svc, admin, b, a)  # a into b
    merges.merge(svc, admin, c, b)  # b (holding a) into c
    req = _ready_erasure(svc, admin)
    processing.process(svc, admin, req)
    for sid in (a, b, c):
        person = Subject.get_by_id(sid)
        assert person.pii is None and DataKey.get_or_none(DataKey.subject_id == sid) is None, sid
    assert {e["subject"] for e in ledger_of(svc).entries()} == {a, b, c}


def test_the_ledger_is_written_before_the_key_is_destroyed(svc, admin, settings, clock, tmp_path):
    sid = _person(svc, admin)
    copies.create(svc, admin, tmp_path / "before.db")
    req = _ready_erasure(svc, admin)

    class Killed(Exception):
        pass

    def die_after_ledger(subject, step):
        if step == "ledger":
            raise Killed  # the process dies here: the entry is written, the key not yet destroyed

    with pytest.raises(Killed):
        processing.process(svc, admin, req, on_step=die_after_ledger)
    assert DataKey.get_or_none(DataKey.subject_id == sid) is not None
    assert [e["subject"] for e in ledger_of(svc).entries()] == [sid]
    # the old copy put back now: the person is erased at once, although the erasure never finished
    instance.restore_backup(svc, admin, tmp_path / "before.db")
    fresh = build_services(settings, clock=clock)
    try:
        assert Subject.get_by_id(sid).pii is None and DataKey.get_or_none(DataKey.subject_id == sid) is None
    finally:
        fresh.close()


def test_a_ledger_that_cannot_be_written_stops_the_erasure_before_the_shred(svc, admin, settings, clock):
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is needed to simulate a full disk")
    sid = _person(svc, admin)
    req = _ready_erasure(svc, admin)
    svc.close()
    full = build_services(settings.with_overrides(erasure_ledger=Path("/dev/full")), clock=clock)
    try:
        with pytest.raises(LedgerError, match="cannot write the erasure ledger /dev/full: No space left"):
            processing.process(full, full.local_actor(), req)
        assert DataKey.get_or_none(DataKey.subject_id == sid) is not None  # nothing destroyed, nothing lost
    finally:
        full.close()
    again = build_services(settings, clock=clock)
    try:
        assert processing.process(again, again.local_actor(), req)["response"] == "erased"  # resumes
        assert DataKey.get_or_none(DataKey.subject_id == sid) is None
    finally:
        again.close()


def test_exports_and_backups_never_overwrite_the_instance_files(svc, admin, settings):
    upsert(svc, admin, dict(PERSON))
    keys_before = settings.key_file.read_bytes()
    targets = [settings.key_file, settings.erasure_ledger, settings.log_file, settings.policies_dir / "x.csv"]
    if settings.is_sqlite:
        targets.append(Path(settings.database_url.removeprefix("sqlite:///")))
    for target in targets:
        with pytest.raises(Invalid) as err:
            write_export(svc, admin, target, fmt="csv")
        assert err.value.errors[0]["code"] == "path.instance_file", target
        with pytest.raises(Invalid):
            copies.create(svc, admin, target)
    with pytest.raises(Invalid) as err:
        write_export(svc, admin, settings.home, fmt="csv")
    assert err.value.errors[0]["code"] == "path.is_folder"
    assert settings.key_file.read_bytes() == keys_before
    assert Subject.select().count() == 1  # the database is whole


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a dump's checks: the PostgreSQL test below
def test_restore_refuses_copies_this_instance_cannot_use(svc, admin, settings, clock, tmp_path, backend):
    _person(svc, admin)
    good = tmp_path / "good.db"
    copies.create(svc, admin, good)
    # a file with a schema_migration table and nothing else
    fake = tmp_path / "fake.db"
    conn = sqlite3.connect(fake)
    conn.execute(f"CREATE TABLE {SchemaMigration._meta.table_name} (x)")
    conn.close()
    # another instance's copy: same schema, other keys
    other = tmp_path / "other.db"
    shutil.copyfile(good, other)
    foreign_keys = tmp_path / "other-keys.json"
    FileKeyProvider.create(foreign_keys)
    cases = {fake: "backup.not_consentry"}
    for file, code in cases.items():
        with pytest.raises(Invalid) as err:
            instance.restore_backup(svc, admin, file)
        assert err.value.errors[0]["code"] == code
    svc.close()
    stranger = build_services(settings.with_overrides(key_file=foreign_keys), clock=clock)
    try:
        with pytest.raises(Invalid) as err:
            instance.restore_backup(stranger, stranger.local_actor(), other)
        assert err.value.errors[0]["code"] == "backup.other_instance"
    finally:
        stranger.close()
    # a copy whose key version has since been retired
    fresh = build_services(settings, clock=clock)
    try:
        rotation.rewrap(fresh, fresh.local_actor())
        rotation.retire(fresh, fresh.local_actor(), 1)
        with pytest.raises(Invalid) as err:
            instance.restore_backup(fresh, fresh.local_actor(), good)
        assert err.value.errors[0]["code"] == "backup.keys_retired"
        assert "KEK version 1" in str(err.value)
    finally:
        fresh.close()
    # the refusals replaced nothing: the instance still reads
    last = build_services(settings, clock=clock)
    try:
        assert Subject.select().where(Subject.pii.is_null(False)).count() == 1
    finally:
        last.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_dump_of_another_schema_is_refused(svc, admin, settings, backend, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not on PATH (install postgresql-client)")
    copies.create(svc, admin, tmp_path / "mine.dump")
    # the same dump, announced to an instance on another schema
    from tests.conftest import PG_URL, pg_drop_schema, pg_schema_url

    url, schema = pg_schema_url(PG_URL)
    try:
        svc.close()
        other = settings.with_overrides(database_url=url)
        instance.initialise(other)
        there = build_services(other)
        try:
            with pytest.raises(Invalid) as err:
                instance.restore_backup(there, there.local_actor(), tmp_path / "mine.dump")
            assert err.value.errors[0]["code"] == "backup.other_schema"
        finally:
            there.close()
    finally:
        pg_drop_schema(PG_URL, schema)


def test_a_ledger_path_that_is_a_folder_is_a_clear_error(svc, admin, settings, clock, tmp_path):
    svc.close()
    folder = tmp_path / "ledger-folder"
    folder.mkdir()
    with pytest.raises(LedgerError, match="is a folder; CONSENTRY_ERASURE_LEDGER names a file"):
        build_services(settings.with_overrides(erasure_ledger=folder), clock=clock)


def test_backup_checks_read_the_tables_the_models_name():
    # copies reads the copy with literal table names (no SQL built from strings)
    assert SchemaMigration._meta.table_name == "schema_migration" and DataKey._meta.table_name == "data_key"
    assert ledger_sync.BATCH > 0
