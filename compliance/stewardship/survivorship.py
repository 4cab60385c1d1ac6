"""Survivorship of a merge: which values of two records the surviving profile keeps, and dropping tombstoned ones."""

from __future__ import annotations

from typing import Any

from compliance.policy.hygiene import policy_of
from compliance.store.models import Subject
from compliance.subjects.shape import profile_of
from hygiene.identifiers import email_key
from hygiene.phones import phone_key
from hygiene.profile import LIST_FIELDS
from hygiene.survivorship import survive


def _rules(svc) -> dict[str, Any]:
    return {
        "source_priority": list(policy_of(svc).source_priority),
        "default_region": svc.policies.default_region,
        "today": svc.clock.now().date(),
    }


def survive_profiles(svc, survivor: Subject, loser: Subject) -> dict[str, Any]:
    """The merged flat profile of two subjects, by hygiene.survivorship (the survivor's record listed first)."""
    records = []
    for subject in (survivor, loser):
        profile = profile_of(subject)
        records.append(
            {
                **profile,
                "id": subject.id,
                "source": subject.source,
                "updated_at": subject.updated_at.isoformat(),
                "created_at": subject.created_at.isoformat(),
            }
        )
    merged = survive(records, _rules(svc))
    out = profile_of(survivor)
    for key in out:
        if key in merged:
            out[key] = merged[key]
    # Identifiers are never lost in a merge: every value of both records is kept (once), survivor's first.
    region = svc.policies.default_region
    folds = {"emails": email_key, "phones": lambda v: phone_key(v, region) or v, "external_ids": lambda v: v}
    for key in LIST_FIELDS:
        values = list(out.get(key) or [])
        seen = {folds[key](v) for v in values}
        for record in records:
            for value in record.get(key) or []:
                if folds[key](value) not in seen:
                    seen.add(folds[key](value))
                    values.append(value)
        out[key] = values
    # Channel handles fill gaps from the loser; custom fields too (the survivor's own win).
    for key in ("channels", "custom"):
        combined = dict(records[1].get(key) or {})
        combined.update({k: v for k, v in (records[0].get(key) or {}).items() if v not in (None, "")})
        if key == "channels":
            combined.update({k: v for k, v in (out.get(key) or {}).items() if v not in (None, "")})
        out[key] = combined
    return out


def drop_identifiers(profile: dict[str, Any], dropped: set[tuple[str, str]]) -> int:
    """Remove tombstoned identifiers from a profile; return how many were removed."""
    if not dropped:
        return 0
    count = 0
    for key, kind in (("emails", "email"), ("phones", "phone"), ("external_ids", "external")):
        keep = [v for v in profile.get(key) or [] if (kind, v) not in dropped]
        count += len(profile.get(key) or []) - len(keep)
        profile[key] = keep
    channels = {}
    for name, handle in (profile.get("channels") or {}).items():
        if (f"channel:{name}", handle) in dropped:
            count += 1
        else:
            channels[name] = handle
    profile["channels"] = channels
    return count
