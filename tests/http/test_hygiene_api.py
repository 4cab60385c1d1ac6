"""Hygiene over HTTP: run, review side by side (masked without PII scope), merge, undo, reject, report."""

from __future__ import annotations

from compliance.ids import new_id
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.profiles import upsert
from tests.support.api_helpers import auth


def _pair(svc):
    actor = svc.system_actor("t")
    a, _ = upsert(svc, actor, {"first_name": "Иван", "last_name": "Петров", "email": "ivan.petrov@gmail.com"})
    svc.clock.advance(days=1)
    b, _ = upsert(svc, actor, {"first_name": "Ivan", "last_name": "Petrov", "email": "ivanpetrov@gmail.com"})
    return a, b


def test_review_merge_undo_over_http(svc, client, keys):
    a, b = _pair(svc)
    steward = auth(keys["steward"])
    out = client.post("/v1/hygiene/runs", json={"kind": "validate"}, headers=steward)
    assert out.status_code == 201 and out.json["records"] == 2
    cid = new_id("cand")
    MergeCandidate.insert(
        id=cid, run_id="run_x", a_id=a, b_id=b, score=0.9, decision="review", created_at=svc.clock.now()
    ).execute()
    page = client.get("/v1/hygiene/candidates", headers=steward).json
    assert page["items"][0]["id"] == cid and page["items"][0]["masked"] is False
    emails = next(f for f in page["items"][0]["fields"] if f["field"] == "emails")
    assert emails["a"] == ["ivan.petrov@gmail.com"]
    merged = client.post(f"/v1/hygiene/candidates/{cid}/merge", headers=steward)
    assert merged.status_code == 200 and merged.json["survivor"] == a
    again = client.post(f"/v1/hygiene/candidates/{cid}/merge", headers=steward)
    assert again.status_code == 409 and again.content_type.startswith("application/problem+json")
    undo = client.post(f"/v1/hygiene/merges/{merged.json['id']}/undo", headers=steward)
    assert undo.status_code == 200 and undo.json["status"] == "undone"
    report = client.get("/v1/hygiene/report", headers=steward).json
    assert report["merges"] == {"undone": 1}
    issues = client.get("/v1/hygiene/issues", headers=steward)
    assert issues.status_code == 200


def test_dry_run_and_unknown_ids(svc, client, keys):
    _pair(svc)
    admin = auth(keys["admin"])
    out = client.post("/v1/hygiene/runs", json={"kind": "dedupe", "dry_run": True}, headers=admin)
    assert out.status_code == 201 and out.json["dry_run"] is True and out.json["candidates"] >= 1
    assert MergeCandidate.select().count() == 0
    assert client.post("/v1/hygiene/candidates/cand_nope/reject", headers=admin).status_code == 404
    assert client.post("/v1/hygiene/merges/mrg_nope/undo", headers=admin).status_code == 404
    assert client.post("/v1/hygiene/runs", json={"kind": "nope"}, headers=admin).status_code == 422


def test_candidates_carry_their_explanation_over_http(svc, client, keys):
    from compliance.store.models import Subject

    a, b = _pair(svc)
    Subject.update(restricted=True).where(Subject.id == b).execute()  # held for review instead of merged
    steward = auth(keys["steward"])
    run = client.post("/v1/hygiene/runs", json={"kind": "dedupe"}, headers=steward)
    assert run.status_code == 201 and run.json["blocking"]["rules"] and run.json["model"]["source"]
    (item,) = client.get("/v1/hygiene/candidates", headers=steward).json["items"]
    assert {item["a"], item["b"]} == {a, b} and item["probability"] == item["score"]
    explanation = item["explanation"]
    assert {f["field"] for f in explanation["fields"]} >= {"first_name", "last_name", "email"}
    assert (
        abs(explanation["prior_weight"] + sum(f["weight"] for f in explanation["fields"]) - explanation["total"]) < 1e-9
    )

    answer = client.get(f"/v1/hygiene/candidates/{item['id']}/explanation", headers=steward)
    assert answer.status_code == 200
    assert answer.json == {
        "candidate": item["id"],
        "a": item["a"],
        "b": item["b"],
        "score": item["score"],
        "decision": item["decision"],
        "status": "open",
        "reasons": item["reasons"],
        "explanation": explanation,
    }
    body = answer.get_data(as_text=True)
    assert not [v for v in ("Иван", "Петров", "Ivan", "Petrov", "ivan.petrov", "ivanpetrov") if v in body]

    denied = client.get(f"/v1/hygiene/candidates/{item['id']}/explanation", headers=auth(keys["analyst"]))
    assert denied.status_code == 403 and denied.content_type.startswith("application/problem+json")
    assert client.get(f"/v1/hygiene/candidates/{item['id']}/explanation").status_code == 401
    missing = client.get("/v1/hygiene/candidates/cand_nope/explanation", headers=steward)
    assert missing.status_code == 404 and missing.json["errors"] == [
        {"field": "candidate", "code": "candidate.unknown"}
    ]


def test_a_candidate_without_explanation_answers_null(svc, client, keys):
    a, b = _pair(svc)
    cid = new_id("cand")
    MergeCandidate.insert(
        id=cid, run_id="imp_x", a_id=a, b_id=b, score=0.7, decision="review", created_at=svc.clock.now()
    ).execute()
    steward = auth(keys["steward"])
    assert client.get(f"/v1/hygiene/candidates/{cid}/explanation", headers=steward).json["explanation"] is None
    (item,) = client.get("/v1/hygiene/candidates", headers=steward).json["items"]
    assert item["explanation"] is None and item["probability"] is None
