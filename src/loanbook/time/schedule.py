"""Payment cycles and date schedules.

A ``Cycle`` is an ISO-8601 period with a stub rule, as ACTUS writes it (``P1ML0``: one month,
long final stub; ``P9DL1``: nine days, short final stub). Dates are generated from the anchor
(anchor + i x cycle, never by repeated addition, so a 31st does not drift to the 28th), with
the end-of-month rule: when the anchor is the last day of its month and ``eom`` is set, every
month-based date is the last day of its month. Dates are generated unadjusted; moving them to
business days is ``adjust``'s job, date by date (ACTUS generates, then shifts).

These are the rules of QuantLib's forward ``Schedule`` on a ``NullCalendar`` (unadjusted) and of
``NullCalendar().advance(anchor, i x period, Unadjusted, endOfMonth)``; the test suite checks
the two agree on random schedules (tests/time/test_quantlib.py).
"""

from __future__ import annotations

import calendar as _cal
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Stub(StrEnum):
    SHORT = "short"  # ACTUS L1: the last period ends early at the end date
    LONG = "long"  # ACTUS L0: the remainder joins the last full period


_ISO = re.compile(r"^P([0-9]+)([DWMQHY])(L[01])?$")
_NAMED = {
    "daily": "P1DL1",
    "weekly": "P1WL1",
    "monthly": "P1ML1",
    "quarterly": "P3ML1",
    "semiannual": "P6ML1",
    "annual": "P1YL1",
}


@dataclass(frozen=True)
class Cycle:
    """A period of whole months or whole days (exactly one of them positive) and a stub rule."""

    months: int = 0
    days: int = 0
    stub: Stub = Stub.SHORT

    def __post_init__(self) -> None:
        if self.months < 0 or self.days < 0 or (self.months > 0) == (self.days > 0):
            raise ValueError(
                f"a cycle is a positive number of months or of days, not both "
                f"(got months={self.months}, days={self.days})"
            )

    @classmethod
    def parse(cls, text: str) -> Cycle:
        """``P1ML0``, ``P3M``, ``P27DL1``, ``P1Y`` or a name (monthly, quarterly, ...).

        Units: D(ay), W(eek), M(onth), Q(uarter), H(alf-year), Y(ear); ``L0`` a long final
        stub, ``L1`` (the default) a short one.
        """
        raw = _NAMED.get(text.strip().lower(), text.strip().upper())
        match = _ISO.match(raw)
        if not match or int(match.group(1)) <= 0:
            raise ValueError(
                f"malformed cycle {text!r}: expected an ISO period P<n><D|W|M|Q|H|Y>[L0|L1] "
                f"with n > 0, like P1ML0 or P9DL1, or a name ({', '.join(_NAMED)})"
            )
        n, unit, stub = int(match.group(1)), match.group(2), match.group(3)
        stub_kind = Stub.LONG if stub == "L0" else Stub.SHORT
        months = {"M": n, "Q": 3 * n, "H": 6 * n, "Y": 12 * n}.get(unit, 0)
        days = {"D": n, "W": 7 * n}.get(unit, 0)
        return cls(months=months, days=days, stub=stub_kind)

    def __str__(self) -> str:
        tail = "L0" if self.stub is Stub.LONG else "L1"
        return f"P{self.months}M{tail}" if self.months else f"P{self.days}D{tail}"


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_days(year: int, month: int) -> int:
    """Days in ``month`` (1-12) of ``year``: ``calendar.monthrange(year, month)[1]`` without
    its weekday computation (schedules call this for every date they generate)."""
    if month == 2 and _cal.isleap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def is_month_end(day: date) -> bool:
    return day.day == month_days(day.year, day.month)


