"""Business-day calendars: hand-checked holidays, and QuantLib as an independent cross-check.

``US`` (federal holidays, from the ``holidays`` package) is compared with QuantLib's
``UnitedStates(Settlement)``, which also follows the federal holidays with their Saturday ->
Friday and Sunday -> Monday observance; ``NYSE`` with ``UnitedStates(NYSE)``. Over 1996-2003
they agree on every day. Over 1971-2070 the few dates where the two libraries disagree are
listed in tests/time/quantlib_ref.py with the reason, not hidden; in each case our calendar
follows the law.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import QuantLib as ql

from loanbook.time import get_calendar
from tests.time.quantlib_ref import (
    FIRST_YEAR,
    LAST_YEAR,
    NYSE_VS_QUANTLIB_NYSE,
    US_VS_QUANTLIB_SETTLEMENT,
    qd,
    quantlib_calendar,
    reconciled_calendar,
)

D = date


def disagreements(name: str, qcal: ql.Calendar, first: date, last: date) -> dict[date, bool]:
    """Each day in [first, last] where ours and QuantLib's differ -> whether ours says open."""
    cal = get_calendar(name)
    out: dict[date, bool] = {}
    day = first
    while day <= last:
        ours = cal.is_business_day(day)
        if ours != qcal.isBusinessDay(qd(day)):
            out[day] = ours
        day += timedelta(days=1)
    return out


def test_us_federal_matches_quantlib_settlement_1996_to_2003_exactly() -> None:
    us = ql.UnitedStates(ql.UnitedStates.Settlement)
    assert disagreements("US", us, D(1996, 1, 1), D(2003, 12, 31)) == {}


def test_nyse_matches_quantlib_nyse_1996_to_2003_exactly() -> None:
    nyse = ql.UnitedStates(ql.UnitedStates.NYSE)
    assert disagreements("NYSE", nyse, D(1996, 1, 1), D(2003, 12, 31)) == {}


FIRST, LAST = D(FIRST_YEAR, 1, 1), D(LAST_YEAR, 12, 31)


@pytest.mark.parametrize(
    ("name", "differences"), [("US", US_VS_QUANTLIB_SETTLEMENT), ("NYSE", NYSE_VS_QUANTLIB_NYSE)]
)
def test_only_the_documented_differences_from_quantlib(
    name: str, differences: dict[date, bool]
) -> None:
    assert disagreements(name, quantlib_calendar(name), FIRST, LAST) == differences
    # With them applied, QuantLib's calendar is ours day for day (the schedule cross-check
    # rolls dates on it).
    assert disagreements(name, reconciled_calendar(name), FIRST, LAST) == {}


@pytest.mark.parametrize("name", ["none", "weekdays"])
def test_plain_calendars_match_quantlib(name: str) -> None:
    assert disagreements(name, quantlib_calendar(name), FIRST, LAST) == {}


def test_government_bond_market_is_not_the_federal_calendar() -> None:
    # Why US is compared with Settlement: the bond market (SIFMA, QuantLib GovernmentBond)
    # closes on Good Friday, which is no federal holiday, and stays open on the Friday before
    # a Saturday New Year's Day or Veterans Day, which federal offices observe.
    bonds = ql.UnitedStates(ql.UnitedStates.GovernmentBond)
    good_fridays = [
        D(1997, 3, 28),
        D(1998, 4, 10),
        D(2000, 4, 21),
        D(2001, 4, 13),
        D(2002, 3, 29),
        D(2003, 4, 18),
    ]
    expected = {d: True for d in good_fridays}
    expected |= {D(1999, 12, 31): False, D(2000, 11, 10): False}
    assert disagreements("US", bonds, D(1997, 1, 1), D(2003, 12, 31)) == expected


