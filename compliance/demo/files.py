"""Writing a demo base to files: the rows as an import CSV, the ground truth as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from compliance.demo.locales import COLUMNS


def write_rows_csv(rows: Iterable[dict], path: Path | str) -> None:
    """Write rows as a UTF-8 CSV with the demo columns."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: row.get(k, "") for k in COLUMNS} for row in rows)


def write_truth(truth: dict[str, str], path: Path | str) -> None:
    """Write the ground truth as CSV (external_id, person)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "person"])
        writer.writerows(sorted(truth.items()))
