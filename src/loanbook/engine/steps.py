"""The timeline of a run: scheduled steps from the terms merged with input events.

Steps on the same date run in a fixed order, ACTUS's event sequence extended for servicing:
advance (IED), principal due (PR), interest due (IP), capitalisation (IPCI), fees, then
payments, prepayments, acceleration, the rate reset that opens the next period (RRF, RR),
the payment recomputed at the new rate (PRF, which ACTUS runs after the reset it follows),
purchase (PRD), termination (TD), scaling (SC), the interest base reset (IPCB) and last the
repayment at maturity (MD), so the interest of the maturity date is due before it.

Each step has a ``date`` (when it happens, business-day adjusted) and a ``calc_date`` (the
date amounts are calculated to): the same unless the schedule calculates to the unadjusted
dates (ACTUS calculate-shift conventions) or the loan matures at the end of its last day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.installments import Columns, Installment, schedule_dates
from loanbook.rates import Market
from loanbook.terms.model import AmortizationKind, InterestBase, LoanTerms, PeriodRule, RateReset
from loanbook.time import BusinessDayConvention, adjust, generate, get_calendar
from loanbook.time.schedule import Cycle, add_months, cycle_run, is_month_end


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
    RATE_SET = 115  # ACTUS RRF: a reset to a rate agreed in advance
    RATE_RESET = 120  # ACTUS RR: the rate for the period starting today
    PAYMENT_RECALC = 125  # ACTUS PRF: the level payment computed again
    # The ACTUS event sequence (adapters.actus.EVENT_SEQUENCE): scaling and the interest
    # base are fixed before a purchase or termination on the same day.
    SCALING = 130  # ACTUS SC
    INTEREST_BASE = 135  # ACTUS IPCB
    PURCHASE = 140  # ACTUS PRD
    TERMINATION = 160  # ACTUS TD
    MATURITY = 190  # ACTUS MD: the last installment, on the maturity date


@dataclass(frozen=True)
class Step:
    date: date
    kind: StepKind
    seq: int  # tie-break: installment number, input order
    event_id: str
    installment: Installment | None = None
    event: LoanEvent | None = None
    calc_date: dt.date | None = None  # amounts are calculated to this date (None: ``date``)

    @property
    def order(self) -> tuple[dt.date, int, int]:
        return (self.date, int(self.kind), self.seq)

    @property
    def calc(self) -> dt.date:
        return self.calc_date or self.date


_INPUT_KINDS = {
    EventKind.ADVANCE: StepKind.ADVANCE,
    EventKind.PAYMENT: StepKind.PAYMENT,
    EventKind.PREPAYMENT: StepKind.PREPAYMENT,
    EventKind.ACCELERATION: StepKind.ACCELERATION,
    EventKind.FEE: StepKind.FEE,
    EventKind.PURCHASE: StepKind.PURCHASE,
    EventKind.TERMINATION: StepKind.TERMINATION,
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


#: How far a business-day convention can move a date (a long holiday run, with margin).
_MAX_SHIFT_DAYS = 10


def reset_schedule(terms: LoanTerms, market: Market, end: date) -> tuple[tuple[date, date], ...]:
    """(date, calculation date) on which a new rate takes effect, by the terms' reset rule."""
    spec = terms.rate
    if spec.reset is RateReset.FIXED:
        return ()
    if spec.reset is RateReset.PERIOD_START:
        return tuple((d, d) for d in interest_rate_period_starts(terms, end))
    if spec.reset is RateReset.DAILY and spec.index is not None:
        days = (terms.start, *market.index(spec.index).changes_between(terms.start, end))
        return tuple((d, d) for d in days)
    if spec.reset is RateReset.CYCLE and spec.reset_schedule is not None:
        # A cycle date just after the run that its convention moves back into it (preceding)
        # is a reset of the run: generate a little past ``end``, keep what lands before it.
        # Otherwise a run to 05-31 would miss the reset that a run to 06-30 has on 05-31.
        stop = end + timedelta(days=_MAX_SHIFT_DAYS)
        if terms.maturity is not None:
            stop = min(stop, terms.maturity)
        found = schedule_dates(spec.reset_schedule, stop, include_end=False)
        return tuple(p for p in found if p[0] < end)
    if spec.reset is RateReset.CYCLE and spec.reset_cycle is not None:
        anchor = spec.reset_anchor or terms.start
        out = generate(anchor, spec.reset_cycle, end, eom=is_month_end(anchor), include_end=False)
        return tuple((d, d) for d in out)
    return ()


