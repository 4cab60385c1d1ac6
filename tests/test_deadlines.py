"""Deadline tables per regime: month ends, leap years, weekends, Russian, US and Brazilian calendars."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from compliance.deadlines import (
    RegimeError,
    acknowledge_by,
    add_months,
    can_extend,
    due_date,
    extended_due,
    is_overdue,
    is_working_day,
    load_regimes,
    reminders_due,
)
from compliance.policies import SHIPPED

RULES = load_regimes(yaml.safe_load((SHIPPED / "regimes.yaml").read_text(encoding="utf-8")))
D = date


@pytest.mark.parametrize(
    "received,due",
    [
        (D(2027, 1, 31), D(2027, 2, 28)),  # clamped to the end of a shorter month
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), D(2028, 3, 29)),
        (D(2026, 3, 31), D(2026, 4, 30)),
        (D(2026, 11, 22), D(2026, 12, 22)),
        (D(2026, 12, 15), D(2027, 1, 15)),  # across the year end
    ],
)
def test_gdpr_one_month(received, due):
    assert due_date(RULES["gdpr"], "access", received) == due


def test_gdpr_extension_two_months_from_the_original_due_date():
    rule = RULES["gdpr"]
    original = due_date(rule, "erasure", D(2027, 1, 31))
    assert extended_due(rule, "erasure", D(2027, 1, 31), original) == D(2027, 4, 28)


@pytest.mark.parametrize(
    "received,due",
    [
        # 10 working days, Russian calendar: weekends, holidays and transferred days off are skipped.
        (D(2026, 11, 20), D(2026, 12, 4)),  # Fri -> two weeks later
        (D(2026, 11, 21), D(2026, 12, 4)),  # Sat: counting starts on Monday
        (D(2026, 12, 25), D(2027, 1, 19)),  # 1-8 January are holidays
        (D(2026, 12, 28), D(2027, 1, 20)),
        (D(2026, 10, 30), D(2026, 11, 16)),  # 4 November (Unity Day) skipped
        (D(2026, 2, 19), D(2026, 3, 6)),  # 23 February skipped
        (D(2026, 3, 5), D(2026, 3, 20)),  # 8 March on Sunday -> 9 March off
        (D(2026, 4, 29), D(2026, 5, 15)),  # 1 May and the 11 May (Victory Day observed) skipped
        (D(2026, 6, 5), D(2026, 6, 22)),  # 12 June skipped
    ],
)
def test_ru152_ten_working_days(received, due):
    assert due_date(RULES["ru152"], "access", received) == due


def test_ru152_extension_rectification_and_destruction():
    rule = RULES["ru152"]
    assert extended_due(rule, "access", D(2026, 11, 20), D(2026, 12, 4)) == D(2026, 12, 11)
    assert due_date(rule, "rectification", D(2026, 11, 20)) == D(2026, 12, 1)
    assert due_date(rule, "erasure", D(2026, 11, 20)) == D(2026, 12, 20)


@pytest.mark.parametrize(
    "received,due,ack",
    [
        (D(2026, 11, 20), D(2027, 1, 4), D(2026, 12, 8)),  # Thanksgiving and the day after (CA) skipped for the ack
        (D(2026, 12, 18), D(2027, 2, 1), D(2027, 1, 5)),  # Christmas and New Year skipped for the ack
    ],
)
def test_ccpa_45_days_and_10_business_day_acknowledgement(received, due, ack):
    rule = RULES["ccpa"]
    assert due_date(rule, "access", received) == due
    assert acknowledge_by(rule, received) == ack
    assert extended_due(rule, "access", received, due) == due.fromordinal(due.toordinal() + 45)


def test_ccpa_opt_out_15_business_days():
    assert due_date(RULES["ccpa"], "opt_out", D(2026, 11, 2)) == D(2026, 11, 24)  # 11 Nov and 26-27 Nov skipped


@pytest.mark.parametrize("received,due", [(D(2026, 11, 22), D(2026, 12, 7)), (D(2027, 2, 20), D(2027, 3, 7))])
def test_lgpd_fifteen_calendar_days_even_across_holidays(received, due):
    assert due_date(RULES["lgpd"], "access", received) == due
    assert not is_working_day(D(2027, 4, 21), "BR")  # Tiradentes: the calendar knows it, LGPD counts it anyway


def test_extension_once_and_only_before_the_due_date():
    rule = RULES["gdpr"]
    due = D(2026, 12, 22)
    assert can_extend(rule, False, D(2026, 12, 22), due) == (True, None)
    assert can_extend(rule, True, D(2026, 12, 1), due)[0] is False
    assert can_extend(rule, False, D(2026, 12, 23), due)[0] is False
    assert can_extend(RULES["lgpd"], False, D(2026, 12, 1), due)[0] is False


def test_reminders_and_overdue():
    rule = RULES["gdpr"]
    due = D(2026, 12, 22)
    assert reminders_due(rule, due, D(2026, 12, 15)) == [7]
    assert reminders_due(rule, due, D(2026, 12, 16)) == []
    assert not is_overdue(due, due) and is_overdue(due, D(2026, 12, 23))


def test_bad_regime_files_are_refused_with_the_key_named():
    with pytest.raises(RegimeError, match="regimes.x.respond.unit"):
        load_regimes({"regimes": {"x": {"respond": {"amount": 3, "unit": "fortnights"}}}})
    with pytest.raises(RegimeError, match="country is needed"):
        load_regimes({"regimes": {"x": {"respond": {"amount": 3, "unit": "working_days"}}}})


@given(
    st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    st.sampled_from(sorted(RULES)),
    st.integers(min_value=1, max_value=40),
)
def test_due_dates_are_after_receipt_and_monotone(received, regime, gap):
    rule = RULES[regime]
    later = date.fromordinal(received.toordinal() + gap)
    assert due_date(rule, "access", received) > received
    assert due_date(rule, "access", later) >= due_date(rule, "access", received)


def test_add_months_clamps():
    assert add_months(D(2026, 8, 31), 1) == D(2026, 9, 30)
