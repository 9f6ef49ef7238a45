"""Cycles and schedules: the CIT note's month-ends, the end-of-month rule, ACTUS stubs.

Expected dates are worked out by hand (the comments give the arithmetic); the ACTUS ones are
also the event dates of the ACTUS reference cases named (../shared/reference/actus).
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from loanbook.time import Cycle, Stub, add_cycle, generate, generate_count
from loanbook.time.schedule import add_months, is_month_end

D = date
MONTHLY = Cycle.parse("monthly")


def test_cit_schedule_is_48_month_ends_from_april_1996() -> None:
    dates = generate_count(D(1996, 4, 30), MONTHLY, 48, eom=True)
    assert len(dates) == 48
    assert dates[0] == D(1996, 4, 30)
    assert dates[-1] == D(2000, 3, 31)
    # Each is the last day of its month (the next day is a 1st), one month apart.
    for d in dates:
        assert (d + timedelta(days=1)).day == 1
    months = [(d.year, d.month) for d in dates]
    assert months[:3] == [(1996, 4), (1996, 5), (1996, 6)]
    assert all((b[0] * 12 + b[1]) - (a[0] * 12 + a[1]) == 1 for a, b in pairwise(months))
    assert dates[1] == D(1996, 5, 31)  # not the 30th: the end-of-month rule
    assert D(1997, 2, 28) in dates and D(1998, 2, 28) in dates and D(1999, 2, 28) in dates
    assert D(2000, 2, 29) in dates  # 2000 is a leap year (divisible by 400)


def test_without_eom_the_day_of_month_is_kept_and_does_not_drift() -> None:
    # From the 30th of April: the 30th of each month (February clamped), never the 31st.
    assert generate_count(D(1996, 4, 30), MONTHLY, 3) == (
        D(1996, 4, 30),
        D(1996, 5, 30),
        D(1996, 6, 30),
    )
    # From the 31st of January: clamped in short months, back to the 31st after them.
    assert generate_count(D(1996, 1, 31), MONTHLY, 5) == (
        D(1996, 1, 31),
        D(1996, 2, 29),
        D(1996, 3, 31),
        D(1996, 4, 30),
        D(1996, 5, 31),
    )
    assert generate_count(D(1996, 1, 31), Cycle.parse("quarterly"), 4) == (
        D(1996, 1, 31),
        D(1996, 4, 30),
        D(1996, 7, 31),
        D(1996, 10, 31),
    )


def test_eom_only_applies_to_a_month_end_anchor() -> None:
    assert generate_count(D(1996, 4, 29), MONTHLY, 2, eom=True) == (D(1996, 4, 29), D(1996, 5, 29))
    # 28 Feb 1996 is not a month-end (leap year); 28 Feb 1997 is.
    assert add_cycle(D(1996, 2, 28), MONTHLY, 1, eom=True) == D(1996, 3, 28)
    assert add_cycle(D(1997, 2, 28), MONTHLY, 1, eom=True) == D(1997, 3, 31)
    assert add_cycle(D(1997, 2, 28), MONTHLY, 1, eom=False) == D(1997, 3, 28)
    # From 29 Feb 1996 with the rule: month-ends; without it: the 29th (28th in February).
    assert add_cycle(D(1996, 2, 29), MONTHLY, 12, eom=True) == D(1997, 2, 28)
    assert add_cycle(D(1996, 2, 29), MONTHLY, 1, eom=True) == D(1996, 3, 31)
    assert add_cycle(D(1996, 2, 29), MONTHLY, 1, eom=False) == D(1996, 3, 29)
    assert add_cycle(D(1996, 2, 29), Cycle.parse("annual"), 4, eom=False) == D(2000, 2, 29)
    assert add_cycle(D(1996, 2, 29), Cycle.parse("annual"), 1, eom=False) == D(1997, 2, 28)
    # Day cycles ignore the rule.
    assert add_cycle(D(1996, 4, 30), Cycle.parse("P9D"), 1, eom=True) == D(1996, 5, 9)


def test_month_helpers() -> None:
    assert is_month_end(D(1996, 2, 29)) and not is_month_end(D(1996, 2, 28))
    assert is_month_end(D(1900, 2, 28))  # 1900 is not a leap year
    assert add_months(D(1996, 1, 31), -2) == D(1995, 11, 30)
    assert add_months(D(1996, 4, 15), 0, eom=True) == D(1996, 4, 30)


def test_short_and_long_final_stub_monthly() -> None:
    start, end = D(2013, 1, 15), D(2013, 5, 1)
    short = generate(start, Cycle.parse("P1ML1"), end)
    assert short == (D(2013, 1, 15), D(2013, 2, 15), D(2013, 3, 15), D(2013, 4, 15), end)
    # Long: April 15 goes; the last period runs March 15 -> May 1.
    long = generate(start, Cycle.parse("P1ML0"), end)
    assert long == (D(2013, 1, 15), D(2013, 2, 15), D(2013, 3, 15), end)
    # Without the end date.
    assert generate(start, Cycle.parse("P1ML0"), end, include_end=False) == long[:-1]
    assert generate(start, Cycle.parse("P1ML1"), end, include_end=False) == short[:-1]


def test_no_stub_when_the_end_is_a_cycle_date() -> None:
    start, end = D(2013, 1, 15), D(2013, 5, 15)
    expected = (D(2013, 1, 15), D(2013, 2, 15), D(2013, 3, 15), D(2013, 4, 15), end)
    assert generate(start, Cycle.parse("P1ML0"), end) == expected
    assert generate(start, Cycle.parse("P1ML1"), end) == expected


def test_long_stub_never_drops_the_anchor() -> None:
    assert generate(D(2013, 1, 15), Cycle.parse("P1ML0"), D(2013, 2, 1)) == (
        D(2013, 1, 15),
        D(2013, 2, 1),
    )


def test_degenerate_ranges() -> None:
    assert generate(D(2013, 1, 15), MONTHLY, D(2013, 1, 15)) == (D(2013, 1, 15),)
    assert generate(D(2013, 1, 15), MONTHLY, D(2013, 1, 15), include_end=False) == ()
    assert generate(D(2013, 1, 15), MONTHLY, D(2013, 1, 14)) == ()
    assert generate_count(D(2013, 1, 15), MONTHLY, 0) == ()
    with pytest.raises(ValueError, match="count of zero or more"):
        generate_count(D(2013, 1, 15), MONTHLY, -1)


def test_actus_lam20_nine_day_cycle_ends_with_a_five_day_stub() -> None:
    # lam20: P9DL1 from 2013-02-01 to maturity 2013-10-16. Feb 1 -> Oct 16 is
    # 27+31+30+31+30+31+31+30+16 = 257 days = 28 x 9 + 5: the 28th step is Oct 11, then a
    # 5-day short stub to Oct 16 (the reference's last PR/IP events are 10-02, 10-11, 10-16).
    dates = generate(D(2013, 2, 1), Cycle.parse("P9DL1"), D(2013, 10, 16))
    assert len(dates) == 30  # steps 0..28 and the end
    assert dates[:3] == (D(2013, 2, 1), D(2013, 2, 10), D(2013, 2, 19))
    assert dates[-3:] == (D(2013, 10, 2), D(2013, 10, 11), D(2013, 10, 16))
    assert all((b - a).days == 9 for a, b in pairwise(dates[:-1]))


def test_nine_day_cycle_from_jan_21_to_sep_15_2013_ends_with_a_three_day_stub() -> None:
    # Jan 21 -> Sep 15 2013: 10+28+31+30+31+30+31+31+15 = 237 days = 26 x 9 + 3, so the last
    # cycle date is Sep 12 and the short stub is 3 days (not 5: that is lam20 above).
    dates = generate(D(2013, 1, 21), Cycle.parse("P9DL1"), D(2013, 9, 15))
    assert len(dates) == 28
    assert dates[-2:] == (D(2013, 9, 12), D(2013, 9, 15))
    # With a long stub (P9DL0) Sep 12 goes and the last period is 12 days, Sep 3 -> Sep 15.
    long = generate(D(2013, 1, 21), Cycle.parse("P9DL0"), D(2013, 9, 15))
    assert long[-2:] == (D(2013, 9, 3), D(2013, 9, 15))


def test_actus_pam24_29_day_reset_cycle_with_long_stub() -> None:
    # pam24: rate resets P29DL0 from 2013-05-20 until maturity 2014-01-01. Steps: Jun 18,
    # Jul 17, Aug 15, Sep 13, Oct 12, Nov 10, Dec 9, (Jan 7 2014 is past the end). The long
    # stub drops Dec 9, so the last reset is Nov 10 (as in the reference results).
    resets = generate(D(2013, 5, 20), Cycle.parse("P29DL0"), D(2014, 1, 1), include_end=False)
    assert resets == (
        D(2013, 5, 20),
        D(2013, 6, 18),
        D(2013, 7, 17),
        D(2013, 8, 15),
        D(2013, 9, 13),
        D(2013, 10, 12),
        D(2013, 11, 10),
    )


def test_actus_pam17_27_day_cycle_with_short_stub() -> None:
    # pam17: P27DL1 from 2013-01-01 to 2014-01-01: 365 = 13 x 27 + 14; step 13 is Dec 18.
    dates = generate(D(2013, 1, 1), Cycle.parse("P27DL1"), D(2014, 1, 1))
    assert dates[-3:] == (D(2013, 11, 21), D(2013, 12, 18), D(2014, 1, 1))
    assert len(dates) == 15


@pytest.mark.parametrize(
    ("text", "months", "days", "stub"),
    [
        ("P1ML0", 1, 0, Stub.LONG),
        ("P1ML1", 1, 0, Stub.SHORT),
        ("P3M", 3, 0, Stub.SHORT),
        ("P1Q", 3, 0, Stub.SHORT),
        ("P1H", 6, 0, Stub.SHORT),
        ("P1YL0", 12, 0, Stub.LONG),
        ("P9DL1", 0, 9, Stub.SHORT),
        ("P2W", 0, 14, Stub.SHORT),
        ("p1ml0", 1, 0, Stub.LONG),
        (" P6M ", 6, 0, Stub.SHORT),
        ("monthly", 1, 0, Stub.SHORT),
        ("Quarterly", 3, 0, Stub.SHORT),
        ("semiannual", 6, 0, Stub.SHORT),
        ("annual", 12, 0, Stub.SHORT),
        ("weekly", 0, 7, Stub.SHORT),
        ("daily", 0, 1, Stub.SHORT),
    ],
)
def test_parse_cycles(text: str, months: int, days: int, stub: Stub) -> None:
    cycle = Cycle.parse(text)
    assert (cycle.months, cycle.days, cycle.stub) == (months, days, stub)
    assert Cycle.parse(str(cycle)) == cycle


@pytest.mark.parametrize(
    "text", ["", "P0M", "P0DL1", "P1X", "1M", "P1ML2", "P-1M", "PM", "monthlyish", "P1M1D"]
)
def test_malformed_cycle_names_the_value_and_the_known_forms(text: str) -> None:
    with pytest.raises(ValueError) as err:
        Cycle.parse(text)
    message = str(err.value)
    assert f"malformed cycle {text!r}" in message
    assert "P1ML0" in message
    for name in ("monthly", "quarterly", "semiannual", "annual"):
        assert name in message


@pytest.mark.parametrize(("months", "days"), [(0, 0), (1, 1), (-1, 0), (0, -3)])
def test_a_cycle_is_months_or_days(months: int, days: int) -> None:
    with pytest.raises(ValueError, match="positive number of months or of days"):
        Cycle(months=months, days=days)
