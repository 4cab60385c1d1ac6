"""`hygiene dedupe`: load live subjects, run hygiene.dedupe on their plain records, record and apply the results.

Pairs at or above the merge threshold in a guarded cluster are merged automatically (survivor: the oldest
record), except restricted subjects (never) and pairs across a marketing suppression (one suppressed, one
not): those wait for review like the pairs between the thresholds. Pairs a steward rejected are never
proposed again. `dry_run` changes nothing: with `pairs_file` it writes every scored pair as JSON lines.

Every candidate row it writes keeps the pair's explanation (the model's per-field weights: field names, levels
and numbers, never values), which `hygiene explain` and the review page show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.errors import Conflict
from compliance.ids import new_id
from compliance.policy.hygiene import matcher_policy, policy_of
from compliance.stewardship.merges import apply_merge
from compliance.stewardship.models import HygieneRun
from compliance.stewardship.validation import live_batches
from compliance.store.models import Subject
from compliance.subjects.candidates import MergeCandidate
from compliance.subjects.shape import profile_of


def load_records(svc, batch_size: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Plain records of every live subject, and per id the non-PII facts the decisions need."""
    records: list[dict[str, Any]] = []
    meta: dict[str, dict[str, Any]] = {}
    for batch in live_batches(svc, batch_size):
        for subject in batch:
            profile = profile_of(subject)
            profile.pop("custom", None)
            profile.pop("notes", None)
            records.append(
                {
                    **profile,
                    "id": subject.id,
                    "kind": subject.kind,
                    "source": subject.source,
                    "updated_at": subject.updated_at.isoformat(),
                    "restricted": bool(subject.restricted),
                }
            )
            meta[subject.id] = {
                "created_at": subject.created_at,
                "restricted": bool(subject.restricted),
                "suppressed": bool(subject.marketing_suppressed),
            }
        svc.keyring.clear()  # do not keep every data key of the base in memory
    return records, meta


def pair_line(pair) -> dict[str, Any]:
    """One scored pair as a --pairs line: CONTRACT.md's {"a", "b", "score", "decision"}, plus the probability
    (the same number as score), the model's prior weight, per-field weights and total (prior_weight + the
    weights == total, log2 Bayes factors) and the veto that kept it apart (None when none did). No values."""
    a, b = sorted((pair.a_id, pair.b_id))
    explanation = pair.explanation or {}
    return {
        "a": a,
        "b": b,
        "score": pair.score,
        "probability": pair.score,
        "decision": pair.decision,
        "prior_weight": explanation.get("prior_weight"),
        "weights": {f["field"]: f["weight"] for f in explanation.get("fields", ())},
        "total": explanation.get("total"),
        "veto": explanation.get("veto"),
    }


def write_pairs(path: Path, pairs) -> int:
    """Every scored pair as one JSON line (pair_line); returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(json.dumps(pair_line(pair)) + "\n")
            count += 1
    return count


def _explanation(pair) -> str | None:
    """The pair's explanation as stored on its candidate row (JSON), None when the matcher gave none."""
    return json.dumps(pair.explanation) if pair is not None and pair.explanation is not None else None


def model_summary(model: dict[str, Any]) -> dict[str, Any]:
    """What a run reports of the model that scored it: trained on this base or the reference one, its prior and
    the candidate pairs it learnt from (the parameter table stays out of reports)."""
    return {"source": model.get("source"), "prior": model.get("prior"), "training_pairs": model.get("training_pairs")}


