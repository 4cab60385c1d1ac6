"""DPO pages through the Flask test client: queue, filters, overdue, actions by state and scope, forms."""

from __future__ import annotations

import re

import pytest

from compliance.dsar import intake, listing, verification
from compliance.subjects import profiles as subj
from tests.http.test_web import HTML, sign_in, token_of


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def erasure(svc):
    """An erasure request of a known person, and an access request of another."""
    boss = svc.system_actor("t")
    sid, _ = subj.upsert(svc, boss, {"email": "ivan.web@example.com", "first_name": "Иван"})
    other, _ = subj.upsert(svc, boss, {"email": "maria.web@example.com", "first_name": "Мария"})
    req = intake.submit(svc, boss, type="erasure", regime="gdpr", email="ivan.web@example.com", channel="email")
    acc = intake.submit(svc, boss, type="access", regime="ru152", subject=other, channel="letter")
    return req["id"], acc["id"], sid


def test_queue_shows_deadlines_and_highlights_overdue(client, keys, svc, erasure):
    req, acc, _ = erasure
    sign_in(client, keys["dpo"])
    body = client.get("/web/requests", headers=HTML).get_data(as_text=True)
    assert req in body and acc in body and "overdue" not in body.split("<tbody>")[1]
    svc.clock.advance(days=40)
    body = client.get("/web/requests", headers=HTML).get_data(as_text=True)
    assert re.search(r'<tr class="overdue">\s*<td><a href="/web/requests/' + req, body)
    only_ru = client.get("/web/requests?regime=ru152", headers=HTML).get_data(as_text=True)
    assert acc in only_ru and req not in only_ru
    only_erasure = client.get("/web/requests?type=erasure&overdue=1", headers=HTML).get_data(as_text=True)
    assert req in only_erasure and acc not in only_erasure
    assert "ivan.web@example.com" not in body and "Иван" not in body


def test_dpo_sees_the_actions_the_state_allows(client, keys, erasure):
    req, _, _ = erasure
    sign_in(client, keys["dpo"])
    page = client.get(f"/web/requests/{req}", headers=HTML)
    body = page.get_data(as_text=True)
    assert set(re.findall(r'id="(form-[a-z]+)"', body)) == {"form-verify", "form-extend", "form-reject"}
    assert "form-approve" not in body and "form-process" not in body, "verification first"
    verified = client.post(
        f"/web/requests/{req}/verify",
        data={"csrf_token": token_of(page), "method": "manual", "note": "ID checked by phone call"},
        headers=HTML,
    )
    assert verified.status_code == 303 and verified.headers["Location"] == f"/web/requests/{req}?done=verify"
    body = client.get(f"/web/requests/{req}", headers=HTML).get_data(as_text=True)
    assert 'id="form-approve"' in body and 'id="form-verify"' not in body
    approved = client.post(f"/web/requests/{req}/approve", data={"csrf_token": token_of(page)}, headers=HTML)
    assert approved.status_code == 303
    body = client.get(f"/web/requests/{req}", headers=HTML).get_data(as_text=True)
    assert "form-approve" not in body and re.search(r"<dt>Approved</dt><dd>yes", body)
    assert body.count('<li><time datetime="') >= 3, "timeline: submit, verify, approve"


def test_steward_never_sees_approve_and_a_forged_post_is_refused(client, keys, erasure, svc):
    req, _, _ = erasure
    verification.verify(svc, svc.system_actor("t"), req, method="manual", note="checked")
    sign_in(client, keys["steward"])
    page = client.get(f"/web/requests/{req}", headers=HTML)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "form-approve" not in body and "/approve" not in body
    assert "No action is available" in body
    forged = client.post(f"/web/requests/{req}/approve", data={"csrf_token": token_of(page)}, headers=HTML)
    assert forged.status_code == 403 and "Access denied" in forged.get_data(as_text=True)
    assert listing.show(svc, svc.system_actor("t"), req)["approved"] is False
    last = svc.audit.tail(1)[0]
    assert last["action"] == "auth.denied" and last["details"]["scope"] == "requests:approve"


def test_form_errors_are_shown_with_field_codes(client, keys, erasure):
    req, _, _ = erasure
    sign_in(client, keys["dpo"])
    page = client.get(f"/web/requests/{req}", headers=HTML)
    refused = client.post(f"/web/requests/{req}/reject", data={"csrf_token": token_of(page)}, headers=HTML)
    assert refused.status_code == 422 and "ground.required" in refused.get_data(as_text=True)
    missing = client.get("/web/requests/req_doesnotexist0000", headers=HTML)
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)


def test_extend_with_reason(client, keys, erasure, svc):
    req, _, _ = erasure
    sign_in(client, keys["dpo"])
    page = client.get(f"/web/requests/{req}", headers=HTML)
    done = client.post(
        f"/web/requests/{req}/extend", data={"csrf_token": token_of(page), "reason": "complex request"}, headers=HTML
    )
    assert done.status_code == 303
    assert listing.show(svc, svc.system_actor("t"), req)["extended"] is True
