"""Fixtures: a real instance (key file, policies, schema) on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from compliance.clock import FrozenClock
from compliance.instance import initialise
from compliance.services import build_services
from compliance.settings import Settings

PG_URL = os.environ.get("CONSENTRY_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgres"]


def pg_schema_url(base: str) -> tuple[str, str]:
    """Create a throwaway schema on the test server; return (url with ?schema=, schema name)."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base.split("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={schema}", schema


def pg_drop_schema(base: str, schema: str) -> None:
    """Drop a throwaway schema."""
    import psycopg

    with psycopg.connect(base.split("?")[0], autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each store test runs on SQLite and on PostgreSQL (skipped with a reason when no server is configured)."""
    if request.param == "postgres" and not PG_URL:
        pytest.skip("PostgreSQL tests need CONSENTRY_TEST_DATABASE_URL (CI sets it when a server answers)")
    return request.param


@pytest.fixture
def database_url(backend, tmp_path):
    """A fresh database of the requested backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'instance' / 'consentry.db'}"
        return
    url, schema = pg_schema_url(PG_URL)
    try:
        yield url
    finally:
        pg_drop_schema(PG_URL, schema)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """Settings of a new instance under tmp_path (environment ignored)."""
    home = tmp_path / "instance"
    return Settings.load(env={}, home=home, database_url=database_url)


@pytest.fixture
def clock() -> FrozenClock:
    """A frozen clock at a fixed instant."""
    return FrozenClock(datetime(2026, 11, 20, 10, 0, 0))


@pytest.fixture
def svc(settings, clock):
    """Services of an initialised instance with a frozen clock."""
    initialise(settings)
    services = build_services(settings, clock=clock)
    yield services
    services.close()
    from compliance.store.db import database

    if database.obj is not None and not database.obj.is_closed():
        database.obj.close()  # a test may have built further services on the same instance


@pytest.fixture
def admin(svc):
    """The local admin actor."""
    return svc.local_actor()


def actor_with_role(svc, role: str, name: str = "tester"):
    """An actor holding one shipped role."""
    from compliance.access.actor import Actor

    spec = svc.policies.role(role)
    return Actor(principal_id=f"prn_test{role}", name=name, role=role, scopes=spec.scopes, channel="cli")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def app(svc):
    """The Flask app on the test instance."""
    from api import create_app

    return create_app({"TESTING": True}, services=svc)


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def keys(svc):
    """role -> API key, one principal per shipped role."""
    from tests.support.api_helpers import make_keys

    return make_keys(svc)
