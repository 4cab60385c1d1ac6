"""Admin web pages for DPOs and data stewards: server-rendered, session cookie + CSRF, English and Russian.

Pages call the same service functions as the JSON API. A domain's pages are registered only when its
services exist in this build (requests; hygiene).
"""

from __future__ import annotations

import importlib.util

from api.web import account, audit_page  # noqa: F401 - registers routes
from api.web.core import bp


def _present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


if _present("compliance.requests") and _present("api.web.dpo"):
    from api.web import dpo  # noqa: F401

if _present("compliance.validation") and _present("compliance.quality_report"):
    from api.web import quality  # noqa: F401

if _present("compliance.merges") and _present("compliance.dedupe_service") and _present("api.web.steward"):
    from api.web import steward  # noqa: F401

__all__ = ["bp"]
