"""Lifecycle segments and RFM scores from purchases, with the thresholds of policies/segments.yaml."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from peewee import Case, fn

from compliance.access.actor import Actor
from compliance.store.models import Purchase, Subject

STAGES = ("lead", "active", "regular", "vip", "dormant")


@dataclass
class Stats:
    """Purchase statistics of one subject in the base currency."""

    orders: int = 0
    revenue: float = 0.0
    orders_12m: int = 0
    last: datetime | None = None


def _months_ago(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.4375))


def subject_stats(svc) -> dict[str, Stats]:
    """Paid-purchase statistics for every live subject (one grouped query)."""
    policy = svc.policies.get("segments")
    rates = {k: float(v) for k, v in policy["rates"].items()}
    year_ago = _months_ago(svc.clock.now(), 12)
    stats: dict[str, Stats] = defaultdict(Stats)
    query = (
        Purchase.select(
            Purchase.subject,
            Purchase.currency,
            fn.COUNT(Purchase.id).alias("n"),
            fn.SUM(Purchase.amount).alias("total"),
            fn.MAX(Purchase.purchased_at).alias("last"),
            fn.SUM(Case(None, [((Purchase.purchased_at >= year_ago), 1)], 0)).alias("n12"),
        )
        .where((Purchase.status == "paid") & Purchase.subject.is_null(False))
        .group_by(Purchase.subject, Purchase.currency)
        .tuples()
    )
    for subject_id, currency, n, total, last, n12 in query:
        item = stats[subject_id]
        item.orders += int(n)
        item.orders_12m += int(n12 or 0)
        item.revenue += float(Decimal(str(total or 0))) * rates.get(currency, 0.0)
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        if last is not None and (item.last is None or last > item.last):
            item.last = last
    return stats


def stage_of(item: Stats | None, now: datetime, policy: dict[str, Any]) -> str:
    """The lifecycle stage of one subject."""
    life = policy["lifecycle"]
    if item is None or item.orders == 0:
        return "lead"
    if item.last is not None and item.last < _months_ago(now, int(life["dormant_after_months"])):
        return "dormant"
    if item.revenue >= float(life["vip_min_lifetime_value"]):
        return "vip"
    if item.orders_12m >= int(life["regular_min_purchases_12m"]):
        return "regular"
    return "active"


def _score(value: float, thresholds: list[float], higher_is_better: bool = True) -> int:
    score = 1
    for threshold in thresholds:
        if (value >= threshold) if higher_is_better else (value <= threshold):
            score += 1
    return score


def rfm_of(item: Stats | None, now: datetime, policy: dict[str, Any]) -> str:
    """RFM score as three digits 1-5 (recency, frequency, monetary); '000' for leads."""
    if item is None or item.orders == 0 or item.last is None:
        return "000"
    rfm = policy["rfm"]
    days = (now - item.last).days
    return (
        f"{_score(days, rfm['recency_days'], higher_is_better=False)}"
        f"{_score(item.orders, rfm['frequency'])}{_score(item.revenue, rfm['monetary'])}"
    )


def refresh_lifecycle(svc) -> dict[str, str]:
    """Recompute and store every live subject's lifecycle stage; return id -> stage."""
    policy = svc.policies.get("segments")
    now = svc.clock.now()
    stats = subject_stats(svc)
    stages: dict[str, str] = {}
    live = Subject.select(Subject.id, Subject.lifecycle).where(
        Subject.erased_at.is_null() & Subject.merged_into.is_null()
    )
    changes: dict[str, list[str]] = defaultdict(list)
    for subject in live:
        stage = stage_of(stats.get(subject.id), now, policy)
        stages[subject.id] = stage
        if stage != subject.lifecycle:
            changes[stage].append(subject.id)
    with svc.transaction():
        for stage, ids in changes.items():
            for start in range(0, len(ids), 500):
                Subject.update(lifecycle=stage).where(Subject.id.in_(ids[start : start + 500])).execute()
    return stages


def segment_report(svc, actor: Actor) -> dict[str, Any]:
    """Per lifecycle stage: count, average check, repeat-purchase rate, lifetime value; plus RFM counts."""
    actor.require("subjects:segments")
    policy = svc.policies.get("segments")
    now = svc.clock.now()
    stats = subject_stats(svc)
    stages = refresh_lifecycle(svc)
    rows: dict[str, dict[str, float]] = {s: {"count": 0, "orders": 0, "revenue": 0.0, "repeaters": 0} for s in STAGES}
    rfm: Counter[str] = Counter()
    for subject_id, stage in stages.items():
        item = stats.get(subject_id)
        row = rows[stage]
        row["count"] += 1
        if item:
            row["orders"] += item.orders
            row["revenue"] += item.revenue
            row["repeaters"] += 1 if item.orders >= 2 else 0
        rfm[rfm_of(item, now, policy)] += 1
    out = {}
    for stage, row in rows.items():
        count = row["count"]
        out[stage] = {
            "count": int(count),
            "average_check": round(row["revenue"] / row["orders"], 2) if row["orders"] else 0.0,
            "repeat_purchase_rate": round(row["repeaters"] / count, 4) if count else 0.0,
            "lifetime_value": round(row["revenue"] / count, 2) if count else 0.0,
        }
    svc.audit.record(actor, "subject.segments", "", details={"subjects": len(stages)})
    return {
        "currency": policy["base_currency"],
        "lifecycle": out,
        "rfm": [{"score": k, "count": v} for k, v in sorted(rfm.items(), key=lambda kv: (-kv[1], kv[0]))],
    }
