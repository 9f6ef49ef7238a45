"""Business-day calendars, from the ``holidays`` package for public and exchange holidays.

``US`` is the US federal holiday calendar (5 U.S.C. 6103, a Saturday holiday observed on the
Friday before, a Sunday one on the Monday after); ``NYSE`` is the New York Stock Exchange's
(``holidays.financial_holidays("NYSE")``, with its special closings). The test suite compares
them day by day with QuantLib's ``UnitedStates(Settlement)`` and ``UnitedStates(NYSE)`` and
lists every date where the two libraries disagree, with the reason (tests/time/test_calendar.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

import holidays


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days are business days: optionally weekdays only, less a holiday set."""

    name: str
    weekends: bool = True
    _holidays: holidays.HolidayBase | None = field(default=None, compare=False, repr=False)

    def is_business_day(self, day: date) -> bool:
        if self.weekends and day.weekday() >= 5:
            return False
        return not (self._holidays is not None and day in self._holidays)

    def holiday_name(self, day: date) -> str | None:
        """The holiday on ``day`` (``None`` for a weekend or an ordinary day)."""
        if self._holidays is None:
            return None
        name = self._holidays.get(day)
        return None if name is None else str(name)


# Canonical name -> accepted spellings (compared case-insensitively). NC / MF are ACTUS codes.
_ALIASES: dict[str, tuple[str, ...]] = {
    "none": ("none", "NC", "NOC", "null"),
    "weekdays": ("weekdays", "MF", "MTF", "weekends-only"),
    "US": ("US", "US-federal", "USA"),
    "NYSE": ("NYSE", "XNYS"),
}
_LOOKUP = {alias.upper(): name for name, aliases in _ALIASES.items() for alias in aliases}
_NAMES = tuple(_ALIASES)


@cache
def _build(name: str) -> BusinessCalendar:
    if name == "none":
        return BusinessCalendar("none", weekends=False)
    if name == "weekdays":
        return BusinessCalendar("weekdays")
    if name == "US":
        return BusinessCalendar("US", _holidays=holidays.country_holidays("US"))
    return BusinessCalendar("NYSE", _holidays=holidays.financial_holidays("NYSE"))


def get_calendar(name: str) -> BusinessCalendar:
    """A calendar by name: ``none`` (every day; ACTUS NC), ``weekdays`` (Monday to Friday;
    ACTUS MF), ``US`` (federal holidays), ``NYSE``. Names are case-insensitive."""
    canonical = _LOOKUP.get(name.strip().upper())
    if canonical is None:
        known = "; ".join(f"{n} (or {', '.join(a[1:])})" for n, a in _ALIASES.items())
        raise ValueError(f"unknown calendar {name!r} (known: {known})")
    return _build(canonical)
