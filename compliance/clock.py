"""The clock seam: all time comes from here so tests can freeze it. Datetimes are naive UTC internally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """Current time as a naive UTC datetime."""
        return datetime.now(UTC).replace(tzinfo=None)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests)."""

    def __init__(self, at: datetime):
        self._at = at.replace(tzinfo=None) if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)

    def now(self) -> datetime:
        """The frozen instant."""
        return self._at

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a timedelta given as keyword arguments."""
        self._at += timedelta(**delta)


def iso(dt: datetime | None) -> str | None:
    """Format a naive UTC datetime as ISO-8601 with a Z suffix."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat(timespec="seconds") + "Z"


def parse_iso(text: str) -> datetime:
    """Parse ISO-8601 (date or datetime, with or without zone) into a naive UTC datetime."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
