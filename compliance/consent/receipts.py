"""Consent receipts: a Kantara Consent Receipt v1.1 compatible proof of one recorded event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.clock import iso
from compliance.consent.ledger import purpose_spec
from compliance.consent.models import ConsentEvent
from compliance.errors import NotFound
from compliance.ids import has_prefix


def receipt(svc, actor: Actor, event_id: str) -> dict[str, Any]:
    """A Kantara Consent Receipt v1.1 compatible JSON receipt for one event."""
    actor.require("consent:read")
    if not has_prefix(event_id, "cev"):
        raise NotFound("no such consent event")
    event = ConsentEvent.get_or_none(ConsentEvent.id == event_id)
    if event is None:
        raise NotFound("no such consent event")
    spec = purpose_spec(svc, event.purpose)
    controller = svc.policies.controller
    termination = (
        f"Consent expires {iso(event.expires_at)} unless renewed; withdraw any time via the same channel"
        if event.expires_at
        else "Until withdrawn; withdraw any time via the same channel"
    )
    svc.audit.record(actor, AuditAction.CONSENT_READ, event.id, details={"receipt": True})
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": controller.get("jurisdiction", "RU"),
        "consentTimestamp": int(event.occurred_at.timestamp())
        if event.occurred_at.tzinfo
        else int((event.occurred_at - datetime(1970, 1, 1)).total_seconds()),
        "collectionMethod": event.method,
        "consentReceiptID": event.receipt_id,
        "publicKey": None,
        "language": "en",
        # Pseudonymous: the subject id, never a name or contact.
        "piiPrincipalId": event.subject_id,
        "piiControllers": [
            {
                "piiController": controller.get("name"),
                "contact": controller.get("contact"),
                "address": controller.get("address"),
                "email": controller.get("contact"),
                "phone": None,
                "onBehalf": False,
            }
        ],
        "policyUrl": controller.get("policy_url"),
        "services": [
            {
                "service": spec.title,
                "purposes": [
                    {
                        "purpose": spec.id,
                        "purposeCategory": ["marketing" if spec.marketing else "core function"],
                        "consentType": "EXPLICIT" if spec.legal_basis == "consent" else "IMPLICIT",
                        "piiCategory": ["contact details", spec.channels[0]],
                        "primaryPurpose": not spec.marketing,
                        "termination": termination,
                        "thirdPartyDisclosure": bool(spec.recipients),
                        "thirdPartyName": ", ".join(spec.recipients) or None,
                    }
                ],
            }
        ],
        "purposes": [spec.id],
        "termination": termination,
        "thirdPartyDisclosure": bool(spec.recipients),
        "sensitive": False,
        "spiCat": [],
        "x-consentry": {
            "event": event.id,
            "action": event.action,
            "state": event.state_after,
            "channel": event.channel,
            "notice_version": event.notice_version,
            "legal_basis": event.legal_basis,
            "source": event.source,
        },
    }
