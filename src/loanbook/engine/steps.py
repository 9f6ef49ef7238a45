"""The timeline of a run: scheduled steps from the terms merged with input events.

Steps on the same date run in a fixed order (ACTUS's event sequence, extended for servicing):
advance, principal due, interest due, capitalisation, fees, then payments, prepayments,
acceleration, and last the rate reset that opens the next period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.installments import Installment
from loanbook.rates import Market
from loanbook.terms.model import LoanTerms, PeriodRule, RateReset
from loanbook.time import add_cycle, adjust, generate, get_calendar
from loanbook.time.schedule import Cycle, add_months, is_month_end


class StepKind(IntEnum):
    """Kinds of step; the value is the order within one date."""

    ADVANCE = 10  # ACTUS IED
    PRINCIPAL_DUE = 30  # ACTUS PR
    INTEREST_DUE = 80  # ACTUS IP
    CAPITALIZATION = 90  # ACTUS IPCI
    FEE = 95
    PAYMENT = 100
    PREPAYMENT = 105
    ACCELERATION = 110
    RATE_RESET = 120  # ACTUS RR: the rate for the period starting today
    MATURITY = 190  # ACTUS MD


@dataclass(frozen=True)
class Step:
    date: date
    kind: StepKind
    seq: int  # tie-break: installment number, input order
    event_id: str
    installment: Installment | None = None
    event: LoanEvent | None = None

    @property
    def order(self) -> tuple[dt.date, int, int]:
        return (self.date, int(self.kind), self.seq)


_INPUT_KINDS = {
    EventKind.ADVANCE: StepKind.ADVANCE,
    EventKind.PAYMENT: StepKind.PAYMENT,
    EventKind.PREPAYMENT: StepKind.PREPAYMENT,
    EventKind.ACCELERATION: StepKind.ACCELERATION,
    EventKind.FEE: StepKind.FEE,
}


def interest_rate_period_starts(terms: LoanTerms, end: date) -> tuple[date, ...]:
    """Start dates of the Interest Rate Periods up to ``end``.

    ``MONTH_END`` (000 §2(b)): the first period runs from the loan date to the day before the
    month's last day, then each period starts on a month-end. ``LOAN_DATE_MONTHLY``: one-month
    periods from the loan date.
    """
    start = terms.start
    if terms.interest_rate_period is PeriodRule.LOAN_DATE_MONTHLY:
        return generate(start, Cycle(months=1), end, eom=False, include_end=False)
    first_eom = add_months(start, 0, eom=True)
    if first_eom == start:
        return generate(start, Cycle(months=1), end, eom=True, include_end=False)
    rest = generate(first_eom, Cycle(months=1), end, eom=True, include_end=False)
    return (start, *rest)


def reset_dates(terms: LoanTerms, market: Market, end: date) -> tuple[date, ...]:
    """Dates on which a new rate takes effect, from the terms' reset rule."""
    spec = terms.rate
    if spec.reset is RateReset.PERIOD_START:
        return interest_rate_period_starts(terms, end)
    if spec.reset is RateReset.DAILY and spec.index is not None:
        return (terms.start, *market.index(spec.index).changes_between(terms.start, end))
    if spec.reset is RateReset.CYCLE and spec.reset_cycle is not None:
        anchor = spec.reset_anchor or terms.start
        out = generate(anchor, spec.reset_cycle, end, eom=is_month_end(anchor), include_end=False)
        return tuple(d for d in out if d >= terms.start)
    return ()


def interest_dates(terms: LoanTerms, until: date) -> tuple[date, ...]:
    """Interest payment dates: the cycle to maturity, continued past it while the run goes on."""
    sched = terms.interest_schedule
    end = max(d for d in (sched.end, terms.maturity, until) if d is not None)
    if sched.count is not None:
        raw: list[date] = []
        i = 0
        while (d := add_cycle(sched.anchor, sched.cycle, i, sched.eom)) <= end:
            raw.append(d)
            i += 1
    else:
        raw = list(generate(sched.anchor, sched.cycle, end, sched.eom, include_end=True))
        if terms.maturity is not None and terms.maturity not in raw and terms.maturity <= end:
            raw.append(terms.maturity)
    cal = get_calendar(sched.calendar)
    return tuple(sorted({adjust(d, sched.convention, cal) for d in raw}))


def build_steps(
    terms: LoanTerms,
    installments: tuple[Installment, ...],
    events: tuple[LoanEvent, ...],
    market: Market,
    until: date,
    extra_resets: tuple[date, ...] = (),
) -> list[Step]:
    """Every step up to and including ``until``, in execution order."""
    steps: list[Step] = []
    if not any(e.kind is EventKind.ADVANCE for e in events):
        steps.append(Step(terms.start, StepKind.ADVANCE, 0, f"{terms.id}/advance"))
    for inst in installments:
        steps.append(
            Step(
                inst.due_date,
                StepKind.PRINCIPAL_DUE,
                inst.number,
                f"{terms.id}/installment/{inst.number}",
                installment=inst,
            )
        )
    for i, d in enumerate(interest_dates(terms, until)):
        steps.append(Step(d, StepKind.INTEREST_DUE, i, f"{terms.id}/interest/{d.isoformat()}"))
    resets = set(reset_dates(terms, market, until + timedelta(days=1))) | set(extra_resets)
    resets.add(terms.start)
    for d in sorted(resets):
        if d >= terms.start:
            steps.append(Step(d, StepKind.RATE_RESET, 0, f"{terms.id}/rate/{d.isoformat()}"))
    for n, ev in enumerate(events):
        if ev.kind in _INPUT_KINDS:
            steps.append(Step(ev.date, _INPUT_KINDS[ev.kind], n, ev.event_id, event=ev))
    return sorted((s for s in steps if s.date <= until), key=lambda s: s.order)
