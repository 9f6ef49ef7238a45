"""Money: Decimal amounts and the one rounding rule.

Amounts are ``Decimal``; exact intermediate values (accrued interest) are ``Fraction`` so
that nothing is lost before the single rounding step. Unless an agreement says otherwise,
amounts payable are rounded once, to the cent, half-up (``to_cents``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

from loanbook.parse import parse_amount

__all__ = [
    "CENT",
    "EXACT",
    "ZERO",
    "cents_half_up",
    "fmt",
    "frac",
    "parse_amount",
    "to_cents",
    "to_decimal",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Context for converting exact fractions to Decimal when no rounding to cents applies.
EXACT = Context(prec=40, rounding=ROUND_HALF_UP)


def cents_half_up(num: int, den: int) -> int:
    """The amount ``num / den`` (in currency units, ``den`` > 0) rounded half-up to whole
    cents: floor(x * 100 + 1/2) for x >= 0, mirrored below 0; in integers,
    floor((200 |num| + den) / 2 den). The one rounding rule, for exact rationals kept as
    integer pairs (``to_cents`` of a Fraction is this)."""
    if num < 0:
        return -((200 * -num + den) // (2 * den))
    return (200 * num + den) // (2 * den)


def to_cents(value: Decimal | Fraction | int) -> Decimal:
    """Round to the cent, half-up: the rounding rule everywhere unless a term says otherwise."""
    if isinstance(value, Fraction):
        # The string form makes the Decimal exact however many digits it has (no context
        # rounds it).
        return Decimal(f"{cents_half_up(value.numerator, value.denominator)}e-2")
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
