"""Cash flows without explanation: the cents of a run for a caller that wants no lines.

``run_loan(..., lines=False)`` comes here. A plain loan (``plain``: one version of its terms,
no input events, the ACTUS view that every amount is paid the day it falls due, a fixed or
index rate, level principal or bullet, none of the ACTUS-only features) runs on the same
timeline as the full engine, built by the same functions (``steps.interest_schedule``,
``steps.reset_schedule``, ``installments.principal_schedule``) and taken in the same order
(date, step kind, sequence), but computed in integers: balances in cents, the interest
accrued since the last interest date as an exact numerator over a denominator, rounded by
the one rule (``money.cents_half_up``). No ledger line, memo, citation, installment record or
state snapshot is made, and the flows are columns of cents (``result.FlowColumns``). Any other
loan runs the full engine and keeps its figures only.

Computing apart from explaining (design note 1): a statement, the ledger and close of
business keep the full run; this is for callers that want the amounts alone (lifetime cash
flows, the benchmarks). ``tests/engine/test_flows.py`` requires the two paths to give the same
cents, position and schedule over random loans.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from math import gcd

from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import principal_schedule
from loanbook.engine.rate import RateQuote, add_segment, cited_quote, pct, quote
from loanbook.engine.result import FlowColumns, LoanResult, Position, rate_segments
from loanbook.engine.steps import StepKind, _maturity_due_date, interest_schedule, reset_schedule
from loanbook.ledger.lines import LineKind
from loanbook.money import ZERO, cents_half_up, to_cents
from loanbook.rates import Market
from loanbook.terms.model import AmortizationKind, InterestBase, LoanTerms
from loanbook.time import DayCount, year_fraction

_ADVANCE = int(StepKind.ADVANCE)
_PRINCIPAL = int(StepKind.PRINCIPAL_DUE)
_INTEREST = int(StepKind.INTEREST_DUE)
_RESET = int(StepKind.RATE_RESET)
_MATURITY = int(StepKind.MATURITY)
_PLAIN_KINDS = (AmortizationKind.LEVEL_PRINCIPAL, AmortizationKind.BULLET)
_DAYS_IN_YEAR = {DayCount.ACT_360: 360, DayCount.ACT_365F: 365}


def plain(
    history: TermsHistory, events: tuple[object, ...], *, daily: bool, assume_paid: bool
) -> bool:
    """Whether ``run_cents`` computes this run (else the full engine does). Level principal
    and bullet loans never use a level payment, so recomputing it at resets changes no
    figure here."""
    if len(history.versions) != 1 or events or daily or not assume_paid:
        return False
    t = history.latest
    return (
        t.amortization.kind in _PLAIN_KINDS
        and t.rate.next_reset_rate is None
        and t.scaling is None
        and t.capitalize_until is None
        and t.interest_base is InterestBase.OUTSTANDING
        and not t.premium_discount
        and not t.accrued_at_start
        and not t.maturity_end_of_day
        and t.usury_max_rate is None
    )


def _cents(amount: Decimal) -> int | None:
    """Whole cents of ``amount``, or None when it has a fraction of a cent (not plain)."""
    num, den = (amount * 100).as_integer_ratio()
    return num if den == 1 else None


def _amount(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _installments(terms: LoanTerms, count: int, principal: int) -> list[int] | None:
    """Principal installments in cents, by ``installments.build_installments``'s rule: level
    principal rounds each to the cent and the last takes the rest; a bullet is one."""
    amort = terms.amortization
    if amort.kind is AmortizationKind.BULLET:
        return [principal]
    if count == 0:
        return None  # the full run refuses it
    if amort.installment:
        each = _cents(amort.installment)
        if each is None:
            return None
    elif principal < 10**17 and count < 10**6:
        # principal / count rounded half-up to the cent, exactly. build_installments rounds
        # the 28-digit Decimal quotient: the same cent, since that quotient is within
        # 1e-10 cent of the exact one, which is a half cent exactly (then the Decimal is
        # exact too) or at least 1 / (2 count) > 5e-7 cent away from one.
        each = cents_half_up(principal, 100 * count)
    else:
        each = _cents(to_cents(terms.principal / count)) or 0
    if each > 0 and each * (count - 1) <= principal:  # every one but the last in full
        return [each] * (count - 1) + [principal - each * (count - 1)]
    out: list[int] = []
    left = principal
    for i in range(count):
        amount = left if i == count - 1 else min(each, left)
        out.append(amount)
        left -= amount
    return out


def run_cents(history: TermsHistory, market: Market, until: date) -> LoanResult | None:
    """The run of a plain loan (``plain``) in integer cents; None when an amount has a
    fraction of a cent (the full engine runs it)."""
    terms = history.latest
    principal = _cents(terms.principal)
    dues = principal_schedule(terms)
    amounts = _installments(terms, len(dues), principal or 0)
    if principal is None or amounts is None:
        return None
    start = terms.start
    dc = terms.day_count
    year = _DAYS_IN_YEAR.get(dc)
    spec = terms.rate
    rate: RateQuote | None = None
    rn, rd = 0, 1  # the rate in force as an integer ratio
    segments: list[tuple[date, RateQuote]] = []
    not_due = 0  # principal not yet due, cents (what falls due is paid the same day)
    acc_n, acc_d = 0, 1  # interest accrued since the last interest date: acc_n / acc_d units
    accrued_to: date | None = None
    f_dates: list[date] = []
    f_kinds: list[LineKind] = []
    f_cents: list[int] = []
    last = len(dues) - 1
    unit = 0  # 100 x the rate's denominator x the days in a year, when the year is fixed
    add_date, add_kind, add_cents = f_dates.append, f_kinds.append, f_cents.append
    interest_due, installment_due = LineKind.INTEREST_DUE, LineKind.INSTALLMENT_DUE
    for day, kind, _seq, calc, index in _timeline(terms, dues, market, until):
        if accrued_to is not None and calc > accrued_to:
            if not_due and rate is not None:
                if unit:
                    num, den = not_due * rn * (calc - accrued_to).days, unit
                else:
                    yf = year_fraction(dc, accrued_to, calc)
                    num, den = not_due * rn * yf.numerator, 100 * rd * yf.denominator
                if not acc_n:
                    acc_n, acc_d = num, den
                elif den == acc_d:
                    acc_n += num
                else:
                    g = gcd(acc_d, den)
                    acc_n = acc_n * (den // g) + num * (acc_d // g)
                    acc_d = acc_d // g * den
            accrued_to = calc
        if kind == _INTEREST:
            if acc_n:
                cents = cents_half_up(acc_n, acc_d)
                if cents:
                    add_date(day)
                    add_kind(interest_due)
                    add_cents(cents)
                acc_n, acc_d = 0, 1
        elif kind == _PRINCIPAL or kind == _MATURITY:  # noqa: SIM109 (ints: faster than in)
            if not_due <= 0:
                continue
            cents = amounts[index]
            if index == last or cents > not_due:
                cents = not_due  # the last installment takes what is left
            not_due -= cents
            if cents:
                add_date(day)
                add_kind(installment_due)
                add_cents(cents)
        elif kind == _RESET or (kind == _ADVANCE and rate is None):  # a reset, the first rate
            if kind == _ADVANCE and spec.initial is not None and spec.index is not None:
                q = RateQuote(spec.initial, f"initial {pct(spec.initial)}", terms.cite("rate"))
            else:
                previous = rate.rate if rate is not None and day > start else None
                q = quote(terms, spec, market, day, ZERO, previous)
            rate = q
            rn, rd = q.rate.as_integer_ratio()
            unit = 100 * rd * year if year is not None else 0
            add_segment(segments, day, cited_quote(terms, q)[1])
        if kind == _ADVANCE:
            if accrued_to is None:
                accrued_to = calc
            not_due += principal
    if accrued_to is not None and until > accrued_to and rate is not None and not_due:
        # the accrual to the end of the run (interest up to, not including, ``until``)
        yf = year_fraction(dc, accrued_to, until)
        num, den = not_due * rn * yf.numerator, 100 * rd * yf.denominator
        acc_n, acc_d = acc_n * den + num * acc_d, acc_d * den
    position = Position(
        as_of=until,
        principal_not_due=_amount(not_due),
        principal_due=ZERO,
        interest_accrued=_amount(cents_half_up(acc_n, acc_d)),
        interest_due=ZERO,
        late_charges=ZERO,
        fees=ZERO,
        unapplied=ZERO,
        dues=(),
    )
    flows = FlowColumns(tuple(f_dates), tuple(f_kinds), tuple(f_cents))
    segs = rate_segments(segments, until)
    return LoanResult(terms.id, (), (), (), position, segs, (), flows)


def _timeline(
    terms: LoanTerms, dues: tuple[tuple[date, date], ...], market: Market, until: date
) -> list[tuple[date, int, int, date, int]]:
    """(date, step kind, sequence, calculation date, installment index) of every step of a
    plain run up to ``until``, in the full run's order (``steps.build_steps``)."""
    start = terms.start
    out = [(d, _PRINCIPAL, i + 1, c, i) for i, (d, c) in enumerate(dues) if d <= until]
    if out and out[-1][4] == len(dues) - 1 and out[-1][0] == _maturity_due_date(terms):
        d, _, seq, c, i = out[-1]
        out[-1] = (d, _MATURITY, seq, c, i)  # the last installment, on the maturity date
    if start <= until:
        out.append((start, _ADVANCE, 0, start, -1))
    sched = interest_schedule(terms, until)
    out += [(d, _INTEREST, i, c, -1) for i, (d, c) in enumerate(sched) if start <= d <= until]
    resets = dict(reset_schedule(terms, market, until + timedelta(days=1)))
    out += [(d, _RESET, 0, resets[d], -1) for d in sorted(resets) if start <= d <= until]
    out.sort()  # by (date, kind, sequence), never equal for two steps: the full run's order
    return out
