"""Index fixings and the lookup rule "the fixing in force on a date".

A fixing is in force from its date until the next one (Prime changes on its effective date;
a LIBOR fixing holds until the next fixing). Rates are Decimal fractions (5.4375% is
``Decimal("0.054375")``); files write them in percent.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from loanbook.errors import Issue, MissingFixingError, ValidationError
from loanbook.parse import InputError, parse_date, parse_id, parse_percent

HEADER = ("index", "date", "rate_percent")
#: The largest fixing an index may hold: a rate (at most ``MAX_PERCENT``) or an index level
#: (ACTUS scaling indexes such as a CPI are levels in the hundreds). Beyond it, Decimal
#: arithmetic could lose cents; only a book stored before inputs were parsed holds one.
MAX_FIXING = Decimal(10) ** 6


@dataclass(frozen=True)
class Fixing:
    index: str
    date: date
    rate: Decimal  # a fraction, not percent
    source: str = ""  # file:line it came from


@dataclass(frozen=True)
class RateIndex:
    """All fixings of one index, sorted by date."""

    name: str
    fixings: tuple[Fixing, ...]
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.fixings, key=lambda f: f.date))
        object.__setattr__(self, "fixings", ordered)
        object.__setattr__(self, "_dates", tuple(f.date for f in ordered))

    def in_force(self, day: date) -> Fixing:
        """The latest fixing on or before ``day``; an error naming the index and date if none."""
        pos = bisect.bisect_right(self._dates, day)
        if pos == 0:
            first = self._dates[0].isoformat() if self._dates else "none"
            raise MissingFixingError(
                Issue(
                    "rates",
                    self.name,
                    f"no fixing in force on {day.isoformat()} (first fixing: {first})",
                )
            )
        fixing = self.fixings[pos - 1]
        if not (fixing.rate.is_finite() and -MAX_FIXING <= fixing.rate <= MAX_FIXING):
            raise ValidationError(
                Issue(
                    fixing.source or "rates",
                    self.name,
                    f"the fixing of {fixing.date} is outside the range of fixings "
                    f"(at most {MAX_FIXING:,}); record a correction of it",
                )
            )
        return fixing

    def changes_between(self, start: date, end: date) -> tuple[date, ...]:
        """Dates in (start, end) on which a new fixing takes effect."""
        lo = bisect.bisect_right(self._dates, start)
        hi = bisect.bisect_left(self._dates, end)
        return self._dates[lo:hi]


@dataclass(frozen=True)
class Market:
    """The rate indexes known to a run, by name."""

    indexes: Mapping[str, RateIndex] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, fixings: Iterable[Fixing]) -> Market:
        by_name: dict[str, list[Fixing]] = {}
        for fx in fixings:
            by_name.setdefault(fx.index, []).append(fx)
        return cls(MappingProxyType({n: RateIndex(n, tuple(f)) for n, f in by_name.items()}))

    def merged(self, fixings: Iterable[Fixing]) -> Market:
        """This market plus more fixings; a later fixing on the same index and date wins.
        (Recording refuses a second rate for an index and date, ``Book.check_event``; only
        a book stored before that can hold one.)"""
        table = {(f.index, f.date): f for idx in self.indexes.values() for f in idx.fixings}
        table.update({(f.index, f.date): f for f in fixings})
        return Market.of(table.values())

    def index(self, name: str) -> RateIndex:
        try:
            return self.indexes[name]
        except KeyError:
            known = ", ".join(sorted(self.indexes)) or "none loaded"
            raise MissingFixingError(
                Issue("rates", name, f"unknown index {name!r} (known: {known})")
            ) from None


def parse_fixings_csv(text: str, source: str) -> tuple[Fixing, ...]:
    """Parse ``index,date,rate_percent`` rows; every bad row is reported as ``file:line``."""
    reader = csv.reader(io.StringIO(text))
    issues: list[Issue] = []
    out: list[Fixing] = []
    seen: set[tuple[str, date]] = set()
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ValidationError(Issue(source, "header", f"not a CSV file ({exc})", 1)) from None
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise ValidationError(Issue(source, "header", f"expected {','.join(HEADER)}", 1))
    lineno = 1
    while True:
        lineno += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            issues.append(Issue(source, "row", f"malformed CSV ({exc})", lineno))
            break
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 3:
            issues.append(Issue(source, "row", f"expected 3 columns, got {len(row)}", lineno))
            continue
        name_text, day_text, pct = (c.strip() for c in row)
        try:
            day = parse_date(day_text)
        except InputError as exc:
            issues.append(Issue(source, "date", str(exc), lineno))
            continue
        try:
            rate = parse_percent(pct)
        except InputError as exc:
            issues.append(Issue(source, "rate_percent", str(exc), lineno))
            continue
        try:
            name = parse_id(name_text, "index name", maximum=100)
        except InputError as exc:
            issues.append(Issue(source, "index", str(exc), lineno))
            continue
        if (name, day) in seen:
            issues.append(Issue(source, "date", f"duplicate fixing for {name} on {day}", lineno))
            continue
        seen.add((name, day))
        out.append(Fixing(name, day, rate, f"{source}:{lineno}"))
    if issues:
        raise ValidationError(issues)
    return tuple(out)
