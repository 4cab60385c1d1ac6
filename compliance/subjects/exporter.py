"""Export of the customer base (raw PII, for callers allowed to see it), optionally a consent-aware audience."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.errors import Invalid
from compliance.store.models import Subject
from compliance.subjects.profiles import profile_of

COLUMNS = (
    "id",
    "external_id",
    "kind",
    "lifecycle",
    "first_name",
    "last_name",
    "middle_name",
    "email",
    "phone",
    "emails",
    "phones",
    "birth_date",
    "gender",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "company",
    "position",
)


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


def export_subjects(
    svc,
    actor: Actor,
    out: Path,
    *,
    fmt: str | None = None,
    purpose: str | None = None,
    segment: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Write live, unrestricted subjects to CSV or JSON; with a purpose, only those allowed right now."""
    actor.require("subjects:export")
    out = Path(out)
    fmt = (fmt or out.suffix.lstrip(".") or "csv").lower()
    if fmt not in ("csv", "json"):
        raise Invalid("format must be csv or json", errors=[{"field": "format", "code": "format.unknown"}])
    if segment is not None and segment not in ("lead", "active", "regular", "vip", "dormant"):
        raise Invalid("unknown segment", errors=[{"field": "segment", "code": "segment.unknown"}])
    allowed = None
    if purpose is not None:
        from compliance.consent.ledger import audience_filter

        allowed = audience_filter(svc, purpose, channel)
    where = Subject.restricted == False  # noqa: E712 - restricted people are never exported (Art. 18)
    if segment:
        where &= Subject.lifecycle == segment
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    tmp = out.with_name(out.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        else:
            fh.write("[\n")
        for batch in live_subjects(where=where):
            ids = [s.id for s in batch]
            if allowed is not None:
                keep = allowed(ids)
                batch = [s for s in batch if s.id in keep]
            svc.keyring.preload([s.id for s in batch])
            for subject in batch:
                row = export_row(subject)
                if writer:
                    writer.writerow(row)
                else:
                    fh.write(("," if written else "") + json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
        if not writer:
            fh.write("]\n")
    os.replace(tmp, out)  # a half-written export never looks complete
    details = {"written": written, "format": fmt, "purpose": purpose, "segment": segment}
    svc.audit.record(actor, AuditAction.SUBJECT_EXPORT, "", details=details)
    return details
