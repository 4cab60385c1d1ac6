"""Bulk import of contacts: streaming, batched, idempotent upserts by blind index, every bad row reported.

A row lands unless it has no identifying value, names an unknown kind, or matches an erased person's tombstone
(counted as suppressed). An invalid email or phone does not reject the row: it lands and the field is flagged.
A row that meets subjects it may not update (a shared phone, a contradiction, several subjects) lands as its
own subject or updates the one its unique key names, and merge candidates are queued (`review`).

Rows are read first (by worker processes for a big file: subjects.row_pool) and written in the order of
subjects.import_plan: rows that share an identifier go in one batch, in a canonical order, so the decisions
depend on neither the file's row order nor the batch size.
Each batch goes through the one create-or-update path (subjects.writer) inside one transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import parse_iso
from compliance.errors import Invalid
from compliance.ids import new_id
from compliance.store.db import long_write
from compliance.subjects import row_pool, writer
from compliance.subjects.import_plan import plan
from compliance.subjects.report import ImportReport
from compliance.subjects.tabular import canonical_header, csv_headers, read_rows

_IDS_PER_ENTRY = 1000  # subject ids per import audit entry (an entry holds at most 64 KiB)


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
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        actor.require("subjects:import")
        self.svc = svc
        self.actor = actor
        self.source = source
        self.dry_run = dry_run
        self.mode = writer.Mode(dry_run=dry_run)
        self.batch_size = batch_size or svc.settings.import_batch_size
        self.workers = workers or svc.settings.import_workers
        self.progress = progress
        self.report = ImportReport(dry_run=dry_run, run_id=new_id("imp"))
        self.region = svc.policies.default_region

    def run(self, rows: Iterable[dict[str, Any]]) -> ImportReport:
        """Import an iterable of raw rows; returns the report."""
        with _collect_new_objects_only():
            return self._run(rows)

    def _run(self, rows: Iterable[dict[str, Any]]) -> ImportReport:
        parsed: list[tuple[int, writer.Incoming]] = []
        content: list[bytes] = []
        context = row_pool.Context.of(self.svc)
        for item in row_pool.parsed_rows(rows, context, self.workers):
            number, parts = item.number, item.parts
            self.report.rows += 1
            if number % row_pool.CHUNK == 0:
                # The rows read so far live until the end: keep the collector from walking them again and again
                # (it did, at every full collection: a third of the reading time).
                gc.freeze()
            if item.reject:
                self.report.reject(number, "row", item.reject)
                continue
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
            parsed.append(
                (
                    number,
                    writer.Incoming(
                        parts.profile,
                        parts.kind,
                        parts.source or self.source,
                        created,
                        digests=item.digests,
                        flags=item.flags,
                        digest_stamp=context.indexer.stamp,
                    ),
                )
            )
            content.append(item.content)
        # The parsed rows live until the end: keep the collector from walking them again and again.
        gc.freeze()
        keys = [row.digests[0] for _, row in parsed]
        with long_write(self.svc.db):
            for batch in plan(keys, content, self.batch_size):
                self._flush([parsed[i] for i in batch])
        self.report.sort()
        return self.report

    def _flush(self, batch: list[tuple[int, writer.Incoming]]) -> None:
        report = self.report
        created: set[str] = set()
        updated: set[str] = set()  # existing subjects an update rewrote
        with self.svc.transaction():
            outcomes = writer.write(
                self.svc,
                [row for _, row in batch],
                self.mode,
                actor_id=self.actor.principal_id,
                run_id=self.report.run_id,
            )
            for (number, _), outcome in zip(batch, outcomes, strict=True):
                if outcome.status == writer.SUPPRESSED:
                    report.suppressed += 1
                    report.errors.append({"row": number, "field": "row", "code": "row.suppressed"})
                    continue
                for flag in outcome.flags:
                    report.warnings.append({"row": number, **flag})
                for label in outcome.declined:
                    report.warnings.append({"row": number, "field": label, "code": "value.declined"})
                if outcome.flags:
                    report.flagged += 1
                if outcome.status == writer.CREATED:
                    report.imported += 1
                    report.review += bool(outcome.review)
                    created.add(outcome.subject_id)
                elif outcome.status == writer.UNCHANGED:
                    report.unchanged += 1
                else:
                    report.updated += 1
                    if outcome.subject_id not in created:
                        updated.add(outcome.subject_id)
            if not self.dry_run:
                self._audit(sorted(created), sorted(updated), len(batch))
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
