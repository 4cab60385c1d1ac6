"""Role x route matrix from the app's url_map: each shipped role gets the expected effect on every route.

The table below lists every route the app serves, API and admin pages alike. A route missing from it, or a row
for a route the app does not serve, fails test_every_route_is_in_the_matrix: add or remove rows deliberately.
HTML pages answer 401 without a session or key and 403 without the scope, like the JSON API; public pages
(sign-in, sign-out, language) refuse forms without a CSRF token with 400.
"""

from __future__ import annotations

import pytest

from compliance.consent import ledger as consent
from compliance.dsar import intake as rq
from compliance.ids import new_id
from compliance.stewardship import merges
from compliance.subjects import history
from compliance.subjects import profiles as subj
from compliance.subjects.candidates import MergeCandidate
from tests.support.api_helpers import ROLES, auth

PUBLIC = "public"
CONSENT_USE = {"admin", "dpo", "app"}
DPO = {"admin", "dpo"}  # audit, consent receipts, request management
REQ_READ = {"admin", "dpo", "steward"}
HYG_READ = {"admin", "dpo", "steward"}
HYG_WRITE = {"admin", "steward"}
SUBJ_READ = {"admin", "dpo", "steward", "analyst"}
SUBJ_WRITE = {"admin", "steward", "app"}
SUBJ_PII = {"admin", "dpo", "steward"}

# (METHOD, rule) -> roles allowed, or PUBLIC.
EXPECTED: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/assets/<name>"): PUBLIC,
    # subjects
    ("POST", "/v1/subjects"): SUBJ_WRITE,
    ("GET", "/v1/subjects"): SUBJ_READ,
    ("POST", "/v1/subjects/lookup"): SUBJ_READ,
    ("GET", "/v1/subjects/<subject_id>"): SUBJ_READ,
    ("PATCH", "/v1/subjects/<subject_id>"): SUBJ_WRITE,
    ("GET", "/v1/subjects/<subject_id>/history"): SUBJ_PII,
    ("POST", "/v1/subjects/<subject_id>/history/<entry_id>/restore"): SUBJ_WRITE,
    # audit
    ("GET", "/v1/audit"): DPO,
    ("GET", "/v1/audit/verify"): DPO,
    # consent
    ("GET", "/v1/consent/check"): CONSENT_USE,
    ("POST", "/v1/consent/check"): CONSENT_USE,
    ("POST", "/v1/consent/events"): CONSENT_USE,
    ("POST", "/v1/consent/confirm"): PUBLIC,
    ("GET", "/v1/consent/events/<event_id>/receipt"): DPO,
    ("GET", "/v1/subjects/<subject_id>/consent"): DPO,
    ("POST", "/v1/subjects/<subject_id>/objection"): CONSENT_USE,
    # data-subject requests and the record of processing
    ("POST", "/v1/requests"): {"admin", "dpo", "app"},
    ("GET", "/v1/requests"): REQ_READ,
    ("GET", "/v1/requests/<request_id>"): REQ_READ,
    ("POST", "/v1/requests/<request_id>/verify"): DPO,
    ("POST", "/v1/requests/<request_id>/extend"): DPO,
    ("POST", "/v1/requests/<request_id>/approve"): DPO,
    ("POST", "/v1/requests/<request_id>/reject"): DPO,
    ("POST", "/v1/requests/<request_id>/process"): DPO,
    ("GET", "/v1/requests/<request_id>/export"): DPO,
    ("GET", "/v1/requests/<request_id>/certificate"): DPO,
    ("GET", "/v1/policies/record"): SUBJ_READ,
    # hygiene
    ("POST", "/v1/hygiene/runs"): HYG_WRITE,
    ("GET", "/v1/hygiene/candidates"): HYG_READ,
    ("GET", "/v1/hygiene/candidates/<candidate_id>/explanation"): HYG_READ,
    ("POST", "/v1/hygiene/candidates/<candidate_id>/merge"): HYG_WRITE,
    ("POST", "/v1/hygiene/candidates/<candidate_id>/reject"): HYG_WRITE,
    ("POST", "/v1/hygiene/merges/<merge_id>/undo"): HYG_WRITE,
    ("GET", "/v1/hygiene/report"): HYG_READ,
    ("GET", "/v1/hygiene/issues"): HYG_READ,
    # admin pages
    ("GET", "/web/"): PUBLIC,
    ("GET", "/web/sign-in"): PUBLIC,
    ("POST", "/web/sign-in"): PUBLIC,
    ("POST", "/web/sign-out"): PUBLIC,
    ("POST", "/web/language"): PUBLIC,
    ("GET", "/web/audit"): DPO,
    ("GET", "/web/requests"): REQ_READ,
    ("GET", "/web/requests/<request_id>"): REQ_READ,
    ("POST", "/web/requests/<request_id>/verify"): DPO,
    ("POST", "/web/requests/<request_id>/extend"): DPO,
    ("POST", "/web/requests/<request_id>/approve"): DPO,
    ("POST", "/web/requests/<request_id>/reject"): DPO,
    ("POST", "/web/requests/<request_id>/process"): DPO,
    ("GET", "/web/requests/<request_id>/export"): DPO,
    ("GET", "/web/requests/<request_id>/certificate"): DPO,
    ("GET", "/web/hygiene/candidates"): HYG_READ,
    ("POST", "/web/hygiene/candidates/<candidate_id>/merge"): HYG_WRITE,
    ("POST", "/web/hygiene/candidates/<candidate_id>/reject"): HYG_WRITE,
    ("POST", "/web/hygiene/merges/<merge_id>/undo"): HYG_WRITE,
    ("GET", "/web/hygiene/issues"): HYG_READ,
    ("GET", "/web/hygiene/report"): HYG_READ,
}

