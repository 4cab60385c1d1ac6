"""The registry of files Consentry writes that hold personal data (exports, access bundles, certificates).

Each file is registered with its absolute path, the SHA-256 of the bytes as written, its size and the ids of
the subjects in it, so an erasure can find every file holding a person and tell a file it wrote from one that
changed since (compliance.dsar.exports). Membership is a row per (file, subject): an export can hold a million
subjects, and erasure looks them up by subject. Rows hold ids, digests and paths, never a personal value.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from peewee import BigIntegerField, CharField, CompositeKey, DateTimeField, TextField

from compliance.clock import iso
from compliance.errors import Invalid
from compliance.ids import new_id
from compliance.store.bulk import insert_rows
from compliance.store.models import BaseModel

KINDS = ("export", "bundle", "certificate")
CHUNK = 10_000  # membership rows per executemany: bounded memory for a million-subject export


class WrittenFile(BaseModel):
    """One file Consentry wrote; `removed_at` is set once it was deleted or overwritten by a newer file."""

    id = CharField(primary_key=True, max_length=40)  # fil_...
    kind = CharField(max_length=16)  # export | bundle | certificate
    path = TextField(index=True)  # absolute
    sha256 = CharField(max_length=64)  # of the bytes as written (updated when an erasure rewrites the file)
    size = BigIntegerField()
    format = CharField(max_length=16)  # csv | json | zip
    request_id = CharField(max_length=40, null=True)
    created_at = DateTimeField()
    rewritten_at = DateTimeField(null=True)
    removed_at = DateTimeField(null=True)


class WrittenFileSubject(BaseModel):
    """A subject whose data is in a written file."""

    file_id = CharField(max_length=40)
    subject_id = CharField(max_length=40, index=True)

    class Meta:
        primary_key = CompositeKey("file_id", "subject_id")


FILE_MODELS = [WrittenFile, WrittenFileSubject]


def digest_of(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size) of a file's bytes, read in chunks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def instance_files(settings) -> tuple[set[Path], list[Path]]:
    """(files, folders) of the instance itself, resolved: nothing Consentry writes for a user may land there."""
    own = {Path(settings.key_file), Path(settings.key_file).with_suffix(".tmp")}
    if settings.erasure_ledger:
        own.add(Path(settings.erasure_ledger))
    if settings.log_file:
        own.add(Path(settings.log_file))
    if settings.is_sqlite:
        database = Path(settings.database_url.split(":///", 1)[1])
        own |= {database, *(Path(f"{database}{s}") for s in ("-wal", "-shm", "-journal"))}
    folders = [Path(settings.policies_dir), Path(settings.home) / "export-rewrites"]
    if settings.outbox_dir:
        folders.append(Path(settings.outbox_dir))
    return {p.resolve() for p in own}, [f.resolve() for f in folders]


def check_target(settings, out: Path, field: str = "out") -> Path:
    """Refuse an output path that is a folder or one of the instance's own files (key file, ledger, database, log,
    policies, outbox): an export written over the key file would leave the whole base unreadable."""
    out = Path(out)
    if out.is_dir():
        raise Invalid(f"{field} is a folder; give a file name", errors=[{"field": field, "code": "path.is_folder"}])
    target = out.resolve()
    own, folders = instance_files(settings)
    if target in own or any(target.is_relative_to(f) for f in folders):
        raise Invalid(
            f"{field} names one of the instance's own files ({target.name}); write it somewhere else",
            errors=[{"field": field, "code": "path.instance_file"}],
        )
    return out


def private_temp(out: Path, suffix: str = ".part") -> tuple[Path, int]:
    """A temp file beside `out` (same folder, so os.replace is atomic), open for writing with mode 0600."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + suffix)
    return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def publish(
    svc,
    tmp: Path,
    out: Path,
    *,
    kind: str,
    fmt: str,
    subjects: Iterable[str],
    request_id: str | None = None,
) -> dict[str, Any]:
    """Move a finished temp file to `out` and register it with its subjects, in one transaction: a file is in
    place only if its registration commits (a failed commit removes it again)."""
    if kind not in KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    out = Path(out).absolute()
    sha256, size = digest_of(tmp)
    now = svc.clock.now()
    file_id = new_id("fil")
    replaced = False
    try:
        with svc.transaction():
            # A file overwritten at the same path is no longer the one registered before.
            for old in WrittenFile.select(WrittenFile.id).where(
                (WrittenFile.path == str(out)) & WrittenFile.removed_at.is_null()
            ):
                retire(svc, old.id)
            WrittenFile.insert(
                id=file_id,
                kind=kind,
                path=str(out),
                sha256=sha256,
                size=size,
                format=fmt,
                request_id=request_id,
                created_at=now,
            ).execute()
            count = _add_members(file_id, subjects)
            os.replace(tmp, out)
            replaced = True
    except BaseException:
        tmp.unlink(missing_ok=True)
        if replaced:
            out.unlink(missing_ok=True)  # in place but not registered: the commit failed
        raise
    return {"id": file_id, "kind": kind, "path": str(out), "sha256": sha256, "size": size, "subjects": count}


