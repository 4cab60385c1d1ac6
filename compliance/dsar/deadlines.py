"""Statutory deadlines: due dates, acknowledgements, one extension, reminders and lookback per regime.

Pure functions over dates: no database, no transport, no hidden clock (every "today" is passed in).
Dates are local calendar dates of the controller; turning a UTC timestamp into the date of receipt is
the caller's job, so datetimes are refused rather than silently truncated.

Counting rules (policies/regimes.yaml documents the same rules next to the data):

* ``days``: calendar days counted from the day after receipt; due = received + N. A due date on a
  weekend or holiday is NOT moved to the next working day (the earlier date is the safe one).
* ``months``: same date N months later, clamped to the last day of a shorter month
  (31 Jan -> 28 Feb, or 29 Feb in a leap year; 29 Feb 2028 -> 29 Mar 2028). This is the rule of
  Regulation 1182/71 Art. 3(2)(c) for periods in months, read for Art. 12(3) GDPR.
* ``business_days`` / ``working_days``: the N-th working day strictly after the day of receipt, on the
  official calendar of the regime's country (and subdivision) from the ``holidays`` package: weekends,
  public holidays and transferred days off are skipped, weekend days made working by a transfer decree
  (Russia) count. A receipt on a non-working day therefore counts from the next working day, which is
  day 1 (a Saturday receipt is due on the same day as a Friday receipt): the earlier of the two readings.
* An extension is counted from the original due date (2 months from 28 Feb is 28 Apr), is allowed once,
  only on or before the original due date (the notice must reach the subject within the first period),
  and only with a reason where the regime requires one.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import holidays

from compliance.errors import Conflict
from compliance.policy.loader import PolicyError

UNITS = ("days", "months", "business_days", "working_days")
WORKING_UNITS = frozenset({"business_days", "working_days"})
# Request types a regime may override; consent_withdrawal is 152-FZ Art. 21(5) (destruction after withdrawal).
REQUEST_TYPES = frozenset(
    {"access", "portability", "erasure", "rectification", "restriction", "objection", "opt_out", "consent_withdrawal"}
)
REGIME_KEYS = frozenset(
    {
        "title",
        "country",
        "subdiv",
        "respond",
        "acknowledge",
        "extension",
        "extension_requires_reason",
        "overrides",
        "reminders",
        "lookback_months",
        "lookback_floor",
        "complaint",
    }
)
REQUIRED_KEYS = ("country", "respond", "extension")
OVERRIDE_KEYS = frozenset({"respond", "extendable", "acknowledge"})
# can_extend refusals: code -> the English text it returns (callers show it; tests and i18n key on the code).
EXTENSION_REFUSALS = {
    "no_extension": "this regime allows no extension",
    "type_not_extendable": "the deadline of this request type cannot be extended",
    "already_extended": "the request was already extended once",
    "past_due": "an extension must be notified on or before the original due date",
    "reason_required": "an extension needs a reason that is told to the data subject",
}
_MAX_SCAN_DAYS = 3660  # a working-day count that finds no working day in ten years is a calendar bug


class RegimeError(PolicyError):
    """regimes.yaml is malformed; the message names the regime and key."""


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
class RegimeRule:
    """The deadlines of one legal regime, as read from regimes.yaml."""

    name: str
    title: str
    country: str | None
    subdiv: str | None
    respond: Period
    acknowledge: Period | None
    extension: Period | None
    extension_requires_reason: bool
    overrides: Mapping[str, Period] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    reminders: tuple[int, ...] = ()
    lookback_months: int | None = None
    lookback_floor: date | None = None
    complaint: str = ""
    not_extendable: frozenset[str] = frozenset()
    not_acknowledged: frozenset[str] = frozenset()


# --- loading -------------------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> RegimeError:
    return RegimeError(f"regimes.yaml: {where}: {problem}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _period(value: Any, where: str, *, optional: bool) -> Period | None:
    if value is None:
        if optional:
            return None
        raise _fail(where, "is required")
    if not isinstance(value, dict) or set(value) != {"amount", "unit"}:
        raise _fail(where, "must be {amount: N, unit: ...}")
    if not _is_int(value["amount"]) or value["amount"] <= 0:
        raise _fail(f"{where}.amount", "must be a positive whole number")
    if value["unit"] not in UNITS:
        raise _fail(f"{where}.unit", f"must be one of {', '.join(UNITS)}")
    return Period(value["amount"], value["unit"])


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "must be true or false")
    return value


def _calendar_key(spec: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    country, subdiv = spec["country"], spec.get("subdiv")
    if country is None:
        if subdiv is not None:
            raise _fail(f"{where}.subdiv", "needs a country")
        return None, None
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise _fail(f"{where}.country", "must be a two-letter upper-case country code or null")
    if subdiv is not None and not isinstance(subdiv, str):
        raise _fail(f"{where}.subdiv", "must be a subdivision code such as CA")
    try:
        holidays.country_holidays(country, years=2026)
    except NotImplementedError:
        raise _fail(f"{where}.country", f"the holidays package has no calendar for {country}") from None
    try:
        holidays.country_holidays(country, subdiv=subdiv, years=2026)
    except NotImplementedError:
        raise _fail(f"{where}.subdiv", f"the holidays package has no subdivision {subdiv} of {country}") from None
    return country, subdiv


def _lookback(spec: dict[str, Any], where: str) -> tuple[int | None, date | None]:
    months, floor = spec.get("lookback_months"), spec.get("lookback_floor")
    if months is not None and (not _is_int(months) or months <= 0):
        raise _fail(f"{where}.lookback_months", "must be a positive whole number or null")
    if isinstance(floor, str):
        try:
            floor = date.fromisoformat(floor)
        except ValueError:
            raise _fail(f"{where}.lookback_floor", "must be a date YYYY-MM-DD") from None
    if floor is not None and (isinstance(floor, datetime) or not isinstance(floor, date)):
        raise _fail(f"{where}.lookback_floor", "must be a date YYYY-MM-DD or null")
    return months, floor


def _reminders(value: Any, where: str) -> tuple[int, ...]:
    value = [] if value is None else value
    if not isinstance(value, list) or not all(_is_int(r) and r >= 0 for r in value):
        raise _fail(f"{where}.reminders", "must list whole numbers of days before the due date")
    if len(set(value)) != len(value):
        raise _fail(f"{where}.reminders", "lists a day twice")
    return tuple(sorted(value, reverse=True))


def _rule(name: str, spec: Any) -> RegimeRule:
    where = f"regimes.{name}"
    if not isinstance(spec, dict):
        raise _fail(where, "must be a mapping")
    unknown = sorted(set(map(str, spec)) - REGIME_KEYS)
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(REGIME_KEYS))})")
    for key in REQUIRED_KEYS:
        if key not in spec:
            raise _fail(f"{where}.{key}", "is required (write null where the regime has none)")
    country, subdiv = _calendar_key(spec, where)
    respond = _period(spec["respond"], f"{where}.respond", optional=False)
    acknowledge = _period(spec.get("acknowledge"), f"{where}.acknowledge", optional=True)
    extension = _period(spec["extension"], f"{where}.extension", optional=True)
    requires_reason = _bool(spec.get("extension_requires_reason", True), f"{where}.extension_requires_reason")
    raw_overrides = spec.get("overrides") or {}
    if not isinstance(raw_overrides, dict):
        raise _fail(f"{where}.overrides", "must map request types to {respond, extendable, acknowledge}")
    overrides: dict[str, Period] = {}
    not_extendable, not_acknowledged = set(), set()
    for request_type, entry in raw_overrides.items():
        at = f"{where}.overrides.{request_type}"
        if request_type not in REQUEST_TYPES:
            raise _fail(at, f"unknown request type (known: {', '.join(sorted(REQUEST_TYPES))})")
        if not isinstance(entry, dict) or set(entry) != OVERRIDE_KEYS:
            raise _fail(at, "must be {respond: {amount, unit}, extendable: bool, acknowledge: bool}")
        overrides[request_type] = _period(entry["respond"], f"{at}.respond", optional=False)
        if not _bool(entry["extendable"], f"{at}.extendable"):
            not_extendable.add(request_type)
        elif extension is None:
            raise _fail(f"{at}.extendable", "is true but the regime has no extension")
        if not _bool(entry["acknowledge"], f"{at}.acknowledge"):
            not_acknowledged.add(request_type)
    periods = {"respond": respond, "acknowledge": acknowledge, "extension": extension}
    periods |= {f"overrides.{k}.respond": p for k, p in overrides.items()}
    for key, period in periods.items():
        if period is not None and period.unit in WORKING_UNITS and country is None:
            raise _fail(f"{where}.{key}.unit", f"{period.unit} need a country whose holidays count")
    lookback_months, lookback_floor = _lookback(spec, where)
    for key in ("title", "complaint"):
        if not isinstance(spec.get(key, ""), str):
            raise _fail(f"{where}.{key}", "must be text")
    return RegimeRule(
        name=name,
        title=spec.get("title") or name,
        country=country,
        subdiv=subdiv,
        respond=respond,
        acknowledge=acknowledge,
        extension=extension,
        extension_requires_reason=requires_reason,
        overrides=MappingProxyType(overrides),
        reminders=_reminders(spec.get("reminders"), where),
        lookback_months=lookback_months,
        lookback_floor=lookback_floor,
        complaint=spec.get("complaint", ""),
        not_extendable=frozenset(not_extendable),
        not_acknowledged=frozenset(not_acknowledged),
    )


def load_regimes(data: dict[str, Any]) -> dict[str, RegimeRule]:
    """Parse regimes.yaml into rules; RegimeError names the regime and key on bad data."""
    regimes = data.get("regimes") if isinstance(data, dict) else None
    if not isinstance(regimes, dict) or not regimes:
        raise RegimeError("regimes.yaml: regimes: must map regime names to rules")
    out = {}
    for name, spec in regimes.items():
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise _fail(f"regimes.{name}", "regime names are lower-case letters, digits and _")
        out[name] = _rule(name, spec)
    return out


def check_policy(data: dict[str, Any]) -> None:
    """Validate regimes.yaml (listed in compliance.services.POLICY_CHECKS, run when policies load)."""
    load_regimes(data)


# --- calendars -----------------------------------------------------------------------------------------


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


def _as_date(value: Any, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (the local date), not {type(value).__name__}")
    return value


def is_working_day(day: date, country: str | None, subdiv: str | None = None) -> bool:
    """True unless day is a weekend day or official day off of the country (transferred working days count)."""
    day = _as_date(day, "day")
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
    start = _as_date(start, "start")
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
    start, end = _as_date(start, "start"), _as_date(end, "end")
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, country, subdiv)
    return count


# --- deadlines -----------------------------------------------------------------------------------------


def _check_type(request_type: str) -> None:
    if request_type not in REQUEST_TYPES:
        raise DeadlineError(f"unknown request type {request_type!r} (known: {', '.join(sorted(REQUEST_TYPES))})")


def period_for(rule: RegimeRule, request_type: str) -> Period:
    """The response period for a request type: its override, else the regime's default."""
    _check_type(request_type)
    return rule.overrides.get(request_type, rule.respond)


