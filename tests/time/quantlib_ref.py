"""QuantLib counterparts of Loanbook's time conventions (QuantLib is a test-only dependency).

Also the one list of dates on which the ``holidays`` package (our calendars) and QuantLib 1.44
disagree, with the reason; tests/time/test_calendar.py proves the list complete for 1971-2070.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import QuantLib as ql

from loanbook.time import BusinessDayConvention, DayCount

FIRST_YEAR, LAST_YEAR = 1971, 2070

# Days where our US federal calendar and QuantLib's UnitedStates(Settlement) disagree, 1971-2070
# -> whether the day is a business day in ours. In each case ours follows the law.
US_VS_QUANTLIB_SETTLEMENT: dict[date, bool] = {
    # Martin Luther King Jr. Day: enacted in 1983 (Pub. L. 98-144) but first observed on
    # 20 January 1986. QuantLib's Settlement calendar closes it from 1983.
    date(1983, 1, 17): True,
    date(1984, 1, 16): True,
    date(1985, 1, 21): True,
    # Juneteenth: enacted 17 June 2021; that year's holiday (Saturday 19 June) was observed by
    # federal offices on Friday 18 June. QuantLib's Settlement calendar starts in 2022.
    date(2021, 6, 18): False,
}
# Ours and QuantLib's UnitedStates(NYSE) agree on every day of 1971-2070.
NYSE_VS_QUANTLIB_NYSE: dict[date, bool] = {}

DAY_COUNTERS: dict[DayCount, ql.DayCounter] = {
    DayCount.ACT_360: ql.Actual360(),
    DayCount.ACT_365F: ql.Actual365Fixed(),
    DayCount.ACT_ACT: ql.ActualActual(ql.ActualActual.ISDA),
    DayCount.THIRTY_360: ql.Thirty360(ql.Thirty360.BondBasis),
    DayCount.THIRTY_E_360: ql.Thirty360(ql.Thirty360.European),
}

CONVENTIONS: dict[BusinessDayConvention, int] = {
    BusinessDayConvention.UNADJUSTED: ql.Unadjusted,
    BusinessDayConvention.FOLLOWING: ql.Following,
    BusinessDayConvention.MODIFIED_FOLLOWING: ql.ModifiedFollowing,
    BusinessDayConvention.PRECEDING: ql.Preceding,
    BusinessDayConvention.MODIFIED_PRECEDING: ql.ModifiedPreceding,
}


def qd(d: date) -> ql.Date:
    return ql.Date(d.day, d.month, d.year)


def pd(d: ql.Date) -> date:
    return date(d.year(), d.month(), d.dayOfMonth())


def quantlib_calendar(name: str) -> ql.Calendar:
    """QuantLib's calendar for one of ours, as shipped (differences not applied)."""
    return {
        "none": ql.NullCalendar(),
        "weekdays": ql.WeekendsOnly(),
        "US": ql.UnitedStates(ql.UnitedStates.Settlement),
        "NYSE": ql.UnitedStates(ql.UnitedStates.NYSE),
    }[name]


@cache
def reconciled_calendar(name: str) -> ql.Calendar:
    """QuantLib's calendar with the documented differences applied, for comparing rolls.

    A ``BespokeCalendar`` (its own holiday set, shared with no other calendar) holding
    QuantLib's weekends and holidays for 1971-2070, corrected on the dates listed above.
    """
    differences = {"US": US_VS_QUANTLIB_SETTLEMENT, "NYSE": NYSE_VS_QUANTLIB_NYSE}.get(name)
    if differences is None:
        return quantlib_calendar(name)
    source = quantlib_calendar(name)
    cal = ql.BespokeCalendar(f"loanbook-{name}")
    cal.addWeekend(ql.Saturday)
    cal.addWeekend(ql.Sunday)
    first, last = ql.Date(1, 1, FIRST_YEAR), ql.Date(31, 12, LAST_YEAR)
    for day in ql.Calendar.holidayList(source, first, last):
        cal.addHoliday(day)
    for day, open_in_ours in differences.items():
        if open_in_ours:
            cal.removeHoliday(qd(day))
        else:
            cal.addHoliday(qd(day))
    return cal
