"""Installments of principal (``engine/installments.py``), the terms over time
(``engine/history.py``) and the position's totals (``engine/result.py``), unit by unit.
Calendar facts used: 2024-06-01 is a Saturday, 2024-06-03 a Monday, 2024-03-31 a Sunday,
2024-03-29 a Friday (the "weekdays" calendar has no holidays).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine import TermsHistory
from loanbook.engine.installments import (
    Installment,
    apply_prepayment,
    build_installments,
    principal_schedule,
    schedule_dates,
)
from loanbook.engine.result import DueItem, Position
from loanbook.terms.model import Amortization, AmortizationKind, PaymentSchedule, PrepaymentOrder
from loanbook.time import BusinessDayConvention
from tests.engine.simple_loan import MONTHLY, monthly_from, terms

F = BusinessDayConvention.FOLLOWING


def test_schedule_dates_by_count_by_end_and_with_the_end_excluded() -> None:
    by_count = schedule_dates(monthly_from(date(2024, 1, 15), 3), None)
    assert by_count == tuple(
        (d, d) for d in (date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15))
    )
    to_end = schedule_dates(monthly_from(date(2024, 1, 15)), date(2024, 3, 15))
    assert [d for d, _ in to_end] == [date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15)]
    before_end = schedule_dates(
        monthly_from(date(2024, 1, 15)), date(2024, 3, 15), include_end=False
    )
    assert [d for d, _ in before_end] == [date(2024, 1, 15), date(2024, 2, 15)]
    own_end = PaymentSchedule(date(2024, 1, 15), MONTHLY, eom=False, end=date(2024, 2, 15))
    assert [d for d, _ in schedule_dates(own_end, date(2024, 12, 15))] == [
        date(2024, 1, 15),
        date(2024, 2, 15),
    ]
    with pytest.raises(ValueError, match=r"^a schedule needs a count or an end date$"):
        schedule_dates(monthly_from(date(2024, 1, 15)), None)


def test_schedule_dates_moved_to_business_days_and_calculated_to_either() -> None:
    # 06-01 (Saturday) moves to 06-03 (Monday, following); amounts calculated to the moved
    # date, or to 06-01 itself when the schedule calculates to unadjusted dates.
    moved = PaymentSchedule(
        date(2024, 6, 1), MONTHLY, eom=False, count=1, convention=F, calendar="weekdays"
    )
    assert schedule_dates(moved, None) == ((date(2024, 6, 3), date(2024, 6, 3)),)
    unadjusted = PaymentSchedule(
        date(2024, 6, 1),
        MONTHLY,
        eom=False,
        count=1,
        convention=F,
        calendar="weekdays",
        calc_unadjusted=True,
    )
    assert schedule_dates(unadjusted, None) == ((date(2024, 6, 3), date(2024, 6, 1)),)


def test_principal_schedule_of_each_kind_and_its_errors() -> None:
    bullet = terms(amortization=Amortization(AmortizationKind.BULLET))
    assert principal_schedule(bullet) == ((date(2024, 4, 1), date(2024, 4, 1)),)
    with pytest.raises(ValueError, match="loan t: a bullet loan needs a maturity date"):
        principal_schedule(terms(amortization=Amortization(AmortizationKind.BULLET), maturity=None))
    explicit = Amortization(
        AmortizationKind.EXPLICIT, explicit=((date(2024, 2, 1), D("1")), (date(2024, 5, 1), D("2")))
    )
    assert [d for d, _ in principal_schedule(terms(amortization=explicit))] == [
        date(2024, 2, 1),
        date(2024, 5, 1),
    ]
    with pytest.raises(ValueError, match="loan t: amortization level_principal needs a schedule"):
        principal_schedule(terms(amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL)))
    open_ended = Amortization(AmortizationKind.LEVEL_PRINCIPAL, monthly_from(date(2024, 2, 1)))
    with pytest.raises(ValueError, match="loan t: the principal schedule needs a count or an end"):
        principal_schedule(terms(amortization=open_ended, maturity=None))
    # no count: to the maturity
    assert [d for d, _ in principal_schedule(terms(amortization=open_ended))] == [
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 4, 1),
    ]


def test_level_principal_to_the_cent_with_the_remainder_last() -> None:
    # 100,000.00 in 3: 33,333.333... -> 33,333.33 twice and 33,333.34 last (sums to 100,000)
    loan = terms(principal=D("100000.00"))
    got = build_installments(loan)
    assert [(i.number, i.due_date, i.amount, i.cite, i.term, i.calc_date) for i in got] == [
        (1, date(2024, 2, 1), D("33333.33"), "N ¶5", "loans.t.amortization", None),
        (2, date(2024, 3, 1), D("33333.33"), "N ¶5", "loans.t.amortization", None),
        (3, date(2024, 4, 1), D("33333.34"), "N ¶5", "loans.t.amortization", None),
    ]
    # 200.00 in 3: 66.666... -> 66.67 half-up (not 66.66); the last 200 - 133.34 = 66.66
    assert [i.amount for i in build_installments(terms(principal=D("200.00")))] == [
        D("66.67"),
        D("66.67"),
        D("66.66"),
    ]
    # unrounded (ACTUS): 100,000/3 each, exact shares, the last what is left
    exact = build_installments(loan, rounding=False)
    third = D("100000.00") / 3
    assert [i.amount for i in exact[:2]] == [third, third]
    assert exact[2].amount == D("100000.00") - 2 * third


def test_an_agreed_installment_and_a_last_one_smaller() -> None:
    # 15,000 agreed on 36,000: 15,000, 15,000, then what is left 6,000; at most what is left
    amort = Amortization(
        AmortizationKind.LEVEL_PRINCIPAL, monthly_from(date(2024, 2, 1), 3), D("15000")
    )
    assert [i.amount for i in build_installments(terms(amortization=amort))] == [
        D("15000"),
        D("15000"),
        D("6000.00"),
    ]
    big = Amortization(
        AmortizationKind.LEVEL_PRINCIPAL, monthly_from(date(2024, 2, 1), 3), D("20000")
    )
    assert [i.amount for i in build_installments(terms(amortization=big))] == [
        D("20000"),
        D("16000.00"),
        D("0.00"),
    ]


def test_installments_of_explicit_bullet_and_level_payment_loans() -> None:
    explicit = Amortization(
        AmortizationKind.EXPLICIT,
        explicit=((date(2024, 2, 1), D("1000")), (date(2024, 5, 1), D("35000"))),
    )
    got = build_installments(terms(amortization=explicit))
    assert [(i.number, i.due_date, i.amount, i.cite, i.term) for i in got] == [
        (1, date(2024, 2, 1), D("1000"), "N ¶5", "loans.t.amortization"),
        (2, date(2024, 5, 1), D("35000"), "N ¶5", "loans.t.amortization"),
    ]
    (bullet,) = build_installments(terms(amortization=Amortization(AmortizationKind.BULLET)))
    assert (bullet.number, bullet.due_date, bullet.amount, bullet.calc_date) == (
        1,
        date(2024, 4, 1),
        D("36000.00"),
        None,
    )
    assert (bullet.cite, bullet.term) == ("N ¶5", "loans.t.amortization")
    level = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(date(2024, 2, 1), 2))
    assert build_installments(terms(amortization=level)) == (
        Installment(1, date(2024, 2, 1), None, "N ¶5", "loans.t.amortization", None),
        Installment(2, date(2024, 3, 1), None, "N ¶5", "loans.t.amortization", None),
    )
    # level payment due 06-03 (06-01 a Saturday), calculated to 06-01
    moved = PaymentSchedule(
        date(2024, 6, 1),
        MONTHLY,
        eom=False,
        count=1,
        convention=F,
        calendar="weekdays",
        calc_unadjusted=True,
    )
    level = Amortization(AmortizationKind.LEVEL_PAYMENT, moved)
    (inst,) = build_installments(terms(amortization=level, maturity=date(2024, 6, 3)))
    assert (inst.due_date, inst.calc_date, inst.cite) == (
        date(2024, 6, 3),
        date(2024, 6, 1),
        "N ¶5",
    )
    # calculated to the unadjusted date when the schedule says so: 06-01 due 06-03
    sched = PaymentSchedule(
        date(2024, 6, 1),
        MONTHLY,
        eom=False,
        count=1,
        convention=F,
        calendar="weekdays",
        calc_unadjusted=True,
    )
    (moved,) = build_installments(
        terms(
            amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched),
            maturity=date(2024, 6, 3),
        )
    )
    assert (moved.due_date, moved.calc_date) == (date(2024, 6, 3), date(2024, 6, 1))


def test_apply_prepayment_in_either_order_from_the_first_open_installment() -> None:
    # [10, 20, 30, 40], first open index 1, 45 in inverse order: 40 from #4, 5 from #3
    amounts = [D(10), D(20), D(30), D(40)]
    assert apply_prepayment(amounts, 1, D(45), PrepaymentOrder.INVERSE) == [(3, D(40)), (2, D(5))]
    assert amounts == [D(10), D(20), D(25), D(0)]
    # direct: 25 takes 20 from #2 and 5 from #3; #1 (index 0) is closed
    amounts = [D(10), D(20), D(30), D(40)]
    assert apply_prepayment(amounts, 1, D(25), PrepaymentOrder.DIRECT) == [(1, D(20)), (2, D(5))]
    assert amounts == [D(10), D(0), D(25), D(40)]
    # zero installments are skipped, nothing taken of them; more than is open takes it all
    amounts = [D(0), D(0), D(5)]
    assert apply_prepayment(amounts, 0, D(100), PrepaymentOrder.DIRECT) == [(2, D(5))]
    assert apply_prepayment([D(5)], 0, D(0), PrepaymentOrder.DIRECT) == []
    # inverse, more than is open: the closed installment (index 0) is never touched
    amounts = [D(10), D(20), D(30)]
    assert apply_prepayment(amounts, 1, D(100), PrepaymentOrder.INVERSE) == [(2, D(30)), (1, D(20))]
    assert amounts == [D(10), D(0), D(0)]


def test_terms_over_time_by_their_dates() -> None:
    v1, v2, v3 = terms(principal=D(1)), terms(principal=D(2)), terms(principal=D(3))
    days = (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))
    history = TermsHistory(((days[2], v3), (days[0], v1), (days[1], v2)))  # any order
    assert [d for d, _ in history.versions] == list(days)
    assert history.latest is v3
    assert history.at(date(2023, 12, 31)) is v1  # before the first: the first
    assert history.at(days[0]) is v1
    assert history.at(date(2024, 1, 31)) is v1
    assert history.at(days[1]) is v2  # in force from its own date
    assert history.at(date(2099, 1, 1)) is v3
    assert history.change_dates() == (days[1], days[2])
    assert TermsHistory.single(v1).versions == ((date(2024, 1, 1), v1),)
    assert TermsHistory.single(v1).change_dates() == ()
    with pytest.raises(ValueError, match=r"^a terms history needs at least one version$"):
        TermsHistory(())
    # two versions from the same date: kept in the order given, the later one in force
    same = TermsHistory(((days[1], v2), (days[1], v3), (days[0], v1)))
    assert same.at(days[1]) is v3 and same.at(days[0]) is v1


def test_the_position_totals() -> None:
    # principal 1,000 not due + 200 due = 1,200 outstanding; due now 200 + 30 interest + 4
    # late charges + 5 fees - 9 held = 230; payoff 1,200 + 11 accrued + 30 + 4 + 5 - 9 = 1,241
    due = DueItem("principal", date(2024, 2, 1), D("200"), "e", "c")
    p = Position(
        date(2024, 2, 5), D("1000"), D("200"), D("11"), D("30"), D("4"), D("5"), D("9"), (due,)
    )
    assert (p.principal_outstanding, p.total_due, p.payoff) == (D("1200"), D("230"), D("1241"))
