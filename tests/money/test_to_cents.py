"""``to_cents``: the one rounding rule, half-up to the cent, on Decimal and on exact fractions.

Each case is a value exactly half a cent from two candidates (where half-up and half-even
disagree), or just either side of the half, with the expected cent worked out by hand.
"""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from loanbook.money import to_cents


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (D("0.005"), D("0.01")),  # half-even would give 0.00 (0 is even)
        (D("0.025"), D("0.03")),  # half-even: 0.02
        (D("2.675"), D("2.68")),  # as a float 2.675 is 2.67499..., the Decimal is exact
        (D("500.005"), D("500.01")),  # 1,000.01 x 50% (an advance rate)
        (D("70000.105"), D("70000.11")),  # 100,000.15 x 70%
        (D("1234.0049999"), D("1234.00")),  # below the half: down
        (D("1234.0050001"), D("1234.01")),  # above the half: up
        (D("-0.005"), D("-0.01")),  # half away from zero, mirrored
        (D("-2.675"), D("-2.68")),
        (D("7"), D("7.00")),
    ],
)
def test_decimal_half_cents_round_up(value: D, cents: D) -> None:
    got = to_cents(value)
    assert got == cents
    assert got.as_tuple().exponent == -2  # always two places


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (F(1, 200), D("0.01")),  # 0.005: half-even 0.00
        (F(5, 200), D("0.03")),  # 0.025: half-even 0.02
        (F(100_001, 200), D("500.01")),  # 500.005
        (F(-1, 200), D("-0.01")),
        (F(-5, 200), D("-0.03")),
        (F(1, 3), D("0.33")),  # 0.333...
        (F(2, 3), D("0.67")),  # 0.666...
        (F(4999, 1_000_000), D("0.00")),  # 0.004999
        (F(5001, 1_000_000), D("0.01")),  # 0.005001
        # 4,554,900 x 8.5% x 104/360 = 111,848.1 exactly -> 111,848.10 (the CIT note's first
        # interest); x 105/360 = 40,652,482.5 / 360 = 112,923.5625 -> 112,923.56
        (F(4_554_900) * F(85, 1000) * F(104, 360), D("111848.10")),
        (F(4_554_900) * F(85, 1000) * F(105, 360), D("112923.56")),
        (3, D("3.00")),
    ],
)
def test_fraction_half_cents_round_up(value: F | int, cents: D) -> None:
    got = to_cents(value)
    assert got == cents
    assert got.as_tuple().exponent == -2
