"""The interest rate in force: index + margin (x multiplier), floor and cap, with its source.

Every rate carries a ``RateQuote`` saying how it was made (which fixing, which margin, which
clause), so an accrual line can name the clause behind each day's rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from loanbook.rates import Market
from loanbook.terms.model import LoanTerms, RateReset, RateSpec


@dataclass(frozen=True)
class RateQuote:
    rate: Decimal
    basis: str  # e.g. "LIBOR-1M 5.43750% (fixing of 1996-01-31) + 3.00%"
    cite: str


#: ``pct`` of the rates seen so far: a book has few distinct rates, and formatting one
#: costs more than the rest of a figures-only run's rate quote. Equal rates format alike
#: (``normalize``), but for the sign of zero, which is therefore never remembered.
_PCT: dict[Decimal, str] = {}
_PCT_MAX = 4096


def pct(rate: Decimal) -> str:
    text = _PCT.get(rate)
    if text is None:
        text = f"{(rate * 100).normalize():f}%"
        if rate and len(_PCT) < _PCT_MAX:
            _PCT[rate] = text
    return text


def quote(
    terms: LoanTerms,
    spec: RateSpec,
    market: Market,
    fixing_day: date,
    extra: Decimal = Decimal(0),
    previous: Decimal | None = None,
) -> RateQuote:
    """The rate of ``spec`` fixed on ``fixing_day`` (less the fixing lag), plus ``extra``.
    With the ``previous`` rate, the change is first held within the period cap and floor."""
    cite = terms.cite("rate")
    if spec.index is None:
        fixed = spec.fixed if spec.fixed is not None else spec.initial
        if fixed is None:
            raise ValueError(f"loan {terms.id}: the rate has neither an index nor a fixed value")
        return RateQuote(fixed + extra, f"fixed {pct(fixed)}", cite)
    fixing = market.index(spec.index).in_force(fixing_day - timedelta(days=spec.fixing_lag_days))
    raw = spec.multiplier * fixing.rate + spec.margin
    basis = f"{spec.index} {pct(fixing.rate)} (fixing of {fixing.date.isoformat()})"
    if spec.multiplier != 1:
        basis = f"{spec.multiplier} x {basis}"
    basis += f" + {pct(spec.margin)}"
    if previous is not None and spec.period_cap is not None and raw > previous + spec.period_cap:
        raw = previous + spec.period_cap
        basis = f"{basis}, rise held to {pct(spec.period_cap)}"
    low = None if previous is None or spec.period_floor is None else previous - spec.period_floor
    if low is not None and raw < low:
        raw, basis = low, f"{basis}, fall held to {pct(spec.period_floor or low)}"
    if spec.floor is not None and raw < spec.floor:
        raw, basis = spec.floor, f"{basis}, floored at {pct(spec.floor)}"
    if spec.cap is not None and raw > spec.cap:
        raw, basis = spec.cap, f"{basis}, capped at {pct(spec.cap)}"
    if extra:
        basis += f" + {pct(extra)} default"
    return RateQuote(raw + extra, basis, cite)


def period_cite(terms: LoanTerms, q: RateQuote) -> str:
    """The clause of a rate in force: the rate's, with the Interest Rate Period clause when
    the rate is fixed at the start of each period."""
    irp = terms.rate.reset is RateReset.PERIOD_START and terms.interest_rate_period
    return q.cite + (f"; {terms.cite('interest_rate_period')}" if irp else "")


def add_segment(segments: list[tuple[date, RateQuote]], day: date, cited: RateQuote) -> None:
    """Record the rate in force from ``day``: a later reset the same day replaces the earlier
    one, and an unchanged rate does not open a segment."""
    if segments and segments[-1][0] == day:
        segments.pop()
    if not segments or segments[-1][1] != cited:
        segments.append((day, cited))


def cited_quote(terms: LoanTerms, q: RateQuote) -> tuple[str, RateQuote]:
    """The clause of ``q`` in force and ``q`` citing it (what a rate segment shows)."""
    cite = period_cite(terms, q)
    return cite, q if cite == q.cite else replace(q, cite=cite)
