"""Calendars for statutory periods: working days on official calendars, months with end-of-month clamp.

Pure functions over dates: no database, no hidden clock. Dates are local calendar dates of the controller;
datetimes are refused rather than silently truncated.

* ``days``: calendar days counted from the day after the start; end = start + N.
* ``months``: same date N months later, clamped to the last day of a shorter month
  (31 Jan -> 28 Feb, or 29 Feb in a leap year; 29 Feb 2028 -> 29 Mar 2028). This is the rule of
  Regulation 1182/71 Art. 3(2)(c) for periods in months, read for Art. 12(3) GDPR.
* ``business_days`` / ``working_days``: the N-th working day strictly after the start, on the
  official calendar of the country (and subdivision) from the ``holidays`` package: weekends,
  public holidays and transferred days off are skipped, weekend days made working by a transfer decree
  (Russia) count.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays

from compliance.errors import Conflict

UNITS = ("days", "months", "business_days", "working_days")
WORKING_UNITS = frozenset({"business_days", "working_days"})
_MAX_SCAN_DAYS = 3660  # a working-day count that finds no working day in ten years is a calendar bug


class DeadlineError(Conflict, ValueError):
    """A deadline was asked for something the rules do not allow (unknown request type, no extension)."""

    code = "deadline"


@dataclass(frozen=True)
class Period:
    """A statutory period: an amount of days, months, business days or working days."""

    amount: int
    unit: str

    def describe(self) -> str:
        """E.g. '10 working days'."""
        return f"{self.amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class _Year:
    off: frozenset[date]  # public holidays and transferred days off
    working_weekend: frozenset[date]  # weekend days made working by a transfer decree
    weekend: frozenset[int]  # weekday numbers of the weekend


@lru_cache(maxsize=256)
def _year(country: str, subdiv: str | None, year: int) -> _Year:
    # Immutable snapshot per year; neighbours are loaded so observed days crossing New Year are present.
    cal = holidays.country_holidays(country, subdiv=subdiv, years=range(year - 1, year + 2))
    return _Year(
        off=frozenset(d for d in cal if d.year == year),
        working_weekend=frozenset(d for d in cal.weekend_workdays if d.year == year),
        weekend=frozenset(cal.weekend),
    )


def as_date(value: Any, name: str) -> date:
    """The value if it is a date (not a datetime); TypeError naming the argument otherwise."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (the local date), not {type(value).__name__}")
    return value


def is_working_day(day: date, country: str | None, subdiv: str | None = None) -> bool:
    """True unless day is a weekend day or official day off of the country (transferred working days count)."""
    day = as_date(day, "day")
    if country is None:
        return day.weekday() < 5
    year = _year(country, subdiv, day.year)
    if day.weekday() in year.weekend:
        return day in year.working_weekend
    return day not in year.off


def add_months(start: date, months: int) -> date:
    """Same date `months` later (or earlier when negative), clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_period(start: date, period: Period, country: str | None, subdiv: str | None = None) -> date:
    """The last day of a period that starts running the day after `start` (receipt or original due date)."""
    start = as_date(start, "start")
    if period.unit == "days":
        return start + timedelta(days=period.amount)
    if period.unit == "months":
        return add_months(start, period.amount)
    if period.unit not in WORKING_UNITS:
        raise DeadlineError(f"unknown period unit {period.unit!r}")
    if country is None:
        raise DeadlineError(f"{period.unit} need a country calendar")
    day, counted = start, 0
    for _ in range(_MAX_SCAN_DAYS):
        day += timedelta(days=1)
        if is_working_day(day, country, subdiv):
            counted += 1
            if counted == period.amount:
                return day
    raise DeadlineError(f"no {period.describe()} found after {start.isoformat()} on the {country} calendar")


def business_days_between(start: date, end: date, country: str | None, subdiv: str | None = None) -> int:
    """Working days d with start < d <= end (0 when end is not after start), e.g. working days left."""
    start, end = as_date(start, "start"), as_date(end, "end")
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, country, subdiv)
    return count
