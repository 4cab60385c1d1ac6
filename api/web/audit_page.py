"""The audit page: the latest entries and the result of verifying the whole chain."""

from __future__ import annotations

from flask import request

from api.web.core import actor, bp, page, render, svc
from compliance.audit import service as audit_service

COUNTS = (20, 50, 100, 200)


@bp.operation("/audit", "GET", page("audit:read", "Admin pages: latest audit entries and the chain verification"))
def audit():
    try:
        count = int(request.args.get("n", "50"))
    except ValueError:
        count = 50
    count = count if count in COUNTS else 50
    shown = audit_service.overview(svc(), actor(), count)
    return render("audit.html", **shown, count=count, counts=COUNTS, nav="audit")
