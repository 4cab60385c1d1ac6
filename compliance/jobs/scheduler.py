"""The APScheduler loop: one cron job per enabled entry of schedule.yaml, each run through the runner."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from compliance.jobs import schedule as job_schedule
from compliance.jobs.runner import run_job


def build_scheduler(svc, *, blocking: bool = True):
    """An APScheduler 3 scheduler with one cron job per enabled entry of schedule.yaml."""
    plan = job_schedule.schedule(svc)
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
            job_schedule.trigger(spec["cron"], plan["timezone"]),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )
    return scheduler
