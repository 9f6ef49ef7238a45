"""The engine features the ACTUS cases need, in book mode (rounded to the cent, nothing
assumed paid): the same code path as the exact ACTUS runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from loanbook.adapters.actus import close, load_cases, map_case, simulate, to_events
from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.ledger import LineKind, balances
from loanbook.money import to_cents
from loanbook.rates import Market
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    LoanTerms,
    PaymentSchedule,
    RateSpec,
)
from loanbook.time import Cycle, DayCount

DATA = Path(__file__).resolve().parent / "data"
MONTHLY = Cycle.parse("P1ML1")


def terms(**changes: object) -> LoanTerms:
    base: dict[str, object] = {
        "id": "t",
        "facility": "f",
        "borrower": "b",
        "lender": "l",
        "principal": D("10000.00"),
        "start": date(2020, 1, 1),
        "day_count": DayCount.THIRTY_E_360,
        "rate": RateSpec(fixed=D("0.12")),
        "interest_schedule": PaymentSchedule(date(2020, 2, 1), MONTHLY, eom=False),
        "amortization": Amortization(AmortizationKind.BULLET),
        "maturity": date(2021, 1, 1),
    }
    base.update(changes)
    return LoanTerms(**base)  # type: ignore[arg-type]


def test_rounded_run_is_the_exact_run_to_the_cent() -> None:
    case = load_cases(DATA / "actus-tests-pam.json")["pam01"]
    mapped, exact = simulate(case)
    result = run_loan(
        TermsHistory.single(mapped.terms),
        mapped.events,
        mapped.market,
        mapped.until,
        assume_paid=True,
        rounding=True,
    )
    rounded = to_events(mapped, result)
    assert [(e.date, e.type) for e in rounded] == [(e.date, e.type) for e in exact]
    assert all(r.payoff == to_cents(e.payoff) for r, e in zip(rounded, exact, strict=True))
    assert rounded[2].payoff == D("25.48")  # 3,000 x 10% x 31/365 = 25.4794...


def test_negative_amortization_adds_the_unpaid_interest_to_principal() -> None:
    # 12% on 10,000 is 100.00 a month (30E/360); a payment of 50.00 leaves 50.00 unpaid,
    # added to principal: 10,050.00; then 100.50 -> 10,100.50; then 101.0050 -> 101.01.
    nam = Amortization(
        AmortizationKind.NEGATIVE,
        PaymentSchedule(date(2020, 2, 1), MONTHLY, eom=False),
        installment=D("50.00"),
    )
    pays = tuple(
        LoanEvent(date(2020, m, 1), "t", EventKind.PAYMENT, D("50.00"), f"p{m}") for m in (2, 3, 4)
    )
    result = run_loan(
        TermsHistory.single(terms(amortization=nam)), pays, Market(), date(2020, 4, 1)
    )
    p = result.position
    assert p.principal_outstanding == D("10151.51")
    assert p.total_due == D("0.00") and p.unapplied == D("0.00")
    interest = [ln.amount for ln in result.lines if ln.kind is LineKind.INTEREST_DUE]
    assert interest == [D("100.00"), D("100.50"), D("101.01")]
    assert all(ln.amount > 0 for ln in result.lines)
    assert sum(balances(result.lines).values()) == 0


def test_capitalisation_then_interest_on_the_larger_principal() -> None:
    # taken on with 5.00 accrued; capitalised on 02-01 (105.00) and 03-01 (101.05),
    # then 03-01..04-01 on 10,206.05: 102.0605 -> 102.06 due on 04-01.
    loan = terms(accrued_at_start=D("5.00"), capitalize_until=date(2020, 3, 1))
    result = run_loan(TermsHistory.single(loan), (), Market(), date(2020, 4, 1))
    caps = [ln.amount for ln in result.lines if ln.kind is LineKind.CAPITALIZATION]
    assert caps == [D("105.00"), D("101.05")]
    assert result.position.principal_outstanding == D("10206.05")
    assert result.position.interest_due == D("102.06")
    kinds = [s.kind.name for s in result.states]
    assert kinds == ["ADVANCE", "CAPITALIZATION", "CAPITALIZATION", "INTEREST_DUE"]


def test_premium_and_purchase_and_termination_cash() -> None:
    loan = terms(premium_discount=D("-200.00"))
    events = (
        LoanEvent(date(2020, 2, 15), "t", EventKind.PURCHASE, D("9900.00"), key="buy"),
        LoanEvent(date(2020, 3, 16), "t", EventKind.TERMINATION, D("9950.00"), key="sell"),
    )
    result = run_loan(
        TermsHistory.single(loan), events, Market(), date(2020, 12, 31), assume_paid=True
    )
    cash = {
        s.event: sum(
            (
                ln.amount if ln.debit.value == "cash" else -ln.amount
                for ln in result.lines
                if ln.event == s.event and "cash" in (ln.debit.value, ln.credit.value)
            ),
            D(0),
        )
        for s in result.states
    }
    assert cash["t/advance"] == D("-9800.00")  # 10,000 less the 200 discount
    assert cash["buy"] == D("-9946.67")  # price + 14 days' interest (30E/360): 46.67
    assert cash["sell"] == D("9950.00") + D("50.00")  # price + 03-01..03-16 interest
    assert result.states[-1].kind.name == "TERMINATION"
    assert result.position.principal_outstanding == D("0.00")
    assert sum(balances(result.lines).values()) == 0


def test_mapping_keeps_the_reference_terms() -> None:
    mapped = map_case(load_cases(DATA / "actus-tests-lam.json")["lam14"])
    spec = mapped.terms.rate
    assert (spec.initial, spec.next_reset_rate, spec.fixing_lag_days) == (
        D("0.08"),
        D("0.06"),
        2,
    )
    # observations are keyed by the date the rate applies: recorded two days earlier
    fixing = mapped.market.index("USD.SWP").in_force(date(2013, 6, 29))
    assert fixing.date == date(2013, 6, 29) and close(fixing.rate, D("0.000892839506173"))
