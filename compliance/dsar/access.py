"""Access and portability (Art. 15, 20; CCPA right to know): the bundle, one zip with JSON and CSV files.

Only the subjects included in the request are read, each through its own id, so nothing of another person
can enter a bundle. Government identifiers are never disclosed (CCPA §7024(d)).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.consent.ledger import event_view
from compliance.consent.models import ConsentEvent, ConsentState
from compliance.dsar.deadlines import lookback_start
from compliance.dsar.models import DsarRequest, RequestMatch
from compliance.dsar.notices import notify_requester
from compliance.dsar.records import complete, included_subjects, load_request, view
from compliance.dsar.regimes import regimes_of
from compliance.dsar.states import StepHook
from compliance.errors import Conflict, IllegalTransition
from compliance.policy.record import (
    DATA_CATEGORIES,
    RIGHTS,
    automated_decisions,
    complaint_rights,
    purposes_section,
    recipients_section,
    retention_section,
)
from compliance.store.models import Interaction, Purchase, Subject
from compliance.subjects import files
from compliance.subjects import history as value_history
from compliance.subjects.shape import profile_of
from hygiene.profile import PII_FIELDS

GOV_ID = re.compile(r"ssn|passport|паспорт|driver|licen|snils|снилс|\binn\b|инн|tax_?id|national_?id", re.IGNORECASE)
BUNDLE_TYPES = ("access", "portability")
BUNDLE_STATUSES = ("in_progress", "completed")
ART15 = {
    "a_purposes": "Art. 15(1)(a) purposes of the processing",
    "b_categories": "Art. 15(1)(b) categories of personal data concerned",
    "c_recipients": "Art. 15(1)(c) recipients, in particular in third countries",
    "d_retention": "Art. 15(1)(d) period for which the data will be stored, or the criteria",
    "e_rights": "Art. 15(1)(e) rights to rectification, erasure, restriction and objection",
    "f_complaint": "Art. 15(1)(f) right to lodge a complaint with a supervisory authority",
    "g_source": "Art. 15(1)(g) source of the data not collected from the person",
    "h_automated_decisions": "Art. 15(1)(h) automated decision-making and profiling",
}


def _since(svc, row) -> datetime | None:
    """CCPA: the default look-back is 12 months (back to the floor date on request); other regimes: everything."""
    rule = regimes_of(svc).get(row.regime)
    if rule is None:
        return None
    start = lookback_start(rule, row.received_at.date(), beyond_default=row.lookback == "full")
    return datetime(start.year, start.month, start.day) if start else None


def _profile(subject: Subject) -> dict[str, Any]:
    profile = profile_of(subject)
    custom = {k: v for k, v in (profile.get("custom") or {}).items() if not GOV_ID.search(str(k))}
    profile["custom"] = custom
    return profile


def subject_data(svc, row, subject_id: str) -> dict[str, Any]:
    """Everything held on one subject, read by its id only."""
    subject = Subject.get_or_none((Subject.id == subject_id) & Subject.erased_at.is_null())
    if subject is None:
        return {"id": subject_id, "erased": True}
    since = _since(svc, row)
    profile = _profile(subject)
    purchases = Purchase.select().where(Purchase.subject == subject_id)
    interactions = Interaction.select().where(Interaction.subject == subject_id)
    events = ConsentEvent.select().where(ConsentEvent.subject_id == subject_id)
    if since is not None:
        purchases = purchases.where(Purchase.purchased_at >= since)
        interactions = interactions.where(Interaction.occurred_at >= since)
        events = events.where(ConsentEvent.occurred_at >= since)
    request_ids = {m.request_id for m in RequestMatch.select().where(RequestMatch.subject_id == subject_id)}
    today = svc.clock.now().date()
    # Values that writes replaced, declined or restored are held data too; government ids stay out here as well.
    changes = [
        e
        for e in value_history.entries(subject_id)
        if not GOV_ID.search(e["field"]) and (since is None or e["at"] >= iso(since))
    ]
    return {
        "id": subject.id,
        "kind": subject.kind,
        "lifecycle": subject.lifecycle,
        "source": subject.source,
        "created_at": iso(subject.created_at),
        "restricted": subject.restricted,
        "profile": {k: profile.get(k) for k in (*PII_FIELDS, "notes", "custom")},
        "channel_ids": dict(profile.get("channels") or {}),
        "purchases": [
            {
                "id": p.id,
                "purchased_at": iso(p.purchased_at),
                "amount": str(p.amount),
                "currency": p.currency,
                "category": p.category,
                "status": p.status,
                "external_ref": p.external_ref,
            }
            for p in purchases.order_by(Purchase.purchased_at)
        ],
        "interactions": [
            {
                "id": i.id,
                "occurred_at": iso(i.occurred_at),
                "channel": i.channel,
                "kind": i.kind,
                "summary": i.summary,
            }
            for i in interactions.order_by(Interaction.occurred_at)
        ],
        "consent": {
            "states": [
                {"purpose": s.purpose, "channel": s.channel, "state": s.state, "updated_at": iso(s.updated_at)}
                for s in ConsentState.select().where(ConsentState.subject_id == subject_id)
            ],
            "events": [event_view(e) for e in events.order_by(ConsentEvent.seq)],
        },
        "requests": [
            view(r, today)
            for r in DsarRequest.select().where(DsarRequest.id.in_(list(request_ids))).order_by(DsarRequest.received_at)
        ],
        "value_history": changes,
    }


def art15(svc, row, subjects: list[dict[str, Any]]) -> dict[str, Any]:
    """The Art. 15(1)(a)-(h) information, drawn from the policy files."""
    held = set()
    for data in subjects:
        held |= {k for k, v in (data.get("profile") or {}).items() if v not in (None, "", [], {})}
        for key in ("channel_ids", "purchases", "interactions"):
            if data.get(key):
                held.add(key)
        if (data.get("consent") or {}).get("events"):
            held.add("consent records")
        if data.get("value_history"):
            held.add("value history")
    categories = [
        {"category": cat, "fields": [f for f in fields if f in held] or fields}
        for cat, fields in DATA_CATEGORIES.items()
        if cat in held or set(fields) & held or (cat == "channel ids" and "channel_ids" in held)
    ]
    sources = sorted({d.get("source") for d in subjects if d.get("source")})
    sources += sorted(
        {e["source"] for d in subjects for e in (d.get("consent") or {}).get("events", []) if e.get("source")}
        - set(sources)
    )
    complaints = complaint_rights(svc)
    return {
        "a_purposes": purposes_section(svc),
        "b_categories": categories,
        "c_recipients": recipients_section(svc),
        "d_retention": retention_section(svc),
        "e_rights": RIGHTS,
        "f_complaint": {"regime": row.regime, "text": complaints.get(row.regime), "all": complaints},
        "g_source": {"sources": sources, "note": "collected from you, or imported from the systems named here"},
        "h_automated_decisions": automated_decisions(svc),
        "_titles": ART15,
    }


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in rows:
        writer.writerow(
            {
                k: json.dumps(item.get(k), ensure_ascii=False) if isinstance(item.get(k), list | dict) else item.get(k)
                for k in columns
            }
        )
    return buffer.getvalue().encode("utf-8")


def build(svc, row) -> bytes:
    """The zip: data.json (everything), one CSV per table (value_history.csv included), art15.json and art15.csv."""
    subjects = [subject_data(svc, row, sid) for sid in included_subjects(row.id)]
    info = art15(svc, row, subjects)
    document = {
        "format": "consentry-access-bundle/1",
        "request": view(row, svc.clock.now().date()),
        "generated_at": iso(svc.clock.now()),
        "controller": svc.policies.controller.get("name"),
        "lookback_from": iso(_since(svc, row)),
        "subjects": subjects,
        "art15": info,
    }
    live = [s for s in subjects if not s.get("erased")]
    profile_rows = [
        {"subject": s["id"], "field": k, "value": v}
        for s in live
        for k, v in s["profile"].items()
        if v not in (None, "", [], {})
    ]
    channel_rows = [{"subject": s["id"], "channel": k, "id": v} for s in live for k, v in s["channel_ids"].items()]
    purchase_rows = [{"subject": s["id"], **p} for s in live for p in s["purchases"]]
    interaction_rows = [{"subject": s["id"], **i} for s in live for i in s["interactions"]]
    consent_rows = [{"subject": s["id"], **e} for s in live for e in s["consent"]["events"]]
    request_rows = [{"subject": s["id"], **r} for s in live for r in s["requests"]]
    history_rows = [{"subject": s["id"], **e} for s in live for e in s["value_history"]]
    art15_rows = [{"section": k, "title": ART15[k], "content": v} for k, v in info.items() if k in ART15]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        archive.writestr("art15.json", json.dumps(info, ensure_ascii=False, indent=2, default=str))
        archive.writestr("profile.csv", _csv(profile_rows, ["subject", "field", "value"]))
        archive.writestr("channel_ids.csv", _csv(channel_rows, ["subject", "channel", "id"]))
        archive.writestr(
            "purchases.csv",
            _csv(
                purchase_rows,
                ["subject", "id", "purchased_at", "amount", "currency", "category", "status", "external_ref"],
            ),
        )
        archive.writestr(
            "interactions.csv",
            _csv(interaction_rows, ["subject", "id", "occurred_at", "channel", "kind", "summary"]),
        )
        archive.writestr(
            "consent_history.csv",
            _csv(
                consent_rows,
                [
                    "subject",
                    "id",
                    "occurred_at",
                    "purpose",
                    "channel",
                    "action",
                    "state",
                    "source",
                    "method",
                    "legal_basis",
                    "notice_version",
                    "receipt_id",
                ],
            ),
        )
        archive.writestr(
            "requests.csv",
            _csv(request_rows, ["subject", "id", "type", "regime", "status", "received_at", "due_at", "response"]),
        )
        archive.writestr(
            "value_history.csv",
            _csv(history_rows, ["subject", "id", "at", "field", "change", "old", "new", "source", "restored_at"]),
        )
        archive.writestr("art15.csv", _csv(art15_rows, ["section", "title", "content"]))
    return buffer.getvalue()


def write_bundle(svc, row) -> Path | None:
    """Write the bundle to the exports folder as <request id>.zip (mode 0600, registered); erasure deletes it."""
    folder = svc.settings.exports_dir
    if folder is None:
        return None
    path = Path(folder) / f"{row.id}.zip"
    _register_bundle(svc, row, path, build(svc, row))
    return path


def _register_bundle(svc, row, path: Path, data: bytes) -> dict[str, Any]:
    return files.write_file(
        svc, path, data, kind="bundle", fmt="zip", subjects=included_subjects(row.id), request_id=row.id
    )


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """Answer an access or portability request: write the bundle, complete, tell the requester (one transaction)."""
    with svc.transaction():
        path = write_bundle(svc, row) if people else None
        complete(svc, actor, row, "bundle_ready" if people else "no_data_held")
        notify_requester(
            svc,
            actor,
            row,
            f"Your request {row.id} is answered",
            f"Your {row.type} request {row.id} is answered. "
            + ("We will send you the copy of your data securely." if path else "We hold no data about you."),
        )
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": row.type, "subjects": len(people)}
        )


def bundle_available(item: dict[str, Any]) -> bool:
    """Whether a request (as `view` shows it) has a bundle to download: access or portability, once processed."""
    return item["type"] in BUNDLE_TYPES and item["status"] in BUNDLE_STATUSES


def export_bundle(svc, actor: Actor, request_id: str) -> bytes:
    """The access/portability zip of a request that has been processed (built from current data)."""
    actor.require("requests:manage")
    row = load_request(request_id)
    if row.type not in BUNDLE_TYPES:
        raise Conflict(
            "only access and portability requests have a bundle", errors=[{"field": "type", "code": "type.no_bundle"}]
        )
    if row.status not in BUNDLE_STATUSES:
        raise IllegalTransition(
            f"the bundle exists once the request is processed (it is {row.status})",
            errors=[{"field": "status", "code": f"transition.{row.status}.export"}],
        )
    data = build(svc, row)
    svc.audit.record(actor, AuditAction.REQUEST_EXPORT, row.id, details={"bytes": len(data)})
    return data


def save_bundle(svc, actor: Actor, request_id: str, out: Path) -> dict[str, Any]:
    """Write a processed request's bundle to a file of the caller's choosing (mode 0600), registered so an
    erasure of the person deletes it."""
    with svc.transaction():
        data = export_bundle(svc, actor, request_id)
        registered = _register_bundle(svc, load_request(request_id), Path(out), data)
    return {"id": request_id, "file": registered["path"], "bytes": len(data), "registered": registered["id"]}
