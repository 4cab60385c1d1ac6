"""Bulk import of contacts: streaming, batched, idempotent upserts by blind index, every bad row reported.

A row lands unless it has no identifying value, names an unknown kind, points at two different existing
subjects (left for hygiene review), or matches an erased person's tombstone (counted as suppressed).
An invalid email or phone does not reject the row: it lands and the field is flagged.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import parse_iso
from compliance.errors import Invalid
from compliance.ids import new_id
from compliance.store.bulk import insert_rows, select_in, update_rows
from compliance.store.models import BlindIndex, DataKey, Subject, Suppression
from compliance.subjects.profiles import (
    CHANNELS,
    KINDS,
    TEXT_FIELDS,
    clean_phone,
    contact_flags,
    empty_profile,
    has_identity,
    identifiers,
    index_rows,
    index_rows_of,
    merge_into,
    split_profile,
)
from compliance.subjects.tabular import canonical_header, csv_headers, is_bad_line, read_rows
from hygiene.fullname import split_full_name


@dataclass
class ImportReport:
    """What an import did; `errors` and `warnings` name rows, fields and codes, never values."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    suppressed: int = 0
    flagged: int = 0
    rows: int = 0
    dry_run: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md summary plus extra counters."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "suppressed": self.suppressed,
            "errors": self.errors,
            "unchanged": self.unchanged,
            "flagged": self.flagged,
            "warnings": self.warnings,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "run": self.run_id,
        }


_SCALARS = (str, int, float)  # cell types read as text (a tuple: isinstance is slower with a union)
_IDS_PER_ENTRY = 1000  # subject ids per import audit entry (an entry holds at most 64 KiB)
_INDEX_COLUMNS = (BlindIndex.kind, BlindIndex.digest, BlindIndex.subject_id)
_SUPPRESSION_COLUMNS = (Suppression.kind, Suppression.digest, Suppression.scope)
_EXISTING_COLUMNS = (Subject.id, Subject.erased_at, Subject.pii, Subject.extra)


@contextmanager
def _collect_new_objects_only() -> Iterator[None]:
    """Keep the cyclic garbage collector off everything that existed before the import.

    An import allocates millions of short-lived objects, so full collections run often, and each one walks
    every object of the process (phone metadata, the ORM, rows the caller holds): a fifth of an import's time.
    Frozen objects are only skipped by the collector, never freed early; they are unfrozen at the end.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class _Row:
    number: int
    profile: dict[str, Any]
    kind: str
    source: str | None
    created_at: Any = None


def canonical_row(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a raw row into canonical columns and unknown columns (kept as custom attributes)."""
    known: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in raw.items():
        if key is None:
            continue
        canon = canonical_header(str(key))
        if canon is None:
            if value not in (None, ""):
                custom[str(key)] = value
        elif canon not in known or known[canon] in (None, ""):
            known[canon] = value
    return known, custom


@dataclass
class RowParts:
    """One raw row, read: the profile, its kind, source and creation time, and problems (fields and codes)."""

    profile: dict[str, Any]
    kind: str
    source: str | None
    created_at: str | None
    problems: list[dict[str, str]]


