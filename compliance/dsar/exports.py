"""Erasure from the files Consentry wrote (the registry of compliance.subjects.files): by record and subject id,
never by matching lines.

For each registered file holding the person: gone -> "missing"; bytes other than the registered digest ->
"changed" (left untouched); a certificate -> "kept" (it holds ids only); an access bundle -> "deleted"; a CSV or
JSON export -> "rewritten" without the records whose `id` is the person's (atomically, mode 0600), and the
registry takes the new digest and drops the person. Files in the exports folder that are not registered are never
modified; those holding one of the person's identifiers are listed as "unregistered". Only "rewritten",
"deleted" and "kept" are verified outcomes.

A rewrite replaces the file before the erasure step's transaction commits. So that a process killed in between
does not leave its own rewrite looking "changed" to the resumed step, each replace is first noted in a journal
(file id, subject id, digests before and after; no personal data) that the next run reconciles.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from compliance.subjects import files
from compliance.subjects.files import WrittenFile
from compliance.subjects.shape import identifiers

VERIFIED = ("rewritten", "deleted", "kept")
CERTIFICATE_KEPT = "holds pseudonymous ids and counts only, no personal data"


def erase_from_files(svc, subject_id: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """Remove a subject from every registered file holding it and list each file with its outcome; `profile`
    (None once the key is gone) names the identifiers to look for in unregistered files of the exports folder."""
    journal = Journal(svc)
    journal.prune()
    outcomes = [_erase_from(svc, row, subject_id, journal) for row in files.holding(subject_id)]
    if profile is not None:
        outcomes += unregistered(svc, profile)
    return {
        "verified": all(o["outcome"] in VERIFIED for o in outcomes),
        "files": outcomes,
        "unregistered_scanned": profile is not None,
        "export_files_deleted": sum(o["outcome"] == "deleted" for o in outcomes),
        "export_records_removed": sum(o["records_removed"] for o in outcomes),
    }


def _erase_from(svc, row: WrittenFile, subject_id: str, journal: Journal) -> dict[str, Any]:
    entry = {"file": row.id, "kind": row.kind, "path": row.path, "outcome": "", "records_removed": 0}
    path = Path(row.path)
    if not path.is_file():
        if journal.landed(row, None) is not None:  # deleted by an earlier attempt whose transaction was lost
            files.retire(svc, row.id)
            return {**entry, "outcome": "deleted"}
        return {**entry, "outcome": "missing"}
    sha256, size = files.digest_of(path)
    landed = journal.landed(row, sha256)
    if sha256 != row.sha256 and landed is None:
        return {**entry, "outcome": "changed"}
    earlier = landed["removed"] if landed is not None and landed["subject"] == subject_id else 0
    if row.kind == "certificate":
        return {**entry, "outcome": "kept", "reason": CERTIFICATE_KEPT}
    if row.kind == "bundle":
        journal.note(row, subject_id, None, 0)
        path.unlink()
        files.retire(svc, row.id)
        return {**entry, "outcome": "deleted"}
    rewrite = REWRITERS.get(row.format)
    if rewrite is None:
        return {**entry, "outcome": "unsupported"}
    tmp, fd = files.private_temp(path, ".erasing")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            removed = rewrite(path, out, {subject_id})
        if removed is None:
            return {**entry, "outcome": "unsupported"}
        if removed:
            sha256, size = files.digest_of(tmp)
            journal.note(row, subject_id, sha256, removed)
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    files.rewritten(svc, row.id, sha256, size, [subject_id])
    return {**entry, "outcome": "rewritten", "records_removed": removed + earlier}


def _csv_without(path: Path, out, ids: set[str]) -> int | None:
    """Copy a CSV export without the records whose `id` column is one of ids (quoted multi-line values go with their
    record); None when the file has no `id` column."""
    with open(path, encoding="utf-8", newline="") as src:
        reader = csv.reader(src)
        header = next(reader, None)
        if header is None or "id" not in header:
            return None
        column = header.index("id")
        writer = csv.writer(out)  # the dialect write_export uses, so kept records keep their bytes
        writer.writerow(header)
        removed = 0
        for record in reader:
            if len(record) > column and record[column] in ids:
                removed += 1
            else:
                writer.writerow(record)
    return removed


def _json_without(path: Path, out, ids: set[str]) -> int | None:
    """Copy a JSON array export without the entries whose "id" is one of ids; None when it is not an array."""
    try:
        kept, removed = _entries_by_line(path, ids)
    except ValueError:
        # Not the one-entry-per-line layout write_export uses: parse the whole array instead.
        with open(path, encoding="utf-8") as src:
            data = json.load(src)
        if not isinstance(data, list):
            return None
        kept = [json.dumps(e, ensure_ascii=False) for e in data if not (isinstance(e, dict) and e.get("id") in ids)]
        removed = len(data) - len(kept)
    out.write("[\n")
    for i, text in enumerate(kept):
        out.write(("," if i else "") + text + "\n")
    out.write("]\n")
    return removed


def _entries_by_line(path: Path, ids: set[str]) -> tuple[list[str], int]:
    """The JSON text of each kept entry of a one-entry-per-line array, and how many were dropped (ValueError for
    any other layout)."""
    kept: list[str] = []
    removed = 0
    with open(path, encoding="utf-8") as src:
        lines = [line.strip() for line in src if line.strip()]
    if not lines or lines[0] != "[" or lines[-1] != "]":
        raise ValueError("not one entry per line")
    for i, line in enumerate(lines[1:-1]):
        text = line[1:] if i and line.startswith(",") else line
        entry = json.loads(text)
        if not isinstance(entry, dict):
            raise ValueError("an entry is not an object")
        if entry.get("id") in ids:
            removed += 1
        else:
            kept.append(text)
    return kept, removed


REWRITERS = {"csv": _csv_without, "json": _json_without}


def unregistered(svc, profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Files in the exports folder that are not registered and hold one of the person's identifiers (listed only:
    a substring is no proof of whose record it is, so nothing is modified)."""
    folder = svc.settings.exports_dir
    needles = sorted({v.encode("utf-8") for _, v in identifiers(profile) if v and len(v) >= 5})
    if folder is None or not Path(folder).is_dir() or not needles:
        return []
    known = files.registered_paths()
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        if str(path.absolute()) not in known and _holds_any(path, needles):
            where = str(path.absolute())
            found.append({"file": None, "kind": None, "path": where, "outcome": "unregistered", "records_removed": 0})
    return found


