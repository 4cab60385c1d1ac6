"""The Art. 30 record of processing activities, built from the policy files (the single source of truth)."""

from __future__ import annotations

from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.policy.purposes import purposes_of
from compliance.policy.recipients import recipients_of, unknown_in_purposes

SUBJECT_CATEGORIES = (
    "customers (people who bought from the controller)",
    "leads (people who signed up or were imported without a purchase)",
    "business contacts (employees of B2B customers)",
)
DATA_CATEGORIES = {
    "identity": ["first_name", "last_name", "middle_name", "birth_date", "gender"],
    "contact details": ["emails", "phones", "street", "city", "region", "postcode", "country"],
    "professional": ["company", "position"],
    "channel ids": ["telegram", "whatsapp", "viber", "instagram", "vk", "signal", "wechat"],
    "identifiers": ["external_ids"],
    "purchase history": ["amount", "currency", "date", "category", "order reference"],
    "interactions": ["channel", "kind", "time", "summary"],
    "consent records": ["purpose", "channel", "action", "time", "source", "notice version", "evidence"],
    "value history": ["field", "replaced or declined value", "time", "source"],
}
SECURITY_MEASURES = (
    "Every personal-data field encrypted with AES-256-GCM under a per-person data key (Art. 32(1)(a))",
    "Data keys wrapped by versioned key-encryption keys kept outside the database; rotation without downtime",
    "Exact lookups through keyed blind indexes (HMAC-SHA256) instead of plaintext identifiers",
    "Erasure by crypto-shredding: the person's data key is destroyed, copies in backups become unreadable",
    "Role-based access with deny by default; personal data masked without the read_pii scope",
    "Append-only, hash-chained, MACed audit trail of every read of and change to personal data, "
    "with Ed25519-signed checkpoints",
    "Personal data never written to logs, error messages or URLs",
)
RIGHTS = {
    "access": "Art. 15: a copy of your data and these explanations",
    "rectification": "Art. 16: have inaccurate data corrected",
    "erasure": "Art. 17: have your data erased",
    "restriction": "Art. 18: have processing restricted to storage",
    "portability": "Art. 20: receive your data in a machine-readable format",
    "objection": "Art. 21: object to processing, absolutely for direct marketing",
    "opt_out": "CCPA §1798.120: opt out of the sale or sharing of your personal information",
}


def purposes_section(svc) -> list[dict[str, Any]]:
    """Purposes with their legal basis, channels, regimes and recipients."""
    return [
        {
            "id": p.id,
            "title": p.title,
            "description": p.description,
            "legal_basis": p.legal_basis,
            "channels": list(p.channels),
            "regimes": list(p.regimes),
            "recipients": list(p.recipients),
            "marketing": p.marketing,
        }
        for p in purposes_of(svc).values()
    ]


def recipients_section(svc) -> list[dict[str, Any]]:
    """Recipients of personal data, including those in third countries."""
    return [r.as_dict() for r in recipients_of(svc).values()]


def transfers_section(svc) -> list[dict[str, Any]]:
    """Transfers to third countries with the safeguard relied on (Art. 30(1)(e), 46)."""
    return [
        {"recipient": r.id, "country": r.country, "safeguard": r.safeguard}
        for r in recipients_of(svc).values()
        if r.third_country
    ]


def retention_section(svc) -> dict[str, Any]:
    """Erasure time limits: the retention rules and the legal holds (Art. 30(1)(f))."""
    data = svc.policies.get("retention")
    rules = [{"id": rid, **{k: v for k, v in spec.items()}} for rid, spec in (data.get("rules") or {}).items()]
    holds = [
        {"category": cat, **{k: v for k, v in spec.items()}} for cat, spec in (data.get("legal_holds") or {}).items()
    ]
    return {"rules": rules, "legal_holds": holds}


def automated_decisions(svc) -> dict[str, Any]:
    """Art. 15(1)(h): profiling purposes and the logic involved (no solely automated decisions with legal effect)."""
    profiling = [p for p in purposes_of(svc).values() if p.id == "profiling" or "profil" in p.description.lower()]
    return {
        "solely_automated_decisions_with_legal_effect": False,
        "profiling": [{"purpose": p.id, "logic": p.description, "legal_basis": p.legal_basis} for p in profiling],
        "segmentation": "Customers are grouped by recency, frequency and amount of purchases (RFM) to choose offers; "
        "no decision with legal or similarly significant effect follows from it.",
    }


def complaint_rights(svc) -> dict[str, str]:
    """Where to complain, per regime (regimes.yaml, validated by compliance.dsar.deadlines when policies load)."""
    # Read from the policy data, not from dsar's parsed rules: the policy package sits below dsar.
    regimes = svc.policies.get("regimes").get("regimes") or {}
    return {name: spec.get("complaint", "") for name, spec in regimes.items()}


def build(svc) -> dict[str, Any]:
    """The whole record (pure read of the policies)."""
    controller = svc.policies.controller
    return {
        "controller": {
            "name": controller.get("name"),
            "address": controller.get("address"),
            "contact": controller.get("contact"),
            "dpo_contact": controller.get("dpo_contact"),
            "jurisdiction": controller.get("jurisdiction"),
        },
        "purposes": purposes_section(svc),
        "categories_of_subjects": list(SUBJECT_CATEGORIES),
        "categories_of_data": DATA_CATEGORIES,
        "recipients": recipients_section(svc),
        "transfers": transfers_section(svc),
        "retention": retention_section(svc),
        "security_measures": list(SECURITY_MEASURES),
        "automated_decisions": automated_decisions(svc),
        "warnings": [
            f"purposes.yaml names recipient {r!r} that recipients.yaml does not define"
            for r in unknown_in_purposes(purposes_of(svc), recipients_of(svc))
        ],
    }


def record(svc, actor: Actor) -> dict[str, Any]:
    """The Art. 30 record for a reader holding policies:read (audited)."""
    actor.require("policies:read")
    out = build(svc)
    svc.audit.record(actor, AuditAction.POLICY_RECORD, "", details={"purposes": len(out["purposes"])})
    return out
