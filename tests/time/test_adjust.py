"""Business-day conventions on month-end weekends and holidays (dates checked on a 1996-2001
calendar by hand)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.time import BusinessDayConvention, adjust, get_calendar

D = date
U = BusinessDayConvention.UNADJUSTED
F = BusinessDayConvention.FOLLOWING
MF = BusinessDayConvention.MODIFIED_FOLLOWING
P = BusinessDayConvention.PRECEDING
MP = BusinessDayConvention.MODIFIED_PRECEDING

CASES = [
    # Sunday 30 June 1996, a month-end: following crosses into July, modified following not.
    ("US", D(1996, 6, 30), {U: D(1996, 6, 30), F: D(1996, 7, 1), MF: D(1996, 6, 28)}),
    ("US", D(1996, 6, 30), {P: D(1996, 6, 28), MP: D(1996, 6, 28)}),
    ("weekdays", D(1996, 6, 30), {F: D(1996, 7, 1), MF: D(1996, 6, 28), P: D(1996, 6, 28)}),
    # Sunday 31 March 1996.
    ("US", D(1996, 3, 31), {F: D(1996, 4, 1), MF: D(1996, 3, 29), P: D(1996, 3, 29)}),
    # Sunday 1 September 1996, then Labor Day (Mon 2 Sep): preceding goes back to August,
    # modified preceding stays in September and goes forward past the holiday.
    ("US", D(1996, 9, 1), {P: D(1996, 8, 30), MP: D(1996, 9, 3), F: D(1996, 9, 3)}),
    ("US", D(1996, 9, 1), {MF: D(1996, 9, 3), U: D(1996, 9, 1)}),
    ("weekdays", D(1996, 9, 1), {MP: D(1996, 9, 2), F: D(1996, 9, 2)}),
    # Sunday 1 December 1996.
    ("US", D(1996, 12, 1), {P: D(1996, 11, 29), MP: D(1996, 12, 2)}),
    # Friday 31 December 1999: New Year's Day observed (federal), a trading day on the NYSE.
    ("US", D(1999, 12, 31), {F: D(2000, 1, 3), MF: D(1999, 12, 30), P: D(1999, 12, 30)}),
    ("NYSE", D(1999, 12, 31), {F: D(1999, 12, 31), MF: D(1999, 12, 31)}),
    # Sunday 31 December 2000, then New Year's Day on Monday.
    ("US", D(2000, 12, 31), {F: D(2001, 1, 2), MF: D(2000, 12, 29), P: D(2000, 12, 29)}),
    # Memorial Day on Monday 31 May 1999, the month-end.
    ("US", D(1999, 5, 31), {F: D(1999, 6, 1), MF: D(1999, 5, 28), P: D(1999, 5, 28)}),
    # Independence Day, mid-month (Thursday 4 July 1996): modified = plain.
    ("US", D(1996, 7, 4), {F: D(1996, 7, 5), MF: D(1996, 7, 5), P: D(1996, 7, 3)}),
    ("US", D(1996, 7, 4), {MP: D(1996, 7, 3)}),
    # Saturday 29 March 1997, the day after Good Friday: the NYSE was closed on the Friday,
    # federal offices were not.
    ("NYSE", D(1997, 3, 29), {F: D(1997, 3, 31), MF: D(1997, 3, 31), P: D(1997, 3, 27)}),
    ("US", D(1997, 3, 29), {P: D(1997, 3, 28), MP: D(1997, 3, 28)}),
    # NYSE closed 11-14 September 2001.
    ("NYSE", D(2001, 9, 11), {F: D(2001, 9, 17), P: D(2001, 9, 10)}),
    # Saturday 28 February 1998 (month-end): modified following goes back to the 27th.
    ("US", D(1998, 2, 28), {F: D(1998, 3, 2), MF: D(1998, 2, 27)}),
    # A business day never moves.
    ("US", D(1996, 4, 30), {U: D(1996, 4, 30), F: D(1996, 4, 30), MF: D(1996, 4, 30)}),
    ("US", D(1996, 4, 30), {P: D(1996, 4, 30), MP: D(1996, 4, 30)}),
    # Nothing moves on the "none" calendar.
    ("none", D(1996, 6, 30), {F: D(1996, 6, 30), MF: D(1996, 6, 30), P: D(1996, 6, 30)}),
]


@pytest.mark.parametrize(("calendar", "day", "expected"), CASES)
def test_conventions(calendar: str, day: date, expected: dict[BusinessDayConvention, date]) -> None:
    cal = get_calendar(calendar)
    assert {c: adjust(day, c, cal) for c in expected} == expected


days = st.dates(min_value=D(1980, 1, 1), max_value=D(2040, 12, 31))
calendars = st.sampled_from(["none", "weekdays", "US", "NYSE"])


@settings(max_examples=200, deadline=None)
@given(days, calendars)
def test_convention_properties(day: date, calendar: str) -> None:
    cal = get_calendar(calendar)
    moved = {c: adjust(day, c, cal) for c in BusinessDayConvention}
    assert moved[U] == day
    for c in (F, MF, P, MP):
        assert cal.is_business_day(moved[c])
        assert adjust(moved[c], c, cal) == moved[c]  # idempotent
    assert moved[P] <= day <= moved[F]
    assert moved[MF].month == day.month and moved[MP].month == day.month
    assert moved[MF] in (moved[F], moved[P]) and moved[MP] in (moved[F], moved[P])
    if cal.is_business_day(day):
        assert set(moved.values()) == {day}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("following", F),
        ("Following", F),
        ("F", F),
        ("modified following", MF),
        ("Modified-Following", MF),
        ("modified_following", MF),
        ("ModifiedFollowing", MF),
        ("MF", MF),
        ("preceding", P),
        ("P", P),
        ("modified preceding", MP),
        ("MP", MP),
        ("unadjusted", U),
        ("none", U),
    ],
)
def test_parse_convention(text: str, expected: BusinessDayConvention) -> None:
    assert BusinessDayConvention.parse(text) is expected


@pytest.mark.parametrize("text", ["nearest", "", "SCF", "following!"])
def test_unknown_convention_names_the_value_and_the_known_ones(text: str) -> None:
    with pytest.raises(ValueError) as err:
        BusinessDayConvention.parse(text)
    message = str(err.value)
    assert f"unknown business-day convention {text!r}" in message
    for known in BusinessDayConvention:
        assert known.value in message