def _holds_any(path: Path, needles: list[bytes]) -> bool:
    overlap = max(len(n) for n in needles) - 1
    tail = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            window = tail + block
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:] if overlap else b""
    return False


class Journal:
    """Rewrites and deletions about to happen, one small JSON file per registered file (ids and digests only)."""

    def __init__(self, svc):
        self.folder = Path(svc.settings.home) / "export-rewrites"

    def _path(self, file_id: str) -> Path:
        return self.folder / f"{file_id}.json"

    def note(self, row: WrittenFile, subject_id: str, after: str | None, removed: int) -> None:
        """Note, before replacing or deleting a file, what it is about to become (None: deleted)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        note = {"file": row.id, "subject": subject_id, "before": row.sha256, "after": after, "removed": removed}
        tmp, fd = files.private_temp(self._path(row.id))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(note, fh)
        os.replace(tmp, self._path(row.id))

    def _read(self, file_id: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(file_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def landed(self, row: WrittenFile, current: str | None) -> dict[str, Any] | None:
        """The note of a replace or deletion that reached the disk while the registry still says `before`."""
        note = self._read(row.id)
        if note is not None and note["before"] == row.sha256 and note["after"] == current:
            return note
        return None

    def prune(self) -> None:
        """Drop notes whose change committed (the registry shows it) or never reached the disk."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            note = self._read(path.stem)
            row = WrittenFile.get_or_none(WrittenFile.id == path.stem)
            if note is None or row is None or row.sha256 != note["before"] or row.removed_at is not None:
                path.unlink(missing_ok=True)
                continue
            target = Path(row.path)
            current = files.digest_of(target)[0] if target.is_file() else None
            if current != note["after"]:
                path.unlink(missing_ok=True)
