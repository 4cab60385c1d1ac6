"""Raw scan: after importing a demo base with planted probe people, no probe value is readable in any file of the
instance (database, WAL, logs, ...) nor in the commands' output.

The needles are markers (tests/support/pii_probe.py) that cannot arise from ids and neighbouring columns, unlike the
demo base's own surnames; the demo rows are there for volume and for the realistic mess around the probes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.demo.generator import generate, write_rows_csv
from compliance.ids import new_id
from compliance.services import build_services
from compliance.settings import Settings
from compliance.subjects.profiles import lookup, read
from tests.support.pii_probe import found_needles, instance_blobs, marker, phone_marker, probe_rows

PROBES = 40


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    return done


def _stored_profiles(home: Path, database_url: str, external_ids: list[str]) -> str:
    """The probe people's decrypted profiles as JSON text (read through the services, as a DPO would)."""
    svc = build_services(Settings.load(env={}, home=home, database_url=database_url))
    try:
        actor = svc.local_actor()
        profiles = []
        for external_id in external_ids:
            [sid] = lookup(svc, actor, external_id=external_id)
            profiles.append(read(svc, actor, sid)["profile"])
        return json.dumps(profiles, ensure_ascii=False)
    finally:
        svc.close()


@pytest.mark.slow
def test_sqlite_file_wal_and_logs_hold_no_plaintext(tmp_path):
    home = tmp_path / "instance"
    database_url = f"sqlite:///{home / 'c.db'}"
    env = {**os.environ, "CONSENTRY_HOME": str(home), "CONSENTRY_DATABASE_URL": database_url}
    env.pop("CONSENTRY_MASTER_KEY", None)
    probe = probe_rows(PROBES)
    rows = generate(3000, seed=11).rows
    for i, row in enumerate(probe.rows):  # spread over the file: every batch and many pages hold a probe
        rows.insert(i * 70, row)
    csv_path = tmp_path / "demo.csv"  # outside the instance folder: the scan must not see the input file
    write_rows_csv(rows, csv_path)

    outputs = {"init": _run(env, "init")}
    outputs["import"] = _run(env, "import", str(csv_path), "--json")
    outputs["segments"] = _run(env, "subjects", "segments")
    outputs["reimport"] = _run(env, "import", str(csv_path), "--json")

    report = json.loads(outputs["import"].stdout)
    assert report["rows"] == len(rows)
    assert {"row": 1 + rows.index(probe.rows[-1]), "field": "row", "code": "row.no_identifier"} in report["errors"]
    # The probes are really stored (encrypted): their absence from the raw bytes below means something.
    stored = _stored_profiles(home, database_url, [f"probe-{i:04d}" for i in range(PROBES)] + ["probe-flagged"])
    assert found_needles({"profiles": stored.encode()}, probe.stored) == {"profiles": sorted(probe.stored)}

    blobs = instance_blobs(home)
    assert {"c.db", "consentry.log"} <= set(blobs)
    for name, done in outputs.items():
        blobs[f"{name} stdout"], blobs[f"{name} stderr"] = done.stdout, done.stderr
    assert len(probe.needles) == 7 * PROBES + 2
    assert found_needles(blobs, probe.needles) == {}


def test_scanner_finds_a_planted_marker_in_plaintext(tmp_path):
    # The same scan over an instance-like folder whose SQLite database and WAL hold a marker in plain text.
    home = tmp_path / "instance"
    home.mkdir()
    text, phone = marker("self-test"), phone_marker("self-test")
    db = sqlite3.connect(home / "c.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE subject (id TEXT, kind TEXT, name TEXT, phone TEXT)")
    db.execute("INSERT INTO subject VALUES (?, 'person', ?, ?)", (new_id("sub"), f"Иван {text.lower()}", phone[1]))
    db.commit()  # not checkpointed: the row sits in the WAL
    (home / "consentry.log").write_text(f"import row 3: {text.upper()}\n", encoding="utf-8")
    blobs = instance_blobs(home)
    try:
        found = found_needles(blobs, {text, phone[1], marker("self-test", 1)})
    finally:
        db.close()
    assert found == {"c.db-wal": sorted([phone[1], text]), "consentry.log": [text]}


def test_markers_cannot_arise_from_ids():
    # Ids are lower-case base32 (a-z, 2-7): no id holds a 0, 1, 8 or 9, and every needle does.
    alphabet = set("abcdefghijklmnopqrstuvwxyz234567")
    assert all(set(new_id("sub")[4:]) <= alphabet for _ in range(2000))
    probe = probe_rows(PROBES)
    assert all(set(needle) & set("0189") for needle in probe.needles)
    assert all(len(needle) >= 10 for needle in probe.needles)
    ids = "".join(new_id("sub") + "person" for _ in range(20000)).encode()
    assert found_needles({"ids": ids}, probe.needles) == {}
