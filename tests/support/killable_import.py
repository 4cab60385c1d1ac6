"""A real import in its own process that stops at a known point, so that a crash test can SIGKILL it there.

`python -m tests.support.killable_import FILE SIGNAL N` runs the import service on FILE exactly as `consentry import`
does (import_file as the local principal, on the instance named by CONSENTRY_HOME / CONSENTRY_DATABASE_URL, batches
of CONSENTRY_IMPORT_BATCH_SIZE). It passes import_file's own progress callback, which the importer calls after each
batch's transaction: after batch N it writes SIGNAL and waits to be killed. No seam in the production code, and no
race: when SIGNAL appears, N batches are committed and the rest of the file is unread.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from compliance.services import build_services
from compliance.settings import Settings
from compliance.subjects.importer import import_file

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    """Import FILE, stop for good after batch N (see the module docstring); 3 when the file ran out first."""
    path, signal_file, stop_after = Path(argv[0]), Path(argv[1]), int(argv[2])
    svc = build_services(Settings.load())
    batches = 0

    def after_batch(rows: int) -> None:
        nonlocal batches
        batches += 1
        if batches == stop_after:
            partial = signal_file.with_name(signal_file.name + ".partial")
            partial.write_text(str(batches), encoding="utf-8")
            partial.replace(signal_file)  # appears whole or not at all
            while True:  # until killed
                time.sleep(60)

    import_file(svc, svc.local_actor(), path, progress=after_batch)
    print(f"the import finished after {batches} batches, before batch {stop_after}", file=sys.stderr)
    return 3


def start_and_wait(path: Path, env: dict[str, str], batches: int, signal_file: Path, timeout: float = 120):
    """Start the stopping import and return its process once `batches` batches are committed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.killable_import", str(path), str(signal_file), str(batches)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + timeout  # a guard against a hang, not a timing assumption
    try:
        while not signal_file.exists():
            if proc.poll() is not None:
                raise AssertionError(f"the import exited with {proc.returncode}: {proc.stderr.read().decode()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no signal from the import within {timeout} s")
            time.sleep(0.02)
    except BaseException:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        raise
    return proc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
