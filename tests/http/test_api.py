"""HTTP API behaviour: authentication failures, problem+json errors, limits, masking, pagination, OpenAPI."""

from __future__ import annotations

import pytest

from compliance.access import apikeys
from compliance.access.models import ApiKey
from compliance.access.principals import create, revoke
from tests.support.api_helpers import auth


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def test_health_needs_no_key_and_sets_security_headers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy"):
        assert header in response.headers
    assert "Werkzeug" not in response.headers.get("Server", "")  # the app does not name its framework


@pytest.mark.parametrize(
    "header,code",
    [
        (None, "key.missing"),
        ("Bearer nonsense", "key.malformed"),
        ("Basic abc", "key.missing"),
    ],
)
def test_401_for_missing_or_malformed_keys(client, header, code):
    headers = {"Authorization": header} if header else {}
    body = _problem(client.get("/v1/subjects", headers=headers), 401)
    assert body["errors"][0]["code"] == code


def test_401_for_wrong_checksum_expired_and_revoked(client, svc, keys):
    good = keys["admin"]
    flipped = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert _problem(client.get("/v1/subjects", headers=auth(flipped)), 401)["errors"][0]["code"] == "key.checksum"
    created = create(svc, svc.system_actor("t"), "short-lived", "analyst", expires_in_days=1)
    assert client.get("/v1/subjects", headers=auth(created["api_key"])).status_code == 200
    svc.clock.advance(days=2)
    from compliance.access.authentication import authenticator

    authenticator(svc).forget()
    assert (
        _problem(client.get("/v1/subjects", headers=auth(created["api_key"])), 401)["errors"][0]["code"]
        == "key.expired"
    )
    victim = create(svc, svc.system_actor("t"), "to-revoke", "analyst")
    assert client.get("/v1/subjects", headers=auth(victim["api_key"])).status_code == 200
    revoke(svc, svc.system_actor("t"), victim["id"])
    assert (
        _problem(client.get("/v1/subjects", headers=auth(victim["api_key"])), 401)["errors"][0]["code"] == "key.revoked"
    )
    unknown = apikeys.generate().secret
    assert _problem(client.get("/v1/subjects", headers=auth(unknown)), 401)["errors"][0]["code"] == "key.unknown"


def test_keys_are_stored_only_as_hashes(svc, keys):
    for row in ApiKey.select():
        assert row.key_hash not in keys.values() and len(row.key_hash) == 64
        assert all(row.key_hash != k for k in keys.values())


def test_403_for_missing_scope(client, keys):
    body = _problem(client.get("/v1/audit", headers=auth(keys["steward"])), 403)
    assert "audit:read" in body["detail"]


def test_422_names_fields_not_values(client, keys):
    secret_value = "Щукин-Секретный"
    response = client.post(
        "/v1/subjects",
        headers=auth(keys["admin"]),
        json={"first_name": 12, "surname": secret_value, "channels": {"myspace": "x"}},
    )
    body = _problem(response, 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"first_name", "surname"} <= fields
    assert secret_value not in response.get_data(as_text=True)


def test_415_and_413(client, svc, keys):
    _problem(
        client.post(
            "/v1/subjects",
            headers=auth(keys["admin"]),
            data="email=a@b.c",
            content_type="application/x-www-form-urlencoded",
        ),
        415,
    )
    big = {"notes": "x" * (svc.settings.max_body_bytes + 10)}
    _problem(client.post("/v1/subjects", headers=auth(keys["admin"]), json=big), 413)


def test_404_does_not_reveal_and_405_is_a_problem(client, keys):
    _problem(client.get("/v1/subjects/sub_nobodyhere", headers=auth(keys["admin"])), 404)
    _problem(client.get("/v1/nothing-here", headers=auth(keys["admin"])), 404)
    _problem(client.delete("/v1/subjects", headers=auth(keys["admin"])), 405)


def test_create_read_patch_and_masking(client, keys):
    response = client.post(
        "/v1/subjects",
        headers=auth(keys["app"]),
        json={"email": "ivan.petrov@example.com", "phone": "+79123456767", "first_name": "Иван"},
    )
    assert response.status_code == 201
    sid = response.get_json()["id"]
    again = client.post("/v1/subjects", headers=auth(keys["app"]), json={"email": "IVAN.PETROV@example.com"})
    assert again.status_code == 200
    assert again.get_json() == {"id": sid, "created": False, "flags": [], "review": [], "declined": []}
    masked = client.get(f"/v1/subjects/{sid}", headers=auth(keys["analyst"])).get_json()
    assert masked["masked"] and masked["profile"]["emails"] == ["i***@example.com"]
    assert masked["profile"]["phones"] == ["+7 *** ***-**-67"]
    full = client.get(f"/v1/subjects/{sid}", headers=auth(keys["dpo"])).get_json()
    assert full["profile"]["emails"] == ["ivan.petrov@example.com"]
    patched = client.patch(f"/v1/subjects/{sid}", headers=auth(keys["steward"]), json={"city": "Казань"})
    assert patched.status_code == 200 and patched.get_json()["profile"]["city"] == "Казань"
    app_patch = client.patch(f"/v1/subjects/{sid}", headers=auth(keys["app"]), json={"city": "Тверь"})
    assert app_patch.get_json() == {"id": sid}
    found = client.post("/v1/subjects/lookup", headers=auth(keys["dpo"]), json={"phone": "8 912 345-67-67"})
    assert [i["id"] for i in found.get_json()["items"]] == [sid]


