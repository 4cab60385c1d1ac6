"""Schemathesis over /openapi.json with bounded examples: no generated request makes the API answer 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api import create_app
from compliance.access.principals import create
from compliance.instance import initialise
from compliance.services import build_services
from compliance.settings import Settings
from compliance.subjects.profiles import upsert


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    """An instance with an admin key and a subject, and the schema of its app."""
    home = tmp_path_factory.mktemp("fuzz") / "instance"
    settings_ = Settings.load(env={}, home=home)
    initialise(settings_)
    svc = build_services(settings_)
    key = create(svc, svc.system_actor("fuzz"), "fuzzer", "admin")["api_key"]
    upsert(svc, svc.system_actor("fuzz"), {"email": "fuzz@example.com", "first_name": "Fuzz"})
    app = create_app({"TESTING": True}, services=svc)
    yield app, key
    svc.close()


def test_no_server_errors(fuzz_target):
    app, key = fuzz_target
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case):
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            assert response.status_code < 500, (case.method, case.path, response.status_code)
            if response.status_code >= 400:
                assert response.headers["content-type"] == ["application/problem+json"], case.path

        exercise()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 10
