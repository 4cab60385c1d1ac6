"""Lifecycle segments and RFM from purchases, with the thresholds of policies/segments.yaml."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from compliance.ids import new_id
from compliance.store.models import Purchase, Subject
from compliance.subjects.profiles import upsert
from compliance.subjects.segments import segment_report


def _buy(svc, sid, amount, currency="RUB", days_ago=1, status="paid"):
    Purchase.create(
        id=new_id("pur"),
        subject=sid,
        amount=Decimal(amount),
        currency=currency,
        purchased_at=svc.clock.now() - timedelta(days=days_ago),
        status=status,
    )


def test_lifecycle_stages_and_figures(svc, admin):
    ids = {
        name: upsert(svc, admin, {"external_id": name})[0]
        for name in ("lead", "active", "regular", "vip", "dormant", "refunded")
    }
    _buy(svc, ids["active"], "1000")
    for days in (10, 40, 70):
        _buy(svc, ids["regular"], "2000", days_ago=days)
    _buy(svc, ids["vip"], "2000", currency="EUR", days_ago=5)  # 200 000 RUB at the policy rate
    _buy(svc, ids["dormant"], "5000", days_ago=400)
    _buy(svc, ids["dormant"], "5000", days_ago=500)
    _buy(svc, ids["refunded"], "9999", status="refunded")
    report = segment_report(svc, admin)
    life = report["lifecycle"]
    assert {k: v["count"] for k, v in life.items()} == {"lead": 2, "active": 1, "regular": 1, "vip": 1, "dormant": 1}
    assert life["regular"]["average_check"] == 2000.0 and life["regular"]["repeat_purchase_rate"] == 1.0
    assert life["vip"]["lifetime_value"] == 200000.0
    assert life["dormant"]["lifetime_value"] == 10000.0 and life["active"]["repeat_purchase_rate"] == 0.0
    assert Subject.get_by_id(ids["vip"]).lifecycle == "vip"
    scores = {row["score"]: row["count"] for row in report["rfm"]}
    assert scores["000"] == 2 and sum(scores.values()) == 6
