"""Scheduled jobs: the schedule policy, a database lock per job, run history, and the APScheduler loop.

Each run holds a lock in the database so that two schedulers (two hosts, two processes) never run the same
job at once: on PostgreSQL a session advisory lock (`pg_try_advisory_lock`, released if the process dies); on
SQLite a row of `JobLock` claimed inside an IMMEDIATE transaction, with an expiry so a crashed holder does
not block the job forever. A run that finds the lock taken is recorded as `skipped` and does nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peewee import CharField, DateTimeField, TextField

from compliance.access.actor import Actor
from compliance.audit.chain import AuditAction
from compliance.clock import iso
from compliance.errors import ConsentryError, Invalid, NotFound
from compliance.ids import new_id
from compliance.policy.loader import PolicyError
from compliance.store.db import is_postgres
from compliance.store.models import BaseModel

RUN_STATUSES = ("running", "ok", "failed", "skipped")
DEFAULT_LOCK_MINUTES = 120


class JobRun(BaseModel):
    """One run of a job (history); `result` holds the job's counts, `error` a code or exception class name."""

    id = CharField(primary_key=True, max_length=40)
    name = CharField(max_length=64, index=True)
    trigger = CharField(max_length=16)  # schedule | manual
    actor = CharField(max_length=64)
    holder = CharField(max_length=128)  # host:pid:thread of the scheduler that ran it
    started_at = DateTimeField(index=True)
    finished_at = DateTimeField(null=True)
    status = CharField(max_length=16, default="running")
    result = TextField(default="{}")
    error = CharField(max_length=200, null=True)


class JobLock(BaseModel):
    """The SQLite lock row of a job while it runs (PostgreSQL uses advisory locks instead)."""

    name = CharField(primary_key=True, max_length=64)
    holder = CharField(max_length=128)
    acquired_at = DateTimeField()
    expires_at = DateTimeField()


JOB_MODELS = [JobRun, JobLock]


# ---------------------------------------------------------------------------------------------------------
# The jobs


