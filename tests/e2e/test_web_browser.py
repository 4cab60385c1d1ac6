"""End-to-end in headless Chromium against a real server: sign-in, scopes, CSRF, the DPO and steward flows."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import chromium, new_instance, screenshot, services_of, session_cookie, sign_in
from tests.support.server import running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One instance and one server process for the module's scenarios."""
    from tests.support.browser import require_chromium

    require_chromium()
    home = tmp_path_factory.mktemp("web") / "instance"
    keys = new_instance(home)
    with running_server(home, log=home.parent / "server.log") as base:
        yield base, keys, home


def test_sign_in_audit_page_language_and_sign_out(server):
    base, keys, _ = server
    with chromium() as context:
        page = context.new_page()
        page.goto(base + "/web/audit")
        assert page.get_by_role("heading", name="Sign in").is_visible()
        screenshot(page, "sign-in")
        sign_in(page, base, keys["dpo"], "/web/audit")
        assert page.url == base + "/web/audit"
        assert page.locator("#chain-result").inner_text() == "The chain is intact."
        screenshot(page, "audit")
        cookie = session_cookie(context)
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert keys["dpo"] not in cookie["value"]
        page.get_by_label("Language").select_option("ru")
        page.get_by_role("button", name="Switch language").click()
        assert page.get_by_role("heading", name="Журнал аудита").is_visible()
        screenshot(page, "audit-ru")
        page.get_by_role("button", name="Выйти").click()
        assert "/web/sign-in" in page.url and page.get_by_text("Вы вышли из системы.").is_visible()
        page.goto(base + "/web/audit")
        assert page.get_by_role("heading", name=re.compile("Войти|Sign in")).is_visible()


def test_keyboard_reaches_the_sign_in_form(server):
    base, keys, _ = server
    with chromium() as context:
        page = context.new_page()
        page.goto(base + "/web/sign-in")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "api_key":
                break
        assert page.evaluate("document.activeElement.id") == "api_key"
        page.keyboard.type(keys["steward"])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url == base + "/web/"
        screenshot(page, "home-steward")
        assert page.get_by_role("link", name="Audit").count() == 0


def test_forged_post_without_token_is_refused_in_the_browser(server):
    base, keys, _ = server
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["dpo"])
        # A POST carrying the session cookie but no token (what a forged form would send).
        response = page.request.post(base + "/web/sign-out", form={"next": "/web/"})
        assert response.status == 400
        page.goto(base + "/web/audit")
        assert page.locator("#chain-result").is_visible(), "the session survived the refused POST"


def _seed_candidate(home) -> tuple[str, str, str]:
    """Two records of one person (different emails) and the review candidate a dedupe run would record."""
    from compliance.ids import new_id
    from compliance.subjects.candidates import MergeCandidate
    from compliance.subjects.profiles import upsert

    with services_of(home) as svc:
        boss = svc.system_actor("seed")
        a, _ = upsert(svc, boss, {"first_name": "Ольга", "last_name": "Смирнова", "email": "olga.s@example.com"})
        b, _ = upsert(svc, boss, {"first_name": "Ольга", "last_name": "Смирнова", "email": "o.smirnova@example.com"})
        cid = new_id("cand")
        MergeCandidate.insert(
            id=cid, run_id="run_seed", a_id=a, b_id=b, score=0.84, decision="review", created_at=svc.clock.now()
        ).execute()
    return a, b, cid


def _merged_into(home, sid: str):
    from compliance.store.models import Subject

    with services_of(home) as svc:
        svc.db.connect(reuse_if_open=True)
        return Subject.get_by_id(sid).merged_into


def test_steward_merges_a_candidate_and_undoes_it(server):
    base, keys, home = server
    a, b, cid = _seed_candidate(home)
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["steward"])
        page.get_by_role("navigation").get_by_role("link", name="Merge review").click()
        section = page.locator(f"section#{cid}")
        assert section.get_by_role("heading", name=re.compile(cid)).is_visible()
        differing = section.locator("tr.differs th").all_inner_texts()
        assert differing == ["Emails"], differing
        screenshot(page, "merge-review")
        section.get_by_role("button", name="Merge").click()
        page.wait_for_url(re.compile(r"status=merged"))
        assert page.get_by_role("status").first.inner_text() == "Done."
        assert _merged_into(home, b) == a
        screenshot(page, "merge-done")
        page.locator(f"section#{cid}").get_by_role("button", name="Undo").click()
        page.wait_for_url(re.compile(r"status=rejected"))
        assert _merged_into(home, b) is None
        screenshot(page, "merge-undone")


