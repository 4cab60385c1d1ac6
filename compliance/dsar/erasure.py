"""Erasure (Art. 17, CCPA §7022): legal holds, tombstones, crypto-shredding, notices and a signed certificate.

An erasure runs as steps per subject, each in its own transaction that also records the step as done, so a
process killed at any point resumes where it stopped and a re-run of a finished erasure changes nothing.
Order matters: the identifiers are tombstoned (which needs them decrypted) before the data key is destroyed.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.clock import iso
from compliance.store.models import BlindIndex, DataKey, Interaction, Purchase, Subject
from compliance.subjects.shape import identifiers, profile_of

STEPS = ("holds", "suppress", "exports", "consent", "interactions", "requests", "notices", "shred")
CERTIFICATE_VERSION = 1


def _holds(svc) -> dict[str, Any]:
    return dict(svc.policies.get("retention").get("legal_holds") or {})


def _done(request_id: str, subject_id: str) -> dict[str, dict[str, Any]]:
    from compliance.dsar.workflow import ErasureStep

    rows = ErasureStep.select().where((ErasureStep.request_id == request_id) & (ErasureStep.subject_id == subject_id))
    return {r.step: json.loads(r.details or "{}") for r in rows}


def _mark(svc, request_id: str, subject_id: str, step: str, details: dict[str, Any]) -> None:
    from compliance.dsar.workflow import ErasureStep

    ErasureStep.insert(
        request_id=request_id,
        subject_id=subject_id,
        step=step,
        done_at=svc.clock.now(),
        details=json.dumps(details, sort_keys=True),
    ).execute()


# ---------------------------------------------------------------------------------------------------------
# Building blocks (also used by retention)


def apply_purchase_hold(svc, subject_id: str, *, keep_held: bool = True) -> dict[str, Any]:
    """Detach purchases inside the legal hold from the person (kept for tax law); delete older ones."""
    hold = _holds(svc).get("purchases") or {}
    years = hold.get("years")
    now = svc.clock.now()
    held = 0
    if keep_held and years:
        since = now - timedelta(days=int(years) * 366)
        held = (
            Purchase.update(subject=None, detached_at=now)
            .where((Purchase.subject == subject_id) & (Purchase.purchased_at >= since))
            .execute()
        )
    deleted = Purchase.delete().where(Purchase.subject == subject_id).execute()
    return {
        "purchases_detached": int(held),
        "purchases_deleted": int(deleted),
        "ground": hold.get("ground") if held else None,
        "until": (now + timedelta(days=int(years) * 366)).date().isoformat() if held and years else None,
    }


def shred(svc, subject_id: str) -> dict[str, Any]:
    """Crypto-shred a subject: delete its data key and blind indexes, clear its encrypted columns."""
    indexes = BlindIndex.delete().where(BlindIndex.subject_id == subject_id).execute()
    keys = DataKey.delete().where(DataKey.subject_id == subject_id).execute()
    Subject.update(pii=None, extra=None, flags="[]", erased_at=svc.clock.now(), updated_at=svc.clock.now()).where(
        Subject.id == subject_id
    ).execute()
    svc.keyring.forget(subject_id)
    return {"blind_indexes_deleted": int(indexes), "data_keys_destroyed": int(keys)}


def delete_consent(subject_id: str) -> dict[str, Any]:
    """Delete the consent events, states and tokens of a person."""
    from compliance.consent.ledger import ConsentEvent, ConsentState, ConsentToken

    return {
        "consent_events_deleted": int(ConsentEvent.delete().where(ConsentEvent.subject_id == subject_id).execute()),
        "consent_states_deleted": int(ConsentState.delete().where(ConsentState.subject_id == subject_id).execute()),
        "consent_tokens_deleted": int(ConsentToken.delete().where(ConsentToken.subject_id == subject_id).execute()),
    }


def scrub_exports(svc, subject_id: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Remove the person from files in the exports folder: their request bundles are deleted; lines of CSV and
    JSON-lines files holding one of their identifiers are dropped; other files holding one are deleted."""
    from compliance.dsar.workflow import RequestMatch

    folder = svc.settings.exports_dir
    if folder is None or not Path(folder).is_dir():
        return {"export_files_deleted": 0, "export_lines_removed": 0}
    folder = Path(folder)
    deleted = removed = 0
    for match in RequestMatch.select().where(RequestMatch.subject_id == subject_id):
        bundle = folder / f"{match.request_id}.zip"
        if bundle.exists():
            bundle.unlink()
            deleted += 1
    needles = [v.encode() for _, v in identifiers(profile) if v and len(v) >= 5]
    needles += [v.encode() for v in profile.get("emails") or [] if v]
    if not needles:
        return {"export_files_deleted": deleted, "export_lines_removed": removed}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if not any(n in data for n in needles):
            continue
        if path.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".txt"):
            lines = data.splitlines(keepends=True)
            kept = [line for line in lines if not any(n in line for n in needles)]
            removed += len(lines) - len(kept)
            path.write_bytes(b"".join(kept))
        else:
            path.unlink()
            deleted += 1
    return {"export_files_deleted": deleted, "export_lines_removed": removed}


