"""Retention (Art. 5(1)(e)): policies/retention.yaml rules applied by `consentry retention run [--dry-run]`.

The run first plans (which rows each rule selects), then applies exactly that plan; the dry-run prints the
same plan without applying it, so a dry-run's report equals the real run's effect on the same data.
Restricted subjects (Art. 18) are never touched and are reported as skipped.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from peewee import fn

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.consent.models import ConsentState
from compliance.dsar import ledger
from compliance.dsar.erasure import remove_records, shred, with_merged
from compliance.policy.loader import PolicyError
from compliance.store.models import Interaction, Purchase, Subject

APPLIES = ("subjects", "interactions", "requests")
ACTIONS = ("delete", "anonymise", "keep")
LIFECYCLES = ("lead", "active", "regular", "vip", "dormant")
HOLD_ACTIONS = ("detach", "keep")


def check_policy(data: dict[str, Any]) -> None:
    """Validate retention.yaml (raises PolicyError naming the rule and key)."""
    rules = data.get("rules")
    if not isinstance(rules, dict):
        raise PolicyError("retention.yaml: 'rules' must map rule ids to rules")
    for rid, spec in rules.items():
        where = f"retention.yaml: rules.{rid}"
        if not isinstance(spec, dict):
            raise PolicyError(f"{where} must be a mapping")
        if spec.get("applies_to") not in APPLIES:
            raise PolicyError(f"{where}.applies_to must be one of {', '.join(APPLIES)}")
        action = spec.get("action")
        if action not in ACTIONS:
            raise PolicyError(f"{where}.action must be one of {', '.join(ACTIONS)}")
        if action == "keep" and not spec.get("ground"):
            raise PolicyError(f"{where}.ground is required when data is kept")
        if spec["applies_to"] == "subjects" and action != "keep":
            months = spec.get("inactive_months")
            if not isinstance(months, int) or months <= 0:
                raise PolicyError(f"{where}.inactive_months must be a positive whole number")
            life = spec.get("lifecycle", list(LIFECYCLES))
            if not isinstance(life, list) or any(x not in LIFECYCLES for x in life):
                raise PolicyError(f"{where}.lifecycle must list lifecycles among {', '.join(LIFECYCLES)}")
        if spec["applies_to"] == "interactions" and action != "keep":
            months = spec.get("older_than_months")
            if not isinstance(months, int) or months <= 0:
                raise PolicyError(f"{where}.older_than_months must be a positive whole number")
            if action == "anonymise":
                raise PolicyError(f"{where}.action: interactions are deleted or kept")
        if spec["applies_to"] == "requests" and action != "keep":
            raise PolicyError(f"{where}.action: request records are kept (CCPA §7101)")
    backups = data.get("backups", {})
    days = backups.get("keep_days") if isinstance(backups, dict) else None
    if not isinstance(backups, dict) or (days is not None and (not isinstance(days, int) or days <= 0)):
        raise PolicyError("retention.yaml: backups.keep_days must be a positive whole number of days")
    holds = data.get("legal_holds", {})
    if not isinstance(holds, dict):
        raise PolicyError("retention.yaml: 'legal_holds' must map data categories to holds")
    for cat, spec in holds.items():
        where = f"retention.yaml: legal_holds.{cat}"
        if not isinstance(spec, dict) or not spec.get("ground"):
            raise PolicyError(f"{where}.ground (the legal ground for keeping) is required")
        if spec.get("action", "keep") not in HOLD_ACTIONS:
            raise PolicyError(f"{where}.action must be detach or keep")
        years = spec.get("years")
        if years is not None and (not isinstance(years, int) or years <= 0):
            raise PolicyError(f"{where}.years must be a positive whole number or null")


def _months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.44))


def _fingerprint(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:16]


def _subject_rule(svc, spec: dict[str, Any]) -> tuple[list[str], int]:
    """(subject ids the rule selects, restricted subjects it would have selected)."""
    cutoff = _months_ago(svc.clock.now(), int(spec["inactive_months"]))
    query = Subject.select(Subject.id, Subject.restricted, Subject.created_at, Subject.updated_at).where(
        Subject.erased_at.is_null()
        & Subject.merged_into.is_null()
        & Subject.lifecycle.in_(spec.get("lifecycle") or list(LIFECYCLES))
        & (Subject.created_at < cutoff)
        & (Subject.updated_at < cutoff)
    )
    rows = list(query)
    if not rows:
        return [], 0
    ids = [r.id for r in rows]
    recent: set[str] = set()
    consented: set[str] = set()
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        recent |= {
            p.subject_id
            for p in Purchase.select(Purchase.subject, fn.MAX(Purchase.purchased_at).alias("last"))
            .where(Purchase.subject.in_(chunk))
            .group_by(Purchase.subject)
            .having(fn.MAX(Purchase.purchased_at) >= cutoff)
        }
        if spec.get("without_consent"):
            consented |= {
                s.subject_id
                for s in ConsentState.select(ConsentState.subject_id).where(
                    ConsentState.subject_id.in_(chunk) & ConsentState.state.in_(["granted", "pending"])
                )
            }
    selected = [r for r in rows if r.id not in recent and r.id not in consented]
    restricted = sum(1 for r in selected if r.restricted)
    return sorted(r.id for r in selected if not r.restricted), restricted


def plan(svc) -> list[dict[str, Any]]:
    """What each rule selects now (ids included, for apply)."""
    rules = svc.policies.get("retention").get("rules") or {}
    out = []
    for rid, spec in rules.items():
        item: dict[str, Any] = {"rule": rid, "applies_to": spec["applies_to"], "action": spec["action"]}
        if spec["action"] == "keep":
            item.update(matched=0, ground=spec.get("ground"), ids=[])
        elif spec["applies_to"] == "subjects":
            ids, restricted = _subject_rule(svc, spec)
            item.update(matched=len(ids), skipped_restricted=restricted, ids=ids)
        else:  # interactions
            cutoff = _months_ago(svc.clock.now(), int(spec["older_than_months"]))
            ids = sorted(
                i.id
                for i in Interaction.select(Interaction.id)
                .join(Subject, on=(Interaction.subject == Subject.id))
                .where((Interaction.occurred_at < cutoff) & (Subject.restricted == False))  # noqa: E712
            )
            item.update(matched=len(ids), ids=ids)
        item["fingerprint"] = _fingerprint(item["ids"])
        out.append(item)
    return out


def _apply_subjects(svc, ids: list[str], action: str) -> None:
    for start in range(0, len(ids), 200):
        with svc.transaction():
            # Records merged into a person are that person: they go with it (their data key is still whole).
            batch = with_merged(ids[start : start + 200])
            for sid in batch:
                remove_records(svc, sid, holds=action == "delete")
                shred(svc, sid)
            # A backup taken before this run must not bring these people back (compliance.dsar.ledger).
            ledger.record(
                svc, [{"subject": sid, "reason": f"retention:{action}", "holds": action == "delete"} for sid in batch]
            )


def run(svc, actor: Actor, *, dry_run: bool = False) -> dict[str, Any]:
    """Apply the retention rules (or only report them with dry_run); the report lists counts per rule."""
    actor.require("retention:run")
    planned = plan(svc)
    if not dry_run:
        for item in planned:
            if item["action"] == "keep" or not item["ids"]:
                continue
            if item["applies_to"] == "subjects":
                _apply_subjects(svc, item["ids"], item["action"])
            elif item["applies_to"] == "interactions":
                for start in range(0, len(item["ids"]), 900):
                    with svc.transaction():
                        Interaction.delete().where(Interaction.id.in_(item["ids"][start : start + 900])).execute()
    report = {
        "dry_run": dry_run,
        "rules": [{k: v for k, v in item.items() if k != "ids"} for item in planned],
        "subjects": sum(i["matched"] for i in planned if i["applies_to"] == "subjects"),
        "interactions": sum(i["matched"] for i in planned if i["applies_to"] == "interactions"),
    }
    with svc.transaction():
        svc.audit.record(
            actor,
            AuditAction.RETENTION_RUN,
            "",
            details={
                "dry_run": dry_run,
                "subjects": report["subjects"],
                "interactions": report["interactions"],
                "rules": {i["rule"]: i["matched"] for i in planned},
            },
        )
    return report
