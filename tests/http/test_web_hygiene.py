"""Steward pages through the Flask test client: validation issues, quality report and chart, merge review."""

from __future__ import annotations

import json
import re

import pytest

import compliance.stewardship.validation as validation
from compliance.subjects import profiles as subj
from compliance.subjects import writer
from compliance.subjects.shape import coerce_profile
from tests.http.test_web import HTML, sign_in, token_of


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def dirty(svc):
    """A few subjects with bad contacts, validated once."""
    boss = svc.system_actor("t")
    subj.upsert(svc, boss, {"email": "anna.petrova@example.com", "first_name": "Анна", "phone": "+79161234567"})
    # As a bulk import lands it (the API refuses an email that is not an address).
    with svc.transaction():
        writer.write(svc, [writer.Incoming(coerce_profile({"email": "broken@@example", "first_name": "Борис"}, "RU"))])
    subj.upsert(svc, boss, {"phone": "12", "first_name": "Вера"})
    return validation.run(svc, boss)


def test_issues_page_lists_codes_without_values(client, keys, dirty):
    sign_in(client, keys["steward"])
    page = client.get("/web/hygiene/issues", headers=HTML)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<table>" in body
    assert "broken@@example" not in body and "Борис" not in body


def test_quality_report_draws_an_svg_chart(client, keys, dirty):
    sign_in(client, keys["steward"])
    page = client.get("/web/hygiene/report", headers=HTML)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and '<svg class="chart"' in body and 'role="img"' in body
    assert "<script" not in body and "style=" not in body
    assert 'id="inv-rate"' in body


def test_quality_pages_need_hygiene_read(client, keys, dirty):
    sign_in(client, keys["analyst"])
    assert client.get("/web/hygiene/report", headers=HTML).status_code == 403
    assert client.get("/web/hygiene/issues", headers=HTML).status_code == 403


def person(svc, **fields) -> str:
    sid, _ = subj.upsert(svc, svc.system_actor("t"), fields)
    return sid


def candidate(svc, a: str, b: str, score: float = 0.82) -> str:
    """A review candidate as a dedupe run would record it."""
    from compliance.ids import new_id
    from compliance.subjects.candidates import MergeCandidate

    cid = new_id("cand")
    MergeCandidate.insert(
        id=cid, run_id="run_web", a_id=a, b_id=b, score=score, decision="review", created_at=svc.clock.now()
    ).execute()
    return cid


@pytest.fixture
def pair(svc):
    a = person(svc, first_name="Ольга", last_name="Смирнова", email="olga.smirnova@example.com", city="Казань")
    svc.clock.advance(days=1)
    b = person(svc, first_name="Ольга", last_name="Смирнова", email="o.smirnova@example.com", city="Казань")
    return a, b, candidate(svc, a, b)


def test_side_by_side_highlights_differing_fields(client, keys, pair):
    a, b, cid = pair
    sign_in(client, keys["steward"])
    body = client.get("/web/hygiene/candidates", headers=HTML).get_data(as_text=True)
    assert cid in body and a in body and b in body
    assert "olga.smirnova@example.com" in body, "the steward holds subjects:read_pii"
    rows = re.findall(r"<tr( class=\"differs\")?>\s*<th scope=\"row\"[^>]*>([^<]+)</th>", body)
    differing = {name for flag, name in rows if flag}
    assert differing == {"Emails"}
    assert f'action="/web/hygiene/candidates/{cid}/merge"' in body


def test_masked_without_read_pii(client, svc, pair):
    from compliance.access.principals import create
    from compliance.policy.loader import Role

    svc.policies.roles["reviewer"] = Role("reviewer", "test", frozenset({"hygiene:read"}))
    key = create(svc, svc.system_actor("t"), "reviewer-principal", "reviewer")["api_key"]
    sign_in(client, key)
    body = client.get("/web/hygiene/candidates", headers=HTML).get_data(as_text=True)
    assert "olga.smirnova@example.com" not in body and "Смирнова" not in body
    assert "o***@example.com" in body and "masked" in body
    assert "/merge" not in body, "no merge button without hygiene:merge"


def test_merge_and_undo_through_the_forms(client, keys, svc, pair):
    from compliance.store.models import Subject

    a, b, cid = pair
    sign_in(client, keys["steward"])
    queue = client.get("/web/hygiene/candidates", headers=HTML)
    merged = client.post(f"/web/hygiene/candidates/{cid}/merge", data={"csrf_token": token_of(queue)}, headers=HTML)
    assert merged.status_code == 303
    assert Subject.get_by_id(b).merged_into == a
    page = client.get(merged.headers["Location"], headers=HTML).get_data(as_text=True)
    merge_id = re.search(r'action="/web/hygiene/merges/(mrg_[a-z0-9]+)/undo"', page).group(1)
    undone = client.post(f"/web/hygiene/merges/{merge_id}/undo", data={"csrf_token": token_of(queue)}, headers=HTML)
    assert undone.status_code == 303 and Subject.get_by_id(b).merged_into is None
    again = client.post(f"/web/hygiene/merges/{merge_id}/undo", data={"csrf_token": token_of(queue)}, headers=HTML)
    assert again.status_code == 409 and "merge.undone" in again.get_data(as_text=True)


