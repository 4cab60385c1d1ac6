"""Admin pages through the Flask test client: session cookie, CSRF, scopes, errors, languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.web import i18n, session
from compliance.access.principals import revoke
from compliance.audit.actions import AuditAction

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
ROOT = Path(__file__).resolve().parents[2]


def token_of(response) -> str:
    """The CSRF token in a rendered page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client, key: str, next_page: str = "/web/"):
    """Sign in through the form; return the redirect response."""
    form = client.get("/web/sign-in", headers=HTML)
    return client.post(
        "/web/sign-in", data={"csrf_token": token_of(form), "api_key": key, "next": next_page}, headers=HTML
    )


def cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(session.COOKIE + "=")]
    assert headers, "no session cookie set"
    return headers[-1]


@pytest.fixture
def backend():
    return "sqlite"  # pages are transport; the store tests cover PostgreSQL


def test_sign_in_sets_a_strict_secure_cookie_without_the_key(client, keys, svc):
    response = sign_in(client, keys["dpo"], "/web/audit")
    assert response.status_code == 303 and response.headers["Location"] == "/web/audit"
    header = cookie_header(response)
    flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= flags
    assert "SameSite=Strict" in header and "Path=/" in header and "Domain" not in header
    value = header.split(";")[0].split("=", 1)[1]
    assert keys["dpo"] not in value and keys["dpo"][4:] not in value
    data = session.load(svc, value)
    assert set(data) == {"sid", "pid"} and data["pid"].startswith("prn_")
    page = client.get("/web/audit", headers=HTML)
    assert page.status_code == 200 and "The chain is intact." in page.get_data(as_text=True)


def test_a_new_session_id_on_sign_in(client, keys, svc):
    form = client.get("/web/sign-in", headers=HTML)
    before = session.load(svc, cookie_header(form).split(";")[0].split("=", 1)[1])
    after = session.load(svc, cookie_header(sign_in(client, keys["dpo"])).split(";")[0].split("=", 1)[1])
    assert before["sid"] != after["sid"]


def test_post_without_csrf_token_is_refused(client, keys):
    sign_in(client, keys["dpo"])
    for path in ("/web/sign-out", "/web/language", "/web/sign-in"):
        response = client.post(path, data={"lang": "ru"}, headers=HTML)
        assert response.status_code == 400, path
        assert "The form expired" in response.get_data(as_text=True)
    wrong = client.post("/web/sign-out", data={"csrf_token": "0" * 64})
    assert wrong.status_code == 400 and wrong.headers["Content-Type"] == "application/problem+json"
    assert wrong.get_json()["errors"] == [{"field": "csrf_token", "code": "csrf"}]
    assert client.get("/web/audit", headers=HTML).status_code == 200, "still signed in"


def test_sign_in_form_needs_a_token_of_its_own_session(app, keys):
    one, two = app.test_client(), app.test_client()
    stolen = token_of(one.get("/web/sign-in", headers=HTML))
    two.get("/web/sign-in", headers=HTML)
    response = two.post("/web/sign-in", data={"csrf_token": stolen, "api_key": keys["dpo"]}, headers=HTML)
    assert response.status_code == 400


def test_bad_key_is_refused_and_audited(client, svc):
    form = client.get("/web/sign-in", headers=HTML)
    response = client.post("/web/sign-in", data={"csrf_token": token_of(form), "api_key": "csk_nope"}, headers=HTML)
    assert response.status_code == 401 and "Sign-in failed" in response.get_data(as_text=True)
    last = svc.audit.tail(1)[0]
    assert last["action"] == AuditAction.AUTH_FAILED.value and last["details"]["channel"] == "web"
    assert "csk_nope" not in str(last)


def test_without_session_pages_answer_401_with_the_sign_in_form(client):
    response = client.get("/web/audit?n=20", headers=HTML)
    body = response.get_data(as_text=True)
    assert response.status_code == 401 and 'name="api_key"' in body and 'value="/web/audit?n=20"' in body
    tool = client.get("/web/audit")
    assert tool.status_code == 401 and tool.headers["Content-Type"] == "application/problem+json"
    assert client.get("/web/", headers=HTML).status_code == 303


