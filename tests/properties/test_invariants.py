"""Invariants of the engine, over random loans and random payment histories (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.ledger import Account, LineKind, balances
from loanbook.terms.model import Amortization, AmortizationKind, PaymentSchedule
from loanbook.time import Cycle
from tests.conftest import cit_terms, flat_libor

CENT = D("0.01")
loans = st.builds(
    lambda cents, n, start_offset, rate: (D(cents) * CENT, n, start_offset, rate),
    st.integers(min_value=100_000, max_value=1_000_000_000),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=0, max_value=27),
    st.sampled_from(["0", "2.5", "5.4375", "9.125"]),
)


def _terms(principal: D, n: int, start_offset: int):  # type: ignore[no-untyped-def]
    start = date(1996, 1, 1) + timedelta(days=start_offset)
    sched = PaymentSchedule(date(1996, 4, 30), Cycle.parse("monthly"), eom=True, count=n)
    return cit_terms(
        principal=principal,
        start=start,
        amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched),
        maturity=None,
    )


@settings(max_examples=60, deadline=None)
@given(loans)
def test_principal_repaid_equals_principal_advanced(loan: tuple[D, int, int, str]) -> None:
    principal, n, offset, libor = loan
    terms = _terms(principal, n, offset)
    end = date(1996, 4, 30) + timedelta(days=31 * n + 31)
    result = run_loan(TermsHistory.single(terms), (), flat_libor(libor), end, assume_paid=True)
    repaid = sum(
        ln.amount
        for ln in result.lines
        if ln.kind is LineKind.PAYMENT_APPLIED and ln.component == "principal"
    )
    advanced = sum(ln.amount for ln in result.lines if ln.kind is LineKind.ADVANCE)
    assert advanced == principal == repaid
    assert result.position.principal_outstanding == 0
    assert all(ln.amount == ln.amount.quantize(CENT) for ln in result.lines)


# Payments of up to 300,000 and prepayments of up to 100,000 (at most 12 of them: 1.2M),
# between 1996-01-17 and 1997-12-17. The principal not yet due never falls below
# 4,554,900 - 1.2M - 21 x 94,893.75 = 1,362,131.25 in that time, so no prepayment is ever
# refused: every example is a real ledger.
payments = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=700),
        st.integers(min_value=1, max_value=30_000_000),
        st.sampled_from([EventKind.PAYMENT, EventKind.PAYMENT, EventKind.PREPAYMENT]),
    ).map(lambda t: (t[0], t[1] if t[2] is EventKind.PAYMENT else t[1] // 3 + 1, t[2])),
    max_size=12,
)


def _events(raw: list[tuple[int, int, EventKind]]) -> tuple[LoanEvent, ...]:
    out = []
    for i, (days, cents, kind) in enumerate(sorted(raw)):
        day = date(1996, 1, 17) + timedelta(days=days)
        out.append(LoanEvent(day, "cit-note", kind, D(cents) * CENT, f"r{i}", f"k{i}"))
    return tuple(out)


def _run(events: tuple[LoanEvent, ...], until: date, daily: bool = False):  # type: ignore[no-untyped-def]
    return run_loan(TermsHistory.single(cit_terms()), events, flat_libor(), until, daily=daily)


@settings(max_examples=60, deadline=None)
@given(payments, st.randoms(use_true_random=False))
def test_replay_is_deterministic(raw: list[tuple[int, int, EventKind]], rnd: object) -> None:
    """The same events, given in another order (same-day events keep theirs), give the same
    ledger, and running again gives it again."""
    events = _events(raw)
    first = _run(events, date(1998, 1, 1))
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    order = {e.key: i for i, e in enumerate(events)}
    again = _run(tuple(sorted(shuffled, key=lambda e: (e.date, order[e.key]))), date(1998, 1, 1))
    assert first.lines and first == again
    # 48 installments on month ends from 1996-04-30: 21 fall due by 1997-12-31
    assert len([ln for ln in first.lines if ln.kind is LineKind.INSTALLMENT_DUE]) == 21


@settings(max_examples=60, deadline=None)
@given(payments)
def test_payments_never_make_a_component_negative(raw: list[tuple[int, int, EventKind]]) -> None:
    result = _run(_events(raw), date(1998, 1, 1))
    bal = balances(result.lines)
    assert sum(bal.values()) == 0  # every posting balanced
    for account in (
        Account.PRINCIPAL_RECEIVABLE,
        Account.PRINCIPAL_DUE,
        Account.INTEREST_ACCRUED,
        Account.INTEREST_DUE,
        Account.LATE_CHARGE_RECEIVABLE,
    ):
        assert bal.get(account, D(0)) >= 0, account
    assert bal.get(Account.UNAPPLIED_FUNDS, D(0)) <= 0  # owed to the borrower, never negative
    p = result.position
    assert min(p.principal_due, p.interest_due, p.late_charges, p.unapplied) >= 0
    assert all(d.amount > 0 for d in p.dues)
    advanced = D("4554900.00")
    repaid = sum(
        ln.amount
        for ln in result.lines
        if ln.component == "principal"
        and ln.kind in (LineKind.PAYMENT_APPLIED, LineKind.PREPAYMENT_APPLIED)
        and ln.credit in (Account.PRINCIPAL_DUE, Account.PRINCIPAL_RECEIVABLE)
    )
    assert repaid + p.principal_outstanding == advanced  # principal is conserved


@settings(max_examples=30, deadline=None)
@given(payments, st.integers(min_value=1, max_value=590))
def test_a_run_to_an_earlier_date_is_a_prefix_in_daily_mode(
    raw: list[tuple[int, int, EventKind]], cut: int
) -> None:
    """Close of business is resumable: running to D then on gives the lines of one run."""
    events = _events(raw)
    end = date(1997, 9, 1)
    mid = date(1996, 1, 17) + timedelta(days=cut)
    full = _run(events, end, daily=True)
    part = _run(events, mid, daily=True)
    before = [ln for ln in full.lines if ln.date <= mid]
    assert list(part.lines) == before
