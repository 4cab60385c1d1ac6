"""What an import did: counters, and errors and warnings that name rows, fields and codes, never values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportReport:
    """What an import did; `errors` and `warnings` name rows, fields and codes, never values."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    suppressed: int = 0
    review: int = 0  # of the imported rows: those that landed as their own subject with a merge candidate queued
    flagged: int = 0
    rows: int = 0
    dry_run: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    run_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT.md summary plus extra counters."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": self.rejected,
            "suppressed": self.suppressed,
            "errors": self.errors,
            "unchanged": self.unchanged,
            "review": self.review,
            "flagged": self.flagged,
            "warnings": self.warnings,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "run": self.run_id,
        }

    def reject(self, number: int, field_name: str, code: str) -> None:
        """Count a rejected row and name why."""
        self.errors.append({"row": number, "field": field_name, "code": code})
        self.rejected += 1

    def sort(self) -> None:
        """Errors and warnings in row order (rows are written grouped by identity, not in file order)."""
        self.errors.sort(key=lambda item: item.get("row", 0))
        self.warnings.sort(key=lambda item: item.get("row", 0))
