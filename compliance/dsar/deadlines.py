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

from datetime import date, timedelta

from compliance.dsar.calendars import DeadlineError, Period, add_months, add_period, as_date
from compliance.dsar.regimes import REQUEST_TYPES, RegimeRule

# can_extend refusals: code -> the English text it returns (callers show it; tests and i18n key on the code).
EXTENSION_REFUSALS = {
    "no_extension": "this regime allows no extension",
    "type_not_extendable": "the deadline of this request type cannot be extended",
    "already_extended": "the request was already extended once",
    "past_due": "an extension must be notified on or before the original due date",
    "reason_required": "an extension needs a reason that is told to the data subject",
}


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
    if as_date(original_due, "original_due") <= as_date(received, "received"):
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
    today, original_due = as_date(today, "today"), as_date(original_due, "original_due")
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
    due, today = as_date(due, "due"), as_date(today, "today")
    first = today if since is None else as_date(since, "since") + timedelta(days=1)
    if today > due:
        return []  # overdue: is_overdue takes over
    return [offset for offset in rule.reminders if first <= due - timedelta(days=offset) <= today]


def is_overdue(due: date, today: date) -> bool:
    """True once the due date has passed (the due date itself is still in time)."""
    return as_date(today, "today") > as_date(due, "due")


def days_left(due: date, today: date) -> int:
    """Calendar days until the due date (0 on the due date, negative when overdue)."""
    return (as_date(due, "due") - as_date(today, "today")).days


def lookback_start(rule: RegimeRule, received: date, *, beyond_default: bool = False) -> date | None:
    """First day of data a request covers (CCPA: 12 months back, or back to the floor on request); None = all."""
    received = as_date(received, "received")
    if rule.lookback_months is None:
        return None
    if beyond_default:
        return rule.lookback_floor
    start = add_months(received, -rule.lookback_months)
    return max(start, rule.lookback_floor) if rule.lookback_floor else start