def _groups(ids: list[str], pairs) -> int:
    """Number of groups the records form when every merge-or-review pair is joined (union-find)."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        if pair.decision == "distinct" or pair.a_id not in parent or pair.b_id not in parent:
            continue
        ra, rb = find(pair.a_id), find(pair.b_id)
        if ra != rb:
            parent[ra] = rb
    return len({find(i) for i in ids})


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def run(svc, actor: Actor, *, dry_run: bool = False, pairs_file: Path | str | None = None) -> dict[str, Any]:
    """Find duplicates; unless dry_run, record candidates and auto-merge the certain ones."""
    from hygiene.dedupe import dedupe

    actor.require("hygiene:run")
    policy = policy_of(svc)
    started = svc.clock.now()
    records, meta = load_records(svc, policy.batch_size)
    result = dedupe(records, matcher_policy(policy, svc.policies.default_region, keep_distinct=True))
    del records
    stats = result.stats()
    merge_pairs = sum(1 for p in result.pairs if p.decision == "merge")
    review_pairs = sum(1 for p in result.pairs if p.decision == "review")
    duplicates = len(meta) - _groups(list(meta), result.pairs)
    written = write_pairs(Path(pairs_file), result.pairs) if pairs_file is not None else None
    summary: dict[str, Any] = {
        "records": len(meta),
        "merge_pairs": merge_pairs,
        "review_pairs": review_pairs,
        "clusters": len(result.clusters),
        "duplicates": duplicates,
    }
    # Reported, not audited: how blocking found the candidates and which model scored them.
    scoring = {"blocking": result.blocking, "model": model_summary(result.model)}
    if dry_run:
        svc.audit.record(
            actor, AuditAction.HYGIENE_DEDUPE, "", details={**summary, "dry_run": True, "pairs_written": written or 0}
        )
        out = {
            "candidates": stats["candidates"],
            "auto_merged": stats["auto_merged"],
            "review": stats["review"],
            "dry_run": True,
            **summary,
            **scoring,
        }
        if written is not None:
            out["pairs_file"] = str(pairs_file)
            out["pairs_written"] = written
        return out

    run_id = new_id("run")
    with svc.transaction():
        HygieneRun.insert(id=run_id, kind="dedupe", actor=actor.principal_id, started_at=started).execute()
    rejected = set()
    open_rows: dict[tuple[str, str], str] = {}
    for row in MergeCandidate.select(
        MergeCandidate.id, MergeCandidate.a_id, MergeCandidate.b_id, MergeCandidate.status
    ).where(MergeCandidate.status.in_(["rejected", "open"])):
        if row.status == "rejected":
            rejected.add(_key(row.a_id, row.b_id))
        else:
            open_rows[_key(row.a_id, row.b_id)] = row.id
    can_merge = actor.can("hygiene:merge")
    by_pair = {_key(p.a_id, p.b_id): p for p in result.pairs if p.decision != "distinct"}
    auto_merged = 0
    held: list[tuple[str, str]] = []  # merge pairs that need a person: restricted, suppression, rejected, no scope
    merged_pairs: set[tuple[str, str]] = set()
    for members in result.clusters:
        survivor = min(members, key=lambda s: (meta[s]["created_at"], s))
        for member in sorted(members):
            if member == survivor:
                continue
            key = _key(survivor, member)
            blocked = (
                not can_merge
                or meta[survivor]["restricted"]
                or meta[member]["restricted"]
                or meta[survivor]["suppressed"] != meta[member]["suppressed"]
                or key in rejected
                or any(_key(member, other) in rejected for other in members)
            )
            if blocked:
                held.append(key)
                continue
            pair = by_pair.get(key)
            score = (
                pair.score
                if pair
                else min((p.score for k, p in by_pair.items() if member in k and (set(k) <= set(members))), default=0.0)
            )
            with svc.transaction():
                cand_id = open_rows.pop(key, None)
                if cand_id is not None and pair is not None:
                    MergeCandidate.update(explanation=_explanation(pair)).where(MergeCandidate.id == cand_id).execute()
                if cand_id is None:
                    cand_id = new_id("cand")
                    MergeCandidate.insert(
                        id=cand_id,
                        run_id=run_id,
                        a_id=key[0],
                        b_id=key[1],
                        score=score,
                        decision="merge",
                        reasons=json.dumps(sorted(pair.parts) if pair else []),
                        explanation=_explanation(pair),
                        created_at=svc.clock.now(),
                    ).execute()
                try:
                    apply_merge(svc, actor, survivor, member, candidate_id=cand_id, automatic=True)
                except Conflict:
                    held.append(key)  # changed since it was read (merged or restricted meanwhile)
                    continue
            merged_pairs.add(key)
            auto_merged += 1
    candidates = 0
    with svc.transaction():
        pending = [p for k, p in by_pair.items() if k not in merged_pairs and k not in rejected]
        pending_keys = {_key(p.a_id, p.b_id) for p in pending}
        for key in held:
            if key not in pending_keys and key not in rejected and key not in merged_pairs:
                pair = by_pair.get(key)
                if pair is not None:
                    pending.append(pair)
                    pending_keys.add(key)
        gone = {
            s.id
            for s in Subject.select(Subject.id).where(
                Subject.merged_into.is_null(False) & Subject.id.in_(list({x for k in pending_keys for x in k}) or [""])
            )
        }
        for pair in pending:
            key = _key(pair.a_id, pair.b_id)
            if key[0] in gone or key[1] in gone:
                continue
            if key in open_rows:
                # An open pair the write path queued (no explanation yet) gets this run's score and explanation.
                MergeCandidate.update(
                    score=pair.score, decision=pair.decision, run_id=run_id, explanation=_explanation(pair)
                ).where(MergeCandidate.id == open_rows[key]).execute()
            else:
                MergeCandidate.insert(
                    id=new_id("cand"),
                    run_id=run_id,
                    a_id=key[0],
                    b_id=key[1],
                    score=pair.score,
                    decision=pair.decision,
                    reasons=json.dumps(sorted(pair.parts)),
                    explanation=_explanation(pair),
                    created_at=svc.clock.now(),
                ).execute()
            candidates += 1
        HygieneRun.update(
            finished_at=svc.clock.now(),
            status="done",
            records=len(meta),
            scored_pairs=stats["candidates"],
            merge_pairs=merge_pairs,
            review_pairs=review_pairs,
            candidates=candidates,
            auto_merged=auto_merged,
            clusters=len(result.clusters),
            duplicates=duplicates,
        ).where(HygieneRun.id == run_id).execute()
        svc.audit.record(
            actor,
            AuditAction.HYGIENE_DEDUPE,
            run_id,
            details={**summary, "dry_run": False, "auto_merged": auto_merged, "candidates": candidates},
        )
    out = {
        "candidates": stats["candidates"],
        "auto_merged": auto_merged,
        "review": candidates,
        "run": run_id,
        "dry_run": False,
        **summary,
        **scoring,
    }
    if written is not None:
        out["pairs_file"] = str(pairs_file)
        out["pairs_written"] = written
    return out
