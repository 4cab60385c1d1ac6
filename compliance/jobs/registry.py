"""Every job the scheduler can run, by name: an explicit table of service calls (a moved module is an ImportError).

A job function takes (services, actor, options from schedule.yaml) and returns small JSON-ready counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.access.actor import Actor
from compliance.audit import service as audit_service
from compliance.dsar import reminders as dsar_reminders
from compliance.keys import rotation
from compliance.retention import rules as retention
from compliance.stewardship import dedupe, validation


def _validate(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    return validation.run(svc, actor, fix=bool(options.get("fix", False)))


def _dedupe(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    return dedupe.run(svc, actor, dry_run=bool(options.get("dry_run", False)))


def _retention(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    result = retention.run(svc, actor, dry_run=bool(options.get("dry_run", False)))
    return result if isinstance(result, dict) else {"result": str(result)}


def _request_reminders(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    sent = dsar_reminders.send_reminders(svc, actor)
    return {"reminders": len(sent)}


def _audit_checkpoint(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    out = audit_service.checkpoint(svc, actor)
    return {"size": out["size"], "file": out["file"]}


def _key_rotation(svc, actor: Actor, options: dict[str, Any]) -> dict[str, Any]:
    return rotation.scheduled(svc, actor, rotate_days=int(options.get("rotate_days", 30)))


JobFunc = Callable[[Any, Actor, dict[str, Any]], dict[str, Any]]
JOBS: dict[str, JobFunc] = {
    "validate": _validate,
    "dedupe": _dedupe,
    "retention": _retention,
    "request_reminders": _request_reminders,
    "audit_checkpoint": _audit_checkpoint,
    "key_rotation": _key_rotation,
}