def add_months(day: date, months: int, eom: bool = False) -> date:
    """``day`` plus ``months``, clamped to the month's length; to month-end when ``eom``."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = month_days(year, month + 1)
    return date(year, month + 1, last if eom else min(day.day, last))


def add_cycle(anchor: date, cycle: Cycle, times: int, eom: bool = False) -> date:
    """The ``times``-th date of a cycle from ``anchor`` (EOM applies to a month-end anchor)."""
    try:
        if cycle.months:
            return add_months(anchor, cycle.months * times, eom and is_month_end(anchor))
        return anchor + timedelta(days=cycle.days * times)
    except (ValueError, OverflowError):  # past 9999-12-31: name the schedule, not the library
        raise ValueError(
            f"{times} cycles of {cycle} from {anchor} fall outside the calendar"
        ) from None


def generate(
    anchor: date, cycle: Cycle, end: date, eom: bool = False, include_end: bool = True
) -> tuple[date, ...]:
    """Dates from ``anchor`` up to ``end`` with the cycle's stub rule; ``end`` included if asked.

    The cycle dates before ``end``, then ``end``. When ``end`` is not itself a cycle date the
    last period is a stub: short (L1), from the last cycle date to ``end``; or long (L0), the
    last cycle date dropped so the remainder joins the last full period (unless that would
    drop the anchor). ``include_end=False`` leaves ``end`` out of either.
    """
    if end < anchor:
        return ()
    dates, d = cycle_run(anchor, cycle, eom, end=end)
    if cycle.stub is Stub.LONG and len(dates) > 1 and d != end:
        dates.pop()  # the remainder joins the last full period
    if include_end:
        dates.append(end)
    return tuple(dates)


def generate_count(anchor: date, cycle: Cycle, count: int, eom: bool = False) -> tuple[date, ...]:
    """``count`` dates from ``anchor``, the anchor first (e.g. 48 month-ends from 1996-04-30)."""
    if count < 0:
        raise ValueError(f"a schedule needs a count of zero or more dates (got {count})")
    return tuple(cycle_run(anchor, cycle, eom, count=count)[0])


#: The dates of each cycle computed so far, by (anchor, months, days, eom): a loan's
#: principal and interest schedules run on the same cycle from the same anchor, and so do
#: the loans of a book due on the same day of the month. Tuples are replaced whole, never
#: changed, so threads may share them; the memo is emptied when it holds too many cycles or
#: dates (a million dates: about 50 MB).
_RUNS: dict[tuple[date, int, int, bool], tuple[date, ...]] = {}
_RUNS_MAX = 4096
_RUNS_MAX_DATES = 1_000_000
_runs_dates = 0


def cycle_run(
    anchor: date,
    cycle: Cycle,
    eom: bool = False,
    *,
    first: int = 0,
    count: int | None = None,
    end: date | None = None,
    inclusive: bool = False,
) -> tuple[list[date], date | None]:
    """``add_cycle(anchor, cycle, i, eom)`` for i = ``first``, ``first`` + 1, ...: ``count``
    of them, or the ones before ``end`` (up to and including it when ``inclusive``), and the
    first date past that apart (None when ``count`` stopped the run). Cycle dates rise with
    i, so the run is a slice of the cycle's dates, computed once (``_RUNS``)."""
    if count is None and end is None:
        raise ValueError("a run of cycle dates needs a count or an end")
    key = (anchor, cycle.months, cycle.days, eom)
    known = _RUNS.get(key, ())
    if count is not None:
        if len(known) < first + count:
            known = _remember(key, _extend(anchor, cycle, eom, known, first + count, None, False))
        return list(known[first : first + count]), None
    assert end is not None
    if len(known) <= first or not (known[-1] > end if inclusive else known[-1] >= end):
        known = _remember(key, _extend(anchor, cycle, eom, known, first + 1, end, inclusive))
    stop = bisect_right(known, end, first) if inclusive else bisect_left(known, end, first)
    return list(known[first:stop]), known[stop]


def _remember(key: tuple[date, int, int, bool], dates: tuple[date, ...]) -> tuple[date, ...]:
    global _runs_dates
    if len(_RUNS) >= _RUNS_MAX or _runs_dates + len(dates) > _RUNS_MAX_DATES:
        _RUNS.clear()
        _runs_dates = 0
    _runs_dates += len(dates)  # an extended cycle counts twice until the next clearing
    _RUNS[key] = dates
    return dates


def _extend(
    anchor: date,
    cycle: Cycle,
    eom: bool,
    known: tuple[date, ...],
    count: int,
    end: date | None,
    inclusive: bool,
) -> tuple[date, ...]:
    """``known`` (the cycle's first dates) continued to at least ``count`` dates and, with
    ``end``, to the first date past it: exactly the dates a caller needs, so a cycle that
    leaves the calendar raises only when a needed date does (``add_cycle``'s error)."""
    out = list(known)
    i = len(out)

    def more() -> bool:
        if i < count:
            return True
        if end is None:
            return False
        d = out[-1]
        return not (d > end if inclusive else d >= end)

    if not cycle.months:
        while more():
            out.append(add_cycle(anchor, cycle, i, eom))
            i += 1
        return tuple(out)
    to_end = eom and is_month_end(anchor)
    months = cycle.months
    index = anchor.year * 12 + anchor.month - 1 + months * i
    day = anchor.day
    while more():
        year, month = divmod(index, 12)
        if not 1 <= year <= 9999:
            add_cycle(anchor, cycle, i, eom)  # raises the schedule's error
        last = 29 if month == 1 and _cal.isleap(year) else _MONTH_DAYS[month]
        out.append(date(year, month + 1, last if to_end or day > last else day))
        index += months
        i += 1
    return tuple(out)
