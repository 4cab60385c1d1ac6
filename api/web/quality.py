"""Steward pages over validation and the quality report (compliance.stewardship)."""

from __future__ import annotations

from flask import request

from api.web import i18n
from api.web.chart import rate_chart
from api.web.core import actor, bp, page, render, svc
from compliance.stewardship import quality as quality_report
from compliance.stewardship import validation

PAGE_SIZE = 100


@bp.operation("/hygiene/issues", "GET", page("hygiene:read", "Admin pages: validation issues (field and code)"))
def issues():
    code = (request.args.get("code") or "").strip()[:64] or None
    try:
        after = max(0, int(request.args.get("after", "0")))
    except ValueError:
        after = 0
    services, who = svc(), actor()
    items, more = validation.issues(services, who, code=code, after=after, limit=PAGE_SIZE)
    summary = quality_report.report(services, who)["open_issues"]
    return render("issues.html", items=items, more=more, code=code, summary=summary, nav="issues")


def trend_chart(trend: list[dict]):
    """Duplicate rate (dedupe runs) and invalid-contact rate (validation runs) over the latest runs."""
    labels = [p["at"][5:10] if p.get("at") else str(i + 1) for i, p in enumerate(trend)]
    dup = {i: p["duplicate_rate"] for i, p in enumerate(trend) if "duplicate_rate" in p}
    inv = {i: p["invalid_rate"] for i, p in enumerate(trend) if "invalid_rate" in p}
    title = i18n.gettext("Duplicate rate and invalid contacts over runs")
    desc = "; ".join(
        f"{labels[i]}: {i18n.gettext('Duplicate rate') if i in dup else i18n.gettext('Invalid contacts')} "
        f"{(dup.get(i, inv.get(i)) or 0) * 100:.1f}%"
        for i in range(len(trend))
    )
    return rate_chart(
        labels,
        [(i18n.gettext("Duplicate rate"), "dup", dup), (i18n.gettext("Invalid contacts"), "inv", inv)],
        title,
        desc,
    )


@bp.operation("/hygiene/report", "GET", page("hygiene:read", "Admin pages: quality report with its trend chart"))
def quality():
    data = quality_report.report(svc(), actor())
    chart = trend_chart(data["trend"]) if data["trend"] else None
    return render("quality.html", report=data, chart=chart, nav="quality")