def test_quality_report_and_issues_pages(server):
    import compliance.stewardship.validation as validation

    base, keys, home = server
    from compliance.subjects.profiles import upsert

    with services_of(home) as svc:
        upsert(svc, svc.system_actor("seed"), {"first_name": "Пётр", "phone": "+7 916 000"})
        validation.run(svc, svc.system_actor("seed"))
        validation.run(svc, svc.system_actor("seed"))  # two runs: a trend
        import compliance.stewardship.dedupe as dedupe

        dedupe.run(svc, svc.system_actor("seed"), dry_run=True)
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["steward"], "/web/hygiene/report")
        chart = page.get_by_role("img", name=re.compile("Duplicate rate and invalid contacts"))
        assert chart.is_visible()
        assert page.locator("svg.chart circle.invdot").count() >= 2
        screenshot(page, "quality-report")
        page.get_by_role("navigation").get_by_role("link", name="Validation issues").click()
        assert page.get_by_role("heading", name="Validation issues").first.is_visible()
        screenshot(page, "validation-issues")


def _seed_erasure(home, email: str) -> str:
    """A person and their erasure request (received by email)."""
    from compliance.dsar import intake as dsar
    from compliance.subjects.profiles import upsert

    with services_of(home) as svc:
        boss = svc.system_actor("seed")
        upsert(svc, boss, {"email": email, "first_name": "Иван", "last_name": "Сидоров"})
        return dsar.submit(svc, boss, type="erasure", regime="gdpr", email=email, channel="email")["id"]


def _verify_and_approve(page, base: str, req: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Requests").click()
    screenshot(page, "request-queue")
    page.get_by_role("link", name=req).click()
    assert page.locator("#req-type").inner_text() == "erasure"
    screenshot(page, "request-received")
    page.get_by_label("Verification method").select_option("manual")
    page.get_by_label("Note").fill("identity checked against the customer account")
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url(re.compile(r"done=verify"))
    assert page.get_by_role("button", name="Approve").is_visible()
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"done=approve"))
    assert page.locator("#form-approve").count() == 0
    screenshot(page, "request-approved")


def test_dpo_approves_an_erasure(server):
    base, keys, home = server
    req = _seed_erasure(home, "ivan.approve@example.com")
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["dpo"])
        _verify_and_approve(page, base, req)
        assert "yes" in page.locator("dt:has-text('Approved') + dd").inner_text()


def test_dpo_processes_an_erasure_and_downloads_the_certificate(server, tmp_path):
    base, keys, home = server
    email = "ivan.erase@example.com"
    req = _seed_erasure(home, email)
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["dpo"])
        _verify_and_approve(page, base, req)
        page.get_by_role("button", name="Process").click()
        page.wait_for_url(re.compile(r"done=process"))
        assert page.locator("#req-status").inner_text() in ("completed", "in progress")
        screenshot(page, "request-processed")
        with page.expect_download() as info:
            page.get_by_role("link", name="Download the certificate").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        text = saved.read_text(encoding="utf-8")
        assert info.value.suggested_filename == f"{req}-certificate.json"
        assert '"signature"' in text and email not in text and "Сидоров" not in text


def test_steward_cannot_reach_the_approve_action(server):
    from compliance.dsar import listing, verification

    base, keys, home = server
    req = _seed_erasure(home, "ivan.steward@example.com")
    with services_of(home) as svc:
        verification.verify(svc, svc.system_actor("seed"), req, method="manual", note="checked")
    with chromium() as context:
        page = context.new_page()
        sign_in(page, base, keys["steward"])
        page.goto(f"{base}/web/requests/{req}")
        assert page.get_by_role("heading", name=re.compile(req)).is_visible()
        assert page.get_by_role("button", name="Approve").count() == 0
        assert page.locator("form[action$='/approve']").count() == 0
        screenshot(page, "request-steward")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        forged = page.request.post(f"{base}/web/requests/{req}/approve", form={"csrf_token": token})
        assert forged.status == 403
        without = page.request.post(f"{base}/web/requests/{req}/approve", form={})
        assert without.status == 400
    with services_of(home) as svc:
        assert listing.show(svc, svc.system_actor("seed"), req)["approved"] is False
