"""Export of the customer base (raw PII, for callers allowed to see it); consent-aware audiences filter it through
`keep` (see compliance.consent.audience)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.errors import Invalid
from compliance.store.models import Subject
from compliance.subjects import files
from compliance.subjects.shape import profile_of
from hygiene.profile import flat_columns

COLUMNS = ("id", "external_id", "kind", "lifecycle", *flat_columns(("email", "phone", "emails", "phones"), notes=False))


def live_subjects(batch: int = 500, where=None) -> Iterator[list[Subject]]:
    """Live subjects (not erased, not merged away) in id order, a batch at a time."""
    cursor = ""
    while True:
        query = Subject.select().where(
            (Subject.id > cursor) & Subject.erased_at.is_null() & Subject.merged_into.is_null()
        )
        if where is not None:
            query = query.where(where)
        rows = list(query.order_by(Subject.id).limit(batch))
        if not rows:
            return
        yield rows
        cursor = rows[-1].id


def export_row(subject: Subject) -> dict[str, Any]:
    """One subject as a flat export row."""
    profile = profile_of(subject)
    emails, phones = profile.get("emails") or [], profile.get("phones") or []
    row = {k: profile.get(k) for k in COLUMNS if k in profile}
    row.update(
        id=subject.id,
        external_id=(profile.get("external_ids") or [None])[0],
        kind=subject.kind,
        lifecycle=subject.lifecycle,
        email=emails[0] if emails else None,
        phone=phones[0] if phones else None,
        emails=";".join(emails),
        phones=";".join(phones),
    )
    return {k: row.get(k) for k in COLUMNS}


def write_export(
    svc,
    actor: Actor,
    out: Path,
    *,
    fmt: str | None = None,
    segment: str | None = None,
    keep: Callable[[list[str]], set[str]] | None = None,
    purpose: str | None = None,
) -> dict[str, Any]:
    """Write live, unrestricted subjects to CSV or JSON; with `keep`, only the ids it keeps (the audience of
    `purpose`, which the audit entry names)."""
    actor.require("subjects:export")
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "json"):
        raise Invalid("format must be csv or json", errors=[{"field": "format", "code": "format.unknown"}])
    if segment is not None and segment not in ("lead", "active", "regular", "vip", "dormant"):
        raise Invalid("unknown segment", errors=[{"field": "segment", "code": "segment.unknown"}])
    where = Subject.restricted == False  # noqa: E712 - restricted people are never exported (Art. 18)
    if segment:
        where &= Subject.lifecycle == segment
    files.check_target(svc.settings, out)
    tmp, fd = files.private_temp(out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            written = _write_rows(svc, fh, fmt, where, keep)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a partial export holds personal data too
        raise
    details = {"written": len(written), "format": fmt, "purpose": purpose, "segment": segment}
    # Registered with the ids in it, so an erasure can rewrite it by record; a half-written export never looks
    # complete (it is moved into place only with its registration).
    with svc.transaction():
        registered = files.publish(svc, tmp, out, kind="export", fmt=fmt, subjects=written)
        details["file"] = registered["id"]
        svc.audit.record(actor, AuditAction.SUBJECT_EXPORT, "", details=details)
    return details


def _write_rows(svc, fh, fmt: str, where, keep: Callable[[list[str]], set[str]] | None) -> list[str]:
    """Write the export rows to an open text file; return the ids written, in order."""
    written: list[str] = []
    writer = csv.DictWriter(fh, fieldnames=COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    else:
        fh.write("[\n")
    for batch in live_subjects(where=where):
        ids = [s.id for s in batch]
        if keep is not None:
            kept = keep(ids)
            batch = [s for s in batch if s.id in kept]
        svc.keyring.preload([s.id for s in batch])
        for subject in batch:
            row = export_row(subject)
            if writer:
                writer.writerow(row)
            else:
                # One entry per line (json.dumps escapes newlines): compliance.dsar.exports rewrites by entry.
                fh.write(("," if written else "") + json.dumps(row, ensure_ascii=False) + "\n")
            written.append(subject.id)
    if not writer:
        fh.write("]\n")
    return written
