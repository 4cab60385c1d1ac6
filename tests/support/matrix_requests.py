"""Role x route rows for the data-subject request and policy routes."""

from __future__ import annotations

from compliance.dsar import intake as rq
from compliance.subjects.profiles import upsert

MANAGE = {"admin", "dpo"}
ROWS = {
    ("POST", "/v1/requests"): {"admin", "dpo", "app"},
    ("GET", "/v1/requests"): {"admin", "dpo", "steward"},
    ("GET", "/v1/requests/<request_id>"): {"admin", "dpo", "steward"},
    ("POST", "/v1/requests/<request_id>/verify"): MANAGE,
    ("POST", "/v1/requests/<request_id>/extend"): MANAGE,
    ("POST", "/v1/requests/<request_id>/approve"): MANAGE,
    ("POST", "/v1/requests/<request_id>/reject"): MANAGE,
    ("POST", "/v1/requests/<request_id>/process"): MANAGE,
    ("GET", "/v1/requests/<request_id>/export"): MANAGE,
    ("GET", "/v1/requests/<request_id>/certificate"): MANAGE,
    ("GET", "/v1/policies/record"): {"admin", "dpo", "steward", "analyst"},
}


def sample_fixtures(svc) -> dict[str, str]:
    """A received request of a known subject."""
    actor = svc.system_actor("t")
    sid, _ = upsert(svc, actor, {"email": "requests-matrix@example.com", "first_name": "Matrix"})
    req = rq.submit(svc, actor, type="access", regime="gdpr", subject=sid)
    return {"request_id": req["id"]}


SAMPLE_BODIES = {
    ("POST", "/v1/requests"): {"type": "opt_out", "regime": "ccpa", "email": "requests-matrix@example.com"},
    ("POST", "/v1/requests/<request_id>/verify"): {"method": "code"},
    ("POST", "/v1/requests/<request_id>/extend"): {"reason": "many systems to search"},
    ("POST", "/v1/requests/<request_id>/reject"): {"ground": "manifestly unfounded"},
}
