"""Scheduled jobs: the lock holds with two schedulers, history is kept, the schedule policy is checked."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from compliance.errors import Forbidden, NotFound
from compliance.jobs import locks, registry, schedule
from compliance.jobs import runner as jobs
from compliance.jobs.models import JobLock
from compliance.jobs.scheduler import build_scheduler
from compliance.policy.loader import PolicyError
from tests.conftest import actor_with_role


def test_shipped_schedule_is_valid(svc):
    plan = schedule.schedule(svc)
    assert set(plan["jobs"]) == {
        "validate",
        "dedupe",
        "retention",
        "request_reminders",
        "audit_checkpoint",
        "key_rotation",
    }
    schedule.check_policy(svc.policies.get("schedule"))


@pytest.mark.parametrize(
    "bad",
    [
        {"jobs": {"validate": {"cron": "not a cron"}}},
        {"jobs": {"nosuchjob": {"cron": "0 * * * *"}}},
        {"jobs": {}},
        {"jobs": {"validate": {"cron": "0 * * * *"}}, "lock_minutes": 0},
        {"jobs": {"validate": {"cron": "0 * * * *", "enabled": "yes"}}},
    ],
)
def test_bad_schedules_are_refused(bad):
    with pytest.raises(PolicyError):
        schedule.check_policy(bad)


def test_run_keeps_history(backend, svc, admin):
    first = jobs.run_job(svc, admin, "audit_checkpoint")
    svc.clock.advance(minutes=5)
    second = jobs.run_job(svc, admin, "audit_checkpoint")
    assert first["status"] == second["status"] == "ok"
    assert first["result"]["size"] >= 1
    runs = jobs.history(svc, admin, "audit_checkpoint")
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    listed = {j["name"]: j for j in jobs.list_jobs(svc, admin)}
    assert listed["audit_checkpoint"]["last_run"]["id"] == second["id"]
    assert listed["audit_checkpoint"]["next_run"] == "2026-11-20T11:00:00Z"
    actions = [e["action"] for e in svc.audit.tail(5)]
    assert "job.run" in actions


def test_unknown_job_and_scope(svc, admin):
    with pytest.raises(NotFound):
        jobs.run_job(svc, admin, "nosuchjob")
    with pytest.raises(Forbidden):
        jobs.run_job(svc, actor_with_role(svc, "analyst"), "audit_checkpoint")


def test_failed_job_is_recorded(svc, admin, monkeypatch):
    def boom(svc, actor, options):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.JOBS, "audit_checkpoint", boom)
    run = jobs.run_job(svc, admin, "audit_checkpoint")
    assert run["status"] == "failed" and run["error"] == "RuntimeError"
    # The lock was released: the next run is not skipped.
    monkeypatch.setitem(registry.JOBS, "audit_checkpoint", lambda s, a, o: {"n": 1})
    assert jobs.run_job(svc, admin, "audit_checkpoint")["status"] == "ok"


def test_lock_holds_with_two_schedulers(backend, svc, admin, monkeypatch):
    """Two schedulers (threads with their own database connections) fire the same job at once: one runs."""
    inside = []
    peak = []
    started = threading.Barrier(2)

    def slow(svc_, actor, options):
        inside.append(1)
        peak.append(len(inside))
        time.sleep(0.8)
        inside.pop()
        return {"slept": 1}

    monkeypatch.setitem(registry.JOBS, "dedupe", slow)
    results: list[dict] = []
    errors: list[BaseException] = []

    def scheduler():
        try:
            started.wait()
            results.append(jobs.run_job(svc, svc.system_actor("dedupe"), "dedupe", trigger="schedule"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            svc.db.close()  # this thread's own connection

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r["status"] for r in results) == ["ok", "skipped"]
    assert max(peak) == 1
    skipped = next(r for r in results if r["status"] == "skipped")
    assert skipped["error"] == "locked"
    statuses = sorted(r["status"] for r in jobs.history(svc, admin, "dedupe"))
    assert statuses == ["ok", "skipped"]
    # Released afterwards: a later run goes ahead.
    assert jobs.run_job(svc, admin, "dedupe")["status"] == "ok"


def test_lock_held_by_another_connection_is_respected(backend, svc, admin, monkeypatch):
    """A lock taken by another connection (another scheduler process) makes the run skip."""
    monkeypatch.setitem(registry.JOBS, "validate", lambda s, a, o: {"ran": 1})
    holder: dict = {}
    taken = threading.Event()
    done = threading.Event()

    def other():
        holder["lock"] = locks.try_lock(svc, "validate")
        taken.set()
        done.wait(30)
        holder["lock"].release()
        svc.db.close()

    thread = threading.Thread(target=other)
    thread.start()
    taken.wait(30)
    try:
        assert holder["lock"] is not None
        assert jobs.run_job(svc, admin, "validate")["status"] == "skipped"
    finally:
        done.set()
        thread.join(30)
    assert jobs.run_job(svc, admin, "validate")["status"] == "ok"


def test_sqlite_lock_expires(svc, admin, monkeypatch):
    """A lock row left by a crashed SQLite scheduler stops blocking once it expires."""
    from compliance.store.db import is_postgres

    if is_postgres(svc.db):
        pytest.skip("PostgreSQL advisory locks die with their connection")
    monkeypatch.setitem(registry.JOBS, "validate", lambda s, a, o: {"ran": 1})
    JobLock.insert(
        name="validate",
        holder="crashed:1:1",
        acquired_at=svc.clock.now(),
        expires_at=svc.clock.now() + timedelta(minutes=120),
    ).execute()
    assert jobs.run_job(svc, admin, "validate")["status"] == "skipped"
    svc.clock.advance(minutes=121)
    assert jobs.run_job(svc, admin, "validate")["status"] == "ok"
    assert JobLock.select().count() == 0


def test_scheduler_builds_one_cron_job_per_entry(svc):
    sched = build_scheduler(svc, blocking=False)
    assert sorted(j.id for j in sched.get_jobs()) == [
        "audit_checkpoint",
        "dedupe",
        "key_rotation",
        "request_reminders",
        "retention",
        "validate",
    ]


def test_cli_jobs(svc, settings):
    import json

    from click.testing import CliRunner

    from cli.main import get_cli

    runner = CliRunner()
    env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    svc.close()
    out = runner.invoke(get_cli(), ["jobs", "run", "audit_checkpoint", "--json"], env=env)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["status"] == "ok"
    out = runner.invoke(get_cli(), ["jobs", "list", "--json"], env=env)
    assert out.exit_code == 0, out.output
    names = [j["name"] for j in json.loads(out.output)["jobs"]]
    assert names == ["validate", "dedupe", "retention", "request_reminders", "audit_checkpoint", "key_rotation"]


def test_reminder_and_retention_jobs_run_through_the_scheduler_entry_point(svc, admin):
    from datetime import date

    from compliance.dsar import intake as dsar
    from compliance.subjects.profiles import upsert

    upsert(svc, admin, {"email": "remind-me@example.com"})
    created = dsar.submit(svc, admin, type="access", regime="gdpr", email="remind-me@example.com")
    due = date.fromisoformat(created["due_at"][:10])
    svc.clock.advance(days=(due - svc.clock.now().date()).days - 7)  # a 7-day reminder is configured for gdpr
    result = jobs.run_job(svc, admin, "request_reminders")
    assert result["status"] == "ok" and result["result"]["reminders"] >= 1
    assert jobs.run_job(svc, admin, "retention")["status"] == "ok"
