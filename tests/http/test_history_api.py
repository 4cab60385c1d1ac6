"""GET /v1/subjects/{id}/history and POST /v1/subjects/{id}/history/{entry}/restore: scopes, shapes, errors."""

from __future__ import annotations

from tests.support.api_helpers import auth


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def _corrected(client, keys) -> str:
    created = client.post(
        "/v1/subjects",
        headers=auth(keys["steward"]),
        json={"email": "lev.history@example.org", "first_name": "Лев", "position": "Главный бухгалтер"},
    )
    sid = created.get_json()["id"]
    patched = client.patch(f"/v1/subjects/{sid}", headers=auth(keys["steward"]), json={"position": "Гл. бухгалтер"})
    assert patched.status_code == 200
    return sid


def test_history_needs_read_pii(client, keys):
    sid = _corrected(client, keys)
    for role in ("dpo", "steward", "admin"):
        response = client.get(f"/v1/subjects/{sid}/history", headers=auth(keys[role]))
        assert response.status_code == 200, role
        (item,) = response.get_json()["items"]
        assert (item["field"], item["change"], item["old"], item["new"]) == (
            "position",
            "replaced",
            "Главный бухгалтер",
            "Гл. бухгалтер",
        )
        assert item["id"].startswith("hst_") and item["source"] == "api" and item["restored_at"] is None
    for role in ("analyst", "app"):
        body = _problem(client.get(f"/v1/subjects/{sid}/history", headers=auth(keys[role])), 403)
        assert "subjects:read_pii" in body["detail"]
    _problem(client.get("/v1/subjects/sub_nobodyhere/history", headers=auth(keys["dpo"])), 404)
    _problem(client.get(f"/v1/subjects/{sid}/history"), 401)


def test_restore_through_the_api(client, keys):
    sid = _corrected(client, keys)
    (entry,) = client.get(f"/v1/subjects/{sid}/history", headers=auth(keys["dpo"])).get_json()["items"]
    url = f"/v1/subjects/{sid}/history/{entry['id']}/restore"
    for role in ("analyst", "dpo"):
        assert "subjects:write" in _problem(client.post(url, headers=auth(keys[role])), 403)["detail"]
    response = client.post(url, headers=auth(keys["steward"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["entry"]["id"] == entry["id"] and body["entry"]["restored_at"]
    assert (body["restored"]["change"], body["restored"]["old"], body["restored"]["new"]) == (
        "restored",
        "Гл. бухгалтер",
        "Главный бухгалтер",
    )
    assert body["subject"]["id"] == sid and body["subject"]["profile"]["position"] == "Главный бухгалтер"
    again = _problem(client.post(url, headers=auth(keys["steward"])), 409)
    assert again["errors"] == [{"field": "position", "code": "history.already_current"}]
    shown = client.get(f"/v1/subjects/{sid}", headers=auth(keys["dpo"])).get_json()
    assert shown["profile"]["position"] == "Главный бухгалтер"


def test_restore_answers_404_for_an_entry_of_another_subject(client, keys):
    sid = _corrected(client, keys)
    (entry,) = client.get(f"/v1/subjects/{sid}/history", headers=auth(keys["dpo"])).get_json()["items"]
    other = client.post("/v1/subjects", headers=auth(keys["steward"]), json={"email": "other@example.org"})
    other_id = other.get_json()["id"]
    for path in (
        f"/v1/subjects/{other_id}/history/{entry['id']}/restore",
        f"/v1/subjects/{sid}/history/hst_nosuchentry0000/restore",
    ):
        body = _problem(client.post(path, headers=auth(keys["steward"])), 404)
        assert body["errors"] == [{"field": "entry", "code": "history.unknown_entry"}]
    position = client.get(f"/v1/subjects/{sid}", headers=auth(keys["dpo"])).get_json()["profile"]["position"]
    assert position == "Гл. бухгалтер"


def test_an_application_key_restores_but_reads_nothing_back(client, keys):
    sid = _corrected(client, keys)
    (entry,) = client.get(f"/v1/subjects/{sid}/history", headers=auth(keys["dpo"])).get_json()["items"]
    response = client.post(f"/v1/subjects/{sid}/history/{entry['id']}/restore", headers=auth(keys["app"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["subject"] == {"id": sid}
    assert "old" not in body["entry"] and "new" not in body["restored"] and body["restored"]["change"] == "restored"


def test_openapi_documents_both_routes_with_their_scopes(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    history = paths["/v1/subjects/{subject_id}/history"]["get"]
    restore = paths["/v1/subjects/{subject_id}/history/{entry_id}/restore"]["post"]
    assert history["x-scope"] == "subjects:read_pii" and restore["x-scope"] == "subjects:write"
    assert {"403", "404"} <= set(history["responses"]) and {"404", "409"} <= set(restore["responses"])
