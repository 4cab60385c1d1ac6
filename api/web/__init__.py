"""Admin web pages for DPOs and data stewards: server-rendered, session cookie + CSRF, English and Russian.

Pages call the same service functions as the JSON API. Every page module is listed here, so a missing one
is an import error at start-up.
"""

from __future__ import annotations

from api.web import account, audit_page, dpo, quality, steward  # noqa: F401 - registers routes
from api.web.core import bp

__all__ = ["bp"]