# ---------------------------------------------------------------------------------------------------------
# The erasure of one request


def _subjects_with_merged(people: list[str]) -> list[str]:
    """The request's subjects plus records merged into them (the same person under an older record)."""
    merged = [s.id for s in Subject.select(Subject.id).where(Subject.merged_into.in_(people))] if people else []
    return sorted(set(people) | set(merged))


def _erase_subject(svc, actor: Actor, row, subject_id: str) -> None:
    from compliance.consent.ledger import suppress_identifiers
    from compliance.dsar.workflow import DsarRequest, pause_for_tests, queue_notices

    done = _done(row.id, subject_id)
    for step in STEPS:
        if step in done:
            continue
        with svc.transaction():
            person = Subject.get_or_none(Subject.id == subject_id)
            readable = (
                person is not None
                and person.erased_at is None
                and DataKey.get_or_none(DataKey.subject_id == subject_id) is not None
            )
            if step == "holds":
                details = apply_purchase_hold(svc, subject_id)
            elif step == "suppress":
                # Tombstones need the identifiers in clear: this runs before the key is destroyed.
                count = suppress_identifiers(svc, person, scope="all", reason="erasure") if readable else 0
                details = {"tombstones": count} if readable else {"tombstones": 0, "skipped": "key_destroyed"}
            elif step == "exports":
                details = (
                    scrub_exports(svc, subject_id, profile_of(person)) if readable else {"skipped": "key_destroyed"}
                )
            elif step == "consent":
                details = delete_consent(subject_id)
            elif step == "interactions":
                details = {
                    "interactions_deleted": int(Interaction.delete().where(Interaction.subject == subject_id).execute())
                }
            elif step == "requests":
                cleared = DsarRequest.update(payload=None).where(
                    (DsarRequest.subject_id == subject_id) & DsarRequest.payload.is_null(False)
                )
                details = {"request_payloads_cleared": int(cleared.execute())}
            elif step == "notices":
                from compliance.policy.recipients import to_notify

                queue_notices(svc, row, [subject_id], "erasure")
                details = {"recipients": sorted(r.id for r in to_notify(svc, "erasure"))}
            else:  # shred
                details = shred(svc, subject_id)
                svc.audit.record(actor, AuditAction.SUBJECT_ERASE, subject_id, details={"request": row.id, **details})
            _mark(svc, row.id, subject_id, step, details)
        pause_for_tests(step)


