"""Invariants over varied loans (hypothesis): level principal, level payment and bullet; fixed
and floating rates; random payment histories with late, partial, early and excess payments
and early prepayments. Every generated history is valid (none is refused), so no example is
skipped: each one checks every invariant.

In CI (``CI=true``) the examples are the same on every run (the ``ci`` profile in
``tests/conftest.py``); elsewhere the seed changes between runs and a failure prints how to
reproduce it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanbook.engine import EventKind, LoanEvent, LoanResult, TermsHistory, run_loan
from loanbook.errors import RefusedError
from loanbook.ledger import Account, LineKind, balances
from loanbook.rates import Fixing, Market
from loanbook.terms.model import Amortization, AmortizationKind, PaymentSchedule, RateSpec
from loanbook.time import Cycle
from tests.conftest import cit_terms

CENT = D("0.01")
START = date(1996, 1, 17)
FIRST_DUE = date(1996, 2, 29)
MONTHLY = Cycle.parse("monthly")
SHAPES = (AmortizationKind.LEVEL_PRINCIPAL, AmortizationKind.LEVEL_PAYMENT, AmortizationKind.BULLET)


@dataclass(frozen=True)
class Loan:
    shape: AmortizationKind
    principal: D
    periods: int
    floating: bool
    rate: D  # the fixed rate, or the margin over the index
    fixings: tuple[D, ...]  # monthly LIBOR fixings from 1995-12-29 (floating)

    @property
    def maturity(self) -> date:
        return _month_end(FIRST_DUE, self.periods - 1)

    def terms(self):  # type: ignore[no-untyped-def]
        sched = PaymentSchedule(FIRST_DUE, MONTHLY, eom=True, count=self.periods)
        if self.shape is AmortizationKind.BULLET:
            amort = Amortization(AmortizationKind.BULLET)
        elif self.shape is AmortizationKind.LEVEL_PAYMENT:
            # any payment at least the first month's interest; the balance left is due at
            # maturity. A rough annuity at 1% a month keeps most principal amortizing.
            payment = (self.principal / self.periods + self.principal / 100).quantize(CENT)
            amort = Amortization(AmortizationKind.LEVEL_PAYMENT, sched, payment)
        else:
            amort = Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched)
        rate = (
            RateSpec(index="LIBOR-1M", margin=self.rate, reset=self._reset())
            if self.floating
            else RateSpec(fixed=self.rate)
        )
        return cit_terms(
            principal=self.principal,
            start=START,
            amortization=amort,
            interest_schedule=PaymentSchedule(FIRST_DUE, MONTHLY, eom=True, count=self.periods),
            maturity=self.maturity,
            rate=rate,
            interest_rate_period=None,
        )

    def _reset(self):  # type: ignore[no-untyped-def]
        from loanbook.terms.model import RateReset

        return RateReset.DAILY

    def market(self) -> Market:
        days = [_month_end(date(1995, 12, 31), i) for i in range(len(self.fixings))]
        return Market.of(
            [Fixing("LIBOR-1M", d, f) for d, f in zip(days, self.fixings, strict=True)]
        )


def _month_end(first: date, months: int) -> date:
    year, month = divmod(first.month - 1 + months, 12)
    nxt = date(first.year + year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return nxt - timedelta(days=1)


loans = st.builds(
    Loan,
    st.sampled_from(SHAPES),
    st.integers(min_value=1_000_00, max_value=50_000_000_00).map(lambda c: D(c) * CENT),
    st.integers(min_value=1, max_value=36),
    st.booleans(),
    st.sampled_from([D("0"), D("0.0125"), D("0.03"), D("0.054375"), D("0.0925")]),
    st.lists(
        st.integers(min_value=0, max_value=900).map(lambda bp: D(bp) / 10_000),
        min_size=48,
        max_size=48,
    ).map(tuple),
)


@st.composite
def histories(draw: st.DrawFn, loan: Loan) -> tuple[LoanEvent, ...]:
    """Payments on random days (before, on and after due dates) of random sizes (partial,
    about right, excess), and prepayments before the first due date totalling at most 90%
    of the principal (so the principal not yet due always covers them)."""
    horizon = (loan.maturity - START).days + 60
    events: list[LoanEvent] = []
    n = draw(st.integers(min_value=0, max_value=loan.periods + 4))
    scale = loan.principal / max(loan.periods, 1)
    for i in range(n):
        day = START + timedelta(days=draw(st.integers(min_value=0, max_value=horizon)))
        factor = draw(st.sampled_from(["0.01", "0.5", "1", "1.02", "1.5", "3"]))
        amount = max((scale * D(factor)).quantize(CENT), CENT)
        events.append(LoanEvent(day, "cit-note", EventKind.PAYMENT, amount, f"p{i}", f"p{i}"))
    room = loan.principal * D("0.9")
    for i in range(draw(st.integers(min_value=0, max_value=2))):
        cut = (room * D(draw(st.integers(min_value=1, max_value=45))) / 100).quantize(CENT)
        day = START + timedelta(days=draw(st.integers(min_value=0, max_value=41)))
        if cut > 0:
            events.append(LoanEvent(day, "cit-note", EventKind.PREPAYMENT, cut, f"pp{i}", f"pp{i}"))
    return tuple(sorted(events, key=lambda e: (e.date, e.key)))


def run(loan: Loan, events: tuple[LoanEvent, ...], until: date, **kw: bool) -> LoanResult:
    return run_loan(TermsHistory.single(loan.terms()), events, loan.market(), until, **kw)


def principal_repaid(result: LoanResult) -> D:
    return sum(
        (
            ln.amount
            for ln in result.lines
            if ln.component == "principal"
            and ln.kind in (LineKind.PAYMENT_APPLIED, LineKind.PREPAYMENT_APPLIED)
        ),
        D(0),
    )


@given(st.data())
def test_every_posting_balances_and_no_component_goes_negative(data: st.DataObject) -> None:
    loan = data.draw(loans)
    events = data.draw(histories(loan))
    until = loan.maturity + timedelta(days=45)
    result = run(loan, events, until)
    bal = balances(result.lines)
    assert sum(bal.values()) == 0
    assert all(ln.amount > 0 and ln.amount == ln.amount.quantize(CENT) for ln in result.lines)
    for account in (
        Account.PRINCIPAL_RECEIVABLE,
        Account.PRINCIPAL_DUE,
        Account.INTEREST_ACCRUED,
        Account.INTEREST_DUE,
        Account.LATE_CHARGE_RECEIVABLE,
    ):
        assert bal.get(account, D(0)) >= 0, account
    p = result.position
    assert bal.get(Account.PRINCIPAL_RECEIVABLE, D(0)) == p.principal_not_due
    assert bal.get(Account.PRINCIPAL_DUE, D(0)) == p.principal_due
    assert bal.get(Account.INTEREST_DUE, D(0)) == p.interest_due
    assert -bal.get(Account.UNAPPLIED_FUNDS, D(0)) == p.unapplied >= 0
    # principal is conserved: advanced = repaid + outstanding
    assert principal_repaid(result) + p.principal_outstanding == loan.principal
    # cash in = every payment and prepayment received, all of it accounted for
    received = sum((e.amount or D(0) for e in events if e.date <= until), D(0))
    assert -bal.get(Account.CASH, D(0)) == loan.principal - received


@given(st.data())
def test_paid_as_due_the_loan_is_repaid_at_maturity_with_bounded_interest(
    data: st.DataObject,
) -> None:
    loan = data.draw(loans.filter(lambda x: not x.floating))
    result = run(loan, (), loan.maturity + timedelta(days=1), assume_paid=True)
    assert result.position.principal_outstanding == 0
    assert principal_repaid(result) == loan.principal
    interest = sum((ln.amount for ln in result.lines if ln.kind is LineKind.INTEREST_DUE), D(0))
    accrued = sum((ln.amount for ln in result.lines if ln.kind is LineKind.ACCRUAL), D(0))
    assert accrued == interest  # posted accruals add up to the interest that fell due
    # Interest is at most the whole principal at the fixed rate for every day (the balance
    # only falls), and exactly that for a bullet, to the cent (one rounding per due date:
    # at most half a cent each).
    days = (loan.maturity - START).days
    ceiling = Fraction(loan.principal) * Fraction(loan.rate) * days / 360
    slack = Fraction(loan.periods, 200)
    assert Fraction(interest) <= ceiling + slack
    if loan.shape is AmortizationKind.BULLET:
        assert abs(Fraction(interest) - ceiling) <= slack


@given(st.data())
def test_a_run_to_an_earlier_date_is_a_prefix_in_daily_mode(data: st.DataObject) -> None:
    """Close of business is resumable: running to D then on gives the lines of one run."""
    loan = data.draw(loans.filter(lambda x: x.periods <= 12))
    events = data.draw(histories(loan))
    end = loan.maturity + timedelta(days=10)
    cut = START + timedelta(days=data.draw(st.integers(0, (end - START).days)))
    full = run(loan, events, end, daily=True)
    part = run(loan, events, cut, daily=True)
    assert list(part.lines) == [ln for ln in full.lines if ln.date <= cut]


@given(st.data())
def test_the_order_events_are_given_in_does_not_matter(data: st.DataObject) -> None:
    loan = data.draw(loans)
    events = data.draw(histories(loan))
    shuffled = list(events)
    random.Random(data.draw(st.integers(0, 2**32))).shuffle(shuffled)
    until = loan.maturity + timedelta(days=20)
    first = run(loan, events, until)
    # same-day events keep their relative order (the order the book received them)
    second = run(loan, tuple(sorted(shuffled, key=lambda e: (e.date, e.key))), until)
    assert first.lines == second.lines and first.position == second.position
    assert first.lines  # not two refusals: a real ledger


@given(st.data())
def test_a_late_payment_bears_late_charges_and_an_early_one_is_held(data: st.DataObject) -> None:
    loan = data.draw(loans.filter(lambda x: x.rate > 0 and not x.floating))
    days_late = data.draw(st.integers(min_value=1, max_value=25))
    early = LoanEvent(START + timedelta(days=1), "cit-note", EventKind.PAYMENT, D("100"), "e", "e")
    late_day = FIRST_DUE + timedelta(days=days_late)
    result = run(loan, (early,), late_day)
    held = [ln for ln in result.lines if ln.kind is LineKind.UNAPPLIED]
    assert [ln.amount for ln in held] == [D("100.00")]  # nothing was due on 01-18
    # On the first due date the held 100 is applied; what stays unpaid bears 18% a year.
    first_due = sum(
        (
            ln.amount
            for ln in result.lines
            if ln.kind in (LineKind.INTEREST_DUE, LineKind.INSTALLMENT_DUE) and ln.date == FIRST_DUE
        ),
        D(0),
    )
    unpaid = max(first_due - D("100"), D(0))
    expected = Fraction(unpaid) * Fraction(18, 100) * days_late / 360
    late = sum((ln.amount for ln in result.lines if ln.kind is LineKind.LATE_CHARGE), D(0))
    assert abs(Fraction(late) - expected) <= Fraction(1, 200)


@given(loans)
def test_a_prepayment_above_the_principal_not_yet_due_is_refused(loan: Loan) -> None:
    too_much = LoanEvent(
        START + timedelta(days=1), "cit-note", EventKind.PREPAYMENT, loan.principal + CENT, "x"
    )
    with pytest.raises(RefusedError, match="exceeds the principal not yet due"):
        run(loan, (too_much,), START + timedelta(days=2))
