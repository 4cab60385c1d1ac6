"""policies/schedule.yaml: which job runs when (5-field cron in one time zone) and how long a lock may be held."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from compliance.clock import iso
from compliance.jobs.registry import JOBS
from compliance.policy.loader import PolicyError

DEFAULT_LOCK_MINUTES = 120


def check_policy(data: dict[str, Any]) -> None:
    """Validate policies/schedule.yaml: known job names, valid 5-field cron expressions, sane lock expiry."""
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


def parse(data: dict[str, Any] | None) -> dict[str, Any]:
    """The schedule as the runner reads it (empty jobs when the instance has no schedule.yaml)."""
    data = data or {}
    return {
        "timezone": data.get("timezone", "UTC"),
        "lock_minutes": data.get("lock_minutes", DEFAULT_LOCK_MINUTES),
        "jobs": dict(data.get("jobs") or {}),
    }


def schedule(svc) -> dict[str, Any]:
    """The instance's schedule policy (parsed once per loaded policies)."""
    return svc.policies.parsed("schedule", parse)


def trigger(cron: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger of a cron expression of schedule.yaml."""
    return CronTrigger.from_crontab(cron, timezone=timezone)


def next_run(cron: str, timezone: str, now: datetime) -> str | None:
    """When a cron expression fires next after ``now`` (naive UTC), as ISO text; None when it never does."""
    fire = trigger(cron, timezone).get_next_fire_time(None, now.replace(tzinfo=UTC))
    return iso(fire) if fire else None
