"""`hygiene validate [--fix]`: record validation issues per subject and field; apply only safe normalisations.

Issues carry a field name, a code and a severity, never a value. `--fix` applies what hygiene.validate calls
safe (case, whitespace, E.164, canonical email, unambiguous dates, canonical codes), one audited change per
subject; a value that cannot be fixed safely is flagged and left as it is. Nothing is ever deleted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.ids import new_id
from compliance.policy.hygiene import policy_of
from compliance.stewardship.models import HygieneRun, ValidationIssue
from compliance.store.models import Subject
from compliance.subjects.lookup import tombstoned_fields
from compliance.subjects.shape import empty_profile, profile_of
from compliance.subjects.writer import write_subject
from hygiene.profile import PII_FIELDS

COMPLETENESS_FIELDS = (*PII_FIELDS, "channels")


def live_batches(svc, batch_size: int) -> Iterator[list[Subject]]:
    """Live subjects (not erased, not merged away) in id order, in batches, with their keys preloaded."""
    after = ""
    while True:
        rows = list(
            Subject.select()
            .where(Subject.erased_at.is_null() & Subject.merged_into.is_null() & (Subject.id > after))
            .order_by(Subject.id)
            .limit(batch_size)
        )
        if not rows:
            return
        svc.keyring.preload([r.id for r in rows])
        yield rows
        after = rows[-1].id


def _filled(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v not in (None, "") for v in value.values())
    return value not in (None, "", [])


def run(svc, actor: Actor, *, fix: bool = False) -> dict[str, Any]:
    """Validate every live subject, replace its recorded issues, optionally apply safe fixes."""
    from hygiene.validate import safe_fixes, validate_record

    actor.require("hygiene:run")
    policy = policy_of(svc)
    region = svc.policies.default_region
    today = svc.clock.now().date()
    run_id = new_id("run")
    started = svc.clock.now()
    with svc.transaction():
        HygieneRun.insert(
            id=run_id, kind="validate", dry_run=False, actor=actor.principal_id, started_at=started
        ).execute()
    records = fixed_subjects = fixed_fields = 0
    with_issues = 0
    by_code: Counter[str] = Counter()
    by_severity: Counter[str] = Counter()
    by_field: Counter[str] = Counter()
    filled: Counter[str] = Counter()
    for batch in live_batches(svc, policy.batch_size):
        rows = []
        with svc.transaction():
            for subject in batch:
                records += 1
                profile = profile_of(subject)
                if fix:
                    fixes = {k: v for k, v in safe_fixes(profile, region, today).items() if k in profile}
                    fixes = {k: v for k, v in fixes.items() if v != profile.get(k)}
                    # A fix must not turn a spelling into an erased person's identifier: such a field keeps
                    # its stored value (and its issue stays reported).
                    for name in tombstoned_fields(svc, {**empty_profile(), **fixes}):
                        fixes.pop(name.split(".", 1)[0], None)  # "channels.telegram" is a fix of channels
                    if fixes:
                        profile.update(fixes)
                        subject.updated_at = svc.clock.now()
                        write_subject(svc, subject, profile)
                        fixed_subjects += 1
                        fixed_fields += len(fixes)
                        svc.audit.record(
                            actor, AuditAction.HYGIENE_FIX, subject.id, details={"run": run_id, "fields": sorted(fixes)}
                        )
                for name in COMPLETENESS_FIELDS:
                    if _filled(profile.get(name)):
                        filled[name] += 1
                issues = validate_record(profile, region, today)
                seen: set[tuple[str, str]] = set()
                for issue in issues:
                    if (issue.field, issue.code) in seen:
                        continue
                    seen.add((issue.field, issue.code))
                    rows.append(
                        {
                            "subject_id": subject.id,
                            "field": issue.field[:64],
                            "code": issue.code[:64],
                            "severity": issue.severity,
                            "fixable": issue.fix is not None,
                            "run_id": run_id,
                            "created_at": started,
                        }
                    )
                    by_code[issue.code] += 1
                    by_severity[issue.severity] += 1
                    by_field[issue.field.split("[")[0]] += 1
                if seen:
                    with_issues += 1
            ids = [s.id for s in batch]
            ValidationIssue.delete().where(ValidationIssue.subject_id.in_(ids)).execute()
            for start in range(0, len(rows), 500):
                ValidationIssue.insert_many(rows[start : start + 500]).execute()
    # Issues of subjects that were erased or merged away since the last run are no longer relevant.
    with svc.transaction():
        stale = Subject.select(Subject.id).where(Subject.erased_at.is_null(False) | Subject.merged_into.is_null(False))
        ValidationIssue.delete().where(ValidationIssue.subject_id.in_(stale)).execute()
        metrics = {
            "completeness": {name: filled[name] for name in COMPLETENESS_FIELDS},
            "by_code": dict(sorted(by_code.items())),
            "by_severity": dict(sorted(by_severity.items())),
            "by_field": dict(sorted(by_field.items())),
            "subjects_with_issues": with_issues,
            "fixed_fields": fixed_fields,
        }
        total = sum(by_code.values())
        HygieneRun.update(
            finished_at=svc.clock.now(),
            status="done",
            records=records,
            issues=total,
            fixed=fixed_subjects,
            metrics=json.dumps(metrics, sort_keys=True),
        ).where(HygieneRun.id == run_id).execute()
        svc.audit.record(
            actor,
            AuditAction.HYGIENE_VALIDATE,
            run_id,
            details={"records": records, "issues": total, "fixed_subjects": fixed_subjects, "fix": fix},
        )
    return {
        "run": run_id,
        "records": records,
        "issues": total,
        "subjects_with_issues": with_issues,
        "fixed": fixed_subjects,
        "fixed_fields": fixed_fields,
        "by_severity": metrics["by_severity"],
        "by_code": metrics["by_code"],
    }


def issues(
    svc, actor: Actor, *, subject: str | None = None, code: str | None = None, after: int = 0, limit: int = 100
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of recorded issues (ids, fields and codes only); returns (items, last id when more follow)."""
    actor.require("hygiene:read")
    query = ValidationIssue.select().where(ValidationIssue.id > after)
    if subject:
        query = query.where(ValidationIssue.subject_id == subject)
    if code:
        query = query.where(ValidationIssue.code == code)
    rows = list(query.order_by(ValidationIssue.id).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "subject": r.subject_id,
            "field": r.field,
            "code": r.code,
            "severity": r.severity,
            "fixable": r.fixable,
            "run": r.run_id,
        }
        for r in rows
    ]
    return items, (rows[-1].id if more and rows else None)
