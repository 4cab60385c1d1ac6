"""Role x route rows for the consent routes."""

from __future__ import annotations

from compliance.consent import ledger as consent
from compliance.subjects.profiles import upsert

ROWS = {
    ("GET", "/v1/consent/check"): {"admin", "dpo", "app"},
    ("POST", "/v1/consent/check"): {"admin", "dpo", "app"},
    ("POST", "/v1/consent/events"): {"admin", "dpo", "app"},
    ("POST", "/v1/consent/confirm"): "public",
    ("GET", "/v1/consent/events/<event_id>/receipt"): {"admin", "dpo"},
    ("GET", "/v1/subjects/<subject_id>/consent"): {"admin", "dpo"},
    ("POST", "/v1/subjects/<subject_id>/objection"): {"admin", "dpo", "app"},
}


def sample_fixtures(svc) -> dict[str, str]:
    """A consent event to read a receipt of."""
    sid, _ = upsert(svc, svc.system_actor("t"), {"email": "consent-matrix@example.com"})
    event = consent.record(
        svc, svc.system_actor("t"), subject=sid, purpose="sms_marketing", action="grant", source="test"
    )
    return {"event_id": event["id"], "consent_subject": sid}


SAMPLE_BODIES = {
    ("POST", "/v1/consent/check"): {"purpose": "sms_marketing", "subjects": ["sub_aaaaaaaaaaaaaaaa"]},
    ("POST", "/v1/consent/events"): {
        "email": "consent-matrix@example.com",
        "purpose": "sms_marketing",
        "action": "withdraw",
        "source": "matrix",
    },
    ("POST", "/v1/consent/confirm"): {"token": "not-a-real-token-0000"},
}