US_1996 = [
    (D(1996, 1, 1), "New Year's Day"),
    (D(1996, 1, 15), "Martin Luther King Jr. Day"),  # third Monday: 1, 8, 15
    (D(1996, 2, 19), "Washington's Birthday"),  # third Monday: 5, 12, 19
    (D(1996, 5, 27), "Memorial Day"),  # last Monday of May
    (D(1996, 7, 4), "Independence Day"),
    (D(1996, 9, 2), "Labor Day"),  # first Monday (Sep 1 was a Sunday)
    (D(1996, 10, 14), "Columbus Day"),  # second Monday: 7, 14
    (D(1996, 11, 11), "Veterans Day"),
    (D(1996, 11, 28), "Thanksgiving Day"),  # fourth Thursday: 7, 14, 21, 28
    (D(1996, 12, 25), "Christmas Day"),
]


@pytest.mark.parametrize(("day", "name"), US_1996)
def test_us_federal_holidays_1996(day: date, name: str) -> None:
    cal = get_calendar("US")
    assert not cal.is_business_day(day)
    assert cal.holiday_name(day) == name


def test_us_federal_1996_has_exactly_ten_weekday_holidays() -> None:
    cal = get_calendar("US")
    days = [D(1996, 1, 1) + timedelta(days=i) for i in range(366)]
    closed = [d for d in days if d.weekday() < 5 and not cal.is_business_day(d)]
    assert closed == [d for d, _ in US_1996]


def test_observed_holidays() -> None:
    us = get_calendar("US")
    # New Year's Day 2000 was a Saturday: observed Friday 31 December 1999.
    assert not us.is_business_day(D(1999, 12, 31))
    # Independence Day 1999 was a Sunday: observed Monday 5 July.
    assert not us.is_business_day(D(1999, 7, 5))
    # The NYSE does not close on the Friday before a Saturday New Year's Day.
    assert get_calendar("NYSE").is_business_day(D(1999, 12, 31))


def test_nyse_specials() -> None:
    nyse = get_calendar("NYSE")
    assert not nyse.is_business_day(D(1996, 4, 5))  # Good Friday 1996 (Easter: April 7)
    assert nyse.is_business_day(D(1996, 1, 15))  # MLK Day: the NYSE opened until 1998
    assert not nyse.is_business_day(D(1998, 1, 19))
    assert nyse.is_business_day(D(1996, 10, 14))  # Columbus Day: open
    assert nyse.is_business_day(D(1996, 11, 11))  # Veterans Day: open
    for day in (11, 12, 13, 14):  # closed after the attacks of 11 September 2001
        assert not nyse.is_business_day(D(2001, 9, day))
    assert nyse.is_business_day(D(2001, 9, 17))


def test_none_and_weekdays() -> None:
    assert all(get_calendar("none").is_business_day(D(1996, 1, d)) for d in range(1, 32))
    weekdays = get_calendar("weekdays")
    assert weekdays.is_business_day(D(1996, 1, 1))  # New Year's Day is just a Monday here
    assert not weekdays.is_business_day(D(1996, 1, 6))  # Saturday
    assert not weekdays.is_business_day(D(1996, 1, 7))  # Sunday
    assert weekdays.holiday_name(D(1996, 1, 1)) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("none", "none"),
        ("NC", "none"),
        ("weekdays", "weekdays"),
        ("MF", "weekdays"),
        ("US", "US"),
        ("us", "US"),
        ("US-federal", "US"),
        ("NYSE", "NYSE"),
        ("nyse", "NYSE"),
        ("XNYS", "NYSE"),
    ],
)
def test_calendar_names(text: str, name: str) -> None:
    assert get_calendar(text).name == name


@pytest.mark.parametrize("text", ["TARGET", "UK", "", "NYSE2"])
def test_unknown_calendar_names_the_value_and_the_known_ones(text: str) -> None:
    with pytest.raises(ValueError) as err:
        get_calendar(text)
    message = str(err.value)
    assert f"unknown calendar {text!r}" in message
    for known in ("none", "weekdays", "US", "NYSE"):
        assert known in message
