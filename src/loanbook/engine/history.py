"""Terms over valid time: which version of a loan's terms is in force on each date."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date

from loanbook.terms.model import LoanTerms


@dataclass(frozen=True)
class TermsHistory:
    """Versions of one loan's terms, each in force from its date until the next.

    Structural terms (principal, schedules) come from the latest version; pricing terms (rate,
    late charge, usury maximum), the servicing rules (waterfall, prepayment order, excess
    payments) and every citation from the version in force on each day.
    """

    versions: tuple[tuple[date, LoanTerms], ...]
    # the versions' dates, kept for ``at`` (called at every step of a run)
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    @classmethod
    def single(cls, terms: LoanTerms) -> TermsHistory:
        return cls(((terms.start, terms),))

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a terms history needs at least one version")
        if len(self.versions) > 1:
            object.__setattr__(self, "versions", tuple(sorted(self.versions, key=lambda v: v[0])))
        else:
            object.__setattr__(self, "versions", tuple(self.versions))
        object.__setattr__(self, "_dates", tuple(d for d, _ in self.versions))

    @property
    def latest(self) -> LoanTerms:
        return self.versions[-1][1]

    def at(self, day: date) -> LoanTerms:
        if len(self.versions) == 1:
            return self.versions[0][1]
        pos = bisect.bisect_right(self._dates, day)
        return self.versions[max(pos - 1, 0)][1]

    def change_dates(self) -> tuple[date, ...]:
        return tuple(d for d, _ in self.versions[1:])
