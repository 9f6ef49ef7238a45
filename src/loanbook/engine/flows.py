"""Cash flows without explanation: the cents of a run for a caller that wants no lines.

``run_loan(..., lines=False)`` comes here. A plain loan (``plain``: one version of its terms,
no input events, the ACTUS view that every amount is paid the day it falls due, a fixed or
index rate, level principal or bullet, none of the ACTUS-only features) runs on the same
timeline as the full engine, built by the same functions (``steps.interest_columns``,
``steps.reset_schedule``, ``installments.principal_columns``) and taken in the same order
(date, step kind, sequence), but computed in integers: balances in cents, the interest
accrued since the last interest date as an exact numerator over a denominator, rounded by
the one rule (``money.cents_half_up``). No ledger line, memo, citation, installment record or
state snapshot is made, and the flows are plain tuples of cents (``result.FlowCents``). With one
rate for the whole run the timeline is not built: installments on the interest dates one for
one take a loop of one period per date (``_Cents.lockstep``), others a merge of the two
schedules (``_Cents.one_rate``). Any other loan runs the full engine and keeps its figures only.

Computing apart from explaining (design note 1): a statement, the ledger and close of
business keep the full run; this is for callers that want the amounts alone (lifetime cash
flows, the benchmarks). ``tests/engine/test_flows.py`` requires the two paths to give the same
cents, position and schedule over random loans.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from math import gcd

from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import Columns, principal_columns
from loanbook.engine.rate import RateQuote, add_segment, cited_quote, pct, quote
from loanbook.engine.result import FlowCents, LoanResult, Position, rate_segments
from loanbook.engine.steps import StepKind, _maturity_due_date, interest_columns, reset_schedule
from loanbook.ledger.lines import LineKind
from loanbook.money import ZERO, cents_half_up, to_cents
from loanbook.rates import Market
from loanbook.terms.model import AmortizationKind, InterestBase, LoanTerms, RateReset, record
from loanbook.time import BusinessDayConvention, DayCount, year_fraction

_ADVANCE = int(StepKind.ADVANCE)
_PRINCIPAL = int(StepKind.PRINCIPAL_DUE)
_INTEREST = int(StepKind.INTEREST_DUE)
_RESET = int(StepKind.RATE_RESET)
_MATURITY = int(StepKind.MATURITY)
_PLAIN_KINDS = (AmortizationKind.LEVEL_PRINCIPAL, AmortizationKind.BULLET)
_DAYS_IN_YEAR = {DayCount.ACT_360: 360, DayCount.ACT_365F: 365}
#: A run without lines: no line, installment record or state; nothing due, owed or held.
_SETTLED = LoanResult(
    "", (), (), (), Position(date.min, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ()), ()
)


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
    return Decimal(cents).scaleb(-2) if cents else ZERO


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
    dues = principal_columns(terms)
    amounts = _installments(terms, len(dues[0]), principal or 0)
    if principal is None or amounts is None:
        return None
    run = _Cents(terms, market, principal, amounts)
    year = _DAYS_IN_YEAR.get(terms.day_count)
    if year is not None and _one_rate(terms) and terms.start <= until and _rising(terms, dues):
        # the advance sets the rate, which stays: the periods of the interest dates in
        # lockstep with the installments, or the steps merged from the two schedules
        start = terms.start
        run.step((start, _ADVANCE, 0, start, -1))
        pays = interest_columns(terms, until)
        if not run.lockstep(dues, pays, until, year):
            run.one_rate(dues, pays, until, year)
    else:
        for s in _timeline(terms, dues, market, until):
            run.step(s)
    return run.result(until)


def _one_rate(terms: LoanTerms) -> bool:
    """Whether the rate set at the advance stays for the whole run: a rate without resets
    (a fixed rate, or one fixed once at the advance)."""
    return terms.rate.reset is RateReset.FIXED


def _rising(terms: LoanTerms, dues: Columns) -> bool:
    """Whether the installments' dates rise strictly (a merge may take them in list order):
    always for a bullet and for the dates of a cycle left unadjusted, which rise with it."""
    sched = terms.amortization.schedule
    if sched is None or sched.convention is BusinessDayConvention.UNADJUSTED:
        return True
    return all(a < b for a, b in pairwise(dues[0]))


class _Cents:
    """The working state of a run in cents (one run, one thread)."""

    def __init__(self, terms: LoanTerms, market: Market, principal: int, amounts: list[int]):
        self.terms = terms
        self.market = market
        self.principal = principal
        self.amounts = amounts
        self.last = len(amounts) - 1
        self.rate: RateQuote | None = None
        self.rn, self.rd = 0, 1  # the rate in force as an integer ratio
        self.segments: list[tuple[date, RateQuote]] = []
        self.not_due = 0  # principal not yet due, cents (what falls due is paid that day)
        # interest accrued since the last interest date: acc_n / acc_d currency units
        self.acc_n, self.acc_d = 0, 1
        self.accrued_to: date | None = None
        self.flows: list[tuple[date, LineKind, int]] = []

    def _set_rate(self, day: date, kind: int) -> None:
        terms, spec, rate = self.terms, self.terms.rate, self.rate
        if kind == _ADVANCE and spec.initial is not None and spec.index is not None:
            q = RateQuote(spec.initial, f"initial {pct(spec.initial)}", terms.cite("rate"))
        else:
            previous = rate.rate if rate is not None and day > terms.start else None
            q = quote(terms, spec, self.market, day, ZERO, previous)
        self.rate = q
        self.rn, self.rd = q.rate.as_integer_ratio()
        add_segment(self.segments, day, cited_quote(terms, q)[1])

    def _accrue(self, to: date) -> None:
        """Interest from ``accrued_to`` to ``to`` on the principal not yet due."""
        start = self.accrued_to
        if start is None or to <= start:
            return
        if self.not_due and self.rate is not None:
            yf = year_fraction(self.terms.day_count, start, to)
            num, den = self.not_due * self.rn * yf.numerator, 100 * self.rd * yf.denominator
            if not self.acc_n:
                self.acc_n, self.acc_d = num, den
            else:
                g = gcd(self.acc_d, den)
                self.acc_n = self.acc_n * (den // g) + num * (self.acc_d // g)
                self.acc_d = self.acc_d // g * den
        self.accrued_to = to

    def step(self, s: tuple[date, int, int, date, int]) -> None:
        """One step of the timeline, as the full run takes it (accrual, then the step)."""
        day, kind, _, calc, index = s
        self._accrue(calc)
        if kind == _INTEREST:
            cents = cents_half_up(self.acc_n, self.acc_d)
            if cents:
                self.flows.append((day, LineKind.INTEREST_DUE, cents))
            self.acc_n, self.acc_d = 0, 1
        elif kind in (_PRINCIPAL, _MATURITY):
            self._installment(day, index)
        elif kind == _RESET or (kind == _ADVANCE and self.rate is None):
            self._set_rate(day, kind)
        if kind == _ADVANCE:
            if self.accrued_to is None:
                self.accrued_to = calc
            self.not_due += self.principal

    def _installment(self, day: date, index: int) -> None:
        not_due = self.not_due
        if not_due <= 0:
            return
        cents = self.amounts[index]
        if index == self.last or cents > not_due:
            cents = not_due  # the last installment takes what is left
        self.not_due = not_due - cents
        if cents:
            self.flows.append((day, LineKind.INSTALLMENT_DUE, cents))

    def lockstep(self, dues: Columns, pays: Columns, until: date, year: int) -> bool:
        """``one_rate`` for the usual loan, whose installments fall on its first interest
        dates one for one (level principal on the interest cycle): amounts calculated to
        the dates themselves, none of the installments negative and together the principal
        (so none is cut short), a rate not below zero. Then each interest date is one
        period (its interest, then its installment first unless it is the last one on the
        maturity date) and there is nothing to merge: the same integers as ``one_rate``
        in about half its time. False when it does not apply."""
        due_days, due_calcs = dues
        pay_days, pay_calcs = pays
        amounts, not_due, rn = self.amounts, self.not_due, self.rn
        if due_calcs is not due_days or pay_calcs is not pay_days or rn < 0 or not amounts:
            return False
        since = self.accrued_to
        assert since is not None and self.acc_n == 0
        days = pay_days[bisect_left(pay_days, since) : bisect_right(pay_days, until)]
        n = bisect_right(due_days, until)  # the installments of the run
        if due_days[:n] != days[:n] or min(amounts) < 0 or sum(amounts) != not_due:
            return False
        unit = 100 * self.rd * year
        twice, rate = 2 * unit, 200 * rn  # cents_half_up's rule, for amounts not below zero
        add = self.flows.append
        interest_due, installment_due = LineKind.INTEREST_DUE, LineKind.INSTALLMENT_DUE
        last = len(amounts) - 1
        held = n > last and due_days[last] == _maturity_due_date(self.terms)
        step = last if held else n
        for day, cents in zip(days[:step], amounts, strict=False):
            interest = (rate * not_due * (day - since).days + unit) // twice
            since, not_due = day, not_due - cents
            if cents:
                add((day, installment_due, cents))
            if interest:
                add((day, interest_due, interest))
        for day in days[step:]:  # the maturity date's, then interest dates with no installment
            interest = (rate * not_due * (day - since).days + unit) // twice
            since = day
            if interest:
                add((day, interest_due, interest))
            if held:
                held, cents = False, amounts[last]
                not_due -= cents
                if cents:
                    add((day, installment_due, cents))
        self.accrued_to, self.not_due = since, not_due
        return True

    def one_rate(self, dues: Columns, pays: Columns, until: date, year: int) -> None:
        """After the advance, with the rate set at the advance staying (no reset) and a year
        of ``year`` days (actual/360, actual/365): the steps of the timeline taken in the full
        run's order by merging the two schedules (on one date an installment comes before
        the interest, the last installment on the maturity date after it), without a step
        list. Interest for a span is not_due x days x rate / year, so the loop adds up
        not_due x days (``acc``) and applies the rate once per interest date: the same sum
        as ``step`` makes, without a fraction per step, rounded by ``cents_half_up``'s rule
        (written out for a positive amount: this loop is the engine's hot spot)."""
        rn, unit = self.rn, 100 * self.rd * year
        twice = 2 * unit
        start = self.terms.start
        assert self.accrued_to is not None and self.acc_n == 0
        accrued_to, not_due = self.accrued_to, self.not_due
        amounts, last = self.amounts, self.last
        due_days, due_calcs = dues
        pay_days, pay_calcs = pays
        # the last installment comes after the interest of its date when it is the maturity
        hold = last if due_days and due_days[last] == _maturity_due_date(self.terms) else -1
        ahead = (*due_days, date.max)  # the next installment's date, date.max after the last
        add = self.flows.append
        interest_due, installment_due = LineKind.INTEREST_DUE, LineKind.INSTALLMENT_DUE
        acc = 0
        i = bisect_left(due_days, start)  # installments before the advance: none due
        due = ahead[i]
        lo, hi = bisect_left(pay_days, start), bisect_right(pay_days, until)
        for day, calc in zip(pay_days[lo:hi], pay_calcs[lo:hi], strict=True):
            while due <= day:
                if i == hold and due == day:
                    break  # the maturity step comes after the interest of its date
                due_calc = due_calcs[i]
                if due_calc > accrued_to:
                    if not_due:
                        acc += not_due * (due_calc - accrued_to).days
                    accrued_to = due_calc
                if not_due > 0:
                    cents = amounts[i]
                    if i == last or cents > not_due:
                        cents = not_due  # the last installment takes what is left
                    not_due -= cents
                    if cents:
                        add((due, installment_due, cents))
                i += 1
                due = ahead[i]
            if calc > accrued_to:
                if not_due:
                    acc += not_due * (calc - accrued_to).days
                accrued_to = calc
            if acc:
                num = acc * rn
                cents = (200 * num + unit) // twice if num >= 0 else cents_half_up(num, unit)
                if cents:
                    add((day, interest_due, cents))
                acc = 0
        while due <= until:
            due_calc = due_calcs[i]
            if due_calc > accrued_to:
                if not_due:
                    acc += not_due * (due_calc - accrued_to).days
                accrued_to = due_calc
            if not_due > 0:
                cents = amounts[i]
                if i == last or cents > not_due:
                    cents = not_due
                not_due -= cents
                if cents:
                    add((due, installment_due, cents))
            i += 1
            due = ahead[i]
        self.accrued_to, self.not_due = accrued_to, not_due
        self.acc_n, self.acc_d = acc * rn, unit

    def result(self, until: date) -> LoanResult:
        """The result records, made from templates of a settled loan (``record``: the run
        set every figure, so nothing is left to check)."""
        self._accrue(until)  # interest up to, not including, ``until``
        position = record(
            _SETTLED.position,
            as_of=until,
            principal_not_due=_amount(self.not_due),
            interest_accrued=_amount(cents_half_up(self.acc_n, self.acc_d)),
        )
        return record(
            _SETTLED,
            loan=self.terms.id,
            position=position,
            rates=rate_segments(self.segments, until),
            cash_flows=FlowCents(tuple(self.flows)),
        )


def _timeline(
    terms: LoanTerms, dues: Columns, market: Market, until: date
) -> list[tuple[date, int, int, date, int]]:
    """(date, step kind, sequence, calculation date, installment index) of every step of a
    plain run up to ``until``, in the full run's order (``steps.build_steps``)."""
    start = terms.start
    due_days, due_calcs = dues
    out = [
        (d, _PRINCIPAL, i + 1, c, i)
        for i, (d, c) in enumerate(zip(due_days, due_calcs, strict=True))
        if d <= until
    ]
    if out and out[-1][4] == len(due_days) - 1 and out[-1][0] == _maturity_due_date(terms):
        d, _, seq, c, i = out[-1]
        out[-1] = (d, _MATURITY, seq, c, i)  # the last installment, on the maturity date
    if start <= until:
        out.append((start, _ADVANCE, 0, start, -1))
    pays = zip(*interest_columns(terms, until), strict=True)
    out += [(d, _INTEREST, i, c, -1) for i, (d, c) in enumerate(pays) if start <= d <= until]
    resets = dict(reset_schedule(terms, market, until + timedelta(days=1)))
    out += [(d, _RESET, 0, resets[d], -1) for d in sorted(resets) if start <= d <= until]
    out.sort()  # by (date, kind, sequence), never equal for two steps: the full run's order
    return out
