"""Steward pages over compliance.stewardship (review, merges): the review queue side by side with each pair's match
weights, merge, reject, undo."""

from __future__ import annotations

from flask import request

from api.web import i18n
from api.web.chart import weight_chart
from api.web.core import actor, bp, page, render, see_other, svc
from compliance.errors import Invalid
from compliance.stewardship import merges, review

STATUSES = ("open", "merged", "rejected", "superseded")
PAGE_SIZE = 10


def _differs(a, b) -> bool:
    """True when the two shown values differ (lists compared as sets; empty and missing are the same)."""
    if isinstance(a, list) or isinstance(b, list):
        return sorted(map(str, a or [])) != sorted(map(str, b or []))
    if isinstance(a, dict) or isinstance(b, dict):
        return (a or {}) != (b or {})
    return (a or None) != (b or None)


def explanation_chart(candidate_id: str, explanation: dict):
    """The pair's weights as bars: the prior first, one bar per field (its level beside it), the total last."""
    rows = [(i18n.gettext("Prior"), i18n.gettext("before any field"), explanation["prior_weight"], "prior")]
    rows += [
        (i18n.gettext(f["field"]), f["level"] + (" (tf)" if f["tf_adjusted"] else ""), f["weight"], "field")
        for f in explanation["fields"]
    ]
    probability = i18n.gettext("probability {p}", p=f"{explanation['probability']:.3f}")
    rows.append((i18n.gettext("Total"), probability, explanation["total"], "total"))
    return weight_chart(rows, i18n.gettext("Match weights (log2 Bayes factors)"), f"weights-{candidate_id}")


@bp.operation(
    "/hygiene/candidates",
    "GET",
    page("hygiene:read", "Admin pages: merge review, both records side by side (masked without subjects:read_pii)"),
)
def candidates():
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    after = (request.args.get("after") or "").strip()[:40] or None
    items, last = review.candidates_page(svc(), actor(), status=status, after=after, limit=PAGE_SIZE)
    for item in items:
        for row in item["fields"]:
            row["differs"] = _differs(row["a"], row["b"])
        item["chart"] = explanation_chart(item["id"], item["explanation"]) if item["explanation"] else None
    return render("candidates.html", items=items, last=last, status=status, statuses=STATUSES, nav="candidates")


@bp.operation(
    "/hygiene/candidates/<candidate_id>/merge",
    "POST",
    page("hygiene:merge", "Admin pages: merge a candidate pair (form)", (400, 401, 403, 404, 409, 422)),
)
def merge_candidate(candidate_id):
    survivor = (request.form.get("survivor") or "").strip() or None
    if survivor is not None and len(survivor) > 40:
        raise Invalid("the survivor is not an id", errors=[{"field": "survivor", "code": "survivor.not_in_pair"}])
    merges.merge_candidate(svc(), actor(), candidate_id, survivor=survivor)
    return see_other("/web/hygiene/candidates?status=merged&done=merge")


@bp.operation(
    "/hygiene/candidates/<candidate_id>/reject",
    "POST",
    page("hygiene:merge", "Admin pages: mark a candidate pair as different people (form)", (400, 401, 403, 404, 409)),
)
def reject_candidate(candidate_id):
    merges.reject(svc(), actor(), candidate_id)
    return see_other("/web/hygiene/candidates?done=reject")


@bp.operation(
    "/hygiene/merges/<merge_id>/undo",
    "POST",
    page("hygiene:merge", "Admin pages: undo a merge (form)", (400, 401, 403, 404, 409)),
)
def undo_merge(merge_id):
    merges.unmerge(svc(), actor(), merge_id)
    return see_other("/web/hygiene/candidates?status=rejected&done=undo")
