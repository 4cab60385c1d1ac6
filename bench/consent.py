"""Benchmark: consent checks on 100k subjects, single (HTTP, vs a bare Flask route) and bulk (in-process, HTTP).

Usage: python bench/consent.py [--subjects 100000] [--duration 5] [--rounds 3] [--connections 4] [--profile DIR]
                               [--fast-check on|off]

Setup (timed separately): subjects through the real Importer, then one consent event and state row per
subject and purpose written in bulk (the rows `ledger.write_event` would write: same fields, states and expiries;
one audit entry per batch instead of one per event). Then:
- in-process `compliance.consent.decisions.check` (latency) and `check_many` (decisions/s, goal >= 50,000);
- `GET /v1/consent/check?subject=&purpose=` under `gunicorn -w 2 "api:create_app()"` vs the bare app
  (bench/bare_app.py) under the same settings: req/s, ratio (goal >= 0.7), p50/p99;
- `POST /v1/consent/check` with 1000 subject ids per call: decisions/s (goal >= 50,000).
Load comes from wrk (Debian `wrk`) or the Python client, on 127.0.0.1 only, bounded in requests and time.
With --profile DIR a separate pass records py-spy profiles of one worker per scenario (not during measuring).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import CLIENT, Gunicorn, Scenario, compare, drive, make_instance, report  # noqa: E402
from bench.machine import describe, percentile  # noqa: E402

PURPOSE = "email_marketing"
# Per subject, the latest action on each seeded purpose (None: no event, the state stays "none").
MIX = {
    "email_marketing": [("grant", 45), ("withdraw", 15), ("pending", 10), (None, 30)],
    "sms_marketing": [("grant", 30), ("withdraw", 10), (None, 60)],
}


def seed_consent(svc, subject_ids: list[str], seed: int = 3, batch: int = 5000) -> int:
    """One event + state row per subject and seeded purpose, in bulk; returns the number of events."""
    from compliance.audit.actions import AuditAction
    from compliance.consent.ledger import add_months, step
    from compliance.consent.models import ConsentEvent, ConsentState
    from compliance.ids import new_id
    from compliance.policy.purposes import purposes_of
    from compliance.store.bulk import insert_rows

    rnd = random.Random(seed)
    purposes = purposes_of(svc)
    now = svc.clock.now()
    actor = svc.system_actor("bench")
    total = 0
    for start in range(0, len(subject_ids), batch):
        events, states = [], []
        for sid in subject_ids[start : start + batch]:
            for pid, weights in MIX.items():
                action = rnd.choices([a for a, _ in weights], [w for _, w in weights])[0]
                if action is None:
                    continue
                spec = purposes[pid]
                channel = spec.channels[0]
                at = now - _days(rnd.randint(0, 900))  # some grants are older than their expiry: "expired"
                after = step("none", action)
                expires = add_months(at, spec.expiry_months) if after == "granted" and spec.expiry_months else None
                event_id = new_id("cev")
                events.append(
                    {
                        "id": event_id,
                        "subject_id": sid,
                        "purpose": pid,
                        "channel": channel,
                        "action": action,
                        "state_after": after,
                        "source": "bench",
                        "method": "bench",
                        "notice_version": spec.notice_version,
                        "legal_basis": spec.legal_basis,
                        "occurred_at": at,
                        "actor": actor.principal_id,
                        "receipt_id": new_id("cev").replace("cev_", "rcp_"),
                        "expires_at": expires,
                        "evidence": None,
                    }
                )
                states.append(
                    {
                        "subject_id": sid,
                        "purpose": pid,
                        "channel": channel,
                        "state": after,
                        "updated_at": at,
                        "expires_at": expires,
                        "event_id": event_id,
                    }
                )
        with svc.transaction():
            insert_rows(ConsentEvent, events)
            insert_rows(ConsentState, states)
            svc.audit.record(
                actor,
                AuditAction.CONSENT_GRANT,
                events[0]["id"] if events else "",
                details={"bulk_events": len(events)},
            )
        total += len(events)
    return total


def _days(n: int):
    from datetime import timedelta

    return timedelta(days=n)


def in_process(svc, actor, ids: list[str], singles: int, bulk: int) -> dict:
    """check() latency and check_many() throughput without HTTP."""
    from compliance.consent import decisions as consent
    from compliance.consent.counters import counter

    sample = random.Random(5).sample(ids, min(singles, len(ids)))
    for sid in sample[:200]:  # warm caches (purposes, prepared statements)
        consent.check(svc, actor, purpose=PURPOSE, subject=sid)
    lat = []
    t0 = time.perf_counter()
    for sid in sample:
        t = time.perf_counter()
        consent.check(svc, actor, purpose=PURPOSE, subject=sid)
        lat.append((time.perf_counter() - t) * 1000)
    single_s = time.perf_counter() - t0
    order = ids[:]
    random.Random(6).shuffle(order)
    decided = 0
    states: dict[str, int] = {}
    t0 = time.perf_counter()
    for start in range(0, len(order), bulk):
        for item in consent.check_many(svc, actor, purpose=PURPOSE, subjects=order[start : start + bulk]):
            states[item["state"]] = states.get(item["state"], 0) + 1
            decided += 1
    bulk_s = time.perf_counter() - t0
    counter(svc).flush()
    return {
        "single_per_s": len(sample) / single_s,
        "single_p50": percentile(lat, 50),
        "single_p99": percentile(lat, 99),
        "bulk_decisions": decided,
        "bulk_per_s": decided / bulk_s,
        "bulk_seconds": bulk_s,
        "states": states,
    }


def profile_pass(out_dir: Path, seconds: int, workdir: Path):
    """A compare() hook: record one worker with py-spy while wrk drives it (before, not during, measuring)."""

    def hook(server: Gunicorn, scenario: Scenario, headers: dict) -> None:
        spy = Path(sys.executable).with_name("py-spy")
        pids = server.worker_pids()
        if not spy.exists() or not pids:
            print("profile: py-spy not installed (pip install py-spy) or no workers; skipped")
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        raw = out_dir / (scenario.label.split(" (")[0].replace(" ", "_").replace("/", "_").strip("_") + ".txt")
        argv = [str(spy), "record", "-p", str(pids[0]), "-d", str(seconds), "-r", "250", "-f", "raw", "-o", str(raw)]
        spy_proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            drive(
                scenario.label, server.port, scenario.reqs, headers,
                duration=seconds + 1, connections=4, limit=10_000_000, workdir=workdir,
            )  # fmt: skip
        finally:
            spy_proc.wait(timeout=seconds + 30)
        print(f"profile: {raw} (collapsed stacks of worker {pids[0]}: `py-spy record -f raw`)")

    return hook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measured runs per server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--limit", type=int, default=500_000, help="at most this many requests per run")
    parser.add_argument("--bulk", type=int, default=1000, help="subject ids per bulk call (max_bulk_checks)")
    parser.add_argument("--singles", type=int, default=5000, help="in-process single checks timed")
    parser.add_argument("--profile", type=Path, default=None, help="write py-spy profiles of a worker here")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    parser.add_argument(
        "--fast-check",
        choices=("on", "off"),
        default="on",
        help="CONSENTRY_FAST_CHECK for the workers (off: every check through Flask's request machinery)",
    )
    args = parser.parse_args()
    CLIENT["name"] = args.client
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        folder = Path(tmp)
        inst = make_instance(folder, args.subjects, "app")
        inst.extra_env["CONSENTRY_FAST_CHECK"] = "1" if args.fast_check == "on" else "0"
        svc = inst.svc
        t0 = time.perf_counter()
        events = seed_consent(svc, inst.subject_ids)
        took = time.perf_counter() - t0
        print(f"setup: {events:,} consent events + states in bulk in {took:.1f}s ({events / took:,.0f} rows/s)")

        from compliance.access.authentication import authenticator

        actor = authenticator(svc).authenticate(inst.api_key)
        local = in_process(svc, actor, inst.subject_ids, args.singles, args.bulk)
        svc.close()

        ids = inst.subject_ids[:]
        random.Random(2).shuffle(ids)
        single = Scenario(
            "GET /v1/consent/check",
            [("GET", f"/v1/consent/check?subject={s}&purpose={PURPOSE}", "") for s in ids[:20000]],
        )
        bulk = Scenario(
            f"POST /v1/consent/check ({args.bulk} ids)",
            [
                ("POST", "/v1/consent/check", json.dumps({"purpose": PURPOSE, "subjects": ids[i : i + args.bulk]}))
                for i in range(0, min(len(ids), 20 * args.bulk), args.bulk)
            ],
            bare=False,
        )
        results = compare(
            inst,
            [single, bulk],
            rounds=args.rounds,
            duration=args.duration,
            connections=args.connections,
            limit=args.limit,
            workdir=folder,
            profile=profile_pass(args.profile, 8, folder) if args.profile else None,
        )

        print(f"subjects: {args.subjects:,}, purpose {PURPOSE}, decisions by state: {local['states']}")
        print(
            f"in-process check(): {local['single_per_s']:,.0f} checks/s, p50 {local['single_p50']:.3f} ms, "
            f"p99 {local['single_p99']:.3f} ms"
        )
        print(
            f"in-process check_many() x{args.bulk}: {local['bulk_decisions']:,} decisions in "
            f"{local['bulk_seconds']:.2f}s = {local['bulk_per_s']:,.0f} decisions/s (goal >= 50,000)"
        )
        real, bare = results[single.label]
        ratio = report(real, bare, goal=0.7)
        real_bulk, _ = results[bulk.label]
        http_bulk = real_bulk.rps * args.bulk
        print(real_bulk.line())
        print(f"HTTP bulk: {http_bulk:,.0f} decisions/s (goal >= 50,000)")
        if real_bulk.errors:
            print("WARNING: some bulk requests failed; the figures above are not valid")
        summary = {
            "fast_check": args.fast_check,
            "single_rps": round(real.rps),
            "bare_rps": round(bare.rps),
            "ratio": round(ratio, 3),
            "check_many_per_s": round(local["bulk_per_s"]),
            "http_bulk_per_s": round(http_bulk),
        }
        print("json:", json.dumps(summary))


if __name__ == "__main__":
    main()
