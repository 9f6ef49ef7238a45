"""A run without lines (``run_loan(..., lines=False)``) gives the full run's cents: random
loans (hypothesis) through both paths, and hand-checked figures of the integer path."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.engine import LoanResult, TermsHistory, flows, run_loan
from loanbook.engine.flows import plain
from loanbook.ledger import LineKind
from loanbook.portfolio import form, generate
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    LoanTerms,
    PaymentSchedule,
    RateSpec,
)
from loanbook.time import BusinessDayConvention, Cycle, DayCount
from tests.conftest import cit_terms, flat_libor

MONTHLY = Cycle.parse("monthly")


def same_figures(full: LoanResult, fast: LoanResult) -> None:
    assert fast.lines == () and fast.states == () and fast.cash_flows is not None
    assert fast.flows == full.flows
    assert fast.position == full.position
    assert fast.rates == full.rates


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    loans=st.integers(min_value=1, max_value=6),
    until=st.integers(min_value=-30, max_value=2400),
    with_events=st.booleans(),
    assume_paid=st.booleans(),
)
def test_random_loans_give_the_same_cents_with_and_without_lines(
    seed: int, loans: int, until: int, with_events: bool, assume_paid: bool
) -> None:
    """Fixed and floating loans of every kind the portfolio generator makes (day counts,
    calendars, conventions, resets, floors, caps, late charges, payment histories): the
    plain ones go through the integer path, the others through the full run without lines;
    both must give the full run's flows, position and rates."""
    table, events = generate.loans_and_events(loans, seed, history_to=date(2022, 1, 1))
    market = form.market_of(generate.fixings(seed))
    by_loan: dict[str, list[dict[str, object]]] = {}
    for ev in events.to_pylist():
        by_loan.setdefault(str(ev["loan"]), []).append(ev)
    for row in table.to_pylist():
        history = TermsHistory.single(form.terms_of(row))
        evs = form.events_of(by_loan.get(row["loan"], [])) if with_events else ()
        day = row["start"] + timedelta(days=until)
        full = run_loan(history, evs, market, day, assume_paid=assume_paid)
        fast = run_loan(history, evs, market, day, assume_paid=assume_paid, lines=False)
        same_figures(full, fast)


@settings(max_examples=40, deadline=None)
@given(
    principal=st.integers(min_value=0, max_value=10**11),
    count=st.integers(min_value=1, max_value=40),
    rate=st.integers(min_value=-2_000, max_value=250_000),  # millionths
    start=st.integers(min_value=0, max_value=3000),
    gap=st.integers(min_value=1, max_value=90),
    months=st.sampled_from([1, 2, 3, 6, 12]),
    interest_months=st.sampled_from([1, 3]),
    eom=st.booleans(),
    day_count=st.sampled_from(list(DayCount)),
    convention=st.sampled_from(list(BusinessDayConvention)),
    calendar=st.sampled_from(["none", "weekdays", "US"]),
    bullet=st.booleans(),
    late=st.integers(min_value=-400, max_value=400),
)
def test_plain_loans_through_the_integer_path_give_the_full_runs_cents(
    principal: int,
    count: int,
    rate: int,
    start: int,
    gap: int,
    months: int,
    interest_months: int,
    eom: bool,
    day_count: DayCount,
    convention: BusinessDayConvention,
    calendar: str,
    bullet: bool,
    late: int,
) -> None:
    """Every loan here is plain (``engine.flows.plain``): fixed rates, negative ones too, any
    day count, principal and interest cycles that differ, adjusted dates, runs that stop
    before, during and after the loan's life; through the lockstep loop where it applies
    and through the general merge."""
    first = date(2001, 1, 31) + timedelta(days=start)
    anchor = first + timedelta(days=gap)
    sched = PaymentSchedule(anchor, Cycle(months=months), eom, count, None, convention, calendar)
    terms = cit_terms(
        principal=D(principal) / 100,
        start=first,
        day_count=day_count,
        rate=RateSpec(fixed=D(rate) / 1_000_000),
        interest_schedule=PaymentSchedule(
            anchor, Cycle(months=interest_months), eom, None, None, convention, calendar
        ),
        amortization=Amortization(AmortizationKind.BULLET)
        if bullet
        else Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched),
        maturity=anchor + timedelta(days=30 * months * count),
        interest_rate_period=None,
    )
    history = TermsHistory.single(terms)
    assert plain(history, (), daily=False, assume_paid=True)
    until = terms.maturity + timedelta(days=late)  # type: ignore[operator]
    full = run_loan(history, (), flat_libor(), until, assume_paid=True)
    same_figures(full, run_loan(history, (), flat_libor(), until, assume_paid=True, lines=False))
    # the same loans through the general merge, where the lockstep loop took them
    with patch.object(flows._Cents, "lockstep", lambda *_: False):
        merged = run_loan(history, (), flat_libor(), until, assume_paid=True, lines=False)
    same_figures(full, merged)


