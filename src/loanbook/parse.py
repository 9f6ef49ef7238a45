"""The one way in for a value a person types: amounts, percentages, dates, counts and ids.

Every input (CLI options, events and rates CSV, term files, later the API) goes through these
functions, so a value means the same thing wherever it is written and nothing is guessed:

- digits are ASCII ``0-9`` only (no Arabic-Indic or other Unicode digits);
- a leading minus only where a negative value is allowed (never a plus sign);
- at most one decimal point, with digits on both sides ("1.5", not "1." or ".5");
- no thousands separators, underscores, spaces, currency signs or exponents ("1,00",
  "1.000,00", "1_000", "$5", "1e3" are refused, never reinterpreted);
- money has at most two decimals (cents) unless a term states another number of places;
- a stated maximum: ``MAX_AMOUNT`` (one quadrillion, 10^15, dollars) for money and
  ``MAX_PERCENT`` (1,000% a year) for rates, far above any real agreement and far below where
  Decimal arithmetic (28 significant digits) could lose a cent.

Each function raises ``InputError`` (a ``ValueError``) whose message is the reason alone;
the caller adds where the value came from (``file:line: field`` or the option).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

#: The largest amount of money Loanbook accepts (in the loan's currency): 10^15.
MAX_AMOUNT = Decimal(10) ** 15
#: The largest rate accepted, in percent (1,000% a year).
MAX_PERCENT = Decimal(1000)
#: Decimal places of money (cents), unless a term says otherwise.
MONEY_PLACES = 2
#: Decimal places a rate in percent may have (5.4375% has 4).
PERCENT_PLACES = 8
#: The range of dates accepted: far beyond any loan's life, and far from ``date.max`` (a
#: schedule or a day count that steps past 9999-12-31 would overflow).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)
#: The longest id (loan, facility, index, idempotency key).
MAX_ID = 200
#: The longest free text (a reference) accepted in an event.
MAX_TEXT = 500

_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@#+=-]*", re.ASCII)


class InputError(ValueError):
    """A typed value that is refused; the message says why (without saying where)."""


def _number(text: object, what: str, *, negative: bool, places: int, maximum: Decimal) -> Decimal:
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise InputError(f"expected {what}, got {type(text).__name__}")
    raw = format(text, "f") if isinstance(text, Decimal) else str(text)
    shown = raw if len(raw) <= 40 else raw[:37] + "..."
    if isinstance(text, Decimal) and not text.is_finite():
        raise InputError(f"{shown!r} is not a finite {what}")
    match = _NUMBER.fullmatch(raw.strip())
    if match is None or (places == 0 and match.group(3) is not None):
        hint = (
            "ASCII digits only, e.g. 3"
            if places == 0
            else "ASCII digits and at most one decimal point, e.g. 1234.56; "
            "no separators, spaces, signs or exponents"
        )
        raise InputError(f"{shown!r} is not {what} ({hint})")
    sign, whole, fraction = match.groups()
    if sign and not negative:
        raise InputError(f"{shown!r} is negative (not allowed here)")
    written = fraction.rstrip("0") if isinstance(text, Decimal) and fraction else fraction
    if written is not None and len(written) > places:
        raise InputError(f"{shown!r} has more than {places} decimal places")
    if len(whole.lstrip("0")) > len(str(int(maximum))):  # cheap guard before Decimal()
        raise InputError(f"{shown!r} is above the maximum {maximum:,}")
    value = Decimal(raw.strip())
    if abs(value) > maximum:
        raise InputError(f"{shown!r} is above the maximum {maximum:,}")
    return value


def parse_amount(
    text: object,
    *,
    negative: bool = False,
    places: int = MONEY_PLACES,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """An amount of money: ``1234.56`` (text, int or Decimal; never a float)."""
    if isinstance(text, float):
        raise InputError(f"{text!r} is a float; write the amount as a decimal (e.g. 1234.56)")
    return _number(text, "a decimal amount", negative=negative, places=places, maximum=maximum)


def parse_decimal(text: object, *, places: int = 10, maximum: Decimal = MAX_AMOUNT) -> Decimal:
    """A plain non-money decimal (a multiplier or factor), e.g. ``1.05``."""
    if isinstance(text, float):
        raise InputError(f"{text!r} is a float; write it as a decimal")
    return _number(text, "a decimal number", negative=True, places=places, maximum=maximum)


def parse_percent(
    text: object, *, negative: bool = True, sign: bool = False, fraction: bool = True
) -> Decimal:
    """A rate in percent (``5.4375``, or ``5.4375%`` when ``sign``) as a fraction (0.054375),
    or as written in percent when not ``fraction``.

    Negative rates are allowed by default (an index can fix below zero)."""
    if isinstance(text, float):
        raise InputError(f"{text!r} is a float; write the rate as a decimal")
    body = text
    if sign:
        if not isinstance(text, str) or not text.strip().endswith("%"):
            raise InputError(f"write rates in percent with a % sign, e.g. '3%' (got {text!r})")
        body = text.strip()[:-1].rstrip()
    value = _number(
        body, "a decimal rate", negative=negative, places=PERCENT_PLACES, maximum=MAX_PERCENT
    )
    return value / 100 if fraction else value


def parse_count(text: object, *, maximum: int = 100_000) -> int:
    """A whole number of months, days or installments: ASCII digits, at most ``maximum``."""
    value = _number(text, "a whole number", negative=False, places=0, maximum=Decimal(maximum))
    return int(value)


def parse_date(text: object) -> date:
    """A calendar date written ``YYYY-MM-DD`` (nothing else: no week dates, no 19970131),
    from ``MIN_DATE`` to ``MAX_DATE``."""
    if isinstance(text, date):
        text = text.isoformat()
    if not isinstance(text, str) or not _DATE.fullmatch(text.strip()):
        raise InputError(f"{str(text)[:40]!r} is not a YYYY-MM-DD date")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:  # e.g. 1996-02-30: "day is out of range for month"
        raise InputError(f"{text.strip()!r} is not a date ({exc})") from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise InputError(f"{day} is outside the dates Loanbook accepts ({MIN_DATE} to {MAX_DATE})")
    return day


def parse_instant(text: object) -> datetime:
    """A moment: ``YYYY-MM-DD`` (midnight UTC) or an ISO timestamp (UTC unless it says
    otherwise), within the accepted dates once in UTC."""
    if not isinstance(text, str):
        raise InputError(f"expected a date or timestamp, got {type(text).__name__}")
    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(parse_date(value), time(), UTC)
        else:
            if not value.isascii() or not _DATE.match(value[:10]):
                raise ValueError(value)
            parsed = datetime.fromisoformat(value)
            moment = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InputError(f"{value[:40]!r} is not a date or ISO timestamp") from None
    if not MIN_DATE <= moment.date() <= MAX_DATE:
        raise InputError(
            f"{value} is outside the dates Loanbook accepts ({MIN_DATE} to {MAX_DATE})"
        )
    return moment


def parse_id(text: object, what: str = "id", maximum: int = MAX_ID) -> str:
    """A loan, facility, index or key id: ASCII letters, digits and ``. _ : / @ # + = -``,
    starting with a letter or digit, at most ``maximum`` characters."""
    if not isinstance(text, str):
        raise InputError(f"expected {what}, got {type(text).__name__}")
    value = text.strip()
    if not value:
        raise InputError(f"empty {what}")
    if len(value) > maximum:
        raise InputError(f"{what} is longer than {maximum} characters")
    if not _ID.fullmatch(value):
        raise InputError(
            f"{value[:40]!r} is not a valid {what} (ASCII letters, digits and . _ : / @ # + = -)"
        )
    return value


def parse_text(text: str, what: str = "text", maximum: int = MAX_TEXT) -> str:
    """Free text (a reference): any printable characters, at most ``maximum`` of them."""
    if len(text) > maximum:
        raise InputError(f"{what} is longer than {maximum} characters")
    if any(not (c.isprintable() or c == " ") for c in text):
        raise InputError(f"{what} contains control characters")
    return text


def check_amount(value: Decimal, *, negative: bool = True) -> Decimal:
    """An amount already held (read back from a store): finite and within ``MAX_AMOUNT``."""
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        raise InputError(f"{value} is outside the range of amounts (at most {MAX_AMOUNT:,})")
    if value < 0 and not negative:
        raise InputError(f"{value} must not be negative")
    return value
