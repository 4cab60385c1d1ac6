"""Deadline tables per regime, computed by hand: month ends, leap years, weekends, RU/US/BR calendars.

Calendars are those of the installed `holidays` package (checked before asserting):
RU 2026: 1-8 Jan off, 9 Jan off (moved from Sat 3 Jan), 23 Feb Mon, 8 Mar Sun -> 9 Mar off, 1 May Fri,
  9 May Sat -> 11 May off, 12 Jun Fri, 4 Nov Wed, 31 Dec Thu off (moved from Sun 4 Jan).
RU 2027: 1-8 Jan off, Sat 20 Feb is a WORKING day and Mon 22 Feb is off (transfer), 23 Feb Tue, 8 Mar Mon.
RU 2025: Sat 1 Nov is a WORKING day, Mon 3 Nov off (transfer), 4 Nov Tue.
US-CA 2026: Thanksgiving Thu 26 Nov and the day after (Fri 27 Nov), Christmas Fri 25 Dec; 2027: 1 Jan Fri.
BR 2026: Good Friday 3 Apr, Tiradentes Tue 21 Apr, Zumbi Fri 20 Nov.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.dsar.calendars import (
    DeadlineError,
    Period,
    add_months,
    add_period,
    business_days_between,
    is_working_day,
)
from compliance.dsar.deadlines import (
    EXTENSION_REFUSALS,
    acknowledge_by,
    can_extend,
    days_left,
    due_date,
    extended_due,
    is_overdue,
    lookback_start,
    reminders_due,
)
from compliance.dsar.regimes import REQUEST_TYPES, RegimeError, check_policy, load_regimes
from compliance.errors import ConsentryError
from compliance.policy.loader import SHIPPED, PolicyError

RAW = yaml.safe_load((SHIPPED / "regimes.yaml").read_text(encoding="utf-8"))
RULES = load_regimes(RAW)
GDPR, CCPA, RU, LGPD = RULES["gdpr"], RULES["ccpa"], RULES["ru152"], RULES["lgpd"]
D = date


def test_shipped_file_has_the_four_regimes_and_passes_the_policy_check():
    assert set(RULES) == {"gdpr", "ccpa", "ru152", "lgpd"}
    check_policy(RAW)


# --- the calendars themselves (look before asserting) ------------------------------------------------


@pytest.mark.parametrize(
    "day,country,subdiv,working",
    [
        (D(2026, 1, 5), "RU", None, False),  # Mon, New Year holidays
        (D(2026, 1, 9), "RU", None, False),  # Fri, day off moved from Sat 3 Jan
        (D(2026, 1, 12), "RU", None, True),  # Mon, first working day of 2026
        (D(2026, 2, 23), "RU", None, False),  # Defender of the Fatherland Day
        (D(2026, 3, 9), "RU", None, False),  # 8 March fell on Sunday
        (D(2026, 5, 11), "RU", None, False),  # 9 May fell on Saturday
        (D(2026, 6, 12), "RU", None, False),
        (D(2026, 11, 4), "RU", None, False),
        (D(2026, 12, 31), "RU", None, False),  # Thu, day off moved from Sun 4 Jan
        (D(2027, 2, 20), "RU", None, True),  # Saturday made a working day by the transfer decree
        (D(2027, 2, 22), "RU", None, False),  # ... in exchange for Monday
        (D(2025, 11, 1), "RU", None, True),  # Saturday made a working day
        (D(2025, 11, 3), "RU", None, False),
        (D(2026, 11, 26), "US", "CA", False),  # Thanksgiving
        (D(2026, 11, 27), "US", "CA", False),  # day after Thanksgiving: a California state holiday
        (D(2026, 12, 24), "US", "CA", True),  # Christmas Eve is a business day
        (D(2026, 12, 25), "US", "CA", False),
        (D(2026, 4, 3), "BR", None, False),  # Good Friday
        (D(2026, 4, 21), "BR", None, False),  # Tiradentes
        (D(2026, 4, 20), "BR", None, True),
        (D(2026, 11, 20), "BR", None, False),  # Zumbi / Black Awareness Day
        (D(2026, 11, 21), "BR", None, False),  # Saturday
        (D(2026, 11, 21), None, None, False),  # no country: weekdays only
        (D(2026, 12, 25), None, None, True),
    ],
)
def test_working_day_calendars(day, country, subdiv, working):
    assert is_working_day(day, country, subdiv) is working


# --- GDPR: one month, clamp to the end of a shorter month ----------------------------------------------


@pytest.mark.parametrize(
    "received,due",
    [
        (D(2027, 1, 15), D(2027, 2, 15)),  # same date next month
        (D(2027, 1, 31), D(2027, 2, 28)),  # no 31 Feb: last day of February (2027 is not a leap year)
        (D(2028, 1, 31), D(2028, 2, 29)),  # leap year: 29 Feb
        (D(2027, 1, 30), D(2027, 2, 28)),  # 30 Jan clamps too
        (D(2027, 1, 29), D(2027, 2, 28)),  # 29 Jan clamps in a common year ...
        (D(2028, 1, 29), D(2028, 2, 29)),  # ... but not in a leap year
        (D(2028, 2, 29), D(2028, 3, 29)),  # receipt on 29 Feb: 29 Mar, not the end of March
        (D(2027, 2, 28), D(2027, 3, 28)),  # end of February is not "end of month" -> 28 Mar
        (D(2027, 3, 31), D(2027, 4, 30)),  # 31 -> 30-day month
        (D(2027, 4, 30), D(2027, 5, 30)),  # 30 -> 31-day month keeps the 30th
        (D(2027, 5, 31), D(2027, 6, 30)),
        (D(2027, 8, 31), D(2027, 9, 30)),
        (D(2027, 12, 31), D(2028, 1, 31)),  # across the year end
        (D(2026, 11, 27), D(2026, 12, 27)),  # Friday receipt: calendar months ignore weekends
        (D(2026, 11, 28), D(2026, 12, 28)),  # Saturday receipt
    ],
)
def test_gdpr_one_month(received, due):
    assert due_date(GDPR, "access", received) == due
    assert acknowledge_by(GDPR, received) is None


@pytest.mark.parametrize(
    "received,original,extended",
    [
        # Two months from the original due date (not three from receipt): 28 Feb -> 28 Apr, two days earlier
        # than 31 Jan + 3 months = 30 Apr; the earlier date is the safe reading.
        (D(2027, 1, 31), D(2027, 2, 28), D(2027, 4, 28)),
        (D(2028, 1, 31), D(2028, 2, 29), D(2028, 4, 29)),
        (D(2027, 3, 31), D(2027, 4, 30), D(2027, 6, 30)),
        (D(2027, 11, 30), D(2027, 12, 30), D(2028, 2, 29)),  # 30 Feb 2028 does not exist: clamp to 29
    ],
)
def test_gdpr_extension_two_months_from_the_original_due_date(received, original, extended):
    assert due_date(GDPR, "erasure", received) == original
    assert extended_due(GDPR, "erasure", received, original) == extended


# --- CCPA: 45 calendar days, 10 business-day acknowledgement, opt-out 15 business days ------------------


@pytest.mark.parametrize(
    "received,ack,due",
    [
        # Fri 20 Nov 2026. Ack: Mon 23 (1), Tue 24 (2), Wed 25 (3), Thu 26 + Fri 27 holidays, Mon 30 (4),
        # Tue 1 Dec (5), Wed 2 (6), Thu 3 (7), Fri 4 (8), Mon 7 (9), Tue 8 (10).
        # Due: 20 Nov + 45 = 30 Nov (+10), 31 Dec (+41), 4 Jan (+45).
        (D(2026, 11, 20), D(2026, 12, 8), D(2027, 1, 4)),
        # Sat 21 Nov: counting starts Monday, same ack as the Friday receipt; due 21 Nov + 45 = 5 Jan.
        (D(2026, 11, 21), D(2026, 12, 8), D(2027, 1, 5)),
        # Fri 18 Dec 2026. Ack: Mon 21 (1), Tue 22 (2), Wed 23 (3), Thu 24 (4), Fri 25 Christmas,
        # Mon 28 (5), Tue 29 (6), Wed 30 (7), Thu 31 (8), Fri 1 Jan New Year, Mon 4 (9), Tue 5 (10).
        # Due: 18 Dec + 13 = 31 Dec, + 32 more = 1 Feb 2027.
        (D(2026, 12, 18), D(2027, 1, 5), D(2027, 2, 1)),
        # Sat 31 Jan 2026: 45 days -> 17 Mar (28 to the end of February, 17 more). Ack: Mon 2 Feb (1) ...
        # Fri 13 Feb (10); Presidents' Day is Mon 16 Feb, after the ack.
        (D(2026, 1, 31), D(2026, 2, 13), D(2026, 3, 17)),
    ],
)
def test_ccpa_ack_and_45_days(received, ack, due):
    assert acknowledge_by(CCPA, received, "access") == ack
    assert due_date(CCPA, "access", received) == due
    # +45 calendar days from the original due date = 90 days from receipt in total.
    assert extended_due(CCPA, "access", received, due) == received + timedelta(days=90)


@pytest.mark.parametrize(
    "received,due",
    [
        # Mon 16 Nov 2026: Tue 17 .. Fri 20 (4), Mon 23 .. Wed 25 (7), Thanksgiving Thu 26 + Fri 27 off,
        # Mon 30 (8), Tue 1 Dec .. Fri 4 (12), Mon 7 (13), Tue 8 (14), Wed 9 (15).
        (D(2026, 11, 16), D(2026, 12, 9)),
        # Mon 2 Nov 2026: Tue 3 .. Fri 6 (4), Mon 9, Tue 10 (6), Veterans Day Wed 11 off, Thu 12, Fri 13 (8),
        # Mon 16 .. Fri 20 (13), Mon 23 (14), Tue 24 (15).
        (D(2026, 11, 2), D(2026, 11, 24)),
        # Fri 11 Dec 2026: Mon 14 .. Fri 18 (5), Mon 21 .. Thu 24 (9), Christmas off, Mon 28 .. Thu 31 (13),
        # 1 Jan off, Mon 4 (14), Tue 5 Jan 2027 (15).
        (D(2026, 12, 11), D(2027, 1, 5)),
    ],
)
def test_ccpa_opt_out_15_business_days_no_ack_no_extension(received, due):
    assert due_date(CCPA, "opt_out", received) == due
    assert acknowledge_by(CCPA, received, "opt_out") is None
    assert can_extend(CCPA, False, received, due, request_type="opt_out", reason="volume") == (
        False,
        EXTENSION_REFUSALS["type_not_extendable"],
    )
    with pytest.raises(DeadlineError, match="cannot be extended"):
        extended_due(CCPA, "opt_out", received, due)


@pytest.mark.parametrize(
    "received,beyond,start",
    [
        (D(2026, 11, 20), False, D(2025, 11, 20)),  # the 12 months before receipt
        (D(2028, 2, 29), False, D(2027, 2, 28)),  # 29 Feb minus 12 months clamps to 28 Feb
        (D(2022, 6, 1), False, D(2022, 1, 1)),  # never before the floor
        (D(2026, 11, 20), True, D(2022, 1, 1)),  # on request: back to the floor
    ],
)
def test_ccpa_lookback(received, beyond, start):
    assert lookback_start(CCPA, received, beyond_default=beyond) == start
    assert lookback_start(GDPR, received) is None  # no statutory lookback


# --- 152-FZ: 10 working days on the Russian calendar ---------------------------------------------------


@pytest.mark.parametrize(
    "received,due",
    [
        # Fri 9 Oct 2026: Mon 12 .. Fri 16 (5), Mon 19 .. Fri 23 (10).
        (D(2026, 10, 9), D(2026, 10, 23)),
        (D(2026, 10, 10), D(2026, 10, 23)),  # Saturday: counting starts Monday -> same as Friday
        (D(2026, 10, 11), D(2026, 10, 23)),  # Sunday: likewise
        (D(2026, 10, 12), D(2026, 10, 26)),  # Monday: Tue 13 (1) .. Mon 26 (10)
        # Fri 25 Dec 2026: Mon 28, Tue 29, Wed 30 (3); Thu 31 Dec off; 1-8 Jan off; Sat 9, Sun 10;
        # Mon 11 .. Fri 15 (8), Mon 18 (9), Tue 19 Jan 2027 (10).
        (D(2026, 12, 25), D(2027, 1, 19)),
        # Mon 5 Jan 2026, a holiday: 6-8 Jan off, Fri 9 Jan off (transfer), weekend; Mon 12 (1) .. Fri 16 (5),
        # Mon 19 .. Fri 23 (10).
        (D(2026, 1, 5), D(2026, 1, 23)),
        # Fri 20 Feb 2026: Mon 23 Feb off; Tue 24 .. Fri 27 (4), Mon 2 .. Fri 6 Mar (9), Mon 9 Mar off
        # (8 March on Sunday), Tue 10 Mar (10).
        (D(2026, 2, 20), D(2026, 3, 10)),
        # Thu 30 Apr 2026: Fri 1 May off; Mon 4 .. Fri 8 (5); Sat 9 May; Mon 11 off (Victory Day observed);
        # Tue 12 .. Fri 15 (9), Mon 18 May (10).
        (D(2026, 4, 30), D(2026, 5, 18)),
        # Wed 10 Jun 2026: Thu 11 (1), Fri 12 Jun off, Mon 15 .. Fri 19 (6), Mon 22 .. Thu 25 (10).
        (D(2026, 6, 10), D(2026, 6, 25)),
        # Mon 2 Nov 2026: Tue 3 (1), Wed 4 Nov off, Thu 5, Fri 6 (3), Mon 9 .. Fri 13 (8), Mon 16, Tue 17 (10).
        (D(2026, 11, 2), D(2026, 11, 17)),
        # Transfer decree 2027: Thu 18 Feb: Fri 19 (1), Sat 20 WORKING (2), Mon 22 + Tue 23 off,
        # Wed 24 .. Fri 26 (5), Mon 1 .. Fri 5 Mar (10). Without the working Saturday it would be Tue 9 Mar.
        (D(2027, 2, 18), D(2027, 3, 5)),
        # Receipt on the working Saturday 20 Feb 2027 itself: Wed 24 .. Fri 26 (3), Mon 1 .. Fri 5 Mar (8),
        # Mon 8 Mar off, Tue 9 (9), Wed 10 Mar (10).
        (D(2027, 2, 20), D(2027, 3, 10)),
        # Transfer decree 2025: Fri 31 Oct: Sat 1 Nov WORKING (1), Mon 3 + Tue 4 off, Wed 5 .. Fri 7 (4),
        # Mon 10 .. Fri 14 (9), Mon 17 Nov (10).
        (D(2025, 10, 31), D(2025, 11, 17)),
    ],
)
def test_ru152_ten_working_days(received, due):
    assert due_date(RU, "access", received) == due
    assert due_date(RU, "objection", received) == due  # demand to stop processing: same 10 working days


def test_ru152_extension_and_other_request_types():
    # Access received Fri 9 Oct 2026, due Fri 23 Oct; +5 working days: Mon 26 .. Fri 30 Oct.
    assert extended_due(RU, "access", D(2026, 10, 9), D(2026, 10, 23)) == D(2026, 10, 30)
    # Extension across 4 November: due Mon 2 Nov -> Tue 3 (1), Wed 4 off, Thu 5, Fri 6 (3), Mon 9, Tue 10 (5).
    assert extended_due(RU, "access", D(2026, 10, 16), D(2026, 11, 2)) == D(2026, 11, 10)
    # Rectification 7 working days from Fri 20 Feb 2026: Tue 24 .. Fri 27 (4), Mon 2 .. Wed 4 Mar (7).
    assert due_date(RU, "rectification", D(2026, 2, 20)) == D(2026, 3, 4)
    assert due_date(RU, "erasure", D(2026, 2, 20)) == D(2026, 3, 4)
    # Consent withdrawal: destruction within 30 calendar days, holidays included: 25 Dec + 30 = 24 Jan.
    assert due_date(RU, "consent_withdrawal", D(2026, 12, 25)) == D(2027, 1, 24)
    assert can_extend(RU, False, D(2026, 3, 1), D(2026, 3, 4), request_type="rectification", reason="x") == (
        False,
        EXTENSION_REFUSALS["type_not_extendable"],
    )


def test_working_day_due_dates_are_working_days_and_counted_by_business_days_between():
    for received in (D(2026, 12, 25), D(2027, 2, 18), D(2025, 10, 31)):
        due = due_date(RU, "access", received)
        assert is_working_day(due, "RU")
        assert business_days_between(received, due, "RU") == 10
    assert business_days_between(D(2026, 11, 20), D(2026, 12, 8), "US", "CA") == 10
    assert business_days_between(D(2026, 12, 8), D(2026, 11, 20), "US", "CA") == 0


# --- LGPD: 15 calendar days, Brazilian holidays do not matter ------------------------------------------


@pytest.mark.parametrize(
    "received,due",
    [
        (D(2026, 4, 6), D(2026, 4, 21)),  # due on Tiradentes: calendar days, no move to the next working day
        (D(2026, 4, 2), D(2026, 4, 17)),  # Good Friday 3 Apr inside the period still counts
        (D(2026, 4, 4), D(2026, 4, 19)),  # Saturday receipt, due on a Sunday
        (D(2026, 12, 20), D(2027, 1, 4)),  # across Christmas and New Year
        (D(2028, 2, 20), D(2028, 3, 6)),  # leap year: 29 Feb counts (9 days to 29 Feb, 6 more)
    ],
)
def test_lgpd_fifteen_calendar_days(received, due):
    assert due_date(LGPD, "access", received) == due
    assert can_extend(LGPD, False, received, due, reason="volume") == (False, EXTENSION_REFUSALS["no_extension"])
    with pytest.raises(DeadlineError):
        extended_due(LGPD, "access", received, due)


# --- extension: once, on or before the due date, with a reason -----------------------------------------


@pytest.mark.parametrize(
    "rule,already,today,reason,expected",
    [
        (GDPR, False, D(2027, 2, 1), "complex request", (True, None)),
        (GDPR, False, D(2027, 2, 28), "complex request", (True, None)),  # on the due date itself: allowed
        (GDPR, False, D(2027, 3, 1), "complex request", (False, "past_due")),  # the day after: refused
        (GDPR, True, D(2027, 2, 1), "complex request", (False, "already_extended")),  # second time: refused
        (GDPR, False, D(2027, 2, 1), "", (False, "reason_required")),
        (GDPR, False, D(2027, 2, 1), "   ", (False, "reason_required")),
        (GDPR, False, D(2027, 2, 1), None, (True, None)),  # None: the caller has checked the reason
        (CCPA, False, D(2027, 2, 1), "many systems", (True, None)),
        (RU, True, D(2027, 2, 1), "many systems", (False, "already_extended")),
        (LGPD, False, D(2027, 2, 1), "many systems", (False, "no_extension")),
    ],
)
def test_can_extend(rule, already, today, reason, expected):
    original_due = D(2027, 2, 28)
    ok, code = expected
    assert can_extend(rule, already, today, original_due, request_type="access", reason=reason) == (
        ok,
        EXTENSION_REFUSALS[code] if code else None,
    )


def test_can_extend_keeps_the_four_argument_form():
    # decisions.extend calls can_extend(rule, extended, today, original_due) after checking the reason itself.
    assert can_extend(GDPR, False, D(2027, 2, 1), D(2027, 2, 28)) == (True, None)
    assert can_extend(GDPR, True, D(2027, 2, 1), D(2027, 2, 28)) == (False, EXTENSION_REFUSALS["already_extended"])
    assert issubclass(DeadlineError, ConsentryError)  # api/ answers 409 with the message, not 500


# --- reminders and overdue -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today,since,offsets",
    [
        (D(2027, 2, 14), None, [14]),  # GDPR reminders [14, 7, 3, 1]; due 28 Feb
        (D(2027, 2, 21), None, [7]),
        (D(2027, 2, 22), None, []),
        (D(2027, 2, 25), None, [3]),
        (D(2027, 2, 27), None, [1]),
        (D(2027, 2, 28), None, []),  # the due date itself: no offset 0 configured
        (D(2027, 3, 1), None, []),  # overdue: is_overdue takes over
        (D(2027, 2, 26), D(2027, 2, 20), [7, 3]),  # the job missed 21-25 Feb: both reminders are caught up
        (D(2027, 2, 26), D(2027, 2, 25), []),  # 25 Feb already ran and sent 3
    ],
)
def test_reminders(today, since, offsets):
    assert reminders_due(GDPR, D(2027, 2, 28), today, since=since) == offsets


def test_overdue_and_days_left():
    due = D(2027, 2, 28)
    assert not is_overdue(due, due) and is_overdue(due, D(2027, 3, 1))
    assert not is_overdue(due, D(2027, 2, 1))
    assert (days_left(due, D(2027, 2, 21)), days_left(due, due), days_left(due, D(2027, 3, 2))) == (7, 0, -2)


# --- bad input -----------------------------------------------------------------------------------------


def _with(regime: str, **changes):
    data = yaml.safe_load(yaml.safe_dump(RAW))
    data["regimes"][regime].update(changes)
    return data


@pytest.mark.parametrize(
    "data,where",
    [
        ({}, "regimes"),
        (_with("gdpr", respond={"amount": 3, "unit": "fortnights"}), "regimes.gdpr.respond.unit"),
        (_with("gdpr", respond={"amount": 0, "unit": "days"}), "regimes.gdpr.respond.amount"),
        (_with("gdpr", respond={"amount": True, "unit": "days"}), "regimes.gdpr.respond.amount"),
        (_with("gdpr", respond=None), "regimes.gdpr.respond"),
        (_with("gdpr", respond={"amount": 10, "unit": "working_days"}), "regimes.gdpr.respond.unit"),
        (_with("gdpr", extention={"amount": 2, "unit": "months"}), "regimes.gdpr.extention"),  # typo
        (_with("lgpd", country="XX"), "regimes.lgpd.country"),
        (_with("ccpa", subdiv="ZZ"), "regimes.ccpa.subdiv"),
        (_with("gdpr", subdiv="CA"), "regimes.gdpr.subdiv"),
        (_with("gdpr", reminders=[7, 7]), "regimes.gdpr.reminders"),
        (_with("gdpr", reminders=[-1]), "regimes.gdpr.reminders"),
        (_with("gdpr", extension_requires_reason="yes"), "regimes.gdpr.extension_requires_reason"),
        (_with("ccpa", lookback_floor="01/01/2022"), "regimes.ccpa.lookback_floor"),
        (_with("ccpa", lookback_months=0), "regimes.ccpa.lookback_months"),
        (
            _with("ru152", overrides={"rectificaton": {"respond": {"amount": 7, "unit": "working_days"}}}),
            "regimes.ru152.overrides.rectificaton",
        ),
        (
            _with("ru152", overrides={"rectification": {"respond": {"amount": 7, "unit": "working_days"}}}),
            "regimes.ru152.overrides.rectification",
        ),
        (
            _with(
                "lgpd",
                overrides={
                    "access": {"respond": {"amount": 7, "unit": "days"}, "extendable": True, "acknowledge": False}
                },
            ),
            "regimes.lgpd.overrides.access.extendable",
        ),
    ],
)
def test_bad_regime_files_are_refused_naming_regime_and_key(data, where):
    with pytest.raises(RegimeError, match=f"regimes.yaml: {where}:"):
        load_regimes(data)


def test_missing_required_key_and_error_is_a_policy_error():
    data = yaml.safe_load(yaml.safe_dump(RAW))
    del data["regimes"]["lgpd"]["extension"]
    with pytest.raises(PolicyError, match="regimes.lgpd.extension: is required"):
        check_policy(data)


def test_bad_calls_are_refused():
    with pytest.raises(DeadlineError, match="unknown request type"):
        due_date(GDPR, "acess", D(2027, 1, 1))
    with pytest.raises(TypeError, match="local date"):
        due_date(GDPR, "access", datetime(2027, 1, 1, 23, 30))
    with pytest.raises(DeadlineError, match="need a country"):
        add_period(D(2027, 1, 1), Period(3, "working_days"), None)
    with pytest.raises(DeadlineError, match="after the date of receipt"):
        extended_due(GDPR, "access", D(2027, 2, 1), D(2027, 1, 1))


def test_add_months_clamps_both_ways():
    assert add_months(D(2026, 8, 31), 1) == D(2026, 9, 30)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert add_months(D(2026, 1, 15), -13) == D(2024, 12, 15)


# --- properties ----------------------------------------------------------------------------------------

PAIRS = [(name, kind) for name in sorted(RULES) for kind in sorted(REQUEST_TYPES)]
DATES = st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31))


@settings(deadline=None, max_examples=300)
@given(DATES, st.sampled_from(PAIRS), st.integers(min_value=0, max_value=60))
def test_due_date_after_receipt_and_monotone(received, pair, gap):
    rule, kind = RULES[pair[0]], pair[1]
    later = received + timedelta(days=gap)
    due = due_date(rule, kind, received)
    assert due > received
    assert due_date(rule, kind, later) >= due
    ack = acknowledge_by(rule, received, kind)
    assert ack is None or received < ack
    ok, _ = can_extend(rule, False, received, due, request_type=kind, reason="r")
    if ok:
        assert extended_due(rule, kind, received, due) > due