def _three_months(rate: str, principal: str = "1200.00") -> LoanTerms:
    """Borrowed 2024-01-15, repaid in three monthly installments from 2024-02-15,
    interest monthly on the same dates, actual/360."""
    sched = PaymentSchedule(date(2024, 2, 15), MONTHLY, False, 3)
    return cit_terms(
        principal=D(principal),
        start=date(2024, 1, 15),
        rate=RateSpec(fixed=D(rate)),
        interest_schedule=PaymentSchedule(date(2024, 2, 15), MONTHLY, False),
        amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched),
        maturity=date(2024, 4, 15),
        interest_rate_period=None,
    )


def test_the_integer_path_gives_the_hand_computed_flows() -> None:
    history = TermsHistory.single(_three_months("0.06"))
    res = run_loan(history, (), flat_libor(), date(2024, 4, 22), assume_paid=True, lines=False)
    assert [(f.date, f.kind, f.amount) for f in res.flows] == [
        # 1200.00 / 3 = 400.00 an installment
        (date(2024, 2, 15), LineKind.INSTALLMENT_DUE, D("400.00")),
        # 1200.00 x 6% x 31/360 (Jan 15 - Feb 15) = 6.20
        (date(2024, 2, 15), LineKind.INTEREST_DUE, D("6.20")),
        (date(2024, 3, 15), LineKind.INSTALLMENT_DUE, D("400.00")),
        # 800.00 x 6% x 29/360 (2024 is a leap year) = 3.8666... -> 3.87
        (date(2024, 3, 15), LineKind.INTEREST_DUE, D("3.87")),
        # 400.00 x 6% x 31/360 = 2.0666... -> 2.07, due before the last installment (maturity)
        (date(2024, 4, 15), LineKind.INTEREST_DUE, D("2.07")),
        (date(2024, 4, 15), LineKind.INSTALLMENT_DUE, D("400.00")),
    ]
    assert res.position.principal_outstanding == 0
    assert res.position.interest_accrued == 0
    assert res.cash_flows is not None and len(res.cash_flows) == 6


def test_a_half_cent_is_rounded_up_and_mid_period_interest_stays_accrued() -> None:
    history = TermsHistory.single(_three_months("0.0657", principal="3000.00"))
    # to 2024-03-01: 3000.00 x 6.57% x 31/360 = 16.9725 -> 16.97 due 2024-02-15; then
    # 2000.00 x 6.57% x 15/360 (Feb 15 - Mar 1) = 5.475 exactly: half a cent, up -> 5.48
    res = run_loan(history, (), flat_libor(), date(2024, 3, 1), assume_paid=True, lines=False)
    interest = [f.amount for f in res.flows if f.kind is LineKind.INTEREST_DUE]
    assert interest == [D("16.97")]
    assert res.position.interest_accrued == D("5.48")
    assert res.position.principal_not_due == D("2000.00")


def test_the_cit_note_with_its_libor_resets_gives_the_same_cents_both_ways() -> None:
    """A floating loan with a reset at every Interest Rate Period (the general loop)."""
    history = TermsHistory.single(cit_terms())
    assert plain(history, (), daily=False, assume_paid=True)
    full = run_loan(history, (), flat_libor(), date(2000, 4, 30), assume_paid=True)
    fast = run_loan(history, (), flat_libor(), date(2000, 4, 30), assume_paid=True, lines=False)
    same_figures(full, fast)
    # 48 installments and 48 interest dates, the month-ends from April 1996 to March 2000
    assert len(fast.flows) == 48 + 48


def test_a_run_without_lines_needs_rounding() -> None:
    history = TermsHistory.single(cit_terms())
    with pytest.raises(ValueError, match="whole cents"):
        run_loan(history, (), flat_libor(), date(1997, 1, 1), rounding=False, lines=False)
