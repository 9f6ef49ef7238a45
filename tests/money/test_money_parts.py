"""The rest of ``loanbook.money``: exact conversions and the one parser of amounts people type."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from loanbook.money import fmt, frac, parse_amount, to_decimal


def test_to_decimal_is_exact_to_40_digits() -> None:
    assert to_decimal(F(1, 3)) == D("0.3333333333333333333333333333333333333333")
    assert to_decimal(F(2, 3)) == D("0.6666666666666666666666666666666666666667")  # half-up
    assert to_decimal(D("1234.5678")) == D("1234.5678")
    assert to_decimal(7) == D(7)


def test_frac_is_the_exact_rational() -> None:
    assert frac(D("0.085")) == F(17, 200)
    assert frac("5.4375") == F(87, 16)
    assert frac(3) == F(3) and isinstance(frac(3), F)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("  100 ", D("100")),  # surrounding blanks are not part of the number
        ("4554900.00", D("4554900.00")),
        (D("12.30"), D("12.30")),
        (42, D(42)),
    ],
)
def test_parse_amount(text: str | int | D, amount: D) -> None:
    got = parse_amount(text)
    assert got == amount and str(got) == str(amount)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # issue 7: nothing that could be read two ways is guessed at
        (1.5, "is a float"),
        ("1,234.56", "is not a decimal amount"),
        ("$4,554,900.00", "is not a decimal amount"),
        ("-5.00", "is negative"),
        ("12x", "is not a decimal amount"),
        ("", "is not a decimal amount"),
        ("NaN", "is not a decimal amount"),
        ("Infinity", "is not a decimal amount"),
        ("0.001", "has more than 2 decimal places"),
    ],
)
def test_parse_amount_refuses(text: str | float, reason: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_amount(text)  # type: ignore[arg-type]
    assert reason in str(exc.value)


def test_fmt_is_plain_decimal_text() -> None:
    assert fmt(D("4554900.00")) == "4554900.00"
    assert fmt(D("1E+3")) == "1000"
    assert fmt(D("-0.05")) == "-0.05"