def extension_for(rule: RegimeRule, request_type: str) -> Period | None:
    """The extension a request type may get once, or None."""
    _check_type(request_type)
    return None if request_type in rule.not_extendable else rule.extension


def due_date(rule: RegimeRule, request_type: str, received: date) -> date:
    """The last day on which the answer to a request received on `received` is in time."""
    return add_period(received, period_for(rule, request_type), rule.country, rule.subdiv)


def acknowledge_by(rule: RegimeRule, received: date, request_type: str | None = None) -> date | None:
    """The last day to confirm receipt (CCPA 10 business days), or None when no confirmation is required."""
    if rule.acknowledge is None:
        return None
    if request_type is not None:
        _check_type(request_type)
        if request_type in rule.not_acknowledged:
            return None
    return add_period(received, rule.acknowledge, rule.country, rule.subdiv)


def extended_due(rule: RegimeRule, request_type: str, received: date, original_due: date) -> date:
    """The due date after the one extension, counted from the original due date."""
    extension = extension_for(rule, request_type)
    if extension is None:
        raise DeadlineError(f"{rule.name}: {request_type} deadlines cannot be extended")
    if _as_date(original_due, "original_due") <= _as_date(received, "received"):
        raise DeadlineError("the original due date must be after the date of receipt")
    return add_period(original_due, extension, rule.country, rule.subdiv)


