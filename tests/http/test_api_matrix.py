"""Role x route matrix from the app's url_map: each shipped role gets the expected effect on every route."""

from __future__ import annotations

import pytest

from compliance.subjects import profiles as subj
from tests.support import matrix_rows
from tests.support.api_helpers import ROLES, auth

PUBLIC = "public"
EVERYONE = set(ROLES)
# (METHOD, rule) -> roles allowed. A route that is not in this table fails the test: add it deliberately.
EXPECTED: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/assets/<name>"): PUBLIC,
    ("POST", "/v1/subjects"): {"admin", "steward", "app"},
    ("GET", "/v1/subjects"): {"admin", "dpo", "steward", "analyst"},
    ("POST", "/v1/subjects/lookup"): {"admin", "dpo", "steward", "analyst"},
    ("GET", "/v1/subjects/<subject_id>"): {"admin", "dpo", "steward", "analyst"},
    ("PATCH", "/v1/subjects/<subject_id>"): {"admin", "steward", "app"},
    ("GET", "/v1/audit"): {"admin", "dpo"},
    ("GET", "/v1/audit/verify"): {"admin", "dpo"},
}

EXPECTED.update(matrix_rows.EXTRA_ROWS)


def routes(app) -> list[tuple[str, str]]:
    """Every (method, rule) the app serves."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.rule))
    return sorted(out)


def sample_path(rule: str, fixtures: dict[str, str]) -> str:
    """Fill path parameters with real ids."""
    path = rule
    for name, value in fixtures.items():
        path = path.replace(f"<{name}>", value)
    return path


SAMPLE_BODIES = {
    ("POST", "/v1/subjects"): {"email": "matrix@example.com", "first_name": "Matrix"},
    ("POST", "/v1/subjects/lookup"): {"email": "matrix@example.com"},
    ("PATCH", "/v1/subjects/<subject_id>"): {"city": "Казань"},
}


def test_every_route_is_in_the_matrix(app):
    missing = [r for r in routes(app) if r not in EXPECTED]
    assert missing == [], f"add these routes to the role matrix: {missing}"
    stale = [r for r in EXPECTED if r not in routes(app)]
    assert stale == [], f"the matrix lists routes the app does not serve: {stale}"


@pytest.mark.parametrize("role", [*ROLES, None])
def test_role_route_matrix(app, client, svc, keys, role):
    sid, _ = subj.upsert(svc, svc.system_actor("t"), {"email": "x@example.com", "first_name": "X"})
    fixtures = {"subject_id": sid, "name": "app.css", **matrix_rows.sample_fixtures(svc)}
    bodies = {**SAMPLE_BODIES, **matrix_rows.SAMPLE_BODIES}
    failures = []
    for method, rule in routes(app):
        expected = EXPECTED[(method, rule)]
        path = sample_path(rule, fixtures)
        headers = auth(keys[role]) if role else {}
        body = bodies.get((method, rule))
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
