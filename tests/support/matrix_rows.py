"""Rows of the role x route matrix contributed by each domain (tests/matrix_<domain>.py), merged here."""

from __future__ import annotations

from tests.support import matrix_consent, matrix_hygiene, matrix_requests, matrix_web

# Every domain's rows, listed explicitly: a missing module is an ImportError, not a silently smaller matrix.
DOMAINS = (matrix_consent, matrix_requests, matrix_hygiene, matrix_web)
EXTRA_ROWS: dict = {}
SAMPLE_BODIES: dict = {}
_FIXTURES = []

for _module in DOMAINS:
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