def test_role_without_scope_gets_403(client, keys):
    sign_in(client, keys["steward"])
    response = client.get("/web/audit", headers=HTML)
    assert response.status_code == 403 and "Access denied" in response.get_data(as_text=True)
    home = client.get("/web/", headers=HTML).get_data(as_text=True)
    assert 'href="/web/audit"' not in home


def test_forged_or_foreign_cookie_is_no_session(client, keys, svc):
    sign_in(client, keys["dpo"])
    client.set_cookie(session.COOKIE, session.dump(svc, {"sid": "x", "pid": "prn_forged"})[:-2] + "AA")
    response = client.get("/web/audit", headers=HTML)
    assert response.status_code == 401
    fresh = session.load(svc, cookie_header(response).split(";")[0].split("=", 1)[1])
    assert fresh is not None and "pid" not in fresh, "replaced by an anonymous session for the sign-in form"


def test_sign_out_ends_the_session(client, keys):
    sign_in(client, keys["dpo"])
    page = client.get("/web/audit", headers=HTML)
    response = client.post("/web/sign-out", data={"csrf_token": token_of(page)}, headers=HTML)
    assert response.status_code == 303 and response.headers["Location"].startswith("/web/sign-in")
    assert client.get("/web/audit", headers=HTML).status_code == 401


def test_revoked_principal_loses_its_session(client, keys, svc):
    sign_in(client, keys["dpo"])
    assert client.get("/web/audit", headers=HTML).status_code == 200
    from compliance.access.models import Principal

    pid = Principal.get(Principal.name == "dpo-principal").id
    revoke(svc, svc.system_actor("t"), pid)
    assert client.get("/web/audit", headers=HTML).status_code == 401


def test_json_api_ignores_the_session_cookie(client, keys):
    sign_in(client, keys["dpo"])
    assert client.get("/web/audit", headers=HTML).status_code == 200
    assert client.get("/v1/audit/verify").status_code == 401


def test_no_open_redirect_after_sign_in(client, keys):
    for target in ("//evil.example/", "https://evil.example/", "/v1/audit", "/web\\evil"):
        assert sign_in(client, keys["dpo"], target).headers["Location"] == "/web/"


def test_language_from_accept_language_and_switch(client, keys):
    sign_in(client, keys["dpo"])
    russian = client.get("/web/audit", headers={**HTML, "Accept-Language": "ru-RU,ru;q=0.9"})
    body = russian.get_data(as_text=True)
    assert '<html lang="ru">' in body and "Журнал аудита" in body
    english = client.get("/web/audit", headers=HTML)
    switched = client.post(
        "/web/language", data={"csrf_token": token_of(english), "lang": "ru", "next": "/web/audit"}, headers=HTML
    )
    assert switched.headers["Location"] == "/web/audit"
    assert "Журнал аудита" in client.get("/web/audit", headers=HTML).get_data(as_text=True)
    assert client.get("/web/audit", headers=HTML).status_code == 200, "switching kept the sign-in"


def test_every_interface_text_has_a_russian_translation():
    texts: set[str] = set()
    for path in (ROOT / "api" / "templates" / "web").glob("*.html"):
        texts |= set(re.findall(r'_\("([^"]+)"\)', path.read_text(encoding="utf-8")))
        texts |= set(re.findall(r"_\('([^']+)'\)", path.read_text(encoding="utf-8")))
    for path in (ROOT / "api" / "web").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        texts |= set(re.findall(r'gettext\(\s*"([^"]+)"', source))
        for row in re.findall(r'\("[a-z]+:[a-z_]+", "web\.[a-z_]+", "([^"]+)", "([^"]+)"\)', source):
            texts |= set(row)
    assert len(texts) > 40
    missing = sorted(t for t in texts if t not in i18n.RU)
    assert missing == []


def test_pages_are_in_the_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    op = spec["paths"]["/web/audit"]["get"]
    assert op["x-scope"] == "audit:read" and "text/html" in op["responses"]["200"]["content"]


def test_pages_load_no_inline_script_or_style_and_no_cdn(client, keys):
    sign_in(client, keys["admin"])
    for path in ("/web/", "/web/audit", "/web/sign-in"):
        body = client.get(path, headers=HTML).get_data(as_text=True)
        assert "<script" not in body and "style=" not in body and "<style" not in body
        assert "http://" not in body and "https://" not in body
    assert client.get("/assets/web.css").status_code == 200