def row_profile(raw: dict[str, Any], region: str) -> RowParts:
    """Read one raw row; problems name fields and codes only, never values."""
    problems: list[dict[str, str]] = []
    row, custom = canonical_row(raw)
    profile = empty_profile()

    def text(key: str) -> str | None:
        value = row.get(key)
        if value is None:
            return None
        if not isinstance(value, _SCALARS):
            problems.append({"field": key, "code": "type.string"})
            return None
        value = str(value).strip()
        return value or None

    for key in TEXT_FIELDS:
        profile[key] = text(key)
    full = text("full_name")
    if full and not (profile["first_name"] or profile["last_name"]):
        parts = split_full_name(full)
        profile["first_name"] = parts.get("first_name")
        profile["last_name"] = parts.get("last_name")
        profile["middle_name"] = profile["middle_name"] or parts.get("middle_name")
    profile["emails"] = list(dict.fromkeys(v for v in (text("email"), text("email_2")) if v))
    profile["phones"] = list(dict.fromkeys(clean_phone(v, region) for v in (text("phone"), text("phone_2")) if v))
    ext = text("external_id")
    profile["external_ids"] = [ext] if ext else []
    profile["channels"] = {c: v for c in CHANNELS if (v := text(c))}
    profile["custom"] = {k: v for k, v in custom.items() if isinstance(v, str | int | float | bool)}
    kind = (text("kind") or "person").lower()
    if kind in ("b2b", "company", "contact", "компания", "юрлицо"):
        kind = "b2b"
    elif kind in ("person", "individual", "физлицо", "частное лицо"):
        kind = "person"
    if kind not in KINDS:
        problems.append({"field": "kind", "code": "kind.unknown"})
    if not has_identity(profile):
        problems.append({"field": "row", "code": "row.no_identifier"})
    return RowParts(profile, kind, text("source"), text("created_at"), problems)


