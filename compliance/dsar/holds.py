"""Legal holds (retention.yaml `legal_holds`): what an erasure must keep, in which form, on which ground."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from compliance.store.models import Purchase


def legal_holds(svc) -> dict[str, Any]:
    """Data category -> its hold ({years, ground}) as retention.yaml lists them."""
    return dict(svc.policies.get("retention").get("legal_holds") or {})


def apply_purchase_hold(svc, subject_id: str, *, keep_held: bool = True) -> dict[str, Any]:
    """Detach purchases inside the legal hold from the person (kept for tax law); delete older ones."""
    hold = legal_holds(svc).get("purchases") or {}
    years = hold.get("years")
    now = svc.clock.now()
    held = 0
    if keep_held and years:
        since = now - timedelta(days=int(years) * 366)
        held = (
            Purchase.update(subject=None, detached_at=now)
            .where((Purchase.subject == subject_id) & (Purchase.purchased_at >= since))
            .execute()
        )
    deleted = Purchase.delete().where(Purchase.subject == subject_id).execute()
    return {
        "purchases_detached": int(held),
        "purchases_deleted": int(deleted),
        "ground": hold.get("ground") if held else None,
        "until": (now + timedelta(days=int(years) * 366)).date().isoformat() if held and years else None,
    }
