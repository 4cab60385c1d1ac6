"""Erasure certificates: what was erased, what was kept and on which ground, signed with Ed25519 (152-FZ: with the
act of destruction), and the one check of a certificate's signature that the CLI, the API and the pages use."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.dsar.holds import legal_holds
from compliance.dsar.models import ErasureCertificate
from compliance.dsar.records import load_request
from compliance.dsar.states import ERASURE_STEPS
from compliance.errors import NotFound
from compliance.subjects import files

# 2: per subject, "exports" lists each registered file with its outcome and whether all were verified; "erased"
# counts export records removed (no longer lines), and steps.exports is true only when the exports were verified.
CERTIFICATE_VERSION = 2
EXPORT_FILE_FIELDS = ("file", "kind", "path", "outcome", "records_removed", "reason")


def certificate_body(svc, row, progress: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """What was erased, what was kept and on which ground, per subject (ids and counts only); `progress` maps each
    subject to its finished erasure steps and their details."""
    holds = legal_holds(svc)
    entries = []
    for sid in sorted(progress):
        done = progress[sid]
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
        if done.get("ledger", {}).get("ledger_entries"):
            kept.append(
                {
                    "category": "erasure ledger",
                    "count": len(done["ledger"]["ledger_entries"]),
                    "form": "subject id, request id and the tombstone digests, in a file outside the database",
                    "ground": (holds.get("suppression") or {}).get("ground"),
                    "purpose": "a restored backup erases the person again",
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
        exports = exports_section(done)
        entries.append(
            {
                "subject": sid,
                "erased": {
                    "profile": "encrypted profile cleared; data key destroyed (crypto-shredded)",
                    "data_keys_destroyed": shredded.get("data_keys_destroyed", 0),
                    "blind_indexes_deleted": shredded.get("blind_indexes_deleted", 0),
                    "history_entries_deleted": shredded.get("history_entries_deleted", 0),
                    "purchases_deleted": hold.get("purchases_deleted", 0),
                    "interactions_deleted": done.get("interactions", {}).get("interactions_deleted", 0),
                    "outbox_messages_deleted": done.get("outbox", {}).get("outbox_messages_deleted", 0),
                    **{k: v for k, v in done.get("consent", {}).items()},
                    "export_files_deleted": done.get("exports", {}).get("export_files_deleted", 0),
                    "export_records_removed": done.get("exports", {}).get("export_records_removed", 0),
                },
                "kept": kept,
                "notified": done.get("notices", {}).get("recipients", []),
                "exports": exports,
                # The exports step counts as done only when it could vouch for every file it found.
                "steps": {step: step in done and (step != "exports" or exports["verified"]) for step in ERASURE_STEPS},
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


def exports_section(done: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each file the exports step found holding the person, with its outcome; verified only when every file was
    rewritten, deleted or kept (a step run before the registry, by matching lines, or not run is not verified)."""
    step = done.get("exports") or {}
    listed = [{k: f[k] for k in EXPORT_FILE_FIELDS if k in f} for f in step.get("files", [])]
    return {"verified": step.get("verified") is True, "files": listed}


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
    key = svc.keys.signing_key()
    signature = key.sign(canonical(body))
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(signature).decode(), base64.b64encode(public).decode()


def verify_certificate(document: dict[str, Any]) -> bool:
    """True when a certificate document (as `certificate` returns it) carries a valid signature."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(document["public_key"]))
        public.verify(base64.b64decode(document["signature"]), canonical(document["certificate"]))
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def issue(svc, row, progress: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Sign and store the certificate of a finished erasure once (caller holds a transaction); a re-run keeps it."""
    if ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id) is not None:
        return
    body = certificate_body(svc, row, progress)
    signature, public = sign(svc, body)
    ErasureCertificate.insert(
        request_id=row.id,
        body=json.dumps(body, sort_keys=True, ensure_ascii=False),
        signature=signature,
        public_key=public,
        created_at=svc.clock.now(),
    ).execute()


def certificate(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """The signed erasure certificate of a completed erasure, with whether its signature verifies (`valid`)."""
    actor.require("requests:manage")
    row = load_request(request_id)
    found = ErasureCertificate.get_or_none(ErasureCertificate.request_id == row.id)
    if found is None:
        raise NotFound("this request has no erasure certificate (yet)")
    svc.audit.record(actor, AuditAction.REQUEST_EXPORT, row.id, details={"certificate": True})
    document = {
        "certificate": json.loads(found.body),
        "signature": found.signature,
        "public_key": found.public_key,
        "algorithm": "Ed25519",
        "signed": "UTF-8 bytes of the certificate as canonical JSON (sorted keys, no spaces)",
    }
    document["valid"] = verify_certificate(document)
    return document


def save_certificate(svc, actor: Actor, request_id: str, out: Path) -> dict[str, Any]:
    """Write the signed certificate document to a file (mode 0600), registered with its subjects: it holds their
    ids only, so an erasure keeps it and says so."""
    with svc.transaction():
        document = certificate(svc, actor, request_id)
        subjects = [e["subject"] for e in document["certificate"].get("subjects", [])]
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        files.write_file(svc, Path(out), data, kind="certificate", fmt="json", subjects=subjects, request_id=request_id)
    return document
