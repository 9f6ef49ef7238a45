"""Day-count conventions as exact fractions of a year.

Fractions are ``fractions.Fraction`` so that interest = principal x rate x fraction loses
nothing before the single rounding step. Definitions follow the 2006 ISDA Definitions,
Section 4.16 (b)-(g); QuantLib's day counters are the test suite's independent cross-check
(Actual360, Actual365Fixed, ActualActual(ISDA), Thirty360(BondBasis), Thirty360(European)).
"""

from __future__ import annotations

import calendar as _cal
from datetime import date
from enum import StrEnum
from fractions import Fraction


class DayCount(StrEnum):
    """The conventions agreements name. Values are the term-file spellings."""

    ACT_360 = "actual/360"  # ISDA 4.16(e): actual days / 360
    # ISDA 4.16(d), "Actual/365 (Fixed)": actual days / 365. (The 2000 ISDA Definitions used a
    # bare "Actual/365" for actual/actual; US loan agreements mean the fixed one, and so do we.)
    ACT_365F = "actual/365"
    ACT_ACT = "actual/actual"  # ISDA 4.16(b): days in leap years / 366 + others / 365
    THIRTY_360 = "30/360"  # ISDA 4.16(f), "Bond Basis" (not the SIA end-of-February rule)
    THIRTY_E_360 = "30E/360"  # ISDA 4.16(g), "Eurobond Basis"

    @classmethod
    def parse(cls, text: str) -> DayCount:
        """The term-file spelling, a common synonym or an ACTUS code (A360, A365, AA, 30E360,
        30360); case and spaces do not matter."""
        member = _ALIASES.get(_normal(text))
        if member is None:
            known = ", ".join(m.value for m in cls)
            raise ValueError(
                f"unknown day count {text!r} (known: {known}; "
                f"also ACTUS codes A360, A365, AA, 30360, 30E360)"
            )
        return member


def _normal(text: str) -> str:
    return "".join(text.split()).upper().replace("ACTUAL", "ACT")


_ALIASES: dict[str, DayCount] = {
    **{_normal(m.value): m for m in DayCount},
    # actual/360
    "A360": DayCount.ACT_360,
    "A/360": DayCount.ACT_360,
    "365/360": DayCount.ACT_360,  # "on the basis of a 360-day year for the actual days"
    "ACT/360(FRENCH)": DayCount.ACT_360,
    # actual/365 (fixed)
    "A365": DayCount.ACT_365F,
    "A/365": DayCount.ACT_365F,
    "ACT/365F": DayCount.ACT_365F,
    "A/365F": DayCount.ACT_365F,
    "ACT/365(FIXED)": DayCount.ACT_365F,
    "365/365": DayCount.ACT_365F,
    "ACT/365FIXED": DayCount.ACT_365F,
    "ENGLISH": DayCount.ACT_365F,
    # actual/actual (ISDA)
    "AA": DayCount.ACT_ACT,
    "ACT/ACT(ISDA)": DayCount.ACT_ACT,
    "ACT/ACTISDA": DayCount.ACT_ACT,
    # 30/360 bond basis
    "30360": DayCount.THIRTY_360,
    "360/360": DayCount.THIRTY_360,
    "BONDBASIS": DayCount.THIRTY_360,
    "30/360(BONDBASIS)": DayCount.THIRTY_360,
    "30/360BONDBASIS": DayCount.THIRTY_360,
    "30/360(ISDA)": DayCount.THIRTY_360,
    # 30E/360 eurobond basis
    "30E360": DayCount.THIRTY_E_360,
    "EUROBONDBASIS": DayCount.THIRTY_E_360,
    "30E/360(EUROBONDBASIS)": DayCount.THIRTY_E_360,
    "30/360(EUROBONDBASIS)": DayCount.THIRTY_E_360,
}


def spellings() -> dict[DayCount, tuple[str, ...]]:
    """Every accepted spelling (normalised: no spaces, upper case, ACTUAL as ACT) of each
    convention, for the term-format reference."""
    out: dict[DayCount, list[str]] = {m: [] for m in DayCount}
    for text, member in _ALIASES.items():
        out[member].append(text)
    return {m: tuple(found) for m, found in out.items()}


def _thirty(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> Fraction:
    return Fraction(360 * (y2 - y1) + 30 * (m2 - m1) + (d2 - d1), 360)


def _year_length(year: int) -> int:
    return 366 if _cal.isleap(year) else 365


def year_fraction(convention: DayCount, start: date, end: date) -> Fraction:
    """Fraction of a year from ``start`` (inclusive) to ``end`` (exclusive).

    Antisymmetric: ``year_fraction(c, b, a) == -year_fraction(c, a, b)``.
    """
    if end < start:
        return -year_fraction(convention, end, start)
    if convention is DayCount.ACT_360:
        return Fraction((end - start).days, 360)
    if convention is DayCount.ACT_365F:
        return Fraction((end - start).days, 365)
    if convention is DayCount.ACT_ACT:
        if start.year == end.year:
            return Fraction((end - start).days, _year_length(start.year))
        first = Fraction((date(start.year + 1, 1, 1) - start).days, _year_length(start.year))
        last = Fraction((end - date(end.year, 1, 1)).days, _year_length(end.year))
        return first + (end.year - start.year - 1) + last
    if convention is DayCount.THIRTY_E_360:
        # D1 = 31 -> 30; D2 = 31 -> 30.
        return _thirty(
            start.year, start.month, min(start.day, 30), end.year, end.month, min(end.day, 30)
        )
    if convention is DayCount.THIRTY_360:
        # D1 = 31 -> 30; D2 = 31 -> 30 only when D1 (after that) is 30.
        d1 = min(start.day, 30)
        d2 = 30 if (end.day == 31 and d1 == 30) else end.day
        return _thirty(start.year, start.month, d1, end.year, end.month, d2)
    raise ValueError(f"unsupported day count {convention}")  # pragma: no cover