def certificate_body(svc, row, subjects: list[str]) -> dict[str, Any]:
    """What was erased, what was kept and on which ground, per subject (ids and counts only)."""
    holds = _holds(svc)
    entries = []
    for sid in subjects:
        done = _done(row.id, sid)
        hold = done.get("holds", {})
        kept = []
        if hold.get("purchases_detached"):
            kept.append(
                {
                    "category": "purchases",
                    "count": hold["purchases_detached"],
                    "form": "detached from the person (no link to identity)",
                    "ground": hold.get("ground"),
                    "until": hold.get("until"),
                }
            )
        kept.append(
            {
                "category": "suppression",
                "count": done.get("suppress", {}).get("tombstones", 0),
                "form": "keyed HMAC of identifiers (not reversible)",
                "ground": (holds.get("suppression") or {}).get("ground"),
                "until": None,
            }
        )
        kept.append(
            {
                "category": "request record",
                "count": 1,
                "form": "dates, nature, method, response; no personal data",
                "ground": (holds.get("requests") or {}).get("ground"),
                "until": None,
            }
        )
        shredded = done.get("shred", {})
        entries.append(
            {
                "subject": sid,
                "erased": {
                    "profile": "encrypted profile cleared; data key destroyed (crypto-shredded)",
                    "data_keys_destroyed": shredded.get("data_keys_destroyed", 0),
                    "blind_indexes_deleted": shredded.get("blind_indexes_deleted", 0),
                    "purchases_deleted": hold.get("purchases_deleted", 0),
                    "interactions_deleted": done.get("interactions", {}).get("interactions_deleted", 0),
                    **{k: v for k, v in done.get("consent", {}).items()},
                    "export_files_deleted": done.get("exports", {}).get("export_files_deleted", 0),
                    "export_lines_removed": done.get("exports", {}).get("export_lines_removed", 0),
                },
                "kept": kept,
                "notified": done.get("notices", {}).get("recipients", []),
                "steps": {step: step in done for step in STEPS},
            }
        )
    controller = svc.policies.controller
    body = {
        "version": CERTIFICATE_VERSION,
        "kind": "erasure_certificate",
        "request": row.id,
        "regime": row.regime,
        "received_at": iso(row.received_at),
        "approved_by": row.approved_by,
        "issued_at": iso(svc.clock.now()),
        "controller": controller.get("name"),
        "subjects": entries,
    }
    if row.regime == "ru152":
        body["destruction_act"] = destruction_act(svc, row, entries)
    return body


def destruction_act(svc, row, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The act of destruction 152-FZ requires (RKN Order No. 179 of 28.10.2022): who, what, how, why, when."""
    controller = svc.policies.controller
    ground = {
        "consent_withdrawal": "отзыв согласия субъектом персональных данных (ч. 5 ст. 21 152-ФЗ)",
        "erasure": "требование субъекта персональных данных (ч. 3 ст. 20, ст. 21 152-ФЗ)",
    }.get(row.type, row.type)
    return {
        "title": "Акт об уничтожении персональных данных",
        "operator": {"name": controller.get("name"), "address": controller.get("address")},
        # Pseudonymous ids: the act proves destruction without keeping what was destroyed.
        "subjects": [e["subject"] for e in entries],
        "categories": [
            "ФИО",
            "контактные данные (email, телефон, мессенджеры)",
            "дата рождения",
            "пол",
            "адрес",
            "место работы и должность",
            "заметки",
            "история взаимодействий",
            "сведения о согласиях",
        ],
        "processing": "автоматизированная (информационная система Consentry)",
        "method": "уничтожение ключа шифрования субъекта (криптографическое удаление) и удаление записей",
        "ground": ground,
        "destroyed_at": iso(svc.clock.now()),
        "responsible": row.approved_by,
        "log_extract": "выгрузка из журнала: consentry audit export (записи request.process по заявке " + row.id + ")",
    }


def canonical(body: dict[str, Any]) -> bytes:
    """The bytes a certificate signature covers."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(svc, body: dict[str, Any]) -> tuple[str, str]:
    """(signature, public key), both base64, over the canonical JSON."""
    from cryptography.hazmat.primitives import serialization

    key = svc.keys.signing_key()
    signature = key.sign(canonical(body))
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(signature).decode(), base64.b64encode(public).decode()


def verify_certificate(document: dict[str, Any]) -> bool:
    """True when a certificate document (as returned by requests.certificate) carries a valid signature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"]))
        public.verify(base64.b64decode(document["signature"]), canonical(document["certificate"]))
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def run(svc, actor: Actor, row, people: list[str]) -> dict[str, Any]:
    """Erase every subject of a request (resuming after the last finished step), then certify and complete."""
    from compliance.dsar.workflow import ErasureCertificate, complete, pause_for_tests

    subjects = _subjects_with_merged(people)
    for sid in subjects:
        _erase_subject(svc, actor, row, sid)
    with svc.transaction():
        if ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id) is None:
            body = certificate_body(svc, row, subjects)
            signature, public = sign(svc, body)
            ErasureCertificate.insert(
                request_id=row.id,
                body=json.dumps(body, sort_keys=True, ensure_ascii=False),
                signature=signature,
                public_key=public,
                created_at=svc.clock.now(),
            ).execute()
        pause_for_tests("certificate")
        complete(svc, actor, row, "erased" if subjects else "no_data_held", subjects=len(subjects))
        svc.audit.record(
            actor, AuditAction.REQUEST_PROCESS, row.id, details={"type": "erasure", "subjects": len(subjects)}
        )
    return {"subjects": subjects}
