"""Statutory deadlines: due dates, acknowledgements, one extension and reminders per regime.

Pure functions over dates; no hidden clock. Working and business days use the official public holidays
of the regime's country from the `holidays` package (including transferred working days), never a
hand-written list.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays

from compliance.policies import PolicyError

UNITS = ("days", "months", "business_days", "working_days")


class RegimeError(PolicyError):
    """regimes.yaml is malformed; the message names the regime and key."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str

    def describe(self) -> str:
        """E.g. '10 working days'."""
        return f"{self.amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class RegimeRule:
    name: str
    title: str
    country: str | None
    subdiv: str | None
    respond: Period
    acknowledge: Period | None
    extension: Period | None
    extension_requires_reason: bool
    overrides: dict[str, Period] = field(default_factory=dict)
    reminders: tuple[int, ...] = ()
    lookback_months: int | None = None
    lookback_floor: date | None = None
    complaint: str = ""


def _period(value: Any, where: str) -> Period | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"amount", "unit"}:
        raise RegimeError(f"regimes.yaml: {where} must be {{amount: N, unit: ...}}")
    if not isinstance(value["amount"], int) or value["amount"] <= 0:
        raise RegimeError(f"regimes.yaml: {where}.amount must be a positive whole number")
    if value["unit"] not in UNITS:
        raise RegimeError(f"regimes.yaml: {where}.unit must be one of {', '.join(UNITS)}")
    return Period(value["amount"], value["unit"])


def load_regimes(data: dict[str, Any]) -> dict[str, RegimeRule]:
    """Parse regimes.yaml into rules; RegimeError names the regime and key on bad data."""
    regimes = data.get("regimes")
    if not isinstance(regimes, dict) or not regimes:
        raise RegimeError("regimes.yaml: 'regimes' must map regime names to rules")
    out = {}
    for name, spec in regimes.items():
        where = f"regimes.{name}"
        if not isinstance(spec, dict):
            raise RegimeError(f"regimes.yaml: {where} must be a mapping")
        respond = _period(spec.get("respond"), f"{where}.respond")
        if respond is None:
            raise RegimeError(f"regimes.yaml: {where}.respond is required")
        country = spec.get("country")
        units = [respond.unit] + [p.get("unit") for p in (spec.get("overrides") or {}).values() if isinstance(p, dict)]
        if any(u in ("business_days", "working_days") for u in units) and not country:
            raise RegimeError(f"regimes.yaml: {where}.country is needed for business or working days")
        if country:
            try:
                holidays.country_holidays(country, subdiv=spec.get("subdiv"), years=2026)
            except NotImplementedError:
                raise RegimeError(f"regimes.yaml: {where}.country/subdiv has no holiday calendar") from None
        reminders = spec.get("reminders") or []
        if not all(isinstance(r, int) and r >= 0 for r in reminders):
            raise RegimeError(f"regimes.yaml: {where}.reminders must list whole numbers of days")
        floor = spec.get("lookback_floor")
        out[str(name)] = RegimeRule(
            name=str(name),
            title=str(spec.get("title", name)),
            country=country,
            subdiv=spec.get("subdiv"),
            respond=respond,
            acknowledge=_period(spec.get("acknowledge"), f"{where}.acknowledge"),
            extension=_period(spec.get("extension"), f"{where}.extension"),
            extension_requires_reason=bool(spec.get("extension_requires_reason", True)),
            overrides={str(k): _period(v, f"{where}.overrides.{k}") for k, v in (spec.get("overrides") or {}).items()},
            reminders=tuple(sorted(set(reminders), reverse=True)),
            lookback_months=spec.get("lookback_months"),
            lookback_floor=date.fromisoformat(str(floor)) if floor else None,
            complaint=str(spec.get("complaint", "")),
        )
    return out


def check_policy(data: dict[str, Any]) -> None:
    """Validate regimes.yaml."""
    load_regimes(data)


@lru_cache(maxsize=64)
def _calendar(country: str, subdiv: str | None, year: int):
    return holidays.country_holidays(country, subdiv=subdiv, years=[year, year + 1])


def is_working_day(day: date, country: str | None, subdiv: str | None = None) -> bool:
    """True when day is not a weekend or public holiday in the country (transferred working days count)."""
    if country is None:
        return day.weekday() < 5
    cal = _calendar(country, subdiv, day.year)
    return cal.is_working_day(day)


def add_months(start: date, months: int) -> date:
    """Same date `months` later, clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_period(start: date, period: Period, country: str | None, subdiv: str | None = None) -> date:
    """The date a period ends when it starts on `start` (the day of receipt or the original due date)."""
    if period.unit == "days":
        return start + timedelta(days=period.amount)
    if period.unit == "months":
        return add_months(start, period.amount)
    # Working/business days: count whole working days after the start day.
    day, counted = start, 0
    while counted < period.amount:
        day += timedelta(days=1)
        if is_working_day(day, country, subdiv):
            counted += 1
    return day


def period_for(rule: RegimeRule, request_type: str) -> Period:
    """The response period for a request type (an override, else the regime's default)."""
    return rule.overrides.get(request_type) or rule.respond


def due_date(rule: RegimeRule, request_type: str, received: date) -> date:
    """When the answer is due for a request received on `received`."""
    return add_period(received, period_for(rule, request_type), rule.country, rule.subdiv)


def acknowledge_by(rule: RegimeRule, received: date) -> date | None:
    """When receipt must be confirmed (CCPA), or None."""
    if rule.acknowledge is None:
        return None
    return add_period(received, rule.acknowledge, rule.country, rule.subdiv)


def extended_due(rule: RegimeRule, request_type: str, received: date, original_due: date) -> date:
    """The due date after the one extension, counted from the original due date."""
    if rule.extension is None:
        raise RegimeError(f"{rule.name} allows no extension")
    return add_period(original_due, rule.extension, rule.country, rule.subdiv)


def can_extend(rule: RegimeRule, already_extended: bool, today: date, original_due: date) -> tuple[bool, str | None]:
    """Whether an extension is allowed now: once only, on or before the original due date."""
    if rule.extension is None:
        return False, f"{rule.title} allows no extension"
    if already_extended:
        return False, "the request was already extended once"
    if today > original_due:
        return False, "an extension must be notified before the original due date"
    return True, None


def reminders_due(rule: RegimeRule, due: date, today: date) -> list[int]:
    """Reminder offsets (days before due) that fall on today."""
    left = (due - today).days
    return [offset for offset in rule.reminders if offset == left]


def is_overdue(due: date, today: date) -> bool:
    """True once the due date has passed."""
    return today > due


def days_left(due: date, today: date) -> int:
    """Calendar days until the due date (negative when overdue)."""
    return (due - today).days
