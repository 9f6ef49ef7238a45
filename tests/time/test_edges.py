"""Edges of the time module that mutation testing found untested: the end-of-month default,
a long final stub after one period, cycle text, holiday names, and error messages that list
the names a user may type."""

from __future__ import annotations

from datetime import date

import pytest

from loanbook.time import BusinessDayConvention, Cycle, DayCount
from loanbook.time.calendar import get_calendar
from loanbook.time.schedule import Stub, generate


def test_generate_keeps_the_day_of_month_unless_asked_for_month_ends() -> None:
    monthly = Cycle.parse("monthly")
    # from Feb 29: the 29th of each month (clamped), not the month-end, by default
    assert generate(date(2020, 2, 29), monthly, date(2020, 5, 31)) == (
        date(2020, 2, 29),
        date(2020, 3, 29),
        date(2020, 4, 29),
        date(2020, 5, 29),
        date(2020, 5, 31),
    )
    assert generate(date(2020, 2, 29), monthly, date(2020, 5, 31), eom=True) == (
        date(2020, 2, 29),
        date(2020, 3, 31),
        date(2020, 4, 30),
        date(2020, 5, 31),
    )


def test_a_long_final_stub_after_a_single_full_period() -> None:
    # 01-15, 02-15, then 03-01 is not a cycle date: long stub (L0) joins 02-15..03-01 to the
    # period before, leaving 01-15..03-01; short stub (L1) keeps 02-15.
    long_ = Cycle(months=1, stub=Stub.LONG)
    assert generate(date(2020, 1, 15), long_, date(2020, 3, 1)) == (
        date(2020, 1, 15),
        date(2020, 3, 1),
    )
    assert generate(date(2020, 1, 15), Cycle(months=1), date(2020, 3, 1)) == (
        date(2020, 1, 15),
        date(2020, 2, 15),
        date(2020, 3, 1),
    )


def test_cycle_text_round_trips() -> None:
    assert str(Cycle.parse("P1ML0")) == "P1ML0"
    assert str(Cycle.parse("quarterly")) == "P3ML1"
    assert str(Cycle.parse("P9DL1")) == "P9DL1"
    assert Cycle.parse(str(Cycle(days=27, stub=Stub.LONG))) == Cycle(days=27, stub=Stub.LONG)


@pytest.mark.parametrize(("months", "days"), [(-1, 0), (0, -1), (-1, 5), (1, 1), (0, 0)])
def test_a_cycle_is_months_or_days_and_positive(months: int, days: int) -> None:
    with pytest.raises(ValueError, match="a cycle is a positive number of months or of days"):
        Cycle(months=months, days=days)


def test_holiday_names() -> None:
    us = get_calendar("US")
    assert us.holiday_name(date(1996, 7, 4)) == "Independence Day"
    assert us.holiday_name(date(1996, 7, 5)) is None  # an ordinary Friday
    assert get_calendar("weekdays").holiday_name(date(1996, 7, 4)) is None


def test_unknown_names_list_what_may_be_typed() -> None:
    with pytest.raises(ValueError) as exc:
        DayCount.parse("act/364")
    assert "known: actual/360, actual/365, actual/actual, 30/360, 30E/360" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        BusinessDayConvention.parse("nearest")
    assert "known: unadjusted, following, modified following, preceding" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        get_calendar("TARGET")
    assert "none (or NC, NOC, null); weekdays (or MF, MTF, weekends-only)" in str(exc.value)
    with pytest.raises(ValueError) as exc:
        Cycle.parse("fortnightly")
    assert "or a name (daily, weekly, monthly, quarterly, semiannual, annual)" in str(exc.value)