def _validate(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    from compliance.stewardship import validation

    return validation.run(svc, actor, fix=bool(options.get("fix", False)))


def _dedupe(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    from compliance.stewardship import dedupe as dedupe_service

    return dedupe_service.run(svc, actor, dry_run=bool(options.get("dry_run", False)))


def _retention(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    from compliance.retention import rules as retention

    result = retention.run(svc, actor, dry_run=bool(options.get("dry_run", False)))
    return result if isinstance(result, dict) else {"result": str(result)}


def _request_reminders(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    from compliance.dsar import reminders as requests

    sent = requests.send_reminders(svc, actor)
    return {"reminders": len(sent)}


def _audit_checkpoint(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    from compliance.audit import service as audit_service

    out = audit_service.checkpoint(svc, actor)
    return {"size": out["size"], "file": out["file"]}


JobFunc = Callable[[Any, Actor, dict[str, Any]], dict[str, Any]]
JOBS: dict[str, JobFunc] = {
    "validate": _validate,
    "dedupe": _dedupe,
    "retention": _retention,
    "request_reminders": _request_reminders,
    "audit_checkpoint": _audit_checkpoint,
}


# ---------------------------------------------------------------------------------------------------------
# The schedule policy


def check_policy(data: dict[str, Any]) -> None:
    """Validate policies/schedule.yaml: known job names, valid 5-field cron expressions, sane lock expiry."""
    from apscheduler.triggers.cron import CronTrigger

    jobs = data.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        raise PolicyError("schedule.yaml: 'jobs' must map job names to {cron: ...}")
    timezone = data.get("timezone", "UTC")
    for name, spec in jobs.items():
        if name not in JOBS:
            raise PolicyError(f"schedule.yaml: jobs.{name} is not a known job (known: {', '.join(sorted(JOBS))})")
        if not isinstance(spec, dict) or not isinstance(spec.get("cron"), str):
            raise PolicyError(f"schedule.yaml: jobs.{name}.cron must be a cron expression")
        try:
            CronTrigger.from_crontab(spec["cron"], timezone=timezone)
        except (ValueError, TypeError, LookupError) as exc:
            raise PolicyError(f"schedule.yaml: jobs.{name}.cron is not a valid cron expression ({exc})") from None
        if not isinstance(spec.get("enabled", True), bool):
            raise PolicyError(f"schedule.yaml: jobs.{name}.enabled must be true or false")
        options = spec.get("options", {})
        if not isinstance(options, dict):
            raise PolicyError(f"schedule.yaml: jobs.{name}.options must be a mapping")
    minutes = data.get("lock_minutes", DEFAULT_LOCK_MINUTES)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise PolicyError("schedule.yaml: lock_minutes must be a positive whole number")


def schedule(svc) -> dict[str, Any]:
    """The parsed schedule policy (empty jobs when the instance has no schedule.yaml)."""
    data = svc.policies.get("schedule") or {}
    return {
        "timezone": data.get("timezone", "UTC"),
        "lock_minutes": data.get("lock_minutes", DEFAULT_LOCK_MINUTES),
        "jobs": dict(data.get("jobs") or {}),
    }


# ---------------------------------------------------------------------------------------------------------
# Locks


def _holder() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident()}"[:128]


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key per job name."""
    raw = int.from_bytes(hashlib.sha256(f"consentry.job:{name}".encode()).digest()[:8], "big", signed=True)
    return raw


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
    holder = _holder() + ":" + new_id("job")[-6:]
    if is_postgres(svc.db):
        row = svc.db.execute_sql("SELECT pg_try_advisory_lock(%s)", (_advisory_key(name),)).fetchone()
        return JobLockHandle(svc, name, holder) if row and row[0] else None
    now = svc.clock.now()
    with svc.transaction():  # IMMEDIATE: the read and the claim are one step for every other connection
        current = JobLock.get_or_none(JobLock.name == name)
        if current is not None and current.expires_at > now:
            return None
        JobLock.delete().where(JobLock.name == name).execute()
        JobLock.insert(name=name, holder=holder, acquired_at=now, expires_at=now + timedelta(minutes=minutes)).execute()
    return JobLockHandle(svc, name, holder)


# ---------------------------------------------------------------------------------------------------------
# Running


def _run_view(row: JobRun) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "trigger": row.trigger,
        "actor": row.actor,
        "status": row.status,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "result": json.loads(row.result or "{}"),
        "error": row.error,
    }


def run_job(svc, actor: Actor, name: str, *, trigger: str = "manual") -> dict[str, Any]:
    """Run one job now under its lock; the run (or the skip, when locked) is kept in the history."""
    actor.require("jobs:run")
    if name not in JOBS:
        raise NotFound(f"no such job (known: {', '.join(sorted(JOBS))})")
    plan = schedule(svc)
    options = dict((plan["jobs"].get(name) or {}).get("options") or {})
    run_id = new_id("job")
    holder = _holder()
    started = svc.clock.now()
    lock = try_lock(svc, name, int(plan["lock_minutes"]))
    if lock is None:
        with svc.transaction():
            JobRun.insert(
                id=run_id,
                name=name,
                trigger=trigger,
                actor=actor.principal_id,
                holder=holder,
                started_at=started,
                finished_at=started,
                status="skipped",
                error="locked",
            ).execute()
            svc.audit.record(
                actor, AuditAction.JOB_RUN, run_id, outcome="denied", details={"job": name, "lock": "held"}
            )
        return _run_view(JobRun.get_by_id(run_id))
    try:
        with svc.transaction():
            JobRun.insert(
                id=run_id, name=name, trigger=trigger, actor=actor.principal_id, holder=holder, started_at=started
            ).execute()
        status, error, result = "ok", None, {}
        try:
            result = JOBS[name](svc, actor, options) or {}
        except ConsentryError as exc:
            status, error = "failed", exc.code
        except Exception as exc:  # noqa: BLE001 - a job failure is recorded, the scheduler keeps running
            status, error = "failed", type(exc).__name__
            svc.extras.setdefault("job_errors", []).append(traceback.format_exc(limit=5))
        with svc.transaction():
            JobRun.update(
                finished_at=svc.clock.now(),
                status=status,
                error=error,
                result=json.dumps(_plain(result), sort_keys=True, default=str),
            ).where(JobRun.id == run_id).execute()
            svc.audit.record(
                actor,
                AuditAction.JOB_RUN,
                run_id,
                outcome="ok" if status == "ok" else "failed",
                details={"job": name, "trigger": trigger, "status": status},
            )
    finally:
        lock.release()
    return _run_view(JobRun.get_by_id(run_id))


def _plain(result: Any) -> Any:
    """Job results as stored: counts and ids only (floats kept, nested dicts kept)."""
    if isinstance(result, dict):
        return {str(k): _plain(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [_plain(v) for v in result][:100]
    return result


def list_jobs(svc, actor: Actor) -> list[dict[str, Any]]:
    """Every job with its schedule, next run time and last run."""
    actor.require("jobs:run")
    from apscheduler.triggers.cron import CronTrigger

    plan = schedule(svc)
    out = []
    now = svc.clock.now()
    for name in JOBS:
        spec = plan["jobs"].get(name) or {}
        cron = spec.get("cron")
        next_run = None
        if cron and spec.get("enabled", True):
            from datetime import UTC

            trigger = CronTrigger.from_crontab(cron, timezone=plan["timezone"])
            fire = trigger.get_next_fire_time(None, now.replace(tzinfo=UTC))
            next_run = iso(fire) if fire else None
        last = JobRun.select().where(JobRun.name == name).order_by(JobRun.started_at.desc(), JobRun.id.desc()).first()
        out.append(
            {
                "name": name,
                "cron": cron,
                "enabled": bool(cron) and bool(spec.get("enabled", True)),
                "next_run": next_run,
                "last_run": _run_view(last) if last else None,
            }
        )
    return out


def history(svc, actor: Actor, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first (optionally of one job)."""
    actor.require("jobs:run")
    if name is not None and name not in JOBS:
        raise Invalid("unknown job", errors=[{"field": "name", "code": "job.unknown"}])
    query = JobRun.select()
    if name:
        query = query.where(JobRun.name == name)
    return [_run_view(r) for r in query.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)]


def build_scheduler(svc, *, blocking: bool = True):
    """An APScheduler 3 scheduler with one cron job per enabled entry of schedule.yaml."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    plan = schedule(svc)
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=plan["timezone"])
    for name, spec in plan["jobs"].items():
        if not spec.get("enabled", True):
            continue

        def fire(job_name: str = name) -> None:
            try:
                run_job(svc, svc.system_actor(job_name), job_name, trigger="schedule")
            finally:
                svc.db.close()  # each scheduler worker thread has its own connection; give it back

        scheduler.add_job(
            fire,
            CronTrigger.from_crontab(spec["cron"], timezone=plan["timezone"]),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