def test_dpo_sees_the_queue_but_cannot_merge(client, keys, svc, pair):
    from compliance.store.models import Subject

    _, b, cid = pair
    sign_in(client, keys["dpo"])
    queue = client.get("/web/hygiene/candidates", headers=HTML)
    assert queue.status_code == 200 and "/merge" not in queue.get_data(as_text=True)
    forged = client.post(f"/web/hygiene/candidates/{cid}/merge", data={"csrf_token": token_of(queue)}, headers=HTML)
    assert forged.status_code == 403 and Subject.get_by_id(b).merged_into is None


@pytest.fixture
def scored(svc):
    """A pair hygiene dedupe proposed for review (one record restricted), with its explanation stored."""
    from compliance.stewardship import dedupe as dedupe_service
    from compliance.store.models import Subject
    from compliance.subjects.candidates import MergeCandidate

    person(svc, first_name="Ольга", last_name="Смирнова", email="olga.smirnova@example.com", birth_date="1990-01-02")
    svc.clock.advance(days=1)
    b = person(svc, first_name="Olga", last_name="Smirnova", email="o.smirnova@example.com", birth_date="1990-01-02")
    Subject.update(restricted=True).where(Subject.id == b).execute()
    dedupe_service.run(svc, svc.system_actor("t"))
    row = MergeCandidate.get(MergeCandidate.status == "open")
    return row.id, json.loads(row.explanation)


def _chart(body: str, cid: str) -> str:
    return re.search(rf'<svg class="chart weights" id="weights-{cid}".*?</svg>', body, re.S).group(0)


def test_review_page_draws_each_pairs_weights(client, keys, scored):
    cid, explanation = scored
    sign_in(client, keys["steward"])
    body = client.get("/web/hygiene/candidates", headers=HTML).get_data(as_text=True)
    svg = _chart(body, cid)
    assert 'role="img"' in svg and 'aria-label="Match weights' in svg and "<title>" in svg
    assert svg.count('class="bar field ') == len(explanation["fields"])
    assert svg.count('class="bar prior ') == 1 and svg.count('class="bar total ') == 1
    assert svg.index('class="bar prior') < svg.index('class="bar field') < svg.index('class="bar total')
    positive = [f for f in explanation["fields"] if f["weight"] > 0]
    assert svg.count('class="bar field pos"') == len(positive) and 'class="axis"' in svg
    for f in explanation["fields"]:
        assert f"{f['weight']:+.2f}" in svg and f["level"] in svg
    # No value of either record in the chart, and no script or inline style on the page.
    assert not [v for v in ("Ольга", "Смирнова", "Olga", "Smirnova", "smirnova@", "1990-01-02") if v in svg]
    assert "<script" not in body and "style=" not in body
    russian = client.get("/web/hygiene/candidates", headers={**HTML, "Accept-Language": "ru"}).get_data(as_text=True)
    assert "Веса совпадения" in _chart(russian, cid)


def test_review_page_says_when_a_pair_has_no_explanation(client, keys, pair):
    from compliance.subjects.candidates import MergeCandidate

    sign_in(client, keys["steward"])
    body = client.get("/web/hygiene/candidates", headers=HTML).get_data(as_text=True)
    assert "No explanation was recorded for this pair" in body and "<svg" not in body
    MergeCandidate.update(reasons='["identity.shared_phone"]').execute()  # as the write path queues one
    body = client.get("/web/hygiene/candidates", headers=HTML).get_data(as_text=True)
    assert "No explanation: an import or API write queued this pair" in body and "<svg" not in body


def test_weight_chart_escapes_its_text_and_scales_to_the_largest_weight():
    from api.web.chart import BARS_LEFT, BARS_RIGHT, weight_chart

    rows = [
        ("Prior", "", -2.0, "prior"),
        ('<script>alert("x")</script>', "a & b", 6.0, "field"),
        ("Email", "different", -4.0, "field"),
        ("Total", "probability 1.000", 0.0, "total"),
    ]
    svg = str(weight_chart(rows, 'Weights "of" <pair>', 'cand_"x"'))
    assert "<script" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert 'aria-label="Weights &quot;of&quot; &lt;pair&gt;: Prior -2.00;' in svg and 'id="cand_&quot;x&quot;"' in svg
    widths = [float(w) for w in re.findall(r'<rect class="bar [^"]+" x="[^"]+" y="[^"]+" width="([^"]+)"', svg)]
    assert len(widths) == 4 and max(widths) == pytest.approx((BARS_RIGHT - BARS_LEFT) * 6 / 10, abs=0.1)
    assert widths[2] == pytest.approx((BARS_RIGHT - BARS_LEFT) * 4 / 10, abs=0.1) and widths[3] == 0.0
