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
    services, who = svc(), actor()
    result = audit_service.verify(services, who)
    entries = list(reversed(audit_service.tail(services, who, count)))  # newest first
    return render("audit.html", result=result, entries=entries, count=count, counts=COUNTS, nav="audit")
