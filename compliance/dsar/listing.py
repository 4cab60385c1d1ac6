"""Reading requests: one request with what the actor may do next, the queue, and the CCPA §7101 record as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from compliance.access.actor import Actor
from compliance.clock import parse_iso
from compliance.dsar.models import DsarRequest
from compliance.dsar.records import load_request, today_of, view
from compliance.dsar.states import OPEN, STATUSES, allowed_actions
from compliance.errors import Invalid


def show(svc, actor: Actor, request_id: str) -> dict[str, Any]:
    """One request with matches, verification, notices, erasure steps, timeline and the actions the actor may take."""
    actor.require("requests:read")
    out = view(load_request(request_id), today_of(svc), full=True)
    out["actions"] = allowed_actions(actor, out)
    return out


def list_requests(
    svc,
    actor: Actor,
    *,
    status: str | None = None,
    overdue: bool = False,
    type: str | None = None,  # noqa: A002
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Requests newest first, optionally by status, type, or only the open ones past their due date.

    `after` is the (received_at, id) of the last item of the previous page (as `view` returns them).
    """
    actor.require("requests:read")
    query = DsarRequest.select()
    if status:
        if status not in STATUSES:
            raise Invalid(
                f"status must be one of {', '.join(STATUSES)}", errors=[{"field": "status", "code": "status.unknown"}]
            )
        query = query.where(DsarRequest.status == status)
    if type:
        query = query.where(DsarRequest.type == type)
    today = today_of(svc)
    if overdue:
        query = query.where(DsarRequest.status.in_(OPEN) & (DsarRequest.due_on < today))
    if after is not None:
        received = parse_iso(after[0])
        query = query.where(
            (DsarRequest.received_at < received) | ((DsarRequest.received_at == received) & (DsarRequest.id > after[1]))
        )
    query = query.order_by(DsarRequest.received_at.desc(), DsarRequest.id)
    if limit is not None:
        query = query.limit(limit)
    rows = list(query)
    svc.keyring.preload([r.id for r in rows])  # a denial ground is sealed under its request's key: one read for all
    return [view(r, today) for r in rows]


RECORD_COLUMNS = (
    "id",
    "type",
    "regime",
    "status",
    "channel",
    "received_at",
    "acknowledged_at",
    "due_at",
    "extended_at",
    "verified",
    "response_at",
    "response",
    "denial_ground",
    "overdue",
)


def records_csv(items: list[dict[str, Any]]) -> str:
    """The CCPA §7101 record of requests as CSV (dates, nature, method, response, grounds)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RECORD_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({k: "" if item.get(k) is None else item.get(k) for k in RECORD_COLUMNS})
    return buffer.getvalue()
