"""Benchmark: encrypted import of N demo records vs a bare unencrypted peewee insert_many of the same rows.

Usage: python bench/import.py [--records 100000] [--lookups 2000] [--batch-size N]
The bare insert runs before and after the encrypted import (each into a new file), so a change in machine
load during the run shows as a gap between the two; the ratio is taken against their mean.
Prints rows/s of both, their ratio (goal >= 0.2) and lookup-by-email latency p50/p95.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peewee import CharField, Model, SqliteDatabase, TextField  # noqa: E402

from bench.machine import describe, percentile  # noqa: E402
from compliance.demo.generator import generate  # noqa: E402
from compliance.instance import initialise  # noqa: E402
from compliance.services import build_services  # noqa: E402
from compliance.settings import Settings  # noqa: E402
from compliance.subjects.importer import Importer  # noqa: E402
from compliance.subjects.profiles import lookup  # noqa: E402
from hygiene.profile import flat_columns  # noqa: E402

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

    for name in COLUMNS:
        Bare._meta.add_field(name, CharField(null=True) if name != "notes" else TextField(null=True))
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


def report_batch(svc, given: int | None) -> int:
    """The batch size the import used."""
    return given or svc.settings.import_batch_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=None, help="rows per import transaction (setting default)")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    t0 = time.perf_counter()
    base = generate(args.records, seed=args.seed)
    print(f"generated {len(base.rows)} demo rows in {time.perf_counter() - t0:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare_before = bare_insert(base.rows, folder, "bare-before.db")
        settings = Settings.load(env={}, home=folder / "instance")
        initialise(settings)
        svc = build_services(settings)
        actor = svc.local_actor()
        start = time.perf_counter()
        report = Importer(svc, actor, source="bench", batch_size=args.batch_size).run(base.rows)
        enc_s = time.perf_counter() - start
        bare_after = bare_insert(base.rows, folder, "bare-after.db")
        bare_s = (bare_before + bare_after) / 2
        n = len(base.rows)
        print(
            f"encrypted import: {n} rows in {enc_s:.1f}s = {n / enc_s:,.0f} rows/s "
            f"(imported {report.imported}, updated {report.updated}, rejected {report.rejected})"
        )
        print(
            f"bare insert_many: {n} rows in {bare_s:.2f}s = {n / bare_s:,.0f} rows/s "
            f"(before {n / bare_before:,.0f}, after {n / bare_after:,.0f} rows/s)"
        )
        print(f"batch size: {report_batch(svc, args.batch_size)} rows per transaction")
        print(f"ratio encrypted/bare: {bare_s / enc_s:.3f} (goal >= 0.2)")
        emails = [r["email"] for r in base.rows if r.get("email") and "@" in r["email"]]
        sample = random.Random(args.seed).sample(emails, min(args.lookups, len(emails)))
        svc.keyring.clear()
        timings = []
        for email in sample:
            t = time.perf_counter()
            lookup(svc, actor, email=email)
            timings.append((time.perf_counter() - t) * 1000)
        print(
            f"lookup by email on {report.imported} subjects: p50 {percentile(timings, 50):.2f} ms, "
            f"p95 {percentile(timings, 95):.2f} ms (includes the audit entry each lookup writes)"
        )
        svc.close()


if __name__ == "__main__":
    main()
