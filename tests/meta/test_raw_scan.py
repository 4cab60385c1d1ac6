"""Raw scan: after importing demo records, no email, phone or surname is readable in the database files or logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.demo.files import write_rows_csv
from compliance.demo.generator import generate
from hygiene.phones import phone_key


def _needles(rows: list[dict]) -> set[bytes]:
    values: set[str] = set()
    for row in rows:
        for key in ("email", "last_name"):
            value = (row.get(key) or "").strip()
            # Six or more characters: a shorter needle can turn up by chance inside random ciphertext bytes.
            if len(value) >= 6:
                values.add(value)
                values.add(value.lower())
        phone = phone_key(row.get("phone"), "RU")
        if phone:
            values.add(phone)
            values.add(phone.lstrip("+"))
    return {v.encode("utf-8") for v in values}


@pytest.mark.slow
def test_sqlite_file_wal_and_logs_hold_no_plaintext(tmp_path):
    home = tmp_path / "instance"
    env = {**os.environ, "CONSENTRY_HOME": str(home), "CONSENTRY_DATABASE_URL": f"sqlite:///{home / 'c.db'}"}
    env.pop("CONSENTRY_MASTER_KEY", None)
    base = generate(3000, seed=11)
    csv_path = tmp_path / "demo.csv"
    write_rows_csv(base.rows, csv_path)
    run = [sys.executable, "-m", "cli"]
    outputs = []
    for args in (["init"], ["import", str(csv_path), "--json"], ["subjects", "segments"]):
        done = subprocess.run(run + args, env=env, capture_output=True, timeout=600)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(done.stderr)
    # The import's JSON output is for the operator; it must still carry no values.
    outputs.append(
        subprocess.run(run + ["import", str(csv_path), "--json"], env=env, capture_output=True, timeout=600).stdout
    )
    files = [home / "c.db", home / "c.db-wal", home / "consentry.log"]
    blobs = [Path(f).read_bytes() for f in files if Path(f).exists()] + outputs
    assert (home / "c.db").exists()
    needles = _needles(base.rows)
    assert len(needles) > 3000
    leaked = sum(1 for n in needles if any(n in blob for blob in blobs))
    assert leaked == 0, f"{leaked} plaintext values found"  # the count only: a failure must not print the values