class Importer:
    """Runs one import: reads rows, resolves them against the store in batches, writes each batch atomically."""

    def __init__(
        self,
        svc,
        actor: Actor,
        *,
        source: str | None = None,
        dry_run: bool = False,
        batch_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        actor.require("subjects:import")
        self.svc = svc
        self.actor = actor
        self.source = source
        self.dry_run = dry_run
        self.batch_size = batch_size or svc.settings.import_batch_size
        self.progress = progress
        self.report = ImportReport(dry_run=dry_run, run_id=new_id("imp"))
        self.region = svc.policies.default_region

    def run(self, rows: Iterable[dict[str, Any]]) -> ImportReport:
        """Import an iterable of raw rows; returns the report."""
        with _collect_new_objects_only():
            return self._run(rows)

    def _run(self, rows: Iterable[dict[str, Any]]) -> ImportReport:
        batch: list[_Row] = []
        for number, raw in enumerate(rows, start=1):
            self.report.rows += 1
            if is_bad_line(raw) or not isinstance(raw, dict):
                self._reject(number, "row", "row.json" if is_bad_line(raw) else "row.not_object")
                continue
            parts = row_profile(raw, self.region)
            if parts.problems:
                for problem in parts.problems:
                    self.report.errors.append({"row": number, **problem})
                self.report.rejected += 1
                continue
            created = None
            if parts.created_at:
                try:
                    created = parse_iso(parts.created_at)
                except ValueError:
                    self.report.warnings.append({"row": number, "field": "created_at", "code": "date.unparsed"})
            batch.append(_Row(number, parts.profile, parts.kind, parts.source or self.source, created))
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        return self.report

    def _reject(self, number: int, field_name: str, code: str) -> None:
        self.report.errors.append({"row": number, "field": field_name, "code": code})
        self.report.rejected += 1

    def _flush(self, batch: list[_Row]) -> None:
        svc = self.svc
        indexer = svc.indexer
        # Digests per row under every live index key (lookups must see rows written before a reindex).
        row_digests: list[list[tuple[str, bytes]]] = []
        row_index: list[list[tuple[str, bytes]]] = []  # under the active key: a new subject's index rows
        every: set[bytes] = set()
        for row in batch:
            pairs, active = [], []
            for kind, value in identifiers(row.profile):
                for version, digest in indexer.all_digests(kind, value):
                    pairs.append((kind, digest))
                    every.add(digest)
                    if version == indexer.active:
                        active.append((kind, digest))
            row_digests.append(pairs)
            row_index.append(active)
        digest_list = list(every)
        with svc.transaction():
            owners: dict[tuple[str, bytes], set[str]] = {}
            suppressed: set[tuple[str, bytes]] = set()
            marketing: set[tuple[str, bytes]] = set()  # objection tombstones: the row lands, marketing is off
            for start in range(0, len(digest_list), 900):
                chunk = digest_list[start : start + 900]
                for kind, digest, subject_id in select_in(BlindIndex, _INDEX_COLUMNS, (), BlindIndex.digest, chunk):
                    owners.setdefault((kind, bytes(digest)), set()).add(subject_id)
                for kind, digest, scope in select_in(Suppression, _SUPPRESSION_COLUMNS, (), Suppression.digest, chunk):
                    (suppressed if scope == "all" else marketing).add((kind, bytes(digest)))
            existing = self._existing(sorted({sid for ids in owners.values() for sid in ids}))
            pending: dict[str, dict[str, Any]] = {}  # new subject id -> {profile, kind, source, created}
            local_owner: dict[tuple[str, bytes], str] = {}
            updated_profiles: dict[str, dict[str, Any]] = {}
            flag_marketing: set[str] = set()
            for row, pairs, index in zip(batch, row_digests, row_index, strict=True):
                if any(p in suppressed for p in pairs):
                    self.report.suppressed += 1
                    self.report.errors.append({"row": row.number, "field": "row", "code": "row.suppressed"})
                    continue
                matches: set[str] = set()
                for pair in pairs:
                    matches |= {sid for sid in owners.get(pair, ()) if sid in existing}
                    if pair in local_owner:
                        matches.add(local_owner[pair])
                if len(matches) > 1:
                    self.report.rejected += 1
                    self.report.errors.append({"row": row.number, "field": "row", "code": "row.ambiguous_match"})
                    continue
                flags = contact_flags(row.profile, self.region)
                for flag in flags:
                    self.report.warnings.append({"row": row.number, **flag})
                if flags:
                    self.report.flagged += 1
                if not matches:
                    subject_id = new_id("sub")
                    pending[subject_id] = {
                        "profile": row.profile,
                        "kind": row.kind,
                        "source": row.source,
                        "created": row.created_at,
                        "flags": flags,
                        "index": index,
                        "marketing_suppressed": any(p in marketing for p in pairs),
                    }
                    self.report.imported += 1
                    for pair in pairs:
                        local_owner[pair] = subject_id
                    continue
                target = matches.pop()
                if target in pending:
                    item = pending[target]
                    item["profile"] = merge_into(item["profile"], row.profile)
                    item["flags"] = item["index"] = None  # recomputed on write for the merged profile
                    item["marketing_suppressed"] |= any(p in marketing for p in pairs)
                    self.report.updated += 1
                    continue
                if any(p in marketing for p in pairs):
                    flag_marketing.add(target)
                before = updated_profiles.get(target) or existing[target]
                after = merge_into(before, row.profile)
                if after == before:
                    self.report.unchanged += 1
                else:
                    updated_profiles[target] = after
                    self.report.updated += 1
                for pair in pairs:
                    local_owner.setdefault(pair, target)
            if not self.dry_run:
                self._write(pending, updated_profiles)
                if flag_marketing:
                    Subject.update(marketing_suppressed=True).where(Subject.id.in_(sorted(flag_marketing))).execute()
                self._audit(sorted(pending), sorted(updated_profiles), len(batch))
        if self.progress:
            self.progress(len(batch))

    def _audit(self, created: list[str], updated: list[str], rows: int) -> None:
        """One audit entry per batch naming the subjects it wrote; large batches take several entries, since
        an entry holds at most 64 KiB (about 2,800 ids)."""
        tagged = [("created", sid) for sid in created] + [("updated", sid) for sid in updated]
        parts = range(0, max(len(tagged), 1), _IDS_PER_ENTRY)
        for number, start in enumerate(parts, start=1):
            chunk = tagged[start : start + _IDS_PER_ENTRY]
            details: dict[str, Any] = {
                "created": [sid for what, sid in chunk if what == "created"],
                "updated": [sid for what, sid in chunk if what == "updated"],
                "rows": rows,
            }
            if len(parts) > 1:
                details["part"] = f"{number}/{len(parts)}"
            self.svc.audit.record(self.actor, AuditAction.SUBJECT_IMPORT, self.report.run_id, details=details)

    def _existing(self, subject_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Decrypted profiles of the live (not erased) subjects among these ids."""
        if not subject_ids:
            return {}
        self.svc.keyring.preload(subject_ids)
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(subject_ids), 900):
            chunk = subject_ids[start : start + 900]
            for sid, erased, pii, extra in select_in(Subject, _EXISTING_COLUMNS, (), Subject.id, chunk):
                if erased is not None:
                    continue
                # As profile_of() reads a Subject, without building one per row.
                profile = empty_profile()
                profile.update(Subject.opened(Subject.pii, sid, sid, pii) or {})
                profile.update(Subject.opened(Subject.extra, sid, sid, extra) or {})
                out[sid] = profile
        return out

    def _write(self, pending: dict[str, dict[str, Any]], updated: dict[str, dict[str, Any]]) -> None:
        svc = self.svc
        now = svc.clock.now()
        keys, subjects, indexes = [], [], []
        for subject_id in pending:
            keys.append({**svc.keyring.new_key(subject_id), "created_at": now})
        insert_rows(DataKey, keys)
        for subject_id, item in pending.items():
            pii, extra = split_profile(item["profile"])
            subjects.append(
                {
                    "id": subject_id,
                    "kind": item["kind"],
                    "source": item["source"],
                    "created_at": item["created"] or now,
                    "updated_at": now,
                    "flags": json.dumps(
                        item["flags"] if item["flags"] is not None else contact_flags(item["profile"], self.region)
                    ),
                    "marketing_suppressed": item["marketing_suppressed"],
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                }
            )
            if item["index"] is None:
                indexes += index_rows(svc.indexer, subject_id, item["profile"])
            else:  # the digests computed for the lookup under the active key
                indexes += index_rows_of(subject_id, item["index"], svc.indexer.active)
        insert_rows(Subject, subjects)
        changes = []
        for subject_id, profile in updated.items():
            pii, extra = split_profile(profile)
            changes.append(
                {
                    "id": subject_id,
                    "pii": Subject.sealed(Subject.pii, subject_id, subject_id, pii),
                    "extra": Subject.sealed(Subject.extra, subject_id, subject_id, extra),
                    "flags": json.dumps(contact_flags(profile, self.region)),
                    "updated_at": now,
                }
            )
            indexes += index_rows(svc.indexer, subject_id, profile)
        update_rows(Subject, changes)
        stale = sorted(updated)
        for start in range(0, len(stale), 900):
            BlindIndex.delete().where(BlindIndex.subject_id.in_(stale[start : start + 900])).execute()
        insert_rows(BlindIndex, indexes)


def import_file(
    svc,
    actor: Actor,
    path: Path,
    *,
    fmt: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a CSV or JSON file of contacts."""
    path = Path(path)
    if not path.is_file():
        raise Invalid(f"file {path.name} not found", errors=[{"field": "FILE", "code": "file.missing"}])
    try:
        if (fmt or path.suffix.lstrip(".")).lower() in ("csv", "tsv", "txt"):
            headers = csv_headers(path)
            if headers and not any(canonical_header(h or "") for h in headers):
                raise Invalid(
                    f"{path.name}: none of the columns is recognised (expected e.g. email, phone, ФИО, Телефон)",
                    errors=[{"field": "header", "code": "file.no_known_columns"}],
                )
        rows: Iterator[dict[str, Any]] = read_rows(path, fmt)
        importer = Importer(svc, actor, source=source or path.stem, dry_run=dry_run, progress=progress)
        return importer.run(rows)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(
            f"{path.name} cannot be read: {type(exc).__name__}: {str(exc)[:80]}",
            errors=[{"field": "FILE", "code": "file.unreadable"}],
        ) from None
