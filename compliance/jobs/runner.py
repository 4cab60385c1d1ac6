"""Running jobs: one run under its lock, kept in the history (or recorded as skipped when the lock is held).

Which jobs exist is compliance.jobs.registry; when they run is compliance.jobs.schedule; the loop that fires
them is compliance.jobs.scheduler.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.errors import ConsentryError, Invalid, NotFound
from compliance.ids import new_id
from compliance.jobs import locks
from compliance.jobs.models import JobRun
from compliance.jobs.registry import JOBS
from compliance.jobs.schedule import next_run, schedule


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
    holder = locks.holder()
    started = svc.clock.now()
    lock = locks.try_lock(svc, name, int(plan["lock_minutes"]))
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
    plan = schedule(svc)
    out = []
    now = svc.clock.now()
    for name in JOBS:
        spec = plan["jobs"].get(name) or {}
        cron = spec.get("cron")
        enabled = bool(cron) and bool(spec.get("enabled", True))
        last = JobRun.select().where(JobRun.name == name).order_by(JobRun.started_at.desc(), JobRun.id.desc()).first()
        out.append(
            {
                "name": name,
                "cron": cron,
                "enabled": enabled,
                "next_run": next_run(cron, plan["timezone"], now) if enabled else None,
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
