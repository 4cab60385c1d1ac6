"""Rows of the role x route matrix contributed by each domain (tests/matrix_<domain>.py), merged here."""

from __future__ import annotations

import importlib
import importlib.util

DOMAINS = ("matrix_consent", "matrix_requests", "matrix_hygiene", "matrix_web")
EXTRA_ROWS: dict = {}
SAMPLE_BODIES: dict = {}
_FIXTURES = []

for _name in DOMAINS:
    if importlib.util.find_spec(f"tests.{_name}") is None:
        continue
    _module = importlib.import_module(f"tests.{_name}")
    EXTRA_ROWS.update(getattr(_module, "ROWS", {}))
    SAMPLE_BODIES.update(getattr(_module, "SAMPLE_BODIES", {}))
    if hasattr(_module, "sample_fixtures"):
        _FIXTURES.append(_module.sample_fixtures)


def sample_fixtures(svc) -> dict[str, str]:
    """Path parameters for the extra routes (ids of real objects created on the test instance)."""
    out: dict[str, str] = {}
    for make in _FIXTURES:
        out.update(make(svc))
    return out
