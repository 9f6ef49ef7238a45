"""Money: Decimal amounts and the one rounding rule.

Amounts are ``Decimal``; exact intermediate values (accrued interest) are ``Fraction`` so
that nothing is lost before the single rounding step. Unless an agreement says otherwise,
amounts payable are rounded once, to the cent, half-up (``to_cents``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: Context for converting exact fractions to Decimal when no rounding to cents applies.
EXACT = Context(prec=40, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal | Fraction | int) -> Decimal:
    """Round to the cent, half-up: the rounding rule everywhere unless a term says otherwise."""
    if isinstance(value, Fraction):
        # Exact half-up rounding of a rational: floor(x * 100 + 1/2) for x >= 0, mirrored below
        # 0; in integers, floor((200 |n| + d) / 2d) for x = n / d (no Fraction arithmetic).
        num, den = value.numerator, value.denominator
        sign = -1 if num < 0 else 1
        whole = (200 * abs(num) + den) // (2 * den)
        return (Decimal(sign * whole) / 100).quantize(CENT)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Fraction | Decimal | int) -> Decimal:
    """An exact value as a Decimal at 40 significant digits (used when amounts are not rounded)."""
    if isinstance(value, Fraction):
        return EXACT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return Decimal(value)


def frac(value: Decimal | int | str) -> Fraction:
    """Exact rational of a Decimal (or integer / decimal string)."""
    return Fraction(Decimal(value)) if not isinstance(value, int) else Fraction(value)


def parse_amount(text: str | int | float | Decimal) -> Decimal:
    """Parse a money amount from text; floats are refused (they are not exact)."""
    if isinstance(text, float):
        raise ValueError(f"amount {text!r} is a float; write it as a decimal string")
    try:
        value = Decimal(str(text).strip().replace(",", "").replace("$", ""))
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a decimal amount") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite amount")
    return value


def fmt(amount: Decimal) -> str:
    """Amount as a plain decimal string (JSON output)."""
    return format(amount, "f")
