"""DPO pages over compliance.dsar: the queue with deadlines, one request with its timeline and actions."""

from __future__ import annotations

import json

from flask import Response, request

from api.web.core import actor, bp, page, render, see_other, svc
from compliance.dsar import access, certificates, decisions, listing, verification
from compliance.dsar import process as processing
from compliance.dsar.regimes import regimes_of
from compliance.dsar.states import STATUSES, TYPES
from compliance.errors import Invalid

FORM_ERRORS = (400, 401, 403, 404, 409, 422)
TEXT_MAX = 1000


def _regimes() -> list[str]:
    return sorted(regimes_of(svc()))


@bp.operation("/requests", "GET", page("requests:read", "Admin pages: the request queue with deadlines and filters"))
def requests_queue():
    args = request.args
    chosen = {
        "type": args.get("type") if args.get("type") in TYPES else None,
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "regime": args.get("regime") if args.get("regime") in _regimes() else None,
        "overdue": args.get("overdue") == "1",
    }
    items = listing.list_requests(
        svc(), actor(), status=chosen["status"], overdue=chosen["overdue"], type=chosen["type"]
    )
    if chosen["regime"]:
        items = [i for i in items if i["regime"] == chosen["regime"]]
    return render(
        "requests.html",
        items=items,
        chosen=chosen,
        types=TYPES,
        statuses=STATUSES,
        regimes=_regimes(),
        nav="requests",
    )


@bp.operation(
    "/requests/<request_id>",
    "GET",
    page("requests:read", "Admin pages: one request, its timeline and the actions its state allows", (401, 403, 404)),
)
def request_page(request_id):
    item = listing.show(svc(), actor(), request_id)
    downloads = {
        "bundle": access.bundle_available(item),
        "certificate": bool(item.get("certificate")),
    }
    return render(
        "request.html",
        item=item,
        actions=item["actions"],  # the core says what this actor may do in the request's state
        downloads=downloads,
        done=request.args.get("done"),
        nav="requests",
    )


def _text(name: str) -> str:
    value = (request.form.get(name) or "").strip()
    if len(value) > TEXT_MAX:
        raise Invalid(f"{name} is too long", errors=[{"field": name, "code": "length"}])
    return value


def _back(request_id: str, action: str):
    return see_other(f"/web/requests/{request_id}?done={action}")


@bp.operation(
    "/requests/<request_id>/verify",
    "POST",
    page("requests:manage", "Admin pages: verify the requester (emailed code or manual with a note)", FORM_ERRORS),
)
def verify(request_id):
    method = _text("method") or "manual"
    verification.verify(
        svc(), actor(), request_id, method=method, code=_text("code") or None, note=_text("note") or None
    )
    return _back(request_id, "verify")


@bp.operation(
    "/requests/<request_id>/extend",
    "POST",
    page("requests:manage", "Admin pages: extend the deadline once, with a reason", FORM_ERRORS),
)
def extend(request_id):
    decisions.extend(svc(), actor(), request_id, reason=_text("reason"))
    return _back(request_id, "extend")


@bp.operation(
    "/requests/<request_id>/approve",
    "POST",
    page("requests:approve", "Admin pages: approve a request (an erasure needs it)", FORM_ERRORS),
)
def approve(request_id):
    decisions.approve(svc(), actor(), request_id)
    return _back(request_id, "approve")


@bp.operation(
    "/requests/<request_id>/reject",
    "POST",
    page("requests:approve", "Admin pages: reject a request with a ground", FORM_ERRORS),
)
def reject(request_id):
    decisions.reject(svc(), actor(), request_id, ground=_text("ground"))
    return _back(request_id, "reject")


@bp.operation(
    "/requests/<request_id>/process",
    "POST",
    page("requests:manage", "Admin pages: carry out a request (erasure also needs requests:approve)", FORM_ERRORS),
)
def process(request_id):
    processing.process(svc(), actor(), request_id)
    return _back(request_id, "process")


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.operation(
    "/requests/<request_id>/export",
    "GET",
    page(
        "requests:manage",
        "Admin pages: download the access/portability bundle (zip)",
        (401, 403, 404, 409),
        "application/zip",
    ),
)
def export(request_id):
    data = access.export_bundle(svc(), actor(), request_id)
    return _download(data, "application/zip", f"{request_id}-bundle.zip")


@bp.operation(
    "/requests/<request_id>/certificate",
    "GET",
    page(
        "requests:manage",
        "Admin pages: download the signed erasure certificate (JSON)",
        (401, 403, 404),
        "application/json",
    ),
)
def certificate(request_id):
    data = certificates.certificate(svc(), actor(), request_id)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return _download(body, "application/json", f"{request_id}-certificate.json")
