"""Business-day conventions: moving a date that falls on a non-business day.

The conventions are those of the 2006 ISDA Definitions, Section 4.12 (following, modified
following, preceding) plus modified preceding and unadjusted, as QuantLib's
``BusinessDayConvention`` defines them (the test suite's cross-check).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from loanbook.time.calendar import BusinessCalendar


class BusinessDayConvention(StrEnum):
    UNADJUSTED = "unadjusted"  # the date as it is
    FOLLOWING = "following"  # the next business day
    MODIFIED_FOLLOWING = "modified following"  # following, unless that is next month: preceding
    PRECEDING = "preceding"  # the business day before
    MODIFIED_PRECEDING = "modified preceding"  # preceding, unless that is last month: following

    @classmethod
    def parse(cls, text: str) -> BusinessDayConvention:
        """The term-file spelling or an abbreviation (F, MF, P, MP, U, none); any case,
        ``-`` or ``_`` for the space."""
        key = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
        member = _ALIASES.get(key)
        if member is None:
            known = ", ".join(m.value for m in cls)
            raise ValueError(
                f"unknown business-day convention {text!r} (known: {known}; or F, MF, P, MP, U)"
            )
        return member


_ALIASES: dict[str, BusinessDayConvention] = {
    **{m.value: m for m in BusinessDayConvention},
    "f": BusinessDayConvention.FOLLOWING,
    "mf": BusinessDayConvention.MODIFIED_FOLLOWING,
    "modifiedfollowing": BusinessDayConvention.MODIFIED_FOLLOWING,
    "p": BusinessDayConvention.PRECEDING,
    "mp": BusinessDayConvention.MODIFIED_PRECEDING,
    "modifiedpreceding": BusinessDayConvention.MODIFIED_PRECEDING,
    "u": BusinessDayConvention.UNADJUSTED,
    "none": BusinessDayConvention.UNADJUSTED,
}


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
