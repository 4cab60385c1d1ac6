"""Regime rules: regimes.yaml parsed into one RegimeRule per legal regime (periods, extension, reminders, lookback).

policies/regimes.yaml documents the counting rules next to the data; compliance.dsar.deadlines applies them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

import holidays

from compliance.dsar.calendars import UNITS, WORKING_UNITS, Period
from compliance.dsar.states import TYPES
from compliance.errors import Invalid
from compliance.policy.loader import PolicyError

# Request types a regime may override; consent_withdrawal is 152-FZ Art. 21(5) (destruction after withdrawal).
REQUEST_TYPES = frozenset(TYPES)
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


class RegimeError(PolicyError):
    """regimes.yaml is malformed; the message names the regime and key."""


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


def _parse(name: str, spec: Any) -> RegimeRule:
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
        out[name] = _parse(name, spec)
    return out


def check_policy(data: dict[str, Any]) -> None:
    """Validate regimes.yaml (called by compliance.services.POLICY_CHECKS when policies load)."""
    load_regimes(data)


def regimes_of(svc) -> dict[str, RegimeRule]:
    """The instance's regimes (parsed once per loaded policies)."""
    return svc.policies.parsed("regimes", load_regimes)


def rule_of(svc, regime: str) -> RegimeRule:
    """The rule of one regime; Invalid naming the known ones otherwise."""
    rules = regimes_of(svc)
    if regime not in rules:
        raise Invalid(
            f"unknown regime (known: {', '.join(sorted(rules))})",
            errors=[{"field": "regime", "code": "regime.unknown"}],
        )
    return rules[regime]
