"""Money: Decimal amounts and the one rounding rule.

Amounts are ``Decimal``; exact intermediate values (accrued interest) are ``Fraction`` so
that nothing is lost before the single rounding step. Unless an agreement says otherwise,
amounts payable are rounded once, to the cent, half-up (``to_cents``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from loanbook.parse import parse_amount

__all__ = ["CENT", "EXACT", "ZERO", "fmt", "frac", "parse_amount", "to_cents", "to_decimal"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Context for converting exact fractions to Decimal when no rounding to cents applies.
EXACT = Context(prec=40, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal | Fraction | int) -> Decimal:
    """Round to the cent, half-up: the rounding rule everywhere unless a term says otherwise."""
    if isinstance(value, Fraction):
        # Exact half-up rounding of a rational: floor(x * 100 + 1/2) for x >= 0, mirrored below
        # 0; in integers, floor((200 |n| + d) / 2d) for x = n / d (no Fraction arithmetic). The
        # string form makes the Decimal exact however many digits it has (no context rounds it).
        num, den = value.numerator, value.denominator
        sign = -1 if num < 0 else 1
        whole = (200 * abs(num) + den) // (2 * den)
        return Decimal(f"{sign * whole}e-2")
    amount = Decimal(value)
    # Enough precision for the whole number: quantizing never raises, however large the value
    # (the parser keeps inputs below 10^15; this keeps a bad stored value from crashing).
    digits = max(amount.adjusted(), 0) + 3 if amount.is_finite() else 28
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=Context(prec=max(28, digits)))


def to_decimal(value: Fraction | Decimal | int) -> Decimal:
    """An exact value as a Decimal at 40 significant digits (used when amounts are not rounded)."""
    if isinstance(value, Fraction):
        return EXACT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return Decimal(value)


def frac(value: Decimal | int | str) -> Fraction:
    """Exact rational of a Decimal (or integer / decimal string)."""
    return Fraction(Decimal(value)) if not isinstance(value, int) else Fraction(value)


def fmt(amount: Decimal) -> str:
    """Amount as a plain decimal string (JSON output)."""
    return format(amount, "f")
