"""Scheduled jobs: `consentry scheduler` and `consentry jobs list|run|history`."""

from __future__ import annotations

import contextlib
import signal

import click

from cli.output import emit, note
from cli.root import cli, json_option, pass_app
from compliance.jobs import runner
from compliance.jobs.scheduler import build_scheduler


@cli.command("scheduler")
@json_option
@pass_app
@click.pass_context
def scheduler_command(ctx, app, as_json):
    """Run the jobs of policies/schedule.yaml until stopped (Ctrl-C or SIGTERM)."""
    svc = app.services
    app.actor.require("jobs:run")
    sched = build_scheduler(svc, blocking=True)
    names = [job.id for job in sched.get_jobs()]
    note(f"scheduler started with {len(names)} jobs: {', '.join(names) or 'none'} (Ctrl-C stops it)")

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        sched.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()
    emit(ctx, {"stopped": True, "jobs": names}, "scheduler stopped")


@cli.group()
def jobs():
    """List and run scheduled jobs."""


@jobs.command("list")
@json_option
@pass_app
@click.pass_context
def jobs_list(ctx, app, as_json):
    """Every job with its cron expression, next run and last run."""
    items = runner.list_jobs(app.services, app.actor)
    lines = []
    for item in items:
        last = item["last_run"]
        last_text = f"last {last['status']} at {last['started_at']}" if last else "never run"
        lines.append(f"{item['name']:<17} {item['cron'] or '-':<14} next {item['next_run'] or '-':<21} {last_text}")
    emit(ctx, {"jobs": items}, "\n".join(lines))


@jobs.command("run")
@click.argument("name")
@json_option
@pass_app
@click.pass_context
def jobs_run(ctx, app, name, as_json):
    """Run job NAME now (under its lock; skipped if another scheduler is running it)."""
    run = runner.run_job(app.services, app.actor, name)
    emit(ctx, run, f"{run['id']}: {name} {run['status']}" + (f" ({run['error']})" if run["error"] else ""))
    if run["status"] == "failed":
        ctx.exit(1)


@jobs.command("history")
@click.argument("name", required=False)
@click.option("-n", "limit", default=20, show_default=True, help="How many runs.")
@json_option
@pass_app
@click.pass_context
def jobs_history(ctx, app, name, limit, as_json):
    """The latest runs (of one job, or of all)."""
    runs = runner.history(app.services, app.actor, name, limit)
    lines = [f"{r['started_at']} {r['name']:<17} {r['status']:<8} {r['id']}" for r in runs]
    emit(ctx, {"runs": runs}, "\n".join(lines) or "no runs yet")