def reset_dates(terms: LoanTerms, market: Market, end: date) -> tuple[date, ...]:
    """Dates on which a new rate takes effect, from the terms' reset rule."""
    return tuple(d for d, _ in reset_schedule(terms, market, end) if d >= terms.start)


def interest_columns(terms: LoanTerms, until: date) -> Columns:
    """(dates, calculation dates) of interest payments: the cycle to maturity, continued past it
    while the run goes on.

    The end of the run (``until``) is never an interest date in its own right: a run to a day
    that is not on the cycle leaves the interest since the last interest date accrued, not
    due, so a run to a date is exactly the beginning of a longer run (close of business must
    not depend on how often it is run). Only the schedule's own end and the maturity close a
    stub period.
    """
    sched = terms.interest_schedule
    maturity = terms.maturity
    if sched.end is None or maturity is None:
        stop = sched.end or maturity
    else:
        stop = max(sched.end, maturity)
    end = until if stop is None else max(stop, until)
    # ``raw`` rises strictly: cycle dates rise, ``generate`` ends at ``stop``, the cycle
    # continued past the schedule's end comes after it, and the maturity (never after
    # ``stop``) goes in its place unless it is there already.
    if sched.count is not None:
        raw = cycle_run(sched.anchor, sched.cycle, sched.eom, end=end, inclusive=True)[0]
    else:
        raw = []
        if stop is not None:
            raw.extend(generate(sched.anchor, sched.cycle, stop, sched.eom, include_end=True))
        # Cycle dates rise with i, and the ones up to ``stop`` are in ``raw`` already (at
        # most one of them replaced by ``stop``): continue from just below them.
        first = max(len(raw) - 2, 0)
        more, _ = cycle_run(
            sched.anchor, sched.cycle, sched.eom, first=first, end=until, inclusive=True
        )
        # the cycle continued past the schedule's end (its dates rise: those after ``stop``)
        raw.extend(more[bisect_right(more, stop) :] if stop is not None else more)
        if maturity is not None and maturity <= end:
            at = bisect_left(raw, maturity)
            if at == len(raw) or raw[at] != maturity:
                raw.insert(at, maturity)
    if sched.convention is BusinessDayConvention.UNADJUSTED:
        days = tuple(raw)
        return days, days
    cal = get_calendar(sched.calendar)
    out: dict[date, date] = {}
    for d in sorted(raw):
        moved = adjust(d, sched.convention, cal)
        out.setdefault(moved, d if sched.calc_unadjusted else moved)
    pays = tuple(sorted(out))
    return pays, tuple(out[d] for d in pays) if sched.calc_unadjusted else pays


def interest_schedule(terms: LoanTerms, until: date) -> tuple[tuple[date, date], ...]:
    """``interest_columns`` as (date, calculation date) pairs."""
    return tuple(zip(*interest_columns(terms, until), strict=True))


def interest_dates(terms: LoanTerms, until: date) -> tuple[date, ...]:
    """Interest payment dates: the cycle to maturity, continued past it while the run goes on."""
    return interest_columns(terms, until)[0]


