"""The jobs tables: run history, and the SQLite lock row of a running job."""

from __future__ import annotations

from peewee import CharField, DateTimeField, TextField

from compliance.store.models import BaseModel

RUN_STATUSES = ("running", "ok", "failed", "skipped")


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
