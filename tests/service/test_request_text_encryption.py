"""DSAR free text (extension reason, verification note, denial ground) is sealed under a key per request: no trace of
it in the database's bytes, audit or timeline; it reads back wherever it is shown; it outlives the person's erasure;
key rotation rewraps it; migration 12 moves the plain text of an older database into ciphertext."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.audit.models import AuditEntry
from compliance.dsar import decisions, intake, listing, verification
from compliance.dsar import process as processing
from compliance.dsar.models import DsarRequest, RequestEvent
from compliance.errors import Conflict
from compliance.keys import rotation
from compliance.migrations import migrate
from compliance.services import build_services
from compliance.store.db import database
from compliance.store.models import DataKey, SchemaMigration
from compliance.subjects.profiles import upsert
from tests.service.test_erasure import _ready_erasure
from tests.support.api_helpers import auth
from tests.support.pii_probe import marker

NOTE = marker("request-note")
REASON = marker("request-reason")
GROUND = marker("request-ground")
TEXT_COLUMNS = ("extension_reason", "verification_note", "denial_ground")
EMAIL = "vera.lopatina@example.org"


def _decided(svc, admin) -> tuple[str, str]:
    """(an access request verified with a note and extended with a reason, another one rejected with a ground)."""
    upsert(svc, admin, {"email": EMAIL, "first_name": "Вера", "birth_date": "1985-03-04"})
    kept = intake.submit(svc, admin, type="access", regime="gdpr", email=EMAIL)["id"]
    verification.verify(svc, admin, kept, method="manual", note=f"паспорт проверен {NOTE}")
    decisions.extend(svc, admin, kept, reason=f"архив на складе {REASON}")
    refused = intake.submit(svc, admin, type="portability", regime="gdpr", email=EMAIL)["id"]
    decisions.reject(svc, admin, refused, ground=f"manifestly unfounded: {GROUND}")
    return kept, refused


def _raw_columns(request_id: str) -> list[bytes | None]:
    names = ", ".join(TEXT_COLUMNS)
    values = database.execute_sql(f"SELECT {names} FROM dsar_request WHERE id = {_param()}", (request_id,)).fetchone()
    return [None if v is None else v.encode() if isinstance(v, str) else bytes(v) for v in values]


def _param() -> str:
    return "?" if database.obj.__class__.__name__ == "SqliteDatabase" else "%s"


def _db_files(settings) -> list[Path]:
    db_file = Path(settings.database_url.removeprefix("sqlite:///"))
    return [db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")]


def _needles_in(data: bytes) -> list[str]:
    return [n for n in (NOTE, REASON, GROUND) if n.encode() in data]


def test_free_text_is_nowhere_in_the_database_and_reads_back(svc, admin, settings, backend, client, keys):
    kept, refused = _decided(svc, admin)

    # It reads back through every view: the request, the queue, the §7101 record CSV, the API.
    shown = listing.show(svc, admin, kept)
    assert shown["verification"]["note"] == f"паспорт проверен {NOTE}"
    assert shown["extension_reason"] == f"архив на складе {REASON}"
    items = listing.list_requests(svc, admin)
    assert {i["id"]: i["denial_ground"] for i in items}[refused] == f"manifestly unfounded: {GROUND}"
    assert GROUND in listing.records_csv(items)
    api = client.get(f"/v1/requests/{kept}", headers=auth(keys["dpo"])).get_json()
    assert api["extension_reason"].endswith(REASON) and api["verification"]["note"].endswith(NOTE)

    # Stored: ciphertext under each request's own key, never the text.
    for rid in (kept, refused):
        assert DataKey.get_or_none(DataKey.subject_id == rid) is not None
        for blob in _raw_columns(rid):
            assert blob is None or _needles_in(blob) == []
    assert all(v is not None for v in _raw_columns(kept)[:2]) and _raw_columns(refused)[2] is not None
    # The timeline and the audit say what was decided, not the words.
    events = " ".join(e.details for e in RequestEvent.select())
    audit = " ".join(e.details for e in AuditEntry.select())
    assert _needles_in(events.encode()) == [] and _needles_in(audit.encode()) == []
    if backend == "sqlite":
        database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")
        found = {str(p): _needles_in(p.read_bytes()) for p in _db_files(settings) if p.is_file()}
        assert {p: n for p, n in found.items() if n} == {}
    else:
        types = database.execute_sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'dsar_request' AND column_name IN ('extension_reason', 'verification_note', "
            "'denial_ground')"
        ).fetchall()
        assert dict(types) == dict.fromkeys(TEXT_COLUMNS, "bytea")
        # and no SQL can filter on the text
        hits = database.execute_sql(
            "SELECT count(*) FROM dsar_request WHERE encode(denial_ground, 'escape') LIKE %s", (f"%{GROUND}%",)
        ).fetchone()
        assert hits == (0,)


def test_the_text_outlives_the_erasure_of_the_person(svc, admin):
    kept, refused = _decided(svc, admin)
    sid = DsarRequest.get_by_id(kept).subject_id
    processing.process(svc, admin, _ready_erasure(svc, admin, email=EMAIL))

    assert DataKey.get_or_none(DataKey.subject_id == sid) is None  # the person's key is gone
    svc.keyring.clear()
    assert listing.show(svc, admin, kept)["extension_reason"].endswith(REASON)  # the request's key is not
    assert listing.show(svc, admin, refused)["denial_ground"].endswith(GROUND)


def test_rotation_rewraps_request_keys_and_the_old_version_can_be_retired(svc, admin):
    # A request that matches nobody: its request key is the only data key in the database.
    rid = intake.submit(svc, admin, type="access", regime="gdpr", email="nobody@example.org")["id"]
    decisions.reject(svc, admin, rid, ground=f"no data held {GROUND}")
    assert [(k.subject_id, k.kek_version) for k in DataKey.select()] == [(rid, 1)]
    svc.keys.add_kek()
    with pytest.raises(Conflict, match="still wrapped under KEK version 1"):
        rotation.retire(svc, admin, 1)  # the request key still needs version 1

    assert rotation.rewrap(svc, admin, new_version=False)["rewrapped"] == 1
    assert DataKey.get_by_id(rid).kek_version == 2
    assert rotation.retire(svc, admin, 1) == {"retired": 1}

    fresh = build_services(svc.settings, clock=svc.clock)
    try:
        assert listing.show(fresh, fresh.local_actor(), rid)["denial_ground"] == f"no data held {GROUND}"
    finally:
        fresh.close()


def test_migration_12_moves_plain_text_into_ciphertext(svc, admin, settings, backend):
    rid = intake.submit(svc, admin, type="access", regime="gdpr", email="old.request@example.org")["id"]
    blank = intake.submit(svc, admin, type="access", regime="gdpr", email="old.blank@example.org")["id"]
    untouched = intake.submit(svc, admin, type="access", regime="gdpr", email="old.none@example.org")["id"]
    # The database as migration 11 left it: text columns (on PostgreSQL) holding plain text, written by raw SQL.
    if backend == "postgres":
        for column in TEXT_COLUMNS:
            database.execute_sql(f'ALTER TABLE "dsar_request" ALTER COLUMN "{column}" TYPE text USING NULL')
    SchemaMigration.delete().where(SchemaMigration.version == 12).execute()
    p = _param()
    database.execute_sql(
        f"UPDATE dsar_request SET extension_reason = {p}, verification_note = {p}, denial_ground = {p} WHERE id = {p}",
        (f"reason {REASON}", f"note {NOTE}", f"ground {GROUND}", rid),
    )
    database.execute_sql(f"UPDATE dsar_request SET verification_note = {p} WHERE id = {p}", ("  ", blank))
    assert _needles_in(b"".join(_raw_columns(rid))) == [NOTE, REASON, GROUND]  # plain text, as a scan would see

    assert [m.version for m in migrate(database.obj)] == [12]

    assert _raw_columns(untouched) == [None, None, None]
    assert _raw_columns(blank) == [None, None, None]  # blank text is cleared, not sealed
    assert DataKey.get_or_none(DataKey.subject_id == blank) is None
    assert DataKey.get_or_none(DataKey.subject_id == rid) is not None
    sealed = _raw_columns(rid)
    assert all(sealed) and _needles_in(b"".join(sealed)) == []
    svc.keyring.clear()
    shown = listing.show(svc, admin, rid)
    assert (shown["extension_reason"], shown["verification"]["note"], shown["denial_ground"]) == (
        f"reason {REASON}",
        f"note {NOTE}",
        f"ground {GROUND}",
    )
    if backend == "sqlite":
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # what closing the last connection does
        found = {str(path): _needles_in(path.read_bytes()) for path in _db_files(settings) if path.is_file()}
        assert {path: n for path, n in found.items() if n} == {}
    # A later write goes on under the same request key.
    decisions.reject(svc, admin, rid, ground="changed ground")
    assert listing.show(svc, admin, rid)["denial_ground"] == "changed ground"
