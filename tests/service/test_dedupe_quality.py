"""Precision and recall of `hygiene dedupe` against the ground truth written by `consentry demo`.

The demo base is loaded through the real import path, which folds a row into a subject only through a unique
identifier with nothing contradicting (policies/identity.yaml; those duplicates count as found) and queues a
merge candidate for the rest it meets (shared phones, contradictions). Pairs are judged on subject ids
through truth.csv: a predicted pair is right when both subjects describe the same person; a true pair of
rows is found when both rows landed in one subject or the pair of their subjects was predicted.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections import defaultdict
from pathlib import Path

import pytest

from compliance.demo.load import load_demo
from compliance.stewardship import dedupe as dedupe_service
from compliance.store.models import Subject
from compliance.subjects.candidates import MergeCandidate

CUSTOMERS = 4000
SEEDS = (1, 2, 3)
GOAL = 0.97
# Auto-merge alone: since the import stopped folding rows that merely share a phone (issue 12), the matcher
# merges these on its own or sends them to review; its own auto-merge recall is the matcher's work (issue 14).
AUTO_RECALL_FLOOR = 0.90


def truth_of(home: Path) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """subject id -> persons it holds, and person -> subject id of each of their rows."""
    persons: dict[str, set[str]] = defaultdict(set)
    rows_of: dict[str, list[str]] = defaultdict(list)
    with (home / "demo" / "truth.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["subject_id"]:  # rows the importer rejected have no subject
                persons[row["subject_id"]].add(row["person"])
                rows_of[row["person"]].append(row["subject_id"])
    return persons, rows_of


def precision_recall(predicted: set[tuple[str, str]], persons, rows_of) -> tuple[float, float, int, int]:
    """(precision, recall, predicted pairs, true row pairs)."""
    correct = sum(1 for a, b in predicted if persons[a] & persons[b])
    total = found = 0
    for sids in rows_of.values():
        for x, y in itertools.combinations(sids, 2):
            total += 1
            if x == y or (min(x, y), max(x, y)) in predicted:
                found += 1
    precision = correct / len(predicted) if predicted else 1.0
    return precision, (found / total if total else 1.0), len(predicted), total


@pytest.mark.parametrize("seed", SEEDS)
def test_dedupe_precision_and_recall(backend, svc, admin, seed, tmp_path):
    load_demo(svc, admin, customers=CUSTOMERS, seed=seed)
    persons, rows_of = truth_of(svc.settings.home)
    pairs_file = tmp_path / "pairs.jsonl"
    out = dedupe_service.run(svc, admin, dry_run=True, pairs_file=pairs_file)
    pairs = [json.loads(line) for line in pairs_file.read_text().splitlines()]
    assert len(pairs) == out["candidates"]
    merge = {(p["a"], p["b"]) for p in pairs if p["decision"] == "merge"}
    flagged = {(p["a"], p["b"]) for p in pairs if p["decision"] in ("merge", "review")}
    queued = {(min(c.a_id, c.b_id), max(c.a_id, c.b_id)) for c in MergeCandidate.select()}  # by the import
    precision, recall, n_pred, n_true = precision_recall(merge, persons, rows_of)
    _, flagged_recall, _, _ = precision_recall(flagged, persons, rows_of)
    _, seen_recall, _, _ = precision_recall(flagged | queued, persons, rows_of)
    figures = (
        f"seed {seed}: auto-merge P={precision:.4f} R={recall:.4f} ({n_pred} pairs, {n_true} true row pairs); "
        f"merged, flagged or queued R={seen_recall:.4f}"
    )
    assert precision >= GOAL, figures
    assert recall >= AUTO_RECALL_FLOOR, figures
    assert flagged_recall >= recall  # the review queue only adds pairs
    assert seen_recall >= GOAL, figures  # a steward sees every duplicate the import and the matcher did not merge


def test_real_run_merges_what_the_dry_run_said(backend, svc, admin):
    """The real run's merged groups meet the same bar (judged on merged_into)."""
    load_demo(svc, admin, customers=CUSTOMERS, seed=SEEDS[0])
    persons, rows_of = truth_of(svc.settings.home)
    out = dedupe_service.run(svc, admin)
    assert out["auto_merged"] > 0
    survivor = {s.id: s.merged_into for s in Subject.select(Subject.id, Subject.merged_into)}

    def root(sid: str) -> str:
        while survivor.get(sid):
            sid = survivor[sid]
        return sid

    groups: dict[str, list[str]] = defaultdict(list)
    for sid in survivor:
        groups[root(sid)].append(sid)
    merged = {(min(a, b), max(a, b)) for members in groups.values() for a, b in itertools.combinations(members, 2)}
    precision, recall, _, _ = precision_recall(merged, persons, rows_of)
    assert precision >= GOAL and recall >= AUTO_RECALL_FLOOR, (precision, recall)
