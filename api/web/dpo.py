"""DPO pages over compliance.dsar.workflow: the queue with deadlines, one request with its timeline and actions."""

from __future__ import annotations

import json

from flask import Response, request

from api.web.core import actor, bp, page, render, see_other, svc
from compliance.dsar import workflow as dsar
from compliance.errors import ConsentryError, Invalid

FORM_ERRORS = (400, 401, 403, 404, 409, 422)
# action -> the scope its form needs (the service checks it again; the page only hides what would be refused)
ACTION_SCOPES = {
    "verify": "requests:manage",
    "extend": "requests:manage",
    "approve": "requests:approve",
    "reject": "requests:approve",
    "process": "requests:manage",
}
TEXT_MAX = 1000


def _regimes() -> list[str]:
    return sorted(dsar.regimes_of(svc()))


@bp.operation("/requests", "GET", page("requests:read", "Admin pages: the request queue with deadlines and filters"))
def requests_queue():
    args = request.args
    chosen = {
        "type": args.get("type") if args.get("type") in dsar.TYPES else None,
        "status": args.get("status") if args.get("status") in dsar.STATUSES else None,
        "regime": args.get("regime") if args.get("regime") in _regimes() else None,
        "overdue": args.get("overdue") == "1",
    }
    items = dsar.list_requests(svc(), actor(), status=chosen["status"], overdue=chosen["overdue"], type=chosen["type"])
    if chosen["regime"]:
        items = [i for i in items if i["regime"] == chosen["regime"]]
    return render(
        "requests.html",
        items=items,
        chosen=chosen,
        types=dsar.TYPES,
        statuses=dsar.STATUSES,
        regimes=_regimes(),
        nav="requests",
    )


def allowed_actions(item: dict) -> list[str]:
    """The actions the request's state allows (the service's own state machine) and the actor's role holds."""
    who, out = actor(), []
    for action in dsar.ACTIONS:
        if not who.can(ACTION_SCOPES[action]):
            continue
        if (
            action == "process"
            and item["type"] in ("erasure", "consent_withdrawal")
            and not who.can("requests:approve")
        ):
            continue
        try:
            dsar.check_transition(
                action,
                item["status"],
                verified=item["verified"],
                request_type=item["type"],
                approved=item["approved"],
            )
        except ConsentryError:
            continue
        out.append(action)
    return out


@bp.operation(
    "/requests/<request_id>",
    "GET",
    page("requests:read", "Admin pages: one request, its timeline and the actions its state allows", (401, 403, 404)),
)
def request_page(request_id):
    item = dsar.show(svc(), actor(), request_id)
    downloads = {
        "bundle": item["type"] in ("access", "portability") and item["status"] in ("in_progress", "completed"),
        "certificate": bool(item.get("certificate")),
    }
    return render(
        "request.html",
        item=item,
        actions=allowed_actions(item),
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
    dsar.verify(svc(), actor(), request_id, method=method, code=_text("code") or None, note=_text("note") or None)
    return _back(request_id, "verify")


@bp.operation(
    "/requests/<request_id>/extend",
    "POST",
    page("requests:manage", "Admin pages: extend the deadline once, with a reason", FORM_ERRORS),
)
def extend(request_id):
    dsar.extend(svc(), actor(), request_id, reason=_text("reason"))
    return _back(request_id, "extend")


@bp.operation(
    "/requests/<request_id>/approve",
    "POST",
    page("requests:approve", "Admin pages: approve a request (an erasure needs it)", FORM_ERRORS),
)
def approve(request_id):
    dsar.approve(svc(), actor(), request_id)
    return _back(request_id, "approve")


@bp.operation(
    "/requests/<request_id>/reject",
    "POST",
    page("requests:approve", "Admin pages: reject a request with a ground", FORM_ERRORS),
)
def reject(request_id):
    dsar.reject(svc(), actor(), request_id, ground=_text("ground"))
    return _back(request_id, "reject")


@bp.operation(
    "/requests/<request_id>/process",
    "POST",
    page("requests:manage", "Admin pages: carry out a request (erasure also needs requests:approve)", FORM_ERRORS),
)
def process(request_id):
    dsar.process(svc(), actor(), request_id)
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
    data = dsar.export_bundle(svc(), actor(), request_id)
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
    data = dsar.certificate(svc(), actor(), request_id)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return _download(body, "application/json", f"{request_id}-certificate.json")