def test_cursor_pagination_with_a_maximum(client, svc, keys):
    for i in range(7):
        client.post("/v1/subjects", headers=auth(keys["admin"]), json={"email": f"p{i}@example.com"})
    seen, cursor = [], None
    while True:
        url = "/v1/subjects?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=auth(keys["analyst"])).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    too_big = client.get(f"/v1/subjects?limit={svc.settings.max_page_size + 1}", headers=auth(keys["analyst"]))
    assert _problem(too_big, 422)["errors"][0]["field"] == "limit"
    assert _problem(client.get("/v1/subjects?cursor=@@@", headers=auth(keys["analyst"])), 422)


def test_openapi_matches_url_map(app, client):
    from api.openapi import openapi_path

    spec = client.get("/openapi.json").get_json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    served = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, openapi_path(rule.rule)))
    assert documented == served
    assert all(op.get("x-scope") for ops in spec["paths"].values() for op in ops.values())


def test_docs_page_is_served_without_external_assets(client):
    html = client.get("/docs").get_data(as_text=True)
    assert "/v1/subjects" in html and "http://" not in html.replace("http://127", "") and "cdn" not in html.lower()
    assert client.get("/assets/app.css").status_code == 200
    assert client.get("/assets/..%2Fapp.py").status_code == 404


def test_every_error_is_problem_json(app, client, keys):
    """Meta-test: for every route, the errors it can produce without a key or with a bad body are problem+json."""
    from tests.http.test_api_matrix import routes

    for method, rule in routes(app):
        path = rule.replace("<subject_id>", "sub_missing").replace("<name>", "missing.css")
        path = path.replace("<", "").replace(">", "")
        for headers in ({}, auth(keys["analyst"]), auth(keys["admin"])):
            response = client.open(
                path, method=method, headers=headers, data="{bad json", content_type="application/json"
            )
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json", (method, rule, response.status_code)
                assert response.get_json()["status"] == response.status_code


def test_failed_and_denied_calls_are_audited_without_the_key(client, svc, keys):
    client.get("/v1/subjects", headers=auth("csk_" + "x" * 36))
    client.get("/v1/audit", headers=auth(keys["steward"]))
    actions = [e["action"] for e in svc.audit.tail(10)]
    assert "auth.failed" in actions and "auth.denied" in actions
    text = str(svc.audit.tail(10))
    assert all(key not in text for key in keys.values())


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"email": "not an address", "first_name": "Иван"}, "email", "email.syntax"),
        ({"emails": ["ok@example.com", "broken@@example"]}, "emails", "email.syntax"),
        ({"email": "ivan@example.com", "birth_date": "31/31/1999"}, "birth_date", "date.invalid"),
        ({"email": "ivan@example.com", "birth_date": "yesterday"}, "birth_date", "date.invalid"),
    ],
)
def test_create_refuses_an_email_that_is_not_an_address_and_a_date_that_is_not_a_date(client, keys, body, field,
                                                                                      code):
    response = client.post("/v1/subjects", headers=auth(keys["app"]), json=body)
    problem = _problem(response, 422)
    assert {"field": field, "code": code} in [{k: e.get(k) for k in ("field", "code")} for e in problem["errors"]]
    text = response.get_data(as_text=True)
    assert "not an address" not in text and "broken@@" not in text and "31/31" not in text  # no value echoed
    listing = client.get("/v1/subjects", headers=auth(keys["admin"])).get_json()
    assert listing["items"] == []  # nothing half-written


def test_patch_refuses_the_same_and_changes_nothing(client, keys):
    sid = client.post("/v1/subjects", headers=auth(keys["app"]), json={"email": "olga@example.com"}).get_json()["id"]
    for body, field in (({"email": "olga(at)example.com"}, "email"), ({"birth_date": "yesterday"}, "birth_date")):
        problem = _problem(client.patch(f"/v1/subjects/{sid}", headers=auth(keys["admin"]), json=body), 422)
        assert field in [e["field"] for e in problem["errors"]]
    profile = client.get(f"/v1/subjects/{sid}", headers=auth(keys["admin"])).get_json()["profile"]
    assert profile["emails"] == ["olga@example.com"] and profile["birth_date"] is None


def test_create_lists_the_flags_it_raised_and_the_pairs_it_queued(client, keys):
    first = client.post("/v1/subjects", headers=auth(keys["app"]),
                        json={"first_name": "Ольга", "email": "olga@example.com", "phone": "+74951234567"})
    assert first.status_code == 201 and first.get_json()["review"] == []
    # A spouse with the family landline, and a number that is possible but not valid: lands, flagged, queued.
    second = client.post("/v1/subjects", headers=auth(keys["app"]),
                         json={"first_name": "Пётр", "email": "petr@example.com",
                               "phones": ["+74951234567", "+73000000001"]})
    body = second.get_json()
    assert second.status_code == 201 and body["id"] != first.get_json()["id"]
    assert body["flags"] == [{"field": "phone", "code": "phone.invalid"}]
    assert body["review"] == [{"subject": first.get_json()["id"], "reason": "identity.shared_phone"}]
    olga = client.get(f"/v1/subjects/{first.get_json()['id']}", headers=auth(keys["admin"])).get_json()["profile"]
    assert olga["first_name"] == "Ольга" and olga["emails"] == ["olga@example.com"]
    # The same person again with a worse form of the name: updated, the name declined (kept in the history).
    worse = {"first_name": "О.", "email": "olga@example.com"}
    again = client.post("/v1/subjects", headers=auth(keys["app"]), json=worse)
    assert again.status_code == 200 and again.get_json()["declined"] == ["first_name"]
