"""Role x route rows for the hygiene routes."""

from __future__ import annotations

from compliance.ids import new_id
from compliance.stewardship import merges
from compliance.stewardship.models import MergeCandidate
from compliance.subjects.profiles import upsert

READ = {"admin", "dpo", "steward"}
WRITE = {"admin", "steward"}
ROWS = {
    ("POST", "/v1/hygiene/runs"): WRITE,
    ("GET", "/v1/hygiene/candidates"): READ,
    ("POST", "/v1/hygiene/candidates/<candidate_id>/merge"): WRITE,
    ("POST", "/v1/hygiene/candidates/<candidate_id>/reject"): WRITE,
    ("POST", "/v1/hygiene/merges/<merge_id>/undo"): WRITE,
    ("GET", "/v1/hygiene/report"): READ,
    ("GET", "/v1/hygiene/issues"): READ,
}


def sample_fixtures(svc) -> dict[str, str]:
    """An open candidate pair and an applied merge."""
    actor = svc.system_actor("t")
    a, _ = upsert(svc, actor, {"email": "hygiene-matrix-a@example.com", "first_name": "Hyg"})
    b, _ = upsert(svc, actor, {"email": "hygiene-matrix-b@example.com", "first_name": "Hyg"})
    c, _ = upsert(svc, actor, {"email": "hygiene-matrix-c@example.com", "first_name": "Hyg"})
    cid = new_id("cand")
    MergeCandidate.insert(
        id=cid, run_id="run_matrix", a_id=a, b_id=b, score=0.8, decision="review", created_at=svc.clock.now()
    ).execute()
    merged = merges.merge(svc, actor, a, c)
    return {"candidate_id": cid, "merge_id": merged["id"]}


SAMPLE_BODIES = {
    ("POST", "/v1/hygiene/runs"): {"kind": "dedupe", "dry_run": True},
}