def can_extend(
    rule: RegimeRule,
    already_extended: bool,
    today: date,
    original_due: date,
    *,
    request_type: str | None = None,
    reason: str | None = None,
) -> tuple[bool, str | None]:
    """(True, None) or (False, a text of EXTENSION_REFUSALS): once, on or before the due date, with a reason.

    Pass request_type to refuse types whose deadline cannot be extended (ru152 rectification, ccpa opt_out);
    pass reason to check it here; reason=None means the caller has checked it.
    """
    today, original_due = _as_date(today, "today"), _as_date(original_due, "original_due")
    code = None
    if rule.extension is None:
        code = "no_extension"
    elif request_type is not None and extension_for(rule, request_type) is None:
        code = "type_not_extendable"
    elif already_extended:
        code = "already_extended"
    elif today > original_due:
        code = "past_due"
    elif rule.extension_requires_reason and reason is not None and not reason.strip():
        code = "reason_required"
    return (False, EXTENSION_REFUSALS[code]) if code else (True, None)


def reminders_due(rule: RegimeRule, due: date, today: date, *, since: date | None = None) -> list[int]:
    """Reminder offsets (calendar days before due) falling on today, or in (since, today] after a missed run."""
    due, today = _as_date(due, "due"), _as_date(today, "today")
    first = today if since is None else _as_date(since, "since") + timedelta(days=1)
    if today > due:
        return []  # overdue: is_overdue takes over
    return [offset for offset in rule.reminders if first <= due - timedelta(days=offset) <= today]


def is_overdue(due: date, today: date) -> bool:
    """True once the due date has passed (the due date itself is still in time)."""
    return _as_date(today, "today") > _as_date(due, "due")


def days_left(due: date, today: date) -> int:
    """Calendar days until the due date (0 on the due date, negative when overdue)."""
    return (_as_date(due, "due") - _as_date(today, "today")).days


def lookback_start(rule: RegimeRule, received: date, *, beyond_default: bool = False) -> date | None:
    """First day of data a request covers (CCPA: 12 months back, or back to the floor on request); None = all."""
    received = _as_date(received, "received")
    if rule.lookback_months is None:
        return None
    if beyond_default:
        return rule.lookback_floor
    start = add_months(received, -rule.lookback_months)
    return max(start, rule.lookback_floor) if rule.lookback_floor else start
