"""Counting consent checks: per principal, purpose and day, batched in memory and flushed to the database."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime

from peewee import fn

from compliance.consent.models import ConsentCheckCount


class CheckCounter:
    """Per-process counts of checks by principal and purpose, flushed to the database in batches."""

    def __init__(self, flush_every: int = 500, flush_seconds: float = 30.0):
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._last = time.monotonic()
        self._pending = 0
        self._lock = threading.Lock()

    def add(self, svc, principal: str, purpose: str, n: int = 1, at: datetime | None = None) -> None:
        """Count n checks (made at `at`, now by default); flush when enough have accumulated."""
        day = (at or svc.clock.now()).date().isoformat()
        with self._lock:
            self.counts[(principal, purpose, day)] += n
            self._pending += n
            due = self._pending >= self.flush_every or time.monotonic() - self._last > self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the counts (upsert-and-add) and reset."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
            self._pending, self._last = 0, time.monotonic()
        for (principal, purpose, day), n in counts.items():
            ConsentCheckCount.insert(principal=principal, purpose=purpose, day=day, count=n).on_conflict(
                conflict_target=[ConsentCheckCount.principal, ConsentCheckCount.purpose, ConsentCheckCount.day],
                update={ConsentCheckCount.count: ConsentCheckCount.count + n},
            ).execute()


def counter(svc) -> CheckCounter:
    """The per-instance check counter."""
    found = svc.extras.get("check_counter")
    if found is None:
        found = svc.extras["check_counter"] = CheckCounter()
    return found


def consent_counts(svc) -> dict[str, int]:
    """Checks counted so far per purpose (flushing this process's counter first)."""
    counter(svc).flush()
    return {
        p: int(n)
        for p, n in ConsentCheckCount.select(ConsentCheckCount.purpose, fn.SUM(ConsentCheckCount.count))
        .group_by(ConsentCheckCount.purpose)
        .tuples()
    }
