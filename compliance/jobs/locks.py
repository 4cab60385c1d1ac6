"""One lock per job in the database, so two schedulers (two hosts, two processes) never run a job at once.

On PostgreSQL a session advisory lock (`pg_try_advisory_lock`, released if the process dies); on SQLite a row of
`JobLock` claimed inside an IMMEDIATE transaction, with an expiry so a crashed holder does not block the job
forever.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from datetime import timedelta

from compliance.ids import new_id
from compliance.jobs.models import JobLock
from compliance.jobs.schedule import DEFAULT_LOCK_MINUTES
from compliance.store.db import is_postgres


def holder() -> str:
    """Who runs a job: host:pid:thread of this scheduler."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident()}"[:128]


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key per job name."""
    return int.from_bytes(hashlib.sha256(f"consentry.job:{name}".encode()).digest()[:8], "big", signed=True)


class JobLockHandle:
    """A held job lock; release() gives it back."""

    def __init__(self, svc, name: str, holder: str):
        self.svc, self.name, self.holder = svc, name, holder

    def release(self) -> None:
        """Give the lock back (only our own claim)."""
        if is_postgres(self.svc.db):
            self.svc.db.execute_sql("SELECT pg_advisory_unlock(%s)", (_advisory_key(self.name),))
            return
        with self.svc.transaction():
            JobLock.delete().where((JobLock.name == self.name) & (JobLock.holder == self.holder)).execute()


def try_lock(svc, name: str, minutes: int = DEFAULT_LOCK_MINUTES) -> JobLockHandle | None:
    """Claim the job's lock, or None when another run holds it."""
    claim = holder() + ":" + new_id("job")[-6:]
    if is_postgres(svc.db):
        row = svc.db.execute_sql("SELECT pg_try_advisory_lock(%s)", (_advisory_key(name),)).fetchone()
        return JobLockHandle(svc, name, claim) if row and row[0] else None
    now = svc.clock.now()
    with svc.transaction():  # IMMEDIATE: the read and the claim are one step for every other connection
        current = JobLock.get_or_none(JobLock.name == name)
        if current is not None and current.expires_at > now:
            return None
        JobLock.delete().where(JobLock.name == name).execute()
        JobLock.insert(name=name, holder=claim, acquired_at=now, expires_at=now + timedelta(minutes=minutes)).execute()
    return JobLockHandle(svc, name, claim)
