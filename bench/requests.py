"""Benchmark: erasure latency and access-bundle time on a base of 100k subjects.

Usage: python bench/requests.py [--subjects 100000] [--erasures 200] [--bundles 50] [--database-url URL]

Setup (timed separately): subjects through the real Importer (bench.api.synthetic_rows), each measured
subject given two purchases, one interaction and two consent events. Then for each measured subject:
- erasure: submit + verify + approve (not timed), then `compliance.dsar.process.process` timed end to end
  (legal holds, tombstones, exports scrub, consent/interaction deletion, notices, crypto-shred, signed
  certificate, completion): p50/p95/max in ms. Goal: p95 < 50 ms.
- access: submit + verify (not timed), then `process` (builds and writes the zip) timed, and
  `export_bundle` (builds it again in memory) timed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import synthetic_rows  # noqa: E402
from bench.machine import describe, percentile  # noqa: E402


def _enrich(svc, actor, subject_ids: list[str]) -> None:
    from compliance.consent import ledger as consent
    from compliance.ids import new_id
    from compliance.store.models import Interaction, Purchase

    now = svc.clock.now()
    with svc.transaction():
        for n, sid in enumerate(subject_ids):
            Purchase.insert(
                id=f"pur_b{n:07d}a", subject=sid, amount=Decimal("12.50"), currency="RUB", purchased_at=now
            ).execute()
            Purchase.insert(
                id=f"pur_b{n:07d}b",
                subject=sid,
                amount=Decimal("3.00"),
                currency="RUB",
                purchased_at=now - timedelta(days=8 * 365),
            ).execute()
            Interaction(
                id=new_id("int"), subject=sid, channel="chat", kind="support", occurred_at=now, summary="order question"
            ).save(force_insert=True)
    for sid in subject_ids:
        consent.record(svc, actor, subject=sid, purpose="sms_marketing", action="grant", source="bench")
        consent.record(svc, actor, subject=sid, purpose="profiling", action="grant", source="bench")


def _ready(svc, actor, type_: str, sid: str) -> str:
    from compliance.dsar import decisions, intake, verification

    req = intake.submit(svc, actor, type=type_, regime="gdpr", subject=sid)
    verification.verify(svc, actor, req["id"], method="manual", note="bench", match={"first_name": _first(sid)})
    if type_ == "erasure":
        decisions.approve(svc, actor, req["id"])
    return req["id"]


_FIRST: dict[str, str] = {}


def _first(sid: str) -> str:
    return _FIRST[sid]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--erasures", type=int, default=200)
    parser.add_argument("--bundles", type=int, default=50)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from compliance.dsar import access
    from compliance.dsar import process as processing
    from compliance.instance import initialise
    from compliance.services import build_services
    from compliance.settings import Settings
    from compliance.store.models import Subject
    from compliance.subjects.importer import Importer
    from compliance.subjects.profiles import profile_of

    print(describe())
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.load(env={}, home=Path(folder) / "instance", database_url=args.database_url)
        initialise(settings)
        svc = build_services(settings)
        actor = svc.local_actor()
        t0 = time.perf_counter()
        report = Importer(svc, actor, source="bench").run(synthetic_rows(args.subjects, args.seed))
        took = time.perf_counter() - t0
        print(f"setup: imported {report.imported} subjects in {took:.1f}s ({report.imported / took:,.0f} rows/s)")
        wanted = args.erasures + args.bundles
        rows = list(Subject.select().where(Subject.erased_at.is_null()).order_by(Subject.id).limit(wanted * 3))
        chosen = []
        for row in rows:
            first = profile_of(row).get("first_name")
            if first:
                _FIRST[row.id] = first
                chosen.append(row.id)
            if len(chosen) == wanted:
                break
        t0 = time.perf_counter()
        _enrich(svc, actor, chosen)
        print(f"setup: enriched {len(chosen)} subjects in {time.perf_counter() - t0:.1f}s")
        erase_ids, bundle_ids = chosen[: args.erasures], chosen[args.erasures :]

        erasure_ms = []
        for sid in erase_ids:
            req_id = _ready(svc, actor, "erasure", sid)
            start = time.perf_counter()
            out = processing.process(svc, actor, req_id)
            erasure_ms.append((time.perf_counter() - start) * 1000)
            assert out["status"] == "completed"
        process_ms, export_ms, sizes = [], [], []
        for sid in bundle_ids:
            req_id = _ready(svc, actor, "access", sid)
            start = time.perf_counter()
            processing.process(svc, actor, req_id)
            process_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            data = access.export_bundle(svc, actor, req_id)
            export_ms.append((time.perf_counter() - start) * 1000)
            sizes.append(len(data))
        svc.close()

    def line(label: str, values: list[float]) -> str:
        values = sorted(values)
        return (
            f"{label}: n={len(values)} p50={percentile(values, 50):.1f} ms p95={percentile(values, 95):.1f} ms "
            f"max={values[-1]:.1f} ms"
        )

    backend = "postgresql" if args.database_url and args.database_url.startswith("postgres") else "sqlite"
    print(f"base: {args.subjects} subjects ({backend})")
    print(line("erasure (process, end to end)", erasure_ms))
    print(line("access bundle (process: build + write zip)", process_ms))
    print(line("access bundle (export: build in memory)", export_ms) + f" avg size={sum(sizes) // len(sizes)} B")
    p95 = percentile(sorted(erasure_ms), 95)
    print(f"goal erasure p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