# Bodies that get a route past validation, so that the status shows the permission decision.
SAMPLE_BODIES = {
    ("POST", "/v1/subjects"): {"email": "matrix@example.com", "first_name": "Matrix"},
    ("POST", "/v1/subjects/lookup"): {"email": "matrix@example.com"},
    ("PATCH", "/v1/subjects/<subject_id>"): {"city": "Казань"},
    ("POST", "/v1/consent/check"): {"purpose": "sms_marketing", "subjects": ["sub_aaaaaaaaaaaaaaaa"]},
    ("POST", "/v1/consent/events"): {
        "email": "consent-matrix@example.com",
        "purpose": "sms_marketing",
        "action": "withdraw",
        "source": "matrix",
    },
    ("POST", "/v1/consent/confirm"): {"token": "not-a-real-token-0000"},
    ("POST", "/v1/requests"): {"type": "opt_out", "regime": "ccpa", "email": "requests-matrix@example.com"},
    ("POST", "/v1/requests/<request_id>/verify"): {"method": "code"},
    ("POST", "/v1/requests/<request_id>/extend"): {"reason": "many systems to search"},
    ("POST", "/v1/requests/<request_id>/reject"): {"ground": "manifestly unfounded"},
    ("POST", "/v1/hygiene/runs"): {"kind": "dedupe", "dry_run": True},
}


@pytest.fixture
def path_ids(svc) -> dict[str, str]:
    """Values for the path parameters: ids of real objects on the test instance."""
    actor = svc.system_actor("t")
    sid, _ = subj.upsert(svc, actor, {"email": "x@example.com", "first_name": "X"})
    subj.correct(svc, actor, sid, {"city": "Омск"})  # a history entry (city replaced) to restore
    (entry,) = history.entries(sid)
    consenting, _ = subj.upsert(svc, actor, {"email": "consent-matrix@example.com"})
    event = consent.record(svc, actor, subject=consenting, purpose="sms_marketing", action="grant", source="test")
    requester, _ = subj.upsert(svc, actor, {"email": "requests-matrix@example.com", "first_name": "Matrix"})
    request = rq.submit(svc, actor, type="access", regime="gdpr", subject=requester)
    a, b, c = (
        subj.upsert(svc, actor, {"email": f"hygiene-matrix-{x}@example.com", "first_name": "Hyg"})[0] for x in "abc"
    )
    candidate = new_id("cand")
    MergeCandidate.insert(
        id=candidate, run_id="run_matrix", a_id=a, b_id=b, score=0.8, decision="review", created_at=svc.clock.now()
    ).execute()
    merged = merges.merge(svc, actor, a, c)
    return {
        "subject_id": sid,
        "name": "app.css",
        "event_id": event["id"],
        "request_id": request["id"],
        "candidate_id": candidate,
        "merge_id": merged["id"],
        "entry_id": entry["id"],
    }


def routes(app) -> list[tuple[str, str]]:
    """Every (method, rule) the app serves."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.rule))
    return sorted(out)


def sample_path(rule: str, ids: dict[str, str]) -> str:
    """Fill path parameters with real ids."""
    path = rule
    for name, value in ids.items():
        path = path.replace(f"<{name}>", value)
    assert "<" not in path, f"no sample id for {rule}: add one to path_ids"
    return path


def test_every_route_is_in_the_matrix(app):
    missing = [r for r in routes(app) if r not in EXPECTED]
    assert missing == [], f"add these routes to the role matrix: {missing}"
    stale = [r for r in EXPECTED if r not in routes(app)]
    assert stale == [], f"the matrix lists routes the app does not serve: {stale}"


def test_the_table_names_only_shipped_roles():
    assert all(v == PUBLIC or (v and v <= set(ROLES)) for v in EXPECTED.values())
    assert set(SAMPLE_BODIES) <= set(EXPECTED)


@pytest.mark.parametrize("role", [*ROLES, None])
def test_role_route_matrix(app, client, keys, path_ids, role):
    failures = []
    for method, rule in routes(app):
        expected = EXPECTED[(method, rule)]
        path = sample_path(rule, path_ids)
        headers = auth(keys[role]) if role else {}
        body = SAMPLE_BODIES.get((method, rule))
        response = client.open(path, method=method, headers=headers, json=body if method != "GET" else None)
        status = response.status_code
        if expected == PUBLIC:
            ok = status not in (401, 403) and status < 500
        elif role is None:
            ok = status == 401
        elif role in expected:
            ok = status not in (401, 403) and status < 500
        else:
            ok = status == 403
        if not ok:
            failures.append((method, rule, role, status))
    assert failures == []
