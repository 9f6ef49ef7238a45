"""The run loop and what it returns (``engine/run.py``, ``engine/state.py``): the state after
each step, the position, the rate segments, the installments as changed, exact (unrounded)
runs, close-of-business runs, and the end of a run. The small loan of ``simple_loan``:
36,000.00 at 10% actual/360 from 2024-01-01 (10.00 a day), 12,000.00 and interest due on
02-01 and 03-01 and 04-01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

from loanbook.engine import EventKind
from loanbook.engine.result import StepState
from loanbook.engine.steps import StepKind
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Amortization, AmortizationKind, LateCharge
from tests.engine.simple_loan import event, monthly_from, of_kind, run

JAN1, FEB1, MAR1, APR1 = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
PAY = event(FEB1, EventKind.PAYMENT, "12310.00")


def test_the_state_after_each_step() -> None:
    # principal outstanding counts principal due and unpaid; the interest accrued drops to 0
    # when it falls due; February on 24,000: 24,000 x 10% x 29/360 = 193.333... -> 193.33.
    result = run(MAR1, PAY)
    r, one = D("0.10"), D(1)
    assert result.states == (
        StepState(JAN1, StepKind.ADVANCE, "t/advance", D(36000), r, D(0), D(36000), None, one, one),
        StepState(FEB1, StepKind.PRINCIPAL_DUE, "t/installment/1", D(36000), r, D(310), D(36000)),
        StepState(
            FEB1, StepKind.INTEREST_DUE, "t/interest/2024-02-01", D(36000), r, D(0), D(36000)
        ),
        StepState(FEB1, StepKind.PAYMENT, PAY.event_id, D(24000), r, D(0), D(24000)),
        StepState(
            MAR1, StepKind.PRINCIPAL_DUE, "t/installment/2", D(24000), r, D("193.33"), D(24000)
        ),
        StepState(
            MAR1, StepKind.INTEREST_DUE, "t/interest/2024-03-01", D(24000), r, D(0), D(24000)
        ),
    )


def test_the_position_at_the_end_of_a_run() -> None:
    # To 03-10 with the 03-01 dues unpaid: 12,000.00 + 193.33 due; 12,000.00 not yet due;
    # accrued 03-01..03-09 on 24,000 (due principal still bears interest): 9 x 6.666... =
    # 60.00.
    result = run(date(2024, 3, 10), PAY)
    p = result.position
    assert (p.as_of, p.principal_not_due, p.principal_due, p.interest_accrued) == (
        date(2024, 3, 10),
        D("12000.00"),
        D("12000.00"),
        D("60.00"),
    )
    assert (p.interest_due, p.late_charges, p.fees, p.unapplied) == (
        D("193.33"),
        D(0),
        D(0),
        D(0),
    )
    assert [(d.component, d.due_date, d.amount, d.event, d.cite) for d in p.dues] == [
        ("principal", MAR1, D("12000.00"), "t/installment/2", "N ¶5"),
        ("interest", MAR1, D("193.33"), "t/interest/2024-03-01", "N ¶4"),
    ]
    # the as-of accrual names the end of the run
    last = of_kind(result, LineKind.ACCRUAL)[-1]
    assert (last[0], last[2], last[5], last[9]) == (
        date(2024, 3, 10),
        D("60.00"),
        "t/as-of/2024-03-10",
        "2024-03-01..2024-03-09 on 24000.00 at 10% (fixed 10%), actual/360",
    )
    assert result.loan == "t"
    # every total is money (Decimal), the empty ones too
    assert all(isinstance(x, D) for x in (p.late_charges, p.fees, p.unapplied, p.principal_due))


def test_rate_segments_run_to_the_next_or_the_end() -> None:
    result = run(date(2024, 3, 10))
    assert [(s.start, s.end, s.quote.rate, s.quote.basis, s.quote.cite) for s in result.rates] == [
        (JAN1, date(2024, 3, 10), D("0.10"), "fixed 10%", "N ¶3")
    ]


def test_installments_as_changed_and_as_scheduled() -> None:
    result = run(FEB1, event(date(2024, 1, 10), EventKind.PREPAYMENT, "5000.00"))
    assert [i.amount for i in result.scheduled] == [D("12000.00")] * 3
    assert [i.amount for i in result.installments] == [D("12000.00"), D("12000.00"), D("7000.00")]
    assert [i.number for i in result.installments] == [1, 2, 3]


def test_an_exact_run_posts_unrounded_interest() -> None:
    # rounding off (the ACTUS comparison): February's 193.333... is posted exactly
    result = run(MAR1, PAY, rounding=False)
    due = of_kind(result, LineKind.INTEREST_DUE)[-1][2]
    assert isinstance(due, D)
    assert abs(Fraction(due) - Fraction(24000 * 29, 3600)) < Fraction(1, 10**20)
    assert due != D("193.33")


def test_nothing_happens_after_a_termination() -> None:
    # closed on 01-15: no accrual to the end of the run, no interest date, no late charge
    sell = event(date(2024, 1, 15), EventKind.TERMINATION, "36100.00")
    result = run(APR1, sell)
    assert {ln.date for ln in result.lines} == {JAN1, date(2024, 1, 15)}
    assert [s.kind for s in result.states] == [StepKind.ADVANCE, StepKind.TERMINATION]


def test_funds_held_are_applied_once_everything_due_that_day_has_fallen_due() -> None:
    # 20,000 held from 01-15. On 02-01 the installment falls due (30) before the interest (80);
    # the funds are applied after both, by the waterfall (interest first): 310.00 then
    # 12,000.00, both cited to the interest-date step (the last due of the day).
    held = event(date(2024, 1, 15), EventKind.PAYMENT, "20000.00")
    result = run(FEB1, held)
    applied = [(r[0], r[5], r[8], r[2]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert applied == [
        (FEB1, "t/interest/2024-02-01", "interest", D("310.00")),
        (FEB1, "t/interest/2024-02-01", "principal", D("12000.00")),
    ]


def test_funds_held_are_applied_before_money_received_the_same_day() -> None:
    # 310.00 held from 01-15; on 02-01 a payment of 12,000.00: the held 310.00 pays the
    # interest first (at the last due of the day), then the payment pays the principal.
    result = run(
        FEB1,
        event(date(2024, 1, 15), EventKind.PAYMENT, "310.00"),
        event(FEB1, EventKind.PAYMENT, "12000.00"),
    )
    applied = [(r[3], r[8], r[2]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert applied == [
        (Account.UNAPPLIED_FUNDS, "interest", D("310.00")),
        (Account.CASH, "principal", D("12000.00")),
    ]
    assert result.position.dues == ()


def test_close_of_business_posts_every_day_and_adds_up_to_the_period() -> None:
    # daily: 10.00 each day 01-02..02-01 (31 days), each its own accrual event, summing to the
    # 310.00 that falls due on 02-01
    result = run(FEB1, daily=True)
    accruals = of_kind(result, LineKind.ACCRUAL)
    assert len(accruals) == 31
    assert accruals[0][0] == date(2024, 1, 2) and accruals[0][5] == "t/accrual/2024-01-02"
    assert {r[2] for r in accruals} == {D("10.00")}
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("310.00")]


def test_a_zero_amount_posts_no_line() -> None:
    # a run to the start: the advance only (no zero accrual)
    result = run(JAN1)
    assert [ln.kind for ln in result.lines] == [LineKind.ADVANCE]
    assert result.position.interest_accrued == D(0)


def test_a_fee_before_the_advance_has_no_rate_yet() -> None:
    # a fee charged on 2023-12-15, before the advance: the state after it shows no rate
    # (0), no principal, and the advance follows as usual
    result = run(JAN1, event(date(2023, 12, 15), EventKind.FEE, "100.00"))
    first = result.states[0]
    assert (first.date, first.kind, first.rate, first.principal) == (
        date(2023, 12, 15),
        StepKind.FEE,
        D(0),
        D(0),
    )
    assert result.states[1].rate == D("0.10")


def test_every_line_names_its_loan() -> None:
    assert {ln.loan for ln in run(MAR1, PAY).lines} == {"t"}


def test_installments_to_the_cent_in_a_rounded_run_and_exact_otherwise() -> None:
    # 100,000 in 3: 33,333.33 twice and 33,333.34 (rounded); exactly 100,000/3 unrounded
    rounded = run(FEB1, principal=D("100000.00"))
    assert [r[2] for r in of_kind(rounded, LineKind.INSTALLMENT_DUE)] == [D("33333.33")]
    exact = run(FEB1, principal=D("100000.00"), rounding=False)
    (amount,) = [r[2] for r in of_kind(exact, LineKind.INSTALLMENT_DUE)]
    assert abs(Fraction(amount) - Fraction(100000, 3)) < Fraction(1, 10**20)


def test_no_level_payment_on_a_level_principal_loan() -> None:
    # an agreed level principal of 12,000 is an installment, not a payment: no payment state
    amort = Amortization(AmortizationKind.LEVEL_PRINCIPAL, monthly_from(FEB1, 3), D("12000"))
    assert {s.payment for s in run(FEB1, amortization=amort).states} == {None}


def test_a_terminated_loan_accrues_nothing_more_even_with_dues_unpaid() -> None:
    # 02-01 dues unpaid, late charges at 18%, sold on 02-10: nothing is posted after 02-10
    sell = event(date(2024, 2, 10), EventKind.TERMINATION, "36000.00")
    result = run(MAR1, sell, late_charge=LateCharge(D("0.18")))
    assert max(ln.date for ln in result.lines) == date(2024, 2, 10)
    assert result.position.late_charges == D(0)
