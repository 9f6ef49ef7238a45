"""Business-day calendars, from the ``holidays`` package for public and exchange holidays."""

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


_NAMES = ("none", "weekdays", "US", "NYSE")


@cache
def get_calendar(name: str) -> BusinessCalendar:
    """A calendar by name: ``none`` (ACTUS NC), ``weekdays`` (MF), ``US`` (federal), ``NYSE``."""
    key = name.strip()
    if key in ("none", "NC", "NOC"):
        return BusinessCalendar("none", weekends=False)
    if key in ("weekdays", "MF", "MTF"):
        return BusinessCalendar("weekdays")
    if key in ("US", "US-federal"):
        return BusinessCalendar("US", _holidays=holidays.country_holidays("US"))
    if key in ("NYSE", "XNYS"):
        return BusinessCalendar("NYSE", _holidays=holidays.financial_holidays("NYSE"))
    raise ValueError(f"unknown calendar {name!r} (known: {', '.join(_NAMES)})")
