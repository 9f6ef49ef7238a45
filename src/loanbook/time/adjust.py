"""Business-day conventions: moving a date that falls on a non-business day."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from loanbook.time.calendar import BusinessCalendar


class BusinessDayConvention(StrEnum):
    UNADJUSTED = "unadjusted"
    FOLLOWING = "following"
    MODIFIED_FOLLOWING = "modified following"
    PRECEDING = "preceding"
    MODIFIED_PRECEDING = "modified preceding"


def _roll(day: date, cal: BusinessCalendar, step: int) -> date:
    while not cal.is_business_day(day):
        day += timedelta(days=step)
    return day


def adjust(day: date, convention: BusinessDayConvention, cal: BusinessCalendar) -> date:
    """The business day ``convention`` picks for ``day`` on calendar ``cal``."""
    bdc = BusinessDayConvention
    if convention is bdc.UNADJUSTED or cal.is_business_day(day):
        return day
    if convention is bdc.FOLLOWING:
        return _roll(day, cal, 1)
    if convention is bdc.PRECEDING:
        return _roll(day, cal, -1)
    if convention is bdc.MODIFIED_FOLLOWING:
        moved = _roll(day, cal, 1)
        return moved if moved.month == day.month else _roll(day, cal, -1)
    if convention is bdc.MODIFIED_PRECEDING:
        moved = _roll(day, cal, -1)
        return moved if moved.month == day.month else _roll(day, cal, 1)
    raise ValueError(f"unsupported business-day convention {convention}")  # pragma: no cover
