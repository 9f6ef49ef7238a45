"""What falls due (``engine/dues.py``) on the small loan of ``simple_loan``: the advance with a
premium or discount and interest accrued before the start, advances in parts, the interest
base kept apart, the initial rate, level payments, the usury credit and fees. Each line is
checked whole (amount, accounts, event, term, clause, memo); the figures are worked below.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine import EventKind, TermsHistory
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Amortization, AmortizationKind, InterestBase, RateReset, RateSpec
from loanbook.time import DayCount
from tests.engine.simple_loan import MONTHLY, event, market, monthly_from, of_kind, run, terms

JAN1, FEB1, MAR1 = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


def test_a_premium_is_paid_with_the_first_advance_only() -> None:
    # Advanced in two parts, 20,000 on 01-01 and 16,000 on 01-15; a premium of 500.00 paid
    # with the first (Dr trading, Cr cash), none with the second.
    result = run(
        date(2024, 1, 20),
        event(JAN1, EventKind.ADVANCE, "20000.00"),
        event(date(2024, 1, 15), EventKind.ADVANCE, "16000.00"),
        premium_discount=D("500.00"),
    )
    assert of_kind(result, LineKind.PREMIUM_DISCOUNT) == [
        (
            JAN1,
            LineKind.PREMIUM_DISCOUNT,
            D("500.00"),
            Account.TRADING,
            Account.CASH,
            f"advance:{JAN1}:advance {JAN1}",
            "loans.t.premium_discount",
            "N ¶7",
            "price",
            "premium paid with the advance",
        )
    ]
    assert [(r[0], r[2], r[6], r[7], r[9]) for r in of_kind(result, LineKind.ADVANCE)] == [
        (JAN1, D("20000.00"), "loans.t.principal", "N ¶2", "Advance"),
        (date(2024, 1, 15), D("16000.00"), "loans.t.principal", "N ¶2", "Advance"),
    ]
    # 20,000 x 10% x 14/360 (01-01..01-14) = 77.777... -> 77.78; then 36,000 for 01-15..01-19
    # (5 days at 10.00) = 50.00: 127.777... -> 127.78 accrued by 01-20.
    assert result.position.interest_accrued == D("127.78")
    assert result.position.principal_not_due == D("36000.00")


def test_a_discount_is_received_with_the_advance() -> None:
    # A discount of 300.00 (premium_discount -300): the reverse posting, Dr cash, Cr trading.
    result = run(date(2024, 1, 2), premium_discount=D("-300.00"))
    assert of_kind(result, LineKind.PREMIUM_DISCOUNT) == [
        (
            JAN1,
            LineKind.PREMIUM_DISCOUNT,
            D("300.00"),
            Account.CASH,
            Account.TRADING,
            "t/advance",
            "loans.t.premium_discount",
            "N ¶7",
            "price",
            "discount",
        )
    ]


def test_interest_accrued_before_the_start_is_posted_at_the_advance_and_falls_due() -> None:
    # A loan taken on with 123.456 accrued before its start: posted 123.46 at the advance
    # (half-up); on 02-01 the interest due is 123.456 + 310.00 (January) = 433.456 -> 433.46,
    # and January's accrual line is what the cumulative total adds: 433.46 - 123.46 = 310.00.
    result = run(FEB1, accrued_at_start=D("123.456"))
    assert of_kind(result, LineKind.ACCRUAL) == [
        (
            JAN1,
            LineKind.ACCRUAL,
            D("123.46"),
            Account.INTEREST_ACCRUED,
            Account.INTEREST_INCOME,
            "t/advance",
            "loans.t.accrued_at_start",
            "N ¶8",
            "interest",
            "interest accrued before the start",
        ),
        (
            FEB1,
            LineKind.ACCRUAL,
            D("310.00"),
            Account.INTEREST_ACCRUED,
            Account.INTEREST_INCOME,
            "t/installment/1",
            "loans.t.rate",
            "N ¶3",
            "interest",
            "2024-01-01..2024-01-31 on 36000.00 at 10% (fixed 10%), actual/360",
        ),
    ]
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("433.46")]


def test_interest_accrued_before_the_start_only_with_the_first_advance() -> None:
    # Two advances (20,000 on 01-01, 16,000 on 01-15) and 100.00 accrued before the start:
    # 100.00 posted once. Interest due 02-01: 100 + 77.777... (20,000, 14 days) + 170.00
    # (36,000, 17 days) = 347.777... -> 347.78.
    result = run(
        FEB1,
        event(JAN1, EventKind.ADVANCE, "20000.00"),
        event(date(2024, 1, 15), EventKind.ADVANCE, "16000.00"),
        accrued_at_start=D("100.00"),
    )
    before = [r for r in of_kind(result, LineKind.ACCRUAL) if r[6] == "loans.t.accrued_at_start"]
    assert [(r[0], r[2]) for r in before] == [(JAN1, D("100.00"))]
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("347.78")]


def test_an_interest_base_fixed_at_the_advances_ignores_repayments() -> None:
    # interest_base at_advance: the base is the sum of the advances, 20,000 + 16,000 = 36,000,
    # and stays so when the first installment is paid. January: 77.777... + 170.00 = 247.78;
    # February on 36,000 (not the 24,000 outstanding): 36,000 x 10% x 29/360 = 290.00.
    result = run(
        MAR1,
        event(JAN1, EventKind.ADVANCE, "20000.00"),
        event(date(2024, 1, 15), EventKind.ADVANCE, "16000.00"),
        event(FEB1, EventKind.PAYMENT, "12247.78"),
        interest_base=InterestBase.AT_ADVANCE,
    )
    due = [(r[0], r[2], r[3]) for r in of_kind(result, LineKind.INTEREST_DUE)]
    assert due == [
        (FEB1, D("247.78"), Account.INTEREST_DUE),  # owed by the borrower (Dr interest due)
        (MAR1, D("290.00"), Account.INTEREST_DUE),
    ]


def test_a_lagged_interest_base_starts_at_its_agreed_amount() -> None:
    # interest_base lagged, starting at 30,000 (no reset schedule): January on 30,000:
    # 30,000 x 10% x 31/360 = 258.333... -> 258.33.
    result = run(FEB1, interest_base=InterestBase.LAGGED, interest_base_amount=D("30000.00"))
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("258.33")]


def test_a_lagged_interest_base_without_an_amount_is_the_first_advance() -> None:
    # Without a starting amount the base is the first advance, 20,000, and the second advance
    # (16,000 on 01-15) does not change it: 20,000 x 10% x 31/360 = 172.222... -> 172.22.
    result = run(
        FEB1,
        event(JAN1, EventKind.ADVANCE, "20000.00"),
        event(date(2024, 1, 15), EventKind.ADVANCE, "16000.00"),
        interest_base=InterestBase.LAGGED,
    )
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("172.22")]


def test_an_initial_rate_holds_until_the_first_reset() -> None:
    # Index IDX 5% + 1% margin, reset monthly from 02-01, initial rate 12% until then:
    # January 36,000 x 12% x 31/360 = 372.00; February (paid 02-01) on 24,000 at 6%:
    # 24,000 x 6% x 29/360 = 116.00.
    spec = RateSpec(
        index="IDX",
        margin=D("0.01"),
        reset=RateReset.CYCLE,
        reset_cycle=MONTHLY,
        reset_anchor=FEB1,
        initial=D("0.12"),
    )
    result = run(
        MAR1,
        event(FEB1, EventKind.PAYMENT, "12372.00"),
        mkt=market(("IDX", date(2023, 12, 1), "0.05")),
        rate=spec,
    )
    memos = [(r[0], r[2], r[7], r[9]) for r in of_kind(result, LineKind.ACCRUAL)]
    assert memos == [
        (
            FEB1,
            D("372.00"),
            "N ¶3",
            "2024-01-01..2024-01-31 on 36000.00 at 12% (initial 12%), actual/360",
        ),
        (
            MAR1,
            D("116.00"),
            "N ¶3",
            "2024-02-01..2024-02-29 on 24000.00 at 6% (IDX 5% (fixing of 2023-12-01) + 1%), "
            "actual/360",
        ),
    ]


def test_an_initial_rate_without_an_index_is_a_fixed_rate() -> None:
    # No index: the initial rate is the fixed rate, named so ("fixed 10%"), 310.00 in January.
    result = run(FEB1, rate=RateSpec(initial=D("0.10")))
    assert [r[9] for r in of_kind(result, LineKind.ACCRUAL)] == [
        "2024-01-01..2024-01-31 on 36000.00 at 10% (fixed 10%), actual/360"
    ]


def test_level_payments_principal_is_the_payment_less_interest() -> None:
    # Level payment of 12,500.00 agreed: 02-01 principal 12,500 - 310.00 = 12,190.00;
    # paid, 23,810.00 outstanding; 03-01 interest 23,810 x 10% x 29/360 = 191.8027... ->
    # 191.80, principal 12,500 - 191.80 = 12,308.20; the last (04-01) takes what is left,
    # 23,810 - 12,308.20 = 11,501.80.
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500.00"))
    result = run(
        date(2024, 4, 1),
        event(FEB1, EventKind.PAYMENT, "12500.00"),
        event(MAR1, EventKind.PAYMENT, "12500.00"),
        amortization=amort,
    )
    assert {(r[6], r[7]) for r in of_kind(result, LineKind.INSTALLMENT_DUE)} == {
        ("loans.t.amortization", "N ¶5")
    }
    inst = [(r[0], r[2], r[9]) for r in of_kind(result, LineKind.INSTALLMENT_DUE)]
    assert inst == [
        (FEB1, D("12190.00"), "Installment 1 of 3"),
        (MAR1, D("12308.20"), "Installment 2 of 3"),
        (date(2024, 4, 1), D("11501.80"), "Installment 3 of 3"),
    ]
    assert [i.amount for i in result.installments] == [
        D("12190.00"),
        D("12308.20"),
        D("11501.80"),
    ]


def test_a_level_payment_below_the_interest_pays_no_principal_unless_negative() -> None:
    # A payment of 300.00 below January's interest of 310.00: level payment -> no principal
    # falls due (not -10.00); negative amortization -> the shortfall 10.00 is added to
    # principal: an installment of -10.00 owed to the borrower, held as unapplied funds.
    level = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("300.00"))
    result = run(FEB1, amortization=level)
    assert of_kind(result, LineKind.INSTALLMENT_DUE) == []
    assert result.position.principal_not_due == D("36000.00")
    neg = Amortization(AmortizationKind.NEGATIVE, monthly_from(FEB1, 3), D("300.00"))
    result = run(FEB1, amortization=neg)
    assert [(r[2], r[3], r[4]) for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [
        (D("10.00"), Account.PRINCIPAL_RECEIVABLE, Account.PRINCIPAL_DUE)
    ]
    assert result.position.principal_not_due == D("36010.00")


def test_a_level_payment_not_agreed_is_computed_at_the_first_installment() -> None:
    # No payment agreed and the first principal date (01-02) the day after the advance: the
    # payment is computed at that installment, after one day of interest (10.00), as the
    # annuity over the principal dates 01-02, 02-02, 03-02 (31 and 29 days apart):
    # f1 = 1 + 10% x 31/360, f2 = 1 + 10% x 29/360,
    # P = (36,000 + 10) x f1 x f2 / (1 + f2 + f1 x f2) = 12,104.1941... -> 12,104.19;
    # the first installment is P less the interest then accrued: 12,104.19 - 10.00 = 12,094.19.
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(date(2024, 1, 2), 3))
    result = run(
        date(2024, 1, 2), amortization=amort, interest_schedule=monthly_from(date(2024, 1, 2))
    )
    inst = of_kind(result, LineKind.INSTALLMENT_DUE)
    assert [r[2] for r in inst] == [D("12094.19")]


def test_the_usury_excess_is_credited_with_the_interest_due() -> None:
    # 10% agreed, 8% the maximum lawful rate: January 310.00 due, of which
    # 36,000 x 2% x 31/360 = 62.00 is credited back (Dr interest income, Cr interest due);
    # 248.00 stays due.
    result = run(FEB1, usury_max_rate=D("0.08"))
    assert of_kind(result, LineKind.USURY_CREDIT) == [
        (
            FEB1,
            LineKind.USURY_CREDIT,
            D("62.00"),
            Account.INTEREST_INCOME,
            Account.INTEREST_DUE,
            "t/interest/2024-02-01",
            "loans.t.usury_max_rate",
            "N ¶9",
            "interest",
            "interest above the maximum lawful rate 8% credited to the borrower",
        )
    ]
    assert result.position.interest_due == D("248.00")


def test_interest_due_line_whole() -> None:
    result = run(FEB1)
    assert of_kind(result, LineKind.INTEREST_DUE) == [
        (
            FEB1,
            LineKind.INTEREST_DUE,
            D("310.00"),
            Account.INTEREST_DUE,
            Account.INTEREST_ACCRUED,
            "t/interest/2024-02-01",
            "loans.t.interest_schedule",
            "N ¶4",
            "interest",
            "interest payable for the days up to the day before",
        )
    ]
    (due,) = [d for d in result.position.dues if d.component == "interest"]
    assert (due.due_date, due.amount, due.event, due.cite) == (
        FEB1,
        D("310.00"),
        "t/interest/2024-02-01",
        "N ¶4",
    )


@pytest.mark.parametrize(
    ("detail", "term", "cite"),
    [
        (
            {"cite": "N §20", "term": "loans.t.fees.arrangement"},
            "loans.t.fees.arrangement",
            "N §20",
        ),
        ({}, "loans.t.fees", "N ¶1"),  # the loan's own clause and the fees term
    ],
)
def test_a_fee_line_and_its_due(detail: dict[str, str], term: str, cite: str) -> None:
    # A fee of 250.00 on 01-10: Dr fee receivable, Cr fee income, due at once with the
    # clause given (else the loan's); the due always names the fees term.
    fee = event(date(2024, 1, 10), EventKind.FEE, "250.00", **detail)
    result = run(date(2024, 1, 11), fee)
    assert of_kind(result, LineKind.FEE) == [
        (
            date(2024, 1, 10),
            LineKind.FEE,
            D("250.00"),
            Account.FEE_RECEIVABLE,
            Account.FEE_INCOME,
            fee.event_id,
            term,
            cite,
            "fee",
            "fee 2024-01-10",
        )
    ]
    (due,) = result.position.dues
    assert (due.component, due.due_date, due.amount, due.event, due.cite) == (
        "fee",
        date(2024, 1, 10),
        D("250.00"),
        fee.event_id,
        cite,
    )
    assert result.position.fees == D("250.00")


def test_an_advance_at_the_end_of_its_day_accrues_from_the_next() -> None:
    # advanced at the end of 01-01: interest from 01-02, 30 days x 10.00 = 300.00 by 02-01
    advance = event(JAN1, EventKind.ADVANCE, "36000.00", end_of_day="yes")
    result = run(FEB1, advance)
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("300.00")]


def test_each_span_accrues_under_the_terms_in_force_at_its_start() -> None:
    # A version of the terms from 02-15 counts days actual/365 (10% still). Paid on 02-01,
    # February accrues on 24,000: 02-01..02-14 actual/360, 14 x 6.666... = 93.333...;
    # 02-15..02-29 actual/365, 24,000 x 10% x 15/365 = 98.6301...; 191.9634... -> 191.96.
    v1, v2 = terms(), terms(day_count=DayCount.ACT_365F)
    history = TermsHistory(((JAN1, v1), (date(2024, 2, 15), v2)))
    result = run(MAR1, event(FEB1, EventKind.PAYMENT, "12310.00"), history=history)
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("310.00"), D("191.96")]
    memos = [r[9] for r in of_kind(result, LineKind.ACCRUAL) if r[0] > FEB1]
    assert memos == [
        "2024-02-01..2024-02-14 on 24000.00 at 10% (fixed 10%), actual/360",
        "2024-02-15..2024-02-29 on 24000.00 at 10% (fixed 10%), actual/365",
    ]


def test_a_fee_of_one_dollar_is_due() -> None:
    result = run(date(2024, 1, 11), event(date(2024, 1, 10), EventKind.FEE, "1.00"))
    assert result.position.fees == D("1.00")


def test_accrual_never_runs_back_to_an_earlier_calculation_date() -> None:
    # A payment at the end of 01-10 accrues to the end of that day (10 days on 36,000 =
    # 100.00); a prepayment of 6,000 the same day, after it, does not take the accrual back:
    # 01-11..01-31 (21 days) on 30,000 = 30,000 x 10% x 21/360 = 175.00; 275.00 due 02-01.
    result = run(
        FEB1,
        event(date(2024, 1, 10), EventKind.PAYMENT, "100.00", end_of_day="yes"),
        event(date(2024, 1, 10), EventKind.PREPAYMENT, "6000.00"),
    )
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("275.00")]
    assert [(r[0], r[2]) for r in of_kind(result, LineKind.ACCRUAL)] == [
        (date(2024, 1, 11), D("100.00")),  # dated the day it accrues to
        (FEB1, D("175.00")),
    ]


def test_an_advance_after_the_loan_date_accrues_from_its_own_date() -> None:
    # advanced on 01-05 (the terms' start is 01-01): 01-05..01-31, 27 days x 10.00 = 270.00
    result = run(FEB1, event(date(2024, 1, 5), EventKind.ADVANCE, "36000.00"))
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("270.00")]
    assert [(r.start, r.quote.rate) for r in result.rates] == [(date(2024, 1, 5), D("0.10"))]


def test_a_level_payment_loan_prepaid_in_full_has_no_installment_computed() -> None:
    # 36,000 prepaid on 01-10: nothing falls due on 02-01 and no installment is computed
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500.00"))
    result = run(
        FEB1, event(date(2024, 1, 10), EventKind.PREPAYMENT, "36000.00"), amortization=amort
    )
    assert of_kind(result, LineKind.INSTALLMENT_DUE) == []
    assert [i.amount for i in result.installments] == [None, None, None]


def test_the_last_dollar_of_principal_falls_due() -> None:
    # 35,999.00 prepaid (inverse: 12,000 + 12,000 + 11,999): installment 1 is 1.00, due 02-01
    result = run(FEB1, event(date(2024, 1, 10), EventKind.PREPAYMENT, "35999.00"))
    assert [(r[0], r[2]) for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [(FEB1, D("1.00"))]


def test_a_premium_below_one_dollar_is_a_premium() -> None:
    result = run(date(2024, 1, 2), premium_discount=D("0.50"))
    assert [(r[2], r[3], r[9]) for r in of_kind(result, LineKind.PREMIUM_DISCOUNT)] == [
        (D("0.50"), Account.TRADING, "premium paid with the advance")
    ]


def test_a_fee_without_its_own_cite_cites_the_loan_clause_in_force_on_its_date() -> None:
    from dataclasses import replace
    from types import MappingProxyType

    from loanbook.terms.model import Citation

    note = terms()
    amended = replace(note, cites=MappingProxyType({**note.cites, "loan": Citation("AMD", "¶1")}))
    history = TermsHistory(((note.start, note), (date(2024, 2, 15), amended)))
    fees = (
        event(date(2024, 1, 10), EventKind.FEE, "1.00"),
        event(date(2024, 3, 10), EventKind.FEE, "2.00"),
    )
    result = run(date(2024, 3, 11), *fees, history=history)
    assert [(r[0], r[7]) for r in of_kind(result, LineKind.FEE)] == [
        (date(2024, 1, 10), "N ¶1"),
        (date(2024, 3, 10), "AMD ¶1"),
    ]