def _cycle_steps(
    terms: LoanTerms, kind: StepKind, name: str, dates: tuple[tuple[date, date], ...]
) -> list[Step]:
    return [
        Step(d, kind, 0, f"{terms.id}/{name}/{d.isoformat()}", calc_date=c if c != d else None)
        for d, c in dates
        if d >= terms.start
    ]


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
    maturity = _maturity_due_date(terms)
    for inst in installments:
        last = inst.number == len(installments)
        kind = StepKind.MATURITY if last and inst.due_date == maturity else StepKind.PRINCIPAL_DUE
        steps.append(
            Step(
                inst.due_date,
                kind,
                inst.number,
                f"{terms.id}/installment/{inst.number}",
                installment=inst,
                calc_date=inst.calc_date,
            )
        )
    cap = terms.capitalize_until
    for i, (d, c) in enumerate(interest_schedule(terms, until)):
        if d < terms.start:
            continue
        kind = StepKind.INTEREST_DUE
        if cap is not None and c < cap:
            kind = StepKind.CAPITALIZATION
        elif cap is not None and c == cap:
            continue  # replaced by the capitalisation at the end date, below
        name = "capitalization" if kind is StepKind.CAPITALIZATION else "interest"
        calc = c if c != d else None
        steps.append(Step(d, kind, i, f"{terms.id}/{name}/{d.isoformat()}", calc_date=calc))
    if cap is not None and cap >= terms.start:
        steps.append(
            Step(cap, StepKind.CAPITALIZATION, 0, f"{terms.id}/capitalization/{cap.isoformat()}")
        )
    steps.extend(_reset_steps(terms, market, until, extra_resets))
    amort = terms.amortization
    level = amort.kind in (AmortizationKind.LEVEL_PAYMENT, AmortizationKind.NEGATIVE)
    if level and amort.installment is None and installments:
        first = installments[0].due_date - timedelta(days=1)
        if first > terms.start:  # otherwise the payment is computed at the advance
            steps.append(
                Step(first, StepKind.PAYMENT_RECALC, 0, f"{terms.id}/payment/{first.isoformat()}")
            )
    if terms.interest_base is InterestBase.LAGGED and terms.interest_base_schedule is not None:
        dates = schedule_dates(terms.interest_base_schedule, terms.maturity, include_end=False)
        steps.extend(_cycle_steps(terms, StepKind.INTEREST_BASE, "interest-base", dates))
    if terms.scaling is not None:
        dates = schedule_dates(terms.scaling.schedule, terms.maturity, include_end=False)
        steps.extend(_cycle_steps(terms, StepKind.SCALING, "scaling", dates))
    for n, ev in enumerate(events):
        if ev.kind in _INPUT_KINDS:
            calc = ev.date + timedelta(days=1) if ev.get("end_of_day") else None
            steps.append(
                Step(ev.date, _INPUT_KINDS[ev.kind], n, ev.event_id, event=ev, calc_date=calc)
            )
    if terms.maturity_end_of_day and terms.maturity is not None:
        after = terms.maturity + timedelta(days=1)
        steps = [
            Step(s.date, s.kind, s.seq, s.event_id, s.installment, s.event, after)
            if s.date == terms.maturity and s.event is None
            else s
            for s in steps
        ]
    return sorted((s for s in steps if s.date <= until), key=lambda s: s.order)


def _maturity_due_date(terms: LoanTerms) -> date | None:
    """The maturity date moved to a business day as the principal schedule moves its dates."""
    if terms.maturity is None:
        return None
    sched = terms.amortization.schedule
    if sched is None or terms.amortization.kind is AmortizationKind.BULLET:
        return terms.maturity
    if sched.convention is BusinessDayConvention.UNADJUSTED:
        return terms.maturity
    return adjust(terms.maturity, sched.convention, get_calendar(sched.calendar))


def _reset_steps(
    terms: LoanTerms, market: Market, until: date, extra_resets: tuple[date, ...]
) -> list[Step]:
    """Rate resets: by the terms' rule (the first reset after the start at the agreed next
    rate when one is given) and where a new version of the terms takes effect; each followed
    by a new level payment when the terms say to compute it again."""
    spec = terms.rate
    sched = {d: c for d, c in reset_schedule(terms, market, until + timedelta(days=1))}
    for d in extra_resets:
        sched.setdefault(d, d)
    out: list[Step] = []
    fixed_next = spec.next_reset_rate is not None and spec.reset is RateReset.CYCLE
    again = terms.amortization.recalculate_on_reset
    for d in sorted(sched):
        if d < terms.start:
            continue
        c = sched[d] if sched[d] != d else None
        kind = StepKind.RATE_RESET
        if fixed_next:
            kind, fixed_next = StepKind.RATE_SET, False
        out.append(Step(d, kind, 0, f"{terms.id}/rate/{d.isoformat()}", calc_date=c))
        if again and d > terms.start:
            name = f"{terms.id}/payment/{d.isoformat()}"
            out.append(Step(d, StepKind.PAYMENT_RECALC, 1, name, calc_date=c))
    return out
