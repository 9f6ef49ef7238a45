"""QuantLib as an independent cross-check of schedules, business-day rolls and day counts.

For hypothesis-generated loans (anchor, monthly/quarterly/semiannual/annual or a day cycle,
a count or an end date, short or long final stub, end-of-month rule on or off, a business-day
convention and a calendar) every date of ``generate`` / ``generate_count`` + ``adjust`` must be
QuantLib's, and every day-count fraction over the resulting periods must be QuantLib's.

Which QuantLib construction matches our rules:

- Unadjusted dates with an end date: ``ql.Schedule(anchor, end, period, NullCalendar(),
  Unadjusted, Unadjusted, DateGeneration.Forward, endOfMonth=eom)``. Forward generation from
  the anchor (anchor + i x period, not repeated addition), the end date appended when it is not
  a cycle date: a short final stub, ACTUS L1. QuantLib has no long-final-stub flag; for L0 we
  take that schedule and, when QuantLib marks its last period irregular and there is a cycle
  date after the anchor, merge the stub into the period before (ACTUS: "the remainder joins
  the last full period").
- Unadjusted dates with a count: ``NullCalendar().advance(anchor, i x period, Unadjusted,
  endOfMonth=eom)`` for i = 0 .. count-1.
- On a NullCalendar, QuantLib's end-of-month test is the calendar month-end, as ours. With a
  real calendar, ``ql.Schedule``'s endOfMonth instead treats the last *business* day as the
  month-end and moves every date to the calendar's last business day of the month whatever
  the convention; ACTUS and Loanbook generate unadjusted dates and then shift each one by the
  stated convention. Hence the rolls are checked with ``ql.Calendar.adjust`` date by date.
- Without the end-of-month rule the two orders agree, so there the whole ``ql.Schedule`` on the
  real calendar (convention for all dates, the end too, short stub) is also compared, as the
  distinct adjusted dates (QuantLib drops an adjusted end equal to the last adjusted date).

Calendars: ours vs QuantLib's UnitedStates(Settlement) / UnitedStates(NYSE) with the documented
differences applied (tests/time/quantlib_ref.py), WeekendsOnly, NullCalendar.

Day counts: ours (exact Fractions) vs QuantLib's yearFraction within 1e-12, and the day count
numerators exactly: Actual360, Actual365Fixed, ActualActual(ISDA), Thirty360(BondBasis) for
our 30/360 (ISDA 4.16(f); Thirty360(USA) adds the SIA end-of-February rule, which we do not
have) and Thirty360(European) for 30E/360.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.time import (
    BusinessDayConvention,
    Cycle,
    DayCount,
    Stub,
    adjust,
    generate,
    generate_count,
    get_calendar,
    year_fraction,
)
from tests.time.quantlib_ref import CONVENTIONS, DAY_COUNTERS, pd, qd, reconciled_calendar

SETTINGS = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Loan:
    anchor: date
    cycle: Cycle
    eom: bool
    count: int | None
    end: date | None
    convention: BusinessDayConvention
    calendar: str

    @property
    def period(self) -> ql.Period:
        if self.cycle.months:
            return ql.Period(self.cycle.months, ql.Months)
        return ql.Period(self.cycle.days, ql.Days)


# Month-ends and the days around them are where the rules differ, so draw them often.
def _anchors() -> st.SearchStrategy[date]:
    any_day = st.dates(min_value=date(1980, 1, 1), max_value=date(2030, 12, 31))
    month_end = st.builds(
        lambda y, m: date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1),
        st.integers(1980, 2030),
        st.integers(1, 12),
    )
    near_end = st.builds(lambda d, k: d - timedelta(days=k), month_end, st.integers(1, 3))
    return st.one_of(any_day, month_end, near_end)


@st.composite
def loans(draw: st.DrawFn) -> Loan:
    anchor = draw(_anchors())
    months = draw(st.sampled_from([1, 3, 6, 12, 0]))
    stub = draw(st.sampled_from(list(Stub)))
    cycle = (
        Cycle(months=months, stub=stub)
        if months
        else Cycle(days=draw(st.sampled_from([1, 7, 9, 14, 27, 29])), stub=stub)
    )
    # At most 30 years of dates, so every date stays inside the compared calendar years.
    step_days = cycle.months * 31 or cycle.days
    most = min(30 * 366 // step_days, 400)
    if draw(st.booleans()):
        count, end = draw(st.integers(1, most)), None
    else:
        count, end = None, anchor + timedelta(days=draw(st.integers(1, most * step_days)))
    return Loan(
        anchor=anchor,
        cycle=cycle,
        eom=draw(st.booleans()),
        count=count,
        end=end,
        convention=draw(st.sampled_from(list(BusinessDayConvention))),
        calendar=draw(st.sampled_from(["none", "weekdays", "US", "NYSE"])),
    )


def ours_unadjusted(loan: Loan) -> list[date]:
    if loan.count is not None:
        return list(generate_count(loan.anchor, loan.cycle, loan.count, loan.eom))
    assert loan.end is not None
    return list(generate(loan.anchor, loan.cycle, loan.end, loan.eom))


def quantlib_unadjusted(loan: Loan) -> list[date]:
    null = ql.NullCalendar()
    if loan.count is not None:
        step = loan.period
        return [
            pd(null.advance(qd(loan.anchor), i * step, ql.Unadjusted, loan.eom))
            for i in range(loan.count)
        ]
    assert loan.end is not None
    schedule = ql.Schedule(
        qd(loan.anchor),
        qd(loan.end),
        loan.period,
        null,
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Forward,
        loan.eom,
    )
    dates = [pd(d) for d in schedule]
    last_period = len(dates) - 1
    if loan.cycle.stub is Stub.LONG and len(dates) > 2 and not schedule.isRegular(last_period):
        del dates[-2]  # the short stub joins the last full period
    return dates


@SETTINGS
@given(loans())
def test_schedule_dates_agree_with_quantlib(loan: Loan) -> None:
    raw = ours_unadjusted(loan)
    assert raw == quantlib_unadjusted(loan)

    cal = get_calendar(loan.calendar)
    qcal = reconciled_calendar(loan.calendar)
    qconv = CONVENTIONS[loan.convention]
    adjusted = [adjust(d, loan.convention, cal) for d in raw]
    assert adjusted == [pd(qcal.adjust(qd(d), qconv)) for d in raw]

    distinct = list(dict.fromkeys(adjusted))
    if (
        not loan.eom
        and loan.end is not None
        and loan.cycle.stub is Stub.SHORT
        and len(distinct) > 1
    ):
        whole = ql.Schedule(
            qd(loan.anchor),
            qd(loan.end),
            loan.period,
            qcal,
            qconv,
            qconv,
            ql.DateGeneration.Forward,
            False,
        )
        assert distinct == [pd(d) for d in whole]

    # Every period's day-count fraction, on the adjusted dates as the engine accrues.
    for start, end in pairwise(adjusted):
        for dc, counter in DAY_COUNTERS.items():
            assert (
                abs(float(year_fraction(dc, start, end)) - counter.yearFraction(qd(start), qd(end)))
                < 1e-12
            )


def _numerator(dc: DayCount, yf: Fraction) -> Fraction:
    return yf * {DayCount.ACT_365F: 365}.get(dc, 360)


# QuantLib's dates run 1901-2199, and its actual/actual looks at the next 1 January.
dates = st.dates(min_value=date(1901, 1, 1), max_value=date(2197, 12, 31))
# Month-ends, the 30th and end-February days, where the 30/360 rules bite (a day past the
# month's end rolls into the next month: 30 February is 1 or 2 March).
tricky = st.builds(
    lambda y, m, d: date(y, m, d) if d <= 28 else date(y, m, 1) + timedelta(days=d - 1),
    st.integers(1901, 2197),
    st.integers(1, 12),
    st.sampled_from([1, 27, 28, 29, 30, 31]),
)


@SETTINGS
@given(st.one_of(dates, tricky), st.one_of(dates, tricky))
def test_day_counts_agree_with_quantlib(a: date, b: date) -> None:
    start, end = min(a, b), max(a, b)
    for dc, counter in DAY_COUNTERS.items():
        ours = year_fraction(dc, start, end)
        assert abs(float(ours) - counter.yearFraction(qd(start), qd(end))) < 1e-12
        if dc is not DayCount.ACT_ACT:
            assert _numerator(dc, ours) == counter.dayCount(qd(start), qd(end))


@SETTINGS
@given(dates, st.integers(0, 400))
def test_day_counts_over_short_periods_agree_with_quantlib(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    for dc, counter in DAY_COUNTERS.items():
        ours = year_fraction(dc, start, end)
        assert abs(float(ours) - counter.yearFraction(qd(start), qd(end))) < 1e-12
