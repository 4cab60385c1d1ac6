"""Benchmark: N demo rows through `consentry import FILE` as a whole command vs a bare peewee insert_many of the rows.

Usage: python bench/import.py [--records 100000] [--lookups 2000] [--seed 1] [--batch-size N] [--no-in-process]
The rows are written to a CSV file; `python -m cli import FILE --json` runs as its own process against a new
instance (`consentry init` first, not timed) and the whole process is timed: start-up, reading and parsing the
file, identity decisions, encryption, writes. The bare insert runs before and after (each into a new file), so a
change in machine load during the run shows as a gap between the two; the ratio is taken against their mean.
Secondary figures: the in-process Importer on the same rows (no process start, no CSV) and lookup-by-email latency.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from peewee import CharField, Model, SqliteDatabase, TextField  # noqa: E402

from bench.machine import describe, percentile  # noqa: E402
from compliance.demo.files import write_rows_csv  # noqa: E402
from compliance.demo.generator import generate  # noqa: E402
from compliance.instance import initialise  # noqa: E402
from compliance.services import build_services  # noqa: E402
from compliance.settings import Settings  # noqa: E402
from compliance.subjects.importer import Importer  # noqa: E402
from compliance.subjects.profiles import lookup  # noqa: E402
from hygiene.profile import flat_columns  # noqa: E402

GOAL = 0.2
# The baseline's columns, as since the first version of this benchmark (the profile's flat columns and the ids),
# so ratios stay comparable across runs; the CSV also carries kind, full_name, channels, source and created_at.
COLUMNS = ("external_id", *flat_columns(("email", "phone", "phone_2")))


def bare_insert(rows: list[dict], folder: Path, name: str = "bare.db") -> float:
    """Seconds to insert the rows unencrypted with insert_many into a SQLite file with the same pragmas."""
    db = SqliteDatabase(
        str(folder / name),
        pragmas={"journal_mode": "wal", "foreign_keys": 1, "secure_delete": 1, "synchronous": "normal"},
    )

    class Bare(Model):
        class Meta:
            database = db

    for column in COLUMNS:
        Bare._meta.add_field(column, CharField(null=True) if column != "notes" else TextField(null=True))
    db.connect()
    db.create_tables([Bare])
    plain = [{k: r.get(k) for k in COLUMNS} for r in rows]
    # The import keeps the collector off older objects (gc.freeze); so does the baseline, so neither pays for
    # walking the heap this process has built up, and the ratio compares the work itself.
    gc.freeze()
    start = time.perf_counter()
    with db.atomic():
        for i in range(0, len(plain), 500):
            Bare.insert_many(plain[i : i + 500]).execute()
    elapsed = time.perf_counter() - start
    gc.unfreeze()
    db.close()
    return elapsed


def cli_env(home: Path, batch_size: int | None) -> dict[str, str]:
    """The environment of the command: this checkout, a new instance, no other CONSENTRY_* setting leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
    env["CONSENTRY_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    if batch_size:
        env["CONSENTRY_IMPORT_BATCH_SIZE"] = str(batch_size)
    return env


def run_cli(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Run `python -m cli ARGS`; (wall seconds, CPU seconds of the process, stdout). Exits on failure."""
    cmd = [sys.executable, "-m", "cli", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"`consentry {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout


def identity_rules(home: Path) -> str:
    """The identifiers the instance's identity policy treats as naming one person (as shipped unless edited)."""
    path = home / "policies" / "identity.yaml"
    if not path.is_file():
        return "no policies/identity.yaml in the instance"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return f"unique {', '.join(data.get('unique', ['external_id', 'email']))} (policies/identity.yaml)"


def counts(report: dict) -> str:
    """The report's counters in one phrase (`review` once the import reports it)."""
    keys = ("imported", "updated", "unchanged", "review", "rejected")
    return ", ".join(f"{k} {report[k]}" for k in keys if k in report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None, help="rows per import transaction (setting default)")
    parser.add_argument("--no-in-process", action="store_true", help="skip the secondary in-process import")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    t0 = time.perf_counter()
    base = generate(args.records, seed=args.seed)
    n = len(base.rows)
    print(f"generated {n} demo rows (seed {args.seed}) in {time.perf_counter() - t0:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "bench.csv"  # the command's default source is the file name: "bench"
        write_rows_csv(base.rows, csv_path)
        print(f"rows file: {csv_path.stat().st_size / 1e6:.1f} MB CSV; baseline columns: {len(COLUMNS)}")
        bare_before = bare_insert(base.rows, folder, "bare-before.db")

        home = folder / "instance"
        env = cli_env(home, args.batch_size)
        run_cli(env, "init", "--json")  # schema, keys, policies: not timed
        print(f"identity rules: {identity_rules(home)}")
        print(f"$ CONSENTRY_HOME={home} {Path(sys.executable).name} -m cli import {csv_path.name} --json")
        cmd_s, cmd_cpu, stdout = run_cli(env, "import", str(csv_path), "--json")
        report = json.loads(stdout)

        in_process = None
        if not args.no_in_process:
            settings = Settings.load(env={}, home=folder / "in-process")
            initialise(settings)
            svc = build_services(settings)
            start = time.perf_counter()
            result = Importer(svc, svc.local_actor(), source="bench", batch_size=args.batch_size).run(base.rows)
            in_process = (time.perf_counter() - start, result.as_dict())
            svc.close()

        bare_after = bare_insert(base.rows, folder, "bare-after.db")
        bare_s = (bare_before + bare_after) / 2
        ratio = bare_s / cmd_s
        print(
            f"consentry import (whole command): {n} rows in {cmd_s:.1f}s = {n / cmd_s:,.0f} rows/s, "
            f"CPU {cmd_cpu:.1f}s ({counts(report)})"
        )
        if in_process is not None:
            enc_s, result_counts = in_process
            print(
                f"in-process Importer (secondary): {n} rows in {enc_s:.1f}s = {n / enc_s:,.0f} rows/s, "
                f"ratio {bare_s / enc_s:.3f} ({counts(result_counts)})"
            )
        print(
            f"bare insert_many: {n} rows in {bare_s:.2f}s = {n / bare_s:,.0f} rows/s "
            f"(before {n / bare_before:,.0f}, after {n / bare_after:,.0f} rows/s)"
        )
        batch = args.batch_size or Settings.load(env=env).import_batch_size
        print(f"batch size: {batch} rows per transaction")
        print(f"ratio command/bare: {ratio:.3f} (goal >= {GOAL}: {'met' if ratio >= GOAL else 'NOT met'})")

        # Lookups on the base the command built, from a fresh process state (no data key cached).
        svc = build_services(Settings.load(env={}, home=home))
        actor = svc.local_actor()
        emails = [r["email"] for r in base.rows if r.get("email") and "@" in r["email"]]
        sample = random.Random(args.seed).sample(emails, min(args.lookups, len(emails)))
        timings = []
        for email in sample:
            t = time.perf_counter()
            lookup(svc, actor, email=email)
            timings.append((time.perf_counter() - t) * 1000)
        print(
            f"lookup by email on {report['imported']} subjects: p50 {percentile(timings, 50):.2f} ms, "
            f"p95 {percentile(timings, 95):.2f} ms (includes the audit entry each lookup writes)"
        )
        svc.close()
        summary = {
            "records": n,
            "command_rows_per_s": round(n / cmd_s),
            "bare_rows_per_s": round(n / bare_s),
            "ratio": round(ratio, 3),
            "goal": GOAL,
        }
        if in_process is not None:
            summary["in_process_rows_per_s"] = round(n / in_process[0])
        print("json:", json.dumps(summary))


if __name__ == "__main__":
    main()
