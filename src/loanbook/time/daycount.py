"""Day-count conventions as exact fractions of a year.

Fractions are ``fractions.Fraction`` so that interest = principal x rate x fraction loses
nothing before the single rounding step.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date
from enum import StrEnum
from fractions import Fraction


class DayCount(StrEnum):
    """The conventions agreements name. Values are the term-file spellings."""

    ACT_360 = "actual/360"
    ACT_365F = "actual/365"
    ACT_ACT = "actual/actual"  # ISDA: days in leap years / 366 + others / 365
    THIRTY_360 = "30/360"  # US (bond basis, ISDA 2006 4.16(f))
    THIRTY_E_360 = "30E/360"  # Eurobond basis (ISDA 2006 4.16(g))

    @classmethod
    def parse(cls, text: str) -> DayCount:
        """Accept the term-file spelling or an ACTUS code (A360, A365, AA, 30E360, 30360)."""
        key = text.strip()
        aliases = {
            "A360": cls.ACT_360,
            "ACT/360": cls.ACT_360,
            "A365": cls.ACT_365F,
            "ACT/365": cls.ACT_365F,
            "actual/365F": cls.ACT_365F,
            "AA": cls.ACT_ACT,
            "ACT/ACT": cls.ACT_ACT,
            "30E360": cls.THIRTY_E_360,
            "30360": cls.THIRTY_360,
        }
        if key in aliases:
            return aliases[key]
        try:
            return cls(key)
        except ValueError:
            known = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown day count {text!r} (known: {known})") from None


def _thirty(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> Fraction:
    return Fraction(360 * (y2 - y1) + 30 * (m2 - m1) + (d2 - d1), 360)


def year_fraction(convention: DayCount, start: date, end: date) -> Fraction:
    """Fraction of a year from ``start`` (inclusive) to ``end`` (exclusive)."""
    if end < start:
        return -year_fraction(convention, end, start)
    if convention is DayCount.ACT_360:
        return Fraction((end - start).days, 360)
    if convention is DayCount.ACT_365F:
        return Fraction((end - start).days, 365)
    if convention is DayCount.ACT_ACT:
        if start.year == end.year:
            return Fraction((end - start).days, 366 if _cal.isleap(start.year) else 365)
        first = Fraction(
            (date(start.year + 1, 1, 1) - start).days, 366 if _cal.isleap(start.year) else 365
        )
        last = Fraction((end - date(end.year, 1, 1)).days, 366 if _cal.isleap(end.year) else 365)
        return first + (end.year - start.year - 1) + last
    if convention is DayCount.THIRTY_E_360:
        return _thirty(
            start.year, start.month, min(start.day, 30), end.year, end.month, min(end.day, 30)
        )
    if convention is DayCount.THIRTY_360:
        d1 = min(start.day, 30)
        d2 = 30 if (end.day == 31 and d1 >= 30) else end.day
        return _thirty(start.year, start.month, d1, end.year, end.month, d2)
    raise ValueError(f"unsupported day count {convention}")  # pragma: no cover