def write_file(svc, out: Path, data: bytes, **registration: Any) -> dict[str, Any]:
    """Write bytes to `out` atomically (mode 0600) and register the file (see `publish`)."""
    check_target(svc.settings, Path(out))
    tmp, fd = private_temp(Path(out))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return publish(svc, tmp, Path(out), **registration)


def _add_members(file_id: str, subjects: Iterable[str]) -> int:
    count = 0
    chunk: list[dict[str, str]] = []
    for sid in dict.fromkeys(subjects):
        chunk.append({"file_id": file_id, "subject_id": sid})
        if len(chunk) == CHUNK:
            count += insert_rows(WrittenFileSubject, chunk)
            chunk = []
    return count + insert_rows(WrittenFileSubject, chunk)


def holding(subject_id: str) -> list[WrittenFile]:
    """The registered files (not removed) that hold a subject, oldest first."""
    query = (
        WrittenFile.select()
        .join(WrittenFileSubject, on=(WrittenFileSubject.file_id == WrittenFile.id))
        .where((WrittenFileSubject.subject_id == subject_id) & WrittenFile.removed_at.is_null())
        .order_by(WrittenFile.created_at, WrittenFile.id)
    )
    return list(query)


def subjects_of(file_id: str) -> list[str]:
    """The subject ids registered in a file."""
    rows = WrittenFileSubject.select(WrittenFileSubject.subject_id).where(WrittenFileSubject.file_id == file_id)
    return sorted(r.subject_id for r in rows)


def registered_paths() -> set[str]:
    """Absolute paths of every registered file that is not removed."""
    return {r.path for r in WrittenFile.select(WrittenFile.path).where(WrittenFile.removed_at.is_null())}


def rewritten(svc, file_id: str, sha256: str, size: int, removed_subjects: Iterable[str]) -> None:
    """Record that a file was rewritten without some subjects: its new digest and size, their membership gone."""
    WrittenFile.update(sha256=sha256, size=size, rewritten_at=svc.clock.now()).where(
        WrittenFile.id == file_id
    ).execute()
    WrittenFileSubject.delete().where(
        (WrittenFileSubject.file_id == file_id) & WrittenFileSubject.subject_id.in_(list(removed_subjects))
    ).execute()


def retire(svc, file_id: str) -> None:
    """Record that a file was deleted or overwritten: it holds nobody any more."""
    WrittenFile.update(removed_at=svc.clock.now()).where(WrittenFile.id == file_id).execute()
    WrittenFileSubject.delete().where(WrittenFileSubject.file_id == file_id).execute()


def view(row: WrittenFile) -> dict[str, Any]:
    """A registered file as plain data (ids, digest, path; no personal data)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "path": row.path,
        "sha256": row.sha256,
        "size": row.size,
        "format": row.format,
        "request": row.request_id,
        "created_at": iso(row.created_at),
        "rewritten_at": iso(row.rewritten_at),
        "removed_at": iso(row.removed_at),
    }
