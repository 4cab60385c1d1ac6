"""`hygiene report`: completeness per field, invalid counts, duplicate rate, and their trend across runs.

Everything here is counts: completeness and issue counts come from the latest validation run, the duplicate
rate from the latest dedupe run, live counts (subjects, open candidates, merges) from the tables.
"""

from __future__ import annotations

import json
from typing import Any

from peewee import fn

from compliance.access.actor import Actor
from compliance.clock import iso
from compliance.stewardship.models import HygieneRun, Merge, ValidationIssue
from compliance.store.models import Subject
from compliance.subjects.candidates import MergeCandidate

TREND_RUNS = 10


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _run_point(row: HygieneRun) -> dict[str, Any]:
    point: dict[str, Any] = {"run": row.id, "kind": row.kind, "at": iso(row.started_at), "records": row.records}
    if row.kind == "validate":
        metrics = json.loads(row.metrics or "{}")
        point.update(
            issues=row.issues,
            fixed=row.fixed,
            invalid_rate=_ratio(metrics.get("subjects_with_issues", 0), row.records),
        )
    else:
        point.update(
            dry_run=row.dry_run,
            scored_pairs=row.scored_pairs,
            merge_pairs=row.merge_pairs,
            review_pairs=row.review_pairs,
            auto_merged=row.auto_merged,
            duplicate_rate=_ratio(row.duplicates, row.records),
        )
    return point


def report(svc, actor: Actor) -> dict[str, Any]:
    """The data-quality report of the live base."""
    actor.require("hygiene:read")
    live = Subject.select().where(Subject.erased_at.is_null() & Subject.merged_into.is_null()).count()
    finished = HygieneRun.status == "done"
    validate = (
        HygieneRun.select()
        .where(finished & (HygieneRun.kind == "validate"))
        .order_by(HygieneRun.started_at.desc())
        .first()
    )
    dedupe = (
        HygieneRun.select()
        .where(finished & (HygieneRun.kind == "dedupe"))
        .order_by(HygieneRun.started_at.desc())
        .first()
    )
    out: dict[str, Any] = {"subjects": live}
    if validate is not None:
        metrics = json.loads(validate.metrics or "{}")
        records = validate.records
        out["validation"] = {
            "run": validate.id,
            "at": iso(validate.started_at),
            "records": records,
            "completeness": {k: _ratio(v, records) for k, v in (metrics.get("completeness") or {}).items()},
            "invalid": metrics.get("by_code") or {},
            "by_severity": metrics.get("by_severity") or {},
            "subjects_with_issues": metrics.get("subjects_with_issues", 0),
            "invalid_rate": _ratio(metrics.get("subjects_with_issues", 0), records),
        }
    else:
        out["validation"] = None
    open_issues = {
        code: int(n)
        for code, n in ValidationIssue.select(ValidationIssue.code, fn.COUNT(ValidationIssue.id))
        .group_by(ValidationIssue.code)
        .tuples()
    }
    out["open_issues"] = dict(sorted(open_issues.items()))
    if dedupe is not None:
        out["duplicates"] = {
            "run": dedupe.id,
            "at": iso(dedupe.started_at),
            "dry_run": dedupe.dry_run,
            "records": dedupe.records,
            "scored_pairs": dedupe.scored_pairs,
            "merge_pairs": dedupe.merge_pairs,
            "review_pairs": dedupe.review_pairs,
            "auto_merged": dedupe.auto_merged,
            "duplicate_rate": _ratio(dedupe.duplicates, dedupe.records),
        }
    else:
        out["duplicates"] = None
    out["candidates"] = {
        status: int(n)
        for status, n in MergeCandidate.select(MergeCandidate.status, fn.COUNT(MergeCandidate.id))
        .group_by(MergeCandidate.status)
        .tuples()
    }
    out["merges"] = {
        status: int(n) for status, n in Merge.select(Merge.status, fn.COUNT(Merge.id)).group_by(Merge.status).tuples()
    }
    runs = list(
        HygieneRun.select().where(finished).order_by(HygieneRun.started_at.desc(), HygieneRun.id).limit(TREND_RUNS * 2)
    )
    out["trend"] = [_run_point(r) for r in reversed(runs)]
    return out


def render(data: dict[str, Any]) -> str:
    """The report as text for the terminal."""
    lines = [f"live subjects: {data['subjects']}"]
    validation = data.get("validation")
    if validation:
        lines.append(
            f"validation {validation['run']} at {validation['at']}: {validation['records']} records, "
            f"{validation['subjects_with_issues']} with issues ({validation['invalid_rate']:.1%})"
        )
        lines.append("completeness:")
        for name, ratio in validation["completeness"].items():
            lines.append(f"  {name:<13} {ratio:6.1%}")
        if validation["invalid"]:
            lines.append("issues by code:")
            for code, n in sorted(validation["invalid"].items(), key=lambda kv: -kv[1]):
                lines.append(f"  {code:<28} {n}")
    else:
        lines.append("no validation run yet: consentry hygiene validate")
    dup = data.get("duplicates")
    if dup:
        lines.append(
            f"dedupe {dup['run']} at {dup['at']}{' (dry run)' if dup['dry_run'] else ''}: "
            f"{dup['merge_pairs']} merge pairs, {dup['review_pairs']} for review, {dup['auto_merged']} auto-merged, "
            f"duplicate rate {dup['duplicate_rate']:.1%}"
        )
    else:
        lines.append("no dedupe run yet: consentry hygiene dedupe --dry-run")
    if data["candidates"]:
        lines.append("candidates: " + ", ".join(f"{k} {v}" for k, v in sorted(data["candidates"].items())))
    if data["merges"]:
        lines.append("merges: " + ", ".join(f"{k} {v}" for k, v in sorted(data["merges"].items())))
    if data["trend"]:
        lines.append("trend:")
        for point in data["trend"]:
            if point["kind"] == "validate":
                lines.append(
                    f"  {point['at']} validate {point['records']} records, invalid {point['invalid_rate']:.1%}"
                )
            else:
                lines.append(
                    f"  {point['at']} dedupe   {point['records']} records, duplicates {point['duplicate_rate']:.1%}"
                )
    return "\n".join(lines)
